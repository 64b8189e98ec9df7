"""The agent-based comparison of a 1-axis sweep (``abm_selection.<fmt>`` of a strip run).

Bands: the exact pure-NE regime over the agent-based modal regime (lightened by its
share of runs), an orange bar where they differ; below, the share of runs settled on a
pure NE and the share ending in an exact-NE regime along the axis; at the bottom the
regime legend and the colour key. Drawn from the equilibria table alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.figures import abm_panels as AP
from sim.figures import axes as FA
from sim.figures import style as FS
from sim.figures.abm_data import (MODAL, SETTLED, disagreement, exact_concept, has_abm, has_exact, modal_selection,
                                  nash_share, selection_colours)
from sim.figures.abm_words import EXACT_WORDS, exact_words
from sim.figures.style import PAGE_WIDTH
from sim.figures.textfit import legend_ncols, text_width, wrap_text
from sim.store.table import ResultsError, TableMeta

#: The line of the share of runs in an exact-NE regime: the dark end of the agreement
#: panel's colour map (:data:`sim.figures.abm_panels.AGREEMENT_CMAP`), never a regime colour.
AGREEMENT_LINE = "#54278F"
SETTLED_TEXT = EXACT_WORDS["simultaneous"]["settled_text"]  # the sequential game's: exact_words(meta.abm)
AGREEMENT_TEXT = EXACT_WORDS["simultaneous"]["agreement_text"]
BASE_LINE = {"color": "black", "linestyle": "--", "linewidth": 1.4}
BAND_H = 1.35  #: height (in) of the bands


@dataclass(frozen=True)
class Strip:
    """What :func:`comparison_strip` draws, each of shape (n,) in increasing axis order:
    values ``xs`` and cell edges ``xe`` (n + 1; ``xlog``: geometric), the modal regime
    ``codes`` and its share of runs ``freq``, the share of runs ``settled`` on a pure NE;
    with exact columns (``exact``) the first pure-NE regime ``ne_codes``, ``several`` NE,
    the ``mask`` of disagreement and the ``share`` of runs in an exact-NE regime."""

    xs: np.ndarray
    xe: np.ndarray
    xlog: bool
    codes: np.ndarray
    freq: np.ndarray
    settled: np.ndarray
    exact: bool
    ne_codes: np.ndarray
    several: np.ndarray
    mask: np.ndarray
    share: np.ndarray


def strip_data(table: pa.Table, meta: TableMeta) -> Strip:
    """The columns of a 1-axis table that :func:`comparison_strip` draws, sorted by the axis."""
    (xs,) = FA.axis_values(table, meta)
    order = np.argsort(xs, kind="stable")  # 'list' axes may be unsorted
    xe, xlog = FA.cell_edges(xs[order])
    codes, freq = modal_selection(table, meta)
    settled = np.asarray(FA.table_column(table, SETTLED), dtype=float)
    exact = has_exact(table, meta)
    n = len(xs)
    ne_codes, several = FA.game_grids(table, meta, exact_concept(meta)) if exact else (np.array([], dtype=int), None)
    several = np.zeros(n, bool) if several is None else several
    mask = disagreement(table, meta) if exact else np.zeros(n, bool)
    share = nash_share(table, meta) if exact else np.full(n, np.nan)
    return Strip(xs[order], xe, xlog, codes[order], freq[order], settled[order], exact,
                 ne_codes[order] if exact else ne_codes, several[order], mask[order], share[order])


def line_handles(data: Strip, meta: TableMeta | None = None) -> list:
    """Legend entries of the line panel: settled share, and with exact columns the share
    in an exact-NE regime and the orange disagreement spans."""
    words = exact_words(meta.abm if meta is not None else None)
    handles = [Line2D([], [], color="black", linewidth=1.5, label=words["settled_text"])]
    if data.exact:
        handles.append(Line2D([], [], color=AGREEMENT_LINE, linewidth=1.5, linestyle="--",
                              label=words["agreement_text"]))
        handles.append(Patch(facecolor=AP.DISAGREE_COLOUR, alpha=0.3, edgecolor="none",
                             label=words["disagree"] + ("" if data.mask.any() else " (nowhere)")))
    return handles


@dataclass(frozen=True)
class StripBottom:
    """The regime legend (``handles`` in ``ncols`` columns) and the colour key (wrapped
    ``key_label``, ``key_h`` in high) under the strip; ``height`` in inches."""

    handles: list
    ncols: int
    key_label: str
    key_h: float
    key_total: float
    height: float


def strip_bottom(data: Strip, meta: TableMeta, baseline_label: str, shown: bool) -> StripBottom:
    """The bottom row: legends and key first, so that the figure is as high as they need."""
    star = Line2D([], [], label=wrap_text(baseline_label, PAGE_WIDTH / 2 - 0.6, "legend.fontsize"), **BASE_LINE)
    handles = FA.legend_handles(meta, data.ne_codes, bool(data.several.any()), shown, star)
    half = PAGE_WIDTH / 2 - 0.15
    ncols = legend_ncols([h.get_label() for h in handles], half, max_cols=2)
    present = np.unique(data.codes)
    names_w = max(text_width(meta.regimes[c], "ytick.labelsize") for c in present)
    key_label = wrap_text(AP.KEY_LABEL, half - names_w - 0.25, "axes.labelsize")  # no wider than the key
    key_h = AP.KEY_ROW_H * len(present)
    key_total = key_h + 0.3 + AP.LINE_H * (key_label.count("\n") + 1)
    height = max(key_total, AP.legend_height([h.get_label() for h in handles], ncols)) + 0.05
    return StripBottom(handles, ncols, key_label, key_h, key_total, height)


def _draw_bands(ax: Axes, data: Strip, meta: TableMeta) -> None:
    """Exact pure-NE band (top) and modal agent-based band (bottom), orange where they differ."""
    top, bottom = np.array([1.1, 2.0]), np.array([0.0, 0.9])
    if data.exact:
        FA.regime_mesh(ax, data.xe, top, data.ne_codes[None, :], meta)
        FA.hatch_mask(ax, data.xe, top, data.several[None, :])
    ax.pcolormesh(data.xe, bottom, selection_colours(data.codes, data.freq, meta)[None, :, :], shading="flat",
                  antialiased=False, linewidth=0, rasterized=True, gid="selection")
    FA.setup_axis(ax, "x", meta.axes[0], data.xe, data.xlog, meta.scenario)
    ax.set_ylim(0, 2)
    sequential = exact_concept(meta) == "spe"
    exact_label = ("Exact\n(SPE)" if sequential else "Exact\n(pure NE)") if data.exact else ""
    ax.set_yticks([1.55, 1.0, 0.45], [exact_label, "differ" if data.exact else "", "Agent-based\n(modal)"])
    ax.get_yticklabels()[1].set_color(AP.DISAGREE_COLOUR)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(labelbottom=False)
    ax.set_xlabel("")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(wrap_text("Subgame-perfect equilibrium and the regime adaptive play of the sequential game reaches"
                           if sequential else "Exact pure Nash equilibria and the regime adaptive play selects",
                           PAGE_WIDTH - 0.2,
                           "axes.titlesize"), parse_math=False)
    for i0, i1 in FA.true_runs(data.mask):
        ax.plot([data.xe[i0], data.xe[i1]], [1.0, 1.0], color=AP.DISAGREE_COLOUR, linewidth=4,
                solid_capstyle="butt", clip_on=False, zorder=4, gid="disagreement")


def _draw_lines(ax: Axes, data: Strip, meta: TableMeta, handles: list, ncols: int) -> None:
    """Settled share and share in an exact-NE regime along the axis, orange spans where the
    modal regime is not an exact-NE regime; the legend above."""
    for i0, i1 in FA.true_runs(data.mask):
        ax.axvspan(data.xe[i0], data.xe[i1], facecolor=AP.DISAGREE_COLOUR, alpha=0.3, edgecolor="none", zorder=0,
                   gid="disagreement")
    words = exact_words(meta.abm)
    ax.plot(data.xs, data.settled, color="black", linewidth=1.5, label=words["settled_text"])
    if data.exact:
        ax.plot(data.xs, np.nan_to_num(data.share, nan=0.0), color=AGREEMENT_LINE, linewidth=1.5, linestyle="--",
                label=words["agreement_text"])
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("share of runs")
    FA.setup_axis(ax, "x", meta.axes[0], data.xe, data.xlog, meta.scenario)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    AP.legend(ax, handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=ncols, borderaxespad=0.2)


def _draw_bottom(sf, data: Strip, meta: TableMeta, bottom: StripBottom) -> None:
    """The regime legend (left) and the colour key (right) in subfigure ``sf``."""
    leg_fig, key_fig = sf.subfigures(1, 2, wspace=0.0)
    leg_ax = leg_fig.add_subplot()
    AP.no_frame(leg_ax)
    AP.legend(leg_ax, bottom.handles, loc="upper left", ncols=bottom.ncols, borderaxespad=0.0)
    gs = key_fig.add_gridspec(2, 1, height_ratios=[bottom.key_h, max(bottom.height - bottom.key_total, 0.01)])
    kax = key_fig.add_subplot(gs[0], gid="frequency_key")
    AP.frequency_key(kax, meta, data.codes, title=False)
    kax.set_xlabel(bottom.key_label)


@FS.styled
def comparison_strip(table: pa.Table, meta: TableMeta, note: str | None = None,
                     baseline_label: str = FS.BASELINE_LABEL) -> Figure:
    """1-axis comparison: exact pure-NE band, agent-based modal band, agreement lines.

    Parameters
    ----------
    table, meta
        A 1-axis equilibria table with the ``abm`` (and ``nash``) columns.
    note : str, optional
        How the agent-based runs were made: the suptitle.
    baseline_label : str
        The baseline's legend entry (:func:`sim.figures.style.baseline_text`).

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
    data = strip_data(table, meta)
    bx = meta.baseline.get(meta.axes[0]["param"])
    shown = FA.inside(bx, data.xe)
    handles_line = line_handles(data, meta)
    ncols_line = legend_ncols([h.get_label() for h in handles_line], PAGE_WIDTH - 0.6)
    bottom = strip_bottom(data, meta, baseline_label, shown)
    note, note_h = AP.wrapped_note(note)
    line_h = 1.9 + AP.LINE_H * math.ceil(len(handles_line) / ncols_line)
    fig = Figure(figsize=(PAGE_WIDTH, BAND_H + line_h + bottom.height + note_h), layout="constrained")
    top_fig, bottom_fig = fig.subfigures(2, 1, height_ratios=[BAND_H + line_h, bottom.height])
    ax_band, ax_line = top_fig.subplots(2, 1, sharex=True, height_ratios=[BAND_H, line_h])
    _draw_bands(ax_band, data, meta)
    _draw_lines(ax_line, data, meta, handles_line, ncols_line)
    if shown:
        for ax in (ax_band, ax_line):
            ax.axvline(float(bx), zorder=5, **BASE_LINE)
    _draw_bottom(bottom_fig, data, meta, bottom)
    if note:
        fig.suptitle(note, parse_math=False)
    return fig
