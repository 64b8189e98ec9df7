"""Read and write Gambit game files: strategic games (``.nfg``, :mod:`sim.gambit.nfg`)
and perfect-information extensive games (``.efg``, :mod:`sim.gambit.efg`).

Written from Gambit's documented file formats; only the parts this package needs. The
tokeniser, numbers, labels and errors both formats share are in ``sim/gambit/_text.py``.

Numbers may be integers, decimals (``-1.5``, ``.25``, ``1e3``) or rationals (``3/2``).
Every problem with a file (missing, unreadable, malformed, unsupported) raises
:class:`GameFileError` with a one-line message.

Writing uses the shortest decimal that reads back as the identical ``float`` (never
exponent notation), and exact rationals for chance probabilities so that they sum to
exactly one. Labels are written as they are, quoted with ``\\"`` for ``"`` and ``\\\\``
for ``\\``, so every game round-trips through these readers and writers.

pygambit 16.7 is stricter about labels than these readers: it rejects files with
non-ASCII bytes, labels with leading, trailing or doubled spaces, and player or strategy
labels that are numerals clashing with its default labels ("1", "2", ...); it renames
empty or repeated labels, and it mangles backslashes. Games whose labels avoid all that
are written in a form pygambit reads back with identical labels and payoffs.
"""

from __future__ import annotations

from pathlib import Path

from sim.gambit._text import GameFileError
from sim.gambit.efg import ExtensiveFormGame, format_efg, parse_efg, read_efg, write_efg
from sim.gambit.nfg import NormalFormGame, format_nfg, parse_nfg, read_nfg, write_nfg

__all__ = [
    "ExtensiveFormGame",
    "GameFileError",
    "NormalFormGame",
    "format_efg",
    "format_nfg",
    "parse_efg",
    "parse_nfg",
    "read_efg",
    "read_game",
    "read_nfg",
    "write_efg",
    "write_nfg",
]


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
