"""Adaptive play of the SEQUENTIAL game (sim.abm.tree_model): agents learn behaviour strategies."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import mesa
import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.abm.options import AbmOptions
from sim.abm.rules import RULES, RuleOptions, get_rule, regret_matching
from sim.abm.solver import simulate, solve_abm
from sim.abm.tree_model import TreeAgent, TreeLearningModel, TreeSegment
from sim.abm.tree_tables import RegretSums, StaticGroup, add_values, layout, regret_matching_draw, regret_sums
from sim.engine.params import ConfigError, batch
from sim.engine.scenario import leaf_payoffs, leaf_payoffs_batch_last
from sim.engine.tree import Decision, backward_induction, tree_from_rule
from sim.scenarios import get_scenario
from sim.solvers.spe import solve_spe

SC = get_scenario("iraq2020")
ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    path = ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return sys.modules[name]


_load("plain_abm")
plain_tree = _load("plain_abm_tree")


def points(nationalism, credibility):
    """A batch of the default scenario's parameters at the given points."""
    return batch(SC.params_cls(), {"iraq.nationalism": np.asarray(nationalism, float),
                                   "us.credibility": np.asarray(credibility, float)})


# --- a small hand-made tree -----------------------------------------------------------

def three_stage_tree():
    """Player 0 chooses out/in; after in, player 1 fights or shares; after share, player 0
    picks low/mid/high. Leaves: out, fight, low, mid, high."""
    def rule(h):
        if h == ():
            return Decision(0, ("out", "in"))
        if h == ("in",):
            return Decision(1, ("fight", "share"))
        if h == ("in", "share"):
            return Decision(0, ("low", "mid", "high"))
        return None
    return tree_from_rule(("entrant", "incumbent"), rule)


#: (leaf, player) payoffs: the unique SPE is in -> share -> mid (leaf 3)
PAYOFFS = np.array([[1.0, 5.0], [0.0, 0.0], [2.0, 3.0], [3.0, 2.0], [2.5, -1.0]])


def hand_model(rule="best_response", runs=40, steps=200, seed=1, payoffs=PAYOFFS):
    tree = three_stage_tree()
    outcomes = np.zeros((tree.n_leaves, 2), dtype=np.int64)  # action labels are not needed here
    regime = np.arange(tree.n_leaves)
    return TreeLearningModel([("entrant", ("out", "in")), ("incumbent", ("fight", "share"))], tree, outcomes,
                             regime, [TreeSegment(1, payoffs[:, :, None])], get_rule(rule), RuleOptions(),
                             np.array([0]), runs, steps, 20, seed, collect=False).run()


def test_layout_groups_each_agents_nodes_with_the_same_number_of_actions():
    lay = layout(three_stage_tree())
    assert [[(g.owner, g.n_actions, g.size) for g in gs] for gs in lay.groups] == [[(0, 2, 1), (0, 3, 1)], [(1, 2, 1)]]
    assert lay.agent_slots[0] == slice(0, 2) and lay.agent_slots[1] == slice(2, 3)


def test_best_response_converges_to_the_spe_on_a_hand_made_tree():
    m = hand_model()
    o = m.outcomes(20)
    spe = backward_induction(m.layout.tree, PAYOFFS)
    assert spe.path_leaf[0] == 3
    assert o["settled"].all() and o["final_is_ne"].all() and o["on_spe_path"].all()
    assert (o["final_profile"] == 3).all() and (o["modal_regime"] == 3).all()
    # off the path too: the entrant would pick "mid" after share, the incumbent shares
    assert (m.strategy[m.layout.node_slot[[0, 2, 4]]] == np.array([[1], [1], [1]])).all()


@pytest.mark.parametrize("rule", ["fictitious_play", "regret_matching"])
def test_other_rules_reach_the_spe_path_on_the_hand_made_tree(rule):
    o = hand_model(rule, steps=400).outcomes(20)
    assert np.mean(o["final_profile"] == 3) >= 0.9


def test_a_non_perfect_strategy_is_not_settled():
    m = hand_model(steps=1, runs=200)
    o = m.outcomes(1)
    assert not o["settled"].all()  # random initial strategies: most are not subgame perfect
    assert (o["settled"] <= o["final_is_ne"]).all()


def test_agents_are_real_mesa_agents_holding_a_strategy_per_own_node():
    m = simulate(SC, points([2.0], [1.0]), np.array([0]), AbmOptions(game="sequential", steps=3, replicates=4,
                                                                            tail=1, settle_window=1))
    assert len(m.actors) == len(SC.actors)
    for i, a in enumerate(m.actors):
        assert isinstance(a, (mesa.Agent, TreeAgent)) and isinstance(a, mesa.Agent)
        assert a.role == SC.actors[i].name and a.levers == SC.actors[i].actions
        owned = np.flatnonzero(SC.sequential.tree.node_player == i)
        assert sorted(a.nodes.tolist()) == owned.tolist()
        assert a.strategy.shape == (len(owned), 4)
        assert (a.strategy < np.array([len(SC.sequential.tree.children[v]) for v in a.nodes])[:, None]).all()


# --- the default scenario -------------------------------------------------------------

def test_best_response_settles_on_the_spe_path_of_the_default_scenario():
    params = points([2.0, 10.0, 18.0, 6.0], [1.0, 4.0, 0.5, 5.5])
    opts = AbmOptions(game="sequential", replicates=8, steps=300)
    o = simulate(SC, params, np.arange(4), opts).outcomes(opts.settle_window)
    assert o["settled"].all() and o["final_is_ne"].all()
    spe = {k: np.asarray(v.to_pylist() if hasattr(v, "to_pylist") else v) for k, v in solve_spe(SC, params).items()}
    leaf = backward_induction(SC.sequential.tree, leaf_payoffs(SC, params)).path_leaf
    reached = o["final_profile"].reshape(4, 8)
    for p in range(4):
        if spe["spe_unique"][p]:  # a unique SPE: every run ends on its path
            assert (reached[p] == leaf[p]).all()
        regimes = SC.sequential.regime[reached[p]]
        assert (np.array(SC.regimes)[regimes] == spe["spe_regime"][p]).all()


def test_solver_columns_in_the_sequential_game():
    opts = AbmOptions(game="sequential", replicates=3, steps=60, tail=10, settle_window=5)
    rows = []
    cols = solve_abm(SC, points([2.0, 15.0], [1.0, 3.0]), np.array([0, 1]), opts, runs_sink=rows.append)
    freq = np.stack([cols[k] for k in cols if k.startswith("abm_freq_")], axis=1)
    assert np.allclose(freq.sum(axis=1), 1.0)
    runs = rows[0].to_pandas()
    assert len(runs) == 6 and set(runs["modal_regime"]) <= set(SC.regimes)
    for j, actor in enumerate(SC.actors):
        col = "final_" + actor.name.lower().replace(" ", "_")
        if col in runs:
            assert set(runs[col]) <= set(actor.actions)


# --- batch independence and the plain design --------------------------------------------

def _outcomes(idx, rule, params_all, steps=40):
    sel = np.asarray(idx)
    params = batch(SC.params_cls(), {k: v[sel] for k, v in params_all.items()})
    opts = AbmOptions(game="sequential", rule=rule, replicates=3, steps=steps, tail=10, settle_window=5)
    return simulate(SC, params, sel, opts).outcomes(5)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_runs_do_not_depend_on_the_batch(rule):
    rng = np.random.default_rng(4)
    allp = {"iraq.nationalism": rng.uniform(0, 20, 6), "us.credibility": rng.uniform(0, 6, 6)}
    big = _outcomes(np.arange(6), rule, allp)
    small = _outcomes([4], rule, allp)
    for k in ("final_profile", "final_is_ne", "settled", "settle_step", "modal_regime"):
        assert np.array_equal(big[k][12:15], small[k]), k


@pytest.mark.parametrize("rule", plain_tree.RULES)
def test_plain_design_gives_the_same_runs(rule):
    params = points([2.0, 12.0], [1.0, 4.5])
    index = np.array([5, 9])
    opts = AbmOptions(game="sequential", rule=rule, replicates=2, steps=50, tail=10, settle_window=5,
                      rule_options=RuleOptions(lam=2.0))
    vec = plain_tree.vectorised_outcomes(simulate(SC, params, index, opts).outcomes(5))
    form = SC.sequential
    games = [plain_tree.plain_tree(form.tree, lp, form.regime) for lp in leaf_payoffs(SC, params)]
    plain = plain_tree.run_plain(games, len(SC.actors), index, 2, 0, rule=rule, lam=2.0, steps=50, tail=10,
                                 settle_window=5)
    assert plain == vec


def test_a_shock_changes_the_game_in_force():
    base = points([2.0], [1.0])
    shocked = points([18.0], [1.0])
    tree = SC.sequential
    segs = [TreeSegment(1, leaf_payoffs_batch_last(SC, base)), TreeSegment(100, leaf_payoffs_batch_last(SC, shocked))]
    m = TreeLearningModel([(a.name, a.actions) for a in SC.actors], tree.tree, tree.outcomes, tree.regime, segs,
                          get_rule("best_response"), RuleOptions(), np.array([0]), 6, 250, 20, 0, collect=False).run()
    after = backward_induction(tree.tree, leaf_payoffs(SC, shocked))
    o = m.outcomes(20)
    assert o["settled"].all()
    assert (np.array(SC.regimes)[tree.regime[o["final_profile"]]] == SC.regimes[tree.regime[after.path_leaf[0]]]).all()


# --- regret matching's memory -----------------------------------------------------------

def _full_draw(sums_per_run, played, u):
    """Regret matching computed in full at every node-run (the rule's own function)."""
    return regret_matching(None, None, sums_per_run - played, u[None, :], None)


def test_regret_matching_draw_is_the_rules_draw_in_every_case():
    rng = np.random.default_rng(3)
    k, n_cols, n = 5, 9, 4000
    sums = rng.integers(-3, 4, size=(k, n_cols)).astype(float)
    sums[:, 0] = [1.0, 2.0, 2.0, 0.0, -1.0]  # a tie at the top
    sums[:, 1] = [0.0, 0.0, 3e-323, 0.0, 0.0]  # subnormal regrets: u * r can be 0
    sums[:, 2] = 0.0
    cols = rng.integers(0, n_cols, n)
    played = rng.integers(-3, 4, n) + rng.choice([0.0, 0.5, -0.5, 1e-300], n)
    played[cols == 1] = 0.0
    u = rng.random(n)
    u[::97] = 0.0
    per_run = sums[:, cols]
    kinds = (per_run - played > 0).sum(axis=0)
    assert {0, 1, 2, k} <= set(kinds.tolist())  # none, one, several, all regrets positive
    want = _full_draw(per_run, played, u)
    assert np.array_equal(regret_matching_draw(RegretSums(sums, played, cols, sums), u), want)
    assert np.array_equal(regret_matching_draw(RegretSums(per_run.copy(), played), u), want)
    one = (kinds == 1) & (cols == 1)  # one subnormal regret: the first action unless u r underflows
    assert set(want[one].tolist()) == {0, 2}


def test_regret_sums_carry_each_node_runs_sums_over_segments():
    rng = np.random.default_rng(5)
    k, n = 4, 300
    segments = [StaticGroup(rng.normal(size=(k, c)), rng.integers(0, c, n) * k) for c in (6, 3, 6)]
    rs, sums, played = None, np.zeros((k, n)), np.zeros(n)
    for st in segments:
        rs = regret_sums(k, n, st, rs)
        values = st.values[:, st.cell_k // k]  # (k, n) each node-run's values
        for _ in range(7):
            current = rng.integers(0, k, n)
            add_values(rs, None, current)
            sums += values  # step by step, as the plain design
            played += values[current, np.arange(n)]
            assert np.array_equal(rs.sums[:, rs.cols], sums) and np.array_equal(rs.played, played)
    assert rs.sums.shape[1] < n  # node-runs with the same cells share a column


def _shocked_regret_model(sel, shocked_nationalism):
    nat, cred = np.array([3.0, 9.0, 15.0, 6.0]), np.array([0.5, 2.0, 4.0, 5.5])
    sel = np.asarray(sel)
    base, shock = points(nat[sel], cred[sel]), points(np.full(len(sel), shocked_nationalism), cred[sel])
    segs = [TreeSegment(1, leaf_payoffs_batch_last(SC, base)), TreeSegment(15, leaf_payoffs_batch_last(SC, shock))]
    form = SC.sequential
    m = TreeLearningModel([(a.name, a.actions) for a in SC.actors], form.tree, form.outcomes, form.regime, segs,
                          get_rule("regret_matching"), RuleOptions(), sel, 3, 40, 10, 0, collect=False).run()
    return m.outcomes(5)


def test_regret_matching_keeps_its_memory_through_a_shock():
    keys = ("final_profile", "final_is_ne", "settled", "settle_step", "modal_regime")
    big, small = _shocked_regret_model([0, 1, 2, 3], 18.0), _shocked_regret_model([2], 18.0)
    assert all(np.array_equal(big[k][6:9], small[k]) for k in keys)
    # a shock to the same game changes nothing: the memory is carried over, not reset
    same = _shocked_regret_model([1], 9.0)
    params = points([9.0], [2.0])
    unshocked = simulate(SC, params, np.array([1]), AbmOptions(game="sequential", rule="regret_matching", replicates=3,
                                                           steps=40, tail=10, settle_window=5)).outcomes(5)
    assert all(np.array_equal(same[k], unshocked[k]) for k in keys)


# --- config and the app --------------------------------------------------------------

def test_a_bad_game_is_refused_in_one_line():
    with pytest.raises(ConfigError) as err:
        AbmOptions(game="extensive")
    assert str(err.value) == "abm.game='extensive' is unknown; allowed: simultaneous, sequential"


def test_the_app_refuses_a_bad_game_in_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", "experiment=abm_sequential", "abm.game=tree",
                        f"results_dir={tmp_path}/res"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "abm.game='tree' is unknown" in lines[0], r.stderr
    assert not (tmp_path / "res").exists()


def test_experiment_abm_sequential_end_to_end(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", "experiment=abm_sequential", f"results_dir={tmp_path}",
                        "run_id=t", "sweep.x.num=4", "sweep.y.num=3", "abm.steps=40", "abm.replicates=2",
                        "abm.tail=10", "abm.settle_window=5", "abm.trajectory_replicates=6"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "abm_sequential" / "t"
    table = pq.read_table(out / "equilibria.parquet")
    assert {"spe_regime", "abm_modal_regime", "abm_settled_share"} <= set(table.column_names)
    assert "nash_regimes" not in table.column_names
    assert len(pq.read_table(out / "abm_runs.parquet")) == 12 * 2
    caption = (out / "abm_selection.caption.txt").read_text()
    assert "sequential game" in caption and "subgame-perfect" in caption
    assert (out / "abm_selection.png").is_file() and (out / "trajectories.png").is_file()
    meta = pq.read_schema(out / "trajectory.parquet").metadata[b"sim"].decode()
    assert '"game": "sequential"' in meta
