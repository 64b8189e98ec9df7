"""What the ``.nfg`` and ``.efg`` readers and writers share: the error type, the
tokeniser and its cursor, number parsing and formatting, quoted labels, file input and
output, and the header both formats start with. The rules are stated in :mod:`sim.gambit`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.store.rundir import atomic_write_text


class GameFileError(ValueError):
    """A game file is missing, unreadable, malformed, or uses an unsupported feature."""


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
    """Write ``text`` as UTF-8, atomically (a unique temporary name, then a rename)."""
    atomic_write_text(Path(path), text)


# ------------------------------------------------------------------ shared grammar


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
