"""The tidy equilibria table: a Parquet file that describes itself.

``equilibria.parquet`` has one row per grid point (C order over the axes): one float
column per swept parameter (named by its dotted name), then the solvers' columns (see
:mod:`sim.solvers`). Its schema metadata key ``sim`` holds JSON with everything a plot
needs, so figures are drawn from this file alone::

    {"scenario": str, "regimes": [str, ...],
     "axes": [{"param": str, "unit": str, "doc": str, "n": int}, ...],
     "baseline": {param: float, ...}}       # baseline value of each swept parameter

Files are written deterministically: same rows ⇒ same bytes, however the rows were
computed (chunks, tiles, processes). Label columns are stored dictionary-encoded with
their whole, fixed vocabulary (every name a solver can give, in the solver's order; see
:func:`sim.solvers.labels`), so the dictionary does not depend on which rows a chunk or
tile held; row groups have a fixed size, :data:`ROW_GROUP` rows. Readers get the labels
as categories (pandas) or, through :func:`read_parquet`, as plain strings.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

META_KEY = b"sim"
ROW_GROUP = 1 << 16


class ResultsError(ValueError):
    """A results file is missing, unreadable or not what it claims to be."""


# ----------------------------------------------------------------------------- writing files


class WriteError(OSError):
    """A file could not be written. ``str()`` is one line: the path, then the cause
    (``.../phase_diagram.pdf: No space left on device``); ``errno`` is the cause's."""

    def __init__(self, path: Path | str, cause: BaseException):
        errno = getattr(cause, "errno", None)
        reason = os.strerror(errno) if isinstance(errno, int) else " ".join(str(cause).split())
        super().__init__(errno, reason or type(cause).__name__, str(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"

    @property
    def kind(self) -> str:
        """The name of the OSError subclass for its errno (``IsADirectoryError``, ...;
        ``OSError`` for a full disk)."""
        return type(OSError(self.errno, "")).__name__ if self.errno is not None else "OSError"


def os_error_in(exc: BaseException) -> OSError | None:
    """The OSError ``exc`` is or was raised while handling (its ``__cause__`` /
    ``__context__`` chain), or None. A writer that fails after a full disk often raises
    something else on its way out (matplotlib's PDF writer: ``AttributeError: 'Stream'
    object has no attribute 'pos'``); the OSError is the real cause."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)  # "from None": not the cause
    return None


def as_write_error(exc: BaseException, path: Path | str) -> WriteError | None:
    """``exc`` as a :class:`WriteError` if an OSError with an errno caused it, else None.
    It names the file the OSError names, or ``path`` if that is none or one of our
    temporary names (:func:`temporary_path`)."""
    if isinstance(exc, WriteError):
        return exc
    cause = os_error_in(exc) if isinstance(exc, Exception) else None
    if cause is None or cause.errno is None:
        return None
    named = getattr(cause, "filename", None)
    if not isinstance(named, (str, os.PathLike)) or owner_of(Path(named).name) is not None:
        named = path
    return WriteError(named, cause)


_OWNED = re.compile(r"^\.(?P<base>.+)\.(?P<pid>\d+)@(?P<host>[^/@]+)\.[^.]+\.(?P<kind>tmp|partial)$")


def owner_tag() -> str:
    """``<pid>@<host>`` of this process (computed per call: a forked worker has its own pid)."""
    return f"{os.getpid()}@{socket.gethostname()}"


def temporary_path(path: Path) -> Path:
    """A name beside ``path`` that no other process uses, for writing ``path`` atomically:
    ``.<name>.<pid>@<host>.<random>.tmp`` (see :func:`owned_by_dead_process`)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{owner_tag()}.{secrets.token_hex(4)}.tmp")


def owner_of(name: str) -> tuple[str, int, str] | None:
    """(base name, pid, host) of a temporary ``.<base>.<pid>@<host>.<random>.tmp`` file or
    ``.partial`` directory; None for any other name."""
    m = _OWNED.match(name)
    return None if m is None else (m["base"], int(m["pid"]), m["host"])


def owned_by_dead_process(name: str) -> bool:
    """Whether ``name`` is a temporary file or directory made by a process of this host
    that no longer runs. Made on another host (liveness unknown), or not such a name: False."""
    owner = owner_of(name)
    if owner is None or owner[2] != socket.gethostname():
        return False
    try:
        os.kill(owner[1], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


@dataclass(frozen=True)
class TableMeta:
    """What the table's columns mean: scenario, regime order, axes, baseline point."""

    scenario: str
    regimes: tuple[str, ...]
    axes: tuple[dict, ...]
    baseline: dict

    def to_json(self) -> str:
        return json.dumps(
            {"scenario": self.scenario, "regimes": list(self.regimes), "axes": list(self.axes),
             "baseline": self.baseline},
            sort_keys=True,
        )


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
                                 "build it with sim.solvers.labels (the whole vocabulary, in a fixed order)")
    return table.combine_chunks()


def _strings(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns decoded to plain strings."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, pa.field(field.name, pa.string(), metadata=field.metadata),
                                     table.column(i).cast(pa.string()))
    return table


def write_parquet(table: pa.Table, path: Path, metadata: dict[bytes, bytes] | None = None) -> None:
    """Write ``table`` deterministically and atomically (temporary name, then rename)."""
    table = canonical(table)
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    path = Path(path)
    tmp = temporary_path(path)
    try:
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP, write_statistics=True)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        error = as_write_error(exc, path)
        if error is None:
            raise
        raise error from exc


class RowGroupWriter:
    """Write a Parquet file piece by piece, with the bytes :func:`write_parquet` gives for
    the whole table: pieces are buffered into row groups of exactly :data:`ROW_GROUP` rows,
    each one contiguous chunk, so a writer holds at most a row group and a piece. Written
    under a temporary name and renamed on a clean exit from the ``with`` block (removed on
    an error)::

        with RowGroupWriter(path, metadata) as w:
            for piece in pieces:
                w.write(piece)

    Every piece must have the same schema and, in label columns, the same dictionary.
    """

    def __init__(self, path: Path, metadata: dict[bytes, bytes] | None = None):
        self.path = Path(path)
        self._tmp = temporary_path(self.path)
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
        try:
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._tmp, group.schema, compression="zstd", write_statistics=True)
            self._writer.write_table(group, row_group_size=ROW_GROUP)
        except OSError as exc:
            raise as_write_error(exc, self.path) or exc
        self._buffer, self._rows = ([rest] if rest.num_rows else []), rest.num_rows

    def __enter__(self) -> RowGroupWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and (self._rows or self._writer is None):
                if not self._buffer:
                    raise ValueError(f"nothing was written to {self.path}")
                self._flush(self._rows)
        except BaseException:
            exc_type = ValueError  # the last rows failed: the file is incomplete
            raise
        finally:
            try:
                if self._writer is not None:
                    self._writer.close()
                if exc_type is None:
                    os.replace(self._tmp, self.path)
            except OSError as error:
                exc_type = type(error)
                raise as_write_error(error, self.path) or error
            finally:
                if exc_type is not None:
                    self._tmp.unlink(missing_ok=True)


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
    if not path.is_file():
        raise ResultsError(f"no results table at {path}")
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    meta = _table_meta(path, schema)
    try:
        table = read_parquet(path, labels_as_dictionary, None if columns is None else list(columns(schema, meta)))
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path} is not a readable Parquet file: {exc}") from None
    return table, meta


def _table_meta(path: Path, schema: pa.Schema) -> TableMeta:
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ResultsError(f"{path} has no '{META_KEY.decode()}' metadata; not written by sim")
    try:
        m = json.loads(raw)
        meta = TableMeta(m["scenario"], tuple(m["regimes"]), tuple(m["axes"]), dict(m["baseline"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{path}: malformed sim metadata ({exc})") from None
    return meta
