"""The dynamic game with the US's reputation as a state (sim.dynamic.reputation)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.backtest import model_probabilities, observation
from sim.dynamic.calendar import calendar
from sim.dynamic.game import solve_dynamic
from sim.dynamic.reputation import continuation, path_stages, posterior, solve_reputation, solve_stage, stage_form, \
    type_payoffs
from sim.engine.params import replace_values
from sim.history.record import DEFAULT_HISTORY, load_record
from sim.scenarios import get_scenario

SC = get_scenario("iraq2020")
CAL = calendar("2020Q1", "2020Q4")  # four quarters keep it fast
LAM = np.array([0.4, 2.0])
ADJ = np.array([0.5, 2.0])


@pytest.fixture(scope="module")
def rep():
    return solve_reputation(SC, SC.params_cls(), CAL, lam=LAM, adjust_cost=ADJ, beliefs=6)


def test_a_known_type_is_the_game_of_complete_information(rep):
    """At belief 1 the committed type plays the game without reputation; at 0 the bluffer
    plays it with the bluffer's value of punishing."""
    params = SC.params_cls()
    committed = solve_dynamic(SC, params, CAL, lam=LAM, adjust_cost=ADJ)
    np.testing.assert_allclose(rep.values[:, :, -1, 0], committed.values, rtol=0, atol=1e-10)
    bluff = replace_values(params, {"us.credibility": params.us.bluff_credibility})
    bluffing = solve_dynamic(SC, bluff, CAL, lam=LAM, adjust_cost=ADJ)
    np.testing.assert_allclose(rep.values[:, :, 0, 1], bluffing.values, rtol=0, atol=1e-10)


def test_the_fixed_points_converge(rep):
    assert rep.residual.max() <= 1e-10


def test_reputation_has_value_to_the_bluffer(rep):
    """The bluffing US is better off the more the others believe it committed."""
    us = SC.players.index("US")
    v = rep.values[0, 0, :, 1, us]  # (G, B)
    assert (np.diff(v, axis=0) > 0).all()


def test_enforcing_after_a_violation_raises_the_belief_and_accommodating_lowers_it(rep):
    """Bayes' rule at a US node after Iraq demanded the troops' exit."""
    form = stage_form(SC)
    params = SC.params_cls()
    pay = type_payoffs(SC, params, CAL, 0, 2)
    cost = np.zeros(form.kids.shape + (2,))
    pi = np.full(2, 0.5)
    st = solve_stage(form, pay, cost, pi, rep.values[1], LAM, 0.98, SC.players.index("US"))
    tree = SC.sequential.tree
    hist = tree.leaf_histories()
    m = form.node_of_leaf[[k for k, h in enumerate(hist) if h[:3] == ("none", "pressure", "exit+status_quo")][0]]
    actions = SC.actors[SC.players.index("US")].actions
    post = st.post[m]  # (A, B)
    assert (post[actions.index("maintain+severe")] > 0.5).all()
    assert (post[actions.index("maintain+accommodate")] < 0.5).all()


def test_posterior_is_bayes_rule():
    sigma = np.array([[[[0.2], [0.8]]], [[[0.6], [0.4]]]])  # (2, M=1, A=2, B=1)
    post = posterior(np.array([0.5]), sigma)
    np.testing.assert_allclose(post[0, :, 0], [0.2 / 0.8, 0.8 / 1.2])


def test_continuation_is_exact_on_the_grid_and_linear_between(rep):
    v = rep.values[1]  # (S, G, Θ, N, B)
    form = stage_form(SC)
    grid = rep.grid
    m, a = form.kids.shape
    for g in (0, 2, len(grid) - 1):
        post = np.full((m, a, v.shape[-1]), grid[g])
        got = continuation(v, post, form.posture, [0, 3])  # (Θ, K, M, A, B)
        want = v[form.posture][:, g][:, :, [0, 3]]  # (A, Θ, K, B)
        np.testing.assert_allclose(got[:, :, 0], want.transpose(1, 2, 0, 3), rtol=0, atol=1e-12)
    mid = np.full((m, a, v.shape[-1]), 0.5 * (grid[1] + grid[2]))
    got = continuation(v, mid, form.posture, [3])[:, :, 0]
    want = 0.5 * (v[form.posture][:, 1] + v[form.posture][:, 2])[:, :, [3]].transpose(1, 2, 0, 3)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_path_at_prior_one_scores_as_the_game_without_reputation():
    """With the US known to be committed the record's probabilities are the fixed-κ model's."""
    params = SC.params_cls()
    record = load_record(DEFAULT_HISTORY, start="2020Q1", stop="2020Q4")
    obs = observation(SC, record)
    rep = solve_reputation(SC, params, CAL, lam=0.4, adjust_cost=0.5, beliefs=6)
    prob, belief, _ = path_stages(SC, params, CAL, rep, obs.states, obs.leaf_sets, [1.0, 0.5], lam=0.4,
                                  adjust_cost=0.5)
    fixed, _ = model_probabilities(SC, params, CAL, obs, np.array([0.4]), np.array([0.5]), 0.98)
    np.testing.assert_allclose(prob[:, 0, 0], fixed[:, 0], rtol=1e-10)
    assert (belief[:, 0, 0] == 1.0).all()
    # 2020Q1: Iraq demanded the exit and the US accommodated: the belief in commitment falls
    assert belief[1, 1, 0] < 0.5
