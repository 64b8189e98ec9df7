"""The sequential game drawn at one parameter point: the subgame-perfect path and the
best replies off it.

An indented tree, read from the top: each decision node on the path lists its mover's
options. The option the equilibrium takes (bold, on the thick line) opens the next
mover's node; every other option is folded into one row saying what would follow it —
each later mover's best reply (the equilibrium continuation) — and the regime that ends
in, so the threats off the path can be read (what the US would do if Iraq demanded an
exit, or bought the system). The last mover's other replies fold into one row naming
the best of them. A column gives the mover's payoff of each option (the scenario's
unit, $bn/yr for Model 2: the continuation after that option), so each choice can be
checked by eye; the path's end lists every player's payoff.

Solved by full backward induction at the point (:func:`sim.engine.tree.backward_induction`,
the tie rule and path of the ``spe`` solver, :mod:`sim.solvers.spe`). Words come from the
scenario (:func:`sim.figures.style.action_name`, parameter labels); colours are the
regime colours of every figure (:func:`sim.figures.style.regime_colours`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.params import batch_size, get_value, iter_params, quantity, unitless
from sim.engine.scenario import Scenario, leaf_payoffs
from sim.engine.tree import TERMINAL, BackwardInduction, Tree, backward_induction
from sim.figures.style import PAGE_WIDTH, action_name, regime_colours, styled

if TYPE_CHECKING:  # matplotlib is imported on use
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Layout, in inches: margin, indent per level of the tree, the stub from a node's line to
#: an option, the gap between columns, extra height per row, and where labels end (as a
#: share of the width; longer labels wrap).
MARGIN, INDENT, STUB, GAP, PAD, LABEL_END = 0.08, 0.28, 0.15, 0.14, 0.05, 0.42
PATH_COLOUR, OFF_COLOUR = "black", "0.6"
PATH_WIDTH, OFF_WIDTH = 2.2, 0.8
MINUS = "\u2212"


@dataclass(frozen=True)
class Row:
    """One row of the drawn tree.

    Attributes
    ----------
    kind : ``"node"`` (a decision node on the path: its mover), ``"option"`` (an action
        of a node on the path), ``"others"`` (the last mover's other replies, folded) or
        ``"leaf"`` (the path's end).
    level : depth of the node the row belongs to (root 0; a leaf: its depth).
    actor : the mover's name (a leaf: ``""``).
    code : the action's code (an option; ``others``: the best of the folded replies).
    on_path : the row lies on the subgame-perfect path.
    value : the mover's payoff after this option, the scenario's unit (None: none shown).
    follow : the best replies after this option, ``(actor, code)`` each (folded subtree).
    regime : index of the regime the row leads to (None for a node).
    payoffs : a leaf's payoff to each player, shape (N,); else None.
    count : ``others``: how many replies are folded; else 0.
    tie : an option on the path that another option ties with (within the solver's
        tolerance): the tie rule, not the payoffs, chose it.
    """

    kind: str
    level: int
    actor: str
    code: str = ""
    on_path: bool = False
    value: float | None = None
    follow: tuple[tuple[str, str], ...] = ()
    regime: int | None = None
    payoffs: tuple[float, ...] | None = None
    count: int = 0
    tie: bool = False


#: The mark of a choice a tie decided, and the note that explains it.
TIE_MARK = "\u2020"
TIE_NOTE = f"{TIE_MARK} Tied with another option: the tie rule takes the one listed first, the less escalatory."


def solve_point(sc: Scenario, params) -> BackwardInduction:
    """Backward induction of ``sc``'s sequential game at one point (scalar leaves)."""
    if batch_size(params) != 1:
        raise ValueError("the game tree is drawn at one parameter point: give scalar parameters")
    return backward_induction(sc.sequential.tree, leaf_payoffs(sc, params))


def _continuation(tree: Tree, choice: np.ndarray, v: int) -> tuple[list[int], int]:
    """The decision nodes from ``v`` on, each mover playing ``choice``, and the leaf reached."""
    nodes = []
    while tree.node_player[v] >= 0:
        nodes.append(v)
        v = tree.children[v][int(choice[v])]
    return nodes, v


def tree_rows(sc: Scenario, params) -> list[Row]:
    """The rows of the drawn tree (:class:`Row`), top to bottom, at one point."""
    res = solve_point(sc, params)
    rows: list[Row] = []
    _node_rows(sc, res, 0, 0, rows)
    return rows


def _node_rows(sc: Scenario, res: BackwardInduction, v: int, level: int, rows: list[Row]) -> None:
    """Append the rows of path node ``v``: the node, its options, the subtree of the chosen one."""
    tree, form = sc.sequential.tree, sc.sequential
    choice, values = res.choice[0], res.values[0]
    mover = int(tree.node_player[v])
    actor = sc.players[mover]
    rows.append(Row("node", level, actor, on_path=True))
    kids, pick = tree.children[v], int(choice[v])
    last = all(tree.node_player[c] == TERMINAL for c in kids)
    for k, c in enumerate(kids):
        nodes, leaf = _continuation(tree, choice, c)
        regime = int(form.regime[tree.leaf_index[leaf]])
        value = float(values[c, mover])
        if k == pick:
            rows.append(Row("option", level, actor, tree.actions[v][k], True, value, (), regime,
                            tie=bool(res.tie[0, v])))
            if tree.node_player[c] >= 0:
                _node_rows(sc, res, c, level + 1, rows)
            else:
                rows.append(Row("leaf", level + 1, "", on_path=True, regime=regime,
                                payoffs=tuple(float(x) for x in values[c])))
        elif not last:
            follow = tuple((sc.players[int(tree.node_player[u])], tree.actions[u][int(choice[u])]) for u in nodes)
            rows.append(Row("option", level, actor, tree.actions[v][k], False, value, follow, regime))
    if last and len(kids) > 1:
        rows.append(_others_row(sc, tree, v, pick, values, level))


def _others_row(sc: Scenario, tree: Tree, v: int, pick: int, values: np.ndarray, level: int) -> Row:
    """The last mover's replies other than its choice, folded: the best of them (first on ties)."""
    mover = int(tree.node_player[v])
    rest = [k for k in range(len(tree.children[v])) if k != pick]
    own = [values[tree.children[v][k], mover] for k in rest]
    best = rest[int(np.argmax(own))]
    leaf = tree.children[v][best]
    return Row("others", level, sc.players[mover], tree.actions[v][best], False, float(max(own)), (),
               int(sc.sequential.regime[tree.leaf_index[leaf]]), count=len(rest))


# ----------------------------------------------------------------------------- words


def money(x: float) -> str:
    """A payoff with two decimals and a true minus sign: ``"−0.02"``."""
    text = f"{x:.2f}"
    return MINUS + text[1:] if text.startswith("-") and text != "-0.00" else text.lstrip("-")


def payoff_unit(sc: Scenario) -> str:
    """The unit payoffs are in: payoff terms add up the scenario's money parameters, so the
    commonest unit of its parameters that are not pure numbers ($bn/yr for every built-in
    scenario); ``""`` if all are pure numbers."""
    units = Counter(i.unit for i in iter_params(sc.params_cls) if not unitless(i.unit))
    return units.most_common(1)[0][0] if units else ""


def row_label(sc: Scenario, row: Row) -> str:
    """The words of a row's first column."""
    if row.kind == "node":
        return row.actor
    if row.kind == "option":
        return action_name(sc, row.actor, row.code)
    if row.kind == "others":
        return f"{row.count} other replies"
    return sc.regimes[row.regime]


def follow_text(sc: Scenario, row: Row) -> str:
    """The words of a row's last column: what follows it, and the regime."""
    regime = sc.regimes[row.regime] if row.regime is not None else ""
    if row.kind == "option" and not row.on_path:
        replies = "; ".join(f"{a}: {action_name(sc, a, c)}" for a, c in row.follow)
        return f"{replies} \u21d2 {regime}" if replies else f"\u21d2 {regime}"
    if row.kind == "others":
        return f"best of them: {action_name(sc, row.actor, row.code)} \u21d2 {regime}"
    if row.kind == "leaf":
        unit = payoff_unit(sc)
        pays = ", ".join(f"{p} {money(x)}" for p, x in zip(sc.players, row.payoffs))
        return f"Payoffs{f' ({unit})' if unit else ''}: {pays}"
    return ""


def point_title(sc: Scenario, params, regime: str) -> str:
    """``"Sequential game at the baseline: the subgame-perfect path ends in <regime>"``, or
    at the parameters that differ from the baseline, each ``"<label> = <value> <unit>"``,
    joined by middle dots."""
    base = sc.params_cls()
    changed = [f"{i.label} = {quantity(float(get_value(params, i.name)), i.unit)}"
               for i in iter_params(sc.params_cls)
               if float(get_value(params, i.name)) != float(get_value(base, i.name))]
    where = " \u00b7 ".join(changed) if changed else "the baseline"
    return f"Sequential game at {where}: the subgame-perfect path ends in {regime}"


# ------------------------------------------------------------------------- measuring


@lru_cache(maxsize=8192)
def _word_width(word: str, size: float, bold: bool) -> float:
    """Width (in) of ``word`` in the current font at ``size`` pt; measured once (the
    figure wraps some 50 texts, and measuring a whole line each time is slow)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return TextToPath().get_text_width_height_descent(word, prop, ismath=False)[0] / 72


def _line_width(words: list[str], size: float, bold: bool) -> float:
    space = _word_width("x x", size, bold) - 2 * _word_width("x", size, bold)
    return sum(_word_width(w, size, bold) for w in words) + space * max(len(words) - 1, 0)


def measure(text: str, size: float, bold: bool = False) -> float:
    """Width (in) of the widest line of ``text`` (words measured apart, kerning across a
    space ignored)."""
    return max(_line_width(line.split(" "), size, bold) for line in text.split("\n"))


def _greedy(words: list[str], width: float, size: float, bold: bool) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for w in words:
        if lines[-1] and _line_width([*lines[-1], w], size, bold) > width:
            lines.append([])
        lines[-1].append(w)
    return lines


def wrap(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` broken at spaces into as few lines as fit ``width`` inches, of even widths
    (the measure narrowed while the line count holds); a word too wide stays whole."""
    words = text.split(" ")
    lines = _greedy(words, width, size, bold)
    w = width
    while len(lines) > 1 and w > 0.1:
        w -= 0.05
        narrower = _greedy(words, w, size, bold)
        if len(narrower) > len(lines):
            break
        lines = narrower
    return "\n".join(" ".join(line) for line in lines)


# ---------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Placed:
    """A row laid out: its texts (wrapped), the x (in) where its label starts, and its
    vertical centre and height (in, from the top of the tree)."""

    row: Row
    label: str
    value: str
    follow: str
    x: float
    y: float
    height: float


def node_x(level: int) -> float:
    """Where the node of depth ``level`` is drawn (in)."""
    return MARGIN + 0.05 + INDENT * level


def label_x(row: Row) -> float:
    """Where a row's label starts (in): after the node's marker, or after an option's stub."""
    if row.kind in ("option", "others"):
        return node_x(row.level) + STUB + 0.05
    return node_x(row.level) + 0.11


def _lines(text: str) -> int:
    return text.count("\n") + 1 if text else 1


def layout(sc: Scenario, rows: list[Row], width: float = PAGE_WIDTH) -> tuple[list[Placed], tuple[float, float]]:
    """Rows placed on a page ``width`` inches wide: the texts wrapped to their columns,
    each row's centre and height (in); and the x (in) of the value column's right edge
    and of the follow column's left edge. Call under the figure's style."""
    from sim.figures.textfit import font_size

    size = font_size()
    bold = [r.on_path and r.kind != "node" for r in rows]  # wrapped and measured as drawn
    labels = [wrap(row_label(sc, r), LABEL_END * width - label_x(r), size, b) for r, b in zip(rows, bold)]
    values = [money(r.value) if r.value is not None else "" for r in rows]
    label_right = max(label_x(r) + measure(t, size, b) for r, t, b in zip(rows, labels, bold))
    value_right = label_right + GAP + max(measure(v, size, b) for v, b in zip(values, bold) if v)
    follow_x = value_right + GAP + 0.16  # room for the regime's colour square
    line = font_size() * 1.2 / 72
    placed, y = [], 0.0
    for r, lab, val in zip(rows, labels, values):
        fol = wrap(follow_text(sc, r), width - MARGIN - follow_x, size, r.kind == "leaf")
        h = max(_lines(lab), _lines(fol)) * line + PAD
        placed.append(Placed(r, lab, val, fol, label_x(r), y + h / 2, h))
        y += h
    return placed, (value_right, follow_x)


# --------------------------------------------------------------------------- drawing


def _line(ax: Axes, xs, ys, on_path: bool, **kw) -> None:
    ax.plot(xs, ys, color=PATH_COLOUR if on_path else OFF_COLOUR, lw=PATH_WIDTH if on_path else OFF_WIDTH,
            solid_capstyle="butt", zorder=3 if on_path else 2, **kw)


def _draw_connectors(ax: Axes, placed: list[Placed]) -> None:
    """Each node's line down to its options, the stubs, and the path's drop to the next node."""
    nodes = {p.row.level: p for p in placed if p.row.kind == "node"}
    for level, node in nodes.items():
        x = node_x(level)
        options = [p for p in placed if p.row.kind in ("option", "others") and p.row.level == level]
        _line(ax, [x, x], [node.y, options[-1].y], False)
        for p in options:
            _line(ax, [x, x + STUB], [p.y, p.y], p.row.on_path, linestyle="--" if p.row.kind == "others" else "-")
        chosen = next(p for p in options if p.row.on_path)
        _line(ax, [x, x], [node.y, chosen.y], True)
        below = next(p for p in placed if p.row.level == level + 1 and p.row.kind in ("node", "leaf"))
        top = chosen.y + chosen.height / 2 - PAD / 2  # just under the chosen option's words
        _line(ax, [node_x(level + 1)] * 2, [top, below.y], True)


def _draw_row(ax: Axes, sc: Scenario, p: Placed, colours: dict, cols: tuple[float, float]) -> None:
    """A row's marker, label, value and follow text."""
    from matplotlib.patches import Rectangle

    r = p.row
    value_right, follow_x = cols
    weight = "bold" if r.on_path and r.kind != "node" else "normal"
    gid = f"path:{r.actor}:{r.code}" if r.on_path and r.kind == "option" else ("path:leaf" if r.kind == "leaf" else None)
    if r.kind == "node":
        ax.plot([node_x(r.level)], [p.y], "o", color=PATH_COLOUR, ms=6, zorder=4)
    if r.kind == "leaf":
        ax.add_patch(Rectangle((node_x(r.level) - 0.055, p.y - 0.055), 0.11, 0.11, facecolor=colours[r.regime],
                               edgecolor=PATH_COLOUR, lw=1.0, zorder=4))
    style = "italic" if r.kind == "others" else "normal"
    ax.text(p.x, p.y, p.label, ha="left", va="center", fontweight=weight, fontstyle=style, gid=gid,
            linespacing=1.0, parse_math=False)
    if p.value:
        ax.text(value_right, p.y, p.value, ha="right", va="center", fontweight=weight, fontstyle=style)
    if r.tie:
        ax.text(value_right + 0.01, p.y, TIE_MARK, ha="left", va="center", fontweight=weight, gid="tie")
    if p.follow:
        ax.text(follow_x, p.y, p.follow, ha="left", va="center", linespacing=1.0, parse_math=False,
                fontweight="bold" if r.kind == "leaf" else "normal")
    if r.regime is not None and r.kind != "leaf" and not r.on_path:
        ax.add_patch(Rectangle((follow_x - 0.15, p.y - 0.045), 0.09, 0.09, facecolor=colours[r.regime],
                               edgecolor="0.3", lw=0.5, zorder=4))


def _header(sc: Scenario, cols: tuple[float, float], width: float) -> tuple[str, str, str]:
    """The three column headers, wrapped to their columns."""
    from sim.figures.textfit import font_size

    size, (value_right, follow_x) = font_size(), cols
    unit = payoff_unit(sc)
    return (wrap("Move (bold, thick line: the subgame-perfect path)", value_right - 1.0 - MARGIN, size),
            wrap(f"Mover's payoff{f' ({unit})' if unit else ''}", 0.9, size),
            wrap("What follows: each later mover's best reply \u21d2 regime", width - MARGIN - follow_x, size))


@styled
def game_tree_figure(sc: Scenario, params, *, title: str | None = None) -> Figure:
    """The sequential game of ``sc`` at ``params`` (one point: scalar leaves), the
    subgame-perfect path drawn in full and every other option folded to the best replies
    that would follow it; :data:`sim.figures.style.PAGE_WIDTH` wide.

    ``title`` defaults to the point (:func:`point_title`). Raises ValueError for a batch
    of several points.
    """
    from matplotlib.figure import Figure

    from sim.figures.textfit import font_size

    width = PAGE_WIDTH
    rows = tree_rows(sc, params)
    placed, cols = layout(sc, rows, width)
    heads = _header(sc, cols, width)
    regime = sc.regimes[next(r.regime for r in rows if r.kind == "leaf")]
    head_text = wrap(title if title is not None else point_title(sc, params, regime), width - 2 * MARGIN,
                     font_size("axes.titlesize"))
    line = font_size() * 1.2 / 72
    top = MARGIN + _lines(head_text) * font_size("axes.titlesize") * 1.25 / 72 + 0.12
    head_h = max(_lines(h) for h in heads) * line
    body = top + head_h + 0.1
    note = wrap(TIE_NOTE, width - 2 * MARGIN, font_size()) if any(r.tie for r in rows) else ""
    bottom = body + placed[-1].y + placed[-1].height / 2
    height = bottom + (_lines(note) * line + 0.08 if note else 0.0) + MARGIN
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.text(MARGIN, MARGIN, head_text, ha="left", va="top", fontsize=font_size("axes.titlesize"), parse_math=False)
    for x, text, ha in ((MARGIN, heads[0], "left"), (cols[0], heads[1], "right"), (cols[1] - 0.15, heads[2], "left")):
        ax.text(x, top + head_h, text, ha=ha, va="bottom", color="0.25", linespacing=1.0, parse_math=False)
    ax.plot([MARGIN, width - MARGIN], [top + head_h + 0.05] * 2, color="0.75", lw=0.6)
    shifted = [Placed(p.row, p.label, p.value, p.follow, p.x, p.y + body, p.height) for p in placed]
    colours = dict(enumerate(regime_colours(sc.regimes).values()))
    _draw_connectors(ax, shifted)
    for p in shifted:
        _draw_row(ax, sc, p, colours, cols)
    if note:
        ax.text(MARGIN, bottom + 0.08, note, ha="left", va="top", color="0.25", linespacing=1.0, parse_math=False)
    return fig
