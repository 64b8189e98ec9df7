"""The plain reference design (benchmarks/plain_abm.py) gives the same runs as LearningModel."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.abm.model import LearningModel, Segment
from sim.abm.rules import RuleOptions, get_rule
from sim.abm.solver import AbmOptions, simulate
from sim.abm.streams import uniforms
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
from sim.engine.params import batch
from sim.engine.scenario import normal_form
from sim.engine.sweep import grid_columns, make_axis

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "plain_abm.py"
_spec = importlib.util.spec_from_file_location("plain_abm", _PATH)
plain_abm = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("plain_abm", plain_abm)  # dataclasses look their module up there
_spec.loader.exec_module(plain_abm)

RULES = plain_abm.RULES


def test_scalar_draws_equal_the_vectorised_streams():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**63, size=50, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 50, dtype=np.uint64)
    for step, agent in [(0, 0), (1, 3), (199, 2), (2**39, 255)]:
        vec = uniforms(keys, step, agent, 3)
        for r, key in enumerate(keys.tolist()):
            assert plain_abm.py_uniforms(key, step, agent, 3) == vec[:, r].tolist()
            assert plain_abm.np_uniforms(key, step, agent, 3) == vec[:, r].tolist()


@pytest.mark.parametrize("rule", RULES)
def test_plain_design_matches_learning_model_on_grid_points(rule):
    axes = [
        make_axis("sweep.x", GameParams, dict(param="iraq.nationalism", start=0, stop=20, num=100)),
        make_axis("sweep.y", GameParams, dict(param="us.credibility", start=0, stop=6, num=100)),
    ]
    cols = grid_columns(axes, 0, 100 * 100)
    points = np.array([0, 1234, 5050, 9999])
    params = batch(GameParams(), {k: v[points] for k, v in cols.items()})
    opts = AbmOptions(rule=rule, steps=60, replicates=10, tail=20, settle_window=10, seed=5)
    model = simulate(SCENARIO, params, points, opts)
    vec = plain_abm.vectorised_outcomes(model.outcomes(opts.settle_window), model.shape)
    games = [plain_abm.plain_game(u, SCENARIO.simultaneous.regime) for u in normal_form(SCENARIO, params)]
    plain = plain_abm.run_plain(games, points, opts.replicates, opts.seed, rule=rule, steps=opts.steps,
                                tail=opts.tail, settle_window=opts.settle_window)
    assert len(plain) == 40
    assert plain_abm.mismatches(plain, vec) == []


# rock-paper-scissors with a tie column: no pure NE, so runs cycle; regimes by player 0's action
RPS = np.array([[[0, -1, 1], [1, 0, -1], [-1, 1, 0]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]]], dtype=float)
# a coordination game with exact ties: both (0, 0) and (1, 1) are NE, action 2 ties action 1
TIES = np.array([[[2, 0, 0], [0, 1, 1], [0, 1, 1]], [[2, 0, 0], [0, 1, 1], [0, 1, 1]]], dtype=float)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("game", [RPS, TIES], ids=["rps", "ties"])
def test_plain_design_matches_learning_model_on_small_games(rule, game):
    shape = game.shape[1:]
    regime = np.repeat(np.arange(shape[0]), int(np.prod(shape[1:])))
    actors = [(f"P{i}", tuple(f"a{k}" for k in range(n))) for i, n in enumerate(shape)]
    steps, tail, window, reps, seed = 60, 20, 10, 40, 11
    opts = RuleOptions(revision_prob=0.5)
    model = LearningModel(actors, [Segment(1, game[..., None])], regime, get_rule(rule), opts,
                          np.array([3]), reps, steps, tail, seed=seed, collect=False).run()
    vec = plain_abm.vectorised_outcomes(model.outcomes(window), model.shape)
    plain = plain_abm.run_plain([plain_abm.plain_game(game, regime)], [3], reps, seed, rule=rule,
                                revision_prob=0.5, steps=steps, tail=tail, settle_window=window)
    assert plain_abm.mismatches(plain, vec) == []
    if game is RPS:  # the comparison covers runs that never settle
        assert not any(o["settled"] for o in plain)
        assert len({o["modal_regime"] for o in plain}) > 1
