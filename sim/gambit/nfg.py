"""Read and write Gambit strategic-game files (``.nfg``, version 1).

Both layouts are read: the *payoff* version (a flat list of payoffs, one block of ``N``
numbers per contingency) and the *outcome* version (a list of named outcomes, then one
outcome number per contingency, ``0`` meaning the null outcome with all-zero payoffs).
Strategies are given either as counts ``{ 2 3 }`` (labelled ``"1"``, ``"2"``, ...) or as
label lists ``{ { "a" "b" } { "x" "y" "z" } }``. Contingencies are listed with the
**first** player's strategy varying fastest. The result uses this package's payoff
tensor convention ``U[i, a_1, ..., a_N]`` (see :mod:`sim.engine.equilibrium`).

Numbers, labels and errors are as described in :mod:`sim.gambit`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.gambit._text import (
    GameFileError,
    _Cursor,
    _decode,
    _float,
    _format_float,
    _parse_file,
    _parse_header,
    _parse_payoff_tokens,
    _quote,
    _write_text,
)

__all__ = ["NormalFormGame", "format_nfg", "parse_nfg", "read_nfg", "write_nfg"]


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
    outcome_labels : the label of each strategy profile's outcome, n_1 * ... * n_N of
        them in C order (the first player's strategy varying slowest, as ``np.ndindex``);
        None: unlabelled. Written and read in the outcome version only.
    """

    title: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: np.ndarray
    outcome_labels: tuple[str, ...] | None = None


# ------------------------------------------------------------------- reading


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


def _parse_outcome_table(cur: _Cursor, shape: Sequence[int]) -> tuple[np.ndarray, list[str]]:
    """Outcome list and contingency list of the outcome version: payoffs, shape
    (n_cont, N), and the label of each contingency's outcome (first player fastest)."""
    n_players = len(shape)
    cur.expect_punct("{", "opening the outcome list")
    rows = [np.zeros(n_players)]  # outcome 0: the null outcome
    names = [""]
    while not cur.at("punct", "}"):
        what = f"outcome {len(rows)}"
        cur.expect_punct("{", f"opening {what}")
        names.append(cur.expect_label(f"the label of {what}"))
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
    return np.stack(rows)[index], [names[o] for o in index]


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
    NormalFormGame with ``payoffs`` of shape (N, n_1, ..., n_N) and, from the outcome
    version, ``outcome_labels`` (C order).

    Raises
    ------
    GameFileError on any malformed or unsupported input.
    """
    cur = _Cursor(_decode(text))
    title, players = _parse_header(cur, "NFG", 1)
    strategies = _parse_strategies(cur, len(players))
    shape = tuple(len(s) for s in strategies)
    cur.skip_optional_label()  # the comment
    labels = None
    if cur.at("punct", "{"):
        flat, names = _parse_outcome_table(cur, shape)
        labels = tuple(np.array(names, dtype=object).reshape(shape, order="F").ravel(order="C"))
    else:
        flat = _parse_payoff_list(cur, shape)
    cur.expect_end("the payoffs")
    return NormalFormGame(title, players, strategies, _contingencies_to_tensor(flat, shape), labels)


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


# ------------------------------------------------------------------- writing


def _check_nfg(game: NormalFormGame) -> np.ndarray:
    """The payoff array of ``game`` after checking it matches players and strategies."""
    u = np.asarray(game.payoffs, dtype=float)
    n = len(game.players)
    expected = (n, *(len(s) for s in game.strategies))
    if n == 0 or len(game.strategies) != n or u.shape != expected or 0 in expected:
        raise GameFileError(f"payoffs shape {u.shape} does not match players/strategies {expected}")
    if not np.all(np.isfinite(u)):
        raise GameFileError("payoffs must be finite")
    if game.outcome_labels is not None and len(game.outcome_labels) != math.prod(expected[1:]):
        raise GameFileError(f"outcome_labels must have one label per profile ({math.prod(expected[1:])}); "
                            f"got {len(game.outcome_labels)}")
    return u


def _labels_first_fastest(game: NormalFormGame, n: int) -> list[str]:
    """The outcome labels in file order (first player's strategy fastest); ``""`` each
    when the game is unlabelled."""
    if game.outcome_labels is None:
        return [""] * n
    shape = tuple(len(s) for s in game.strategies)
    return list(np.array(game.outcome_labels, dtype=object).reshape(shape).ravel(order="F"))


def format_nfg(game: NormalFormGame, format: str = "outcome") -> str:
    """The text of a Gambit ``.nfg`` file for ``game``.

    Parameters
    ----------
    game : NormalFormGame with ``payoffs`` of shape (N, n_1, ..., n_N).
    format : ``"outcome"`` (one outcome per contingency) or ``"payoff"`` (flat list).

    Returns
    -------
    str, with strategy labels always listed and payoffs as shortest round-trip decimals;
    the outcome version labels each outcome from ``game.outcome_labels``.

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
        names = _labels_first_fastest(game, len(rows))
        lines += ["{ " + _quote(name) + " " + ", ".join(_format_float(x) for x in row) + " }"
                  for name, row in zip(names, rows)]
        lines.append("}")
        lines.append(" ".join(str(k + 1) for k in range(len(rows))))
    return "\n".join(lines) + "\n"


def write_nfg(path, game: NormalFormGame, format: str = "outcome") -> None:
    """Write ``game`` (payoffs of shape (N, n_1, ..., n_N)) to ``path`` as UTF-8 ``.nfg``.

    ``format`` is ``"outcome"`` or ``"payoff"``; see :func:`format_nfg`.
    """
    _write_text(path, format_nfg(game, format))
