"""Adaptive agents in the dynamic game against the record (``dynamic_abm.<fmt>``), drawn from
the table of :func:`sim.abm.dynamic_model.simulate_dynamic` and the 2020-2022 record alone.

One panel: the share of runs in each US posture at each quarter's end (stacked bars, the
posture colours of the back-test's figure, :mod:`sim.figures.backtest`), the share of runs
on the Markov perfect equilibrium's path (dots), and the record's US troop count on a twin
axis. What the runs were (rule, runs, steps per quarter, δ, adjustment cost) comes from
the table's metadata.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure

from sim.figures.backtest import POSTURE_COLOURS, POSTURE_WORDS
from sim.figures.style import PAGE_WIDTH, styled

META_KEY = b"sim"
TROOPS_STYLE = dict(color="black", linewidth=1.6, where="mid")
TROOPS_TOP = 7.5  #: top of the troop axis (thousands)
MPE_STYLE = dict(color="white", marker="o", markersize=4.5, markeredgecolor="black", markeredgewidth=0.9,
                 linestyle="none", zorder=4)


def table_meta(table: pa.Table) -> dict:
    """The simulation's arguments stored in the table (empty if none)."""
    return json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))


def quarter_shares(table: pa.Table) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """Quarters (in table order), the share of runs in each posture at each quarter's end
    (posture -> (T,)), and the share of runs on the MPE's path (T,)."""
    quarter = np.asarray(table.column("quarter").to_pylist())
    mpe = np.asarray(table.column("on_mpe_path").to_pylist(), dtype=bool)
    qs = list(dict.fromkeys(quarter.tolist()))
    posture = np.asarray(table.column("posture").to_pylist())
    shares = {p: np.array([np.mean(posture[quarter == q] == p) for q in qs]) for p in POSTURE_COLOURS}
    return qs, shares, np.array([mpe[quarter == q].mean() for q in qs])


def record_troops(record, quarters: list[str]) -> np.ndarray:
    """US troops in Iraq at each quarter's end (thousands), NaN where the record lacks the quarter."""
    by_q = dict(zip(record.quarters, record.columns["us_troops"]))
    return np.array([float(by_q[q]) / 1000 if q in by_q else np.nan for q in quarters])


def subtitle(meta: dict) -> str:
    """Two lines naming the rule, runs, steps per quarter, first state, δ and the adjustment cost."""
    if not meta:
        return ""
    rule = str(meta.get("rule")).replace("_", " ")
    if rule == "logit":  # stage payoffs here are $bn per quarter, not $bn/yr
        rule += f" (λ = {meta.get('lam'):g} per $bn)"
    return (f"{rule}, {meta.get('replicates')} runs × "
            f"{meta.get('steps_per_quarter')} learning steps per quarter, starting from "
            f"{POSTURE_WORDS.get(meta.get('start_state'), meta.get('start_state'))};\n"
            f"discount δ = {meta.get('discount'):g} per quarter, cost of moving troops "
            f"{meta.get('adjust_cost'):g} $bn per unit of troop level")


@styled
def dynamic_abm_figure(table: pa.Table, record=None) -> Figure:
    """The figure (module docstring); ``record``: a :class:`sim.history.record.Record`
    (None: the shipped record over the table's quarters)."""
    qs, shares, mpe = quarter_shares(table)
    if record is None:
        from sim.history.record import load_record

        record = load_record(start=qs[0], stop=qs[-1])
    x = np.arange(len(qs))
    fig = Figure(figsize=(PAGE_WIDTH, 4.0), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(x))
    for name, colour in POSTURE_COLOURS.items():
        ax.bar(x, shares[name], bottom=bottom, width=0.7, color=colour, label=f"agents: {POSTURE_WORDS[name]}",
               zorder=2)
        bottom += shares[name]
    ax.plot(x, mpe, label="share of runs whose whole path is the MPE's", **MPE_STYLE)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_ylabel("Share of runs (US posture\nat the quarter's end)")
    ax.set_xticks(x, qs, rotation=45, ha="right")
    ax.set_xlabel("Quarter")
    twin = ax.twinx()
    twin.step(x, record_troops(record, qs), label="US troops in Iraq (record)", **TROOPS_STYLE)
    twin.set_ylim(0, TROOPS_TOP)
    twin.set_ylabel("US troops (thousands)")
    bars, dots = ax.get_legend_handles_labels()[0][1:], ax.get_legend_handles_labels()[0][:1]
    handles = bars + dots + twin.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=8)
    fig.suptitle("Adaptive agents in the dynamic game: the US posture they reach, quarter by quarter")
    ax.set_title(subtitle(table_meta(table)), fontsize=8, parse_math=False)
    return fig
