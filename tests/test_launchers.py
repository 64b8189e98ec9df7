"""Hydra launchers: the same tiled sweep through every launcher gives the same bytes.

Each test runs ``python -m sim -m ... hydra/launcher=<name>`` as a subprocess on a small
grid split into 3 tiles (one Hydra job per tile) and compares the merged run directory
with a single-process run (``tiles.count=1``) of the same config. Launchers other than
Hydra's basic one come from the ``cluster`` extra (``pip install -e ".[cluster]"``);
without it their tests are skipped. SLURM is exercised through submitit's local executor
(``submitit_local``), Ray against a single-node Ray cluster on 127.0.0.1 that the test
starts and stops.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

NAME = "nationalism_credibility"  # the default experiment
GRID = ["sweep.x.num=30", "sweep.y.num=20"]
TILED = ["tiles.count=3", "tiles.index=range(3)"]
SAME_BYTES = ["equilibria.parquet", "baseline.efg", "baseline.nfg", "phase_diagram.png"]
EXTRA = 'install the launchers with: pip install -e ".[cluster]"'
TIMEOUT = 300  # seconds per sim command

# Ray: no usage reporting, no token file in ~/.ray, every address on 127.0.0.1
# (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes Ray take the loopback address as the node's),
# and SIGTERM stops the node at once (Ray's default drains it for 30 s first).
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}


def need(module: str) -> None:
    pytest.importorskip(module, reason=f"{module} is not installed; {EXTRA}")


def sim_multirun(tmp: Path, run_id: str, *overrides: str, env: dict | None = None):
    """Run the tiled sweep as a Hydra multirun; returns the CompletedProcess."""
    cmd = [sys.executable, "-m", "sim", "-m", f"results_dir={tmp / 'results'}", *GRID, *TILED,
           f"run_id={run_id}", f"hydra.sweep.dir={tmp / 'multirun' / run_id}", *overrides]
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def assert_merged_like(reference: Path, tmp: Path, run_id: str) -> None:
    run_dir = tmp / "results" / NAME / run_id
    assert (run_dir / "manifest.json").is_file(), f"no merged run directory {run_dir}"
    assert json.loads((run_dir / "manifest.json").read_text())["run_id"] == run_id
    assert not (tmp / "results" / NAME / f".tiles-{run_id}").exists(), "tiles directory not removed after merge"
    for name in SAME_BYTES:
        assert (run_dir / name).read_bytes() == (reference / name).read_bytes(), f"{name} differs from a single-process run"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A single-process run (tiles.count=1) of the same config."""
    tmp = tmp_path_factory.mktemp("single")
    cmd = [sys.executable, "-m", "sim", f"results_dir={tmp}", *GRID, "tiles.count=1", "run_id=single"]
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return tmp / NAME / "single"


LAUNCHERS = {
    # name: (plugin module or None, overrides)
    "basic": (None, []),
    "joblib": ("hydra_plugins.hydra_joblib_launcher", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", ["hydra/launcher=submitit_local"]),
}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_launcher_same_bytes(launcher, reference, tmp_path):
    module, overrides = LAUNCHERS[launcher]
    if module:
        need(module)
    sim_multirun(tmp_path, f"tiled-{launcher}", *overrides)
    assert_merged_like(reference, tmp_path, f"tiled-{launcher}")


@pytest.mark.parametrize("launcher", ["submitit_local", pytest.param("joblib", marks=pytest.mark.slow),
                                      pytest.param("ray_cluster", marks=pytest.mark.slow)])
def test_failed_tile_then_rerun(launcher, reference, tmp_path, request):
    """A tile job that fails makes the launcher's command exit non-zero, its error is kept
    beside the finished tiles, and the same command run again completes the run."""
    if launcher == "ray_cluster":
        overrides, env = ["hydra/launcher=ray_cluster",
                          f"hydra.launcher.ray.init.address={request.getfixturevalue('ray_head')}"], RAY_ENV
    else:
        module, overrides = LAUNCHERS[launcher]
        need(module)
        env = {}
    run_id = f"failed-{launcher}"
    tdir = tmp_path / "results" / NAME / f".tiles-{run_id}"
    blocker = tdir / "tile-00001-of-00003.arrow"
    blocker.mkdir(parents=True)  # tile 1 cannot be written: its job fails
    with pytest.raises(AssertionError, match="exit 1"):
        sim_multirun(tmp_path, run_id, *overrides, env=env)
    assert "IsADirectoryError" in (tdir / "tile-00001-of-00003.failed").read_text()
    assert (tdir / "tile-00000-of-00003.arrow").is_file() and (tdir / "tile-00002-of-00003.arrow").is_file()
    assert not (tdir.parent / run_id).exists()
    blocker.rmdir()
    sim_multirun(tmp_path, run_id, *overrides, env=env)  # the same command again
    assert_merged_like(reference, tmp_path, run_id)


# --- Ray ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in process group ``pgid``."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for stat in proc_dir.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            return True
    return False


def stop_group(proc: subprocess.Popen) -> None:
    """End the process group that ``proc`` leads (ray start and the processes it spawned)."""
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        proc.poll()  # reap the leader
        time.sleep(0.2)
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert not group_alive(proc.pid)


@pytest.fixture(scope="module")
def ray_head():
    """A one-node Ray cluster on 127.0.0.1 (2 CPUs, 100 MB object store), stopped after
    the module: ``ray start --head --block`` in its own process group, ended by group id."""
    need("hydra_plugins.hydra_ray_launcher")
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip(f"no ray command beside {sys.executable}; {EXTRA}")
    temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths are length-limited
    port = free_port()
    cmd = [str(ray_bin), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
           "--num-cpus=2", "--num-gpus=0", "--object-store-memory=100000000", "--include-dashboard=false",
           f"--dashboard-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}",
           f"--ray-client-server-port={free_port()}", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    log = open(Path(temp_dir) / "ray-start.log", "w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **RAY_ENV})
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in Path(log.name).read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start failed (exit {proc.poll()}):\n{Path(log.name).read_text()}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        stop_group(proc)
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_ray_cluster_same_bytes(ray_head, reference, tmp_path):
    """``hydra/launcher=ray_cluster`` (conf/hydra/launcher/ray_cluster.yaml) on a running cluster."""
    sim_multirun(tmp_path, "tiled-ray", "hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={ray_head}",
                 env=RAY_ENV)
    assert_merged_like(reference, tmp_path, "tiled-ray")


@pytest.mark.slow
def test_ray_own_instance_same_bytes(reference, tmp_path):
    """Plain ``hydra/launcher=ray``: the launcher starts a Ray instance in the launching
    process and stops it at exit (about 30 s here). ``address=local`` keeps it from
    joining a cluster that ``ray start`` may have left running on this machine."""
    need("hydra_plugins.hydra_ray_launcher")
    temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    try:
        sim_multirun(tmp_path, "tiled-ray-own", "hydra/launcher=ray", "hydra.launcher.ray.init.address=local",
                     "+hydra.launcher.ray.init.num_cpus=2",
                     "+hydra.launcher.ray.init.include_dashboard=false", f"+hydra.launcher.ray.init._temp_dir={temp_dir}",
                     env=RAY_ENV)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    assert_merged_like(reference, tmp_path, "tiled-ray-own")


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_more_tiles_than_workers(launcher, reference, tmp_path):
    """8 tiles on 2 workers (joblib) / 8 concurrent local jobs (submitit): every job may
    be the one that finds all tiles present; exactly one merged directory results."""
    module, overrides = LAUNCHERS[launcher]
    need(module)
    run_id = f"eight-{launcher}"
    cmd = [sys.executable, "-m", "sim", "-m", f"results_dir={tmp_path / 'results'}", *GRID, "tiles.count=8",
           "tiles.index=range(8)", f"run_id={run_id}", f"hydra.sweep.dir={tmp_path / 'multirun'}", *overrides]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert_merged_like(reference, tmp_path, run_id)
    assert sorted(p.name for p in (tmp_path / "results" / NAME).iterdir()) == [run_id]
