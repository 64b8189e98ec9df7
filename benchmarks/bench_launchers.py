"""Benchmark: per-job overhead of each Hydra launcher.

Run: ``python benchmarks/bench_launchers.py [--jobs 4] [--launchers basic joblib ...]``
(the launchers other than ``basic`` come from ``pip install -e ".[cluster]"``; those not
installed are left out). For each launcher it times, wall clock, one multirun of
``--jobs`` trivially small jobs,

    python -m sim -m sweep.x.num=2 sweep.y=null 'game.us.credibility=1,2,3,4' hydra/launcher=...

and prints launcher, jobs, total seconds, seconds per job (total / jobs) and the extra
seconds per job over the basic launcher. The total includes starting Python and Hydra
once (about 3 s here) and each job's own work (solve 2 points, write the run directory
with its figures). ``ray_cluster`` runs against a one-node Ray cluster on 127.0.0.1 that
the script starts first (its start-up time is printed separately) and stops at the end;
``ray`` lets the launcher start and stop a Ray instance inside the multirun, so its
total includes that.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}

LAUNCHERS = {
    # name: (plugin module or None, overrides)
    "basic": (None, []),
    "joblib": ("hydra_plugins.hydra_joblib_launcher", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", ["hydra/launcher=submitit_local"]),
    "ray_cluster": ("hydra_plugins.hydra_ray_launcher", ["hydra/launcher=ray_cluster"]),
    "ray": ("hydra_plugins.hydra_ray_launcher", ["hydra/launcher=ray", "hydra.launcher.ray.init.address=local",
                                                 "+hydra.launcher.ray.init.num_cpus=2",
                                                 "+hydra.launcher.ray.init.include_dashboard=false"]),
}


def installed(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ray(temp_dir: str) -> tuple[subprocess.Popen, str]:
    """``ray start --head --block`` on 127.0.0.1 in its own process group; (process, address)."""
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
           f"--port={port}", "--num-cpus=2", "--num-gpus=0", "--object-store-memory=100000000",
           "--include-dashboard=false", f"--dashboard-port={free_port()}",
           f"--dashboard-agent-listen-port={free_port()}", f"--ray-client-server-port={free_port()}",
           "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    log = Path(temp_dir) / "ray-start.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **RAY_ENV})
    deadline = time.monotonic() + 120
    while "Ray runtime started" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_ray(proc)
            raise RuntimeError(f"ray start failed:\n{log.read_text()}")
        time.sleep(0.2)
    return proc, f"127.0.0.1:{port}"


def stop_ray(proc: subprocess.Popen) -> None:
    """End the process group that ``proc`` leads."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    time.sleep(2)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left
    except ProcessLookupError:
        pass


def time_multirun(overrides: list[str], jobs: int, tmp: Path, tag: str, env: dict) -> float:
    values = ",".join(str(v) for v in range(1, jobs + 1))
    cmd = [sys.executable, "-m", "sim", "-m", f"results_dir={tmp / tag}", "sweep.x.num=2", "sweep.y=null",
           f"game.us.credibility={values}", f"hydra.sweep.dir={tmp / tag / 'multirun'}", *overrides]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env={**os.environ, **env})
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return elapsed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=4, help="Hydra jobs per multirun")
    ap.add_argument("--launchers", nargs="+", choices=list(LAUNCHERS), default=list(LAUNCHERS))
    args = ap.parse_args(argv)

    chosen = [name for name in args.launchers if installed(LAUNCHERS[name][0])]
    missing = [name for name in args.launchers if name not in chosen]
    if missing:
        print(f"not installed (pip install -e \".[cluster]\"): {', '.join(missing)}")

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-launchers-") as tmp_str, \
            tempfile.TemporaryDirectory(prefix="ray-", dir="/tmp") as ray_tmp:
        tmp = Path(tmp_str)
        ray_head = None
        try:
            for name in chosen:
                overrides, env = list(LAUNCHERS[name][1]), {}
                if name.startswith("ray"):
                    env = RAY_ENV
                if name == "ray_cluster":
                    t = time.perf_counter()
                    ray_head, address = start_ray(ray_tmp)
                    print(f"ray start --head (one node, 2 CPUs): {time.perf_counter() - t:.1f} s")
                    overrides.append(f"hydra.launcher.ray.init.address={address}")
                if name == "ray":
                    overrides.append(f"+hydra.launcher.ray.init._temp_dir={ray_tmp}/own")
                total = time_multirun(overrides, args.jobs, tmp, name, env)
                rows.append((name, args.jobs, total))
                if name == "ray_cluster":
                    stop_ray(ray_head)
                    ray_head = None
        finally:
            if ray_head is not None:
                stop_ray(ray_head)

    base = next((total for name, _, total in rows if name == "basic"), None)
    print(f"\n{'launcher':<16}{'jobs':>6}{'total s':>10}{'s/job':>9}{'extra s/job':>13}")
    for name, jobs, total in rows:
        extra = f"{(total - base) / jobs:>13.2f}" if base is not None else f"{'':>13}"
        print(f"{name:<16}{jobs:>6}{total:>10.2f}{total / jobs:>9.2f}{extra}")
    print(f"\n({os.cpu_count()} CPUs; extra s/job = (total - basic's total) / jobs)")


if __name__ == "__main__":
    main()
