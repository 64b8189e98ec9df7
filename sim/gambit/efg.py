"""Read and write Gambit extensive-game files (``.efg``, version 2), perfect
information only.

Every personal information set must hold a single node. Outcomes attached to
non-terminal nodes add to the payoffs of every leaf below them (Gambit's semantics); the
reader folds them into the leaf payoffs, summing exactly (as rationals) before rounding
once to ``float``. Chance probabilities must be non-negative and sum to exactly one, as
Gambit requires; the writer gives them as exact rationals that do.

Numbers, labels and errors are as described in :mod:`sim.gambit`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sim.gambit._text import (
    GameFileError,
    _Cursor,
    _decode,
    _format_float,
    _format_fraction,
    _fraction,
    _fraction_to_float,
    _parse_file,
    _parse_header,
    _parse_payoff_tokens,
    _quote,
    _Token,
    _write_text,
)
from sim.engine.tree import CHANCE, TERMINAL, Tree

__all__ = ["ExtensiveFormGame", "format_efg", "parse_efg", "read_efg", "write_efg"]


@dataclass(frozen=True, eq=False)
class ExtensiveFormGame:
    """A perfect-information extensive game: a :class:`sim.engine.tree.Tree` and leaf payoffs.

    Attributes
    ----------
    title : the game's title.
    tree : the game tree (nodes in preorder, leaves numbered in preorder).
    leaf_payoffs : float array, shape (n_leaves, N); ``leaf_payoffs[l, i]`` is player
        ``i``'s payoff at leaf ``l`` (outcomes on the path already added in).
    outcome_labels : per leaf, in leaf order, the label of its outcome (e.g. the actions
        and the regime it stands for), shape (n_leaves,); None: unlabelled (``""``).
        Read back as the label of the outcome attached to each terminal node.
    """

    title: str
    tree: Tree
    leaf_payoffs: np.ndarray
    outcome_labels: tuple[str, ...] | None = None


# ------------------------------------------------------------------- reading


class _EfgBuilder:
    """Accumulates the nodes of a perfect-information tree read in preorder."""

    def __init__(self, n_players: int):
        self.n_players = n_players
        self.node_player: list[int] = []
        self.children: list[list[int]] = []
        self.actions: list[tuple[str, ...]] = []
        self.probs: list[tuple[float, ...]] = []
        self.leaf_payoffs: list[list[float]] = []
        self.personal_infosets: dict[tuple[int, int], int] = {}  # (player, infoset) -> node
        self.chance_infosets: dict[int, tuple[tuple[str, ...], tuple[Fraction, ...]]] = {}
        self.outcomes: dict[int, tuple[Fraction, ...]] = {}
        self.outcome_labels: dict[int, str] = {0: ""}
        self.leaf_labels: list[str] = []
        # open internal nodes: [node id, children still expected, accumulated payoffs]
        self.stack: list[list] = []

    def add_node(self, kind: int, actions: tuple[str, ...], probs: tuple[float, ...]) -> int:
        """Append a node under the innermost open node; its id."""
        v = len(self.node_player)
        self.node_player.append(kind)
        self.children.append([])
        self.actions.append(actions)
        self.probs.append(probs)
        if self.stack:
            top = self.stack[-1]
            self.children[top[0]].append(v)
            top[1] -= 1
            if top[1] == 0:
                self.stack.pop()
        return v

    def tree(self, players: tuple[str, ...]) -> Tree:
        """The finished :class:`Tree` (fields built directly, nodes already in preorder)."""
        node_player = np.array(self.node_player, dtype=int)
        leaf_index = np.full(len(node_player), -1, dtype=int)
        term = node_player == TERMINAL
        leaf_index[term] = np.arange(int(term.sum()))
        return Tree(
            players=players,
            node_player=node_player,
            children=tuple(tuple(c) for c in self.children),
            actions=tuple(self.actions),
            probs=tuple(self.probs),
            leaf_index=leaf_index,
        )


def _parse_action_list(cur: _Cursor, with_probs: bool) -> tuple[tuple[str, ...], tuple[Fraction, ...]]:
    """``{ "a" "b" }`` or, at chance nodes, ``{ "a" 1/2 "b" 1/2 }``."""
    cur.expect_punct("{", "opening the action list")
    labels, probs = [], []
    while not cur.at("punct", "}"):
        labels.append(cur.expect_label("an action label or '}'"))
        if with_probs:
            probs.append(cur.expect_fraction(f"the probability of action {labels[-1]!r}"))
    cur.take("'}'")
    if not labels:
        raise cur.error("a node must have at least one action")
    return tuple(labels), tuple(probs)


def _check_probabilities(cur: _Cursor, tok: _Token, probs: Sequence[Fraction]) -> None:
    """Chance probabilities must be non-negative and sum to exactly one (as in Gambit)."""
    if any(p < 0 for p in probs):
        raise cur.error("chance probabilities must be non-negative", tok)
    total = sum(probs, Fraction(0))
    if total != 1:
        raise cur.error(f"chance probabilities sum to {_format_fraction(total)}, not exactly 1", tok)


def _parse_outcome(cur: _Cursor, b: _EfgBuilder) -> tuple[tuple[Fraction, ...], str]:
    """``number ["label" { payoffs }]``: the outcome's payoffs (zeros for outcome 0) and
    its label (``""`` for outcome 0)."""
    tok = cur.peek()
    number = cur.expect_int("an outcome number")
    if not cur.at("str"):
        if number == 0:
            return (Fraction(0),) * b.n_players, ""
        if number not in b.outcomes:
            raise cur.error(f"outcome {number} is used before its payoffs are given", tok)
        return b.outcomes[number], b.outcome_labels[number]
    if number == 0:
        raise cur.error("the null outcome 0 cannot have a label or payoffs", tok)
    label = cur.expect_label("outcome label")
    cur.expect_punct("{", f"opening the payoffs of outcome {number}")
    toks = _parse_payoff_tokens(cur, b.n_players, f"outcome {number}")
    payoffs = tuple(_fraction(t, cur, f"payoff in outcome {number}") for t in toks)
    if number in b.outcomes and b.outcomes[number] != payoffs:
        raise cur.error(f"outcome {number} is redefined with different payoffs", tok)
    b.outcomes[number] = payoffs
    b.outcome_labels[number] = label
    return payoffs, label


def _parse_personal(cur: _Cursor, b: _EfgBuilder, tok: _Token) -> tuple[int, tuple[str, ...], tuple]:
    """``player infoset ["infoset label"] [{ actions }]`` after ``p "name"``."""
    player = cur.expect_int("a player number")
    if not 1 <= player <= b.n_players:
        raise cur.error(f"player number {player} is out of range 1..{b.n_players}", tok)
    infoset = cur.expect_int("an information set number")
    cur.skip_optional_label()
    if (player, infoset) in b.personal_infosets:
        raise cur.error(
            f"the tree is not perfect-information: player {player}'s information set {infoset} "
            "contains more than one node",
            tok,
        )
    b.personal_infosets[(player, infoset)] = len(b.node_player)
    if not cur.at("punct", "{"):
        raise cur.error(f"player {player}'s information set {infoset} has no action list")
    labels, _ = _parse_action_list(cur, with_probs=False)
    return player - 1, labels, ()


def _parse_chance(cur: _Cursor, b: _EfgBuilder, tok: _Token) -> tuple[int, tuple[str, ...], tuple]:
    """``infoset ["infoset label"] [{ "a" p ... }]`` after ``c "name"``.

    Nature has no information, so chance nodes may share an information set (the actions
    and probabilities are then given once and reused).
    """
    infoset = cur.expect_int("an information set number")
    cur.skip_optional_label()
    if cur.at("punct", "{"):
        labels, probs = _parse_action_list(cur, with_probs=True)
        _check_probabilities(cur, tok, probs)
        if b.chance_infosets.setdefault(infoset, (labels, probs)) != (labels, probs):
            raise cur.error(f"chance information set {infoset} is redefined differently", tok)
    elif infoset in b.chance_infosets:
        labels, probs = b.chance_infosets[infoset]
    else:
        raise cur.error(f"chance information set {infoset} has no action list")
    return CHANCE, labels, tuple(float(p) for p in probs)


def _parse_node(cur: _Cursor, b: _EfgBuilder) -> None:
    """One node line: ``p ...``, ``c ...`` or ``t ...``; appended to the builder."""
    tok = cur.peek()
    kind = cur.expect_word(("p", "c", "t"), "a node ('p', 'c' or 't')")
    cur.expect_label("the node label")
    if kind == "p":
        mover, labels, probs = _parse_personal(cur, b, tok)
    elif kind == "c":
        mover, labels, probs = _parse_chance(cur, b, tok)
    else:
        mover, labels, probs = TERMINAL, (), ()
    outcome, label = _parse_outcome(cur, b)
    above = b.stack[-1][2] if b.stack else (Fraction(0),) * b.n_players
    acc = tuple(x + y for x, y in zip(above, outcome))
    v = b.add_node(mover, labels, probs)
    if mover == TERMINAL:
        b.leaf_payoffs.append([_fraction_to_float(x, cur, f"a payoff at node {v}") for x in acc])
        b.leaf_labels.append(label)
    else:
        b.stack.append([v, len(labels), acc])


def parse_efg(text: str | bytes) -> ExtensiveFormGame:
    """Parse the text of a Gambit ``.efg`` file holding a perfect-information tree.

    Returns
    -------
    ExtensiveFormGame with ``leaf_payoffs`` of shape (n_leaves, N); outcomes attached to
    non-terminal nodes are added into the payoffs of the leaves below them.
    ``outcome_labels`` holds the label of each terminal node's own outcome.

    Raises
    ------
    GameFileError on any malformed or unsupported input, including information sets
    with more than one node (not perfect information).
    """
    cur = _Cursor(_decode(text))
    title, players = _parse_header(cur, "EFG", 2)
    cur.skip_optional_label()  # the comment
    b = _EfgBuilder(len(players))
    _parse_node(cur, b)
    while b.stack:
        if cur.peek() is None:
            raise cur.error(f"the tree is incomplete ({sum(e[1] for e in b.stack)} more nodes expected)")
        _parse_node(cur, b)
    cur.expect_end("the last node of the tree")
    leaf_payoffs = np.array(b.leaf_payoffs, dtype=float).reshape(-1, len(players))
    return ExtensiveFormGame(title, b.tree(players), leaf_payoffs, tuple(b.leaf_labels))


def read_efg(path) -> ExtensiveFormGame:
    """Read a Gambit ``.efg`` file holding a perfect-information tree.

    Parameters
    ----------
    path : str or os.PathLike; the file (UTF-8, or Latin-1 if it is not valid UTF-8).

    Returns
    -------
    ExtensiveFormGame with ``leaf_payoffs`` of shape (n_leaves, N); see :func:`parse_efg`.

    Raises
    ------
    GameFileError if the file is missing, unreadable, malformed or not perfect-information.
    """
    return _parse_file(path, parse_efg)


# ------------------------------------------------------------------- writing


def _simplest_fraction(p: float) -> Fraction:
    """The rational with the smallest denominator bound (10, 100, ...) that rounds to ``p``."""
    exact = Fraction(p)
    for k in range(1, 16):
        q = exact.limit_denominator(10**k)
        if float(q) == p:
            return q
    return exact


def _exact_probabilities(probs: Sequence[float]) -> list[Fraction]:
    """Rationals for chance probabilities that sum to exactly one.

    Each probability is written as the simplest rational that rounds to it; if these do
    not sum to one (probabilities that are not simple fractions), the largest one
    absorbs the difference, so it may read back one or two ulps away.
    """
    ps = [float(p) for p in probs]
    if not ps or any(not math.isfinite(p) or p < 0 for p in ps) or abs(sum(ps) - 1) > 1e-9:
        raise GameFileError(f"chance probabilities {ps} must be non-negative and sum to 1")
    qs = [_simplest_fraction(p) for p in ps]
    total = sum(qs, Fraction(0))
    if total != 1:
        k = max(range(len(qs)), key=lambda j: qs[j])
        qs[k] += 1 - total
    return qs


def _preorder(tree: Tree) -> Iterator[int]:
    """Node ids from the root in depth-first preorder (children in action order)."""
    seen = np.zeros(tree.n_nodes, dtype=bool)
    stack = [0]
    while stack:
        v = stack.pop()
        if not 0 <= v < tree.n_nodes or seen[v]:
            raise GameFileError(f"tree is malformed: node {v} is out of range or reached twice")
        seen[v] = True
        yield v
        stack.extend(reversed(tree.children[v]))
    if not seen.all():
        raise GameFileError(f"tree is malformed: node {int(np.argmin(seen))} is not reachable from the root")


def _check_efg(game: ExtensiveFormGame) -> np.ndarray:
    """The leaf payoffs of ``game`` after checking their shape and finiteness."""
    tree = game.tree
    lp = np.asarray(game.leaf_payoffs, dtype=float)
    if tree.n_players == 0 or tree.n_nodes == 0:
        raise GameFileError("the tree has no players or no nodes")
    if lp.shape != (tree.n_leaves, tree.n_players):
        raise GameFileError(f"leaf_payoffs must have shape ({tree.n_leaves}, {tree.n_players}); got {lp.shape}")
    if not np.all(np.isfinite(lp)):
        raise GameFileError("leaf payoffs must be finite")
    labels = game.outcome_labels
    if labels is not None and len(labels) != tree.n_leaves:
        raise GameFileError(f"outcome_labels must have one label per leaf ({tree.n_leaves}); got {len(labels)}")
    return lp


def _format_efg_node(tree: Tree, v: int, lp: np.ndarray, counters: dict, labels=None) -> str:
    """The line of node ``v``; ``counters`` numbers infosets per player and outcomes;
    ``labels``: the outcome label of each leaf, or None (unlabelled)."""
    mover = int(tree.node_player[v])
    if mover == TERMINAL:
        leaf = int(tree.leaf_index[v])
        if not 0 <= leaf < len(lp):
            raise GameFileError(f"tree is malformed: leaf node {v} has leaf index {leaf}")
        counters["outcome"] += 1
        payoffs = ", ".join(_format_float(x) for x in lp[leaf])
        label = _quote(labels[leaf] if labels is not None else "")
        return f't "" {counters["outcome"]} {label} {{ {payoffs} }}'
    labels = tree.actions[v]
    if not labels or len(labels) != len(tree.children[v]):
        raise GameFileError(f"tree is malformed: node {v} has {len(labels)} actions, {len(tree.children[v])} children")
    counters[mover] = counters.get(mover, 0) + 1
    if mover == CHANCE:
        if len(tree.probs[v]) != len(labels):
            raise GameFileError(f"tree is malformed: chance node {v} needs one probability per action")
        qs = _exact_probabilities(tree.probs[v])
        acts = " ".join(f"{_quote(a)} {_format_fraction(q)}" for a, q in zip(labels, qs))
        return f'c "" {counters[mover]} "" {{ {acts} }} 0'
    if not 0 <= mover < tree.n_players:
        raise GameFileError(f"tree is malformed: node {v} has unknown player {mover}")
    acts = " ".join(map(_quote, labels))
    return f'p "" {mover + 1} {counters[mover]} "" {{ {acts} }} 0'


def format_efg(game: ExtensiveFormGame) -> str:
    """The text of a Gambit ``.efg`` file (version 2) for ``game``.

    Parameters
    ----------
    game : ExtensiveFormGame with ``leaf_payoffs`` of shape (n_leaves, N).

    Returns
    -------
    str. Every decision node gets its own information set and every leaf its own
    outcome, labelled from ``game.outcome_labels``; chance probabilities are written as
    exact rationals summing to one.

    Raises
    ------
    GameFileError if the tree is inconsistent or a payoff is not finite.
    """
    lp = _check_efg(game)
    tree = game.tree
    head = f"EFG 2 R {_quote(game.title)} {{ {' '.join(map(_quote, tree.players))} }}"
    lines = [head, '""', ""]
    counters = {"outcome": 0}
    lines += [_format_efg_node(tree, v, lp, counters, game.outcome_labels) for v in _preorder(tree)]
    return "\n".join(lines) + "\n"


def write_efg(path, game: ExtensiveFormGame) -> None:
    """Write ``game`` (leaf payoffs of shape (n_leaves, N)) to ``path`` as UTF-8 ``.efg``.

    See :func:`format_efg`.
    """
    _write_text(path, format_efg(game))
