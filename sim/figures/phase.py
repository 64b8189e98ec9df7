"""Phase diagrams of equilibrium regimes (and the QRE path), drawn from a saved
equilibria table alone.

Nothing here solves a game: every figure is a pure function of the table written by
:func:`sim.store.table.write_table` (its columns and its ``sim`` metadata), so a run's figures
can be redrawn at any time with::

    sim-plot RUN_DIR [--format png --format pdf]

(the command line of :mod:`sim.figures.registry`, the registry of every figure a run gets).
Colours, widths, fonts and saving are :mod:`sim.figures.style`'s; regime grids and their axes
are :mod:`sim.figures.axes`'s. Figures are :class:`matplotlib.figure.Figure` objects built
without pyplot, so no global figure state leaks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.store import rundir
from sim.figures.axes import (axis_values, baseline_point, cell_edges, check_axes, check_rows, common_legend,
                         draw_2d, facet_title, facet_values, game_grids, games_in, hatch_mask, inside,
                         legend_handles, new_axes, regime_mesh, setup_axis, table_column)
from sim.figures.style import (BASELINE_LABEL, BASELINE_MARKER, PAGE_WIDTH, panel_title, regime_colours, say_in_panel,
                          styled)
from sim.solvers.registry import SOLVERS, phase_concepts
from sim.store.columns import slug
from sim.store.table import ResultsError, TableMeta

FIGURE_NAME = rundir.PHASE_DIAGRAM
PROB_CMAP = "cividis"  # perceptually uniform and colour-blind safe


def prob_column(game: str, meta: TableMeta) -> str | None:
    """The column of the probability of the scenario's focal regime under ``game``, or
    None (the concept gives no probabilities, or the scenario names no focal regime)."""
    spec = SOLVERS.get(game)
    if spec is None or spec.prob_prefix is None or meta.focal is None:
        return None
    return spec.prob_prefix + slug(meta.focal)


def figure_columns(schema: pa.Schema, meta: TableMeta) -> list[str]:
    """The columns of an equilibria table that its figures draw: the swept parameters,
    each concept's regime column, ``nash_count``, the probability columns and the
    agent-based ones (not payoffs, actions or per-regime counts)."""
    keep = {a["param"] for a in meta.axes}
    for s in phase_concepts():
        keep |= {s.regime_column, f"{s.name}_count" if s.several else "", prob_column(s.name, meta) or ""}
        keep |= set(s.figure_columns)
    return [name for name in schema.names if name in keep or name.startswith("abm_")]




@styled
def regime_strip(table: pa.Table, meta: TableMeta, ax: Axes | None = None, legend: bool = True,
                 baseline_label: str = BASELINE_LABEL) -> Figure:
    """Band plot of a 1-axis sweep: SPE regime (top) and pure-NE regime(s) (bottom).

    Parameters
    ----------
    table, meta
        A 1-axis equilibria table with the ``spe`` and ``nash`` columns.
    ax : Axes, optional
        Axes to draw into; a new 10 x 2.8 in figure if omitted.
    legend : bool
        Draw a common legend below the axes.
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        The lower band shows the first NE regime, grey where there is none and hatched
        where several pure NE coexist; a dashed vertical line marks the baseline.
    """
    check_axes(meta, 1, "a regime strip")
    (xs,) = axis_values(table, meta)
    order = np.argsort(xs, kind="stable")  # 'list' axes may be unsorted
    xs = xs[order]
    games = games_in(table)
    if not games:
        raise ResultsError("results table has no regime column to draw")
    ax = new_axes(ax, (PAGE_WIDTH, 0.8 + 0.8 * len(games)))
    xe, xlog = cell_edges(xs)
    all_codes, several_any, ticks = [], False, []
    for row, game in enumerate(games):
        codes, several = game_grids(table, meta, game)
        lo = len(games) - 1 - row  # first concept on top
        band = np.array([lo + 0.05, lo + 0.95])
        regime_mesh(ax, xe, band, codes[order][None, :], meta)
        if several is not None:
            hatch_mask(ax, xe, band, several[order][None, :])
            several_any |= bool(several.any())
        all_codes.append(codes)
        ticks.append((lo + 0.5, SOLVERS[game].band_label))
    setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    ax.set_ylim(0, len(games))
    ax.set_yticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    bx = meta.baseline.get(meta.axes[0]["param"])
    shown = inside(bx, xe)
    line = dict(color="black", linestyle="--", linewidth=1.4)
    if shown:
        ax.axvline(float(bx), zorder=5, **line)
    if legend:
        handles = legend_handles(meta, np.concatenate(all_codes), several_any, shown,
                                 Line2D([], [], label=baseline_label, **line))
        common_legend(ax.figure, handles)
    return ax.figure




def _facet_block(sf, table: pa.Table, meta: TableMeta, game: str, picks, values, ncols: int, last: bool,
                 axes_seen: list) -> dict:
    """One game's panels in subfigure ``sf``: one per 3rd-axis index in ``picks``, sharing
    axes with every panel drawn before (``axes_seen``, extended); tick labels only on the
    outer sides (``last``: the bottom block). Returns what the legend needs."""
    xs, ys, zs = values
    rows = math.ceil(len(picks) / ncols)
    codes, several = game_grids(table, meta, game)
    out = {"baseline": False, "several": False, "codes": []}
    for j, ax in enumerate(sf.subplots(rows, ncols, squeeze=False).flat):
        if j >= len(picks):
            ax.set_visible(False)
            continue
        if axes_seen:
            ax.sharex(axes_seen[0])
            ax.sharey(axes_seen[0])
        axes_seen.append(ax)
        k = picks[j]
        info = draw_2d(ax, meta, xs, ys, codes[:, :, k].T, None if several is None else several[:, :, k].T,
                       baseline_point(meta, zs[k]))
        out["baseline"] |= info["baseline"]
        out["several"] |= info["several"]
        out["codes"].append(info["codes"].ravel())
        ax.set_title(facet_title(meta.axes[2], zs[k], meta.scenario, PAGE_WIDTH / ncols - 0.2), parse_math=False)
        if not (last and j + ncols >= len(picks)):
            ax.set_xlabel("")
            ax.tick_params(labelbottom=False)
        if j % ncols:
            ax.set_ylabel("")
            ax.tick_params(labelleft=False)
    return out


@styled
def phase_facets(table: pa.Table, meta: TableMeta, games: Sequence[str] | None = None,
                 max_facets: int = 6, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Small multiples of the 2-D diagrams over the values of a 3rd axis.

    Parameters
    ----------
    table, meta
        A 3-axis equilibria table and its metadata.
    games : sequence of {"spe", "nash"}
        One block of rows per game (sequential SPE, simultaneous pure NE).
    max_facets : int
        At most this many panels in all: ``max_facets // len(games)`` evenly spaced
        values of the 3rd axis (first and last included), in rows of at most 3.
    baseline_label : str
        The baseline's legend entry (:func:`baseline_text`).

    Returns
    -------
    Figure
        Shared x/y axes, one common legend below; each panel titled by the value of the
        3rd axis (:func:`facet_title`).
    """
    check_axes(meta, 3, "a faceted phase diagram")
    games = tuple(games or games_in(table))
    values = axis_values(table, meta)
    picks = facet_values(len(values[2]), max(1, max_facets // len(games)))
    ncols = min(3, len(picks))
    rows_per_game = math.ceil(len(picks) / ncols)
    fig = Figure(figsize=(PAGE_WIDTH, 0.7 + 2.4 * rows_per_game * len(games)), layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(len(games), 1, squeeze=False).ravel())
    axes_seen: list = []
    blocks = []
    for g, (game, sf) in enumerate(zip(games, subfigs)):
        sf.suptitle(panel_title(g, len(games), SOLVERS[game].title), parse_math=False)
        blocks.append(_facet_block(sf, table, meta, game, picks, values, ncols, g == len(games) - 1, axes_seen))
    common_legend(fig, legend_handles(meta, np.concatenate([c for b in blocks for c in b["codes"]]),
                                       any(b["several"] for b in blocks), any(b["baseline"] for b in blocks),
                                       baseline_label=baseline_label))
    return fig




@styled
def run_figure(table: pa.Table, meta: TableMeta, baseline_label: str = BASELINE_LABEL) -> Figure:
    """The standard figure of a run: two panels (2 axes), strip (1 axis) or facets (3).

    Parameters
    ----------
    table, meta
        An equilibria table and its metadata.
    baseline_label : str
        The baseline's legend entry: :func:`baseline_text` of what the run changed.

    Returns
    -------
    Figure
        For 2 axes: one panel per solution concept in the table (SPE, pure NE, uncertain
        resolve, QRE), side by side and sharing axes, then for the probabilistic concepts
        a panel of the probability of confrontation; one common legend below. With SPE
        and pure NE only: 7 x 3.9 in (a page width; :data:`PAGE_WIDTH`). Panels are
        lettered (a), (b), ... when there are several.
    """
    n = len(check_rows(table, meta))
    if n == 1:
        return regime_strip(table, meta, baseline_label=baseline_label)
    if n == 3:
        return phase_facets(table, meta, baseline_label=baseline_label)
    games = games_in(table)
    if not games:
        raise ResultsError("results table has no regime column to draw")
    probs = [g for g in games if prob_column(g, meta) in table.column_names]
    n_panels = len(games) + len(probs)
    ncols = n_panels if n_panels <= 3 else math.ceil(n_panels / 2)
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(PAGE_WIDTH, 0.7 + (3.2 if ncols <= 2 else 2.5) * nrows), layout="constrained")
    axs = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True)).ravel()
    for ax in axs[n_panels:]:
        ax.set_visible(False)
    xs, ys = axis_values(table, meta)
    base = baseline_point(meta)
    infos = []
    for k, (ax, game) in enumerate(zip(axs, games)):
        codes, several = game_grids(table, meta, game)
        infos.append(draw_2d(ax, meta, xs, ys, codes.T, None if several is None else several.T, base))
        title = SOLVERS[game].title.replace(": ", ":\n", 1) if ncols <= 2 else \
            SOLVERS[game].short_title + ":\n" + SOLVERS[game].title.split(": ", 1)[1].replace("subgame-perfect equilibrium", "SPE")
        ax.set_title(panel_title(k, n_panels, title), parse_math=False)
    for k, game in enumerate(probs, start=len(games)):
        probability_panel(fig, axs[k], table, meta, prob_column(game, meta), base)
        head = SOLVERS[game].title.split(":")[0] if ncols <= 2 else SOLVERS[game].short_title
        axs[k].set_title(panel_title(k, n_panels, f"{head}:\nP({meta.focal})"), parse_math=False)
    for ax in axs[:n_panels]:
        ax.label_outer()
    handles = legend_handles(meta, np.concatenate([i["codes"].ravel() for i in infos]),
                             any(i["several"] for i in infos), any(i["baseline"] for i in infos),
                             baseline_label=baseline_label)
    common_legend(fig, handles)
    return fig


@styled
def qre_path_figure(path_table: pa.Table, meta: TableMeta, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Regime probabilities of the sequential agent QRE at the run's baseline against λ.

    ``path_table``: ``lam`` and ``prob_<regime slug>`` columns (``sim.solvers.qre.lambda_path``);
    its metadata gives the run's λ, marked by a dashed vertical line. ``baseline_label``
    (:func:`baseline_text`) names the point in the title.
    """
    from sim.figures.textfit import wrap_text

    from sim.store.columns import slug

    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.add_subplot()
    lam = np.asarray(path_table.column("lam"), dtype=float)
    colours = regime_colours(meta.regimes)
    for regime in meta.regimes:
        col = f"prob_{slug(regime)}"
        if col in path_table.column_names:
            ax.plot(lam, np.asarray(path_table.column(col)), color=colours[regime], linewidth=1.8, label=regime)
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(0, lam.max())
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Logit rationality λ (per $bn/yr; 0 = uniform play, large = subgame-perfect)",
                  parse_math=False)
    ax.set_ylabel("Probability of the regime")
    info = json.loads((path_table.schema.metadata or {}).get(b"sim", b"{}"))
    if "lam" in info:
        ax.axvline(info["lam"], color="black", linestyle="--", linewidth=1, label=f"this run: λ = {info['lam']:g}")
    ax.set_title(wrap_text(f"Logit QRE of the sequential game at the {baseline_label}, traced over λ", 6.3,
                           "axes.titlesize"), parse_math=False)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def probability_panel(fig: Figure, ax: Axes, table: pa.Table, meta: TableMeta, column: str, base,
                      label: str = "probability") -> None:
    """A probability or share (0..1) in ``column`` over a 2-axis grid, with a colour bar
    (``label``) and the baseline ``base`` (x, y; None where off the grid)."""
    shape = check_rows(table, meta)
    grid = np.asarray(table_column(table, column), dtype=float).reshape(shape).T
    xs, ys = axis_values(table, meta)
    xe, xlog = cell_edges(xs)
    ye, ylog = cell_edges(ys)
    mesh = ax.pcolormesh(xe, ye, grid, cmap=PROB_CMAP, vmin=0.0, vmax=1.0, shading="flat",
                         antialiased=False, linewidth=0, rasterized=True)
    setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    setup_axis(ax, "y", meta.axes[1], ye, ylog, meta.scenario)
    if base[0] is not None and base[1] is not None and inside(base[0], xe) and inside(base[1], ye):
        ax.plot([base[0]], [base[1]], linestyle="none", zorder=6, **BASELINE_MARKER)
    fig.colorbar(mesh, ax=ax, label=label, shrink=0.9)
    if np.all(grid == grid.flat[0]):  # one flat colour: say what it means
        say_in_panel(ax, f"{label} {grid.flat[0]:.2g} everywhere")

