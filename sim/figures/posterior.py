"""The figures of a calibration by history matching, drawn from its tables alone
(``posterior.parquet`` and ``history_matching.parquet``, :mod:`sim.analysis.history_matching_summary`).

* ``posterior``: for each parameter the 2020 record informs (the table's rule), the
  accepted draws' histogram against the uniform prior, as density relative to the prior's
  (the prior is the line at 1 in every panel), sorted by the KS statistic.
* ``predictive``: per actor and for all four, quarter by quarter, the share of draws whose
  action is on the record under the prior and under the posterior (95 % Wilson interval);
  the fit quarters shaded, the rest predicted out of sample.

:func:`caption` is the text written beside each. Imports only :mod:`sim.figures.style`,
:mod:`sim.figures.textfit` and the config's names (matplotlib on use).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.config.history_matching import FIGURE_POSTERIOR, FIGURE_PREDICTIVE, META_KEY, POSTERIOR, TABLE
from sim.store.table import read_parquet

if TYPE_CHECKING:  # matplotlib is imported on use
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.config.validate import RunConfig

MAX_PANELS = 12  #: informed parameters shown at most (the largest KS statistics)
FALLBACK_PANELS = 4  #: parameters shown when none is informed (the largest KS statistics)
BINS = 20
POSTERIOR_COLOUR = "#4477AA"
PRIOR_COLOUR = "#777777"
FIT_SHADE = "#EEEEEE"
ACTOR_TITLES = {"all": "all four actors"}


def table_meta(table: pa.Table) -> dict:
    """The JSON metadata of either table."""
    raw = (table.schema.metadata or {}).get(META_KEY)
    return json.loads(raw) if raw else {}


def _kind(summary: pa.Table, kind: str) -> list[dict]:
    """The rows of ``summary`` of one kind, as dicts."""
    return [r for r in summary.to_pylist() if r["kind"] == kind]


def _tex(text: str) -> str:
    """``text`` with dollar signs escaped (units in $bn are not mathtext)."""
    return text.replace("$", r"\$")


def shown_parameters(params: list[dict]) -> tuple[list[dict], bool]:
    """(the parameter rows to draw, whether they are the informed ones): the informed
    ones by KS statistic, at most :data:`MAX_PANELS`; none informed: the
    :data:`FALLBACK_PANELS` of largest KS."""
    ranked = sorted(params, key=lambda r: (-r["ks"], r["param"]))
    informed = [r for r in ranked if r["informed"]]
    return (informed[:MAX_PANELS], True) if informed else (ranked[:FALLBACK_PANELS], False)


def _marginal(ax: Axes, row: dict, values: np.ndarray) -> None:
    """One parameter: the accepted draws' density relative to the prior's, the prior at 1."""
    from sim.figures.textfit import wrap_text

    low, high = row["prior_low"], row["prior_high"]
    edges = np.linspace(low, high, BINS + 1)
    counts, _ = np.histogram(values, bins=edges)
    rel = counts / max(counts.sum(), 1) * BINS  # density x (high - low): 1 under the prior
    ax.bar(edges[:-1], rel, width=np.diff(edges), align="edge", color=POSTERIOR_COLOUR, linewidth=0, zorder=2)
    ax.axhline(1.0, color=PRIOR_COLOUR, linestyle="--", linewidth=1.0, zorder=3)
    ax.set_xlim(low, high)
    ax.set_ylim(0, max(2.0, float(rel.max()) * 1.15))
    width = ax.get_window_extent().width / ax.get_figure(root=True).dpi
    ax.set_title(_tex(wrap_text(row["label"], max(width, 0.8), "axes.labelsize")), fontsize=8.5, loc="left")
    unit = row["unit"] if row["unit"] and row["unit"].strip() != "1" else ""
    stats = f"KS {row['ks']:.2f}, sd ×{row['sd_ratio']:.2f}"
    ax.set_xlabel(_tex(f"{unit}\n{stats}" if unit else stats), fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def posterior_figure(summary: pa.Table, posterior: pa.Table) -> Figure:
    """Prior against posterior marginals of the informed parameters (module docstring)."""
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _posterior_figure(summary, posterior)


def _posterior_figure(summary: pa.Table, posterior: pa.Table) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.figures.style import PAGE_WIDTH
    from sim.figures.textfit import wrap_text

    meta = table_meta(summary)
    rows, informed = shown_parameters(_kind(summary, "parameter"))
    ncols = min(4, len(rows))
    nrows = -(-len(rows) // ncols)
    fig = Figure(figsize=(PAGE_WIDTH, 1.0 + 1.75 * nrows), layout="constrained")
    axs = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for k, (ax, row) in enumerate(zip(axs, rows)):
        _marginal(ax, row, posterior.column(row["param"]).to_numpy())
        if k % ncols == 0:
            ax.set_ylabel("density / prior's")
    for ax in axs[len(rows):]:
        ax.set_visible(False)
    handles = [Patch(facecolor=POSTERIOR_COLOUR, label=f"posterior: the {meta.get('accepted', 0):,} accepted draws"),
               Line2D([], [], color=PRIOR_COLOUR, linestyle="--", label="prior: uniform over the range")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    n_params = len(_kind(summary, "parameter"))
    what = (f"the {len(rows)} of {n_params} parameters the record informs" if informed else
            f"no parameter passes the rule; the {len(rows)} of largest KS statistic")
    title = (f"Rejection ABC on the record to {meta.get('split', '')}: {meta.get('accepted', 0):,} of "
             f"{meta.get('n', 0):,} draws accepted ({meta.get('acceptance', 0):.3%}) at tolerance "
             f"{meta.get('tolerance')} of {meta.get('cells')} cells, ESS {meta.get('ess', 0):,}; {what} "
             f"(KS ≥ {meta.get('ks_min')}, p < {meta.get('alpha')}/{n_params})")
    fig.suptitle(_tex(wrap_text(title, PAGE_WIDTH - 0.3, "figure.titlesize")))
    return fig


def _quarter_ticks(ax: Axes, quarters: Sequence[str]) -> None:
    """A minor tick at every quarter; the year under each year's first quarter."""
    first = [i for i, q in enumerate(quarters) if q.endswith("Q1") or i == 0]
    ax.set_xticks(first, [quarters[i][:4] for i in first], ha="left")
    ax.set_xticks(np.arange(len(quarters)), minor=True)


def _predictive_panel(ax: Axes, rows: list[dict], title: str) -> None:
    """One actor: P(on the record) per quarter, prior and posterior, fit quarters shaded."""
    x = np.arange(len(rows))
    fit = np.array([r["split"] == "fit" for r in rows])
    if fit.any():
        ax.axvspan(x[fit].min() - 0.5, x[fit].max() + 0.5, color=FIT_SHADE, zorder=0, linewidth=0)
    prior = np.array([r["p_prior"] for r in rows])
    post = np.array([r["p_posterior"] for r in rows])
    err = np.vstack([post - [r["ci_low"] for r in rows], [r["ci_high"] for r in rows] - post])
    ax.plot(x, prior, color=PRIOR_COLOUR, marker="o", markerfacecolor="white", markersize=4, linewidth=1.0, zorder=2)
    ax.errorbar(x, post, yerr=np.maximum(err, 0), color="black", marker="o", markersize=4, linewidth=1.2,
                elinewidth=0.8, capsize=2, zorder=3)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(-0.5, len(rows) - 0.5)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    _quarter_ticks(ax, [r["quarter"] for r in rows])
    ax.set_title(title, loc="left")
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def predictive_figure(summary: pa.Table) -> Figure:
    """The share of draws on the record, per actor and quarter (module docstring)."""
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _predictive_figure(summary)


def _predictive_figure(summary: pa.Table) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.figures.style import PAGE_WIDTH, panel_title
    from sim.figures.textfit import wrap_text

    meta = table_meta(summary)
    rows = _kind(summary, "prediction")
    actors = list(dict.fromkeys(r["actor"] for r in rows))
    fig = Figure(figsize=(PAGE_WIDTH, 5.2), layout="constrained")
    axs = fig.subplots(2, 3, sharey=True).ravel()
    for k, (ax, actor) in enumerate(zip(axs, actors)):
        _predictive_panel(ax, [r for r in rows if r["actor"] == actor],
                          panel_title(k, len(actors), ACTOR_TITLES.get(actor, actor)))
    for ax in axs[::3]:
        ax.set_ylabel("share of draws on the record")
    legend_ax = axs[len(actors)]
    legend_ax.set_axis_off()
    handles = [Line2D([], [], color="black", marker="o", markersize=4,
                      label=f"posterior ({meta.get('accepted', 0):,} accepted draws), 95 % interval"),
               Line2D([], [], color=PRIOR_COLOUR, marker="o", markerfacecolor="white", markersize=4,
                      label=f"prior (all {meta.get('n', 0):,} draws)"),
               Patch(facecolor=FIT_SHADE, label="fit quarters (the distance counts them)")]
    legend_ax.legend(handles=[_wrapped(h, 2.1) for h in handles], loc="center", frameon=False,
                     title="unshaded: predicted out of sample")
    for ax in axs[len(actors) + 1:]:
        ax.set_visible(False)
    title = (f"How often the model's path matches the record: the share of draws whose action is in the record's "
             f"set, quarter by quarter, fitted on {meta.get('fit_quarters', [''])[0]}–{meta.get('split', '')}")
    fig.suptitle(_tex(wrap_text(title, PAGE_WIDTH - 0.3, "figure.titlesize")))
    return fig


def _wrapped(handle, width: float):
    """A legend handle with its label wrapped to ``width`` inches."""
    from sim.figures.textfit import wrap_text

    handle.set_label(wrap_text(handle.get_label(), width, "legend.fontsize"))
    return handle


def draw(run_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Both figures of the run in ``run_dir``, in ``formats``; their paths."""
    if not formats:
        return []
    from sim.figures.style import save_formats

    summary = read_parquet(Path(run_dir) / TABLE)
    posterior = read_parquet(Path(run_dir) / POSTERIOR)
    paths = save_formats(posterior_figure(summary, posterior), run_dir, FIGURE_POSTERIOR, formats)
    return paths + save_formats(predictive_figure(summary), run_dir, FIGURE_PREDICTIVE, formats)


def caption(cfg: RunConfig, figure_stem: str, run_id: str, config_hash: str) -> str:
    """The caption written beside each figure of a history-matching run (``cfg.history_matching`` set)."""
    o = cfg.history_matching
    narrowed = f"; narrowed: {', '.join(o.priors)}" if o.priors else ""
    method = (f"Rejection ABC: n = {o.n:,} draws, every parameter uniform over its documented range "
              f"(the US's cost of moving its troop level over [0, 5] $bn{narrowed}), "
              "each solved as the dynamic game's Markov perfect equilibrium (docs/model.md §9, δ = "
              f"{o.discount:g}) from the record's posture before 2020Q1; a draw is accepted when its path misses the "
              f"record (data/history_iraq_2020_2022.csv) in at most {o.tolerance} (quarter, actor) cells of the "
              f"quarters up to {o.split}. Seed {o.seed}.")
    if figure_stem == FIGURE_POSTERIOR:
        what = ("Prior against posterior. Each panel: the accepted draws' histogram of one parameter (20 bins over "
                "its prior range) as density relative to the uniform prior's (dashed line at 1), with the "
                "Kolmogorov-Smirnov statistic against the prior and the ratio of posterior to prior sd. Shown: the "
                "parameters the record informs (KS ≥ 0.1 and p < 0.01 / number of parameters), largest KS first.")
    else:
        what = ("Posterior-predictive check. Per actor and for all four at once, the share of draws whose action "
                "in each quarter is in the record's set, under the prior (open circles, every draw) and the "
                "posterior (filled, the accepted draws, with 95 % Wilson intervals); shaded: the fit quarters, "
                "which the distance counts; the later quarters are predicted out of sample.")
    return f"{what} {method} Run {run_id}, config sha256 {config_hash[:12]}.\n"
