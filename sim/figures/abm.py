"""The agent-based figures of a run, drawn from its saved tables alone.

Nothing here simulates or solves, nor reads the run's ``config.yaml``: every figure is
a pure function of

* ``equilibria.parquet``: the ``abm_*`` columns of :mod:`sim.abm.solver` beside the exact
  solver's ``nash_*`` columns, and in its schema metadata (:class:`sim.store.table.TableMeta`)
  the scenario, what the run changed and how adaptive play was run (``abm``), and
* ``trajectory.parquet`` / ``trajectory_stats.parquet`` of :mod:`sim.abm.trajectory`
  (action shares per step at the baseline point; the exact pure Nash equilibria there
  and when play stopped changing, in the schema metadata),

so a run's figures can be redrawn with ``sim-plot RUN_DIR`` (whose figure registry,
:mod:`sim.figures.registry`, calls :func:`draw_abm`). Figures:

* ``abm_selection.<fmt>``: :func:`sim.figures.abm_selection.comparison_figure` (2 or 3
  axes) or :func:`sim.figures.abm_strip.comparison_strip` (1 axis);
* ``trajectories.<fmt>``: :func:`sim.figures.abm_trajectory.trajectory_figure`.

Figures are built without pyplot and saved atomically and deterministically by
:func:`sim.figures.style.save_formats`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
from matplotlib.figure import Figure

from sim.figures import style as FS
from sim.figures.abm_data import has_abm
from sim.figures.abm_selection import comparison_figure
from sim.figures.abm_trajectory import trajectory_figure
from sim.figures.abm_words import selection_note
from sim.store import rundir
from sim.store.table import ResultsError, TableMeta, read_parquet, read_table

SELECTION_NAME = rundir.ABM_SELECTION
TRAJECTORY_NAME = rundir.TRAJECTORIES
SHARES_FILE = rundir.TRAJECTORY  # written by sim.abm.trajectory
STATS_FILE = rundir.TRAJECTORY_STATS


def _read_parquet(path: Path) -> pa.Table:
    try:
        return read_parquet(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None


def figure_builders(run_dir: Path, loaded: tuple[pa.Table, TableMeta] | None = None
                    ) -> list[tuple[str, Callable[[], Figure]]]:
    """``(figure name, build)`` of each agent-based figure the run's tables call for, in the
    order :func:`draw_abm` writes them; ``build()`` returns a new Figure."""
    run_dir = Path(run_dir)
    builders: list[tuple[str, Callable[[], Figure]]] = []
    table_path = run_dir / rundir.TABLE
    meta = None
    if loaded is not None or table_path.is_file():
        table, meta = loaded if loaded is not None else read_table(table_path)
        if has_abm(table):
            note = selection_note(meta.abm, FS.table_scenario(meta))
            baseline = FS.baseline_text(meta.changes)
            builders.append((SELECTION_NAME, lambda: comparison_figure(table, meta, note, baseline)))
    if (run_dir / SHARES_FILE).is_file():
        stats_path = run_dir / STATS_FILE
        shares = _read_parquet(run_dir / SHARES_FILE)
        stats = _read_parquet(stats_path) if stats_path.is_file() else None
        scenario = FS.table_scenario(meta) if meta is not None else None  # words for codes, labels for parameters
        baseline = FS.baseline_text(meta.changes if meta is not None else ())
        builders.append((TRAJECTORY_NAME, lambda: trajectory_figure(shares, stats, scenario, baseline)))
    return builders


def draw_abm(run_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS,
             loaded: tuple[pa.Table, TableMeta] | None = None) -> list[Path]:
    """Redraw a run's agent-based figures from its saved files.

    Parameters
    ----------
    run_dir : path
        Run directory.
    formats : sequence of {"png", "pdf", "svg"}
        File formats to write.
    loaded : (table, meta), optional
        ``equilibria.parquet`` as :func:`sim.store.table.read_table` returned it, if the caller
        has read it already (saves reading a large table twice).

    Returns
    -------
    list of Path
        ``abm_selection.<fmt>`` if ``equilibria.parquet`` has ``abm_*`` columns, then
        ``trajectories.<fmt>`` if ``trajectory.parquet`` exists; empty if neither. Each
        file is written atomically without timestamps (same inputs, same bytes).

    Raises
    ------
    ResultsError
        If a table is unreadable or inconsistent.
    ValueError
        If a format is not supported.
    """
    run_dir = Path(run_dir)
    bad = [f for f in formats if f not in rundir.FIGURE_FORMATS]
    if bad:
        raise ValueError(f"unsupported format {bad[0]!r}; allowed: {', '.join(rundir.FIGURE_FORMATS)}")
    formats = tuple(dict.fromkeys(formats))
    builders = figure_builders(run_dir, loaded)
    figures = [build() for _, build in builders]  # every figure builds before any file is written
    paths = []
    for (name, _), fig in zip(builders, figures):
        paths += FS.save_formats(fig, run_dir, name, formats)
    return paths
