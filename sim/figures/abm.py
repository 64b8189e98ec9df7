"""Figures of the agent-based model, drawn from a run's saved files alone.

Nothing here simulates or solves: every figure is a pure function of

* ``equilibria.parquet`` with the ``abm_*`` columns of :mod:`sim.abm.solver`
  (``abm_freq_<regime slug>``, ``abm_modal_regime``, ``abm_settled_share``, ...) beside
  the exact solver's ``nash_*`` columns, and
* ``trajectory.parquet`` / ``trajectory_stats.parquet`` of :mod:`sim.abm.trajectory`
  (action shares per step at the baseline point; the exact pure Nash equilibria there
  in the schema metadata),

so a run's figures can be redrawn with ``sim-plot RUN_DIR`` (whose figure
registry, :mod:`sim.figures.registry`, calls :func:`draw_abm`). Figures:

* ``abm_selection.<fmt>`` (:func:`comparison_figure`): (a) the exact pure Nash
  equilibria, (b) the agent-based selection map (colour = the regime most runs end in,
  lightened towards white as the share of runs choosing it falls from 1 to
  1/len(regimes)), (c) where learning and equilibrium agree: the share of runs ending in
  one of the exact equilibrium regimes, with the cells whose modal regime is *not* an
  exact equilibrium regime outlined and cross-hatched. A 1-axis sweep gives bands
  (exact NE, agent-based modal regime) over a line panel (settled share, agreement).
* ``trajectories.<fmt>`` (:func:`trajectory_figure`): action shares over time, one
  panel per actor, the exact pure-NE actions marked at the right edge, shocks marked.

Regimes keep the colours of every figure (:data:`sim.figures.style.PALETTE`); figures are
built without pyplot and saved atomically and deterministically by
:func:`sim.figures.style.save`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import offset_copy

from sim.figures import axes as FA
from sim.figures import style as FS
from sim.store import rundir
from sim.engine.params import quantity
from sim.figures.style import BASELINE_MARKER, NO_NE, NO_NE_COLOUR, PAGE_WIDTH, PALETTE, regime_colours  # noqa: F401
from sim.store.columns import slug
from sim.store.table import ResultsError, TableMeta, read_parquet, read_table
from sim.figures.textfit import font_size, legend_ncols, text_width, wrap_text

SELECTION_NAME = rundir.ABM_SELECTION
TRAJECTORY_NAME = rundir.TRAJECTORIES
SHARES_FILE = rundir.TRAJECTORY  # written by sim.abm.trajectory
STATS_FILE = rundir.TRAJECTORY_STATS
CONFIG_FILE = rundir.CONFIG
MODAL = "abm_modal_regime"
SETTLED = "abm_settled_share"
FREQ_PREFIX = "abm_freq_"

#: Colour strength of a cell whose modal regime is chosen by only 1/len(regimes) of runs
#: (1 = full regime colour, 0 = white); strength grows linearly to 1 at unanimity.
MIN_STRENGTH = 0.18
#: Disagreement overlay: cells whose modal agent-based regime is not an exact NE regime.
DISAGREE_COLOUR = "#EE7733"  # Tol "vibrant" orange: not a regime colour, visible on white and dark
DISAGREE_HATCH = "xx"
DISAGREE_LABEL = "modal regime not an exact NE regime"
AGREEMENT_CMAP = "Purples_r"  # share of runs in an exact-NE regime: 1 = white, 0 = dark
AGREEMENT_LABEL = "share of runs ending in an exact pure-NE regime"
#: What an agreement panel that is white everywhere shows, in words.
AGREE_EVERYWHERE = "Agreement everywhere: every run ends in an exact pure-NE regime"
SETTLED_EVERYWHERE = "Every run settled on a pure Nash equilibrium, everywhere"
KEY_LABEL = "share of runs in the modal regime"
#: Line colours of an actor's actions (Okabe-Ito, yellow last): actions are not regimes,
#: so they do not borrow the regime palette.
ACTION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
NE_MARKER = dict(marker="<", markersize=10, markeredgecolor="black", markeredgewidth=0.9, linestyle="none")
SHOCK_LINE = dict(color="black", linestyle=":", linewidth=1.3)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# ----------------------------------------------------------------------------- data


def has_abm(table: pa.Table) -> bool:
    """Whether ``table`` holds agent-based results (an ``abm_modal_regime`` column)."""
    return MODAL in table.column_names


def selection_frequencies(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Share of runs selecting each regime, per row: shape (n_rows, len(meta.regimes)).

    Raises
    ------
    ResultsError
        If an ``abm_freq_<regime slug>`` column is missing.
    """
    cols = [np.asarray(FA.table_column(table, FREQ_PREFIX + slug(r)), dtype=float) for r in meta.regimes]
    return np.stack(cols, axis=1) if cols else np.zeros((table.num_rows, 0))


def modal_selection(table: pa.Table, meta: TableMeta) -> tuple[np.ndarray, np.ndarray]:
    """Modal agent-based regime of every row and the share of runs that selected it.

    Returns
    -------
    codes : ndarray of int, shape (n_rows,)
        Index of ``abm_modal_regime`` in ``meta.regimes``.
    freq : ndarray of float, shape (n_rows,)
        ``abm_freq_<modal regime>`` of the row.
    """
    codes = FA.regime_codes(table, meta, MODAL)
    if np.any(codes == NO_NE):
        raise ResultsError(f"column '{MODAL}' has empty cells")
    freq = selection_frequencies(table, meta)[np.arange(table.num_rows), codes]
    return codes, freq


def nash_membership(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Bool (n_rows, len(meta.regimes)): regime ``k`` is among the row's pure-NE regimes."""
    values = FA.table_column(table, "nash_regimes").astype(str)
    index = {r: k for k, r in enumerate(meta.regimes)}
    uniq, inverse = np.unique(values, return_inverse=True)
    lut = np.zeros((len(uniq), len(meta.regimes)), dtype=bool)
    for j, cell in enumerate(uniq):
        for name in filter(None, cell.split("|")):
            if name not in index:
                raise ResultsError(f"column 'nash_regimes' names regime {name!r}, not one of {list(meta.regimes)}")
            lut[j, index[name]] = True
    return lut[inverse.reshape(-1)]


def disagreement(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Bool per row: the modal agent-based regime is not among the exact pure-NE regimes.

    Rows without a pure NE (``nash_regimes == ''``) always disagree.
    """
    codes, _ = modal_selection(table, meta)
    return ~nash_membership(table, meta)[np.arange(table.num_rows), codes]


def nash_share(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """Per row, the share of runs whose selected regime is an exact pure-NE regime (NaN: no NE)."""
    member = nash_membership(table, meta)
    share = np.where(member, selection_frequencies(table, meta), 0.0).sum(axis=1)
    return np.where(member.any(axis=1), share, np.nan)


def _grid2(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Per-row values of a 2-axis table as an image: rows = 2nd axis, columns = 1st."""
    return np.asarray(values).reshape(shape).T


def selection_grid(table: pa.Table, meta: TableMeta) -> tuple[np.ndarray, np.ndarray]:
    """The modal agent-based regime of a 2-axis table, and its share of runs, as images.

    Returns
    -------
    codes, freq : ndarray, shape (n_y, n_x)
        ``codes[j, i]`` is the index in ``meta.regimes`` of ``abm_modal_regime`` at
        ``x = axis0[i]``, ``y = axis1[j]`` (same layout as :func:`sim.figures.axes.regime_grid`);
        ``freq[j, i]`` the share of runs that selected it.
    """
    shape = FA.check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"selection_grid needs a 2-axis table, this one has {len(shape)} axes")
    codes, freq = modal_selection(table, meta)
    return _grid2(codes, shape), _grid2(freq, shape)


def disagreement_grid(table: pa.Table, meta: TableMeta) -> np.ndarray:
    """:func:`disagreement` of a 2-axis table as a bool image of shape (n_y, n_x)."""
    shape = FA.check_rows(table, meta)
    if len(shape) != 2:
        raise ValueError(f"disagreement_grid needs a 2-axis table, this one has {len(shape)} axes")
    return _grid2(disagreement(table, meta), shape)


def strength(freq: np.ndarray, n_regimes: int) -> np.ndarray:
    """Colour strength in [MIN_STRENGTH, 1] of a modal share ``freq`` in [1/n, 1]."""
    lo = 1.0 / max(n_regimes, 1)
    t = np.clip((np.asarray(freq, dtype=float) - lo) / (1.0 - lo), 0.0, 1.0) if lo < 1 else np.ones_like(freq)
    return MIN_STRENGTH + (1.0 - MIN_STRENGTH) * t


def selection_colours(codes: np.ndarray, freq: np.ndarray, meta: TableMeta) -> np.ndarray:
    """RGB colours (``codes.shape + (3,)``): the regime colour mixed with white by :func:`strength`."""
    base = np.array([to_rgb(c) for c in regime_colours(meta.regimes).values()])
    s = strength(freq, len(meta.regimes))[..., None]
    return 1.0 - s * (1.0 - base[np.asarray(codes)])


# ----------------------------------------------------------------------------- drawing helpers


def _sorted_edges(xs: np.ndarray, ys: np.ndarray):
    ox, oy = np.argsort(xs, kind="stable"), np.argsort(ys, kind="stable")  # 'list' axes may be unsorted
    return ox, oy, FA.cell_edges(xs[ox]), FA.cell_edges(ys[oy])


def _setup_2d(ax: Axes, meta: TableMeta, xe, xlog, ye, ylog, z=None) -> bool:
    """Axis labels, limits and scales as in :func:`sim.figures.axes.phase_diagram`; draw the baseline
    (in a panel of a 3rd-axis value ``z``, only if that is the baseline's)."""
    FA.setup_axis(ax, "x", meta.axes[0], xe, xlog, meta.scenario)
    FA.setup_axis(ax, "y", meta.axes[1], ye, ylog, meta.scenario)
    bx, by = FA.baseline_point(meta, z)
    shown = FA.inside(bx, xe) and FA.inside(by, ye)
    if shown:
        ax.plot([bx], [by], linestyle="none", zorder=5, clip_on=False, label="_baseline", **BASELINE_MARKER)
    return shown


def _runs(row: np.ndarray):
    d = np.diff(np.concatenate([[0], np.asarray(row, dtype=np.int8), [0]]))
    return zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))


def _hatch_cells(ax: Axes, xe, ye, mask: np.ndarray, colour: str, hatch: str) -> None:
    """Hatch the cells where ``mask[j, i]`` in ``colour`` (one rectangle per run of cells)."""
    rects = [Rectangle((xe[i0], ye[j]), xe[i1] - xe[i0], ye[j + 1] - ye[j])
             for j, row in enumerate(np.asarray(mask, dtype=bool)) for i0, i1 in _runs(row)]
    if rects:
        ax.add_collection(PatchCollection(rects, facecolor="none", edgecolor=colour, linewidth=0, hatch=hatch,
                                          zorder=3, gid="disagreement"), autolim=False)


def _outline_cells(ax: Axes, xe, ye, mask: np.ndarray, colour: str) -> None:
    """Draw the boundary between masked and unmasked cells (cell edges, merged into runs)."""
    m = np.pad(np.asarray(mask, dtype=bool), 1)
    segs = []
    horiz = m[1:, 1:-1] != m[:-1, 1:-1]  # (n_y + 1, n_x): edge between rows j-1 and j
    for j, row in enumerate(horiz):
        segs += [((xe[i0], ye[j]), (xe[i1], ye[j])) for i0, i1 in _runs(row)]
    vert = m[1:-1, 1:] != m[1:-1, :-1]  # (n_y, n_x + 1)
    for i, col in enumerate(vert.T):
        segs += [((xe[i], ye[j0]), (xe[i], ye[j1])) for j0, j1 in _runs(col)]
    if segs:
        ax.add_collection(LineCollection(segs, colors=colour, linewidths=1.4, zorder=4, capstyle="projecting",
                                         gid="disagreement_outline"), autolim=False)


def frequency_key(ax: Axes, meta: TableMeta, codes: np.ndarray, title: bool = True) -> None:
    """Key of the selection map's colours: one row per regime in ``codes``, share 1/n .. 1.

    Parameters
    ----------
    ax : Axes
        Axes to draw the key into (its y tick labels are the regime names).
    meta : TableMeta
        Regime order and colours.
    codes : array of int
        Modal regime codes shown in the map; only these regimes get a row.
    """
    present = [k for k in range(len(meta.regimes)) if k in set(np.unique(codes).tolist())]
    lo = 1.0 / max(len(meta.regimes), 1)
    fe = np.linspace(lo, 1.0, 33)
    fc = 0.5 * (fe[1:] + fe[:-1])
    rgb = selection_colours(np.repeat(np.array(present)[:, None], len(fc), axis=1),
                            np.broadcast_to(fc, (len(present), len(fc))), meta)
    ax.pcolormesh(fe, np.arange(len(present) + 1), rgb, shading="flat", antialiased=False, linewidth=0,
                  rasterized=True)
    ax.set_xlim(lo, 1.0)
    ax.set_ylim(len(present), 0)  # first regime on top
    ax.set_yticks(np.arange(len(present)) + 0.5, [meta.regimes[k] for k in present])
    for t in ax.get_yticklabels():
        t.set_parse_math(False)
    ticks = sorted({round(lo, 2), 0.5, 1.0}) if lo < 0.45 else [round(lo, 2), 1.0]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_xlabel(KEY_LABEL)


def _no_frame(ax: Axes) -> None:
    ax.set_axis_off()


def _legend(ax_or_fig, handles, **kw):
    kw = {"frameon": False, "handlelength": 1.6, **kw}
    leg = ax_or_fig.legend(handles=handles, **kw)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return leg


def _disagree_handle(anywhere: bool = True) -> Patch:
    return Patch(facecolor="white", edgecolor=DISAGREE_COLOUR, hatch=DISAGREE_HATCH, linewidth=1.4,
                 label=DISAGREE_LABEL + ("" if anywhere else " (nowhere)"))


# ----------------------------------------------------------------------------- 2-D panels


def _selection_panel(ax: Axes, meta: TableMeta, xs, ys, codes2, freq2, z=None) -> dict:
    """Draw the modal regime map (codes2, freq2 of shape (n_y, n_x)) into ``ax``."""
    ox, oy, (xe, xlog), (ye, ylog) = _sorted_edges(xs, ys)
    codes2, freq2 = codes2[np.ix_(oy, ox)], freq2[np.ix_(oy, ox)]
    ax.pcolormesh(xe, ye, selection_colours(codes2, freq2, meta), shading="flat", antialiased=False,
                  linewidth=0, rasterized=True, gid="selection")
    shown = _setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    return {"codes": codes2, "baseline": shown}


def _agreement_panel(ax: Axes, meta: TableMeta, xs, ys, share2, mask2, z=None):
    """Share of runs in an exact-NE regime (NaN = no pure NE, grey); disagreeing cells hatched."""
    ox, oy, (xe, xlog), (ye, ylog) = _sorted_edges(xs, ys)
    share2, mask2 = share2[np.ix_(oy, ox)], mask2[np.ix_(oy, ox)]
    cmap = matplotlib.colormaps[AGREEMENT_CMAP].with_extremes(bad=NO_NE_COLOUR)
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(share2), cmap=cmap, vmin=0.0, vmax=1.0, shading="flat",
                         antialiased=False, linewidth=0, rasterized=True, gid="agreement")
    _hatch_cells(ax, xe, ye, mask2, DISAGREE_COLOUR, DISAGREE_HATCH)
    _outline_cells(ax, xe, ye, mask2, DISAGREE_COLOUR)
    shown = _setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    if np.all(share2 == 1.0):  # white everywhere: nothing to see, so say what that means
        FS.say_in_panel(ax, AGREE_EVERYWHERE)
    return mesh, {"baseline": shown, "disagree": bool(mask2.any()), "no_ne": bool(np.isnan(share2).any())}


def _settled_panel(ax: Axes, meta: TableMeta, xs, ys, settled2, z=None):
    """Share of runs settled on a pure NE (used when the table has no exact NE columns)."""
    ox, oy, (xe, xlog), (ye, ylog) = _sorted_edges(xs, ys)
    mesh = ax.pcolormesh(xe, ye, settled2[np.ix_(oy, ox)], cmap=AGREEMENT_CMAP, vmin=0.0, vmax=1.0,
                         shading="flat", antialiased=False, linewidth=0, rasterized=True, gid="settled")
    shown = _setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    if np.all(settled2 == 1.0):  # white everywhere: say what that means
        FS.say_in_panel(ax, SETTLED_EVERYWHERE)
    return mesh, {"baseline": shown, "disagree": False, "no_ne": False}


@FS.styled
def selection_map(table: pa.Table, meta: TableMeta, ax: Axes | None = None, title: str | None = None,
                  key: bool = True, baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """Agent-based selection map of a 2-axis sweep.

    Colour = the regime most runs end in (``abm_modal_regime``, regime palette of
    :mod:`sim.figures.style`), lightened towards white as the share of runs selecting it falls
    from 1 to 1/len(regimes) (:func:`selection_colours`).

    Parameters
    ----------
    table, meta
        A 2-axis equilibria table with the ``abm_*`` columns, and its metadata.
    ax : Axes, optional
        Axes to draw into; if omitted, a new figure a column wide (:data:`sim.figures.style.COLUMN_WIDTH`,
        3.4 x about 4.7 in: the map, the key and the baseline legend below it).
    title : str, optional
        Axes title.
    key : bool
        Draw the colour key (one row per regime shown, share of runs 1/n .. 1) and the
        baseline legend: below the map in a new figure, to the right of a given ``ax``.
    baseline_label : str
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

    Returns
    -------
    Figure
        The figure holding ``ax``; axes and orientation as :func:`sim.figures.axes.phase_diagram`
        (x = first axis, y = second), baseline = white-edged black star.
    """
    FA.check_axes(meta, 2, "a selection map")
    xs, ys = FA.axis_values(table, meta)
    codes2, freq2 = selection_grid(table, meta)
    n_present = len(np.unique(codes2))
    kax = lax = None
    if ax is None:
        title = wrap_text(title, FS.COLUMN_WIDTH - 0.3, "axes.titlesize") if title else title
        map_h = 2.45 + 0.5 + (0.1 + _LINE_H * (title.count("\n") + 1) if title else 0.0)
        if key:  # map above the key and baseline legend, a column wide (real axes: the layout makes room)
            key_h = _KEY_ROW_H * n_present
            below = key_h + 0.3 + 2 * _LINE_H + 0.3
            fig = Figure(figsize=(FS.COLUMN_WIDTH, map_h + below), layout="constrained")
            top, bottom = fig.subfigures(2, 1, height_ratios=[map_h, below])
            ax = top.add_subplot()
            gs = bottom.add_gridspec(2, 1, height_ratios=[key_h, 0.3])
            kax, lax = bottom.add_subplot(gs[0], gid="frequency_key"), bottom.add_subplot(gs[1])
            _no_frame(lax)
        else:
            ax = Figure(figsize=(FS.COLUMN_WIDTH, map_h), layout="constrained").add_subplot()
    info = _selection_panel(ax, meta, xs, ys, codes2, freq2)
    if title is not None:
        ax.set_title(title, parse_math=False)
    if key:
        if kax is None:  # caller's axes: key as an inset to the right (leave room for it)
            h = min(0.1 * n_present, 0.6)
            kax = ax.inset_axes([1.05, 1.0 - h, 0.22, h])
            kax.yaxis.tick_right()
        frequency_key(kax, meta, info["codes"])
        kax.set_xlabel(KEY_LABEL.replace("in the ", "in the\n"))
        star = FA.baseline_star(wrap_text(baseline_label, FS.COLUMN_WIDTH - 0.6, "legend.fontsize"))
        if info["baseline"] and lax is not None:
            _legend(lax, [star], loc="upper center", borderaxespad=0.0)
        elif info["baseline"]:
            _legend(ax, [star], loc="lower left", bbox_to_anchor=(1.03, 0.0), borderaxespad=0.0)
    return fig if lax is not None else ax.figure  # the new figure, not the subfigure that holds the map


# ----------------------------------------------------------------------------- comparison


def _panel_titles(exact: bool) -> tuple[str, ...]:
    if exact:  # three panels share a page width: two short lines each
        return ("(a) Exact: pure NE of the\nsimultaneous game",
                "(b) Agent-based: modal\nregime (paler: fewer runs)",
                "(c) Where learning and\nequilibrium agree")
    return ("(a) Agent-based: regime most runs end in (paler: fewer)",
            "(b) Runs settled on a pure Nash equilibrium")


#: Heights (in) in the comparison figure: a map, a title line, a row of a legend or key.
_MAP_H = {3: 1.95, 2: 2.6}
_LINE_H = 0.18
_KEY_ROW_H = 0.16


def _legend_height(labels: Sequence[str], ncols: int = 1) -> float:
    """Height (in) of a legend of ``labels`` in ``ncols`` columns (multi-line labels count)."""
    rows, big = divmod(len(labels), ncols)
    sizes = [rows + 1] * big + [rows] * (ncols - big)
    lines, k = [], 0
    for n in sizes:
        lines.append(sum(max(1, lab.count("\n") + 1) for lab in labels[k:k + n]))
        k += n
    return max(lines, default=0) * _LINE_H + 0.1


@FS.styled
def comparison_figure(table: pa.Table, meta: TableMeta, note: str | None = None,
                      baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """Exact pure Nash equilibria beside the agent-based selection, and where they differ.

    Parameters
    ----------
    table, meta
        An equilibria table with the ``nash`` and ``abm`` columns (1, 2 or 3 axes).
    note : str, optional
        How the agent-based runs were made (rule, runs per point, shocks): the suptitle.
    baseline_label : str
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

    Returns
    -------
    Figure
        2 axes, a page wide (:data:`sim.figures.style.PAGE_WIDTH`, 7 x about 4.6 in): (a)
        :func:`sim.figures.axes.nash_diagram`, (b) :func:`selection_map`, (c) share of runs ending
        in an exact-NE regime (white = all, dark = none, grey = no pure NE) with the cells
        whose modal regime is not an exact NE regime outlined and cross-hatched in orange;
        shared axes; below each panel its legend or key (regimes and baseline under (a),
        the colour key under (b), the colour bar and the orange hatching under (c)).
        3 axes: one such row per value of the 3rd axis (at most 3). 1 axis: see
        :func:`comparison_strip`. Without ``nash`` columns, (a) is left out and (c) shows
        the share of runs settled on a pure NE. A panel (c) that is white everywhere
        (agreement, or settling, everywhere) says so in words.
    """
    n = len(FA.check_rows(table, meta))
    if not has_abm(table):
        raise ResultsError(f"results table has no column '{MODAL}'; not an agent-based run")
    if n == 1:
        return comparison_strip(table, meta, note, baseline_label)
    exact = "nash_regimes" in table.column_names
    shape = FA.grid_shape(meta)
    xs, ys = FA.axis_values(table, meta)[:2]
    codes, freq = modal_selection(table, meta)
    codes, freq = codes.reshape(shape), freq.reshape(shape)
    if exact:
        ne_codes, several = FA.game_grids(table, meta, "nash")
        share, mask = nash_share(table, meta).reshape(shape), disagreement(table, meta).reshape(shape)
    else:
        settled = np.asarray(FA.table_column(table, SETTLED), dtype=float).reshape(shape)
    picks = [None] if n == 2 else list(FA.facet_values(shape[2], 3))
    sel = (lambda g: g[:, :, picks]) if n == 3 else (lambda g: g)
    ncols = 3 if exact else 2
    col_w = PAGE_WIDTH / ncols
    text_w = col_w - 0.15  # text under or over a panel is at most this wide
    titles = [wrap_text(t, text_w, "axes.titlesize") for t in _panel_titles(exact)]
    title_h = 0.1 + _LINE_H * max(t.count("\n") + 1 for t in titles)
    row_hs = [_MAP_H[ncols] + (0.25 if k is not None else 0.0) + (title_h if row == 0 else 0.0)
              + (0.5 if row == len(picks) - 1 else 0.05) for row, k in enumerate(picks)]

    # the bottom row, one column under each panel: regime legend under (a), colour key under (b),
    # colour bar and the hatching / grey / baseline entries under (c); as high as its tallest column
    (xe, _), (ye, _) = FA.cell_edges(np.sort(xs)), FA.cell_edges(np.sort(ys))
    zs = FA.axis_values(table, meta)[2] if n == 3 else None
    stars = [FA.baseline_point(meta, None if k is None else zs[k]) for k in picks]  # a star where the baseline is
    shown = any(FA.inside(bx, xe) and FA.inside(by, ye) for bx, by in stars)
    handles_a, extra = [], []
    if exact:
        handles_a = FA.legend_handles(meta, sel(ne_codes), bool(sel(several).any()), shown,
                                     baseline_label=baseline_label)
        extra.append(_disagree_handle(bool(sel(mask).any())))
        if np.isnan(sel(share)).any():
            extra.append(Patch(facecolor=NO_NE_COLOUR, edgecolor="none", label=FS.NO_NE_LABEL))
    elif shown:
        extra.append(FA.baseline_star(baseline_label))
    for h in (*handles_a, *extra):
        h.set_label(wrap_text(h.get_label(), text_w - 0.35, "legend.fontsize"))
    labels_a = [h.get_label() for h in handles_a]
    labels_c = [h.get_label() for h in extra]
    ncols_a = legend_ncols(labels_a, text_w, max_cols=2) if handles_a else 1
    ncols_c = legend_ncols(labels_c, text_w, max_cols=2) if extra else 1
    key_label = wrap_text(KEY_LABEL, text_w - 0.15, "axes.labelsize")
    key_h = _KEY_ROW_H * len(np.unique(sel(codes)))
    key_total = key_h + 0.3 + _LINE_H * (key_label.count("\n") + 1)
    cbar_label = wrap_text(AGREEMENT_LABEL if exact else "share of runs settled on a pure NE", text_w - 0.05,
                           "axes.labelsize")
    cbar_h = 0.12
    cbar_total = cbar_h + 0.3 + _LINE_H * (cbar_label.count("\n") + 1)
    bottom_h = max(key_total, cbar_total + (_legend_height(labels_c, ncols_c) if extra else 0.0),
                   _legend_height(labels_a, ncols_a) if exact else 0.0) + 0.05
    note = wrap_text(note, PAGE_WIDTH - 0.2, "figure.titlesize") if note else None
    note_h = 0.1 + 0.2 * (note.count("\n") + 1) if note else 0.0

    fig = Figure(figsize=(PAGE_WIDTH, sum(row_hs) + bottom_h + note_h), layout="constrained")
    subfigs = fig.subfigures(len(picks) + 1, 1, height_ratios=[*row_hs, bottom_h])
    first = None
    mesh_c = None
    for row, k in enumerate(picks):
        sl = (slice(None), slice(None)) if k is None else (slice(None), slice(None), k)
        z = None if k is None else zs[k]
        axs = list(subfigs[row].subplots(1, ncols))
        for ax in axs:
            if first is None:
                first = ax
            else:
                ax.sharex(first)
                ax.sharey(first)
        col = 0
        if exact:
            ax = axs[0]
            if k is None:
                FA.nash_diagram(table, meta, ax=ax, legend=False, baseline_label=baseline_label)
            else:
                FA.draw_2d(ax, meta, xs, ys, ne_codes[sl].T, several[sl].T, FA.baseline_point(meta, z))
            ax.set_title(titles[0] if row == 0 else "", parse_math=False)
            col = 1
        _selection_panel(axs[col], meta, xs, ys, codes[sl].T, freq[sl].T, z)
        axs[col].set_title(titles[col] if row == 0 else "", parse_math=False)
        if exact:
            mesh_c, _ = _agreement_panel(axs[col + 1], meta, xs, ys, share[sl].T, mask[sl].T, z)
        else:
            mesh_c, _ = _settled_panel(axs[col + 1], meta, xs, ys, settled[sl].T, z)
        axs[col + 1].set_title(titles[col + 1] if row == 0 else "", parse_math=False)
        if k is not None:
            za = meta.axes[2]
            subfigs[row].suptitle(FA.facet_title(za, zs[k], meta.scenario, PAGE_WIDTH - 0.2), parse_math=False)
        last = row == len(picks) - 1
        for c, ax in enumerate(axs):
            if not last:
                ax.set_xlabel("")
                ax.tick_params(labelbottom=False)
            if c:
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)

    bottom = subfigs[-1].subfigures(1, ncols, wspace=0.0)
    col = 0
    if exact:
        lax = bottom[0].add_subplot()
        _no_frame(lax)
        _legend(lax, handles_a, loc="upper center", ncols=ncols_a, borderaxespad=0.0)
        col = 1
    gs_b = bottom[col].add_gridspec(2, 1, height_ratios=[key_h, max(bottom_h - key_total, 0.01)])
    kax = bottom[col].add_subplot(gs_b[0], gid="frequency_key")
    frequency_key(kax, meta, sel(codes), title=False)
    kax.set_xlabel(key_label)
    gs_c = bottom[col + 1].add_gridspec(2, 1, height_ratios=[cbar_h, max(bottom_h - cbar_total, 0.01)])
    cax = bottom[col + 1].add_subplot(gs_c[0], gid="agreement_colorbar")
    fig.colorbar(mesh_c, cax=cax, orientation="horizontal", label=cbar_label)
    if extra:
        eax = bottom[col + 1].add_subplot(gs_c[1])
        _no_frame(eax)
        _legend(eax, extra, loc="upper center", ncols=ncols_c, borderaxespad=0.0)
    if note:
        fig.suptitle(note, parse_math=False)
    return fig


@FS.styled
def comparison_strip(table: pa.Table, meta: TableMeta, note: str | None = None,
                     baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """1-axis comparison: exact pure-NE band, agent-based modal band, agreement lines.

    Returns
    -------
    Figure
        A page wide (:data:`sim.figures.style.PAGE_WIDTH`, 7 x about 5 in). Top: the first exact
        NE regime (grey = none, hatched = several) and the modal agent-based regime
        lightened by its share of runs. Middle: share of runs settled on a pure NE and
        share ending in an exact-NE regime; orange spans mark where the modal regime is
        not an exact NE regime. Bottom: regime legend (left) and colour key (right).
    """
    FA.check_axes(meta, 1, "a comparison strip")
    if not has_abm(table):
        raise ResultsError(f"results table has no column '{MODAL}'; not an agent-based run")
    (xs,) = FA.axis_values(table, meta)
    order = np.argsort(xs, kind="stable")
    xs = xs[order]
    exact = "nash_regimes" in table.column_names
    codes, freq = modal_selection(table, meta)
    codes, freq = codes[order], freq[order]
    settled = np.asarray(FA.table_column(table, SETTLED), dtype=float)[order]
    xe, xlog = FA.cell_edges(xs)
    several_any = False
    ne_codes = np.array([], dtype=int)
    if exact:
        ne_codes, several = FA.game_grids(table, meta, "nash")
        ne_codes, several = ne_codes[order], several[order]
        several_any = bool(several.any())
        mask = disagreement(table, meta)[order]
        share = nash_share(table, meta)[order]
    bx = meta.baseline.get(meta.axes[0]["param"])
    shown = FA.inside(bx, xe)
    base_line = {"color": "black", "linestyle": "--", "linewidth": 1.4}

    # legends and key first: the figure is as high as they need
    handles_line = [Line2D([], [], color="black", linewidth=1.5, label="runs settled on a pure NE")]
    if exact:
        handles_line.append(Line2D([], [], color="#AA3377", linewidth=1.5, linestyle="--",
                                   label="runs ending in an exact-NE regime"))
        handles_line.append(Patch(facecolor=DISAGREE_COLOUR, alpha=0.3, edgecolor="none",
                                  label=DISAGREE_LABEL + ("" if mask.any() else " (nowhere)")))
    ncols_line = legend_ncols([h.get_label() for h in handles_line], PAGE_WIDTH - 0.6)
    star = Line2D([], [], label=wrap_text(baseline_label, PAGE_WIDTH / 2 - 0.6, "legend.fontsize"), **base_line)
    handles = FA.legend_handles(meta, ne_codes, several_any, shown, star)
    half = PAGE_WIDTH / 2 - 0.15
    ncols_leg = legend_ncols([h.get_label() for h in handles], half, max_cols=2)
    present = np.unique(codes)
    names_w = max(text_width(meta.regimes[c], "ytick.labelsize") for c in present)
    key_label = wrap_text(KEY_LABEL, half - names_w - 0.25, "axes.labelsize")  # no wider than the key
    key_h = _KEY_ROW_H * len(present)
    key_total = key_h + 0.3 + _LINE_H * (key_label.count("\n") + 1)
    bottom_h = max(key_total, _legend_height([h.get_label() for h in handles], ncols_leg)) + 0.05
    note = wrap_text(note, PAGE_WIDTH - 0.2, "figure.titlesize") if note else None
    note_h = 0.1 + 0.2 * (note.count("\n") + 1) if note else 0.0
    band_h, line_h = 1.35, 1.9 + _LINE_H * math.ceil(len(handles_line) / ncols_line)
    fig = Figure(figsize=(PAGE_WIDTH, band_h + line_h + bottom_h + note_h), layout="constrained")
    top_fig, bottom_fig = fig.subfigures(2, 1, height_ratios=[band_h + line_h, bottom_h])
    ax_band, ax_line = top_fig.subplots(2, 1, sharex=True, height_ratios=[band_h, line_h])

    top, bottom_band = np.array([1.1, 2.0]), np.array([0.0, 0.9])
    if exact:
        FA.regime_mesh(ax_band, xe, top, ne_codes[None, :], meta)
        FA.hatch_mask(ax_band, xe, top, several[None, :])
    ax_band.pcolormesh(xe, bottom_band, selection_colours(codes, freq, meta)[None, :, :], shading="flat",
                       antialiased=False, linewidth=0, rasterized=True, gid="selection")
    FA.setup_axis(ax_band, "x", meta.axes[0], xe, xlog, meta.scenario)
    ax_band.set_ylim(0, 2)
    ax_band.set_yticks([1.55, 1.0, 0.45], ["Exact\n(pure NE)" if exact else "", "differ" if exact else "",
                                           "Agent-based\n(modal)"])
    ax_band.get_yticklabels()[1].set_color(DISAGREE_COLOUR)
    ax_band.tick_params(axis="y", length=0)
    ax_band.tick_params(labelbottom=False)
    ax_band.set_xlabel("")
    for side in ("top", "right", "left"):
        ax_band.spines[side].set_visible(False)
    ax_band.set_title(wrap_text("Exact pure Nash equilibria and the regime adaptive play selects", PAGE_WIDTH - 0.2,
                                "axes.titlesize"), parse_math=False)
    if exact and mask.any():
        for i0, i1 in _runs(mask):
            ax_line.axvspan(xe[i0], xe[i1], facecolor=DISAGREE_COLOUR, alpha=0.3, edgecolor="none", zorder=0,
                            gid="disagreement")
            ax_band.plot([xe[i0], xe[i1]], [1.0, 1.0], color=DISAGREE_COLOUR, linewidth=4, solid_capstyle="butt",
                         clip_on=False, zorder=4, gid="disagreement")
    ax_line.plot(xs, settled, color="black", linewidth=1.5, label="runs settled on a pure NE")
    if exact:
        ax_line.plot(xs, np.nan_to_num(share, nan=0.0), color="#AA3377", linewidth=1.5, linestyle="--",
                     label="runs ending in an exact-NE regime")
    if shown:
        for ax in (ax_band, ax_line):
            ax.axvline(float(bx), zorder=5, **base_line)
    ax_line.set_ylim(-0.03, 1.03)
    ax_line.set_ylabel("share of runs")
    FA.setup_axis(ax_line, "x", meta.axes[0], xe, xlog, meta.scenario)
    for side in ("top", "right"):
        ax_line.spines[side].set_visible(False)
    _legend(ax_line, handles_line, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=ncols_line,
            borderaxespad=0.2)

    leg_fig, key_fig = bottom_fig.subfigures(1, 2, wspace=0.0)
    leg_ax = leg_fig.add_subplot()
    _no_frame(leg_ax)
    _legend(leg_ax, handles, loc="upper left", ncols=ncols_leg, borderaxespad=0.0)
    gs = key_fig.add_gridspec(2, 1, height_ratios=[key_h, max(bottom_h - key_total, 0.01)])
    kax = key_fig.add_subplot(gs[0], gid="frequency_key")
    frequency_key(kax, meta, codes, title=False)
    kax.set_xlabel(key_label)
    if note:
        fig.suptitle(note, parse_math=False)
    return fig


# ----------------------------------------------------------------------------- trajectories


def trajectory_meta(table: pa.Table) -> dict:
    """The ``sim`` schema metadata of a trajectory table (rule, replicates, pure_nash, ...)."""
    raw = (table.schema.metadata or {}).get(b"sim")
    if raw is None:
        raise ResultsError("trajectory table has no 'sim' metadata; not written by sim")
    try:
        meta = json.loads(raw)
        meta["players"], meta["pure_nash"] = list(meta["players"]), [list(e) for e in meta["pure_nash"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"malformed trajectory metadata ({exc})") from None
    return meta


def action_shares(table: pa.Table) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """``{actor: {action: (steps, shares)}}`` in metadata player order, actions in table order."""
    for c in ("step", "actor", "action", "share"):
        if c not in table.column_names:
            raise ResultsError(f"trajectory table has no column '{c}'")
    players = trajectory_meta(table)["players"]
    step = np.asarray(table.column("step").to_numpy(zero_copy_only=False), dtype=np.int64)
    actor = np.asarray(table.column("actor").to_pylist(), dtype=object)
    action = np.asarray(table.column("action").to_pylist(), dtype=object)
    share = np.asarray(table.column("share").to_numpy(zero_copy_only=False), dtype=float)
    out: dict = {}
    for name in [*players, *(a for a in dict.fromkeys(actor.tolist()) if a not in players)]:
        rows = actor == name
        if not rows.any():
            continue
        out[name] = {}
        for act in dict.fromkeys(action[rows].tolist()):
            sel = rows & (action == act)
            order = np.argsort(step[sel], kind="stable")
            out[name][act] = (step[sel][order], share[sel][order])
    return out


def _format_value(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def shock_text(shock: Mapping, scenario=None) -> str:
    """``"step 100: Iraqi nationalist cost of hosting US troops = 12 $bn/yr"``: each
    parameter by its label and unit in ``scenario`` (a Scenario or its name; by its
    dotted name where unknown: ``"step 100: iraq.nationalism = 12"``)."""
    infos = FS.scenario_params(scenario)
    sets = ", ".join(f"{infos[k].label} = {quantity(float(v), infos[k].unit)}"
                     if k in infos and isinstance(v, (int, float)) else f"{k} = {_format_value(v)}"
                     for k, v in sorted(dict(shock.get("set", {})).items()))
    return f"step {shock['step']}: {sets}"


def _rule_name(rule: str, lam=None) -> str:
    """``"best response"``; ``"logit (λ = 5 per $bn/yr)"`` when the rule's rationality is given."""
    name = str(rule).replace("_", " ")
    return f"{name} (λ = {lam:g} per $bn/yr)" if isinstance(lam, (int, float)) and str(rule) == "logit" else name


_TRAJ_AXES_H = 1.5  #: height (in) of a trajectory panel's axes


def _xlabel_depth() -> float:
    """Points from the bottom of an axes to below its x tick labels and x label (rcParams)."""
    rc = matplotlib.rcParams
    return (rc["xtick.major.size"] + rc["xtick.major.pad"] + 1.25 * font_size("xtick.labelsize")
            + rc["axes.labelpad"] + 1.25 * font_size("axes.labelsize") + 2.0)


@FS.styled
def trajectory_figure(shares_table: pa.Table, stats_table: pa.Table | None = None, scenario=None,
                      baseline_label: str = FS.BASELINE_LABEL, lam: float | None = None) -> Figure:
    """Adaptive play over time at the recorded point: one panel per actor, then share at NE.

    Parameters
    ----------
    shares_table : pyarrow.Table
        ``trajectory.parquet``: step, actor, action, share (of runs playing the action).
    stats_table : pyarrow.Table, optional
        ``trajectory_stats.parquet``: step, share_at_nash (last panel; left out if None).
    scenario : Scenario or str, optional
        The run's scenario (or its name): legends name actions in its words
        (:func:`sim.figures.style.action_name`) and shocks by parameter labels; codes without it.
    baseline_label : str
        Where the runs were recorded, for the title (:func:`sim.figures.style.baseline_text`).
    lam : float, optional
        The logit rule's rationality λ, shown with the rule's name.

    Returns
    -------
    Figure
        A page wide (:data:`sim.figures.style.PAGE_WIDTH`), two panels a row: one panel per actor
        (one line per action, legend = the actions, below the panel); a black-edged
        ``<`` marker at share 1 just right of the last step, in the action's colour, for
        each action an exact pure Nash equilibrium prescribes
        (numbered when there are several NE); dotted vertical lines at shocks; then the
        share of runs at a pure NE, and a legend of the markers and lines in the free
        cell; title = rule and number of runs.
    """
    meta = trajectory_meta(shares_table)
    series = action_shares(shares_table)
    ne = meta["pure_nash"]
    players = meta["players"]
    steps_max = max((int(s.max()) for acts in series.values() for s, _ in acts.values() if len(s)), default=1)
    steps_max = int(meta.get("steps", steps_max) or steps_max)
    shocks = list(meta.get("shocks") or [])
    n_panels = len(series) + (stats_table is not None)
    ncols = 2
    nrows = math.ceil((n_panels + 1) / ncols)  # one extra cell for the explanation
    cell_w = PAGE_WIDTH / ncols
    # each actor's legend below its panel, in as many columns as the panel's width holds
    words = {actor: {a: FS.action_name(scenario, actor, a) for a in acts} for actor, acts in series.items()}
    leg_cols = [legend_ncols(list(words[actor].values()), cell_w - 0.35, handlelength=1.4) for actor in series]
    leg_rows = [math.ceil(len(acts) / c) for acts, c in zip(series.values(), leg_cols)]
    row_legend = [max(leg_rows[r * ncols:(r + 1) * ncols], default=0) for r in range(nrows)]
    where = "baseline point" if baseline_label == FS.BASELINE_LABEL else baseline_label
    title = wrap_text(f"Adaptive play at the {where}: {_rule_name(meta.get('rule', '?'), lam)}, "
                      f"{meta.get('replicates')} runs x {steps_max} steps", PAGE_WIDTH - 0.2, "figure.titlesize")
    height = 0.15 + 0.2 * (title.count("\n") + 1) + sum(_TRAJ_AXES_H + 0.8 + (_LINE_H * k + 0.1 if k else 0.0)
                                                         for k in row_legend)
    fig = Figure(figsize=(PAGE_WIDTH, height), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    flat = list(axs.flat)
    shock_kw = dict(SHOCK_LINE)
    ne_end = min((float(sh["step"]) for sh in shocks), default=float(steps_max))
    for p, (actor, acts) in enumerate(series.items()):
        ax = flat[p]
        pos = players.index(actor) if actor in players else None
        colours = {a: ACTION_COLOURS[k % len(ACTION_COLOURS)] for k, a in enumerate(acts)}
        for a, (s, v) in acts.items():
            ax.plot(s, v, color=colours[a], linewidth=1.5, label=words[actor][a])
        ne_actions = list(dict.fromkeys(prof[pos] for prof in ne
                                        if pos is not None and pos < len(prof) and prof[pos] in colours))
        for k, a in enumerate(ne_actions):  # dashed guide at share 1 over the game the NE belongs to
            dash = (0, (4, 2.5)) if len(ne_actions) == 1 else (4 * k, (4, 4 * (len(ne_actions) - 1)))
            ax.plot([0, ne_end], [1.0, 1.0], color=colours[a], linestyle=dash, linewidth=1.1, alpha=0.85,
                    zorder=1.5, gid=f"ne_line:{actor}:{a}")
        for e, prof in enumerate(ne):
            if pos is None or pos >= len(prof) or prof[pos] not in colours:
                continue
            a = prof[pos]
            if shocks:  # marker points at the end of the guide, just right of the shock line
                xy, trans = (ne_end, 1.0), offset_copy(ax.transData, fig=fig, x=6 + 11 * e, units="points")
            else:  # marker just outside the right edge of the axes
                xy, trans = (1.0, 1.0), offset_copy(ax.get_yaxis_transform(), fig=fig, x=8 + 11 * e, units="points")
            (m,) = ax.plot([xy[0]], [xy[1]], transform=trans, clip_on=False, color=colours[a], zorder=6,
                           **NE_MARKER)
            m.set_gid(f"ne:{actor}:{a}:{e}")
            if len(ne) > 1:
                ax.annotate(str(e + 1), xy, xycoords=trans, xytext=(0, 7), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8, annotation_clip=False)
        for sh in shocks:
            ax.axvline(float(sh["step"]), zorder=1, **shock_kw)
        ax.set_title(f"({_LETTERS[p]}) {actor}", parse_math=False, loc="left")
        ax.set_ylabel("share of runs")
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlim(0, steps_max)
        leg = _legend(ax, list(ax.get_lines())[: len(acts)], loc="upper center", bbox_to_anchor=(0.5, 0.0),
                      bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-_xlabel_depth(), units="points"),
                      borderaxespad=0.0, handlelength=1.4, ncols=leg_cols[p], columnspacing=1.2)
        bold = {words[actor][a] for a in ne_actions}
        for t in leg.get_texts():
            if t.get_text() in bold:
                t.set_fontweight("bold")
    p = len(series)
    if stats_table is not None:
        ax = flat[p]
        for c in ("step", "share_at_nash"):
            if c not in stats_table.column_names:
                raise ResultsError(f"trajectory stats table has no column '{c}'")
        s = np.asarray(stats_table.column("step").to_numpy(zero_copy_only=False), dtype=float)
        v = np.asarray(stats_table.column("share_at_nash").to_numpy(zero_copy_only=False), dtype=float)
        ax.plot(s, v, color="black", linewidth=1.5, label="share at a pure NE")
        for sh in shocks:
            ax.axvline(float(sh["step"]), zorder=1, **shock_kw)
        ax.set_title(wrap_text(f"({_LETTERS[p]}) runs at a pure Nash equilibrium"
                               + (" of the game in force" if shocks else ""), cell_w - 0.1, "axes.titlesize"),
                     parse_math=False, loc="left")
        ax.set_ylabel("share of runs")
        ax.set_ylim(-0.03, 1.05)
        ax.set_xlim(0, steps_max)
        p += 1
    for ax in flat[p:]:
        _no_frame(ax)
    for ax in flat[:p]:
        ax.set_xlabel("step")
        ax.xaxis.set_tick_params(labelbottom=True)
    # explanation in the first free cell (or below the figure)
    when = "\n(the game before the shock)" if shocks else ""
    what = "action of the exact pure Nash equilibrium" if len(ne) <= 1 else f"actions of exact pure NE 1-{len(ne)}"
    explain = [Line2D([], [], color="0.45", label=f"{what}{when};\nbold in the legends", **NE_MARKER),
               Line2D([], [], color="0.45", linestyle=(0, (4, 2.5)), linewidth=1.1,
                      label="share 1 of that action (all runs play it)")]
    if not ne:
        explain = [Patch(facecolor="none", edgecolor="none", label="no pure Nash equilibrium at this point")]
    for sh in shocks:
        explain.append(Line2D([], [], label=f"shock at {shock_text(sh, scenario)}", **shock_kw))
    for h in explain:
        h.set_label(wrap_text(h.get_label(), cell_w - 0.45, "legend.fontsize"))
    _legend(flat[p], explain, loc="upper left", borderaxespad=0.0)  # the grid always has a free cell
    fig.suptitle(title, parse_math=False)
    return fig


# ----------------------------------------------------------------------------- files


def run_note(run_dir: Path) -> str | None:
    """One line on how the agent-based runs were made, from ``run_dir/config.yaml`` (None if absent)."""
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        return None
    try:
        import yaml

        cfg = yaml.safe_load(path.read_text())
        abm = cfg.get("abm") or {}
        dynamics = cfg.get("dynamics") or {}
        rule = dynamics.get("rule")
        parts = [f"Adaptive play: {_rule_name(rule, dynamics.get('lam'))}" if rule else "Adaptive play"]
        if abm.get("replicates") and abm.get("steps"):
            parts.append(f"{abm['replicates']} runs x {abm['steps']} steps per point")
        note = ", ".join(parts)
        shocks = abm.get("shocks") or []
        if shocks:
            sc = FS.run_scenario(run_dir)
            note += "; shock at " + "; ".join(shock_text(s, sc) for s in shocks) + " (exact NE: before the shock)"
        return note
    except Exception:  # a note is optional; a bad config never stops a redraw
        return None


def _read_parquet(path: Path) -> pa.Table:
    try:
        return read_parquet(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None


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
    builders: list[tuple[str, Callable[[], Figure]]] = []
    table_path = run_dir / rundir.TABLE
    scenario = FS.run_scenario(run_dir)  # words for codes and labels for parameters
    baseline = FS.baseline_text(FS.run_changes(run_dir))
    if loaded is not None or table_path.is_file():
        table, meta = loaded if loaded is not None else read_table(table_path)
        if has_abm(table):
            note = run_note(run_dir)
            builders.append((SELECTION_NAME, lambda: comparison_figure(table, meta, note, baseline)))
        scenario = scenario or meta.scenario
    if (run_dir / SHARES_FILE).is_file():
        stats_path = run_dir / STATS_FILE
        shares = _read_parquet(run_dir / SHARES_FILE)
        stats = _read_parquet(stats_path) if stats_path.is_file() else None
        lam = (FS.run_config(run_dir).get("dynamics") or {}).get("lam")
        builders.append((TRAJECTORY_NAME, lambda: trajectory_figure(shares, stats, scenario, baseline, lam)))
    figures = [build() for _, build in builders]  # every figure builds before any file is written
    paths = []
    for (name, build), fig in zip(builders, figures):
        for k, fmt in enumerate(formats):
            # a fresh figure per file: a layout drawn for one format never shifts another's bytes
            path = run_dir / f"{name}.{fmt}"
            FS.save(fig if k == 0 else build(), path, fmt)
            paths.append(path)
    return paths
