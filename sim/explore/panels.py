"""The explorer's figures, drawn with matplotlib in the project's style and sent as PNG bytes.

Each function returns the PNG of one panel: the phase-diagram slice with the current
point marked (drawn by :mod:`sim.figures.axes`, as a run's phase diagram is), the regime
distributions under logit QRE and uncertain resolve, the agent-based trajectory and the
game tree (:func:`sim.figures.game_tree.game_tree_figure`, when that module exists).
Regimes keep their colours of every other figure (:func:`sim.figures.style.regime_colours`).

matplotlib's style (``rcParams``) is global, so panels drawn in the app's background
threads are drawn one at a time (:data:`DRAW_LOCK`).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.engine.scenario import Scenario
from sim.explore.agents import AT_NASH
from sim.explore.solve import Slice
from sim.explore.state import groups
from sim.figures import style as FS
from sim.figures.axes import draw_2d, legend_handles
from sim.figures.textfit import wrap_text
from sim.store.table import TableMeta

DRAW_LOCK = threading.Lock()  #: one figure at a time: rcParams are global
DPI = 110  #: screen pixels per inch of the PNGs
POINT_LABEL = "current point"
WIDTH = 5.0  #: width (in) of a panel in a half-width column
NARROW = 4.2  #: width (in) of a panel in a narrower column (the trajectory's, beside the tree)


def png(build: Callable[[], Figure]) -> bytes:
    """The PNG bytes of the figure ``build()`` draws, under the project's style."""
    import matplotlib

    with DRAW_LOCK, matplotlib.rc_context(FS.STYLE):
        fig = build()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def slice_meta(sc: Scenario, sl: Slice, x: float, y: float) -> TableMeta:
    """The metadata :mod:`sim.figures.axes` draws a 2-axis panel from."""
    units = {s.name: s.unit for g in groups(sc) for s in g.sliders}
    axes = tuple({"param": a.param, "n": n, "unit": units[a.param]} for a, n in ((sl.x, len(sl.xs)), (sl.y, len(sl.ys))))
    return TableMeta(sc.name, tuple(sc.regimes), axes, {sl.x.param: x, sl.y.param: y})


def slice_figure(sc: Scenario, sl: Slice, x: float, y: float) -> Figure:
    """The subgame-perfect regime over the slice, the point ``(x, y)`` starred (if inside)."""
    fig = Figure(figsize=(WIDTH, 4.2), layout="constrained")
    ax = fig.add_subplot()
    meta = slice_meta(sc, sl, x, y)
    info = draw_2d(ax, meta, sl.xs, sl.ys, sl.codes, None, (x, y))
    handles = legend_handles(meta, info["codes"], baseline=info["baseline"], baseline_label=POINT_LABEL)
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, handlelength=1.4,
               columnspacing=1.2)
    return fig


def slice_png(sc: Scenario, sl: Slice, x: float, y: float) -> bytes:
    """PNG of :func:`slice_figure`."""
    return png(lambda: slice_figure(sc, sl, x, y))


def _bars(ax, sc: Scenario, probs: np.ndarray | None, title: str, note: str) -> None:
    """Horizontal bars of the probability of each regime (colours by regime), in percent."""
    colours = FS.regime_colours(sc.regimes)
    y = np.arange(len(sc.regimes))[::-1]
    ax.set_title(wrap_text(title, 1.9, "axes.titlesize"), parse_math=False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability (%)")
    ax.set_yticks(y, [wrap_text(r, 1.3, "ytick.labelsize") for r in sc.regimes])
    if probs is None:
        FS.say_in_panel(ax, note)
        return
    ax.barh(y, 100 * probs, color=[colours[r] for r in sc.regimes], height=0.7)
    for yy, p in zip(y, probs):
        inside = p > 0.8  # a long bar carries its number inside, in white
        ax.text(100 * p + (-2 if inside else 2), yy, f"{100 * p:.0f} %", va="center", fontsize=8,
                ha="right" if inside else "left", color="white" if inside else "black")


def distribution_figure(sc: Scenario, qre: np.ndarray, bayes: np.ndarray | None, lam: float,
                        prior_text: str) -> Figure:
    """Two panels: the regime distribution under the logit QRE (rationality ``lam``,
    1/($bn/yr)) and under uncertain resolve (``prior_text`` names the prior)."""
    fig = Figure(figsize=(WIDTH, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    _bars(left, sc, qre, f"Logit QRE (sequential game), λ = {lam:g} per $bn/yr", "")
    _bars(right, sc, bayes, f"Uncertain resolve, {prior_text}",
          "this scenario has no actor of uncertain type")
    right.tick_params(labelleft=False)
    return fig


def distribution_png(sc: Scenario, qre: np.ndarray, bayes: np.ndarray | None, lam: float, prior_text: str) -> bytes:
    """PNG of :func:`distribution_figure`."""
    return png(lambda: distribution_figure(sc, qre, bayes, lam, prior_text))


def trajectory_figure(sc: Scenario, frame: pd.DataFrame, title: str) -> Figure:
    """Share of runs in each regime, step by step (regime colours), and at a pure Nash
    equilibrium (black, dashed)."""
    fig = Figure(figsize=(NARROW, 3.9), layout="constrained")
    ax = fig.add_subplot()
    colours = FS.regime_colours(sc.regimes)
    steps = frame.index.to_numpy()
    for r in sc.regimes:
        ax.plot(steps, 100 * frame[r].to_numpy(), color=colours[r], linewidth=1.8, label=r)
    ax.plot(steps, 100 * frame[AT_NASH].to_numpy(), color="black", linestyle=(0, (4, 2)), linewidth=1.3,
            label="at a pure Nash eq.")
    ax.set_xlim(steps[0], steps[-1])
    ax.set_ylim(-2, 102)
    ax.set_xlabel("step")
    ax.set_ylabel("share of runs (%)")
    ax.set_title(wrap_text(title, NARROW - 0.4, "axes.titlesize"), parse_math=False)
    fig.legend(loc="outside lower center", ncols=2, frameon=False, handlelength=1.8, columnspacing=1.2)
    return fig


def trajectory_png(sc: Scenario, frame: pd.DataFrame, title: str) -> bytes:
    """PNG of :func:`trajectory_figure`."""
    return png(lambda: trajectory_figure(sc, frame, title))


def tree_builder():
    """``sim.figures.game_tree.game_tree_figure``, or None where that module is not there yet."""
    try:
        from sim.figures.game_tree import game_tree_figure
    except ImportError:
        return None
    return game_tree_figure


def tree_png(sc: Scenario, params) -> bytes | None:
    """PNG of the game tree at ``params`` with the equilibrium path, or None if the game
    tree figure is not available."""
    build = tree_builder()
    if build is None:
        return None
    return png(lambda: build(sc, params))  # its own title names the point's regime
