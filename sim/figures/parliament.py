"""Figures of the two-level game (issue 15), drawn from a run's saved tables.

* :func:`parliament_map`: over the sweep's two axes, (a) the most likely regime, (b) the
  probability that Iraq demands that US troops leave, (c) the probability that the
  parliament passes the exit resolution voting on its principle (all else unchanged),
  (d) the share of present seats that would vote for it weighing the US's answer.
* :func:`parliament_figure`: at the run's baseline, the calibrated parliament beside a
  counterfactual one (``parliament.parquet``, ``parliament_outcomes.parquet``): (a) each
  bloc's seats and its vote on the resolution, (b) the probability of each of Iraq's options.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.figures.axes import (axis_values, baseline_point, check_rows, common_legend, draw_2d, game_grids,
                              legend_handles)
from sim.figures.phase import probability_panel
from sim.figures.style import BASELINE_LABEL, PAGE_WIDTH, panel_title, styled
from sim.store.table import ResultsError, TableMeta

#: Colours of a member's vote on the resolution (Okabe-Ito, colour-blind safe).
VOTE_COLOURS = {"yes": "#D55E00", "no": "#0072B2", "absent": "#BBBBBB"}
VOTE_WORDS = {"yes": "votes for the resolution", "no": "votes against", "absent": "absent (boycott) or no seats"}
PARLIAMENT_SHADES = ("#444444", "#AAAAAA")


@styled
def parliament_map(table: pa.Table, meta: TableMeta, baseline_label: str = BASELINE_LABEL) -> Figure:
    """Four panels over a 2-axis sweep of the two-level game (module docstring)."""
    if len(check_rows(table, meta)) != 2:
        raise ResultsError("the parliament map needs a sweep over two axes")
    fig = Figure(figsize=(PAGE_WIDTH, 6.6), layout="constrained")
    axs = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    xs, ys = axis_values(table, meta)
    base = baseline_point(meta)
    codes, _ = game_grids(table, meta, "twolevel")
    info = draw_2d(axs[0], meta, xs, ys, codes.T, None, base)
    axs[0].set_title(panel_title(0, 4, "Two-level game:\nmost likely regime"), parse_math=False)
    panels = (("twolevel_p_exit", "P(Iraq demands\nthat US troops leave)", "probability"),
              ("twolevel_resolution_passes", "P(parliament passes the\nresolution on its principle)", "probability"),
              ("twolevel_vote_consequence", "Vote for it, weighing\nthe US's answer", "share of present seats"))
    for k, (column, title, label) in enumerate(panels, start=1):
        probability_panel(fig, axs[k], table, meta, column, base, label)
        axs[k].set_title(panel_title(k, 4, title), parse_math=False)
    for ax in axs:
        ax.label_outer()
    common_legend(fig, legend_handles(meta, info["codes"].ravel(), False, info["baseline"],
                                      baseline_label=baseline_label))
    return fig


@styled
def parliament_figure(members: pa.Table, outcomes: pa.Table) -> Figure:
    """The calibrated and the counterfactual parliament at the baseline (module docstring)."""
    m = members.to_pydict()
    o = outcomes.to_pydict()
    labels = list(dict.fromkeys(m["parliament"]))
    fig = Figure(figsize=(PAGE_WIDTH, 4.4), layout="constrained")
    ax_seats, ax_opts = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
    _seat_panel(ax_seats, m, labels)
    _option_panel(ax_opts, o, labels)
    shown = set(m["vote_principle"])
    handles = [Patch(facecolor=VOTE_COLOURS[v], label=VOTE_WORDS[v]) for v in VOTE_COLOURS if v in shown]
    handles += [Patch(facecolor="white", edgecolor="black", hatch=h, label=lab)
                for h, lab in zip(("", "///"), labels)]
    common_legend(fig, handles)
    return fig


def _seat_panel(ax, m: dict, labels: list[str]) -> None:
    """(a) Seats of each bloc in each parliament, coloured by its vote on the resolution."""
    blocs = [name for name, p, s in zip(m["member"], m["parliament"], m["seats"]) if p == labels[0]]
    blocs = [b for b in blocs if not b.startswith("Executive")]
    y = np.arange(len(blocs))
    height = 0.8 / len(labels)
    for j, label in enumerate(labels):
        rows = {mem: k for k, (mem, p) in enumerate(zip(m["member"], m["parliament"])) if p == label}
        seats = [m["seats"][rows[b]] for b in blocs]
        colours = [VOTE_COLOURS[m["vote_principle"][rows[b]]] for b in blocs]
        ax.barh(y + (j - (len(labels) - 1) / 2) * height, seats, height=height, color=colours,
                edgecolor="black", linewidth=0.4, hatch="///" if j else "")
    ax.set_yticks(y, blocs)
    ax.invert_yaxis()
    ax.set_xlabel("Seats (of 329)")
    ax.set_title(panel_title(0, 2, "Seats and the vote on\nthe exit resolution"), parse_math=False)


def _option_panel(ax, o: dict, labels: list[str]) -> None:
    """(b) Probability of each of Iraq's options under each parliament (log scale)."""
    options = list(dict.fromkeys(n for n, k in zip(o["name"], o["kind"]) if k == "option"))
    y = np.arange(len(options))
    height = 0.8 / len(labels)
    floor = 1e-4
    for j, label in enumerate(labels):
        probs = {n: p for n, k, pl, p in zip(o["name"], o["kind"], o["parliament"], o["probability"])
                 if k == "option" and pl == label}
        values = np.array([max(probs[n], floor) for n in options])
        ax.barh(y + (j - (len(labels) - 1) / 2) * height, values, height=height, color=PARLIAMENT_SHADES[0],
                edgecolor="black", linewidth=0.4, hatch="///" if j else "", alpha=0.9 if j == 0 else 0.5)
    ax.set_xscale("log")
    ax.set_xlim(floor, 1.0)
    ax.set_yticks(y, [_option_words(n) for n in options])
    ax.invert_yaxis()
    ax.set_xlabel("Probability (log scale)")
    ax.set_title(panel_title(1, 2, "Iraq's move: demand\n+ tie with Russia"), parse_math=False)


def _option_words(code: str) -> str:
    """A short form of an option code for a tick label: 'advisers+status_quo' -> 'advisers + status quo'."""
    return code.replace("+", " + ").replace("_", " ")
