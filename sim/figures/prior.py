"""The figure of a prior-predictive analysis (``sensitivity.method=prior``).

Drawn from its table alone (``sensitivity.parquet``, :mod:`sim.analysis.prior`): panel (a)
P(regime) over the prior draws with its 95 % interval, bars in the scenario's regime
colours (:func:`sim.figures.style.regime_colours`), the calibrated point's SPE regime
marked; panel (b) the robustness of that regime: per parameter, horizontal bars of the
smallest relative change down (left, negative %) and up (right) that changes it,
coloured by the regime it changes to, the ``top`` most fragile parameters (sorted by the
smaller of the two). Imports only :mod:`sim.figures.style`, :mod:`sim.figures.textfit`
and :mod:`sim.figures.sensitivity` (and matplotlib, on use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.figures.sensitivity import table_meta

if TYPE_CHECKING:  # matplotlib is imported on use
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CALIBRATED = "calibrated point's SPE regime"
NONE_TEXT = "none in range"
CONCEPT_NAMES = {"spe": "SPE", "bayes": "Bayes (uncertain US resolve)"}


def fragile(rob: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` parameters whose regime changes nearest the calibrated point: a row per
    parameter with ``down``/``up`` (relative changes, NaN: none) and ``down_to``/``up_to``
    (regimes), sorted by ``min(|down|, up)`` (ties by name); parameters with no finite
    change are left out."""
    wide = rob.pivot(index="param", columns="direction", values=["change", "to_regime", "unit"])
    out = wide["change"].reindex(columns=["down", "up"]).astype(float)
    out["down_to"], out["up_to"] = wide["to_regime"].get("down"), wide["to_regime"].get("up")
    out["key"] = np.fmin(out["down"].abs(), out["up"].abs())
    out = out[out["key"].notna()].reset_index()
    return out.sort_values(["key", "param"], kind="stable").head(k).reset_index(drop=True)


def _shares_panel(ax: Axes, shares: pd.DataFrame, colours: dict, calibrated: str | None) -> None:
    """Panel (a): horizontal bars of P(regime) with interval whiskers; the calibrated regime starred."""
    from sim.figures.textfit import wrap_text

    y = np.arange(len(shares))
    p = shares["share"].to_numpy(float)
    err = np.vstack([p - shares["ci_low"].to_numpy(float), shares["ci_high"].to_numpy(float) - p])
    ax.barh(y, p, color=[colours[r] for r in shares["regime"]], xerr=err, zorder=2, height=0.65,
            error_kw=dict(ecolor="black", elinewidth=0.8, capsize=2))
    for yi, pi, hi, r in zip(y, p, shares["ci_high"].to_numpy(float), shares["regime"]):
        star = " ★" if r == calibrated else ""
        ax.text(hi + 0.012, yi, f"{pi:.1%}{star}", va="center", fontsize=8, zorder=4)  # right of the whisker
    ax.set_yticks(y, [wrap_text(r, 0.95, "ytick.labelsize") for r in shares["regime"]], linespacing=1.0)
    ax.set_ylim(len(y) - 0.5, -0.5)
    ax.set_xlim(0, min(1.0, max(0.1, float(shares["ci_high"].max()) * 1.45)))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("P(regime) over the prior draws")
    ax.set_title("(a) Prior-predictive share", loc="left")


def _robustness_panel(ax: Axes, top: pd.DataFrame, colours: dict, scenario: str | None, room: float) -> None:
    """Panel (b): per parameter, bars of the relative change down (left) and up (right), in %."""
    from sim.figures.style import param_label, say_in_panel
    from sim.figures.textfit import wrap_text

    y = np.arange(len(top))
    span = max(float(np.nanmax(top[["down", "up"]].abs().to_numpy())) if len(top) else 1.0, 0.01) * 100
    for side in ("down", "up"):
        vals = top[side].to_numpy(float) * 100
        ok = np.isfinite(vals)
        ax.barh(y[ok], vals[ok], color=[colours.get(r, "0.5") for r in top[f"{side}_to"][ok]], height=0.6, zorder=2)
        for yi, v in zip(y, vals):
            if np.isfinite(v):
                ax.text(v + np.sign(v) * 0.02 * span, yi, f"{v:+.0f}%", va="center",
                        ha="left" if v > 0 else "right", fontsize=8, zorder=4)
            else:
                ax.text((0.03 if side == "up" else -0.03) * span, yi, NONE_TEXT, va="center", color="0.45",
                        ha="left" if side == "up" else "right", fontsize=8, style="italic", zorder=4)
    labels = [wrap_text(param_label(scenario, p), room, "ytick.labelsize").replace("$", r"\$") for p in top["param"]]
    ax.set_yticks(y, labels, linespacing=1.0)
    ax.set_ylim(len(y) - 0.5, -0.5)
    ax.set_xlim(-1.3 * span, 1.3 * span)
    ax.axvline(0, color="black", linewidth=0.6, zorder=3)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6, zorder=0)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:+.0f}%" if v else "0")
    ax.set_xlabel("change from the calibrated value")
    if not len(top):
        say_in_panel(ax, "no parameter changes the regime within its documented range")


def _figure(table: pa.Table, top_k: int) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from sim.figures.style import PAGE_WIDTH, regime_colours
    from sim.figures.textfit import wrap_text

    meta, df = table_meta(table), table.to_pandas()
    colours = regime_colours(meta.get("regimes") or list(dict.fromkeys(df["regime"])))
    shares, calibrated = df[df["kind"] == "share"], meta.get("calibrated_regime")
    top = fragile(df[df["kind"] == "robustness"], max(1, top_k))
    fig = Figure(figsize=(PAGE_WIDTH, 1.2 + max(2.0, 0.3 * len(top) + 0.5)), layout="constrained")
    ax_a, ax_b = fig.subplots(1, 2, width_ratios=[1.0, 1.9])
    _shares_panel(ax_a, shares, colours, calibrated)
    _robustness_panel(ax_b, top, colours, meta.get("scenario"), 1.6)
    ax_b.set_title(wrap_text(f"(b) Smallest change that ends {calibrated} (SPE)", 2.6, "axes.titlesize"), loc="left")
    for side in ("top", "right"):
        ax_a.spines[side].set_visible(False)
        ax_b.spines[side].set_visible(False)
    seen = [r for r in colours if r in set(top["down_to"].dropna()) | set(top["up_to"].dropna())]
    handles = [Patch(facecolor=colours[r], label=f"changes to {r}") for r in seen]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3), frameon=False)
    interval = "Wilson" if meta.get("interval") == "wilson" else "normal"
    title = (f"The baseline as a distribution: n = {meta.get('n', len(df)):,} uniform draws, seed "
             f"{meta.get('seed', 0)}, concept {CONCEPT_NAMES.get(meta.get('concept'), meta.get('concept'))}; {interval} 95 % intervals; "
             f"★ = {CALIBRATED}")
    fig.suptitle(wrap_text(title, PAGE_WIDTH - 0.3, "figure.titlesize").replace("$", r"\$"))
    return fig


def figure(table: pa.Table, top_k: int = 10) -> Figure:
    """The prior-predictive figure of ``table`` (``method == "prior"``), a page wide:
    (a) P(regime) with 95 % intervals, the calibrated point's regime starred; (b) the
    smallest relative change (%) down and up of each of the ``top_k`` most fragile
    parameters (labels from the scenario's parameter metadata), bars coloured by the
    regime reached, "none in range" where no value of the documented range changes it."""
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _figure(table, top_k)
