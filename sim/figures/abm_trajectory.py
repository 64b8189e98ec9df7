"""Adaptive play over time at the recorded point (``trajectories.<fmt>``), drawn from
``trajectory.parquet`` / ``trajectory_stats.parquet`` (:mod:`sim.abm.trajectory`) alone.

One panel per actor (the share of runs playing each action, step by step), then the
share of runs at a pure Nash equilibrium. Colours mean the same in every panel: the
actions of exact pure Nash equilibrium ``k`` are drawn in :data:`NE_COLOURS` ``[k]`` (and
marked by a ``<`` of that colour at share 1), every other action in grey, told apart by
its dashes. The time axis ends where play stopped changing, plus a margin
(:func:`sim.figures.abm_words.time_window`); shocks are dotted vertical lines.
"""

from __future__ import annotations

import math

import matplotlib
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from sim.figures import abm_panels as AP
from sim.figures import style as FS
from sim.figures.abm_data import action_shares, stats_series, trajectory_meta
from sim.figures.abm_words import rule_name, runs_text, shock_text, time_window, window_text
from sim.figures.style import PAGE_WIDTH
from sim.figures.textfit import font_size, legend_ncols, wrap_text

#: Colour of the actions of exact pure NE 1, 2, ... (Okabe-Ito), the same in every panel.
NE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Actions no exact pure NE prescribes: grey, told apart by shade and dashes.
OTHER_GREYS = ("#555555", "#999999")
OTHER_DASHES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (10, 3)), (0, (3, 1, 1, 1, 1, 1)))
NE_MARKER = dict(marker="<", markersize=10, markeredgecolor="black", markeredgewidth=0.9, linestyle="none")
SHOCK_LINE = dict(color="black", linestyle=":", linewidth=1.3)
AXES_H = 1.5  #: height (in) of a panel's axes


# ----------------------------------------------------------------------------- what each line means


def ne_actions(ne: list, pos: int | None) -> dict[str, int]:
    """``{action: k}`` for each action of the actor at position ``pos`` that an exact pure
    NE prescribes, ``k`` the first such equilibrium (index into ``ne``)."""
    out: dict[str, int] = {}
    for k, prof in enumerate(ne):
        if pos is not None and pos < len(prof):
            out.setdefault(prof[pos], k)
    return out


def action_styles(actions, ne_of: dict[str, int]) -> dict[str, dict]:
    """Line style of each action: the colour of its first pure NE (solid, 1.8 pt), or a
    grey with its own dashes (1.3 pt) for an action no pure NE prescribes."""
    styles, other = {}, 0
    for a in actions:
        if a in ne_of:
            styles[a] = dict(color=NE_COLOURS[ne_of[a] % len(NE_COLOURS)], linestyle="-", linewidth=1.8)
        else:
            styles[a] = dict(color=OTHER_GREYS[other % len(OTHER_GREYS)],
                             linestyle=OTHER_DASHES[other % len(OTHER_DASHES)], linewidth=1.3)
            other += 1
    return styles


def _xlabel_depth() -> float:
    """Points from the bottom of an axes to below its x tick labels and x label (rcParams)."""
    rc = matplotlib.rcParams
    return (rc["xtick.major.size"] + rc["xtick.major.pad"] + 1.25 * font_size("xtick.labelsize")
            + rc["axes.labelpad"] + 1.25 * font_size("axes.labelsize") + 2.0)


# ----------------------------------------------------------------------------- panels


def _ne_marks(ax: Axes, actor: str, pos, ne: list, colours: dict, ne_end: float, shocks: list) -> None:
    """Dashed guides at share 1 up to ``ne_end`` and ``<`` markers, one per exact pure NE
    (in its colour, numbered when there are several), for the actions it prescribes."""
    fig = ax.get_figure(root=True)
    mine = [(e, prof[pos]) for e, prof in enumerate(ne)
            if pos is not None and pos < len(prof) and prof[pos] in colours]
    for j, (e, a) in enumerate(mine):  # interleaved dashes when several NE share an action
        dash = (0, (4, 2.5)) if len(mine) == 1 else (4 * j, (4, 4 * (len(mine) - 1)))
        ax.plot([0, ne_end], [1.0, 1.0], color=NE_COLOURS[e % len(NE_COLOURS)], linestyle=dash, linewidth=1.1,
                alpha=0.85, zorder=1.5, gid=f"ne_line:{actor}:{a}:{e}")
    for e, a in mine:
        if shocks:  # marker points at the end of the guide, just right of the shock line
            xy, trans = (ne_end, 1.0), offset_copy(ax.transData, fig=fig, x=6 + 11 * e, units="points")
        else:  # marker just outside the right edge of the axes
            xy, trans = (1.0, 1.0), offset_copy(ax.get_yaxis_transform(), fig=fig, x=8 + 11 * e, units="points")
        (m,) = ax.plot([xy[0]], [xy[1]], transform=trans, clip_on=False, color=NE_COLOURS[e % len(NE_COLOURS)],
                       zorder=6, **NE_MARKER)
        m.set_gid(f"ne:{actor}:{a}:{e}")
        if len(ne) > 1:
            ax.annotate(str(e + 1), xy, xycoords=trans, xytext=(0, 7), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, annotation_clip=False)


def _time_axis(ax: Axes, shocks: list, end: int) -> None:
    """Shock lines, share limits and the steps shown (0 .. ``end``)."""
    for sh in shocks:
        ax.axvline(float(sh["step"]), zorder=1, **SHOCK_LINE)
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlim(0, end)


def actor_panel(ax: Axes, actor: str, acts: dict, words: dict, meta: dict, end: int, ncols: int, title: str) -> None:
    """One actor's action shares up to step ``end`` (``acts``: ``{action: (steps, shares)}``),
    its NE marks and, below it, its legend (``words``: action names) with the NE actions bold."""
    players, ne, shocks = meta["players"], meta["pure_nash"], list(meta.get("shocks") or [])
    pos = players.index(actor) if actor in players else None
    ne_of = ne_actions(ne, pos)
    styles = action_styles(acts, ne_of)
    lines = []
    for a, (s, v) in acts.items():
        keep = s <= end
        (line,) = ax.plot(s[keep], v[keep], label=words[a], **styles[a])
        lines.append(line)
    ne_end = min((float(sh["step"]) for sh in shocks), default=float(end))
    _ne_marks(ax, actor, pos, ne, {a: st["color"] for a, st in styles.items()}, min(ne_end, end), shocks)
    _time_axis(ax, shocks, end)
    ax.set_title(title, parse_math=False, loc="left")
    fig = ax.get_figure(root=True)
    leg = AP.legend(ax, lines, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                    bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-_xlabel_depth(), units="points"),
                    borderaxespad=0.0, handlelength=2.2, ncols=ncols, columnspacing=1.2)
    bold = {words[a] for a in ne_of}
    for t in leg.get_texts():
        if t.get_text() in bold:
            t.set_fontweight("bold")


def stats_panel(ax: Axes, stats_table: pa.Table, shocks: list, end: int, title: str) -> None:
    """The share of runs at a pure NE (of the game in force) up to step ``end``."""
    s, v = stats_series(stats_table)
    keep = s <= end
    ax.plot(s[keep], v[keep], color="black", linewidth=1.5, label="share at a pure NE")
    _time_axis(ax, shocks, end)
    ax.set_title(title, parse_math=False, loc="left")


def explanation(ne: list, shocks: list, scenario, window: str | None, width: float,
                sequential: bool = False) -> list:
    """Legend entries that say what the marks mean, wrapped to ``width`` inches (``sequential``:
    ``ne`` is the subgame-perfect path of the sequential game)."""
    when = "\n(the game before the shock)" if shocks else ""
    if not ne:
        out = [Patch(facecolor="none", edgecolor="none", label="no pure Nash equilibrium at this point")]
    elif len(ne) == 1:
        what = "on the path of the subgame-perfect equilibrium" if sequential else "of the exact pure Nash equilibrium"
        out = [Line2D([], [], color=NE_COLOURS[0], linewidth=1.8, label=f"action {what}{when}; bold in the legends",
                      **{**NE_MARKER, "linestyle": "-"})]
    else:
        out = [Line2D([], [], color=NE_COLOURS[e % len(NE_COLOURS)], linewidth=1.8,
                      label=f"actions of exact pure NE {e + 1}{when if e == 0 else ''}",
                      **{**NE_MARKER, "linestyle": "-"}) for e in range(len(ne))]
    out.append(Line2D([], [], color=OTHER_GREYS[0], linestyle=OTHER_DASHES[1], linewidth=1.3,
                      label="actions off the SPE path (grey, dashed)" if sequential else
                      "actions of no pure NE (grey, dashed)"))
    if ne:
        out.append(Line2D([], [], color="0.45", linestyle=(0, (4, 2.5)), linewidth=1.1,
                          label="share 1 of an SPE-path action" if sequential else
                          "share 1 of an NE action (all runs play it)"))
    out += [Line2D([], [], label=f"shock at {shock_text(sh, scenario)}", **SHOCK_LINE) for sh in shocks]
    if window:
        out.append(Patch(facecolor="none", edgecolor="none", label=window[0].upper() + window[1:]))
    for h in out:
        h.set_label(wrap_text(h.get_label(), width - 0.45, "legend.fontsize"))
    return out


# ----------------------------------------------------------------------------- figure


def _canvas(series: dict, words: dict, n_panels: int, title: str):
    """The figure (two panels a row, a free cell for the explanation) and its axes, flat,
    with the legend column count of each actor; heights from what the legends need."""
    ncols, cell_w = 2, PAGE_WIDTH / 2
    nrows = math.ceil((n_panels + 1) / ncols)
    leg_cols = [legend_ncols(list(words[actor].values()), cell_w - 0.35, handlelength=2.2) for actor in series]
    leg_rows = [round((AP.legend_height(list(words[actor].values()), c) - 0.1) / AP.LINE_H)  # lines, wrapped ones too
                for actor, c in zip(series, leg_cols)]
    row_legend = [max(leg_rows[r * ncols:(r + 1) * ncols], default=0) for r in range(nrows)]
    height = 0.15 + 0.2 * (title.count("\n") + 1) + sum(AXES_H + 0.8 + (AP.LINE_H * k + 0.1 if k else 0.0)
                                                        for k in row_legend)
    fig = Figure(figsize=(PAGE_WIDTH, height), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    return fig, list(axs.flat), leg_cols


def _title(meta: dict, baseline_label: str, lam) -> str:
    """``"Adaptive play at the baseline point: logit (λ = 1 per $bn/yr), 20 runs × 40 steps"``."""
    where = "baseline point" if baseline_label == FS.BASELINE_LABEL else baseline_label
    lam = meta.get("lam") if lam is None else lam
    game = " of the sequential game" if meta.get("game") == "sequential" else ""
    return wrap_text(f"Adaptive play{game} at the {where}: {rule_name(meta.get('rule', '?'), lam)}, "
                     f"{runs_text(meta.get('replicates'), meta.get('steps'))}", PAGE_WIDTH - 0.2, "figure.titlesize")


@FS.styled
def trajectory_figure(shares_table: pa.Table, stats_table: pa.Table | None = None, scenario=None,
                      baseline_label: str = FS.BASELINE_LABEL, lam: float | None = None) -> Figure:
    """Adaptive play over time at the recorded point: one panel per actor, then share at NE.

    Parameters
    ----------
    shares_table : pyarrow.Table
        ``trajectory.parquet``: step, actor, action, share (of runs playing the action).
    stats_table : pyarrow.Table, optional
        ``trajectory_stats.parquet``: step, share_at_nash (last panel; left out if None).
    scenario : Scenario or str, optional
        The run's scenario (or its name): legends name actions in its words
        (:func:`sim.figures.style.action_name`) and shocks by parameter labels; codes without it.
    baseline_label : str
        Where the runs were recorded, for the title (:func:`sim.figures.style.baseline_text`).
    lam : float, optional
        The logit rule's rationality λ (1/($bn/yr)), shown with the rule's name; by default
        the table's.

    Returns
    -------
    Figure
        A page wide (:data:`sim.figures.style.PAGE_WIDTH`), two panels a row: one panel per
        actor (one line per action, legend below the panel, the actions of exact pure NE
        ``k`` in ``NE_COLOURS[k]`` and bold, with a ``<`` marker at share 1; other actions
        grey and dashed); then the share of runs at a pure NE; an explanation in the free
        cell. Steps 0 .. :func:`sim.figures.abm_words.time_window`; title = rule and runs.
    """
    meta = trajectory_meta(shares_table)
    sequential = meta.get("game") == "sequential"  # actions on the path; marks: the SPE path
    series = action_shares(shares_table)
    end, settled_by = time_window(meta)
    shocks = list(meta.get("shocks") or [])
    n_panels = len(series) + (stats_table is not None)
    title = _title(meta, baseline_label, lam)
    words = {actor: {a: wrap_text(FS.action_name(scenario, actor, a), PAGE_WIDTH / 2 - 0.75, "legend.fontsize")
                     for a in acts} for actor, acts in series.items()}  # a long name wraps in its cell
    fig, flat, leg_cols = _canvas(series, words, n_panels, title)
    for p, (actor, acts) in enumerate(series.items()):
        actor_panel(flat[p], actor, acts, words[actor], meta, end, leg_cols[p], FS.panel_title(p, n_panels, actor))
    p = len(series)
    if stats_table is not None:
        head = ("runs at subgame-perfect strategies" if sequential else "runs at a pure Nash equilibrium") \
            + (" of the game in force" if shocks else "")
        stats_panel(flat[p], stats_table, shocks, end,
                    wrap_text(FS.panel_title(p, n_panels, head), PAGE_WIDTH / 2 - 0.1, "axes.titlesize"))
        p += 1
    for ax in flat[p:]:
        AP.no_frame(ax)
    for ax in flat[:p]:
        ax.set_xlabel("step")
        ax.xaxis.set_tick_params(labelbottom=True)
    window = window_text(end, int(meta.get("steps") or end), settled_by)
    AP.legend(flat[p], explanation(meta["pure_nash"], shocks, scenario, window, PAGE_WIDTH / 2, sequential),
              loc="upper left", borderaxespad=0.0)  # the grid always has a free cell
    fig.suptitle(title, parse_math=False)
    return fig
