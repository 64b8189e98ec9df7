"""The back-test's figure: the 2020-2022 record against the dynamic game's probabilities,
quarter by quarter, drawn from ``backtest.parquet`` alone (:mod:`sim.analysis.backtest`).

(a) The model's probability of each US posture from the observed state, with the posture
the record shows marked and the troop count on a second axis; (b) the energy waiver's
length (record) and the model's probability that the US coerces (revokes it or more);
(c) the log-likelihood of each quarter's record under the model (with the US's reputation
as a state, and without: the US known to be committed) and the two baselines,
with the fit quarters shaded and each split's totals in the legend.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure

from sim.figures.style import PAGE_WIDTH, panel_title, styled

POSTURE_COLOURS = {"maintain": "#4477AA", "advisory": "#228833", "withdraw": "#CCBB44"}
POSTURE_WORDS = {"maintain": "full presence", "advisory": "advisers", "withdraw": "withdrawal"}
SCORE_STYLE = {"model": ("#000000", "o", "dynamic game with reputation (logit QRE)"),
               "fixed_kappa": ("#999999", "x", "the same, US known to be committed"),
               "persistence": ("#EE6677", "s", "persistence"),
               "frequency": ("#66CCEE", "^", "2020 frequency")}
FIT_SHADE = "#EEEEEE"


@styled
def backtest_figure(table: pa.Table) -> Figure:
    """Three panels sharing the quarters (module docstring)."""
    cols = table.to_pydict()
    meta = json.loads((table.schema.metadata or {}).get(b"sim", b"{}"))
    x = np.arange(len(cols["quarter"]))
    fig = Figure(figsize=(PAGE_WIDTH, 7.4), layout="constrained")
    axs = fig.subplots(3, 1, sharex=True, height_ratios=(1.25, 0.9, 1.1))
    fit = np.array([s == "fit" for s in cols["split"]])
    for ax in axs:
        _shade_fit(ax, x, fit)
    _posture_panel(axs[0], x, cols)
    _waiver_panel(axs[1], x, cols)
    _score_panel(axs[2], x, cols, meta)
    axs[2].set_xticks(x, cols["quarter"], rotation=45, ha="right")
    axs[2].set_xlabel("Quarter (shaded: fitted; the rest scored out of sample)")
    return fig


def _shade_fit(ax, x: np.ndarray, fit: np.ndarray) -> None:
    if fit.any():
        ax.axvspan(x[fit].min() - 0.5, x[fit].max() + 0.5, color=FIT_SHADE, zorder=0, linewidth=0)


def _posture_panel(ax, x: np.ndarray, cols: dict) -> None:
    """(a) P(posture) as stacked bars, the record's posture marked, troops on a twin axis."""
    bottom = np.zeros(len(x))
    for name, colour in POSTURE_COLOURS.items():
        p = np.asarray(cols[f"p_posture_{name}"], dtype=float)
        ax.bar(x, p, bottom=bottom, width=0.7, color=colour, label=f"model: {POSTURE_WORDS[name]}", zorder=2)
        bottom += p
    names = list(POSTURE_COLOURS)
    starts = np.cumsum([np.zeros(len(x))] + [np.asarray(cols[f"p_posture_{n}"], dtype=float) for n in names], axis=0)
    for k, (xi, name) in enumerate(zip(x, cols["observed_posture"])):  # outline the record's posture
        j = names.index(name)
        ax.bar(xi, max(starts[j + 1][k] - starts[j][k], 0.02), bottom=starts[j][k], width=0.7, fill=False,
               edgecolor="black", linewidth=1.8, zorder=3, label="the record's posture (outlined)" if k == 0 else None)
    ax.set_ylim(0, 1.42)
    ax.set_yticks([0, 0.5, 1])
    ax.set_ylabel("P(US posture)")
    twin = ax.twinx()
    twin.step(x, np.asarray(cols["us_troops"]) / 1000, where="mid", color="black", linewidth=1.4,
              label="US troops (record)")
    twin.set_ylim(0, 7.5)
    twin.set_ylabel("US troops (thousands)")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 1.0), ncols=3, frameon=False, fontsize=8)
    ax.set_title(panel_title(0, 3, "US troop posture: the model's probabilities and the record"), parse_math=False)


def _waiver_panel(ax, x: np.ndarray, cols: dict) -> None:
    """(b) Waiver length (record) and the model's P(coercion)."""
    ax.bar(x, cols["waiver_days"], width=0.6, color="#BBBBBB", label="energy waiver granted (record, days)", zorder=2)
    ax.set_ylabel("Waiver (days)")
    ax.set_ylim(0, 160)
    twin = ax.twinx()
    twin.plot(x, cols["p_coercion"], color="#AA3377", marker="o", label="model: P(waiver revoked or more)")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("Probability")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", ncols=2, frameon=False, fontsize=8)
    ax.set_title(panel_title(1, 3, "Coercion: the waivers granted, and the model's probability of revoking"),
                 parse_math=False)


def _score_panel(ax, x: np.ndarray, cols: dict, meta: dict) -> None:
    """(c) Log-likelihood per quarter of the three predictors, with the split totals."""
    totals = meta.get("totals", {})
    for name, (colour, marker, words) in SCORE_STYLE.items():
        fit_total, test_total = totals.get(f"{name}_fit"), totals.get(f"{name}_test")
        label = words if fit_total is None else f"{words}: fit {fit_total:.1f}, test {test_total:.1f}"
        ax.plot(x, cols[f"loglik_{name}"], color=colour, marker=marker, linewidth=1.2, label=label, zorder=3)
    ax.set_ylabel("Log-likelihood of\nthe quarter's record")
    values = np.concatenate([np.asarray(cols[f"loglik_{n}"], dtype=float) for n in SCORE_STYLE])
    ax.set_ylim(values.min() - 0.45 * (values.max() - values.min()) - 0.5, values.max() + 0.5)
    ax.legend(loc="lower right", frameon=False, fontsize=8, title="total log-likelihood", title_fontsize=8, ncols=1)
    fitted = ""
    if "lam" in meta:
        fitted = (f" (fitted: λ = {meta['lam']:.3g}/$bn, adjustment {meta['adjust_cost']:.3g} $bn, "
                  f"P(committed) {meta.get('committed_prior', 1.0):.2g}, ε = {meta['eps']:.3g})")
    ax.set_title(panel_title(2, 3, "Score per quarter" + fitted), parse_math=False)
