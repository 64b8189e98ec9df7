"""The fast MPE of the dynamic game (sim.dynamic.fast) against the generic solver
(sim.dynamic.game.solve_dynamic, lam=None): the same leaf at every (quarter, state) and
draw, ties included, the same values, the path from a start state, and chunking."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dynamic.calendar import calendar
from sim.dynamic.fast import solve_mpe_fast
from sim.dynamic.game import solve_dynamic, stage_params, troop_levels
from sim.engine.params import ConfigError, batch, iter_params
from sim.engine.scenario import leaf_payoffs_batch_last
from sim.engine.tree import backward_induction_batch_last
from sim.scenarios.iraq2020 import SCENARIO as SC

BASE = SC.params_cls()
CAL = calendar()
N = 300


def random_points(n: int, seed: int):
    """n draws uniform over every parameter's documented range."""
    rng = np.random.default_rng(seed)
    return batch(BASE, {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(SC.params_cls)})


def tie_points(n: int, seed: int):
    """Draws with many exact ties: parameters on a coarse grid inside their ranges, so the
    tie-break rule (not the payoffs) decides many choices."""
    rng = np.random.default_rng(seed)
    cols = {i.name: i.low + (i.high - i.low) * rng.integers(0, 3, n) / 2 for i in iter_params(SC.params_cls)}
    return batch(BASE, cols)


def assert_same(fast, ref):
    np.testing.assert_array_equal(fast.leaf, ref.leaf)
    np.testing.assert_allclose(fast.values0, ref.values[0], rtol=1e-12, atol=1e-12)


COSTS = {"zero": lambda rng: 0.0, "0.2": lambda rng: 0.2, "per draw": lambda rng: rng.uniform(0, 2, N)}


@pytest.mark.parametrize("discount", [0.0, 0.98])
@pytest.mark.parametrize("cost", sorted(COSTS))
def test_the_fast_mpe_plays_the_generic_solvers_leaf_everywhere(discount, cost):
    p = random_points(N, seed=int(discount * 100) + len(cost))
    c = COSTS[cost](np.random.default_rng(7))
    ref = solve_dynamic(SC, p, CAL, lam=None, discount=discount, adjust_cost=c)
    fast = solve_mpe_fast(SC, p, CAL, discount=discount, adjust_cost=c, keep_leaf=True, chunk=128)
    assert_same(fast, ref)
    np.testing.assert_array_equal(fast.posture_of_leaf, ref.posture_of_leaf)


@pytest.mark.parametrize("discount", [0.0, 0.98])
def test_ties_are_broken_as_the_generic_solver_breaks_them(discount):
    p = tie_points(N, seed=3)
    ref = solve_dynamic(SC, p, CAL, lam=None, discount=discount, adjust_cost=0.5)
    fast = solve_mpe_fast(SC, p, CAL, discount=discount, adjust_cost=0.5, keep_leaf=True)
    assert_same(fast, ref)
    # the tie-break does decide here: the last quarter's stage, from state 0, has ties on
    # the path of many draws (its leaf payoffs as docs/model.md §9 writes them)
    lp = 0.25 * leaf_payoffs_batch_last(SC, stage_params(p, CAL, CAL.n - 1))
    levels = troop_levels(p, N)
    lp[:, SC.players.index("US")] -= 0.5 * np.abs(levels[ref.posture_of_leaf] - levels[0])
    res = backward_induction_batch_last(SC.sequential.tree, lp)
    assert res.tie_on_path.sum() > N // 10
    np.testing.assert_array_equal(res.path_leaf, fast.leaf[-1, 0])


def test_the_path_follows_the_generic_solvers_choices_from_the_start_state():
    p = random_points(100, seed=11)
    ref = solve_dynamic(SC, p, CAL, lam=None, adjust_cost=0.3)
    for start in range(3):
        fast = solve_mpe_fast(SC, p, CAL, adjust_cost=0.3, start_state=start)
        state = np.full(100, start)
        for t in range(CAL.n):
            leaf = ref.leaf[t, state, np.arange(100)]
            np.testing.assert_array_equal(fast.path_leaf[t], leaf)
            state = ref.posture_of_leaf[leaf]
        # the path's probability from solve_dynamic's state_path agrees with the leaf's posture
        np.testing.assert_array_equal(ref.state_path(start)[-1].argmax(axis=0),
                                      ref.posture_of_leaf[fast.path_leaf[-2]])


def test_chunking_does_not_change_a_byte():
    p = random_points(150, seed=5)
    c = np.random.default_rng(1).uniform(0, 1, 150)
    a = solve_mpe_fast(SC, p, CAL, adjust_cost=c, chunk=7, keep_leaf=True)
    b = solve_mpe_fast(SC, p, CAL, adjust_cost=c, chunk=1000, keep_leaf=True)
    for name in ("values0", "path_leaf", "leaf"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name


def test_one_point_with_a_batch_of_costs():
    c = np.linspace(0.0, 2.0, 9)
    ref = solve_dynamic(SC, BASE, CAL, lam=None, adjust_cost=c)
    assert_same(solve_mpe_fast(SC, BASE, CAL, adjust_cost=c, keep_leaf=True, chunk=4), ref)


@pytest.mark.parametrize("kwargs, match", [
    ({"discount": 1.5}, "discount=1.5 is out of range"),
    ({"start_state": 3}, "start_state=3 is not a state"),
    ({"chunk": 0}, "chunk=0 is not a positive integer"),
    ({"adjust_cost": np.ones(3)}, "adjust_cost must be"),
])
def test_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        solve_mpe_fast(SC, random_points(5, seed=0), CAL, **kwargs)


def test_the_action_by_action_rule_agrees_where_the_block_shortcut_is_off(monkeypatch):
    """Without the US's posture blocks (sim.dynamic.fast._posture_groups) every US action
    is compared one by one: the same leaves."""
    import sim.dynamic.fast as fast

    monkeypatch.setattr(fast, "_posture_groups", lambda post, valid: None)
    monkeypatch.setattr(fast, "_LAYOUTS", {})
    p = tie_points(120, seed=9)
    ref = solve_dynamic(SC, p, CAL, lam=None, adjust_cost=0.5)
    out = fast.solve_mpe_fast(SC, p, CAL, adjust_cost=0.5, keep_leaf=True)
    assert fast._layout(SC).groups is None
    assert_same(out, ref)


def test_threads_do_not_change_the_result():
    from sim.dynamic.fast import solve_mpe_fast
    from sim.dynamic.calendar import calendar
    from sim.engine.params import batch, iter_params
    from sim.scenarios.iraq2020 import SCENARIO

    rng = np.random.default_rng(11)
    p = batch(SCENARIO.params_cls(), {i.name: rng.uniform(i.low, i.high, 300) for i in iter_params(SCENARIO.params_cls)})
    one = solve_mpe_fast(SCENARIO, p, calendar(), chunk=40, keep_leaf=True)
    two = solve_mpe_fast(SCENARIO, p, calendar(), chunk=40, keep_leaf=True, threads=2)
    assert one.values0.tobytes() == two.values0.tobytes() and one.leaf.tobytes() == two.leaf.tobytes()
    assert one.path_leaf.tobytes() == two.path_leaf.tobytes()
