"""Oracle: backward induction in sim.engine.tree against an independent one over pygambit's tree.

Random perfect-information trees (seeded numpy Generator; 2-3 players, depth <= 4,
chance nodes, small-integer payoffs) are written with ``write_efg`` and read back with
pygambit. The test walks pygambit's own nodes, children, outcomes and chance
probabilities in exact rational arithmetic (not using sim.engine.tree) and checks:

* the root payoffs equal ``sim.engine.tree.backward_induction``'s when there are no ties;
* whether some decision node has tied best actions agrees with ``tie_anywhere``;
* our subgame-perfect equilibrium, as a pure behaviour profile, is one of
  ``pygambit.nash.enumpure_agent_solve`` equilibria.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pygambit as gbt
import pytest

from sim.gambit import ExtensiveFormGame, write_efg
from sim.engine.tree import Chance, Decision, Tree, backward_induction, tree_from_rule

N_SEEDS = 40
MAX_PROFILES = 3000  # pure behaviour profiles enumpure_agent_solve has to visit


def random_game(seed: int) -> ExtensiveFormGame:
    """A random perfect-information game small enough for enumpure_agent_solve."""
    rng = np.random.default_rng(seed)
    while True:
        n = int(rng.integers(2, 4))
        players = tuple(f"Player {chr(65 + i)}" for i in range(n))

        def rule(history, rng=rng, n=n):
            if len(history) >= 4 or (history and rng.random() < 0.35):
                return None
            k = int(rng.integers(1, 4))
            acts = tuple(f"m{len(history)}{chr(97 + j)}" for j in range(k))
            if rng.random() < 0.2:
                w = rng.integers(1, 5, size=k)
                return Chance(acts, tuple(w / w.sum()))
            return Decision(int(rng.integers(n)), acts)

        tree = tree_from_rule(players, rule)
        n_profiles = math.prod(len(tree.actions[v]) for v in range(tree.n_nodes) if tree.node_player[v] >= 0)
        if n_profiles <= MAX_PROFILES:
            payoffs = rng.integers(-6, 7, size=(tree.n_leaves, n)).astype(float)
            return ExtensiveFormGame(f"oracle {seed}", tree, payoffs)


def _outcome(node, players) -> list[Fraction]:
    """Exact payoffs of the outcome at ``node`` (zeros when none is attached)."""
    try:
        return [Fraction(node.outcome[p]) for p in players]
    except KeyError:
        return [Fraction(0)] * len(players)


def gambit_backward_induction(node, players, above=None):
    """Independent backward induction over pygambit nodes, in exact arithmetic.

    Returns (values, tie): the subgame-perfect values of ``node`` (list of Fractions,
    first best action on ties) and whether any decision node below had tied best actions.
    """
    acc = [a + b for a, b in zip(above or [Fraction(0)] * len(players), _outcome(node, players))]
    if node.is_terminal:
        return acc, False
    results = [gambit_backward_induction(child, players, acc) for child in node.children]
    tie = any(t for _, t in results)
    if node.player.is_chance:
        probs = [Fraction(a.prob) for a in node.infoset.actions]
        values = [sum(p * v[i] for p, (v, _) in zip(probs, results)) for i in range(len(players))]
        return values, tie
    mover = players.index(node.player)
    own = [v[mover] for v, _ in results]
    best = max(own)
    return results[own.index(best)][0], tie or own.count(best) > 1


def _paired_nodes(tree: Tree, root):
    """(our node id, pygambit node) pairs in preorder, walking both trees together."""
    stack = [(0, root)]
    while stack:
        v, node = stack.pop()
        yield v, node
        kids = list(node.children)
        assert len(kids) == len(tree.children[v])
        stack.extend(reversed(list(zip(tree.children[v], kids))))


def _is_our_profile(eq, tree: Tree, choice: np.ndarray, pairs) -> bool:
    """Whether pure behaviour profile ``eq`` plays our choice at every decision node."""
    for v, node in pairs:
        if tree.node_player[v] >= 0:
            actions = list(node.infoset.actions)
            if eq[actions[int(choice[v])]] != 1:
                return False
    return True


@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_backward_induction_matches_pygambit(tmp_path, seed):
    game = random_game(seed)
    path = tmp_path / "g.efg"
    write_efg(path, game)
    g = gbt.read_efg(str(path))
    players = list(g.players)

    ours = backward_induction(game.tree, game.leaf_payoffs)
    values, tie = gambit_backward_induction(g.root, players)
    assert bool(ours.tie_anywhere[0]) == tie
    if not tie:
        np.testing.assert_allclose(ours.root_payoffs[0], [float(x) for x in values], rtol=0, atol=1e-9)

    pairs = list(_paired_nodes(game.tree, g.root))
    equilibria = gbt.nash.enumpure_agent_solve(g).equilibria
    assert any(_is_our_profile(eq, game.tree, ours.choice[0], pairs) for eq in equilibria)


def test_generator_covers_chance_ties_and_three_players():
    """The seeds exercise chance nodes, ties and no-tie cases, and 2 and 3 players."""
    games = [random_game(s) for s in range(N_SEEDS)]
    ties = [bool(backward_induction(g.tree, g.leaf_payoffs).tie_anywhere[0]) for g in games]
    assert any(ties) and not all(ties)
    assert any((g.tree.node_player == -1).any() for g in games)
    assert {g.tree.n_players for g in games} == {2, 3}
    assert max(int(g.tree.depth().max()) for g in games) == 4
