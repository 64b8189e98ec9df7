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
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from sim.params import ConfigError
from sim.table import ResultsError, canonical


@dataclass(frozen=True)
class TileSpec:
    """``count`` tiles; ``index`` = the one tile this job solves (None: all, in turn)."""

    count: int = 1
    index: int | None = None

    def indices(self) -> range:
        return range(self.count) if self.index is None else range(self.index, self.index + 1)


def parse_tiles(data, n_points: int) -> TileSpec:
    data = dict(data or {})
    if set(data) - {"count", "index"}:
        raise ConfigError(f"tiles has unknown keys {sorted(set(data) - {'count', 'index'})}; allowed: count, index")
    count, index = data.get("count", 1), data.get("index")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= n_points:
        raise ConfigError(f"tiles.count={count!r} must be an integer in [1, {n_points}] (the grid's points)")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count):
        raise ConfigError(f"tiles.index={index!r} must be null (all tiles) or an integer in [0, {count - 1}]")
    return TileSpec(count, index)


def tile_range(n_points: int, count: int, k: int) -> tuple[int, int]:
    """Grid points ``[start, stop)`` of tile ``k`` of ``count``."""
    return k * n_points // count, (k + 1) * n_points // count


def _tile_file(directory: Path, count: int, k: int, tail: str) -> Path:
    return Path(directory) / f"tile-{k:05d}-of-{count:05d}{tail}"


def tile_path(directory: Path, count: int, k: int, kind: str = "") -> Path:
    return _tile_file(directory, count, k, f"-{kind}.arrow" if kind else ".arrow")


def failure_path(directory: Path, count: int, k: int) -> Path:
    return _tile_file(directory, count, k, ".failed")


def seconds_path(directory: Path, count: int, k: int) -> Path:
    return _tile_file(directory, count, k, ".seconds")


def tile_done(directory: Path, count: int, k: int, n_rows: int) -> bool:
    """Whether tile ``k`` is written and whole (its row count is right)."""
    path = tile_path(directory, count, k)
    try:
        return _read_ipc(path).num_rows == n_rows
    except (OSError, pa.ArrowException):
        return False


def _read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return ipc.open_file(source).read_all()


_IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")


def _write_ipc(table: pa.Table, path: Path) -> None:
    """Write ``table`` (one chunk per column, see :func:`sim.table.canonical`) atomically:
    temporary name, then rename."""
    table = canonical(table)
    tmp = path.with_name(f".{path.name}.tmp")
    with ipc.new_file(tmp, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    os.replace(tmp, path)


class TileWriter:
    """Write tile ``k`` of ``count`` a chunk at a time (:meth:`write`), so its job holds one
    chunk rather than the tile; :meth:`commit` then writes the per-run table and the
    seconds spent, and renames the points file into place last (the marker of a finished
    tile). Chunks must share one schema and, in label columns, one dictionary (the Arrow
    IPC file format refuses a changed dictionary)."""

    def __init__(self, directory: Path, count: int, k: int):
        self.directory, self.count, self.k = Path(directory), count, k
        self.path = tile_path(directory, count, k)
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        self._writer = None

    def write(self, chunk: pa.Table) -> None:
        if self._writer is None:
            self._writer = ipc.new_file(self._tmp, chunk.schema, options=_IPC_OPTIONS)
        self._writer.write_table(chunk)

    def commit(self, runs: pa.Table | None, solve_seconds: float) -> None:
        if self._writer is None:
            raise ValueError(f"tile {self.k} of {self.count} has no rows")
        self._writer.close()
        if runs is not None:
            _write_ipc(runs, tile_path(self.directory, self.count, self.k, "runs"))
        seconds_path(self.directory, self.count, self.k).write_text(f"{solve_seconds!r}\n")
        os.replace(self._tmp, self.path)
        failure_path(self.directory, self.count, self.k).unlink(missing_ok=True)

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass
        self._tmp.unlink(missing_ok=True)


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
    try:
        fd = os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w") as fh:
            fh.write(config_hash + "\n")
        return
    except FileExistsError:
        pass
    if mark.read_text().strip() != config_hash:
        raise ConfigError(f"run_id={run_id}: {directory} holds tiles of another config; give each config its "
                          "own run_id (or leave run_id unset)")


@contextmanager
def merge_lock(directory: Path, stale_after: float = 3600.0):
    """Yield True to the one job that may merge the tiles (False to the others).

    The lock is a file made atomically; a lock left by a dead process on this host, or
    older than ``stale_after`` seconds, is taken over.
    """
    lock = Path(directory) / "merging"
    me = f"{socket.gethostname()} {os.getpid()}"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if not _stale(lock, stale_after):
                yield False
                return
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(me + "\n")
        try:
            yield True
        finally:
            lock.unlink(missing_ok=True)
        return
    yield False


def _stale(lock: Path, stale_after: float) -> bool:
    try:
        host, pid = lock.read_text().split()
        age = time.time() - lock.stat().st_mtime
    except (OSError, ValueError):
        return True
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return age > stale_after


def failures(directory: Path, count: int) -> dict[int, str]:
    """Tiles that failed (and have not been redone since), with their error line."""
    out = {}
    for k in range(count):
        p = failure_path(directory, count, k)
        if p.exists():
            out[k] = p.read_text().strip()
    return out
