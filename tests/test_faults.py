"""Faults lose nothing and leave nothing: identical runs at once, overlapping tilings,
kills during the merge, a full disk, a run id reused for another config.

Real processes (``python -m sim``), real signals, a real full file system; no mocks.
Every case ends with one complete run whose files are the bytes of a one-process run,
and nothing else in the results directory.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_app import composed

from sim.config.validate import validate_run_config
from sim.runs.run import run

NAME = "nationalism_credibility"  # the default experiment
GRID = ["sweep.x.num=5", "sweep.y.num=5"]
RUN_ID = "same"
NOT_COMPARED = {"manifest.json", "config.yaml"}  # time stamps, tiles.count, results_dir


def cli(results: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim", f"results_dir={results}", *GRID, f"run_id={RUN_ID}", *extra]


def start(results: Path, *extra: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(cli(results, *extra), cwd=results.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def data_files(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.name not in NOT_COMPARED}


def tiles_in_process(results: Path, count: int, indices) -> None:
    """Solve some tiles of a ``count``-tiling here (fast: no interpreter start)."""
    data = composed(GRID)
    data.update(results_dir=str(results), run_id=RUN_ID)
    for k in indices:
        data["tiles"] = {"count": count, "index": k}
        assert run(validate_run_config(data), progress=False).name == f".tiles-{RUN_ID}"


def wait_for(condition, proc: subprocess.Popen) -> bool:
    """Poll ``condition`` until it holds (True) or ``proc`` exits (False)."""
    while not condition():
        if proc.poll() is not None:
            return condition()
        time.sleep(0.002)
    return True


def partials(parent: Path) -> list[Path]:
    return sorted(parent.glob(f".{RUN_ID}.*.partial"))


def blocked_on_lock(pid: int) -> bool:
    """Whether ``pid`` waits for a lock (a ``->`` line of /proc/locks)."""
    return any(line.split()[1] == "->" and line.split()[5] == str(pid)
               for line in Path("/proc/locks").read_text().splitlines() if "->" in line)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """The files of a one-process run (``tiles.count=1``) of the same config and run id."""
    results = tmp_path_factory.mktemp("one") / "results"
    code, out, err = finish(start(results, "tiles.count=1"))
    assert code == 0, err
    return data_files(Path(out.split()[-1]))


#: Version 1 of the scenario: its Gambit files (96 leaves, 108 profiles) are smaller than the
#: PDF, so a size limit between them fails the PDF's writes, not the Gambit files' (Model 2's
#: are larger than the PDF).
V1 = ("scenario=iraq2020_v1", "game=baseline_v1")


@pytest.fixture(scope="module")
def reference_v1(tmp_path_factory) -> dict[str, bytes]:
    """:func:`reference` for version 1 of the scenario."""
    results = tmp_path_factory.mktemp("one_v1") / "results"
    code, out, err = finish(start(results, "tiles.count=1", *V1))
    assert code == 0, err
    return data_files(Path(out.split()[-1]))


def assert_one_complete_run(results: Path, reference: dict[str, bytes]) -> None:
    parent = results / NAME
    assert sorted(os.listdir(parent)) == [RUN_ID], "leftovers (.partial, .tmp, tiles, lock) or a duplicate run"
    assert data_files(parent / RUN_ID) == reference


# ----------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("count, trial", [(4, 1), (4, 2), (4, 3), (1, 1)])
def test_identical_runs_started_together_make_one_run(tmp_path, reference, count, trial):
    """A resubmitted job array: the same command twice at once. Both exit 0 and print
    the same run; it holds the one-process bytes, and nothing else is left."""
    results = tmp_path / "results"
    procs = [start(results, f"tiles.count={count}") for _ in range(2)]
    outcomes = [finish(p) for p in procs]
    for code, out, err in outcomes:
        assert code == 0, err
        assert out.split()[-1] == str(results / NAME / RUN_ID)
    assert_one_complete_run(results, reference)


def test_tiling_started_while_another_tiling_merges(tmp_path, reference):
    """A ``tiles.count=4`` run started while a ``tiles.count=8`` run of the same config is
    merging waits for the merge (the tiles directory is not removed under it) and then
    returns the merged run. The merge is held mid-way with SIGSTOP, so the order is sure."""
    results = tmp_path / "results"
    parent = results / NAME
    tiles_in_process(results, 8, range(7))
    merging = start(results, "tiles.count=8")  # solves tile 7, then merges
    assert wait_for(lambda: bool(partials(parent)), merging), "the merge must start"
    os.kill(merging.pid, signal.SIGSTOP)
    try:
        assert partials(parent) and not (parent / RUN_ID).exists(), "stopped mid-merge"
        other = start(results, "tiles.count=4")
        assert wait_for(lambda: blocked_on_lock(other.pid), other), "the count=4 run waits for the merge"
    finally:
        os.kill(merging.pid, signal.SIGCONT)
    for code, out, err in (finish(merging), finish(other)):
        assert code == 0, err
        assert out.split()[-1] == str(parent / RUN_ID)
    assert_one_complete_run(results, reference)


# ----------------------------------------------------------------------------- kills


@pytest.mark.parametrize("point", ["equilibria.parquet", "baseline.efg", "phase_diagram.png"])
def test_kill_during_merge_then_rerun(tmp_path, reference, point):
    """SIGKILL the merging job once ``point`` is written in its ``.partial`` directory;
    the rerun removes that directory (its process is gone), merges, and leaves nothing."""
    results = tmp_path / "results"
    parent = results / NAME
    tiles_in_process(results, 4, range(3))
    merging = start(results, "tiles.count=4")
    assert wait_for(lambda: any((p / point).exists() for p in partials(parent)), merging)
    os.kill(merging.pid, signal.SIGSTOP)  # hold it where it is, then kill it there
    assert not (parent / RUN_ID).exists(), "the kill must land before the run is published"
    os.kill(merging.pid, signal.SIGKILL)
    assert finish(merging)[0] == -signal.SIGKILL
    assert len(partials(parent)) == 1 and (parent / f".tiles-{RUN_ID}").is_dir()

    code, _, err = finish(start(results, "tiles.count=4"))
    assert code == 0, err
    assert_one_complete_run(results, reference)


def test_stale_partials_are_removed_and_live_ones_kept(tmp_path):
    """Only a ``.partial`` of this run id whose process (on this host) is gone is removed."""
    parent = tmp_path / NAME
    parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid now names no process
    host = os.uname().nodename
    stale = parent / f".{RUN_ID}.{dead.pid}@{host}.abc123de.partial"
    kept = [parent / f".{RUN_ID}.{os.getpid()}@{host}.abc123de.partial",  # alive
            parent / f".{RUN_ID}.{dead.pid}@another-host.abc123de.partial",  # cannot tell
            parent / f".other.{dead.pid}@{host}.abc123de.partial"]  # another run's
    for d in (stale, *kept):
        d.mkdir()
        (d / "equilibria.parquet").write_bytes(b"x" * 1000)
    data = composed(GRID)
    data.update(results_dir=str(tmp_path), run_id=RUN_ID)
    out = run(validate_run_config(data), progress=False)
    assert sorted(p.name for p in parent.iterdir()) == sorted([out.name, *(p.name for p in kept)])


# ----------------------------------------------------------------------------- full disk


def _pages(n: int) -> int:
    return -(-n // 4096) * 4096


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs at ``tmp_path/disk`` (needs root: mount)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs a tmpfs, which only root can mount; the file-size-limit test below covers a failed write without root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}); the file-size-limit test below covers a failed write")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_full_disk_while_writing_the_pdf(tmp_path, reference_v1, tiny_disk):
    """A real ENOSPC in matplotlib's PDF writer: one line naming the file and the cause,
    exit 1, nothing published or half-written left; the rerun, with space, completes."""
    before_pdf = sum(_pages(len(reference_v1[n])) for n in ("equilibria.parquet", "baseline.nfg", "baseline.efg"))
    before_pdf += 4096  # config.yaml
    assert len(reference_v1["phase_diagram.pdf"]) > 3 * 4096
    st = os.statvfs(tiny_disk)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - before_pdf - 8192))  # the PDF gets 8 kB
    results = tiny_disk / "results"
    code, _, err = finish(start(results, "plot.formats=[pdf]", *V1))
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert re.fullmatch(r"sim: error: .*/phase_diagram\.pdf: No space left on device", err.strip()), err
    assert os.listdir(results / NAME) == []  # no run, no .partial, no temporary file

    filler.unlink()
    code, _, err = finish(start(results, "plot.formats=[pdf]", *V1))
    assert code == 0, err
    assert sorted(os.listdir(results / NAME)) == [RUN_ID]


def test_file_size_limit_while_writing_the_pdf(tmp_path, reference_v1):
    """The same without root: a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the
    kernel refuse the PDF's writes with EFBIG."""
    limit = len(reference_v1["phase_diagram.pdf"]) - 4096
    assert all(len(reference_v1[n]) < limit for n in ("equilibria.parquet", "baseline.nfg", "baseline.efg"))

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    results = tmp_path / "results"
    code, _, err = finish(start(results, "plot.formats=[pdf]", *V1, preexec_fn=limited))
    assert code == 1
    assert re.fullmatch(r"sim: error: .*/phase_diagram\.pdf: File too large", err.strip()), err
    assert os.listdir(results / NAME) == []


# ----------------------------------------------------------------------------- run ids


@pytest.mark.parametrize("count", [1, 4])
def test_run_id_of_another_config_is_refused_before_any_work(tmp_path, count):
    results = tmp_path / "results"
    parent = results / NAME
    data = composed(GRID)
    data.update(results_dir=str(results), run_id=RUN_ID)
    first = run(validate_run_config(data), progress=False)
    stamp = (first / "manifest.json").stat().st_mtime_ns

    code, out, err = finish(start(results, f"tiles.count={count}", "game.us.credibility=3"))
    assert code == 2
    assert err.strip() == (f"sim: error: run_id={RUN_ID} is already a run of another config in {parent}; "
                           "give each config its own run_id (or leave run_id unset)")
    assert sorted(os.listdir(parent)) == [RUN_ID]  # no -2, no tiles, no .partial, no lock

    code, out, err = finish(start(results, f"tiles.count={count}"))  # the same config: the run as it is
    assert code == 0, err
    assert out.split()[-1] == str(first)
    assert "already a finished run of this config" in err
    assert sorted(os.listdir(parent)) == [RUN_ID] and (first / "manifest.json").stat().st_mtime_ns == stamp
