"""The tidy equilibria table: a Parquet file that describes itself.

``equilibria.parquet`` has one row per grid point (C order over the axes): one float
column per swept parameter (named by its dotted name), then the solvers' columns (see
:mod:`sim.solvers.registry`). Its schema metadata key ``sim`` holds JSON with everything a plot
needs, so figures are drawn from this file alone (never from ``config.yaml``)::

    {"scenario": str, "regimes": [str, ...],
     "axes": [{"param": str, "unit": str, "doc": str, "n": int}, ...],
     "baseline": {param: float, ...},       # baseline value of each swept parameter
     "focal": str | null,                   # the scenario's focal regime
     "source": str | null,                  # how the config named the scenario (plug-in: import path)
     "changes": [str, ...],                 # "name = value unit" set away from the scenario default
     "abm": {...} | null}                   # how adaptive play was run (rule, lam, replicates, ...)

Keys added after a file was written are read as their defaults (a table of an older
run has no ``source``, ``changes`` or ``abm``: its figures carry no note on them).

Files are written deterministically: same rows ⇒ same bytes, however the rows were
computed (chunks, tiles, processes). Label columns are stored dictionary-encoded with
their whole, fixed vocabulary (every name a solver can give, in the solver's order; see
:func:`sim.store.columns.labels`), so the dictionary does not depend on which rows a chunk or
tile held; row groups have a fixed size, :data:`ROW_GROUP` rows. Readers get the labels
as categories (pandas) or, through :func:`read_parquet`, as plain strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.store.rundir import atomic_path

META_KEY = b"sim"
ROW_GROUP = 1 << 16


class ResultsError(ValueError):
    """A results file is missing, unreadable or not what it claims to be."""


@dataclass(frozen=True)
class TableMeta:
    """What the table's columns mean: scenario, regime order, axes, baseline point, and
    what its figures say about the run (what it changed, how adaptive play was run)."""

    scenario: str
    regimes: tuple[str, ...]
    axes: tuple[dict, ...]
    baseline: dict
    focal: str | None = None  #: the scenario's focal regime (probability panels), or None
    #: how the run's config named the scenario (a registry name, or a plug-in's import
    #: path), so a figure finds its labels; None: by ``scenario``
    source: str | None = None
    #: ``"name = value unit"`` of every parameter the run set away from its scenario's
    #: default (swept ones at their baseline value included), e.g. ``"us.credibility = 4 $bn/yr"``
    changes: tuple[str, ...] = ()
    #: how adaptive play was run (:func:`sim.figures.captions.abm_facts`: rule, lam,
    #: replicates, steps, seed, shocks, trajectory_replicates, settle_window), or None
    abm: dict | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"scenario": self.scenario, "regimes": list(self.regimes), "axes": list(self.axes),
             "baseline": self.baseline, "focal": self.focal, "source": self.source,
             "changes": list(self.changes), "abm": self.abm},
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> TableMeta:
        """The metadata :meth:`to_json` wrote; keys a file lacks take their defaults.

        Raises ValueError, KeyError or TypeError if ``raw`` is not such metadata.
        """
        m = json.loads(raw)
        abm = m.get("abm")
        if abm is not None and not isinstance(abm, dict):
            raise TypeError(f"'abm' is a {type(abm).__name__}, not a mapping")
        return cls(m["scenario"], tuple(m["regimes"]), tuple(m["axes"]), dict(m["baseline"]), m.get("focal"),
                   m.get("source"), tuple(str(c) for c in m.get("changes") or ()), abm)


def canonical(table: pa.Table) -> pa.Table:
    """``table`` with one chunk per column, label columns still dictionary-encoded.

    Raises ValueError if a label column's chunks carry different dictionaries: the bytes
    written would then depend on how the rows were chunked or tiled.
    """
    for field, col in zip(table.schema, table.columns):
        if pa.types.is_dictionary(field.type) and col.num_chunks > 1:
            first = col.chunk(0).dictionary
            if not all(chunk.dictionary.equals(first) for chunk in col.chunks[1:]):
                raise ValueError(f"label column {field.name!r} has a different dictionary in different chunks; "
                                 "build it with sim.store.columns.labels (the whole vocabulary, in a fixed order)")
    return table.combine_chunks()


def _strings(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns decoded to plain strings."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, pa.field(field.name, pa.string(), metadata=field.metadata),
                                     table.column(i).cast(pa.string()))
    return table


def write_parquet(table: pa.Table, path: Path, metadata: dict[bytes, bytes] | None = None) -> None:
    """Write ``table`` deterministically and atomically (:func:`sim.store.rundir.atomic_path`)."""
    table = canonical(table)
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP, write_statistics=True)


class RowGroupWriter:
    """Write a Parquet file piece by piece, with the bytes :func:`write_parquet` gives for
    the whole table: pieces are buffered into row groups of exactly :data:`ROW_GROUP` rows,
    each one contiguous chunk, so a writer holds at most a row group and a piece. Written
    under a temporary name and renamed on a clean exit from the ``with`` block (removed on
    an error; :func:`sim.store.rundir.atomic_path`)::

        with RowGroupWriter(path, metadata) as w:
            for piece in pieces:
                w.write(piece)

    Every piece must have the same schema and, in label columns, the same dictionary.
    """

    def __init__(self, path: Path, metadata: dict[bytes, bytes] | None = None):
        self.path = Path(path)
        self._atomic = atomic_path(self.path)
        self._tmp: Path | None = None
        self._metadata = metadata
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[pa.Table] = []
        self._rows = 0

    def write(self, piece: pa.Table) -> None:
        """Add ``piece``'s rows (after the rows written so far)."""
        if self._metadata is not None:
            piece = piece.replace_schema_metadata(self._metadata)
        self._buffer.append(piece)
        self._rows += piece.num_rows
        while self._rows >= ROW_GROUP:
            self._flush(ROW_GROUP)

    def _flush(self, rows: int) -> None:
        pending = pa.concat_tables(self._buffer)
        group, rest = canonical(pending.slice(0, rows)), pending.slice(rows)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, group.schema, compression="zstd", write_statistics=True)
        self._writer.write_table(group, row_group_size=ROW_GROUP)
        self._buffer, self._rows = ([rest] if rest.num_rows else []), rest.num_rows

    def _finish(self) -> None:
        """Write the last rows and close the file."""
        if self._rows or self._writer is None:
            if not self._buffer:
                raise ValueError(f"nothing was written to {self.path}")
            self._flush(self._rows)
        self._writer.close()
        self._writer = None

    def _abandon(self) -> None:
        """Close the file, whose rows are incomplete, ignoring errors (it is removed)."""
        try:
            if self._writer is not None:
                self._writer.close()
        except (OSError, pa.ArrowException):
            pass
        self._writer = None

    def __enter__(self) -> RowGroupWriter:
        self._tmp = self._atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            try:
                self._finish()
            except BaseException as error:  # the file is incomplete: removed, the error raised
                self._abandon()
                if not self._atomic.__exit__(type(error), error, error.__traceback__):
                    raise
            return self._atomic.__exit__(None, None, None)
        self._abandon()
        return self._atomic.__exit__(exc_type, exc, tb)


def write_table(table: pa.Table, meta: TableMeta, path: Path) -> None:
    """Write an equilibria table with its metadata (see :func:`write_parquet`)."""
    write_parquet(table, path, {META_KEY: meta.to_json().encode()})


def read_parquet(path: Path, labels_as_dictionary: bool = False, columns: Sequence[str] | None = None) -> pa.Table:
    """A Parquet file as one table (``ParquetFile.read``: unlike ``pq.read_table`` it does
    not import the dataset layer, about 0.4 s, for a plain file).

    ``labels_as_dictionary``: return label columns dictionary-encoded, as they are
    stored (fast on large tables, and what plots want); else as plain strings.
    ``columns``: read only these (all when None).
    """
    if not labels_as_dictionary:
        return _strings(pq.ParquetFile(path).read(columns=columns))
    schema = pq.read_schema(path)  # files written before 2026-11-29 hold labels as plain strings
    strings = [f.name for f in schema if pa.types.is_string(f.type)]
    return pq.ParquetFile(path, read_dictionary=strings).read(columns=columns)


def read_table(path: Path, labels_as_dictionary: bool = False,
               columns: Callable[[pa.Schema, TableMeta], Sequence[str]] | None = None) -> tuple[pa.Table, TableMeta]:
    """Read an equilibria table and its metadata; ResultsError if it is not one.

    ``labels_as_dictionary``: see :func:`read_parquet`. ``columns``: given the file's
    schema and metadata, the columns to read (all when None), so a figure of a large
    grid holds only the columns it draws.
    """
    path = Path(path)
    schema = _schema(path)
    meta = _table_meta(path, schema)
    try:
        table = read_parquet(path, labels_as_dictionary, None if columns is None else list(columns(schema, meta)))
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    return table, meta


def read_meta(path: Path) -> TableMeta:
    """The metadata of the equilibria table at ``path``, read from its schema alone (no
    rows); ResultsError if there is no such table or it is not one."""
    path = Path(path)
    return _table_meta(path, _schema(path))


def _schema(path: Path) -> pa.Schema:
    """The Parquet schema of the table at ``path``; ResultsError if missing or unreadable."""
    if not path.is_file():
        raise ResultsError(f"no results table at {path}")
    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None


def _table_meta(path: Path, schema: pa.Schema) -> TableMeta:
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ResultsError(f"{path} has no '{META_KEY.decode()}' metadata; not written by sim")
    try:
        meta = TableMeta.from_json(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{path}: malformed sim metadata ({exc})") from None
    return meta
