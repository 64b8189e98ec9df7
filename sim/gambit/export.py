"""Export a scenario's games at one parameter point to Gambit files."""

from __future__ import annotations

from pathlib import Path

from sim.store.rundir import GAMES_STEM
from sim.gambit import ExtensiveFormGame, NormalFormGame, write_efg, write_nfg
from sim.engine.scenario import Scenario, leaf_payoffs, normal_form


def scenario_nfg(sc: Scenario, params, title: str) -> NormalFormGame:
    """The simultaneous variant at one parameter point as a normal-form game."""
    return NormalFormGame(
        title=title,
        players=sc.players,
        strategies=tuple(a.actions for a in sc.actors),
        payoffs=normal_form(sc, params)[0],
    )


def scenario_efg(sc: Scenario, params, title: str) -> ExtensiveFormGame:
    """The sequential variant at one parameter point as a perfect-information tree."""
    return ExtensiveFormGame(title=title, tree=sc.sequential.tree, leaf_payoffs=leaf_payoffs(sc, params)[0])


def export_games(sc: Scenario, params, directory: Path, stem: str = GAMES_STEM) -> list[Path]:
    """Write ``<stem>.nfg`` (simultaneous) and ``<stem>.efg`` (sequential); return paths."""
    directory = Path(directory)
    nfg, efg = directory / f"{stem}.nfg", directory / f"{stem}.efg"
    write_nfg(nfg, scenario_nfg(sc, params, f"{sc.name} simultaneous variant, {stem} parameters"))
    write_efg(efg, scenario_efg(sc, params, f"{sc.name} sequential variant, {stem} parameters"))
    return [nfg, efg]
