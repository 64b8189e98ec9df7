"""Compare two result tables cell by cell: labels exactly, floats within a tolerance.

The tolerance, the single source for ``tests/test_golden.py`` and ``sim-reproduce``:
two floats ``a`` (expected) and ``b`` agree when

    |a - b| <= ATOL + RTOL * max(|a|, |b|),      RTOL = 1e-9, ATOL = 1e-12,

or both are NaN (or the same infinity). Why: numpy picks its ``exp``/``log`` kernels at
run time from the CPU's SIMD features (AVX2, AVX-512, NEON, ...); they differ in the
last bit or two, and the QRE solve (logit choice probabilities, fixed point and homotopy
in λ) carries that into its results. Measured on one AVX-512 machine, its kernels
against its AVX2 ones (``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR AVX512F
AVX512_SKX"``): the coarse golden experiments differ only in ``concepts``' ``qre_prob_*``
columns, at most 2.2e-16 absolute, 4.2e-16 relative; the full ``concepts`` run (200 × 200
points) at most 6.7e-16 / 6.9e-15 in ``equilibria.parquet`` and 7.1e-15 / 4.3e-14 in
``qre_path.parquet`` (λ up to 100; probabilities down to 1e-176); everything else,
agent-based runs with logit dynamics included, bit-identical. RTOL leaves a margin of
over 10⁴ for other CPUs and BLAS builds, while any change of the model or of a parameter
that matters moves results by far more than 1e-9 relative. ATOL is for values that are
or should be 0 (1e-12 is far below any payoff, in $bn/yr, or probability that matters).
Every other column (labels, regimes, actions, counts, flags) must be equal.

:func:`compare_tables` takes two ``pyarrow.Table`` or ``pandas.DataFrame`` and returns a
:class:`Report`; :func:`compare_text` compares text with numbers in it (Gambit files) the
same way. Both are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RTOL = 1e-9
ATOL = 1e-12
FIRST_ROWS = 5  # differing rows listed per column

IDENTICAL, NUMERIC, DIFFERENT = "identical", "numerically equal", "different"


@dataclass(frozen=True)
class ColumnReport:
    """One column: ``kind`` "exact" or "numeric"; ``n_differ`` cells unequal (exact) or
    outside the tolerance (numeric); ``rows`` the first of them (0-based); ``n_inexact``
    cells not bit-identical; ``max_abs``/``max_rel`` the largest differences over all
    cells (0.0 for exact columns)."""

    name: str
    kind: str
    n_differ: int
    rows: tuple[int, ...]
    n_inexact: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0


@dataclass(frozen=True)
class Report:
    """The comparison of two tables: per common column, columns only in one of them,
    row counts (expected, got), and the verdict :data:`IDENTICAL`, :data:`NUMERIC` or
    :data:`DIFFERENT`."""

    columns: tuple[ColumnReport, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    n_rows: tuple[int, int]

    @property
    def verdict(self) -> str:
        if self.missing or self.extra or self.n_rows[0] != self.n_rows[1] or any(c.n_differ for c in self.columns):
            return DIFFERENT
        return NUMERIC if any(c.n_inexact for c in self.columns) else IDENTICAL

    def lines(self) -> list[str]:
        """What differs, a line each: column sets and row counts, then each column with
        cells outside the tolerance, then each float column not bit-identical."""
        out = []
        if self.missing:
            out.append(f"columns missing: {', '.join(self.missing)}")
        if self.extra:
            out.append(f"columns added: {', '.join(self.extra)}")
        if self.n_rows[0] != self.n_rows[1]:
            out.append(f"rows: {self.n_rows[1]} instead of {self.n_rows[0]}")
        for c in self.columns:
            if c.n_differ:
                what = "outside the tolerance" if c.kind == "numeric" else "differ"
                more = ", ..." if c.n_differ > len(c.rows) else ""
                out.append(f"column {c.name}: {c.n_differ} of {self.n_rows[0]} cells {what} "
                           f"(rows {', '.join(map(str, c.rows))}{more}){_largest(c)}")
        for c in self.columns:
            if c.n_inexact and not c.n_differ:
                out.append(f"column {c.name}: {c.n_inexact} cells within the tolerance{_largest(c)}")
        return out


def _largest(c: ColumnReport) -> str:
    return f"; largest difference {c.max_abs:.3g} (relative {c.max_rel:.3g})" if c.kind == "numeric" else ""


def _arrow(table) -> pa.Table:
    return table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)


def _decoded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.flatnonzero(mask)[:FIRST_ROWS])


def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: do floats ``a`` and ``b`` (same shape) agree within RTOL/ATOL? NaN
    agrees with NaN, an infinity with the same infinity."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        within = np.abs(a - b) <= ATOL + RTOL * np.maximum(np.abs(a), np.abs(b))
    return (a == b) | within | (np.isnan(a) & np.isnan(b))


def _numeric(name: str, a: np.ndarray, b: np.ndarray) -> ColumnReport:
    bad = ~close(a, b)
    inexact = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(inexact, np.abs(a - b), 0.0)
        rel = np.where(inexact, diff / np.maximum(np.abs(a), np.abs(b)), 0.0)
    diff, rel = np.nan_to_num(diff, nan=np.inf), np.nan_to_num(rel, nan=np.inf)  # NaN against a number
    return ColumnReport(name, "numeric", int(bad.sum()), _first(bad), int(inexact.sum()),
                        float(diff.max(initial=0.0)), float(rel.max(initial=0.0)))


def _exact(name: str, a: pa.ChunkedArray, b: pa.ChunkedArray) -> ColumnReport:
    a, b = _decoded(a), _decoded(b)
    try:
        same = pc.or_kleene(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
        bad = ~same.to_numpy(zero_copy_only=False)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # types that cannot be compared: by value
        bad = np.array([x != y for x, y in zip(a.to_pylist(), b.to_pylist())], dtype=bool)
    return ColumnReport(name, "exact", int(bad.sum()), _first(bad))


def compare_tables(expected, got) -> Report:
    """Compare ``got`` with ``expected`` (``pyarrow.Table`` or ``pandas.DataFrame``) column
    by column, by name: float columns within RTOL/ATOL, every other column (labels,
    dictionary-encoded or not; integers; booleans) exactly, null equal to null. A column
    float in one table and not in the other differs in every cell. Cells are compared
    only when the row counts agree."""
    expected, got = _arrow(expected), _arrow(got)
    names = [n for n in expected.column_names if n in got.column_names]
    n_rows = (expected.num_rows, got.num_rows)
    columns = []
    for name in names if n_rows[0] == n_rows[1] else []:
        a, b = expected.column(name), got.column(name)
        floats = pa.types.is_floating(a.type), pa.types.is_floating(b.type)
        if all(floats):
            columns.append(_numeric(name, a.to_numpy().astype(float), b.to_numpy().astype(float)))
        elif any(floats):
            columns.append(ColumnReport(name, "numeric" if floats[0] else "exact", n_rows[0],
                                        tuple(range(min(n_rows[0], FIRST_ROWS)))))
        else:
            columns.append(_exact(name, a, b))
    return Report(tuple(columns), tuple(n for n in expected.column_names if n not in names),
                  tuple(n for n in got.column_names if n not in names), n_rows)


#: a double-quoted string (kept as text, numbers inside it too) or a decimal number
_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)')


def numbers_table(text: str) -> pa.Table:
    """``text`` as a table of its numbers: row i holds the text before the i-th number
    (``text``, quoted strings included) and the number (``number``, float); a last row
    holds the text after the last number, with NaN."""
    texts, numbers, pos = [], [], 0
    for m in _TOKEN.finditer(text):
        if m.group(2) is not None:
            texts.append(text[pos:m.start()])
            numbers.append(float(m.group(2)))
            pos = m.end()
    return pa.table({"text": [*texts, text[pos:]], "number": pa.array([*numbers, np.nan], pa.float64())})


def compare_text(expected: str, got: str) -> Report:
    """Compare two texts with numbers in them (e.g. Gambit ``.efg``/``.nfg`` files): the
    numbers within RTOL/ATOL, the text around them exactly (rows: the i-th number)."""
    return compare_tables(numbers_table(expected), numbers_table(got))
