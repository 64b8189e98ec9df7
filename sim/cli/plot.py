"""``sim-plot RUN_DIR [--format png ...]`` (or ``sim-plot``): redraw a run's
figures from its saved tables, nothing solved or simulated. The figures themselves are the
registry :mod:`sim.figures.registry`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

from sim.cli.args import OneLineParser
from sim.figures.registry import draw_run
from sim.figures.style import FORMATS
from sim.store import rundir
from sim.store.manifest import verify_run
from sim.store.table import ResultsError


def main(argv: Sequence[str] | None = None) -> int:
    """``sim-plot RUN_DIR [--format FMT ...]``: redraw a run's figures.

    Returns
    -------
    int
        0 on success; 2 (after one ``sim-plot: error: ...`` line on stderr) if the
        table is missing or corrupt or a figure cannot be written.
    """
    matplotlib.use("Agg")
    parser = OneLineParser(prog="sim-plot", description="Redraw a run's figures (phase diagram, "
                                     "agent-based selection and trajectories) from its saved tables (nothing "
                                     "is solved or simulated).")
    parser.add_argument("run_dir", type=Path, help=f"run directory holding {rundir.TABLE}")
    parser.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                        help="output format (repeatable; default: png and pdf)")
    args = parser.parse_args(argv)
    try:
        verify_run(args.run_dir)
        paths = draw_run(args.run_dir, tuple(args.formats or rundir.DEFAULT_FORMATS))
    except (ResultsError, OSError) as exc:
        msg = " ".join(str(exc).split())
        print(f"sim-plot: error: {msg}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
