"""The dynamic game with the two-level Iraq (sim.dynamic.domestic) and Iraq's governments
as dated shocks (sim.scenarios.iraq2020_blocs.governments)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.bargain.two_level import leaf_components_batch_last, two_level_on_leaves
from sim.dynamic.calendar import SHOCKS, calendar
from sim.dynamic.domestic import solve_dynamic_two_level
from sim.dynamic.game import QUARTER_SHARE
from sim.engine.scenario import leaf_payoffs_batch_last
from sim.scenarios import DYNAMIC_SHOCKS, get_scenario

SC = get_scenario("iraq2020_blocs")
CAL = calendar("2020Q1", "2020Q4", SHOCKS + DYNAMIC_SHOCKS["iraq2020_blocs"])


@pytest.fixture(scope="module")
def dyn():
    return solve_dynamic_two_level(SC, SC.params_cls(), CAL, lam=np.array([0.5, 10.0]), adjust_cost=0.5)


def test_every_quarter_and_state_is_a_distribution(dyn):
    total = dyn.leaf_probs.sum(axis=2)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert (dyn.leaf_probs > 0).all()  # logit movers and the PCE: every leaf has a probability


def test_the_last_quarter_is_the_stage_two_level_game(dyn):
    """After the last quarter there is no future: from state ``maintain`` with no move to pay
    for, the quarter is the two-level stage game on a quarter of the payoffs."""
    t = CAL.n - 1
    p = SC.params_cls()
    from sim.dynamic.game import stage_params
    p_t = stage_params(p, CAL, t)
    pay = QUARTER_SHARE * leaf_payoffs_batch_last(SC, p_t)
    comps = QUARTER_SHARE * leaf_components_batch_last(SC.domestic, SC.sequential.features, p_t)
    res = two_level_on_leaves(SC, p_t, pay, comps, lam=np.array([0.5]), logit_below=True)
    move_free = SC.sequential.features["maintain"][:, 0] > 0  # leaves that keep the posture
    got = dyn.leaf_probs[t, 0, :, 0]
    # only leaves that change the posture pay the adjustment cost: compare a game with c = 0
    free = solve_dynamic_two_level(SC, p, CAL, lam=0.5, adjust_cost=0.0)
    np.testing.assert_allclose(free.leaf_probs[t, 0, :, 0], res.reach[SC.sequential.tree.leaves][:, 0], rtol=1e-10)
    assert got[move_free].sum() > free.leaf_probs[t, 0, move_free, 0].sum()  # the cost keeps the troops


def test_the_governments_move_iraq(dyn):
    """Kadhimi (lean +0.5 from 2020Q2) against Abdul-Mahdi kept all along."""
    same = calendar("2020Q1", "2020Q4", SHOCKS)
    kept = solve_dynamic_two_level(SC, SC.params_cls(), same, lam=np.array([0.5, 10.0]), adjust_cost=0.5)
    assert CAL.overrides[1]["executive.lean"] == 0.5 and "executive.lean" not in same.overrides[1]
    assert np.abs(kept.leaf_probs[1] - dyn.leaf_probs[1]).max() > 1e-3


def test_a_unitary_scenario_is_refused():
    with pytest.raises(ValueError, match="no domestic actor"):
        solve_dynamic_two_level(get_scenario("iraq2020"), get_scenario("iraq2020").params_cls(), CAL, lam=1.0)
