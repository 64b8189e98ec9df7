"""Mesa agents of the sequential-game ABM playing the dynamic game (sim.abm.dynamic_model):
the stage SPE and the MPE as limits of best response, the state handed from quarter to
quarter, each run's own game, batch independence, reproducibility, bad input, the figure."""

from __future__ import annotations

import numpy as np
import pytest

from sim.abm.dynamic_model import DynamicTreeModel, dynamic_leaf_payoffs, simulate_dynamic
from sim.abm.rules import RuleOptions, get_rule
from sim.dynamic.calendar import calendar
from sim.dynamic.game import POSTURES, posture_codes, solve_dynamic, stage_params
from sim.engine.params import ConfigError, batch, iter_params, take_points
from sim.engine.tree import backward_induction_batch_last
from sim.scenarios.iraq2020 import SCENARIO as SC
from sim.solvers.spe import solve_spe

BASE = SC.params_cls()
CAL = calendar()
ACTORS = ("russia", "iran", "iraq", "us")


def points(n: int, seed: int) -> list:
    """The calibration and ``n`` random points of the parameter box, one point each."""
    rng = np.random.default_rng(seed)
    p = batch(BASE, {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(SC.params_cls)})
    return [BASE] + [take_points(p, slice(k, k + 1)) for k in range(n)]


def run(params=BASE, **kw):
    args = dict(rule="best_response", rule_options=None, replicates=8, steps_per_quarter=40, seed=1)
    args.update(kw)
    return simulate_dynamic(SC, params, CAL, **args)


def rows_of(table: dict, quarter: str) -> list[int]:
    return [i for i, q in enumerate(table["quarter"]) if q == quarter]


def test_without_future_or_adjustment_cost_best_response_plays_each_quarters_stage_spe():
    """δ = 0, c = 0: each quarter is its stage game, so learnt play is the stage SPE where
    that is unique (no tie anywhere in the tree)."""
    checked = 0
    for p in points(6, seed=3):
        table = run(p, discount=0.0, adjust_cost=0.0).to_pydict()
        for t, q in enumerate(CAL.quarters):
            spe = solve_spe(SC, stage_params(p, CAL, t))
            if not spe["spe_unique"][0]:
                continue
            for i in rows_of(table, q):
                assert all(table[a][i] == spe[f"spe_{a}"].to_pylist()[0] for a in ACTORS), (q, i)
                assert table["subgame_perfect"][i]
                checked += 1
    assert checked >= 8 * 12  # the premise: enough quarters have a unique SPE


def test_stage_payoffs_are_solve_dynamics_and_best_response_reaches_the_mpe_path():
    """Backward induction on the stage trees handed to the agents gives solve_dynamic's MPE
    leaf and values (the same numbers); converged best response follows the MPE path."""
    payoffs, _ = dynamic_leaf_payoffs(SC, BASE, CAL, discount=0.98, adjust_cost=0.5)
    ref = solve_dynamic(SC, BASE, CAL, lam=None, discount=0.98, adjust_cost=0.5)
    tied = np.zeros((CAL.n, len(POSTURES)), dtype=bool)
    for t in range(CAL.n):
        res = backward_induction_batch_last(SC.sequential.tree, payoffs[t])  # the S states as a batch
        np.testing.assert_array_equal(res.path_leaf, ref.leaf[t, :, 0])
        np.testing.assert_array_equal(res.root_payoffs, ref.values[t, :, :, 0])
        tied[t] = res.tie_anywhere
    table = run(discount=0.98, adjust_cost=0.5).to_pydict()
    state = np.array([POSTURES.index(s) for s in table["state"]])
    quarter = np.array([CAL.quarters.index(q) for q in table["quarter"]])
    unique = ~tied[quarter, state]
    assert unique.any()
    np.testing.assert_array_equal(np.array(table["leaf"])[unique], ref.leaf[quarter, state, 0][unique])


@pytest.mark.parametrize("start", ["maintain", "withdraw"])
def test_each_quarter_starts_in_the_posture_the_run_reached_in_the_last(start):
    table = run(rule="logit", rule_options=RuleOptions(lam=2.0), replicates=6, steps_per_quarter=5,
                start_state=start).to_pydict()
    for r in range(6):
        rows = [i for i, x in enumerate(table["replicate"]) if x == r]
        assert [table["quarter"][i] for i in rows] == list(CAL.quarters)
        assert table["state"][rows[0]] == start
        for a, b in zip(rows, rows[1:]):
            assert table["state"][b] == table["posture"][a]
        leaf = np.array([table["leaf"][i] for i in rows])
        assert [table["posture"][i] for i in rows] == [POSTURES[k] for k in posture_codes(SC)[leaf]]
    assert len(set(table["posture"])) > 1  # the premise: play moves between postures


def cycle_payoffs(n_quarters: int) -> np.ndarray:
    """Synthetic stage trees (T, L, N, S): every player gets 1 at the leaves whose posture is
    the target of (quarter, state), else 0. Quarter 0: advisory or withdrawal (a tie, so
    runs split by their initial strategies); later: the posture after the state, cyclically."""
    post = posture_codes(SC)
    out = np.zeros((n_quarters, len(post), len(SC.players), len(POSTURES)))
    for t in range(n_quarters):
        for s in range(len(POSTURES)):
            target = {1, 2} if t == 0 else {(s + 1) % 3}
            out[t, np.isin(post, list(target)), :, s] = 1.0
    return out


def test_each_run_plays_the_game_of_its_own_state():
    """In the synthetic game the US's best posture depends on the run's state: after the
    first quarter every run reaches the posture after its own state, and runs in different
    states coexist."""
    model = DynamicTreeModel(SC, cycle_payoffs(4), get_rule("best_response"), RuleOptions(revision_prob=1.0),
                             np.arange(16), steps_per_quarter=12, start_state=0, seed=5).run()
    reached = posture_codes(SC)[model.quarter_leaf]  # (T, R)
    assert set(reached[0]) <= {1, 2} and len(set(reached[0])) == 2  # the premise: runs split
    np.testing.assert_array_equal(model.quarter_state[1:], reached[:-1])
    np.testing.assert_array_equal(reached[1:], (model.quarter_state[1:] + 1) % 3)
    assert model.quarter_spe.all()


@pytest.mark.parametrize("rule", ["best_response", "logit", "regret_matching", "fictitious_play"])
def test_the_table_does_not_depend_on_how_runs_are_batched(rule):
    kw = dict(rule=rule, rule_options=RuleOptions(lam=1.0), replicates=8, steps_per_quarter=6, seed=11)
    one = run(runs_per_model=8, **kw)
    assert one.equals(run(runs_per_model=4, **kw))
    assert one.equals(run(runs_per_model=3, **kw))


def test_logit_is_reproducible_with_its_seed_and_the_seed_matters():
    kw = dict(rule="logit", rule_options=RuleOptions(lam=1.0), replicates=4, steps_per_quarter=5)
    a = run(seed=7, **kw)
    assert a.equals(run(seed=7, **kw))
    assert not a.column("leaf").equals(run(seed=8, **kw).column("leaf"))


@pytest.mark.parametrize("kw, match", [
    (dict(rule="imitation"), "dynamics.rule='imitation' is unknown"),
    (dict(replicates=0), "replicates=0"),
    (dict(steps_per_quarter=2.5), "steps_per_quarter=2.5"),
    (dict(discount=1.5), "discount=1.5"),
    (dict(adjust_cost=-1.0), "adjust_cost=-1.0"),
    (dict(start_state="retreat"), "start_state='retreat'"),
    (dict(start_state=3), "start_state=3"),
    (dict(rule_options={"lam": 2}), "rule_options="),
])
def test_bad_arguments_raise_one_line_naming_them(kw, match):
    with pytest.raises(ConfigError, match=match) as err:
        run(**kw)
    assert "\n" not in str(err.value)


def test_a_batch_of_points_is_refused():
    with pytest.raises(ConfigError, match="params holds 3 points"):
        run(batch(BASE, {"iraq.nationalism": np.array([1.0, 2.0, 3.0])}))


def test_the_figure_shows_one_bar_stack_per_quarter_summing_to_one():
    from sim.figures.dynamic_abm import dynamic_abm_figure, quarter_shares

    table = run(rule="logit", rule_options=RuleOptions(lam=2.0), replicates=5, steps_per_quarter=3)
    quarters, shares, mpe = quarter_shares(table)
    assert quarters == list(CAL.quarters)
    np.testing.assert_allclose(sum(shares.values()), 1.0)
    assert ((0 <= mpe) & (mpe <= 1)).all()
    fig = dynamic_abm_figure(table)
    ax, twin = fig.axes
    assert len(ax.patches) == len(POSTURES) * CAL.n
    assert twin.get_ylabel() == "US troops (thousands)"
