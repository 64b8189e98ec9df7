"""The figure of a scenario discovery: where in parameter space each target regime happens.

Drawn from its table alone (``discovery.parquet``, :mod:`sim.analysis.discovery`), a row
of two panels per target regime, a page wide:

* (a) PRIM's peeling trajectory: each box it passed through as a point (coverage,
  density), coloured by the number of parameters it restricts; the box taken ringed and
  numbered, CART's leaves as crosses (``C1``...), the density threshold dashed;
* (b) the limits of the boxes: per parameter a box restricts, its documented range as a
  grey track, each PRIM box's range as a bar in the regime's colour (box 2... lighter),
  the densest CART leaf's as a black line beneath, the restricted ends labelled in the
  parameter's unit; a PRIM restriction whose quasi-p values all exceed
  :data:`SIGNIFICANT` is hatched (not significant).

Imports only :mod:`sim.figures.style`, :mod:`sim.figures.textfit` and :mod:`sim.store`
(and matplotlib, on use).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.store import rundir

if TYPE_CHECKING:  # matplotlib is imported on use
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Schema-metadata key of a discovery table (JSON: scenario, regimes, targets, outcome,
#: source, n, threshold, PRIM's and CART's settings, library versions).
META_KEY = b"sim.analysis.discovery"
TABLE = "discovery.parquet"  #: a discovery run's table (boxes, limits, trajectories, scores)
FIGURE_NAME = "discovery"
SIGNIFICANT = 0.05  #: a PRIM limit with quasi-p above this on every restricted side is hatched
ROW_HEIGHT = 0.34  #: of one parameter in panel (b), in inches
SHADES = (1.0, 0.55, 0.3)  #: opacity of PRIM box 1, 2, 3+ in panel (b)
NEUTRAL = "#888888"  #: the legend's PRIM bars (each row draws them in its regime's colour)


def table_meta(table: pa.Table) -> dict:
    """The discovery metadata of ``table`` (empty if it has none)."""
    return json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))


def _tex(s: str) -> str:
    return s.replace("$", r"\$")


def _number(v: float) -> str:
    """A limit as printed: 3 significant digits, no trailing zeros."""
    return f"{v:.3g}"


def _params(limits: pd.DataFrame) -> list[str]:
    """The parameters panel (b) shows: PRIM box 1's by their smallest quasi-p value, then
    the other boxes' and the densest CART leaf's, in table order."""
    prim1 = limits[(limits["method"] == "prim") & (limits["box"] == 1)]
    qmin = np.fmin(prim1["qp_low"].to_numpy(float), prim1["qp_high"].to_numpy(float))
    first = [p for _, p in sorted(zip(np.nan_to_num(qmin, nan=1.0), prim1["param"]), key=lambda t: t[0])]
    return list(dict.fromkeys(first + list(limits["param"])))


def _dy(density: float) -> float:
    """Vertical offset (points) of a PRIM box's label: above it, below it near the top
    (CART's labels go 12 points lower)."""
    return -12.0 if density > 0.9 else 4.0


def _trajectory_panel(ax: Axes, df: pd.DataFrame, threshold: float, cmap, norm) -> None:
    """Panel (a): the trajectory of each PRIM box, the boxes taken, CART's leaves."""
    traj = df[df["kind"] == "trajectory"]
    markers = "o^sDv"
    for b, sub in traj.groupby("box", sort=True):
        ax.scatter(sub["coverage"], sub["density"], c=sub["res_dim"], cmap=cmap, norm=norm, s=10,
                   marker=markers[(int(b) - 1) % len(markers)], linewidths=0, zorder=3)
    boxes = df[df["kind"] == "box"]
    for _, r in boxes[boxes["method"] == "prim"].iterrows():
        ax.scatter([r["coverage"]], [r["density"]], s=70, facecolors="none", edgecolors="black", linewidths=1.1,
                   zorder=4)
        right = r["coverage"] > 0.85  # near the right edge: the label goes to the left of the ring
        ax.annotate(str(int(r["box"])), (r["coverage"], r["density"]), xytext=(-7 if right else 6, _dy(r["density"])),
                    textcoords="offset points", ha="right" if right else "left", fontsize=8, fontweight="bold",
                    zorder=5)
    for _, r in boxes[boxes["method"] == "cart"].iterrows():
        ax.scatter([r["coverage"]], [r["density"]], marker="x", s=28, color="black", linewidths=1.0, zorder=4)
        left = r["coverage"] < 0.15  # near the left edge: the label goes to the right of the cross
        ax.annotate(f"C{int(r['box'])}", (r["coverage"], r["density"]),  # 12 points below PRIM's labels
                    xytext=(5 if left else -5, _dy(r["density"]) - 12), textcoords="offset points",
                    ha="left" if left else "right", fontsize=8, zorder=5)
    ax.axhline(threshold, color="0.35", linestyle="--", linewidth=0.8, zorder=2)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.05)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.grid(color="#EEEEEE", linewidth=0.6, zorder=0)


def _limit_bar(ax: Axes, y: float, height: float, row, colour: str, alpha: float, hatch: bool,
               label: bool) -> None:
    """One PRIM box's range of one parameter, on the [0, 1] scale of its documented range;
    with ``label``, its restricted ends labelled in the parameter's unit."""
    span = row["range_high"] - row["range_low"] or 1.0
    lo, hi = (row["low"] - row["range_low"]) / span, (row["high"] - row["range_low"]) / span
    ax.barh(y, hi - lo, left=lo, height=height, color=colour, alpha=alpha, zorder=3,
            hatch="////" if hatch else None, edgecolor="white" if hatch else colour, linewidth=0)
    if label and row["low"] > row["range_low"]:
        ax.text(lo - 0.012, y, _number(row["low"]), ha="right", va="center", fontsize=8, zorder=5)
    if label and row["high"] < row["range_high"]:
        ax.text(hi + 0.012, y, _number(row["high"]), ha="left", va="center", fontsize=8, zorder=5)


def _hatched(row) -> bool:
    """Whether a PRIM limit row is not significant: every restricted side's quasi-p above
    :data:`SIGNIFICANT` (NaN: side not restricted)."""
    return bool(np.all(np.nan_to_num([row["qp_low"], row["qp_high"]], nan=1.0) > SIGNIFICANT))


def _limits_panel(ax: Axes, df: pd.DataFrame, colour: str, scenario: str | None, room: float) -> None:
    """Panel (b): per parameter, the documented range, the PRIM boxes' ranges and the
    densest CART leaf's."""
    from sim.engine.params import with_unit
    from sim.figures.style import param_label, say_in_panel
    from sim.figures.textfit import wrap_text

    limits = df[df["kind"] == "limit"]
    cart1 = limits[(limits["method"] == "cart") & (limits["box"] == 1)].set_index("param")
    prim = limits[limits["method"] == "prim"]
    params = _params(limits[(limits["method"] == "prim") | (limits["box"] == 1)])
    n_prim = int(prim["box"].max()) if len(prim) else 0
    height = 0.42 / max(n_prim, 1)
    for i, p in enumerate(params):
        ax.barh(i - 0.05, 1.0, left=0.0, height=0.42, color="#EEEEEE", zorder=1)
        for b in range(1, n_prim + 1):
            for _, r in prim[(prim["box"] == b) & (prim["param"] == p)].iterrows():
                _limit_bar(ax, i - 0.26 + height * (b - 0.5), height, r, colour, SHADES[min(b, len(SHADES)) - 1],
                           _hatched(r), label=b == 1)
        if p in cart1.index:
            r = cart1.loc[p]
            span = r["range_high"] - r["range_low"] or 1.0
            ax.plot([(r["low"] - r["range_low"]) / span, (r["high"] - r["range_low"]) / span], [i + 0.3] * 2,
                    color="black", linewidth=1.6, solid_capstyle="butt", zorder=4)
    units = limits.drop_duplicates("param").set_index("param")["unit"]
    labels = [_tex(wrap_text(with_unit(param_label(scenario, p), units[p]), room, "ytick.labelsize"))
              for p in params]
    ax.set_yticks(np.arange(len(params)), labels, linespacing=1.0)
    ax.set_ylim(len(params) - 0.4, -0.6)
    ax.set_xlim(-0.2, 1.2)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("place in the documented range")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not params:
        say_in_panel(ax, "no box restricts any parameter")


def _handles(colour: str, n_prim: int, hatched: bool) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = [Patch(facecolor=colour, alpha=SHADES[min(b, len(SHADES)) - 1],
                 label=f"PRIM box {b}" + (" (in the regime's colour)" if b == 1 else ""))
           for b in range(1, n_prim + 1)]
    if hatched:
        out.append(Patch(facecolor=colour, hatch="////", edgecolor="white",
                         label=f"PRIM limit not significant (quasi-p > {SIGNIFICANT:g})"))
    out.append(Line2D([], [], color="black", linewidth=1.6, label="densest CART leaf (C1)"))
    out.append(Line2D([], [], color="0.35", linestyle="--", linewidth=0.8, label="density threshold"))
    return out


def _row_title(df: pd.DataFrame, regime: str, meta: dict) -> str:
    k = meta.get("counts", {}).get(regime)
    n = meta.get("n")
    share = f" — {k:,} of {n:,} points ({k / n:.1%})" if k is not None and n else ""
    boxes = df[(df["kind"] == "box") & (df["method"] == "prim")]
    if len(boxes):
        b = boxes.iloc[0]
        flag = "" if bool(b["meets_threshold"]) else ", below the threshold"
        share += (f"; PRIM box 1: coverage {b['coverage']:.0%}, density {b['density']:.0%}, mass {b['mass']:.1%}"
                  f"{flag}")
    return _tex(f"{regime}{share}")


def _rows(table: pa.Table) -> list[tuple[str, pd.DataFrame]]:
    df = table.to_pandas()
    return [(r, df[df["regime"] == r]) for r in dict.fromkeys(df["regime"])]


def _figure(table: pa.Table) -> Figure:
    from matplotlib.colors import BoundaryNorm
    from matplotlib.figure import Figure

    from sim.figures.style import LETTERS, PAGE_WIDTH, regime_colours
    from sim.figures.textfit import wrap_text

    meta, rows = table_meta(table), _rows(table)
    colours = regime_colours(meta.get("regimes") or [r for r, _ in rows])
    top = max([int(sub.loc[sub["kind"] == "trajectory", "res_dim"].max()) for _, sub in rows
               if (sub["kind"] == "trajectory").any()] + [1])
    cmap = _cmap(top)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), cmap.N)
    heights = [max(1.9, ROW_HEIGHT * (sub["kind"] == "limit").groupby(sub["param"]).any().sum() + 1.0)
               for _, sub in rows]
    title = (f"Where each regime happens: PRIM boxes and CART leaves over {meta.get('n', 0):,} points of "
             f"{_source(meta)}; density threshold {meta.get('threshold', 0):.0%}")
    fig = Figure(figsize=(PAGE_WIDTH, sum(heights) + 1.3 + 0.35 * len(rows)), layout="constrained")
    subfigs = fig.subfigures(len(rows), 1, height_ratios=heights, squeeze=False)[:, 0]
    for k, ((regime, sub), sf) in enumerate(zip(rows, subfigs)):
        ax_a, ax_b = sf.subplots(1, 2, width_ratios=[1.0, 1.75])
        _trajectory_panel(ax_a, sub, float(meta.get("threshold", 0.8)), cmap, norm)
        _limits_panel(ax_b, sub, colours.get(regime, "#4477AA"), meta.get("scenario"), 1.75)
        ax_a.set_title(f"({LETTERS[2 * k]}) PRIM's trajectory", loc="left")
        ax_b.set_title(f"({LETTERS[2 * k + 1]}) the boxes' limits", loc="left")
        sf.suptitle(wrap_text(_row_title(sub, regime, meta), PAGE_WIDTH - 0.3, "axes.titlesize"),
                    fontsize="medium", fontweight="bold", x=0.01, ha="left")
        sf.colorbar(_mappable(cmap, norm), ax=ax_a, label="restricted parameters", ticks=range(0, top + 1),
                    fraction=0.06, pad=0.02)
    _legend(fig, rows)
    fig.suptitle(_tex(wrap_text(title, PAGE_WIDTH - 0.3, "figure.titlesize")))
    return fig


def _cmap(top: int):
    from matplotlib import colormaps

    return colormaps["viridis"].resampled(top + 1)


def _mappable(cmap, norm):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=cmap)


def _source(meta: dict) -> str:
    src = meta.get("source", "")
    return "uniform draws over the documented ranges" if src == "prior" else Path(src).name or str(src)


def _legend(fig: Figure, rows) -> None:
    """One legend below the panels (PRIM's bars in grey: each row has its regime's colour)."""
    import pandas as pd

    from sim.figures.textfit import legend_ncols

    df = pd.concat([sub for _, sub in rows])
    prim = df[(df["kind"] == "limit") & (df["method"] == "prim")]
    hatched = any(_hatched(r) for _, r in prim.iterrows())
    boxes = df.loc[(df["kind"] == "box") & (df["method"] == "prim"), "box"]
    n_prim = int(boxes.max()) if len(boxes) else 0
    handles = _handles(NEUTRAL, n_prim, hatched)
    fig.legend(handles=handles, loc="outside lower center", frameon=False,
               ncols=legend_ncols([h.get_label() for h in handles], 6.8))


def figure(table: pa.Table) -> Figure:
    """The discovery figure of ``table``: a row of two panels per target regime (trajectory;
    limits), a page wide; see the module docstring."""
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _figure(table)


def draw(table: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Save :func:`figure` as ``out_dir/discovery.<fmt>`` per format (atomically, no
    timestamps: :func:`sim.figures.style.save_formats`); returns the paths."""
    from sim.figures.style import save_formats

    return save_formats(figure(table), out_dir, FIGURE_NAME, formats)


def caption(cfg, figure_stem: str, run_id: str, config_hash: str) -> str:
    """The caption written beside the figure of a discovery run (``cfg.discovery`` set;
    ``cfg``: a :class:`sim.config.validate.RunConfig`)."""
    d = cfg.discovery
    if d.from_prior:
        solved = "subgame-perfect regime" if d.concept == "spe" else "most likely regime under uncertain US resolve"
        sample = (f"{d.n:,} points drawn uniformly over the documented ranges (docs/parameters.md) of "
                  f"{'every parameter' if d.params is None else f'{len(d.params)} parameters'} (seed {d.seed}), "
                  f"each solved for its {solved}")
    else:
        sample = f"the saved sample {d.source}"
    screened = "every parameter" if d.max_params is None else f"the {d.max_params} parameters of largest CART importance"
    parts = [
        f"Where each regime happens — experiment '{cfg.name}', scenario {cfg.scenario.name}.",
        f"Sample: {sample}; target: {d.outcome} = {', '.join(repr(r) for r in d.regimes)} (a row each).",
        "Coverage: the share of the regime's points inside a box; density: the share of a box's points in the regime; "
        "mass: the share of all points inside it.",
        f"(Left) PRIM's peeling trajectory (EMA Workbench; peel α {d.peel_alpha:g}, paste α {d.paste_alpha:g}, smallest "
        f"box {d.mass_min:g} of the sample) over {screened}, each box passed through coloured by the number of "
        f"parameters it restricts; ringed: the box taken, the one of largest coverage whose density reaches "
        f"{d.threshold:.0%} (dashed), else the densest; crosses: the leaves of a CART tree of depth {d.cart_depth}.",
        "(Right) the ranges of the box (bars) and of the densest CART leaf (black lines) within each parameter's "
        "documented range, the restricted ends in the parameter's unit; hatched: a limit whose quasi-p value "
        f"(EMA's one-sided binomial test) exceeds {SIGNIFICANT:g} on every restricted side.",
        f"Run {run_id}, config sha256 {config_hash[:12]}; payoffs in $bn-equivalent per year.",
    ]
    return " ".join(parts) + "\n"
