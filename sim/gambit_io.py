"""Read and write Gambit game files: strategic games (``.nfg``) and perfect-information
extensive games (``.efg``).

Written from Gambit's documented file formats; only the parts this package needs.

Strategic games (``.nfg``, version 1)
-------------------------------------
Both layouts are read: the *payoff* version (a flat list of payoffs, one block of ``N``
numbers per contingency) and the *outcome* version (a list of named outcomes, then one
outcome number per contingency, ``0`` meaning the null outcome with all-zero payoffs).
Strategies are given either as counts ``{ 2 3 }`` (labelled ``"1"``, ``"2"``, ...) or as
label lists ``{ { "a" "b" } { "x" "y" "z" } }``. Contingencies are listed with the
**first** player's strategy varying fastest. The result uses this package's payoff
tensor convention ``U[i, a_1, ..., a_N]`` (see :mod:`sim.equilibrium`).

Extensive games (``.efg``, version 2)
-------------------------------------
Only perfect-information trees are accepted: every personal information set must hold a
single node. Outcomes attached to non-terminal nodes add to the payoffs of every leaf
below them (Gambit's semantics); the reader folds them into the leaf payoffs, summing
exactly (as rationals) before rounding once to ``float``. Chance probabilities must be
non-negative and sum to exactly one, as Gambit requires.

Numbers may be integers, decimals (``-1.5``, ``.25``, ``1e3``) or rationals (``3/2``).
Every problem with a file (missing, unreadable, malformed, unsupported) raises
:class:`GameFileError` with a one-line message.

Writing uses the shortest decimal that reads back as the identical ``float`` (never
exponent notation), and exact rationals for chance probabilities so that they sum to
exactly one. Labels are written as they are, quoted with ``\\"`` for ``"`` and ``\\\\``
for ``\\``, so every game round-trips through this module.

pygambit 16.7 is stricter about labels than this module: it rejects files with
non-ASCII bytes, labels with leading, trailing or doubled spaces, and player or strategy
labels that are numerals clashing with its default labels ("1", "2", ...); it renames
empty or repeated labels, and it mangles backslashes. Games whose labels avoid all that
are written in a form pygambit reads back with identical labels and payoffs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.tree import CHANCE, TERMINAL, Tree

__all__ = [
    "GameFileError",
    "NormalFormGame",
    "ExtensiveFormGame",
    "parse_nfg",
    "read_nfg",
    "format_nfg",
    "write_nfg",
    "parse_efg",
    "read_efg",
    "format_efg",
    "write_efg",
    "read_game",
]


class GameFileError(ValueError):
    """A game file is missing, unreadable, malformed, or uses an unsupported feature."""


# --------------------------------------------------------------------------- games


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """A strategic (normal-form) game.

    Attributes
    ----------
    title : the game's title.
    players : player names, shape (N,).
    strategies : per player, the strategy labels; player ``i`` has ``n_i`` of them.
    payoffs : float array, shape (N, n_1, ..., n_N); ``payoffs[i, a_1, ..., a_N]`` is
        player ``i``'s payoff when player ``j`` plays strategy ``a_j`` (0-based).
    """

    title: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: np.ndarray


@dataclass(frozen=True, eq=False)
class ExtensiveFormGame:
    """A perfect-information extensive game: a :class:`sim.tree.Tree` and leaf payoffs.

    Attributes
    ----------
    title : the game's title.
    tree : the game tree (nodes in preorder, leaves numbered in preorder).
    leaf_payoffs : float array, shape (n_leaves, N); ``leaf_payoffs[l, i]`` is player
        ``i``'s payoff at leaf ``l`` (outcomes on the path already added in).
    """

    title: str
    tree: Tree
    leaf_payoffs: np.ndarray


# ----------------------------------------------------------------------- tokenizer


class _Token(NamedTuple):
    kind: str  # "str" (quoted label), "punct" ({ } ,), or "word" (anything else)
    value: str
    pos: int  # offset of the token in the text


_TOKEN_RE = re.compile(
    r'\s*(?:(?P<str>"[^"\\]*(?:\\.[^"\\]*)*")|(?P<punct>[{},])|(?P<word>[^\s{},"]+))',
    re.ASCII | re.DOTALL,
)
_ESCAPE_RE = re.compile(r'\\(["\\])')
_INT_RE = re.compile(r"[0-9]+\Z")
_DEC_RE = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE](?P<exp>[+-]?[0-9]+))?\Z")
_RAT_RE = re.compile(r"(?P<num>-?[0-9]+)/(?P<den>[0-9]+)\Z")
_MAX_EXPONENT = 1000  # |exponent| beyond this is rejected (no float is that large/small)
_MAX_DIGITS = 4000  # below Python's int-string conversion limit


def _line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset ``pos``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - text.rfind("\n", 0, pos)


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens (iteratively; quoted labels may span lines)."""
    tokens: list[_Token] = []
    pos, end = 0, len(text)
    while True:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            if start >= end:
                return tokens
            line, col = _line_col(text, start)
            raise GameFileError(f"line {line}, column {col}: unterminated quoted label")
        kind = m.lastgroup
        tokens.append(_Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()


def _unquote(raw: str) -> str:
    """The label inside a quoted token: ``\\"`` is ``"``, ``\\\\`` is ``\\``."""
    return _ESCAPE_RE.sub(r"\1", raw[1:-1])


def _quote(label: str) -> str:
    """``label`` as a quoted Gambit label."""
    return '"' + str(label).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _describe(tok: _Token | None) -> str:
    """A short one-line description of a token for error messages."""
    if tok is None:
        return "end of file"
    shown = tok.value if len(tok.value) <= 30 else tok.value[:27] + "..."
    return repr(shown)


class _Cursor:
    """Sequential access to the tokens of one file, with located error messages."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def error(self, message: str, tok: _Token | None = None) -> GameFileError:
        """A GameFileError located at ``tok`` (default: the current token)."""
        tok = tok if tok is not None else self.peek()
        if tok is None:
            return GameFileError(f"at end of file: {message}")
        line, col = _line_col(self.text, tok.pos)
        return GameFileError(f"line {line}, column {col}: {message}")

    def remaining(self) -> int:
        return len(self.tokens) - self.i

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> _Token:
        """The next token; error mentioning ``what`` at end of file."""
        tok = self.peek()
        if tok is None:
            raise GameFileError(f"unexpected end of file: expected {what}")
        self.i += 1
        return tok

    def at(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == kind and (value is None or tok.value == value)

    def expect_punct(self, ch: str, what: str = "") -> None:
        tok = self.take(f"'{ch}'")
        if tok.kind != "punct" or tok.value != ch:
            extra = f" {what}" if what else ""
            raise self.error(f"expected '{ch}'{extra}, found {_describe(tok)}", tok)

    def expect_label(self, what: str) -> str:
        tok = self.take(what)
        if tok.kind != "str":
            raise self.error(f"expected {what} (a quoted label), found {_describe(tok)}", tok)
        return _unquote(tok.value)

    def expect_word(self, words: Sequence[str], what: str) -> str:
        tok = self.take(what)
        if tok.kind != "word" or tok.value not in words:
            raise self.error(f"expected {what}, found {_describe(tok)}", tok)
        return tok.value

    def expect_int(self, what: str) -> int:
        tok = self.take(what)
        if tok.kind != "word" or not _INT_RE.match(tok.value) or len(tok.value) > _MAX_DIGITS:
            raise self.error(f"expected {what} (a non-negative integer), found {_describe(tok)}", tok)
        return int(tok.value)

    def expect_fraction(self, what: str) -> Fraction:
        tok = self.take(what)
        return _fraction(tok, self, what)

    def expect_float(self, what: str) -> float:
        tok = self.take(what)
        return _float(tok, self, what)

    def skip_optional_label(self) -> str | None:
        """Consume and return a quoted label if one comes next."""
        if self.at("str"):
            return _unquote(self.take("label").value)
        return None

    def expect_end(self, what: str) -> None:
        tok = self.peek()
        if tok is not None:
            raise self.error(f"unexpected {_describe(tok)} after {what}", tok)


# ------------------------------------------------------------------------- numbers


def _check_number_token(tok: _Token, cur: _Cursor, what: str) -> re.Match:
    """Validate a numeric token's syntax and size; the regex match."""
    if tok.kind == "word" and len(tok.value) > _MAX_DIGITS:
        raise cur.error(f"{what} {_describe(tok)} has more than {_MAX_DIGITS} characters", tok)
    m = None if tok.kind != "word" else (_RAT_RE.match(tok.value) or _DEC_RE.match(tok.value))
    if m is None:
        raise cur.error(f"expected {what} (a number), found {_describe(tok)}", tok)
    exp = m.groupdict().get("exp")
    if exp is not None and (len(exp) > 6 or abs(int(exp)) > _MAX_EXPONENT):
        raise cur.error(f"{what} {_describe(tok)} is out of range", tok)
    if m.groupdict().get("den") is not None and int(m.group("den")) == 0:
        raise cur.error(f"{what} {_describe(tok)} divides by zero", tok)
    return m


def _fraction(tok: _Token, cur: _Cursor, what: str) -> Fraction:
    """The exact value of a numeric token."""
    m = _check_number_token(tok, cur, what)
    if m.groupdict().get("den") is not None:
        return Fraction(int(m.group("num")), int(m.group("den")))
    return Fraction(tok.value)


def _float(tok: _Token, cur: _Cursor, what: str) -> float:
    """The value of a numeric token rounded once to the nearest float (must be finite)."""
    m = _check_number_token(tok, cur, what)
    try:
        if m.groupdict().get("den") is not None:
            x = float(Fraction(int(m.group("num")), int(m.group("den"))))
        else:
            x = float(tok.value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise cur.error(f"{what} {_describe(tok)} is too large for a float", tok)
    return x


def _fraction_to_float(q: Fraction, cur: _Cursor, what: str) -> float:
    """``float(q)``, as a GameFileError if it overflows."""
    try:
        return float(q)
    except OverflowError:
        raise cur.error(f"{what} is too large for a float") from None


def _format_float(x: float) -> str:
    """Shortest positional decimal that reads back as exactly ``x`` (``3`` for 3.0)."""
    x = float(x)
    if not math.isfinite(x):
        raise GameFileError(f"cannot write non-finite number {x!r}")
    return np.format_float_positional(x, unique=True, trim="-")


def _format_fraction(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


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


# ------------------------------------------------------------------------ file I/O


def _decode(data: bytes | str) -> str:
    """Text of a game file: UTF-8, or Latin-1 for legacy files that are not UTF-8."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_text(path) -> str:
    """The decoded contents of ``path``; GameFileError if it cannot be read."""
    p = Path(path)
    try:
        return _decode(p.read_bytes())
    except FileNotFoundError:
        raise GameFileError(f"no such file: {p}") from None
    except IsADirectoryError:
        raise GameFileError(f"not a file: {p}") from None
    except OSError as exc:
        raise GameFileError(f"cannot read {p}: {exc.strerror or exc}") from None


def _parse_file(path, parser):
    """Parse the file at ``path`` with ``parser``, prefixing errors with the path."""
    text = _read_text(path)
    try:
        return parser(text)
    except GameFileError as exc:
        raise GameFileError(f"{path}: {exc}") from None


def _write_text(path, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def _parse_header(cur: _Cursor, magic: str, version: int) -> tuple[str, tuple[str, ...]]:
    """The prologue ``MAGIC version R "title" { "player" ... }``: title and players."""
    tok = cur.peek()
    if tok is None or tok.kind != "word" or tok.value != magic:
        raise GameFileError(f"not a Gambit .{magic.lower()} file: it must start with '{magic}'")
    cur.take(magic)
    tok = cur.take("version number")
    if tok.kind != "word" or tok.value != str(version):
        raise cur.error(
            f"unsupported {magic} version {_describe(tok)} (only version {version} is supported)", tok
        )
    cur.expect_word(("R", "D"), "'R'")
    title = cur.expect_label("the game title")
    cur.expect_punct("{", "opening the player list")
    players = []
    while not cur.at("punct", "}"):
        players.append(cur.expect_label("a player name or '}'"))
    cur.take("'}'")
    if not players:
        raise cur.error("the game has no players")
    return title, tuple(players)


# -------------------------------------------------------------------------- .nfg


def _parse_strategies(cur: _Cursor, n_players: int) -> tuple[tuple[str, ...], ...]:
    """Strategy counts ``{ 2 3 }`` or label lists ``{ { "a" "b" } ... }``, per player."""
    cur.expect_punct("{", "opening the strategy list")
    strategies: list[tuple[str, ...]] = []
    while not cur.at("punct", "}"):
        if cur.at("punct", "{"):
            cur.take("'{'")
            labels = []
            while not cur.at("punct", "}"):
                labels.append(cur.expect_label("a strategy label or '}'"))
            cur.take("'}'")
        else:
            tok = cur.peek()
            count = cur.expect_int("a strategy count or '{'")
            if count > cur.remaining():
                raise cur.error(f"strategy count {count} is larger than the file allows", tok)
            labels = [str(k + 1) for k in range(count)]
        if not labels:
            raise cur.error(f"player {len(strategies) + 1} has no strategies")
        strategies.append(tuple(labels))
    cur.take("'}'")
    if len(strategies) != n_players:
        raise cur.error(f"{n_players} players but strategies for {len(strategies)}")
    return tuple(strategies)


def _n_contingencies(cur: _Cursor, shape: Sequence[int], per_item: int) -> int:
    """Number of contingencies, checked against the tokens left (no huge allocations)."""
    n = math.prod(shape)
    if n * per_item > cur.remaining():
        raise cur.error(f"the file ends too early: {n * per_item} numbers needed, {cur.remaining()} tokens left")
    return n


def _parse_payoff_list(cur: _Cursor, shape: Sequence[int]) -> np.ndarray:
    """Flat payoff list of the payoff version: shape (n_contingencies, N)."""
    n_players = len(shape)
    n = _n_contingencies(cur, shape, n_players)
    flat = np.empty(n * n_players)
    for k in range(n * n_players):
        flat[k] = cur.expect_float(f"payoff {k + 1} of {n * n_players}")
    return flat.reshape(n, n_players)


def _parse_payoff_tokens(cur: _Cursor, n_players: int, what: str) -> list[_Token]:
    """Exactly ``n_players`` payoff tokens, optionally separated by commas, then ``}``."""
    toks = []
    for i in range(n_players):
        tok = cur.take(f"the payoff of player {i + 1} in {what}")
        if tok.kind != "word":
            raise cur.error(f"expected {n_players} payoffs in {what}, found {_describe(tok)}", tok)
        toks.append(tok)
        if cur.at("punct", ","):
            cur.take("','")
    cur.expect_punct("}", f"closing {what} ({n_players} payoffs)")
    return toks


def _parse_outcome_table(cur: _Cursor, shape: Sequence[int]) -> np.ndarray:
    """Outcome list and contingency list of the outcome version: shape (n_cont, N)."""
    n_players = len(shape)
    cur.expect_punct("{", "opening the outcome list")
    rows = [np.zeros(n_players)]  # outcome 0: the null outcome
    while not cur.at("punct", "}"):
        what = f"outcome {len(rows)}"
        cur.expect_punct("{", f"opening {what}")
        cur.expect_label(f"the label of {what}")
        toks = _parse_payoff_tokens(cur, n_players, what)
        rows.append(np.array([_float(t, cur, f"payoff in {what}") for t in toks]))
    cur.take("'}'")
    n = _n_contingencies(cur, shape, 1)
    index = np.empty(n, dtype=np.int64)
    for k in range(n):
        tok = cur.peek()
        o = cur.expect_int(f"outcome number of contingency {k + 1} of {n}")
        if o >= len(rows):
            raise cur.error(f"contingency {k + 1} refers to outcome {o}, but only {len(rows) - 1} are defined", tok)
        index[k] = o
    return np.stack(rows)[index]


def _contingencies_to_tensor(flat: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """(n_contingencies, N) rows, first player fastest, to U of shape (N, n_1..n_N)."""
    n_players = len(shape)
    return np.moveaxis(flat.T.ravel().reshape((*shape, n_players), order="F"), -1, 0).copy()


def _tensor_to_contingencies(payoffs: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_contingencies_to_tensor`: shape (n_contingencies, N)."""
    n_players = payoffs.shape[0]
    return np.moveaxis(payoffs, 0, -1).ravel(order="F").reshape(n_players, -1).T


def parse_nfg(text: str | bytes) -> NormalFormGame:
    """Parse the text of a Gambit ``.nfg`` file (payoff or outcome version).

    Returns
    -------
    NormalFormGame with ``payoffs`` of shape (N, n_1, ..., n_N).

    Raises
    ------
    GameFileError on any malformed or unsupported input.
    """
    cur = _Cursor(_decode(text))
    title, players = _parse_header(cur, "NFG", 1)
    strategies = _parse_strategies(cur, len(players))
    shape = tuple(len(s) for s in strategies)
    cur.skip_optional_label()  # the comment
    if cur.at("punct", "{"):
        flat = _parse_outcome_table(cur, shape)
    else:
        flat = _parse_payoff_list(cur, shape)
    cur.expect_end("the payoffs")
    return NormalFormGame(title, players, strategies, _contingencies_to_tensor(flat, shape))


def read_nfg(path) -> NormalFormGame:
    """Read a Gambit ``.nfg`` file.

    Parameters
    ----------
    path : str or os.PathLike; the file (UTF-8, or Latin-1 if it is not valid UTF-8).

    Returns
    -------
    NormalFormGame with ``payoffs`` of shape (N, n_1, ..., n_N); see :func:`parse_nfg`.

    Raises
    ------
    GameFileError if the file is missing, unreadable or malformed (message names the
    file, and the line and column of the problem).
    """
    return _parse_file(path, parse_nfg)


def _check_nfg(game: NormalFormGame) -> np.ndarray:
    """The payoff array of ``game`` after checking it matches players and strategies."""
    u = np.asarray(game.payoffs, dtype=float)
    n = len(game.players)
    expected = (n, *(len(s) for s in game.strategies))
    if n == 0 or len(game.strategies) != n or u.shape != expected or 0 in expected:
        raise GameFileError(f"payoffs shape {u.shape} does not match players/strategies {expected}")
    if not np.all(np.isfinite(u)):
        raise GameFileError("payoffs must be finite")
    return u


def format_nfg(game: NormalFormGame, format: str = "outcome") -> str:
    """The text of a Gambit ``.nfg`` file for ``game``.

    Parameters
    ----------
    game : NormalFormGame with ``payoffs`` of shape (N, n_1, ..., n_N).
    format : ``"outcome"`` (one outcome per contingency) or ``"payoff"`` (flat list).

    Returns
    -------
    str, with strategy labels always listed and payoffs as shortest round-trip decimals.

    Raises
    ------
    GameFileError if the shapes disagree or a payoff is not finite.
    """
    if format not in ("outcome", "payoff"):
        raise GameFileError(f"unknown .nfg format {format!r} (use 'outcome' or 'payoff')")
    rows = _tensor_to_contingencies(_check_nfg(game))
    lines = [f"NFG 1 R {_quote(game.title)} {{ {' '.join(map(_quote, game.players))} }}", ""]
    lines.append("{")
    lines += ["{ " + " ".join(map(_quote, s)) + " }" for s in game.strategies]
    lines += ["}", '""', ""]
    if format == "payoff":
        lines += [" ".join(_format_float(x) for x in row) for row in rows]
    else:
        lines.append("{")
        lines += ['{ "" ' + ", ".join(_format_float(x) for x in row) + " }" for row in rows]
        lines.append("}")
        lines.append(" ".join(str(k + 1) for k in range(len(rows))))
    return "\n".join(lines) + "\n"


def write_nfg(path, game: NormalFormGame, format: str = "outcome") -> None:
    """Write ``game`` (payoffs of shape (N, n_1, ..., n_N)) to ``path`` as UTF-8 ``.nfg``.

    ``format`` is ``"outcome"`` or ``"payoff"``; see :func:`format_nfg`.
    """
    _write_text(path, format_nfg(game, format))


# -------------------------------------------------------------------------- .efg


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


def _parse_outcome(cur: _Cursor, b: _EfgBuilder) -> tuple[Fraction, ...]:
    """``number ["label" { payoffs }]``: the outcome's payoffs (zeros for outcome 0)."""
    tok = cur.peek()
    number = cur.expect_int("an outcome number")
    if not cur.at("str"):
        if number == 0:
            return (Fraction(0),) * b.n_players
        if number not in b.outcomes:
            raise cur.error(f"outcome {number} is used before its payoffs are given", tok)
        return b.outcomes[number]
    if number == 0:
        raise cur.error("the null outcome 0 cannot have a label or payoffs", tok)
    cur.take("outcome label")
    cur.expect_punct("{", f"opening the payoffs of outcome {number}")
    toks = _parse_payoff_tokens(cur, b.n_players, f"outcome {number}")
    payoffs = tuple(_fraction(t, cur, f"payoff in outcome {number}") for t in toks)
    if number in b.outcomes and b.outcomes[number] != payoffs:
        raise cur.error(f"outcome {number} is redefined with different payoffs", tok)
    b.outcomes[number] = payoffs
    return payoffs


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
    outcome = _parse_outcome(cur, b)
    above = b.stack[-1][2] if b.stack else (Fraction(0),) * b.n_players
    acc = tuple(x + y for x, y in zip(above, outcome))
    v = b.add_node(mover, labels, probs)
    if mover == TERMINAL:
        b.leaf_payoffs.append([_fraction_to_float(x, cur, f"a payoff at node {v}") for x in acc])
    else:
        b.stack.append([v, len(labels), acc])


def parse_efg(text: str | bytes) -> ExtensiveFormGame:
    """Parse the text of a Gambit ``.efg`` file holding a perfect-information tree.

    Returns
    -------
    ExtensiveFormGame with ``leaf_payoffs`` of shape (n_leaves, N); outcomes attached to
    non-terminal nodes are added into the payoffs of the leaves below them.

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
    return ExtensiveFormGame(title, b.tree(players), leaf_payoffs)


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
    return lp


def _format_efg_node(tree: Tree, v: int, lp: np.ndarray, counters: dict) -> str:
    """The line of node ``v``; ``counters`` numbers infosets per player and outcomes."""
    mover = int(tree.node_player[v])
    if mover == TERMINAL:
        leaf = int(tree.leaf_index[v])
        if not 0 <= leaf < len(lp):
            raise GameFileError(f"tree is malformed: leaf node {v} has leaf index {leaf}")
        counters["outcome"] += 1
        payoffs = ", ".join(_format_float(x) for x in lp[leaf])
        return f't "" {counters["outcome"]} "" {{ {payoffs} }}'
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
    outcome; chance probabilities are written as exact rationals summing to one.

    Raises
    ------
    GameFileError if the tree is inconsistent or a payoff is not finite.
    """
    lp = _check_efg(game)
    tree = game.tree
    head = f"EFG 2 R {_quote(game.title)} {{ {' '.join(map(_quote, tree.players))} }}"
    lines = [head, '""', ""]
    counters = {"outcome": 0}
    lines += [_format_efg_node(tree, v, lp, counters) for v in _preorder(tree)]
    return "\n".join(lines) + "\n"


def write_efg(path, game: ExtensiveFormGame) -> None:
    """Write ``game`` (leaf payoffs of shape (n_leaves, N)) to ``path`` as UTF-8 ``.efg``.

    See :func:`format_efg`.
    """
    _write_text(path, format_efg(game))


# ------------------------------------------------------------------------ dispatch


def read_game(path) -> NormalFormGame | ExtensiveFormGame:
    """Read a ``.nfg`` or ``.efg`` file, chosen by the file name's suffix (any case).

    Returns
    -------
    NormalFormGame (payoffs shape (N, n_1, ..., n_N)) for ``.nfg``, ExtensiveFormGame
    (leaf payoffs shape (n_leaves, N)) for ``.efg``.

    Raises
    ------
    GameFileError for a missing file, another suffix, or a malformed file.
    """
    suffix = Path(path).suffix.lower()
    readers = {".nfg": read_nfg, ".efg": read_efg}
    if suffix not in readers:
        if not Path(path).exists():
            raise GameFileError(f"no such file: {path}")
        raise GameFileError(f"unsupported file type {suffix or '(none)'!r} for {path}: expected .nfg or .efg")
    return readers[suffix](path)
