"""The figures of a run, in one registry, and the command that redraws them.

Every figure a run directory gets is a :class:`FigureSpec` in :data:`FIGURES`: its name,
whether the run's saved tables call for it (``applies``) and how it is drawn from them
(``draw``, which writes the files and returns their paths). :func:`draw_run` goes
through the registry in order, so a run's figures can be redrawn at any time with::

    sim-plot RUN_DIR [--format png --format pdf]

(:func:`sim.cli.plot.main`). This module imports the figure modules (:mod:`sim.figures.phase`,
:mod:`sim.figures.abm`, :mod:`sim.figures.sensitivity`); they import only :mod:`sim.figures.style`,
:mod:`sim.figures.axes` and their own helpers, never this module. A figure is drawn from the
run's tables and their metadata alone, never from ``config.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sim.store import rundir
from sim.figures.axes import games_in
from sim.figures.style import FORMATS, baseline_text, run_changes, save_formats
from sim.figures.phase import FIGURE_NAME, figure_columns, qre_path_figure, run_figure
from sim.figures.abm import draw_abm
from sim.figures.abm_data import has_abm
from sim.store.table import ResultsError, TableMeta, read_parquet, read_table
from sim.config.countries import FIGURE as COUNTRIES_FIGURE, TABLE as COUNTRIES_TABLE
from sim.figures.discovery import TABLE as DISCOVERY_TABLE
from sim.config.history_matching import TABLE as HISTORY_MATCHING_TABLE


@dataclass(frozen=True)
class Run:
    """A run directory and its equilibria table (the columns figures draw), read once.

    ``table`` and ``meta`` are None for a sensitivity run (``sensitivity.parquet``, no
    equilibria table).
    """

    dir: Path
    table: pa.Table | None
    meta: TableMeta | None


def load_run(run_dir: Path) -> Run:
    """The run in ``run_dir``, its equilibria table read (figure columns only).

    Raises
    ------
    ResultsError
        If neither an equilibria table nor a sensitivity table is there, or the
        equilibria table is unreadable or inconsistent with its metadata.
    """
    run_dir = Path(run_dir)
    if not (run_dir / rundir.TABLE).exists() and ((run_dir / rundir.SENSITIVITY_TABLE).is_file()
                                                  or (run_dir / rundir.BACKTEST).is_file()
                                                  or (run_dir / COUNTRIES_TABLE).is_file()
                                                  or (run_dir / DISCOVERY_TABLE).is_file()
                                                  or (run_dir / HISTORY_MATCHING_TABLE).is_file()):
        return Run(run_dir, None, None)
    table, meta = read_table(run_dir / rundir.TABLE, labels_as_dictionary=True, columns=figure_columns)
    return Run(run_dir, table, meta)


@dataclass(frozen=True)
class FigureSpec:
    """One kind of figure: ``name``; ``applies(run)``, whether the run's tables call for it;
    ``draw(run, formats)``, which writes its files (one per format) and returns their paths."""

    name: str
    applies: Callable[[Run], bool]
    draw: Callable[[Run, Sequence[str]], list[Path]]


def _draw_sensitivity(run: Run, formats: Sequence[str]) -> list[Path]:
    """A sensitivity run's figure (``sensitivity.top`` parameters a panel, as the run had)."""
    from sim.figures import prior, sensitivity

    path = run.dir / rundir.SENSITIVITY_TABLE
    try:
        table = read_parquet(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    meta = sensitivity.table_meta(table)
    draw = prior.figure if meta.get("method") == "prior" else sensitivity.figure
    top = int(meta.get("top", 10))  # as the run had it (sensitivity.top)
    return sensitivity.save_figure(draw(table, top_k=top), run.dir, formats)


def _draw_backtest(run: Run, formats: Sequence[str]) -> list[Path]:
    """``backtest.<fmt>``: the record against the dynamic game's probabilities, quarter by quarter."""
    from sim.figures.backtest import backtest_figure

    table = read_parquet(run.dir / rundir.BACKTEST)
    return save_formats(backtest_figure(table), run.dir, rundir.BACKTEST_FIGURE, formats)


def _draw_dynamic_abm(run: Run, formats: Sequence[str]) -> list[Path]:
    """``dynamic_abm.<fmt>``: the agents' US posture per quarter against the record's troops
    (taken from the run's ``backtest.parquet``)."""
    from types import SimpleNamespace

    from sim.figures.dynamic_abm import dynamic_abm_figure

    scored = read_parquet(run.dir / rundir.BACKTEST)
    record = SimpleNamespace(quarters=scored.column("quarter").to_pylist(),
                             columns={"us_troops": scored.column("us_troops").to_pylist()})
    fig = dynamic_abm_figure(read_parquet(run.dir / rundir.DYNAMIC_ABM), record)
    return save_formats(fig, run.dir, rundir.DYNAMIC_ABM_FIGURE, formats)


def _draw_discovery(run: Run, formats: Sequence[str]) -> list[Path]:
    """``discovery.<fmt>``: per target regime, PRIM's trajectory and the boxes' limits."""
    from sim.figures.discovery import draw

    return draw(read_parquet(run.dir / DISCOVERY_TABLE), run.dir, formats)


def _draw_history_matching(run: Run, formats: Sequence[str]) -> list[Path]:
    """``posterior.<fmt>`` and ``predictive.<fmt>``: prior against posterior, and the record matched per quarter."""
    from sim.figures.posterior import draw

    return draw(run.dir, formats)


def _draw_countries(run: Run, formats: Sequence[str]) -> list[Path]:
    """``countries.<fmt>``: per country, the regime shares and the probability of the record."""
    if not formats:
        return []  # no file to write: not even drawn
    from sim.figures.countries import figure

    return save_formats(figure(read_parquet(run.dir / COUNTRIES_TABLE)), run.dir, COUNTRIES_FIGURE, formats)


def _draw_qre_path(run: Run, formats: Sequence[str]) -> list[Path]:
    """``qre_path.<fmt>``: the QRE regime probabilities at the baseline against λ."""
    path_table = read_parquet(run.dir / rundir.QRE_PATH)
    fig = qre_path_figure(path_table, run.meta, baseline_text(run_changes(run.dir)))
    return save_formats(fig, run.dir, rundir.QRE_FIGURE, formats)


def _draw_phase_diagram(run: Run, formats: Sequence[str]) -> list[Path]:
    """``phase_diagram.<fmt>``: the regimes of every solution concept over the sweep."""
    return save_formats(run_figure(run.table, run.meta, baseline_text(run_changes(run.dir))), run.dir,
                        FIGURE_NAME, formats)


def _draw_parliament_map(run: Run, formats: Sequence[str]) -> list[Path]:
    """``parliament_map.<fmt>``: the two-level game's regime, P(exit demand), P(resolution)."""
    from sim.figures.parliament import parliament_map

    fig = parliament_map(run.table, run.meta, baseline_text(run_changes(run.dir)))
    return save_formats(fig, run.dir, rundir.PARLIAMENT_MAP, formats)


def _draw_parliament(run: Run, formats: Sequence[str]) -> list[Path]:
    """``parliament.<fmt>``: the calibrated and the counterfactual parliament at the baseline."""
    from sim.figures.parliament import parliament_figure

    members = read_parquet(run.dir / rundir.PARLIAMENT)
    outcomes = read_parquet(run.dir / rundir.PARLIAMENT_OUTCOMES)
    fig = parliament_figure(members, outcomes)
    return save_formats(fig, run.dir, rundir.PARLIAMENT_FIGURE, formats)


def _draw_abm(run: Run, formats: Sequence[str]) -> list[Path]:
    """``abm_selection.<fmt>`` and ``trajectories.<fmt>`` (:func:`sim.figures.abm.draw_abm`)."""
    return draw_abm(run.dir, formats, (run.table, run.meta))


#: Every figure a run can get, in the order :func:`draw_run` draws them. A run with
#: agent-based results and no phase-diagram concept but ``nash`` gets no phase diagram (its
#: ``abm_selection`` figure shows the pure NE).
FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("sensitivity", lambda run: run.table is None and (run.dir / rundir.SENSITIVITY_TABLE).is_file(),
               _draw_sensitivity),
    FigureSpec("backtest", lambda run: run.table is None and (run.dir / rundir.BACKTEST).is_file(), _draw_backtest),
    FigureSpec("countries", lambda run: run.table is None and (run.dir / COUNTRIES_TABLE).is_file(), _draw_countries),
    FigureSpec("discovery", lambda run: run.table is None and (run.dir / DISCOVERY_TABLE).is_file(), _draw_discovery),
    FigureSpec("history_matching", lambda run: run.table is None and (run.dir / HISTORY_MATCHING_TABLE).is_file(),
               _draw_history_matching),
    FigureSpec("dynamic_abm", lambda run: run.table is None and (run.dir / rundir.DYNAMIC_ABM).is_file(),
               _draw_dynamic_abm),
    FigureSpec("qre_path", lambda run: run.table is not None and (run.dir / rundir.QRE_PATH).exists(),
               _draw_qre_path),
    FigureSpec("phase_diagram", lambda run: run.table is not None and not (
        has_abm(run.table) and set(games_in(run.table)) <= {"nash"}), _draw_phase_diagram),
    FigureSpec("parliament_map", lambda run: run.table is not None and "twolevel_p_exit" in run.table.column_names
               and len(run.meta.axes) == 2, _draw_parliament_map),
    FigureSpec("parliament", lambda run: (run.dir / rundir.PARLIAMENT).exists(), _draw_parliament),
    FigureSpec("abm", lambda run: run.table is not None, _draw_abm),
)


def draw_run(run_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Redraw a run's figures from its saved tables: every :data:`FIGURES` entry that applies.

    Parameters
    ----------
    run_dir : path
        Run directory: an equilibria table (phase diagram, QRE path, agent-based
        figures) or a sensitivity table (its figure).
    formats : sequence of {"png", "pdf", "svg"}
        File formats to write (PNG at 200 dpi); empty: no phase diagram.

    Returns
    -------
    list of Path
        The files written, figure by figure in registry order, in ``formats`` order
        within a figure. Each is written atomically, without timestamps, so the same
        tables give the same bytes.

    Raises
    ------
    ResultsError
        If the table is missing, unreadable or inconsistent with its metadata.
    ValueError
        If a format is not supported.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unsupported format {bad[0]!r}; allowed: {', '.join(FORMATS)}")
    run = load_run(run_dir)
    paths: list[Path] = []
    for spec in FIGURES:
        if spec.name == "phase_diagram" and not formats:
            continue  # no file to write: not even laid out
        if spec.applies(run):
            paths += spec.draw(run, formats)
    return paths
