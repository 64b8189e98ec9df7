"""The index of a Hydra multirun: one row per job, written in the sweep directory.

``python -m sim -m ...`` runs one job per combination of the swept overrides; this
Hydra callback (configured in ``conf/hydra/callbacks/multirun_index.yaml``) records each
job as it ends in ``<sweep dir>/multirun_index.parquet`` (and the same rows as
``multirun_index.csv``, for the shell):

=========  =======  ==========================================================
column     type     meaning
=========  =======  ==========================================================
job        int64    Hydra's job number (``hydra.job.num``), from 0
overrides  string   the job's overrides (``key=value`` each), as a shell would quote them
run_dir    string   the run directory it wrote (absolute; "" if none is known)
status     string   ``completed`` or ``failed``
error      string   for a failed job, its error on one line; else ""
=========  =======  ==========================================================

The index is rewritten after every job (under a lock: jobs of parallel launchers may end
at once), so a multirun that stops half-way still has the rows of its finished jobs.
Hydra makes a directory per job (``<sweep dir>/<job>``), which ``sim`` never writes
into; the callback removes each one that is empty when its job ends, and at the end of
the multirun every empty job directory left (e.g. by a job that was killed), so the sweep
directory holds ``multirun.yaml`` and the index. Only empty directories are removed
(``os.rmdir`` refuses any other).

A job's run directory is what the task function returns; when it returns nothing, it
is found from the job's config (:func:`find_run`: a given ``run_id``, a tiled run's
derived id, else the newest run directory whose manifest has the config's hash). A job
of a tiled run returns the tiles directory until the last tile merges them; the index
names the run directory they merge into. :func:`sim.api.open_multirun` reads the
index and the runs into one table.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

INDEX = "multirun_index.parquet"
INDEX_CSV = "multirun_index.csv"
COLUMNS = ("job", "overrides", "run_dir", "status", "error")
_TILES = re.compile(r"^\.tiles-(?P<run_id>.+)$")


def one_line(text: Any) -> str:
    """``text`` on one line (whitespace runs become one space)."""
    return " ".join(str(text).split())


def run_dir_of(value: Any) -> str:
    """The run directory a job's return value names, absolute; "" if it names none.

    A tile job that did not merge returns ``<parent>/.tiles-<run-id>``: the run it
    belongs to is ``<parent>/<run-id>``.
    """
    if not isinstance(value, (str, os.PathLike)):
        return ""
    path = Path(value).absolute()
    m = _TILES.match(path.name)
    return str(path.parent / m["run_id"] if m else path)


def find_run(task: Mapping[str, Any], cwd: str | Path, started: float) -> str:
    """The run directory a job of config ``task`` (plain data, no ``hydra`` key) wrote,
    found from the config when the job did not return it; "" if none is found.

    A given ``run_id`` or a tiled run names its directory; otherwise the run id is the
    time and the config hash (:func:`sim.runs.run.run_id_of`): the newest directory of
    that hash, made since ``started`` (seconds since the epoch), whose manifest records
    the same config hash.
    """
    import json

    from sim.config.validate import config_hash
    from sim.store import rundir

    chash = config_hash(task)
    parent = Path(cwd, str(task.get("results_dir") or "results"), str(task.get("name") or "default"))
    if task.get("run_id"):
        return str(parent / str(task["run_id"]))
    if ((task.get("tiles") or {}).get("count") or 1) > 1:
        return str(parent / f"tiled-{chash[:16]}")
    found = []
    for path in parent.glob(f"*-{chash[:8]}*"):
        try:
            if path.stat().st_mtime >= started - 1 and \
                    json.loads((path / rundir.MANIFEST).read_text()).get("config_hash") == chash:
                found.append((path.stat().st_mtime, path.name, path))
        except (OSError, ValueError, AttributeError):
            continue  # not a finished run
    return str(max(found)[2]) if found else ""


def job_row(num: int, overrides, status: str, value: Any, run_dir: str = "") -> dict:
    """The index row of one job: ``value`` is its return value (the run directory) or,
    for a failed job, the exception it raised; ``run_dir`` is used when ``value`` names
    no directory."""
    failed = status == "failed"
    error = f"{type(value).__name__}: {one_line(value)}" if failed and value is not None else ""
    return {"job": int(num), "overrides": shlex.join(str(o) for o in overrides), "status": status,
            "run_dir": "" if failed else (run_dir_of(value) or run_dir), "error": error}


@contextmanager
def locked(sweep_dir: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the sweep directory itself for the block (no lock
    file is left behind)."""
    fd = os.open(sweep_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_rows(sweep_dir: Path) -> list[dict]:
    """The rows of the index in ``sweep_dir`` (none if it has no index yet)."""
    import pyarrow.parquet as pq

    path = Path(sweep_dir) / INDEX
    return pq.read_table(path).to_pylist() if path.is_file() else []


def write_rows(sweep_dir: Path, rows: list[dict]) -> None:
    """Write the index (Parquet and CSV, each atomically), rows sorted by job."""
    import pandas as pd
    import pyarrow as pa

    from sim.store.rundir import atomic_write_text
    from sim.store.table import write_parquet

    rows = sorted(rows, key=lambda r: r["job"])
    schema = pa.schema([("job", pa.int64())] + [(c, pa.string()) for c in COLUMNS[1:]])
    table = pa.Table.from_pylist([{c: r[c] for c in COLUMNS} for r in rows], schema=schema)
    write_parquet(table, Path(sweep_dir) / INDEX)
    atomic_write_text(Path(sweep_dir) / INDEX_CSV, pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(index=False))


def record(sweep_dir: Path, row: Mapping[str, Any]) -> None:
    """Add (or replace) job ``row["job"]``'s row in the index of ``sweep_dir``."""
    with locked(sweep_dir):
        rows = [r for r in read_rows(sweep_dir) if r["job"] != row["job"]]
        write_rows(sweep_dir, rows + [dict(row)])


def remove_if_empty(path: Path) -> bool:
    """Remove the directory ``path`` if it is empty; whether it was removed."""
    try:
        os.rmdir(path)
    except OSError:  # not empty, not there, or not a directory: leave it
        return False
    return True


def remove_empty_job_dirs(sweep_dir: Path) -> list[Path]:
    """Remove the empty job directories (named by a job number) in ``sweep_dir``."""
    return [p for p in sorted(Path(sweep_dir).iterdir())
            if p.is_dir() and p.name.isdigit() and remove_if_empty(p)]


def _sweep_dir(config) -> Path:
    """The multirun's sweep directory, absolute (relative to where the command ran)."""
    return Path(config.hydra.runtime.cwd, config.hydra.sweep.dir).absolute()


def _multirun(config) -> bool:
    return str(config.hydra.mode) in ("RunMode.MULTIRUN", "MULTIRUN")


class MultirunIndex(Callback):
    """Hydra callback that writes the multirun's index (see the module docstring)."""

    def __init__(self) -> None:
        self._started: dict[int, float] = {}  # job number -> when it started (s since the epoch)

    def on_job_start(self, config, **kwargs) -> None:
        """Note when the job started (to find its run directory if it returns none)."""
        if _multirun(config):
            self._started[int(config.hydra.job.num)] = time.time()

    def on_job_end(self, config, job_return, **kwargs) -> None:
        """Record the job in the index and remove its job directory if empty."""
        if not _multirun(config):
            return
        num = int(config.hydra.job.num)
        status = "completed" if job_return.status.name == "COMPLETED" else "failed"
        value = job_return._return_value  # the property re-raises a failed job's exception
        found = ""
        if status == "completed" and not run_dir_of(value):
            from omegaconf import OmegaConf

            task = OmegaConf.to_container(job_return.cfg, resolve=True, enum_to_str=True)
            found = find_run(task, config.hydra.runtime.cwd, self._started.pop(num, 0.0))
        record(_sweep_dir(config), job_row(num, job_return.overrides or [], status, value, found))
        remove_if_empty(Path(config.hydra.runtime.output_dir))

    def on_multirun_end(self, config, **kwargs) -> None:
        """Remove every empty job directory left."""
        sweep_dir = _sweep_dir(config)
        if sweep_dir.is_dir():
            remove_empty_job_dirs(sweep_dir)
