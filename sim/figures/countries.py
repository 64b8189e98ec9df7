"""The three-country figure: the model's regime shares per country, the observed outcome marked.

Drawn from ``countries.parquet`` alone (:mod:`sim.analysis.countries`): panel (a), for each
country one bar split into the share of draws in each regime (the scenario's regime
colours, :func:`sim.figures.style.regime_colours`), the observed regime's segment outlined
in black, ★ in the segment of the SPE regime at the calibrated values; panel (b), the
probability of the observed outcome with its 95 % interval, three ways: the observed
regime, the regime and the US's step of coercion both, and the regime with the
neutralised Iranian channel drawn too. :func:`caption` is the text written beside it.
Imports only :mod:`sim.figures.style`, :mod:`sim.figures.textfit` and the config's names
(matplotlib on use).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.config.countries import META_KEY
from sim.scenarios.countries import CALIBRATIONS
from sim.store.columns import slug

if TYPE_CHECKING:  # matplotlib is imported on use
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.config.validate import RunConfig

#: What the US did, in words, by coercion step.
RESPONSE_WORDS = {"accommodate": "no sanctions", "waiver": "energy waiver revoked",
                  "targeted": "targeted sanctions", "severe": "severe sanctions"}
#: Panel (b)'s three probabilities: column, marker, legend text.
MEASURES = (("p_observed", "o", "P(regime)"),
            ("p_observed_outcome", "D", "P(regime and US response)"),
            ("p_observed_iran_varied", "s", "P(regime), Iranian channel drawn"))


def table_meta(table: pa.Table) -> dict:
    """The JSON metadata of a ``countries.parquet`` table."""
    raw = (table.schema.metadata or {}).get(META_KEY)
    return json.loads(raw) if raw else {}


def _shares_panel(ax: Axes, rows: list[dict], regimes: list[str], colours: dict) -> None:
    """Panel (a): a stacked bar of regime shares per country; observed outlined, SPE starred."""
    for y, row in enumerate(rows):
        left = 0.0
        for regime in regimes:
            width = row[f"share_{slug(regime)}"]
            observed = regime == row["observed_regime"]
            ax.barh(y, width, left=left, height=0.6, color=colours[regime], zorder=2,
                    edgecolor="black" if observed else "white", linewidth=2.0 if observed else 0.5)
            if regime == row["model_regime"]:
                ax.plot(left + width / 2, y, marker="*", markersize=11, color="black", markeredgecolor="white",
                        markeredgewidth=0.8, zorder=4, linestyle="none")
            left += width
        ax.text(0.005, y - 0.36, f"record: {row['observed_regime']}, {RESPONSE_WORDS[row['observed_coercion']]}",
                ha="left", va="bottom", fontsize=8)
        ax.text(1.0, y - 0.36, f"SPE: {RESPONSE_WORDS[row['model_coercion']]}", ha="right", va="bottom", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows) - 0.5, -0.8)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of draws (subgame-perfect regime)")
    ax.set_title("(a) Regime shares over the documented ranges", loc="left")


def _probability_panel(ax: Axes, rows: list[dict]) -> None:
    """Panel (b): the three probabilities of the observed outcome, 95 % intervals as whiskers."""
    offsets = np.linspace(-0.25, 0.25, len(MEASURES))
    for (col, marker, label), dy in zip(MEASURES, offsets):
        p = np.array([r[col] for r in rows])
        high = np.array([r[f"{col}_high"] for r in rows])
        err = np.vstack([p - [r[f"{col}_low"] for r in rows], high - p])
        ax.errorbar(p, np.arange(len(rows)) + dy, xerr=err, fmt=marker, color="black", markersize=5,
                    markerfacecolor="white" if marker == "s" else "black", elinewidth=0.8, capsize=2,
                    label=label, zorder=3)
        for y, (v, h) in enumerate(zip(p, high)):  # right of the whisker
            ax.text(h + 0.03, y + dy, f"{v:.0%}", ha="left", va="center", fontsize=8, zorder=4)
    ax.set_xlim(0, 1)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6, zorder=0)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("model's probability of the record")
    ax.set_title("(b) The record's probability", loc="left")


def _figure(table: pa.Table) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.figures.style import PAGE_WIDTH, regime_colours
    from sim.figures.textfit import wrap_text

    meta, rows = table_meta(table), table.to_pylist()
    regimes = meta.get("regimes") or [c[len("share_"):] for c in table.column_names if c.startswith("share_")]
    colours = regime_colours(regimes)
    fig = Figure(figsize=(PAGE_WIDTH, 2.0 + 0.8 * len(rows)), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2, width_ratios=[1.5, 1.0], sharey=True)
    _shares_panel(ax_a, rows, regimes, colours)
    _probability_panel(ax_b, rows)
    ax_a.set_yticks(range(len(rows)), [r["country"] for r in rows], fontsize=9)
    for ax in (ax_a, ax_b):
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=colours[r], label=r) for r in regimes]
    handles += [Patch(facecolor="white", edgecolor="black", linewidth=2.0, label="regime on the record"),
                Line2D([], [], marker="*", color="black", markeredgecolor="white", linestyle="none", markersize=11,
                       label="SPE at the calibration")]
    handles += [Line2D([], [], marker=m, color="black", markerfacecolor="white" if m == "s" else "black",
                       linestyle="none", label=label) for _, m, label in MEASURES]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    title = (f"One game, {len(rows)} countries: n = {meta.get('n', 0):,} draws per country, each parameter uniform "
             f"over its calibration's documented range, seed {meta.get('seed', 0)}; Wilson 95 % intervals")
    fig.suptitle(wrap_text(title, PAGE_WIDTH - 0.3, "figure.titlesize").replace("$", r"\$"))
    return fig


def figure(table: pa.Table) -> Figure:
    """The three-country figure of ``table`` (``countries.parquet``), a page wide:
    (a) regime shares per country, observed regime outlined, SPE at the calibration ★;
    (b) P(observed regime), P(regime and US response), P(regime) with the Iranian channel drawn."""
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _figure(table)


def caption(cfg: RunConfig, figure_stem: str, run_id: str, config_hash: str) -> str:
    """The caption written beside the figure of a countries run (``cfg.countries`` set)."""
    c = cfg.countries
    parts = [
        f"One game, three countries — experiment '{cfg.name}'.",
        f"Model 2 (the same players, actions, payoff terms and regimes) calibrated for {', '.join(c.countries)} "
        f"(scenarios {', '.join(CALIBRATIONS[k].scenario.name for k in c.countries)}; docs/calibration-countries.md). "
        f"(a) For each country, the share of n = {c.n:,} draws in each subgame-perfect regime, every parameter drawn "
        "independently and uniformly over its calibration's documented range except the neutralised Iranian channel "
        "(held at its calibrated values); black outline: the regime on the record; ★: the SPE regime at the "
        "calibrated values; above each bar, the regime and US response on the record (left) and the US response in "
        "that SPE (right).",
        "(b) The model's probability of the observed outcome, with its 95 % Wilson interval: ● the observed regime; "
        "◆ the observed regime and the US's step of coercion both (Turkey's sanctions and India's accommodation are "
        "both a Russian pivot); □ the observed regime with the Iranian channel drawn over Model 2's ranges as well "
        f"(the same draws of the other parameters). Seed {c.seed}, one stream per country and pass.",
        f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per year.",
    ]
    return " ".join(parts) + "\n"
