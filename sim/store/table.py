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

A run with ``tiles.output=dataset`` writes the same rows as a partitioned dataset,
``equilibria/`` (:mod:`sim.store.dataset`), one Parquet file per tile, each with this
schema and metadata. :func:`read_table` and :func:`read_meta` read either form, given
the run directory, ``equilibria.parquet`` (the dataset beside it when that is what the
run wrote; :func:`table_path`) or the dataset directory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.store.dataset import read_index
from sim.store.rundir import DATASET_INDEX, DATASET_METADATA, TABLE, TABLE_DATASET, atomic_path

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

    ``atomic=False``: write ``path`` itself, a name the caller has made its own (a tile's
    temporary name, :class:`sim.store.tiles.TileWriter`), without a ``with`` block; then
    :meth:`close` finishes the file and :meth:`abandon` gives up on it (the caller removes it).
    """

    def __init__(self, path: Path, metadata: dict[bytes, bytes] | None = None, atomic: bool = True):
        self.path = Path(path)
        self._atomic = atomic_path(self.path) if atomic else None
        self._tmp: Path | None = None if atomic else self.path
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

    def close(self) -> None:
        """Write the last rows and close the file."""
        if self._rows or self._writer is None:
            if not self._buffer:
                raise ValueError(f"nothing was written to {self.path}")
            self._flush(self._rows)
        self._writer.close()
        self._writer = None

    def abandon(self) -> None:
        """Close the file, whose rows are incomplete, ignoring errors (it is removed)."""
        try:
            if self._writer is not None:
                self._writer.close()
        except (OSError, pa.ArrowException):
            pass
        self._writer = None

    def __enter__(self) -> RowGroupWriter:
        if self._atomic is not None:
            self._tmp = self._atomic.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._atomic is None:  # the caller's own name: the caller removes an incomplete file
            self.close() if exc is None else self.abandon()
            return False
        if exc is None:
            try:
                self.close()
            except BaseException as error:  # the file is incomplete: removed, the error raised
                self.abandon()
                if not self._atomic.__exit__(type(error), error, error.__traceback__):
                    raise
            return self._atomic.__exit__(None, None, None)
        self.abandon()
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


def table_path(path: Path) -> Path:
    """Where the equilibria table named ``path`` is: ``path`` itself (a file, or a dataset
    directory, :mod:`sim.store.dataset`), or, for a run's ``equilibria.parquet`` that the
    run wrote as a dataset (``tiles.output=dataset``), the dataset ``equilibria/`` beside
    it. A run directory ``d`` gives the same as ``d / "equilibria.parquet"``. Readers of a
    run's table go through this (or :func:`read_table`, which does)."""
    path = Path(path)
    if path.is_dir() and not _is_dataset(path):
        path = path / TABLE  # a run directory
    if path.name == TABLE and not path.exists() and (path.parent / TABLE_DATASET).is_dir():
        return path.parent / TABLE_DATASET
    return path


def _is_dataset(directory: Path) -> bool:
    return directory.name == TABLE_DATASET or any((directory / n).exists() for n in (DATASET_INDEX, DATASET_METADATA))


def read_table(path: Path, labels_as_dictionary: bool = False,
               columns: Callable[[pa.Schema, TableMeta], Sequence[str]] | None = None) -> tuple[pa.Table, TableMeta]:
    """Read an equilibria table and its metadata; ResultsError (one line, naming the file)
    if it is not one.

    ``path``: the table's file, its dataset directory, or a run's ``equilibria.parquet``
    or run directory in either form (:func:`table_path`). ``labels_as_dictionary``: see
    :func:`read_parquet`. ``columns``: given the table's schema and metadata, the columns
    to read (all when None), so a figure of a large grid holds only the columns it draws.
    """
    path = table_path(path)
    schema = _schema(path)
    meta = _table_meta(path, schema)
    wanted = None if columns is None else list(columns(schema, meta))
    if path.is_dir():
        return _read_dataset(path, labels_as_dictionary, wanted), meta
    try:
        table = read_parquet(path, labels_as_dictionary, wanted)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    return table, meta


def _read_dataset(directory: Path, labels_as_dictionary: bool, columns: list[str] | None) -> pa.Table:
    """The parts of a dataset, in row order, as one table (one chunk or more per part);
    ResultsError naming the part that is missing, unreadable or not of the table."""
    try:
        parts = read_index(directory)
    except ValueError as exc:
        raise ResultsError(str(exc)) from None
    pieces: list[pa.Table] = []
    for path, rows in parts:
        try:
            piece = read_parquet(path, labels_as_dictionary, columns)
        except (pa.ArrowException, OSError) as exc:
            raise ResultsError(f"{path} is not a readable Parquet file: {str(exc).splitlines()[0]}") from None
        if piece.num_rows != rows:
            raise ResultsError(f"{path} holds {piece.num_rows} rows, not the {rows} its {DATASET_INDEX} lists")
        if pieces and not piece.schema.equals(pieces[0].schema):
            raise ResultsError(f"{path} has another schema than {parts[0][0].name}: not a part of the same table")
        pieces.append(piece)
    return pa.concat_tables(pieces)


def read_meta(path: Path) -> TableMeta:
    """The metadata of the equilibria table at ``path`` (as :func:`read_table` takes it),
    read from its schema alone (no rows); ResultsError if there is no such table or it is
    not one."""
    path = table_path(path)
    return _table_meta(path, _schema(path))


def _schema(path: Path) -> pa.Schema:
    """The Parquet schema of the table at ``path`` (a dataset's: from its ``_metadata``);
    ResultsError if missing or unreadable."""
    source = path / DATASET_METADATA if path.is_dir() else path
    if not source.is_file():
        raise ResultsError(f"no results table at {path}" if source == path else f"{source} is missing: "
                           f"{path} is not a whole dataset")
    try:
        return pq.read_schema(source)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{source} is not a readable Parquet file: {exc}") from None


def _table_meta(path: Path, schema: pa.Schema) -> TableMeta:
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ResultsError(f"{path} has no '{META_KEY.decode()}' metadata; not written by sim")
    try:
        meta = TableMeta.from_json(raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{path}: malformed sim metadata ({exc})") from None
    return meta
