"""The run directory: every file name in it, and how it and its files are written.

``results/<name>/<run-id>/`` holds

* :data:`TABLE` (``equilibria.parquet``), the tidy table (:mod:`sim.store.table`) or, with
  ``tiles.output=dataset``, the same rows as the dataset :data:`TABLE_DATASET`
  (``equilibria/``: :func:`part_name` files, :data:`DATASET_METADATA`,
  :data:`DATASET_INDEX`; :mod:`sim.store.dataset`); with the
  agent-based model also :data:`RUNS_TABLE` (one row per run) and the baseline's
  :data:`TRAJECTORY` / :data:`TRAJECTORY_STATS`; with the QRE, :data:`QRE_PATH`; with the
  two-level game, :data:`PARLIAMENT` and :data:`PARLIAMENT_OUTCOMES`; a back-test run holds
  :data:`BACKTEST` (and :data:`DYNAMIC_ABM`) instead of the table and games; a
  sensitivity run holds :data:`SENSITIVITY_TABLE` instead of the table and games;
* ``baseline.nfg`` / ``baseline.efg`` (:data:`GAMES_STEM`), the baseline games, for Gambit;
* :data:`CONFIG` (``config.yaml``), the composed config;
* the figures, ``<stem>.<format>`` for a format in :data:`FIGURE_FORMATS`, each with a
  caption, :func:`caption_name`; :data:`FIGURES` (``figures.json``), their provenance;
* :data:`MANIFEST` (``manifest.json``), written last.

Beside it, in ``results/<name>/``, a tiled run keeps its tiles in :func:`tiles_dir`
(``.tiles-<run-id>``) and its lock in :func:`lock_file` (``.<run-id>.lock``).

A directory is assembled under a hidden name of its process's own,
``.<run-id>.<pid>@<host>.<random>.partial`` (:func:`assembling`), and renamed into place
when complete (:func:`publish`), so a run directory that exists is a finished one. A
file is written under ``.<name>.<pid>@<host>.<random>.tmp`` beside it and renamed into
place (:func:`atomic_path`, :func:`atomic_write`), so no two processes write one file
and a file that exists is whole. What a killed process leaves is recognised by its name
and removed once that process is gone (:func:`remove_stale_partials`,
:func:`remove_stale_temporaries`).

A file that cannot be written (a full disk, a quota, permissions) raises
:class:`WriteError`, an OSError whose message is one line: the path, then the cause.

This module imports nothing of ``sim``: every other module may use it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# ----------------------------------------------------------------------------- names

TABLE = "equilibria.parquet"
TABLE_DATASET = "equilibria"  #: the table as a partitioned dataset: one Parquet part a tile (sim.store.dataset)
DATASET_METADATA = "_metadata"  #: ... the parts' footers in one file (pyarrow.parquet.write_metadata)
DATASET_INDEX = "_manifest.json"  #: ... the parts in row order, with their rows
RUNS_TABLE = "abm_runs.parquet"
QRE_PATH = "qre_path.parquet"
BACKTEST = "backtest.parquet"  #: a back-test run: a row per quarter (sim.analysis.backtest)
DYNAMIC_ABM = "dynamic_abm.parquet"  #: ... and Mesa agents playing the dynamic game: a row per run and quarter
PARLIAMENT = "parliament.parquet"  #: the two-level game at the baseline: a row per member and parliament
PARLIAMENT_OUTCOMES = "parliament_outcomes.parquet"  #: ... and a row per option and regime
TRAJECTORY = "trajectory.parquet"
TRAJECTORY_STATS = "trajectory_stats.parquet"
SENSITIVITY_TABLE = "sensitivity.parquet"
SAMPLE = "sample.parquet"  #: a sensitivity run's evaluated sample: a row per point, parameters and outcomes
CONFIG = "config.yaml"
FIGURES = "figures.json"
MANIFEST = "manifest.json"
GAMES_STEM = "baseline"  #: ``baseline.nfg``, ``baseline.efg``

#: Figure stems: ``<stem>.<format>``.
PHASE_DIAGRAM = "phase_diagram"
QRE_FIGURE = "qre_path"
PARLIAMENT_FIGURE = "parliament"
BACKTEST_FIGURE = "backtest"
DYNAMIC_ABM_FIGURE = "dynamic_abm"
PARLIAMENT_MAP = "parliament_map"
ABM_SELECTION = "abm_selection"
TRAJECTORIES = "trajectories"
SENSITIVITY_FIGURE = "sensitivity"

#: The figure formats allowed, and those drawn when none are asked for.
FIGURE_FORMATS = ("png", "pdf", "svg")
DEFAULT_FORMATS = ("png", "pdf")
CAPTION_SUFFIX = ".caption.txt"
TMP_SUFFIX = ".tmp"
PARTIAL_SUFFIX = ".partial"


def figure_name(stem: str, fmt: str) -> str:
    """``<stem>.<fmt>``, e.g. ``phase_diagram.pdf``."""
    return f"{stem}.{fmt}"


def is_figure(name: str) -> bool:
    """Whether ``name`` is a figure file (its suffix is one of :data:`FIGURE_FORMATS`)."""
    return Path(name).suffix[1:] in FIGURE_FORMATS


def caption_name(stem: str) -> str:
    """The caption file of figure ``stem``: ``<stem>.caption.txt``."""
    return stem + CAPTION_SUFFIX


def part_name(k: int, count: int) -> str:
    """Part ``k`` of ``count`` of the dataset :data:`TABLE_DATASET`: ``part-<k>-of-<count>.parquet``,
    zero-padded so that sorting the names sorts the parts into row order."""
    return f"part-{k:05d}-of-{count:05d}.parquet"


def tiles_dir(parent: Path, run_id: str) -> Path:
    """Where a tiled run keeps its tiles: ``parent/.tiles-<run-id>``."""
    return Path(parent) / f".tiles-{run_id}"


def lock_file(parent: Path, run_id: str) -> Path:
    """The run's lock: ``parent/.<run-id>.lock``."""
    return Path(parent) / f".{run_id}.lock"


# ----------------------------------------------------------------------------- owned names

_OWNED = re.compile(r"^\.(?P<base>.+)\.(?P<pid>\d+)@(?P<host>[^/@]+)\.[^.]+\.(?P<kind>tmp|partial)$")


def owner_tag() -> str:
    """``<pid>@<host>`` of this process (computed per call: a forked worker has its own pid)."""
    return f"{os.getpid()}@{socket.gethostname()}"


def temporary_path(path: Path) -> Path:
    """A name beside ``path`` that no other process uses, for writing ``path`` atomically:
    ``.<name>.<pid>@<host>.<random>.tmp`` (see :func:`owned_by_dead_process`)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{owner_tag()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


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


# ----------------------------------------------------------------------------- errors


class WriteError(OSError):
    """A file could not be written. ``str()`` is one line: the path, then the cause
    (``.../phase_diagram.pdf: No space left on device``); ``errno`` is the cause's."""

    def __init__(self, path: Path | str, cause: BaseException):
        code = getattr(cause, "errno", None)
        reason = os.strerror(code) if isinstance(code, int) else " ".join(str(cause).split())
        super().__init__(code, reason or type(cause).__name__, str(path))

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


@contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Run the block; an error an OSError caused (also one hidden in ``__context__``)
    leaves it as a :class:`WriteError` naming ``path`` (or the file the OSError names)."""
    try:
        yield
    except BaseException as exc:
        error = as_write_error(exc, path)
        if error is None or error is exc:
            raise
        raise error from exc


# ----------------------------------------------------------------------------- files


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary name beside ``path`` (:func:`temporary_path`) for a writer that wants a
    path (pyarrow, matplotlib), renamed to ``path`` when the block ends cleanly::

        with atomic_path(out) as tmp:
            fig.savefig(tmp, format="pdf")

    On any error the temporary file is removed and, if an OSError caused the error,
    :class:`WriteError` naming ``path`` is raised from it.
    """
    path = Path(path)
    tmp = temporary_path(path)
    with writing(path):
        try:
            yield tmp
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


@contextmanager
def atomic_write(path: Path | str, mode: str = "wb", *, encoding: str | None = None,
                 newline: str | None = None) -> Iterator[IO]:
    """An open file object (``mode`` ``"wb"`` or ``"w"``; text is UTF-8 unless
    ``encoding``) writing ``path`` atomically, as :func:`atomic_path`."""
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding, newline=newline) as fh:
        yield fh


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path, "w") as fh:
        fh.write(text)


def atomic_write_json(path: Path | str, data: dict) -> None:
    """Write ``data`` as indented JSON with sorted keys (values JSON cannot hold as
    ``str``), then a newline, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def place_once(tmp: Path, path: Path, *, fallback: bool = True) -> bool:
    """Give the finished file ``tmp`` the name ``path`` unless a file has it already: of
    several writers of one file the first stays, and the others get False. ``tmp`` is
    gone afterwards. Where hard links fail (some file systems), ``fallback`` renames
    ``tmp`` over ``path`` instead; without it the failure is raised, as
    :class:`WriteError` naming ``path``."""
    tmp, path = Path(tmp), Path(path)
    try:
        with writing(path):
            try:
                os.link(tmp, path)  # never replaces
            except OSError:
                if path.is_file():
                    return False
                if not fallback:
                    raise
                os.replace(tmp, path)
            return True
    finally:
        tmp.unlink(missing_ok=True)


def create_once(path: Path, data: bytes) -> bool:
    """Write ``path`` holding ``data`` whole unless it exists (False then); two processes
    at once: one wins, and neither replaces the other's file (no rename fallback)."""
    tmp = temporary_path(path)
    try:
        with writing(path):
            tmp.write_bytes(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return place_once(tmp, path, fallback=False)


def remove_stale_temporaries(directory: Path) -> None:
    """Remove the temporary files that killed processes of this host left in ``directory``."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    for name in names:
        if name.endswith(TMP_SUFFIX) and owned_by_dead_process(name):
            Path(directory, name).unlink(missing_ok=True)


# ----------------------------------------------------------------------------- directories


def make_dirs(path: Path | str) -> Path:
    """``mkdir -p path``; :class:`WriteError` naming the directory that cannot be made."""
    with writing(path):
        Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def make_partial(parent: Path, base: str) -> Path:
    """A new directory ``parent/.<base>.<pid>@<host>.<random>.partial``, with the
    permissions a published directory has (``mkdtemp`` would make it private)."""
    with writing(parent):
        tmp = Path(tempfile.mkdtemp(prefix=f".{base}.{owner_tag()}.", suffix=PARTIAL_SUFFIX, dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def remove_stale_partials(parent: Path, base: str) -> None:
    """Remove the ``.<base>.*.partial`` directories whose process (on this host) is gone.

    Those of live processes, and those made on other hosts (whose processes cannot be
    checked from here), are kept.
    """
    try:
        names = os.listdir(parent)
    except FileNotFoundError:
        return
    for name in names:
        owner = owner_of(name)
        if name.endswith(PARTIAL_SUFFIX) and owner and owner[0] == base and owned_by_dead_process(name):
            shutil.rmtree(Path(parent) / name, ignore_errors=True)


@contextmanager
def assembling(parent: Path, base: str) -> Iterator[Path]:
    """A new directory to assemble ``parent/<base>`` in (:func:`make_partial`), removed if
    the block fails. An OSError of the block becomes a :class:`WriteError` naming the
    file (or, if it names none, this directory). Publish it with :func:`publish`."""
    tmp = make_partial(parent, base)
    try:
        yield tmp
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        error = as_write_error(exc, tmp) if isinstance(exc, OSError) else None  # not a hidden one: not a write
        if error is None or error is exc:
            raise
        raise error from exc


def publish(tmp_dir: Path, final_dir: Path, taken: str = "refuse",
            check: Callable[[Path], object] | None = None) -> Path:
    """Rename the finished ``tmp_dir`` to ``final_dir`` (an empty directory there is
    replaced) and return where it went. If ``final_dir`` is taken, by ``taken``:

    * ``"refuse"``: FileExistsError naming it;
    * ``"suffix"``: publish as ``final_dir-2``, ``-3``, ... instead (an automatic run id);
    * ``"keep"``: keep it, after ``check(final_dir)`` (which raises if it may not stand
      for this one), drop ``tmp_dir`` and return ``final_dir``;
    * ``"replace"``: replace it (moved aside under a ``.partial`` name, then removed).
    """
    tmp_dir, final_dir = Path(tmp_dir), Path(final_dir)
    if taken == "replace":
        return _replace_dir(tmp_dir, final_dir)
    for k in range(1, 100 if taken == "suffix" else 2):
        final = final_dir if k == 1 else final_dir.with_name(f"{final_dir.name}-{k}")
        try:
            os.rename(tmp_dir, final)  # fails if final exists and is not an empty directory
            return final
        except OSError:
            if not final.exists():
                raise
        if taken == "keep":
            if check is not None:
                check(final)
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return final
    if taken == "refuse":
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(final_dir))
    raise FileExistsError(errno.EEXIST, f"too many directories named {final_dir.name}-<k>", str(final_dir))


def _replace_dir(tmp_dir: Path, final_dir: Path) -> Path:
    """Rename ``tmp_dir`` to ``final_dir``, a directory there moved aside and removed."""
    if not os.path.lexists(final_dir):
        os.rename(tmp_dir, final_dir)
        return final_dir
    if not final_dir.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(final_dir))
    old = final_dir.with_name(f".{final_dir.name}.{owner_tag()}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
    os.rename(final_dir, old)  # a kill from here on leaves a stale .partial, not a lost one
    try:
        os.rename(tmp_dir, final_dir)
    except OSError:
        os.rename(old, final_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return final_dir
