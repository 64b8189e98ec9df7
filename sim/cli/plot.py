"""``sim-plot RUN_DIR [--format png ...]`` (or ``sim-plot``): redraw a run's
figures from its saved tables, nothing solved or simulated. The figures themselves are the
registry :mod:`sim.figures.registry`.

``sim-plot --tree [--at KEY=VALUE ...] [--scenario NAME] [--out FILE] [--format png ...]``
draws the sequential game at a parameter point instead (the baseline without ``--at``):
the subgame-perfect path and the best replies off it (:mod:`sim.figures.game_tree`),
written to ``--out`` (default ``game_tree.png``; with ``--format``, one file per format
beside it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

from sim.cli.args import OneLineParser
from sim.engine.params import ConfigError
from sim.figures.registry import draw_run
from sim.figures.style import FORMATS
from sim.store import rundir
from sim.store.manifest import verify_run
from sim.store.table import ResultsError


def main(argv: Sequence[str] | None = None) -> int:
    """``sim-plot RUN_DIR [--format FMT ...]``: redraw a run's figures; ``sim-plot --tree
    [--at KEY=VALUE ...] [--scenario NAME] [--out FILE]``: draw the game tree at a point.

    Returns
    -------
    int
        0 on success; 2 (after one ``sim-plot: error: ...`` line on stderr) if the
        table is missing or corrupt, the point or scenario is bad, or a figure cannot be
        written.
    """
    matplotlib.use("Agg")
    parser = OneLineParser(prog="sim-plot", description="Redraw a run's figures (phase diagram, "
                                     "agent-based selection and trajectories) from its saved tables (nothing "
                                     "is solved or simulated); or, with --tree, draw the sequential game at a "
                                     "parameter point.")
    parser.add_argument("run_dir", type=Path, nargs="?", help=f"run directory holding {rundir.TABLE}")
    parser.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                        help="output format (repeatable; default: png and pdf, or the suffix of --out)")
    parser.add_argument("--tree", action="store_true",
                        help="draw the sequential game at a point (the subgame-perfect path and the best replies "
                             "off it), not a run's figures")
    parser.add_argument("--at", nargs="*", action="extend", metavar="KEY=VALUE",
                        help="with --tree: parameter values, e.g. iraq.nationalism=3 (default: the baseline)")
    parser.add_argument("--scenario", help="with --tree: scenario name (default: iraq2020)")
    parser.add_argument("--out", type=Path, help="with --tree: the file to write (default: game_tree.png)")
    args = parser.parse_args(argv)
    tree_only = [o for o, v in (("--at", args.at), ("--scenario", args.scenario), ("--out", args.out)) if v is not None]
    if args.tree and args.run_dir is not None:
        parser.error("--tree draws the game at a point, not a run's figures: drop RUN_DIR (use --at to set the point)")
    if not args.tree and tree_only:
        parser.error(f"{tree_only[0]} goes with --tree")
    if not args.tree and args.run_dir is None:
        parser.error("the following arguments are required: run_dir")
    try:
        if args.tree:
            paths = draw_tree(args.scenario or "iraq2020", args.at or [], args.out, args.formats)
        else:
            verify_run(args.run_dir)
            paths = draw_run(args.run_dir, tuple(args.formats or rundir.DEFAULT_FORMATS))
    except (ResultsError, ConfigError, OSError) as exc:
        msg = " ".join(str(exc).split())
        print(f"sim-plot: error: {msg}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


def draw_tree(scenario: str, at: Sequence[str], out: Path | None, formats: Sequence[str] | None) -> list[Path]:
    """Draw the game tree of ``scenario`` at the point ``at`` (``KEY=VALUE`` each) to ``out``
    (its suffix the format, unless ``formats`` are given: then one file per format, same
    stem); the paths written. ConfigError (one line) for a bad scenario, point or suffix."""
    from sim.cli.export import parse_point
    from sim.engine.params import replace_values
    from sim.figures.game_tree import game_tree_figure
    from sim.figures.style import save_formats
    from sim.scenarios import get_scenario

    out = Path(out or "game_tree.png")
    suffix = out.suffix.lower().lstrip(".")
    if not formats and suffix not in FORMATS:
        raise ConfigError(f"--out {out}: the suffix gives the format; allowed: {', '.join(FORMATS)} "
                          "(or give --format)")
    sc = get_scenario(scenario)
    params = replace_values(sc.params_cls(), parse_point(sc.params_cls, at))
    stem = out.stem if suffix in FORMATS else out.name
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_formats(game_tree_figure(sc, params), out.parent, stem, tuple(formats or (suffix,)))


if __name__ == "__main__":
    sys.exit(main())
