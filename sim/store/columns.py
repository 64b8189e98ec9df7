"""Tidy result columns: the shape every solver's output takes.

A solver returns :data:`Columns`, ``{name: column}`` with every column of length ``B``
(one row per grid point): numpy arrays for numbers and flags, dictionary-encoded Arrow
arrays for labels (regimes, actions), which Parquet stores compactly and pandas reads as
categoricals. Column names are prefixed by the concept's name and use :func:`slug`.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa

Columns = dict[str, "np.ndarray | pa.DictionaryArray"]


def labels(codes: np.ndarray, names) -> pa.DictionaryArray:
    """Label column: ``names[codes[b]]`` per row, dictionary-encoded (all names kept)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(names)))


def slug(name: str) -> str:
    """A column-safe lowercase name: 'US-aligned status quo' -> 'us_aligned_status_quo'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def regime_sets(present: np.ndarray, regimes: tuple[str, ...]) -> pa.DictionaryArray:
    """'|'-joined names of the regimes present per row; present has shape (B, R)."""
    codes = present.astype(np.int64) @ (1 << np.arange(len(regimes)))
    names = ["|".join(r for k, r in enumerate(regimes) if c >> k & 1) for c in range(1 << len(regimes))]
    return labels(codes, names)
