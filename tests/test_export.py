"""The scenario's baseline games exported to Gambit files, read back by us and by Gambit."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pygambit as gbt
import pytest
from test_gambit_oracle_efg import _paired_nodes, gambit_backward_induction

from sim.cli.solve import main as sim_solve
from sim.engine.equilibrium import pure_nash_equilibria
from sim.gambit.export import export_games, scenario_efg
from sim.gambit import ExtensiveFormGame, read_efg, read_nfg, write_efg
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
from sim.engine.params import replace_values
from sim.engine.scenario import leaf_payoffs, normal_form
from sim.engine.tree import Decision, backward_induction, spe_path_labels, tree_from_rule

POINTS = {
    "baseline": {},
    "nationalist": {"iraq.nationalism": 12.0, "us.credibility": 2.5},
    "resolute": {"iraq.nationalism": 19.0, "us.credibility": 5.0},
    "weak US": {"us.credibility": 0.2},
}


@pytest.fixture(params=list(POINTS))
def params(request):
    return replace_values(GameParams(), POINTS[request.param])


def test_sim_solve_reads_back_what_we_write(tmp_path, params, capsys):
    nfg, efg = export_games(SCENARIO, params, tmp_path)
    np.testing.assert_array_equal(read_nfg(nfg).payoffs, normal_form(SCENARIO, params)[0])
    np.testing.assert_array_equal(read_efg(efg).leaf_payoffs, leaf_payoffs(SCENARIO, params)[0])

    assert sim_solve([str(nfg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["players"] == list(SCENARIO.players)
    assert out["pure_nash"] == [list(e) for e in pure_nash_equilibria(normal_form(SCENARIO, params)[0])]

    assert sim_solve([str(efg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    res = backward_induction(SCENARIO.sequential.tree, leaf_payoffs(SCENARIO, params))
    assert out["spe"]["path"] == spe_path_labels(SCENARIO.sequential.tree, res.choice[0])
    assert out["spe"]["payoffs"] == pytest.approx(res.root_payoffs[0].tolist(), abs=1e-12)
    assert out["spe"]["unique"] is (not bool(res.tie_anywhere[0]))


def _gambit_profile(g, tree, choice):
    """Our pure SPE as a pygambit behaviour profile (exact rationals)."""
    prof = g.mixed_behavior_profile(rational=True)
    for v, node in _paired_nodes(tree, g.root):
        if tree.node_player[v] >= 0:
            for k, action in enumerate(node.infoset.actions):
                prof[action] = Fraction(int(k == choice[v]))
    return prof


def test_gambit_agrees_on_the_scenario_spe(tmp_path, params):
    path = tmp_path / "g.efg"
    write_efg(path, scenario_efg(SCENARIO, params, "oracle"))
    g = gbt.read_efg(str(path))
    ours = backward_induction(SCENARIO.sequential.tree, leaf_payoffs(SCENARIO, params))
    values, tie = gambit_backward_induction(g.root, list(g.players))
    assert tie == bool(ours.tie_anywhere[0])
    np.testing.assert_allclose(ours.root_payoffs[0], [float(x) for x in values], atol=1e-9)
    # Gambit's own regret of our profile: zero at every information set, on and off path
    prof = _gambit_profile(g, SCENARIO.sequential.tree, ours.choice[0])
    assert prof.agent_max_regret() == 0


def test_gambit_regret_sees_an_incredible_threat(tmp_path):
    """Sanity check of the oracle: a non-subgame-perfect profile has positive agent regret."""
    params = GameParams()
    tree = SCENARIO.sequential.tree
    path = tmp_path / "g.efg"
    write_efg(path, scenario_efg(SCENARIO, params, "oracle"))
    g = gbt.read_efg(str(path))
    choice = backward_induction(tree, leaf_payoffs(SCENARIO, params)).choice[0].copy()
    us_nodes = [v for v in range(tree.n_nodes) if tree.node_player[v] == SCENARIO.players.index("US")]
    for v in us_nodes:
        choice[v] = 2  # threaten severe sanctions everywhere, including where they don't pay
    assert _gambit_profile(g, tree, choice).agent_max_regret() > 0


def test_subgame_spe_is_among_gambits_agent_form_pure_equilibria(tmp_path, params):
    """Iraq's and the US's subgame after an S-400 offer and Iranian restraint (6 US nodes:
    6 * 3**6 pure behaviour profiles, small enough for enumpure_agent_solve)."""
    full = SCENARIO.sequential.tree
    hist = full.leaf_histories()
    keep = [k for k, h in enumerate(hist) if h[:2] == ("S-400", "restrain")]
    iraq = SCENARIO.actors[2].actions
    us = SCENARIO.actors[3].actions

    def rule(h):
        if not h:
            return Decision(0, iraq)
        if len(h) == 1:
            return Decision(1, us)
        return None

    sub = tree_from_rule(("Iraq", "US"), rule)
    lp = leaf_payoffs(SCENARIO, params)[0][keep][:, [2, 3]]
    ours = backward_induction(sub, lp)
    path = tmp_path / "sub.efg"
    write_efg(path, ExtensiveFormGame("subgame", sub, lp))
    g = gbt.read_efg(str(path))
    pairs = list(_paired_nodes(sub, g.root))
    found = False
    for eq in gbt.nash.enumpure_agent_solve(g).equilibria:
        if all(eq[list(node.infoset.actions)[int(ours.choice[0, v])]] == 1
               for v, node in pairs if sub.node_player[v] >= 0):
            found = True
    assert found
