"""``sim export`` at points other than the baseline, read back by pygambit, whose
computations agree with our solvers there (pygambit is the oracle):

* efg: an independent backward induction over pygambit's own tree (exact rationals)
  reaches the outcome our ``spe`` solver reports, with its payoffs; Gambit finds no
  agent regret in our subgame-perfect profile; the outcome's label names its regime;
* the uncertain-resolve efg: a chance node with the prior; Gambit's realisation
  probabilities of our equilibrium profile, summed by the regime in each outcome's label,
  are our ``bayes`` solver's regime probabilities, and Gambit finds no agent regret;
* nfg: Gambit's pure Nash equilibria (``enumpure_solve``) are our ``nash`` solver's.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pygambit as gbt
import pytest
from test_gambit_oracle_efg import _outcome, _paired_nodes

from sim.cli.export import main
from sim.engine.equilibrium import pure_nash_equilibria
from sim.engine.params import replace_values
from sim.engine.scenario import leaf_payoffs, normal_form
from sim.engine.tree import backward_induction
from sim.gambit import read_efg, read_nfg
from sim.scenarios import get_scenario
from sim.solvers.bayes import solve_bayes
from sim.solvers.nash import solve_nash
from sim.solvers.spe import solve_spe
from sim.store.columns import slug

SC = get_scenario("iraq2020")
POINT = {"iraq.nationalism": 3.0, "us.credibility": 2.0}  # the example: a negotiated drawdown
HEDGING = {"iraq.nationalism": 8.0, "us.credibility": 1.0}  # hedging
BAYES = {"iraq.nationalism": 15.0, "us.credibility": 4.0, "us.committed_prior": 0.4}


def at(values: dict) -> list[str]:
    return ["--at", *(f"{k}={v:g}" for k, v in values.items())]


def export(tmp_path, values: dict, *args: str) -> str:
    path = tmp_path / ("game.nfg" if "nfg" in args else "game.efg")
    assert main([*at(values), "--out", str(path), *args]) == 0
    return str(path)


def regime_of(label: str) -> str:
    """The regime an outcome label names (after its last ': ')."""
    return label.rpartition(": ")[2]


def gambit_spe(node, players, above=None):
    """Backward induction over pygambit's nodes in exact arithmetic, the first best
    action on ties: (values, {decision node: chosen child index})."""
    acc = [a + b for a, b in zip(above or [Fraction(0)] * len(players), _outcome(node, players))]
    if node.is_terminal:
        return acc, {}
    results = [gambit_spe(child, players, acc) for child in node.children]
    choice = {k: v for _, c in results for k, v in c.items()}
    if node.player.is_chance:
        probs = [Fraction(a.prob) for a in node.infoset.actions]
        return [sum(p * r[0][i] for p, r in zip(probs, results)) for i in range(len(players))], choice
    own = [r[0][players.index(node.player)] for r in results]
    k = own.index(max(own))
    choice[node] = k
    return results[k][0], choice


def profile(g, choose):
    """A pure behaviour profile of ``g``: at each decision node, action ``choose(node)``."""
    prof = g.mixed_behavior_profile(rational=True)
    for node in g.nodes:
        if not node.is_terminal and not node.player.is_chance:
            for k, action in enumerate(node.infoset.actions):
                prof[action] = Fraction(int(k == choose(node)))
    return prof


def our_profile(g, path):
    """Our backward induction (sim.engine.tree, on our reading of the file) as a pygambit profile."""
    game = read_efg(path)
    choice = backward_induction(game.tree, game.leaf_payoffs).choice[0]
    ours = {node: int(choice[v]) for v, node in _paired_nodes(game.tree, g.root) if game.tree.node_player[v] >= 0}
    return profile(g, ours.__getitem__)


def regime_probabilities(g, prof) -> dict[str, float]:
    """Gambit's probability of reaching each regime under ``prof`` (by outcome label)."""
    out: dict[str, float] = {}
    for node in g.nodes:
        if node.is_terminal:
            r = regime_of(node.outcome.label)
            out[r] = out.get(r, 0.0) + float(prof.realiz_prob(node))
    return out


@pytest.mark.parametrize("values", [POINT, HEDGING], ids=["drawdown", "hedging"])
def test_efg_at_a_point_gambit_reaches_our_spe(tmp_path, values):
    path = export(tmp_path, values, "--format", "efg")
    g = gbt.read_efg(path)
    assert g.title == "iraq2020 sequential game at " + ", ".join(f"{k}={v:g}" for k, v in values.items())
    players = list(g.players)
    ours = solve_spe(SC, replace_values(SC.params_cls(), values))

    values, choice = gambit_spe(g.root, players)
    np.testing.assert_allclose([float(x) for x in values],
                               [ours[f"spe_payoff_{slug(a)}"][0] for a in SC.players], rtol=0, atol=1e-9)
    node, path_labels = g.root, []
    while not node.is_terminal:
        path_labels.append(list(node.infoset.actions)[choice[node]].label)
        node = list(node.children)[choice[node]]
    assert path_labels == [ours[f"spe_{slug(a)}"][0].as_py() for a in SC.players]
    assert node.outcome.label == ", ".join(f"{a} {x}" for a, x in zip(SC.players, path_labels)) \
        + f": {ours['spe_regime'][0].as_py()}"

    prof = our_profile(g, path)
    assert prof.agent_max_regret() == 0  # Gambit: no mover gains by deviating at any node, on or off path
    reached = {r: p for r, p in regime_probabilities(g, prof).items() if p > 0}
    assert reached == {ours["spe_regime"][0].as_py(): 1.0}
    assert len({o.label for o in g.outcomes}) == len(g.outcomes) == SC.sequential.tree.n_leaves
    # our reader gives the same labels back, leaf by leaf (pygambit lists nodes in preorder, as we number leaves)
    assert read_efg(path).outcome_labels == tuple(n.outcome.label for n in g.nodes if n.is_terminal)


def test_the_point_sets_the_payoffs(tmp_path, capsys):
    """The file holds the game at the point asked for, not the baseline's; ``-`` is stdout."""
    assert main([*at(POINT), "--out", "-"]) == 0
    written = tmp_path / "stdout.efg"
    written.write_text(capsys.readouterr().out)
    base = read_efg(export(tmp_path, {}))
    here = read_efg(written)
    assert base.title.endswith(" at baseline")
    for game, values in ((base, {}), (here, POINT)):
        np.testing.assert_array_equal(game.leaf_payoffs, leaf_payoffs(SC, replace_values(SC.params_cls(), values))[0])
    assert not np.array_equal(base.leaf_payoffs, here.leaf_payoffs)


def test_uncertain_resolve_tree_agrees_with_the_bayes_solver(tmp_path):
    path = export(tmp_path, BAYES)  # prior < 1: the tree with a chance node, without --resolve
    g = gbt.read_efg(path)
    chance = [n for n in g.nodes if not n.is_terminal and n.player.is_chance]
    assert len(chance) == np.sum(SC.sequential.tree.node_player == SC.players.index("US"))  # one per US node
    assert all([(a.label, a.prob) for a in n.infoset.actions]
               == [("committed", Fraction(2, 5)), ("bluffing", Fraction(3, 5))] for n in chance)

    ours = solve_bayes(SC, replace_values(SC.params_cls(), BAYES))
    expected = {r: float(ours[f"bayes_prob_{slug(r)}"][0]) for r in SC.regimes}
    assert sorted(v for v in expected.values() if v > 0) == [0.4, 0.6]  # the point mixes two regimes

    prof = our_profile(g, path)
    assert prof.agent_max_regret() == 0
    found = regime_probabilities(g, prof)
    assert found == pytest.approx({r: expected.get(r, 0.0) for r in found}, abs=1e-12)
    _, choice = gambit_spe(g.root, list(g.players))  # Gambit's tree, solved independently
    assert regime_probabilities(g, profile(g, choice.__getitem__)) == pytest.approx(found, abs=1e-12)


def test_nfg_at_a_point_gambit_finds_our_pure_equilibria(tmp_path):
    path = export(tmp_path, POINT, "--format", "nfg")
    g = gbt.read_nfg(path)
    params = replace_values(SC.params_cls(), POINT)
    found = []
    for eq in gbt.nash.enumpure_solve(g).equilibria:
        found.append(tuple(next(s.label for s in p.strategies if eq[s] == 1) for p in g.players))
    ours = [tuple(a.actions[k] for a, k in zip(SC.actors, e)) for e in pure_nash_equilibria(normal_form(SC, params)[0])]
    assert sorted(found) == sorted(ours) and found
    cols = solve_nash(SC, params)
    assert len(found) == cols["nash_count"][0]
    regimes = {regime_of(g[list(eq)].label) for eq in found}
    assert "|".join(r for r in SC.regimes if r in regimes) == cols["nash_regimes"][0].as_py()
    # our reader gives the labels back in C order, matching the payoff tensor
    game = read_nfg(path)
    k = np.ravel_multi_index([SC.actors[i].actions.index(x) for i, x in enumerate(found[0])], game.payoffs.shape[1:])
    assert regime_of(game.outcome_labels[k]) == regime_of(g[list(found[0])].label)


@pytest.mark.parametrize("args, message", [
    (["--at", "iraq.nationalsm=3"], "unknown parameter 'iraq.nationalsm'; did you mean 'iraq.nationalism'?"),
    (["--at", "iraq.nationalism=50"], "out of range; allowed: [0.0, 20.0] $bn/yr"),
    (["--at", "iraq.nationalism"], "--at 'iraq.nationalism' is malformed; expected KEY=VALUE"),
    (["--at", "iraq.nationalism=three"], "iraq.nationalism=three is not a number; allowed: [0.0, 20.0] $bn/yr"),
    (["--format", "gml"], "--format 'gml' is unknown; allowed: efg, nfg"),
    (["--format", "nfg", "--resolve"], "--resolve exports the tree with a chance node for the type"),
    (["--scenario", "iraq2021"], "scenario='iraq2021' is unknown"),
])
def test_bad_input_one_line_exit_2(tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sim export: error: ") and message in err, err
    assert not list(tmp_path.iterdir())
