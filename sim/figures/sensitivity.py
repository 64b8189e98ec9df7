"""The figure of a sensitivity analysis: bars of its indices, one panel per regime.

Drawn from the analysis's table alone (``sensitivity.parquet``, written by
:mod:`sim.analysis.sensitivity`; one row per (regime, parameter)): Sobol tables show the
first-order and total indices :math:`S_1`, :math:`S_T` with their bootstrap intervals,
Morris tables :math:`\\mu^*` (with its interval) and :math:`\\sigma`. Parameters are named
by their labels and units from the scenario the table's metadata names. Imports only
:mod:`sim.figures.style` and :mod:`sim.figures.textfit` (and matplotlib, on use).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.store import rundir

if TYPE_CHECKING:  # matplotlib is imported on use
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Schema-metadata key of a sensitivity table (JSON: method, n, seed, conf_level, concept,
#: scenario, regimes, ...), written by :mod:`sim.analysis.sensitivity`.
META_KEY = b"sim.analysis.sensitivity"
FIGURE_NAME = rundir.SENSITIVITY_FIGURE
DEFAULT_CONF_LEVEL = 0.95  #: for tables whose metadata does not say

#: Bar colours (Paul Tol's colour-blind-safe "high-contrast" blue and yellow).
FIRST_COLOUR = "#004488"
TOTAL_COLOUR = "#DDAA33"

#: Per method, the two bars of a parameter: (column, interval column or None, legend text).
FIELDS = {
    "sobol": (("S1", "S1_conf", r"first-order index $S_1$"), ("ST", "ST_conf", r"total index $S_T$")),
    "morris": (("mu_star", "mu_star_conf", r"$\mu^*$ (mean |elementary effect|)"), ("sigma", None, r"$\sigma$ (spread)")),
}
#: Per method: the column that ranks the parameters of a panel, the x label, the title.
RANK = {"sobol": "ST", "morris": "mu_star"}
XLABEL = {"sobol": "share of variance", "morris": "elementary effect (per range)"}
TITLE = {"sobol": "Sobol indices", "morris": "Morris screening"}
BAR_HEIGHT = 0.38  #: of a bar, in units of the distance between two parameters


def table_meta(table: pa.Table) -> dict:
    """The analysis metadata of a sensitivity ``table`` (empty if it has none)."""
    return json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))


def _tex_safe(s: str) -> str:
    """``s`` with ``$`` escaped, so "$bn/yr" is not read as mathtext."""
    return s.replace("$", r"\$")


def _top(ok: pd.DataFrame, regime: str, key: str, k: int) -> pd.DataFrame:
    """The ``k`` rows of ``regime`` with the largest ``key`` (ties by parameter name)."""
    return ok[ok["regime"] == regime].sort_values([key, "param"], ascending=[False, True], kind="stable").head(k)


@dataclass(frozen=True)
class _Plan:
    """What the figure shows, decided from the table before anything is drawn.

    ``ok``: the rows of regimes analysed; ``regimes``: one panel each, in regime order;
    ``shares``: each regime's share of the sample; ``skipped``: regimes constant in the
    sample (named in the title); ``k``: parameters a panel; ``scenario``: whose labels
    name the parameters; ``conf_level``: of the intervals.
    """

    method: str
    ok: pd.DataFrame
    regimes: tuple[str, ...]
    shares: dict[str, float]
    skipped: tuple[str, ...]
    k: int
    scenario: str | None
    conf_level: float

    @property
    def fields(self) -> tuple:
        return FIELDS[self.method]

    def top(self, regime: str) -> pd.DataFrame:
        """The rows of ``regime``'s panel, largest index first."""
        return _top(self.ok, regime, RANK[self.method], self.k)


def _plan(table: pa.Table, top_k: int, max_panels: int) -> _Plan:
    df = table.to_pandas()
    if "param2" in df:
        df = df[df["param2"].isna()]
    meta = table_meta(table)
    ok = df[df["status"] == "ok"]
    regimes = list(dict.fromkeys(ok["regime"]))
    shares = {r: float(ok.loc[ok["regime"] == r, "share"].iloc[0]) for r in regimes}
    if len(regimes) > max_panels:  # the regimes with the largest shares, in regime order
        keep = set(sorted(regimes, key=lambda r: -shares[r])[:max_panels])
        regimes = [r for r in regimes if r in keep]
    skipped = tuple(r for r in dict.fromkeys(df["regime"]) if r not in shares)
    k = max(1, min(top_k, int(df["param"].nunique())))
    return _Plan(df["method"].iloc[0], ok, tuple(regimes), shares, skipped, k, meta.get("scenario"),
                 float(meta.get("conf_level", DEFAULT_CONF_LEVEL)))


def _handles(plan: _Plan) -> list:
    """Legend entries: the two bars, then the interval."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, label=lab) for (_, _, lab), c in zip(plan.fields, (FIRST_COLOUR, TOTAL_COLOUR))]
    handles.append(Line2D([], [], color="black", linewidth=0.8, marker="|", markersize=6,
                          label=f"{plan.conf_level:.0%} bootstrap interval"))
    return handles


def _title(plan: _Plan, width: float) -> str:
    from sim.figures.textfit import wrap_text

    title = TITLE[plan.method] + " of the regime indicators (in parentheses: share of the sample in the regime)"
    if plan.skipped:
        title += "; constant in the sample, not analysed: " + ", ".join(plan.skipped)
    return wrap_text(title, width - 0.2, "figure.titlesize")


def _tick_labels(plan: _Plan, room: float) -> dict[str, list[str]]:
    """Per panel, its parameters as ``"<label> (<unit>)"``, wrapped to ``room`` inches."""
    from sim.engine.params import with_unit
    from sim.figures.style import param_label
    from sim.figures.textfit import wrap_text

    return {r: [_tex_safe(wrap_text(with_unit(param_label(plan.scenario, prm), u), room, "ytick.labelsize"))
                for prm, u in zip(sub["param"], sub["unit"])]
            for r, sub in ((r, plan.top(r)) for r in plan.regimes)}


def _draw_panel(ax: Axes, plan: _Plan, p: int, labels: list[str]) -> tuple[float, float]:
    """Panel ``p``: the bars of its regime's top parameters; (lowest, highest) x drawn."""
    from sim.figures.style import panel_title, say_in_panel

    r = plan.regimes[p]
    sub = plan.top(r)
    y = np.arange(len(sub))
    lo, hi = 0.0, 0.0
    for (col, conf, _), colour, dy in zip(plan.fields, (FIRST_COLOUR, TOTAL_COLOUR), (-BAR_HEIGHT / 2, BAR_HEIGHT / 2)):
        vals = sub[col].to_numpy(float)
        err = sub[conf].to_numpy(float) if conf else None
        ax.barh(y + dy, vals, height=BAR_HEIGHT, color=colour, xerr=err, zorder=2,
                error_kw=dict(ecolor="black", elinewidth=0.8, capsize=1.8))
        lo = min(lo, float(np.nanmin(vals - (err if err is not None else 0))))
        hi = max(hi, float(np.nanmax(vals + (err if err is not None else 0))))
    ax.set_yticks(y, labels, linespacing=1.0)
    ax.set_ylim(len(sub) - 0.5, -0.5)
    ax.axvline(0, color="black", linewidth=0.6, zorder=3)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6, zorder=0)
    # right-aligned: a title wider than the bars runs over its own labels, not the next panel
    ax.set_title(_tex_safe(panel_title(p, len(plan.regimes), f"{r} ({plan.shares[r]:.0%})")), loc="right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not np.any(np.nan_to_num(sub[[c for c, _, _ in plan.fields]].to_numpy(float))):  # no bar to see
        say_in_panel(ax, "every index is 0 in this sample")
    return lo, hi


def _size(plan: _Plan, width: float, nrows: int, labels: dict, title: str, legend_rows: int) -> tuple[float, float]:
    """(width, height) in inches: a bar pair per parameter as high as its label."""
    lines = max((lab.count("\n") + 1 for labs in labels.values() for lab in labs), default=1)
    row_h = 0.19 + 0.05 * (lines - 1)
    return width, nrows * (row_h * plan.k + 0.85) + 0.25 * (title.count("\n") + 1) + 0.2 * legend_rows + 0.3


def _figure(plan: _Plan) -> Figure:
    from matplotlib.figure import Figure

    from sim.figures.style import COLUMN_WIDTH, PAGE_WIDTH
    from sim.figures.textfit import legend_ncols, text_width, wrap_text

    n_panels = max(1, len(plan.regimes))
    ncols = min(2, n_panels)  # a page wide (a column for one panel): two panels a row
    nrows = math.ceil(n_panels / ncols)
    width = PAGE_WIDTH if ncols > 1 else COLUMN_WIDTH
    handles = _handles(plan)
    leg_cols = legend_ncols([h.get_label() for h in handles], width - 0.2)
    title = _title(plan, width)
    labels = _tick_labels(plan, min(1.8, 0.55 * width / ncols))  # at most two lines; the bars keep the rest
    # an x label no wider than the bars' axes (the layout does not make room for a wider one)
    label_w = max((text_width(lab, "ytick.labelsize") for labs in labels.values() for lab in labs), default=0.0)
    xlabel = wrap_text(XLABEL[plan.method], max(width / ncols - label_w - 0.35, 0.5), "axes.labelsize")
    fig = Figure(figsize=_size(plan, width, nrows, labels, title, math.ceil(len(handles) / leg_cols)),
                 layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    lo, hi = 0.0, 0.0
    for p, ax in enumerate(axs.flat):
        if p >= len(plan.regimes):
            ax.set_visible(False)
            continue
        lo_p, hi_p = _draw_panel(ax, plan, p, labels[plan.regimes[p]])
        lo, hi = min(lo, lo_p), max(hi, hi_p)
    for p in range(max(0, len(plan.regimes) - ncols), len(plan.regimes)):  # the lowest panel of each column
        axs.flat[p].set_xlabel(xlabel)
        axs.flat[p].tick_params(labelbottom=True)
    span = hi - lo or 1.0
    axs.flat[0].set_xlim(lo - 0.03 * span, hi + 0.05 * span)
    if not plan.regimes:  # nothing to draw: say so where the panels would be
        fig.text(0.5, 0.5, wrap_text("No regime's indicator varies in the sample: no indices to show", width - 0.4),
                 ha="center", va="center", gid="panel_note")
    fig.suptitle(_tex_safe(title))
    fig.legend(handles=handles, loc="outside lower center", ncols=leg_cols, frameon=False)
    return fig


def figure(table: pa.Table, top_k: int = 10, max_panels: int = 6) -> Figure:
    """Bar charts of the indices: one panel per regime that occurs in the sample.

    Parameters
    ----------
    table : pyarrow.Table
        A sensitivity table (:func:`sim.analysis.sensitivity.sobol` or ``morris``; one row
        per (regime, parameter), pairwise rows of second-order tables are left out).
    top_k : int
        Parameters shown per panel: the ``top_k`` largest by :math:`S_T` (Sobol) or
        :math:`\\mu^*` (Morris), largest on top, labelled ``"<label> (<unit>)"`` from the
        metadata of the scenario the table names (:func:`sim.figures.style.param_label`;
        the dotted name where it is unknown).
    max_panels : int
        At most this many panels (the regimes with the largest shares, in regime order).

    Returns
    -------
    Figure
        A page wide with several panels (two a row), a column wide with one. Sobol:
        horizontal bars of :math:`S_1` and :math:`S_T` with interval error bars; Morris:
        :math:`\\mu^*` (with its interval) and :math:`\\sigma`. Shared x axis; one legend
        below. Panels are lettered when there are several; with no regime to analyse, the
        figure says so.
    """
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _figure(_plan(table, top_k, max_panels))


def save_figure(fig: Figure, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Save ``fig`` as ``out_dir/sensitivity.<fmt>`` per format, atomically and without
    timestamps (:func:`sim.figures.style.save`); returns the paths written."""
    from sim.figures.style import save_formats

    return save_formats(fig, out_dir, FIGURE_NAME, formats)
