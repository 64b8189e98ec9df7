"""``sim-solve FILE [--json]``: solve a Gambit game file.

* ``.nfg`` (strategic game): every pure Nash equilibrium
  (:func:`sim.engine.equilibrium.pure_nash_equilibria`). JSON output::

      {"players": [names], "pure_nash": [[i, j, ...], ...]}

  with 0-based strategy indices in file order, sorted ascending.
* ``.efg`` (perfect-information tree): the subgame-perfect equilibrium by backward
  induction (:func:`sim.engine.tree.backward_induction`). JSON output::

      {"players": [names], "spe": {"path": [labels], "payoffs": [floats], "unique": bool}}

  ``path`` is the equilibrium path from the root (it stops at the first chance node),
  ``payoffs`` the root values (expected payoffs when there are chance nodes), and
  ``unique`` is False when some mover had tied best actions anywhere in the tree.

Errors (missing file, unknown suffix, malformed file, bad arguments) print one line
``sim-solve: error: ...`` to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sim.engine.equilibrium import pure_nash_equilibria
from sim.gambit import ExtensiveFormGame, GameFileError, NormalFormGame, read_game
from sim.engine.tree import backward_induction, spe_path_labels

PROG = "sim-solve"


class _UsageError(Exception):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors as exceptions instead of exiting."""

    def error(self, message: str):  # noqa: D102 (argparse API)
        raise _UsageError(message)


def _arg_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Solve a Gambit .nfg or .efg game file.")
    parser.add_argument("file", help="a Gambit .nfg (strategic) or .efg (perfect-information) file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def solve_nfg(game: NormalFormGame) -> dict:
    """Pure Nash equilibria as ``{"players": [...], "pure_nash": [[...], ...]}``."""
    eqs = sorted(pure_nash_equilibria(game.payoffs))
    return {"players": list(game.players), "pure_nash": [list(e) for e in eqs]}


def solve_efg(game: ExtensiveFormGame) -> dict:
    """Backward induction as ``{"players": [...], "spe": {"path", "payoffs", "unique"}}``."""
    return _efg_result(game, backward_induction(game.tree, game.leaf_payoffs))


def _efg_result(game: ExtensiveFormGame, bi) -> dict:
    """The JSON-ready result of a :class:`sim.engine.tree.BackwardInduction` on one game."""
    return {
        "players": list(game.tree.players),
        "spe": {
            "path": spe_path_labels(game.tree, bi.choice[0]),
            "payoffs": [float(x) for x in bi.root_payoffs[0]],
            "unique": not bool(bi.tie_anywhere[0]),
        },
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned text table lines."""
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]


def format_nfg_result(game: NormalFormGame, result: dict) -> str:
    """Human-readable table of the pure Nash equilibria, with payoffs."""
    lines = [f"Game: {game.title}" if game.title else "Game: (untitled)"]
    eqs = result["pure_nash"]
    if not eqs:
        return "\n".join(lines + ["no pure Nash equilibrium"])
    lines.append(f"{len(eqs)} pure Nash equilibri{'um' if len(eqs) == 1 else 'a'}:")
    header = ["#", *game.players, "payoffs"]
    rows = []
    for k, eq in enumerate(eqs, 1):
        names = [game.strategies[i][s] for i, s in enumerate(eq)]
        pay = ", ".join(f"{game.payoffs[(i, *eq)]:g}" for i in range(len(game.players)))
        rows.append([str(k), *names, f"({pay})"])
    return "\n".join(lines + ["  " + line for line in _table(header, rows)])


def format_efg_result(game: ExtensiveFormGame, result: dict, stops_at_chance: bool = False) -> str:
    """Human-readable equilibrium path and payoffs."""
    spe = result["spe"]
    path = " -> ".join(repr(a) for a in spe["path"]) or "(empty)"
    lines = [
        f"Game: {game.title}" if game.title else "Game: (untitled)",
        "Subgame-perfect equilibrium ("
        + ("unique" if spe["unique"] else "not unique: ties broken towards the first-listed action")
        + ")",
        f"  path: {path}",
    ]
    if stops_at_chance:
        lines.append("  (the path stops at a chance node; payoffs are expected values)")
    pays = ", ".join(f"{name} = {x:g}" for name, x in zip(result["players"], spe["payoffs"]))
    lines.append(f"  payoffs: {pays}")
    return "\n".join(lines)


def run(path: str, as_json: bool) -> str:
    """Read and solve ``path``; the text to print (raises GameFileError)."""
    game = read_game(path)
    if isinstance(game, NormalFormGame):
        result = solve_nfg(game)
        return json.dumps(result) if as_json else format_nfg_result(game, result)
    bi = backward_induction(game.tree, game.leaf_payoffs)
    result = _efg_result(game, bi)
    return json.dumps(result) if as_json else format_efg_result(game, result, bool(bi.path_leaf[0] < 0))


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sim-solve``; returns the exit status (0 ok, 2 error)."""
    try:
        args = _arg_parser().parse_args(argv)
        output = run(args.file, args.json)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except (_UsageError, GameFileError, ValueError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
