"""Tiles: a large grid split into contiguous ranges, solved as separate jobs and merged.

Tile ``k`` of ``T`` holds grid points ``[k*n//T, (k+1)*n//T)`` (C order). Its results are
written, atomically, to ``<tiles dir>/tile-<k>-of-<T>.arrow`` (and ``...-runs.arrow`` for
the agent-based model's per-run table); a file that exists is a finished tile, so a rerun
of the same command solves only the missing ones. Tiles are intermediate files, so they
are Arrow IPC files (LZ4-compressed, label columns dictionary-encoded as the solvers
made them): the merging job reads them in milliseconds, where Parquet would cost it a
decode per tile. A tile that fails leaves
``tile-<k>-of-<T>.failed`` holding the error, and the other tiles are kept. A finished
tile also leaves ``tile-<k>-of-<T>.seconds``, the seconds its job spent solving it (for
the run's manifest).

With ``tiles.output=dataset`` (:data:`OUTPUTS`) a tile is instead written as the Parquet
file it will be in the run's dataset, ``tile-<k>-of-<T>.parquet``
(:mod:`sim.store.dataset`), so the last job links the tiles into the run directory and
reads only their footers, where a merge rewrites every row.

Several jobs may work on one run at once (tile jobs, a resubmitted job array, another
tiling of the same config). Temporary files carry their writer's pid, host and a random
token (:func:`sim.store.rundir.temporary_path`), so no two jobs write the same file; when two
jobs finish the same tile, the first file stays (the second is the same bytes). A lock
(:class:`RunLock`, ``flock`` on :func:`sim.store.rundir.lock_file`, ``.<run-id>.lock`` beside
the run) is held shared while solving tiles and exclusively while merging them and
removing the tiles directory, so a merge never removes files another job is still
writing or about to read.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from sim.engine.params import ConfigError
from sim.store.rundir import (as_write_error, atomic_path, atomic_write_text, create_once, place_once, temporary_path,
                        writing)
from sim.store.table import ResultsError, RowGroupWriter, canonical

#: What a tiled run publishes: ``merged``, one ``equilibria.parquet``; ``dataset``, the
#: partitioned dataset ``equilibria/``, one Parquet file per tile (:mod:`sim.store.dataset`).
OUTPUTS = ("merged", "dataset")
ARROW, PARQUET = ".arrow", ".parquet"  #: suffixes of a tile: Arrow IPC (merged), a Parquet part (dataset)


@dataclass(frozen=True)
class TileSpec:
    """``count`` tiles; ``index`` = the one tile this job solves (None: all, in turn);
    ``output``, one of :data:`OUTPUTS`."""

    count: int = 1
    index: int | None = None
    output: str = "merged"

    def indices(self) -> range:
        return range(self.count) if self.index is None else range(self.index, self.index + 1)

    @property
    def suffix(self) -> str:
        """The points tiles' suffix: :data:`PARQUET` for the dataset form, else :data:`ARROW`."""
        return PARQUET if self.output == "dataset" else ARROW


def tile_spec(data, n_points: int) -> TileSpec:
    """The ``tiles`` block as a :class:`TileSpec` for a grid of ``n_points``, checked."""
    data = dict(data or {})
    if set(data) - {"count", "index", "output"}:
        raise ConfigError(f"tiles has unknown keys {sorted(set(data) - {'count', 'index', 'output'})}; "
                          "allowed: count, index, output")
    count, index, output = data.get("count", 1), data.get("index"), data.get("output", "merged")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= n_points:
        raise ConfigError(f"tiles.count={count!r} must be an integer in [1, {n_points}] (the grid's points)")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count):
        raise ConfigError(f"tiles.index={index!r} must be null (all tiles) or an integer in [0, {count - 1}]")
    if output not in OUTPUTS:
        raise ConfigError(f"tiles.output={output!r} must be one of {', '.join(OUTPUTS)} (merged: one "
                          "equilibria.parquet; dataset: equilibria/, one Parquet file per tile)")
    return TileSpec(count, index, output)


def tile_range(n_points: int, count: int, k: int) -> tuple[int, int]:
    """Grid points ``[start, stop)`` of tile ``k`` of ``count``."""
    return k * n_points // count, (k + 1) * n_points // count


def _tile_file(directory: Path, count: int, k: int, tail: str) -> Path:
    return Path(directory) / f"tile-{k:05d}-of-{count:05d}{tail}"


def tile_path(directory: Path, count: int, k: int, kind: str = "", suffix: str = ARROW) -> Path:
    """``tile-<k>-of-<count>[-<kind>]<suffix>`` in ``directory``."""
    return _tile_file(directory, count, k, f"-{kind}{suffix}" if kind else suffix)


def failure_path(directory: Path, count: int, k: int) -> Path:
    return _tile_file(directory, count, k, ".failed")


def seconds_path(directory: Path, count: int, k: int) -> Path:
    return _tile_file(directory, count, k, ".seconds")


def tile_done(directory: Path, count: int, k: int, n_rows: int, suffix: str = ARROW) -> bool:
    """Whether tile ``k`` is written and whole (its row count is right; a Parquet tile's
    from its footer)."""
    path = tile_path(directory, count, k, suffix=suffix)
    try:
        rows = pq.read_metadata(path).num_rows if suffix == PARQUET else _read_ipc(path).num_rows
    except (OSError, pa.ArrowException):
        return False
    return rows == n_rows


def _read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return ipc.open_file(source).read_all()


_IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")


def _write_ipc(table: pa.Table, path: Path) -> None:
    """Write ``table`` (one chunk per column, see :func:`sim.store.table.canonical`) atomically
    (:func:`sim.store.rundir.atomic_path`)."""
    table = canonical(table)
    with atomic_path(path) as tmp, ipc.new_file(tmp, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)


class TileWriter:
    """Write tile ``k`` of ``count`` a chunk at a time (:meth:`write`), so its job holds one
    chunk rather than the tile; :meth:`commit` then writes the per-run table and the
    seconds spent, and renames the points file into place last (the marker of a finished
    tile). Chunks must share one schema and, in label columns, one dictionary (the Arrow
    IPC file format refuses a changed dictionary). The points file is written under a
    name of this job's own, so two jobs may write the same tile at once; the first to
    commit wins, and the other's commit drops its copy (the same bytes).

    ``suffix``: :data:`ARROW` (an Arrow IPC tile, to merge) or :data:`PARQUET` (a part of
    the dataset, written as :class:`sim.store.table.RowGroupWriter` writes a table, with
    ``metadata`` as its schema metadata)."""

    def __init__(self, directory: Path, count: int, k: int, suffix: str = ARROW,
                 metadata: dict[bytes, bytes] | None = None):
        self.directory, self.count, self.k = Path(directory), count, k
        self.path = tile_path(directory, count, k, suffix=suffix)
        self._tmp = temporary_path(self.path)
        self._parquet = suffix == PARQUET
        self._metadata = metadata
        self._writer = None

    def write(self, chunk: pa.Table) -> None:
        with writing(self.path):
            if self._writer is None and self._parquet:
                self._writer = RowGroupWriter(self._tmp, self._metadata, atomic=False)
            elif self._writer is None:
                self._writer = ipc.new_file(self._tmp, chunk.schema, options=_IPC_OPTIONS)
            (self._writer.write if self._parquet else self._writer.write_table)(chunk)

    def commit(self, runs: pa.Table | None, solve_seconds: float) -> bool:
        """Put the tile in place; False if another job had already (ours is dropped)."""
        if self._writer is None:
            raise ValueError(f"tile {self.k} of {self.count} has no rows")
        try:
            with writing(self.path):
                self._writer.close()
        except BaseException:
            self.abort()  # the file is incomplete: closed as it is, and removed
            raise
        self._writer = None
        if self.path.is_file():  # another job finished this tile first
            self._tmp.unlink(missing_ok=True)
            return False
        if runs is not None:
            _write_ipc(runs, tile_path(self.directory, self.count, self.k, "runs"))
        atomic_write_text(seconds_path(self.directory, self.count, self.k), f"{solve_seconds!r}\n")
        if not place_once(self._tmp, self.path):  # of two jobs, the first one's tile stays
            return False
        failure_path(self.directory, self.count, self.k).unlink(missing_ok=True)
        return True

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.abandon() if self._parquet else self._writer.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        self._tmp.unlink(missing_ok=True)


def record_failure(directory: Path, count: int, k: int, line: str) -> None:
    """Leave ``tile-<k>-of-<T>.failed`` holding ``line`` (best effort: on a full disk the
    error is still reported, just not kept)."""
    try:
        atomic_write_text(failure_path(directory, count, k), line + "\n")
    except OSError:
        pass


def solve_seconds(directory: Path, count: int) -> list[float | None]:
    """Seconds each tile's job spent solving it (None if not recorded), in tile order."""
    out = []
    for k in range(count):
        try:
            out.append(float(seconds_path(directory, count, k).read_text()))
        except (OSError, ValueError):
            out.append(None)
    return out


def iter_tiles(directory: Path, count: int) -> Iterator[pa.Table]:
    """The points tiles' rows in order, a record batch (a solver chunk) at a time, so a
    merge holds one chunk rather than the grid."""
    for k in range(count):
        path = tile_path(directory, count, k)
        try:
            with pa.OSFile(str(path)) as source:
                reader = ipc.open_file(source)
                for i in range(reader.num_record_batches):
                    yield pa.Table.from_batches([reader.get_batch(i)])
        except (OSError, pa.ArrowException) as exc:
            raise ResultsError(f"tile {k} of {count} is unreadable ({path}): {exc}") from None


def read_tiles(directory: Path, count: int, kind: str = "") -> pa.Table:
    """All tiles of one kind, concatenated in tile order."""
    parts = []
    for k in range(count):
        path = tile_path(directory, count, k, kind)
        try:
            parts.append(_read_ipc(path))
        except (OSError, pa.ArrowException) as exc:
            raise ResultsError(f"tile {k} of {count} is unreadable ({path}): {exc}") from None
    return pa.concat_tables(parts)


def claim(directory: Path, config_hash: str, run_id: str) -> None:
    """Mark a tiles directory as this config's; refuse one that holds another config."""
    mark = Path(directory) / "config_hash"
    if not mark.exists():
        create_once(mark, (config_hash + "\n").encode())  # never replacing a mark another job made meanwhile
    if mark.read_text().strip() != config_hash:
        raise ConfigError(f"run_id={run_id}: {directory} holds tiles of another config; give each config its "
                          "own run_id (or leave run_id unset)")


class RunLock:
    """An ``flock`` on ``path`` (``results/<name>/.<run-id>.lock``): held shared by jobs
    solving tiles, exclusively by the job merging them or removing the tiles directory::

        with RunLock(path, tidy).shared():
            ...

    The kernel drops the lock when its process dies, however it dies, so a killed job
    never blocks the next. A job that lets go while no other job holds the lock runs
    ``tidy`` as its exclusive holder, then removes the lock file; a job that was waiting
    on a file removed meanwhile locks a new one instead.
    """

    def __init__(self, path: Path, tidy: Callable[[], None] | None = None):
        self.path, self.tidy = Path(path), tidy
        self._fd: int | None = None

    def _lock(self, operation: int) -> bool:
        """Take the lock (``LOCK_SH`` / ``LOCK_EX``, maybe ``| LOCK_NB``); False if it
        would block. Changing a held lock's mode lets go first, so the file is
        checked again afterwards."""
        while True:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(self._fd, operation)
            except BlockingIOError:
                return False
            except OSError as exc:
                os.close(self._fd)
                self._fd = None
                raise as_write_error(exc, self.path) or exc  # e.g. a file system without flock
            try:
                same = os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return True
            os.close(self._fd)  # the last holder removed that file: lock the current one
            self._fd = None

    def shared(self) -> RunLock:
        """Wait for, and take, the lock shared (a context manager that releases it)."""
        self._lock(fcntl.LOCK_SH)
        return self

    def exclusive(self) -> RunLock:
        """Wait for, and take, the lock exclusively (a context manager that releases it)."""
        self._lock(fcntl.LOCK_EX)
        return self

    def __enter__(self) -> RunLock:
        return self

    def release(self) -> None:
        """Let go; if no other job holds the lock, first tidy and remove its file."""
        if self._fd is None:
            return
        try:
            if self._lock(fcntl.LOCK_EX | fcntl.LOCK_NB):
                try:
                    if self.tidy is not None:
                        self.tidy()
                finally:
                    self.path.unlink(missing_ok=True)
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __exit__(self, *exc) -> None:
        self.release()


def failures(directory: Path, count: int) -> dict[int, str]:
    """Tiles that failed (and have not been redone since), with their error line."""
    out = {}
    for k in range(count):
        p = failure_path(directory, count, k)
        if p.exists():
            out[k] = p.read_text().strip()
    return out
