"""Logit QRE (sim.engine.qre): limits, batching, regime probabilities, and pygambit as oracle.

Oracle: ``pygambit.qre.logit_solve_lambda(game, lams)`` (pygambit 16.7), which traces
Gambit's principal logit branch and returns the first QRE on it at each λ: mixed
strategy profiles for strategic games, *agent* (behaviour) profiles for extensive games.
Gambit's λ multiplies the raw payoffs, σ ∝ exp(λ u), the same convention as sim.engine.qre; the
profiles are compared at the λ Gambit reports (``.lam``, which can differ from the
requested one in the last digits). Quirks of pygambit 16.7 worked around here:
``LogitQREMixedBehaviorProfile.profile`` raises, so behaviour probabilities are read by
flat index (players, their information sets, their actions, in order); and a λ list
containing 0 returns garbage, so λ = 0 is never requested.
"""

from __future__ import annotations

import io

import numpy as np
import pygambit as gbt
import pytest

from sim.engine.equilibrium import nash_conv
from sim.gambit import ExtensiveFormGame, format_efg
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
from sim.engine.params import batch
from sim.engine.qre import logit_qre_normal_form, profile_probabilities, regime_probabilities_normal_form
from sim.engine.qre_tree import agent_qre_tree, regime_probabilities_tree
from sim.solvers.qre import solve_qre
from sim.solvers.spe import solve_spe
from sim.engine.tree import CHANCE, Chance, Decision, backward_induction, tree_from_rule

PD = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], dtype=float)  # 0 cooperate, 1 defect


def dominance_3p() -> np.ndarray:
    """3 players, 2x2x2, dominance solvable: player 0's action 1 is strictly dominant;
    given it, player 1 strictly prefers 0; given both, player 2 strictly prefers 1."""
    rng = np.random.default_rng(5)
    u = rng.uniform(-1, 1, size=(3, 2, 2, 2))
    u[0, 1] = u[0, 0] + 2.0  # player 0: action 1 better by 2 whatever the others do
    u[1, 1, 0] = u[1, 1, 1] + 1.5  # player 1 after 0 plays 1
    u[2, 1, 0, 1] = u[2, 1, 0, 0] + 1.0  # player 2 after (1, 0)
    return u


def random_tree(seed: int, chance: bool = True):
    """A random perfect-information tree (2-3 players, depth <= 4) and integer payoffs."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))

    def rule(history):
        if len(history) >= 4 or (history and rng.random() < 0.3):
            return None
        k = int(rng.integers(1, 4))
        acts = tuple(f"m{len(history)}{chr(97 + j)}" for j in range(k))
        if chance and rng.random() < 0.2:
            w = rng.integers(1, 5, size=k)
            return Chance(acts, tuple(w / w.sum()))
        return Decision(int(rng.integers(n)), acts)

    tree = tree_from_rule(tuple(f"P{i}" for i in range(n)), rule)
    return tree, rng.integers(-6, 7, size=(tree.n_leaves, n)).astype(float)


# ------------------------------------------------------------------------ λ = 0


def test_tree_lambda_zero_is_uniform():
    tree, lp = random_tree(3)
    assert (tree.node_player == CHANCE).any()
    res = agent_qre_tree(tree, lp, 0.0)
    for v in range(tree.n_nodes):
        k = len(tree.children[v])
        if k:
            expected = np.asarray(tree.probs[v]) if tree.node_player[v] == CHANCE else np.full(k, 1 / k)
            np.testing.assert_allclose(res.probs[0, v, :k], expected, atol=1e-15)
        assert np.all(res.probs[0, v, k:] == 0)
    # each leaf's probability is the product of the branching probabilities above it
    reach = np.ones(tree.n_nodes)
    for v in range(tree.n_nodes):
        for a, c in enumerate(tree.children[v]):
            reach[c] = reach[v] * res.probs[0, v, a]
    np.testing.assert_allclose(res.leaf_reach[0], reach[tree.leaves], atol=1e-15)
    assert res.leaf_reach.sum() == pytest.approx(1.0)


def test_normal_form_lambda_zero_is_uniform():
    u = np.random.default_rng(0).normal(size=(2, 3, 2, 4, 3))  # B=2, N=3
    res = logit_qre_normal_form(u, 0.0)
    for s, n in zip(res.strategies, (2, 4, 3)):
        np.testing.assert_array_equal(s, np.full((2, n), 1 / n))
    assert res.converged.all() and (res.iterations == 0).all()


# --------------------------------------------------------- large λ: equilibrium


def test_tree_reach_of_spe_leaf_tends_to_one():
    """Without ties and chance, the agent QRE concentrates on the SPE path as λ grows."""
    checked = 0
    for seed in range(40):
        tree, lp = random_tree(seed, chance=False)
        bi = backward_induction(tree, lp)
        if bi.tie_anywhere[0] or tree.n_leaves < 2:
            continue
        lams = np.array([0.5, 2.0, 8.0, 40.0])
        res = agent_qre_tree(tree, np.repeat(lp[None], 4, axis=0), lams)
        p_spe = res.leaf_reach[:, bi.path_leaf[0]]
        assert p_spe[-1] > 1 - 1e-9  # payoffs are integers: gaps >= 1, so ~exp(-40)
        np.testing.assert_allclose(res.root_payoffs[-1], bi.root_payoffs[0], atol=1e-8)
        checked += 1
    assert checked >= 10


def test_tree_values_tend_to_spe_values_with_chance_nodes():
    for seed in range(20):
        tree, lp = random_tree(seed)
        bi = backward_induction(tree, lp)
        if bi.tie_anywhere[0]:
            continue
        res = agent_qre_tree(tree, lp, 60.0)
        np.testing.assert_allclose(res.values[0], bi.values[0], atol=1e-9)


@pytest.mark.parametrize("game", [PD, dominance_3p()], ids=["prisoners_dilemma", "dominance_3p"])
def test_normal_form_converges_to_unique_strict_ne(game):
    lams = np.array([0.5, 2.0, 10.0, 200.0])
    res = logit_qre_normal_form(np.repeat(game[None], 4, axis=0), lams)
    assert res.converged.all()
    ne = {2: (1, 1), 3: (1, 0, 1)}[game.shape[0]]
    p_ne = np.prod([s[:, a] for s, a in zip(res.strategies, ne)], axis=0)
    assert np.all(np.diff(p_ne) > 0)
    assert p_ne[-1] > 1 - 1e-12
    regret = [nash_conv(game, [s[b] for s in res.strategies]) for b in range(4)]
    assert np.all(np.diff(regret) < 0) and regret[-1] < 1e-9


def test_regret_at_large_lambda_small_for_random_dominance_solvable_games():
    """λ = 200 in payoff units: the QRE's regret (nash_conv) is negligible."""
    rng = np.random.default_rng(11)
    games = []
    for _ in range(10):  # 2x3 games: row has a dominant action, column best-replies uniquely
        u = rng.uniform(-1, 1, size=(2, 2, 3))
        u[0, 1] = u[0, 0] + rng.uniform(0.2, 1.0, size=3)
        u[1, 1, rng.integers(3)] += 3.0
        games.append(u)
    res = logit_qre_normal_form(np.stack(games), 200.0)
    assert res.converged.all()
    for b, u in enumerate(games):
        assert nash_conv(u, [s[b] for s in res.strategies]) < 1e-6


# ----------------------------------------------------------- pygambit oracle


def gambit_qre(u: np.ndarray, lams):
    """Gambit's logit QRE of one strategic game at each λ: (λ reached, [B x n_i arrays])."""
    g = gbt.Game.from_arrays(*u)
    res = gbt.qre.logit_solve_lambda(g, list(lams))
    profiles = [np.array([[float(r.profile[s]) for s in p.strategies] for r in res]) for p in g.players]
    return np.array([r.lam for r in res]), profiles


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (2, 2, 2)])
def test_normal_form_matches_pygambit_random_games(shape):
    """Random payoffs in [-1, 1] and λ <= 2 (λ times the payoff range <= 4)."""
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    lams = [0.1, 0.5, 1.0, 2.0]
    games, lam, expected = [], [], []
    for _ in range(12):
        u = rng.uniform(-1, 1, size=(len(shape), *shape))
        glam, prof = gambit_qre(u, lams)
        games += [u] * len(glam)
        lam += list(glam)
        expected.append(prof)
    res = logit_qre_normal_form(np.stack(games), np.array(lam))  # one batch, λ per game
    assert res.converged.all()
    for i in range(len(shape)):
        np.testing.assert_allclose(res.strategies[i], np.concatenate([e[i] for e in expected]), atol=1e-6, rtol=0)


@pytest.mark.parametrize("game", [PD, dominance_3p()], ids=["prisoners_dilemma", "dominance_3p"])
def test_normal_form_matches_pygambit_large_lambda_unique_strict_ne(game):
    glam, prof = gambit_qre(game, [1.0, 5.0, 20.0])
    res = logit_qre_normal_form(np.repeat(game[None], len(glam), axis=0), glam)
    for ours, theirs in zip(res.strategies, prof):
        np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)


# This 2x3x2 game's principal branch turns back at λ ≈ 2.01 (to λ ≈ 0.57) before it
# rises again: at λ = 0.7 and 1.5 there are three QRE on it; the one Gambit returns (and
# sim.engine.qre must) is the first reached from λ = 0. At λ = 3 the branch is past the fold.
TURNING = np.array([
    [[[-3, -3], [-2, -1], [5, -1]], [[1, 0], [-1, -5], [-4, -4]]],
    [[[-2, -4], [2, 2], [-1, 0]], [[3, 5], [-5, 1], [0, -3]]],
    [[[-5, -4], [3, 2], [3, 4]], [[2, -4], [0, 0], [5, 5]]],
], dtype=float)


def test_normal_form_follows_principal_branch_round_a_turning_point():
    glam, prof = gambit_qre(TURNING, [0.3, 0.7, 1.5, 3.0])
    res = logit_qre_normal_form(np.repeat(TURNING[None], len(glam), axis=0), glam)
    assert res.converged.all()
    for ours, theirs in zip(res.strategies, prof):
        np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)


def gambit_behaviour(tree, lp, lams):
    """Gambit's agent logit QRE of a tree: (λ reached, probs (B, n_nodes, k_max))."""
    g = gbt.read_efg(io.StringIO(format_efg(ExtensiveFormGame("t", tree, lp))))
    offset, k = {}, 0
    for player in g.players:  # the flat order of a behaviour profile
        for iset in player.infosets:
            offset[(player.label, iset.number)] = k
            k += len(iset.actions)
    res = gbt.qre.logit_solve_lambda(g, list(lams))
    width = max(len(c) for c in tree.children)
    probs = np.zeros((len(res), tree.n_nodes, width))
    stack = [(0, g.root)]
    while stack:  # walk our tree and Gambit's together, preorder
        v, node = stack.pop()
        if tree.node_player[v] >= 0:
            o = offset[(node.player.label, node.infoset.number)]
            for b, r in enumerate(res):
                probs[b, v, : len(tree.children[v])] = [r[o + a] for a in range(len(tree.children[v]))]
        stack.extend(zip(tree.children[v], node.children))
    return np.array([r.lam for r in res]), probs


@pytest.mark.parametrize("seed", range(8))
def test_tree_matches_pygambit_agent_logit(seed):
    tree, lp = random_tree(seed)
    glam, expected = gambit_behaviour(tree, lp, [0.2, 1.0, 3.0])
    res = agent_qre_tree(tree, np.repeat(lp[None], len(glam), axis=0), glam)
    decision = tree.node_player >= 0
    np.testing.assert_allclose(res.probs[:, decision], expected[:, decision], atol=1e-6, rtol=0)


# ----------------------------------------------------------------- batching


def test_normal_form_batch_equals_each_alone():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(5, 3, 2, 3, 2))
    lam = np.array([0.0, 0.3, 1.0, 4.0, 30.0])
    together = logit_qre_normal_form(u, lam)
    for b in range(5):
        alone = logit_qre_normal_form(u[b : b + 1], lam[b])
        assert together.converged[b] == alone.converged[0]
        for s_all, s_one in zip(together.strategies, alone.strategies):
            np.testing.assert_array_equal(s_all[b], s_one[0])  # bitwise: sweeps are chunk-invariant


def test_tree_batch_equals_each_alone():
    tree, lp = random_tree(4)
    rng = np.random.default_rng(4)
    payoffs = lp[None] + rng.normal(size=(6, *lp.shape))
    lam = np.array([0.0, 0.1, 0.5, 1.0, 3.0, 10.0])
    together = agent_qre_tree(tree, payoffs, lam)
    for b in range(6):
        alone = agent_qre_tree(tree, payoffs[b], lam[b])
        np.testing.assert_array_equal(together.probs[b], alone.probs[0])
        np.testing.assert_array_equal(together.values[b], alone.values[0])
        np.testing.assert_array_equal(together.leaf_reach[b], alone.leaf_reach[0])


# --------------------------------------------------------- inspection game


def inspection(g, F, e, r, h):
    """Target (rows: comply, violate) vs sender (columns: not enforce, enforce)."""
    target = np.array([[0.0, 0.0], [g, g - F]])
    sender = np.array([[0.0, -e], [-h, -e + r]])
    return np.stack([target, sender])


def test_inspection_game_approaches_mixed_ne():
    """Unique NE is mixed: P(violate) = e/(r+h), P(enforce) = g/F."""
    g, e, r, h = 1.0, 1.0, 1.0, 3.0
    games = np.stack([inspection(g, F, e, r, h) for F in (4.0, 8.0)])
    res = logit_qre_normal_form(games, 2000.0)
    assert res.converged.all()
    np.testing.assert_allclose(res.strategies[0][:, 1], e / (r + h), atol=1e-3)
    np.testing.assert_allclose(res.strategies[1][:, 1], [g / 4.0, g / 8.0], atol=1e-3)
    # doubling the fine lowers enforcement, not violation
    assert res.strategies[1][1, 1] < res.strategies[1][0, 1]


def test_fixed_point_method_agrees_at_small_lambda_and_flags_failure_at_large():
    games = np.stack([inspection(1.0, 4.0, 1.0, 1.0, 3.0), PD])
    newton = logit_qre_normal_form(games, 0.2)
    fixed = logit_qre_normal_form(games, 0.2, method="fixed_point", max_iter=500)
    assert fixed.converged.all()
    for a, b in zip(newton.strategies, fixed.strategies):
        np.testing.assert_allclose(a, b, atol=1e-8)
    # the damped map oscillates round the inspection game's mixed QRE at large λ
    big = logit_qre_normal_form(games[:1], 200.0, method="fixed_point", max_iter=200)
    assert not big.converged[0] and big.residual[0] > 1e-3


def test_bad_lambda_rejected():
    with pytest.raises(ValueError, match="lam"):
        logit_qre_normal_form(PD[None], -1.0)
    with pytest.raises(ValueError, match="lam"):
        logit_qre_normal_form(PD[None], [1.0, 2.0])
    tree, lp = random_tree(1)
    with pytest.raises(ValueError, match="lam"):
        agent_qre_tree(tree, lp, np.inf)


# ------------------------------------------------------ regime probabilities


def test_regime_probabilities_tree():
    reach = np.array([[0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 0.0, 0.0]])
    out = regime_probabilities_tree(reach, np.array([2, 0, 2, 1]), 4)
    np.testing.assert_allclose(out, [[0.2, 0.4, 0.4, 0.0], [0.0, 0.0, 1.0, 0.0]])


def test_profile_and_regime_probabilities_normal_form():
    s = [np.array([[0.25, 0.75]]), np.array([[0.5, 0.3, 0.2]]), np.array([[0.9, 0.1]])]
    prof = profile_probabilities(s)
    np.testing.assert_allclose(prof[0], np.einsum("a,b,c->abc", s[0][0], s[1][0], s[2][0]))
    regime = np.arange(12) % 3  # C order over (2, 3, 2)
    out = regime_probabilities_normal_form(s, regime, 3)
    np.testing.assert_allclose(out[0], [prof[0].ravel()[regime == k].sum() for k in range(3)])
    assert out.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------- solver


def test_solve_qre_columns_and_limits():
    cols = {"iraq.nationalism": np.array([0.0, 2.0, 6.0, 14.0]), "us.credibility": np.array([0.0, 1.5, 3.0, 6.0])}
    params = batch(GameParams(), cols)
    index = np.arange(4)
    names = [r.lower().replace(" ", "_").replace("-", "_") for r in SCENARIO.regimes]
    out0 = solve_qre(SCENARIO, params, index, lam=0.0, normal_form=True)
    assert list(out0) == [f"qre_prob_{n}" for n in names] + ["qre_modal_regime"] + [
        f"qre_nf_prob_{n}" for n in names] + ["qre_nf_converged"]
    seq = np.stack([out0[f"qre_prob_{n}"] for n in names], axis=1)
    nf = np.stack([out0[f"qre_nf_prob_{n}"] for n in names], axis=1)
    np.testing.assert_allclose(seq.sum(axis=1), 1.0)
    np.testing.assert_allclose(nf.sum(axis=1), 1.0)
    # λ = 0: every action at every node equally likely; the simultaneous game uniform
    regime_seq = SCENARIO.sequential.regime
    tree = SCENARIO.sequential.tree
    uniform = agent_qre_tree(tree, np.zeros((1, tree.n_leaves, 4)), 0.0).leaf_reach[0]
    np.testing.assert_allclose(seq[0], [uniform[regime_seq == k].sum() for k in range(len(names))])
    np.testing.assert_allclose(nf[0], np.bincount(SCENARIO.simultaneous.regime, minlength=len(names)) / 108)
    assert out0["qre_nf_converged"].all()
    # large λ: the modal sequential regime is the (unique) SPE regime
    out = solve_qre(SCENARIO, params, index, lam=60.0, normal_form=True)
    spe = solve_spe(SCENARIO, params, index)
    unique = spe["spe_unique"]
    assert unique.any()
    modal = np.asarray(out["qre_modal_regime"].indices)[unique]
    assert np.array_equal(modal, np.asarray(spe["spe_regime"].indices)[unique])
    assert np.all(np.max(np.stack([out[f"qre_prob_{n}"] for n in names], axis=1), axis=1)[unique] > 0.99)
    assert out["qre_nf_converged"].all()


def test_solve_qre_in_a_sweep_does_not_depend_on_chunk_size():
    from functools import partial

    from sim.engine.sweep import make_axis, solve_grid

    axes = [
        make_axis("x", GameParams, dict(param="iraq.nationalism", start=0, stop=20, num=4)),
        make_axis("y", GameParams, dict(param="us.credibility", start=0, stop=6, num=3)),
    ]
    solver = partial(solve_qre, lam=2.0)
    whole = solve_grid(SCENARIO, GameParams(), axes, [solver], chunk_size=12)
    assert whole.equals(solve_grid(SCENARIO, GameParams(), axes, [solver], chunk_size=5))


def test_docstring_examples():
    import doctest

    import sim.engine.qre

    assert doctest.testmod(sim.engine.qre).failed == 0


def test_lambda_path_runs_from_uniform_play_to_the_spe():
    from sim.solvers.qre import LAMBDA_PATH, lambda_path

    path = lambda_path(SCENARIO, GameParams())
    names = [f"prob_{r.lower().replace(' ', '_').replace('-', '_')}" for r in SCENARIO.regimes]
    probs = np.stack([path[n] for n in names], axis=1)
    assert probs.shape == (len(LAMBDA_PATH), len(SCENARIO.regimes))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    tree = SCENARIO.sequential.tree
    uniform = agent_qre_tree(tree, np.zeros((1, tree.n_leaves, 4)), 0.0).leaf_reach[0]
    np.testing.assert_allclose(probs[0], [uniform[SCENARIO.sequential.regime == k].sum() for k in range(len(names))])
    assert probs[-1, SCENARIO.regimes.index("hedging")] > 0.999  # the baseline SPE regime
