"""The dynamic game (issue 16): the calendar of shocks, and backward induction over
quarters checked against the stage game, the QRE's limit and batching."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dynamic.calendar import SHOCKS, Shock, calendar, quarter_index, quarter_name, quarters
from sim.dynamic.game import POSTURES, posture_codes, solve_dynamic, stage_params
from sim.engine.params import ConfigError, batch, get_value, iter_params
from sim.scenarios.iraq2020 import SCENARIO as SC
from sim.solvers.spe import solve_spe

BASE = SC.params_cls()
CAL = calendar()


def test_quarters_and_their_index():
    assert CAL.quarters[0] == "2020Q1" and CAL.quarters[-1] == "2022Q4" and CAL.n == 12
    assert quarter_index("2021Q1") - quarter_index("2020Q4") == 1
    assert all(quarter_name(quarter_index(q)) == q for q in CAL.quarters)
    with pytest.raises(ConfigError, match="the range is empty"):
        quarters("2021Q1", "2020Q4")
    with pytest.raises(ConfigError, match="'2020Q5' is malformed"):
        quarter_index("2020Q5")


def test_oil_revenue_follows_the_ministrys_years_with_the_crash_in_the_second_quarter():
    oil = [get_value(stage_params(BASE, CAL, t), "iraq.oil_revenue") for t in range(CAL.n)]
    assert oil == [78.5, 42.0, 42.0, 42.0, 75.0, 75.0, 75.0, 75.0, 115.0, 115.0, 115.0, 115.0]
    margin = [get_value(stage_params(BASE, CAL, t), "russia.margin") for t in range(CAL.n)]
    assert margin[:8] == [BASE.russia.margin] * 8 and margin[8:] == [0.0] * 4


def test_every_shock_names_a_real_parameter_within_its_range_and_a_source():
    infos = {i.name: i for i in iter_params(SC.params_cls)}
    for s in SHOCKS:
        assert s.param in infos, s.param
        assert infos[s.param].low <= s.value <= infos[s.param].high, s
        assert s.source and s.event


def test_a_later_shock_overrides_an_earlier_one_from_its_quarter():
    shocks = [Shock("2020Q1", "iraq.nationalism", 1.0, "a", "b"), Shock("2020Q3", "iraq.nationalism", 3.0, "c", "d")]
    cal = calendar("2020Q1", "2020Q4", shocks)
    assert [o["iraq.nationalism"] for o in cal.overrides] == [1.0, 1.0, 3.0, 3.0]


def random_points(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return batch(BASE, {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(SC.params_cls)})


def test_without_adjustment_cost_or_future_each_quarter_is_the_stage_spe():
    """δ = 0 and no cost of moving troops: the MPE plays each quarter's stage SPE, from every state."""
    p = random_points(200, seed=1)
    dyn = solve_dynamic(SC, p, CAL, lam=None, discount=0.0, adjust_cost=0.0)
    for t in (0, 1, 8):
        spe_leaf = solve_spe_leaf(stage_params(p, CAL, t))
        for s in range(len(POSTURES)):
            np.testing.assert_array_equal(dyn.leaf_probs[t, s].argmax(axis=0), spe_leaf)
            np.testing.assert_array_equal(dyn.leaf_probs[t, s].max(axis=0), 1.0)


def solve_spe_leaf(params) -> np.ndarray:
    from sim.engine.lazy_tree import solve_spe_lazy

    return solve_spe_lazy(SC, params).path_leaf


def test_the_last_quarters_values_are_its_stage_payoffs_and_earlier_ones_add_the_discounted_future():
    dyn = solve_dynamic(SC, BASE, CAL, lam=None, discount=0.9, adjust_cost=0.0)
    spe_last = solve_spe(SC, stage_params(BASE, CAL, CAL.n - 1))
    us = SC.players.index("US")
    np.testing.assert_allclose(dyn.values[-1, 0, us, 0], 0.25 * spe_last["spe_payoff_us"][0], rtol=1e-12)
    # no adjustment cost: the state does not matter, and V_t = u_t / 4 + 0.9 V_{t+1}
    np.testing.assert_allclose(dyn.values[:, 0], dyn.values[:, 2], rtol=1e-12, atol=1e-12)
    spe_first = solve_spe(SC, stage_params(BASE, CAL, 0))
    np.testing.assert_allclose(dyn.values[0, 0, us, 0], 0.25 * spe_first["spe_payoff_us"][0]
                               + 0.9 * dyn.values[1, 0, us, 0], rtol=1e-12)


def test_an_adjustment_cost_makes_the_inherited_posture_matter():
    dyn = solve_dynamic(SC, BASE, CAL, lam=None, adjust_cost=0.2)
    post = posture_codes(SC)
    # from an advisory mission the US keeps advisers; from a full presence it does not draw down at once
    p_adv_from_adv = dyn.leaf_probs[1, 1][post == 1].sum()
    assert p_adv_from_adv == pytest.approx(1.0)
    assert not np.allclose(dyn.values[1, 0], dyn.values[1, 1])


def test_the_qre_approaches_the_mpe_as_rationality_grows():
    """Values converge (leaf probabilities need not: payoff-equivalent actions, e.g. demands
    the US answers alike, split evenly in the QRE where the MPE's tie-break takes the first)."""
    mpe = solve_dynamic(SC, BASE, CAL, lam=None, adjust_cost=0.2)
    gaps = [np.abs(solve_dynamic(SC, BASE, CAL, lam=lam, adjust_cost=0.2).values - mpe.values).max()
            for lam in (10.0, 1000.0, 1e6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-4, gaps


def test_probabilities_sum_to_one_and_the_state_path_too():
    dyn = solve_dynamic(SC, random_points(50, seed=2), CAL, lam=np.full(50, 3.0), adjust_cost=np.linspace(0, 2, 50))
    np.testing.assert_allclose(dyn.leaf_probs.sum(axis=2), 1.0, rtol=1e-12)
    np.testing.assert_allclose(dyn.state_path(0).sum(axis=1), 1.0, rtol=1e-12)


def test_batched_equals_point_by_point():
    p = random_points(8, seed=3)
    lam, cost = np.linspace(0.5, 20, 8), np.linspace(0, 3, 8)
    whole = solve_dynamic(SC, p, CAL, lam=lam, adjust_cost=cost)
    for b in (0, 5):
        one_p = batch(BASE, {i.name: np.asarray(get_value(p, i.name)).ravel()[b:b + 1] for i in iter_params(SC.params_cls)})
        one = solve_dynamic(SC, one_p, CAL, lam=lam[b:b + 1], adjust_cost=cost[b:b + 1])
        np.testing.assert_allclose(one.leaf_probs[..., 0], whole.leaf_probs[..., b], rtol=1e-12, atol=1e-15)
