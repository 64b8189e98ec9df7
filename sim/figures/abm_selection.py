"""The agent-based selection figures of a 2- or 3-axis sweep, drawn from its table alone.

* :func:`selection_map`: the regime most runs end in at each grid point, lightened
  towards white as the share of runs choosing it falls from 1 to 1/len(regimes).
* :func:`comparison_figure` (``abm_selection.<fmt>``): (a) the exact pure Nash equilibria,
  (b) the selection map, (c) where learning and equilibrium agree: the share of runs
  ending in one of the exact equilibrium regimes, the cells whose modal regime is *not*
  an exact equilibrium regime outlined and cross-hatched. Without exact columns, (a) goes
  and (c) shows the share of runs settled on a pure NE. A 1-axis sweep is drawn by
  :func:`sim.figures.abm_strip.comparison_strip`.

Regimes keep the colours of every figure (:func:`sim.figures.style.regime_colours`).
Heights are in inches at print size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.figures import abm_panels as AP
from sim.figures import axes as FA
from sim.figures import style as FS
from sim.figures.abm_data import (MODAL, SETTLED, disagreement, exact_concept, has_abm, has_exact, modal_selection,
                                  nash_share, selection_grid)
from sim.figures.abm_words import exact_words
from sim.figures.abm_strip import comparison_strip
from sim.figures.style import NO_NE_COLOUR, PAGE_WIDTH
from sim.figures.textfit import legend_ncols, wrap_text
from sim.store.table import ResultsError, TableMeta

#: Height (in) of a map in the comparison figure, by the number of panels in a row.
MAP_H = {3: 1.95, 2: 2.6}
CBAR_H = 0.12  #: height (in) of the colour bar under panel (c)


# ----------------------------------------------------------------------------- one map


def _selection_canvas(title: str | None, key: bool, n_present: int):
    """A new column-wide figure for :func:`selection_map`: (figure, map axes, key axes or
    None, legend axes or None); the map above its key and baseline legend."""
    map_h = 2.45 + 0.5 + (0.1 + AP.LINE_H * (title.count("\n") + 1) if title else 0.0)
    if not key:
        fig = Figure(figsize=(FS.COLUMN_WIDTH, map_h), layout="constrained")
        return fig, fig.add_subplot(), None, None
    key_h = AP.KEY_ROW_H * n_present
    below = key_h + 0.3 + 2 * AP.LINE_H + 0.3
    fig = Figure(figsize=(FS.COLUMN_WIDTH, map_h + below), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[map_h, below])
    ax = top.add_subplot()  # the map first: fig.axes[0]
    gs = bottom.add_gridspec(2, 1, height_ratios=[key_h, 0.3])
    kax, lax = bottom.add_subplot(gs[0], gid="frequency_key"), bottom.add_subplot(gs[1])
    AP.no_frame(lax)
    return fig, ax, kax, lax


def _selection_key(ax: Axes, kax: Axes | None, lax: Axes | None, meta: TableMeta, info: dict,
                   baseline_label: str) -> None:
    """The colour key and the baseline's legend of a selection map: in ``kax`` and ``lax``
    (a new figure), else beside the caller's ``ax``."""
    if kax is None:  # caller's axes: key as an inset to the right (leave room for it)
        h = min(0.1 * len(np.unique(info["codes"])), 0.6)
        kax = ax.inset_axes([1.05, 1.0 - h, 0.22, h])
        kax.yaxis.tick_right()
    AP.frequency_key(kax, meta, info["codes"])
    kax.set_xlabel(AP.KEY_LABEL.replace("in the ", "in the\n"))
    if not info["baseline"]:
        return
    star = FA.baseline_star(wrap_text(baseline_label, FS.COLUMN_WIDTH - 0.6, "legend.fontsize"))
    if lax is not None:
        AP.legend(lax, [star], loc="upper center", borderaxespad=0.0)
    else:
        AP.legend(ax, [star], loc="lower left", bbox_to_anchor=(1.03, 0.0), borderaxespad=0.0)


@FS.styled
def selection_map(table: pa.Table, meta: TableMeta, ax: Axes | None = None, title: str | None = None,
                  key: bool = True, baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """Agent-based selection map of a 2-axis sweep.

    Colour = the regime most runs end in (``abm_modal_regime``, regime palette of
    :mod:`sim.figures.style`), lightened towards white as the share of runs selecting it falls
    from 1 to 1/len(regimes) (:func:`sim.figures.abm_data.selection_colours`).

    Parameters
    ----------
    table, meta
        A 2-axis equilibria table with the ``abm_*`` columns, and its metadata.
    ax : Axes, optional
        Axes to draw into; if omitted, a new figure a column wide (:data:`sim.figures.style.COLUMN_WIDTH`,
        3.4 x about 4.7 in: the map, the key and the baseline legend below it).
    title : str, optional
        Axes title (a lone panel: no letter).
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
    fig = kax = lax = None
    if ax is None:
        title = wrap_text(title, FS.COLUMN_WIDTH - 0.3, "axes.titlesize") if title else title
        fig, ax, kax, lax = _selection_canvas(title, key, len(np.unique(codes2)))
    info = AP.selection_panel(ax, meta, xs, ys, codes2, freq2)
    if title is not None:
        ax.set_title(title, parse_math=False)
    if key:
        _selection_key(ax, kax, lax, meta, info, baseline_label)
    return fig if fig is not None else ax.figure  # the new figure, not the subfigure that holds the map


# ----------------------------------------------------------------------------- comparison: data


@dataclass(frozen=True)
class Comparison:
    """What :func:`comparison_figure` draws, as grids over the table's shape (n_x, n_y[, n_z]).

    ``codes``/``freq``: modal agent-based regime and its share of runs; with exact columns
    (``exact``) ``ne_codes``/``several`` (first pure-NE regime, several coexist), ``share``
    (share of runs in an exact-NE regime, NaN: no pure NE) and ``mask`` (modal regime not an
    exact-NE regime); without, ``settled`` (share of runs settled on a pure NE). ``picks``:
    the 3rd-axis indices drawn, one row each ([None] for 2 axes).
    """

    exact: bool
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray | None
    picks: list
    codes: np.ndarray
    freq: np.ndarray
    ne_codes: np.ndarray | None = None
    several: np.ndarray | None = None
    share: np.ndarray | None = None
    mask: np.ndarray | None = None
    settled: np.ndarray | None = None

    def shown(self, grid: np.ndarray) -> np.ndarray:
        """``grid`` at the 3rd-axis values drawn (all of it for 2 axes)."""
        return grid if self.zs is None else grid[:, :, self.picks]

    def row(self, grid: np.ndarray, k) -> np.ndarray:
        """The (n_y, n_x) image of ``grid`` at 3rd-axis index ``k`` (None: 2 axes)."""
        return (grid if k is None else grid[:, :, k]).T


def comparison_data(table: pa.Table, meta: TableMeta) -> Comparison:
    """The grids of :func:`comparison_figure` (a 2- or 3-axis table with ``abm_*`` columns)."""
    shape = FA.grid_shape(meta)
    values = FA.axis_values(table, meta)
    zs = values[2] if len(shape) == 3 else None
    picks = [None] if zs is None else list(FA.facet_values(shape[2], 3))
    codes, freq = (g.reshape(shape) for g in modal_selection(table, meta))
    base = dict(xs=values[0], ys=values[1], zs=zs, picks=picks, codes=codes, freq=freq)
    if not has_exact(table, meta):
        settled = np.asarray(FA.table_column(table, SETTLED), dtype=float).reshape(shape)
        return Comparison(exact=False, settled=settled, **base)
    ne_codes, several = FA.game_grids(table, meta, exact_concept(meta))
    if several is None:  # one equilibrium per point (the SPE)
        several = np.zeros(shape, dtype=bool)
    return Comparison(exact=True, ne_codes=ne_codes, several=several, share=nash_share(table, meta).reshape(shape),
                      mask=disagreement(table, meta).reshape(shape), **base)


# ----------------------------------------------------------------------------- comparison: layout


def panel_titles(exact: bool, facts=None) -> tuple[str, ...]:
    """The comparison's panel titles, lettered (:func:`sim.figures.style.panel_title`), in
    the words of the game the agents played (``facts``: ``TableMeta.abm``)."""
    words = exact_words(facts)
    titles = ((words["exact_title"], "Agent-based: modal\nregime (paler: fewer runs)",
               "Where learning and\nequilibrium agree") if exact else  # three a page wide: two short lines
              ("Agent-based: regime most runs end in (paler: fewer)", words["settled_title"]))
    return tuple(FS.panel_title(k, len(titles), t) for k, t in enumerate(titles))


@dataclass
class BottomRow:
    """The row under the panels: legend entries under (a) (``regimes``) and (c) (``extra``),
    their column counts, the colour key's and colour bar's labels; heights in inches."""

    regimes: list
    extra: list
    ncols_a: int
    ncols_c: int
    key_label: str
    key_h: float
    cbar_label: str
    height: float = 0.0

    @property
    def key_total(self) -> float:
        return self.key_h + 0.3 + AP.LINE_H * (self.key_label.count("\n") + 1)

    @property
    def cbar_total(self) -> float:
        return CBAR_H + 0.3 + AP.LINE_H * (self.cbar_label.count("\n") + 1)


def _bottom_handles(data: Comparison, meta: TableMeta, baseline_label: str) -> tuple[list, list]:
    """Legend entries under (a) (regimes, several NE, baseline) and under (c) (hatching, grey)."""
    (xe, _), (ye, _) = FA.cell_edges(np.sort(data.xs)), FA.cell_edges(np.sort(data.ys))
    stars = [FA.baseline_point(meta, None if k is None else data.zs[k]) for k in data.picks]
    shown = any(FA.inside(bx, xe) and FA.inside(by, ye) for bx, by in stars)  # a star where the baseline is
    if not data.exact:
        return [], [FA.baseline_star(baseline_label)] if shown else []
    regimes = FA.legend_handles(meta, data.shown(data.ne_codes), bool(data.shown(data.several).any()), shown,
                                baseline_label=baseline_label)
    extra = [AP.disagree_handle(bool(data.shown(data.mask).any()), meta)]
    if np.isnan(data.shown(data.share)).any():
        extra.append(Patch(facecolor=NO_NE_COLOUR, edgecolor="none", label=FS.NO_NE_LABEL))
    return regimes, extra


def bottom_row(data: Comparison, meta: TableMeta, baseline_label: str, text_w: float) -> BottomRow:
    """What goes under the panels, wrapped to ``text_w`` inches, and how high it is."""
    regimes, extra = _bottom_handles(data, meta, baseline_label)
    for h in (*regimes, *extra):
        h.set_label(wrap_text(h.get_label(), text_w - 0.35, "legend.fontsize"))
    labels_a, labels_c = [h.get_label() for h in regimes], [h.get_label() for h in extra]
    row = BottomRow(regimes, extra, legend_ncols(labels_a, text_w, max_cols=2) if regimes else 1,
                    legend_ncols(labels_c, text_w, max_cols=2) if extra else 1,
                    wrap_text(AP.KEY_LABEL, text_w - 0.15, "axes.labelsize"),
                    AP.KEY_ROW_H * len(np.unique(data.shown(data.codes))),
                    wrap_text(exact_words(meta.abm)["agreement" if data.exact else "settled"], text_w - 0.05,
                              "axes.labelsize"))
    row.height = max(row.key_total, row.cbar_total + (AP.legend_height(labels_c, row.ncols_c) if extra else 0.0),
                     AP.legend_height(labels_a, row.ncols_a) if data.exact else 0.0) + 0.05
    return row


# ----------------------------------------------------------------------------- comparison: drawing


def _draw_row(sf, data: Comparison, meta: TableMeta, k, ncols: int):
    """One row of ``ncols`` panels (the 3rd-axis index ``k``; None: 2 axes) in subfigure
    ``sf``: returns its axes and the mesh of the last panel (for the colour bar)."""
    axs = list(sf.subplots(1, ncols))
    z = None if k is None else data.zs[k]
    if data.exact:
        FA.draw_2d(axs[0], meta, data.xs, data.ys, data.row(data.ne_codes, k), data.row(data.several, k),
                   FA.baseline_point(meta, z))
    AP.selection_panel(axs[-2], meta, data.xs, data.ys, data.row(data.codes, k), data.row(data.freq, k), z)
    if data.exact:
        mesh, _ = AP.agreement_panel(axs[-1], meta, data.xs, data.ys, data.row(data.share, k),
                                     data.row(data.mask, k), z)
    else:
        mesh, _ = AP.settled_panel(axs[-1], meta, data.xs, data.ys, data.row(data.settled, k), z)
    if k is not None:
        sf.suptitle(FA.facet_title(meta.axes[2], z, meta.scenario, PAGE_WIDTH - 0.2), parse_math=False)
    return axs, mesh


def _share_and_label(rows: list[list[Axes]], titles) -> None:
    """Share every panel's axes with the first; titles on the top row; tick labels and
    axis labels only on the outer sides."""
    first = rows[0][0]
    for r, axs in enumerate(rows):
        for c, ax in enumerate(axs):
            if ax is not first:
                ax.sharex(first)
                ax.sharey(first)
            ax.set_title(titles[c] if r == 0 else "", parse_math=False)
            if r < len(rows) - 1:
                ax.set_xlabel("")
                ax.tick_params(labelbottom=False)
            if c:
                ax.set_ylabel("")
                ax.tick_params(labelleft=False)


def _draw_bottom(sf, data: Comparison, meta: TableMeta, row: BottomRow, mesh) -> None:
    """The row under the panels in subfigure ``sf``: the regime legend under (a), the
    colour key under (b), the colour bar and the hatching / grey entries under (c)."""
    cells = list(sf.subfigures(1, 3 if data.exact else 2, wspace=0.0))
    if data.exact:
        lax = cells[0].add_subplot()
        AP.no_frame(lax)
        AP.legend(lax, row.regimes, loc="upper center", ncols=row.ncols_a, borderaxespad=0.0)
    gs_b = cells[-2].add_gridspec(2, 1, height_ratios=[row.key_h, max(row.height - row.key_total, 0.01)])
    kax = cells[-2].add_subplot(gs_b[0], gid="frequency_key")
    AP.frequency_key(kax, meta, data.shown(data.codes), title=False)
    kax.set_xlabel(row.key_label)
    gs_c = cells[-1].add_gridspec(2, 1, height_ratios=[CBAR_H, max(row.height - row.cbar_total, 0.01)])
    cax = cells[-1].add_subplot(gs_c[0], gid="agreement_colorbar")
    sf.figure.colorbar(mesh, cax=cax, orientation="horizontal", label=row.cbar_label)
    if row.extra:
        eax = cells[-1].add_subplot(gs_c[1])
        AP.no_frame(eax)
        AP.legend(eax, row.extra, loc="upper center", ncols=row.ncols_c, borderaxespad=0.0)


@FS.styled
def comparison_figure(table: pa.Table, meta: TableMeta, note: str | None = None,
                      baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """Exact pure Nash equilibria beside the agent-based selection, and where they differ.

    Parameters
    ----------
    table, meta
        An equilibria table with the ``nash`` and ``abm`` columns (1, 2 or 3 axes).
    note : str, optional
        How the agent-based runs were made (rule, runs per grid point, shocks;
        :func:`sim.figures.abm_words.selection_note`): the suptitle.
    baseline_label : str
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

    Returns
    -------
    Figure
        2 axes, a page wide (:data:`sim.figures.style.PAGE_WIDTH`, 7 x about 4.6 in): (a)
        :func:`sim.figures.axes.nash_diagram`, (b) :func:`selection_map`, (c) share of runs ending
        in an exact-NE regime (white = all, dark = none, grey = no pure NE) with the cells
        whose modal regime is not an exact NE regime outlined and cross-hatched in orange;
        shared axes; below each panel its legend or key. 3 axes: one such row per value
        of the 3rd axis (at most 3). 1 axis: :func:`sim.figures.abm_strip.comparison_strip`.
        Without ``nash`` columns, (a) is left out and (c) shows the share of runs settled
        on a pure NE. A panel (c) with nothing to show (white or grey everywhere) says so.
    """
    n = len(FA.check_rows(table, meta))
    if not has_abm(table):
        raise ResultsError(f"results table has no column '{MODAL}'; not an agent-based run")
    if n == 1:
        return comparison_strip(table, meta, note, baseline_label)
    data = comparison_data(table, meta)
    ncols = 3 if data.exact else 2
    text_w = PAGE_WIDTH / ncols - 0.15  # text under or over a panel is at most this wide
    titles = [wrap_text(t, text_w, "axes.titlesize") for t in panel_titles(data.exact, meta.abm)]
    title_h = 0.1 + AP.LINE_H * max(t.count("\n") + 1 for t in titles)
    row_hs = [MAP_H[ncols] + (0.25 if k is not None else 0.0) + (title_h if r == 0 else 0.0)
              + (0.5 if r == len(data.picks) - 1 else 0.05) for r, k in enumerate(data.picks)]
    bottom = bottom_row(data, meta, baseline_label, text_w)
    note, note_h = AP.wrapped_note(note)
    fig = Figure(figsize=(PAGE_WIDTH, sum(row_hs) + bottom.height + note_h), layout="constrained")
    subfigs = fig.subfigures(len(data.picks) + 1, 1, height_ratios=[*row_hs, bottom.height])
    drawn = [_draw_row(sf, data, meta, k, ncols) for sf, k in zip(subfigs, data.picks)]
    _share_and_label([axs for axs, _ in drawn], titles)
    _draw_bottom(subfigs[-1], data, meta, bottom, drawn[-1][1])
    if note:
        fig.suptitle(note, parse_math=False)
    return fig
