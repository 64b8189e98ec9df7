"""The agent-based model: learning rules, Mesa model, determinism, batch independence."""

from __future__ import annotations

import multiprocessing as mp

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.abm.model import ActorAgent, LearningModel, Segment, agent_class
from sim.abm.rules import RULES, RuleOptions, best_reply, get_rule, logit_response
from sim.abm.solver import AbmOptions, Shock, simulate, solve_abm
from sim.abm.streams import run_keys, uniforms
from sim.engine.equilibrium import pure_nash_equilibria
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
from sim.engine.params import ConfigError, batch, replace_values
from sim.engine.scenario import normal_form

PD = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], dtype=float)  # strict NE (1, 1)
PENNIES = np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]], dtype=float)
# 3 players, solvable by iterated strict dominance: player 0's action 1 dominates; given
# it, player 1 prefers 0; given both, player 2 prefers 2.  Unique strict NE (1, 0, 2).
rng = np.random.default_rng(7)
DOM3 = rng.integers(0, 3, size=(3, 2, 2, 3)).astype(float)
DOM3[0, 1] = DOM3[0, 0] + 5
DOM3[1, 1, 0] = DOM3[1, 1, 1] + 5
DOM3[2, 1, 0, 2] = DOM3[2, 1, 0, :2].max() + 5


def model_for(game, rule="best_response", runs=30, steps=300, seed=3, opts=RuleOptions(), collect=True):
    n = game.shape[1:]
    actors = [(f"P{i}", tuple(f"a{k}" for k in range(m))) for i, m in enumerate(n)]
    regime = np.zeros(int(np.prod(n)), dtype=int)
    return LearningModel(actors, [Segment(1, game[..., None])], regime, get_rule(rule), opts,
                         np.array([0]), runs, steps, min(50, steps), seed=seed, collect=collect)


def final_profiles(model):
    return {tuple(int(x) for x in np.unravel_index(f, model.shape)) for f in model.flat_profile()}


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("game, ne", [(PD, (1, 1)), (DOM3, (1, 0, 2))])
def test_dominance_solvable_games_end_at_the_strict_ne(rule, game, ne):
    assert pure_nash_equilibria(game) == [ne]
    m = model_for(game, rule, steps=400, opts=RuleOptions(lam=50.0)).run()
    if rule == "logit":  # noisy: nearly all runs there at the end
        assert m.is_ne.mean() >= 0.9
    else:
        assert final_profiles(m) == {ne}
        assert m.outcomes(settle_window=20)["settled"].all()


def test_fictitious_play_in_matching_pennies_approaches_one_half():
    m = model_for(PENNIES, "fictitious_play", runs=8, steps=4000, collect=False).run()
    for counts in m.counts:
        freq = counts / counts.sum(axis=0)
        np.testing.assert_allclose(freq, 0.5, atol=0.05)
    assert not m.is_ne.any()  # there is no pure NE to settle on


def test_logit_at_high_lambda_is_best_response_and_at_zero_uniform():
    values = np.random.default_rng(0).normal(size=(5, 2000))
    current = np.zeros(2000, dtype=int)
    u = np.random.default_rng(1).random((2, 2000))
    sharp = logit_response(values, current, None, u, RuleOptions(lam=1e6))
    np.testing.assert_array_equal(sharp, best_reply(values, current))
    flat = logit_response(values, current, None, u, RuleOptions(lam=0.0))
    np.testing.assert_allclose(np.bincount(flat, minlength=5) / 2000, 0.2, atol=0.03)


def test_baseline_best_response_ends_in_a_pure_ne_the_exact_solver_lists():
    p = GameParams()
    exact = {np.ravel_multi_index(e, SCENARIO.simultaneous.shape) for e in pure_nash_equilibria(normal_form(SCENARIO, p)[0])}
    m = simulate(SCENARIO, p, np.array([0]), AbmOptions(replicates=50, steps=200))
    o = m.outcomes(settle_window=20)
    assert o["settled"].all()
    assert set(o["final_profile"].tolist()) <= exact


def test_same_seed_same_datacollector_tables_other_seed_differs():
    tables = []
    for seed in (11, 11, 12):
        m = model_for(DOM3, "regret_matching", runs=20, steps=60, seed=seed).run()
        tables.append((m.datacollector.get_model_vars_dataframe(), m.datacollector.get_agent_vars_dataframe()))
    pd.testing.assert_frame_equal(tables[0][0], tables[1][0])
    pd.testing.assert_frame_equal(tables[0][1], tables[1][1])
    assert not tables[0][1]["action_shares"].equals(tables[2][1]["action_shares"])


def _outcomes(points, rule="regret_matching"):
    """Per-run outcomes of the given grid points (solved together)."""
    params = batch(GameParams(), {"iraq.nationalism": points * 0.01, "us.credibility": 1.0 + points * 0.002})
    m = simulate(SCENARIO, params, points, AbmOptions(rule=rule, replicates=3, steps=80, tail=20))
    o = m.outcomes(settle_window=10)
    return {k: o[k] for k in ("final_profile", "settled", "settle_step", "modal_regime")}


@pytest.mark.parametrize("rule", ["best_response", "regret_matching", "logit"])
def test_runs_do_not_depend_on_the_batch(rule):
    points = np.array([3, 250, 999, 1500])
    together = _outcomes(points, rule)
    for k, g in enumerate(points):
        alone = _outcomes(np.array([g]), rule)
        for key, v in alone.items():
            np.testing.assert_array_equal(v, together[key][3 * k: 3 * k + 3], err_msg=key)
    reordered = _outcomes(points[::-1], rule)
    for key in together:
        np.testing.assert_array_equal(reordered[key].reshape(4, 3)[::-1].ravel(), together[key])


def test_regret_matching_without_its_table_gives_the_same_runs(monkeypatch):
    """Regret matching reads its increments from a table built once per segment while the
    tables fit in REGRET_TABLE_BYTES, else recomputes them each step: both paths give the
    same runs, bit for bit."""
    import sim.abm.model

    points = np.array([3, 250, 999, 1500])
    with_table = _outcomes(points, "regret_matching")
    monkeypatch.setattr(sim.abm.model, "REGRET_TABLE_BYTES", 0)
    without = _outcomes(points, "regret_matching")
    for key in with_table:
        np.testing.assert_array_equal(without[key], with_table[key], err_msg=key)


def test_runs_do_not_depend_on_the_number_of_processes():
    points = np.arange(0, 2000, 125)
    single = _outcomes(points)
    with mp.get_context("spawn").Pool(2) as pool:
        parts = pool.map(_outcomes, np.array_split(points, 2))
    for key in single:
        np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), single[key])


def test_streams_are_keyed_by_point_and_replicate():
    a = run_keys(5, np.array([10, 11]), 4)
    b = run_keys(5, np.array([11]), 2)
    np.testing.assert_array_equal(a[4:6], b)  # replicate s of point 11, whatever else is asked
    u = uniforms(a, 3, 1, 2)
    assert u.shape == (2, 8) and np.all((u >= 0) & (u < 1))
    assert len(set(u.ravel().tolist())) == 16


def test_agents_are_real_mesa_agents_with_true_metadata():
    m = simulate(SCENARIO, GameParams(), np.array([0]), AbmOptions(rule="regret_matching", replicates=5, steps=3, tail=2,
                                                                          settle_window=2))
    assert isinstance(m, mesa.Model) and len(m.agents) == 4
    for agent, actor in zip(m.actors, SCENARIO.actors):
        assert isinstance(agent, mesa.Agent) and isinstance(agent, ActorAgent)
        assert type(agent) is agent_class(actor.name, actor.actions)
        assert type(agent).__name__ == f"{actor.name}Agent"  # RussiaAgent, IranAgent, IraqAgent, USAgent
        assert agent.role == actor.name and agent.levers == actor.actions
        assert agent.memory == "cumulative regrets" and agent.stochastic
        assert agent.regrets.shape == (len(actor.actions), 5)
    # an agent's decision touches only its own lever: the profile is unchanged by decide()
    before = m.profile.copy()
    m.actors[2].decide()
    np.testing.assert_array_equal(m.profile, before)
    assert m.actors[2].next_action.max() < len(SCENARIO.actors[2].actions)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_metadata_is_true(name):
    rule = RULES[name]
    r = np.random.default_rng(0)
    values, current = r.normal(size=(4, 500)), r.integers(0, 4, 500)
    memory = r.normal(size=(4, 500))
    a = rule.choose(values, current, memory, r.random((2, 500)), RuleOptions())
    b = rule.choose(values, current, memory, r.random((2, 500)), RuleOptions())
    assert (not np.array_equal(a, b)) == rule.stochastic
    # the declared memory is what the agent keeps
    m = model_for(PD, name, runs=4, steps=5).run()
    agent = m.actors[0]
    assert (agent.regrets is not None) == (rule.memory == "cumulative regrets")
    if rule.memory.startswith("empirical"):
        assert m.counts[1].sum(axis=0).tolist() == [6.0] * 4  # initial profile + 5 steps


def test_shock_changes_the_equilibrium_played():
    base = GameParams()
    hot = {"iraq.nationalism": 19.0, "us.credibility": 5.0}
    shocked = replace_values(base, hot)
    after = {np.ravel_multi_index(e, SCENARIO.simultaneous.shape)
             for e in pure_nash_equilibria(normal_form(SCENARIO, shocked)[0])}
    m = simulate(SCENARIO, base, np.array([0]), AbmOptions(replicates=20, steps=300, shocks=(Shock(100, hot),)))
    assert set(m.outcomes(20)["final_profile"].tolist()) <= after


def test_solver_columns_and_agreement_on_a_small_grid():
    params = batch(GameParams(), {"us.credibility": np.array([0.2, 1.0, 5.0])})
    cols = solve_abm(SCENARIO, params, np.arange(3), AbmOptions(replicates=6, steps=150))
    freq = np.stack([cols[f"abm_freq_{k}"] for k in ("us_aligned_status_quo", "hedging", "russian_pivot",
                                                     "managed_exit", "confrontation")], axis=1)
    np.testing.assert_allclose(freq.sum(axis=1), 1.0)
    assert np.all(cols["abm_settled_share"] == 1.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"rule": "annealing"}, "dynamics.rule='annealing' is unknown"),
    ({"steps": 0}, r"abm.steps=0 must be an integer >= 1"),
    ({"tail": 500}, r"must be <= abm.steps"),
    ({"shocks": (Shock(1, {}),)}, r"step=1 must be in \[2"),
    ({"rule_options": None}, None),
])
def test_bad_options_are_refused(kwargs, match):
    if match is None:
        with pytest.raises(ConfigError):
            RuleOptions(revision_prob=1.5)
        return
    with pytest.raises(ConfigError, match=match):
        AbmOptions(**kwargs)
