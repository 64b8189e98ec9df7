"""Pieces shared by the agent-based figures (:mod:`sim.figures.abm_selection`,
:mod:`sim.figures.abm_strip`, :mod:`sim.figures.abm_trajectory`): their colours and
words, the 2-D panels of a sweep (selection map, agreement, settled share), the colour
key of the selection map, disagreement hatching and outlines, and legends.

Heights are in inches, at the size the figure is printed (:mod:`sim.figures.style`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Patch

from sim.figures import axes as FA
from sim.figures import style as FS
from sim.figures.abm_data import selection_colours
from sim.figures.abm_words import EXACT_WORDS, exact_words
from sim.figures.style import NO_NE_COLOUR
from sim.figures.textfit import wrap_text
from sim.store.table import TableMeta

#: Disagreement overlay: cells whose modal agent-based regime is not an exact NE regime.
DISAGREE_COLOUR = "#EE7733"  # Tol "vibrant" orange: not a regime colour, visible on white and dark
DISAGREE_HATCH = "xx"
DISAGREE_LABEL = EXACT_WORDS["simultaneous"]["disagree"]  # the sequential game's: exact_words(meta.abm)
AGREEMENT_CMAP = "Purples_r"  # share of runs in an exact-NE regime: 1 = white, 0 = dark
AGREEMENT_LABEL = EXACT_WORDS["simultaneous"]["agreement"]
SETTLED_LABEL = EXACT_WORDS["simultaneous"]["settled"]
#: What a panel with nothing to show says, in words.
AGREE_EVERYWHERE = EXACT_WORDS["simultaneous"]["agree_everywhere"]
NO_NE_EVERYWHERE = EXACT_WORDS["simultaneous"]["none_everywhere"]
SETTLED_EVERYWHERE = EXACT_WORDS["simultaneous"]["settled_everywhere"]
KEY_LABEL = "share of runs in the modal regime"
#: Heights (in): a line of text (title, label, legend row), a row of the colour key.
LINE_H = 0.18
KEY_ROW_H = 0.16


# ----------------------------------------------------------------------------- cells


def sorted_edges(xs: np.ndarray, ys: np.ndarray):
    """Sort orders and cell edges of axis values ``xs`` (n_x,), ``ys`` (n_y,) ('list' axes
    may be unsorted): ``(ox, oy, (xe, x_log), (ye, y_log))``, edges of shape (n + 1,)."""
    ox, oy = np.argsort(xs, kind="stable"), np.argsort(ys, kind="stable")
    return ox, oy, FA.cell_edges(xs[ox]), FA.cell_edges(ys[oy])


def setup_2d(ax: Axes, meta: TableMeta, xe, xlog, ye, ylog, z=None) -> bool:
    """Axes as in :func:`sim.figures.axes.setup_2d`, with the baseline star (in a panel of a
    3rd-axis value ``z``, only if that is the baseline's). Returns whether it is drawn."""
    return FA.setup_2d(ax, meta, xe, xlog, ye, ylog, FA.baseline_point(meta, z))


def outline_cells(ax: Axes, xe, ye, mask: np.ndarray, colour: str) -> None:
    """Draw the boundary between masked and unmasked cells (``mask`` of shape (n_y, n_x)
    between edges ``xe``, ``ye``): cell edges, merged into runs."""
    m = np.pad(np.asarray(mask, dtype=bool), 1)
    segs = []
    horiz = m[1:, 1:-1] != m[:-1, 1:-1]  # (n_y + 1, n_x): edge between rows j-1 and j
    for j, row in enumerate(horiz):
        segs += [((xe[i0], ye[j]), (xe[i1], ye[j])) for i0, i1 in FA.true_runs(row)]
    vert = m[1:-1, 1:] != m[1:-1, :-1]  # (n_y, n_x + 1)
    for i, col in enumerate(vert.T):
        segs += [((xe[i], ye[j0]), (xe[i], ye[j1])) for j0, j1 in FA.true_runs(col)]
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


def no_frame(ax: Axes) -> None:
    """Hide the frame, ticks and labels of ``ax`` (a cell that holds only a legend)."""
    ax.set_axis_off()


def legend(ax_or_fig, handles, **kw):
    """A frameless legend of ``handles`` whose texts are shown as written (no mathtext)."""
    kw = {"frameon": False, "handlelength": 1.6, **kw}
    leg = ax_or_fig.legend(handles=handles, **kw)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return leg


def disagree_handle(anywhere: bool = True, meta: TableMeta | None = None) -> Patch:
    """Legend entry of the orange disagreement hatching (``" (nowhere)"`` if none is drawn),
    in the words of the game in ``meta.abm``."""
    label = exact_words(meta.abm if meta is not None else None)["disagree"]
    return Patch(facecolor="white", edgecolor=DISAGREE_COLOUR, hatch=DISAGREE_HATCH, linewidth=1.4,
                 label=label + ("" if anywhere else " (nowhere)"))


# ----------------------------------------------------------------------------- 2-D panels


def selection_panel(ax: Axes, meta: TableMeta, xs, ys, codes2, freq2, z=None) -> dict:
    """Draw the modal regime map (``codes2``, ``freq2`` of shape (n_y, n_x)) into ``ax``;
    returns ``{"codes": codes2 sorted as drawn, "baseline": whether the star is drawn}``."""
    ox, oy, (xe, xlog), (ye, ylog) = sorted_edges(xs, ys)
    codes2, freq2 = codes2[np.ix_(oy, ox)], freq2[np.ix_(oy, ox)]
    ax.pcolormesh(xe, ye, selection_colours(codes2, freq2, meta), shading="flat", antialiased=False,
                  linewidth=0, rasterized=True, gid="selection")
    shown = setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    return {"codes": codes2, "baseline": shown}


def agreement_panel(ax: Axes, meta: TableMeta, xs, ys, share2, mask2, z=None):
    """Share of runs in an exact-NE regime (``share2``, shape (n_y, n_x); NaN = no pure NE,
    grey); cells where ``mask2`` (the modal regime is not an exact-NE regime) hatched and
    outlined. Returns the mesh (for a colour bar) and ``{"baseline", "disagree", "no_ne"}``."""
    ox, oy, (xe, xlog), (ye, ylog) = sorted_edges(xs, ys)
    share2, mask2 = share2[np.ix_(oy, ox)], mask2[np.ix_(oy, ox)]
    cmap = matplotlib.colormaps[AGREEMENT_CMAP].with_extremes(bad=NO_NE_COLOUR)
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(share2), cmap=cmap, vmin=0.0, vmax=1.0, shading="flat",
                         antialiased=False, linewidth=0, rasterized=True, gid="agreement")
    FA.hatch_mask(ax, xe, ye, mask2, DISAGREE_COLOUR, DISAGREE_HATCH, zorder=3, gid="disagreement")
    outline_cells(ax, xe, ye, mask2, DISAGREE_COLOUR)
    shown = setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    words = exact_words(meta.abm)
    if np.all(share2 == 1.0):  # white everywhere: nothing to see, so say what that means
        FS.say_in_panel(ax, words["agree_everywhere"])
    elif np.all(np.isnan(share2)):  # grey everywhere: nothing to compare
        FS.say_in_panel(ax, words["none_everywhere"])
    return mesh, {"baseline": shown, "disagree": bool(mask2.any()), "no_ne": bool(np.isnan(share2).any())}


def settled_panel(ax: Axes, meta: TableMeta, xs, ys, settled2, z=None):
    """Share of runs settled on a pure NE (``settled2``, shape (n_y, n_x)), when the table has
    no exact NE columns. Returns the mesh and ``{"baseline", "disagree", "no_ne"}``."""
    ox, oy, (xe, xlog), (ye, ylog) = sorted_edges(xs, ys)
    mesh = ax.pcolormesh(xe, ye, settled2[np.ix_(oy, ox)], cmap=AGREEMENT_CMAP, vmin=0.0, vmax=1.0,
                         shading="flat", antialiased=False, linewidth=0, rasterized=True, gid="settled")
    shown = setup_2d(ax, meta, xe, xlog, ye, ylog, z)
    if np.all(settled2 == 1.0):  # white everywhere: say what that means
        FS.say_in_panel(ax, exact_words(meta.abm)["settled_everywhere"])
    return mesh, {"baseline": shown, "disagree": False, "no_ne": False}


def legend_height(labels: Sequence[str], ncols: int = 1) -> float:
    """Height (in) of a legend of ``labels`` in ``ncols`` columns (multi-line labels count)."""
    rows, big = divmod(len(labels), ncols)
    sizes = [rows + 1] * big + [rows] * (ncols - big)
    lines, k = [], 0
    for n in sizes:
        lines.append(sum(max(1, lab.count("\n") + 1) for lab in labels[k:k + n]))
        k += n
    return max(lines, default=0) * LINE_H + 0.1


def wrapped_note(note: str | None) -> tuple[str | None, float]:
    """A figure's note (its suptitle) wrapped to the page width, and the height (in) it takes."""
    if not note:
        return None, 0.0
    note = wrap_text(note, FS.PAGE_WIDTH - 0.2, "figure.titlesize")
    return note, 0.1 + 0.2 * (note.count("\n") + 1)
