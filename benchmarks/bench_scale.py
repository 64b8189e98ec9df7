"""Benchmark: the default phase diagram at 10^6 points, one process vs joblib tiles.

Run: ``python benchmarks/bench_scale.py [--n 1000] [--workers 2]``. Runs the same config
twice through the real command line, in the same run of this script:

* single: ``python -m sim sweep.x.num=N sweep.y.num=N`` (one process, chunks of 8192);
* joblib: ``python -m sim -m hydra/launcher=joblib hydra.launcher.n_jobs=W tiles.count=W
  'tiles.index=range(W)' ...`` (W worker processes, one tile each, merged by the last);

and prints wall time, speed-up, peak RSS of the largest process and of the whole process
tree (sampled from /proc every 20 ms), and checks the two ``equilibria.parquet`` are
byte-identical. Targets (issue): >= 1.6x on 2 cores, 10^6 points in under a minute, peak
RSS under 2 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall s, peak RSS of one process MB, peak RSS of the tree MB, stdout)."""
    peak_one = peak_tree = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample():
        nonlocal peak_one, peak_tree
        while not done.is_set():
            tree, frontier = [proc.pid], [proc.pid]
            while frontier:
                frontier = [c for p in frontier for c in _children(p)]
                tree += frontier
            rss = [_rss_kb(p) for p in tree]
            peak_one, peak_tree = max(peak_one, max(rss)), max(peak_tree, sum(rss))
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, peak_one / 1024, peak_tree / 1024, out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="points per axis (n x n grid)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    n, w = args.n, args.workers
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        common = [f"results_dir={tmp}", f"sweep.x.num={n}", f"sweep.y.num={n}"]
        single = [sys.executable, "-m", "sim", *common, "run_id=single"]
        joblib = [sys.executable, "-m", "sim", "-m", "hydra/launcher=joblib", f"hydra.launcher.n_jobs={w}",
                  f"tiles.count={w}", f"tiles.index=range({w})", *common, "run_id=joblib"]
        print(f"grid: {n}x{n} = {n * n:,} points, solvers spe+nash, default experiment; cores: {os.cpu_count()}")
        rows = []
        for label, cmd in (("single process", single), (f"joblib, {w} workers", joblib)):
            wall, one, tree, _ = run_measured(cmd, tmp)
            rows.append((label, wall, one, tree))
            print(f"{label:20s} wall {wall:7.2f} s   peak RSS: largest process {one:7.0f} MB, process tree {tree:7.0f} MB")
        speedup = rows[0][1] / rows[1][1]
        base = tmp / "nationalism_credibility"
        same = sha(base / "single" / "equilibria.parquet") == sha(base / "joblib" / "equilibria.parquet")
        print(f"speed-up joblib/single: {speedup:.2f}x  (target >= 1.6x on 2 cores)")
        print(f"10^6-point run under a minute: single {rows[0][1] < 60}, joblib {rows[1][1] < 60}")
        print(f"peak RSS under 2 GB (largest process): {max(r[2] for r in rows) < 2048}")
        print(f"equilibria.parquet byte-identical: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
