"""Benchmark: the default phase diagram at 10^6 points, one process vs joblib tiles.

Run: ``python benchmarks/bench_scale.py [--n 1000] [--workers 2]``. Runs the same config
twice through the real command line, in the same run of this script:

* single: ``python -m sim sweep.x.num=N sweep.y.num=N`` (one process, chunks of 8192);
* joblib: ``python -m sim -m hydra/launcher=joblib hydra.launcher.n_jobs=W tiles.count=W
  'tiles.index=range(W)' ...`` (W worker processes, one tile each, merged by the last);

and prints wall time, speed-up, peak RSS of the largest process and of the whole process
tree (sampled from /proc every 50 ms), and checks the two ``equilibria.parquet`` are
byte-identical. The machines here are shared and noisy, so the two commands alternate
``--repeats`` times (single, joblib, single, joblib, ...) and the speed-up is the ratio of
their median wall times. Targets (issue): >= 1.6x on 2 cores, 10^6 points in under a minute, peak
RSS under 2 GB.

After each pair of runs it times the solve alone (one process against ``--workers``
forked ones), and it ends with Amdahl's bound: the single run's time outside its solve
(wall time less the ``seconds.solve`` of its manifest: start-up, table, figures, exit)
cannot be split over tiles, so no launcher can beat ``single / (serial + solve / workers)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants, from one pass over /proc (cheap enough to sample
    often without stealing the workers' CPU)."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    tree, frontier = [root], [root]
    while frontier:
        frontier = [c for p in frontier for c in kids.get(p, [])]
        tree += frontier
    return tree


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
            rss = [_rss_kb(p) for p in _process_tree(proc.pid)]
            peak_one, peak_tree = max(peak_one, max(rss)), max(peak_tree, sum(rss))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, peak_one / 1024, peak_tree / 1024, out


def _solve_half(args) -> float:
    from sim.runs.run import solve_range

    cfg, start, stop = args
    t0 = time.perf_counter()
    solve_range(cfg, start, stop, False, "")
    return time.perf_counter() - t0


@contextmanager
def solve_timer(n: int, workers: int):
    """Yield ``measure()``: seconds to solve the grid's points (no start-up, files or
    figures) once in this process and once split over ``workers`` forked processes, the
    ceiling for any launcher. Called between the runs, so machine drift hits all alike."""
    import multiprocessing

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.cli.app import CONF_DIR
    from sim.config.validate import validate_run_config
    from sim.store.memory import retain_freed_memory
    from sim.store.tiles import tile_range

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = validate_run_config(OmegaConf.to_container(
            compose("config", overrides=[f"sweep.x.num={n}", f"sweep.y.num={n}"]), resolve=True))
    retain_freed_memory()  # as sim.runs.run.run does; forked workers inherit it
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_solve_half, [(cfg, 0, 1)] * workers)  # warm the workers up

        def measure() -> tuple[float, float]:
            one = _solve_half((cfg, 0, n * n))
            t0 = time.perf_counter()
            pool.map(_solve_half, [(cfg, *tile_range(n * n, workers, k)) for k in range(workers)])
            return one, time.perf_counter() - t0

        yield measure


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="points per axis (n x n grid)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each command, alternating")
    args = ap.parse_args(argv)
    n, w = args.n, args.workers
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        common = [f"results_dir={tmp}", f"sweep.x.num={n}", f"sweep.y.num={n}"]
        single = [sys.executable, "-m", "sim", *common]
        joblib = [sys.executable, "-m", "sim", "-m", "hydra/launcher=joblib", f"hydra.launcher.n_jobs={w}",
                  f"tiles.count={w}", f"tiles.index=range({w})", *common]
        print(f"grid: {n}x{n} = {n * n:,} points, solvers spe+nash, default experiment; cores: {os.cpu_count()}")
        labels = ("single process", f"joblib, {w} workers")
        walls: dict[str, list[float]] = {lab: [] for lab in labels}
        peaks: dict[str, tuple[float, float]] = {lab: (0.0, 0.0) for lab in labels}
        solves: list[tuple[float, float]] = []
        serial: list[float] = []  # single run's wall time less its own solve (from its manifest)
        base = tmp / "nationalism_credibility"
        with solve_timer(n, w) as measure:
            for r in range(args.repeats):
                for label, cmd, rid in ((labels[0], single, "single"), (labels[1], joblib, "joblib")):
                    wall, one, tree, _ = run_measured([*cmd, f"run_id={rid}-{r}"], tmp)
                    walls[label].append(wall)
                    peaks[label] = (max(peaks[label][0], one), max(peaks[label][1], tree))
                    seconds = json.loads((base / f"{rid}-{r}" / "manifest.json").read_text())["seconds"]
                    if rid == "single":
                        serial.append(wall - seconds["solve"])
                    print(f"  run {r + 1}: {label:18s} {wall:7.2f} s  (manifest seconds: {seconds})", flush=True)
                solves.append(measure())
                print(f"  run {r + 1}: solve alone: 1 process {solves[-1][0]:.2f} s, {w} forked "
                      f"{solves[-1][1]:.2f} s", flush=True)
        med = {lab: statistics.median(v) for lab, v in walls.items()}
        for label in labels:
            one, tree = peaks[label]
            print(f"{label:20s} wall {med[label]:7.2f} s (median of {args.repeats})   peak RSS: largest process "
                  f"{one:7.0f} MB, process tree {tree:7.0f} MB")
        speedup = med[labels[0]] / med[labels[1]]
        digests = {sha(base / f"{rid}-{r}" / "equilibria.parquet")
                   for rid in ("single", "joblib") for r in range(args.repeats)}
        same = len(digests) == 1
        print(f"speed-up joblib/single: {speedup:.2f}x  (target >= 1.6x on 2 cores)")
        print(f"10^6-point run under a minute: single {med[labels[0]] < 60}, joblib {med[labels[1]] < 60}")
        print(f"peak RSS under 2 GB (largest process): {max(p[0] for p in peaks.values()) < 2048}")
        print(f"equilibria.parquet byte-identical across all {2 * args.repeats} runs: {same}")
        one, split = (statistics.median(v) for v in zip(*solves))
        print(f"solve phase alone (no start-up, files, figures; medians): 1 process {one:.2f} s, {w} forked "
              f"processes {split:.2f} s: {one / split:.2f}x  (the ceiling for any launcher on this machine)")
        print(amdahl(med[labels[0]], med[labels[1]], statistics.median(serial), one / split, w))
        return 0 if same else 1


def amdahl(single: float, parallel: float, serial: float, scaling: float, workers: int) -> str:
    """Amdahl's law for this run: the single run's serial part (its wall time less its own
    solve: start-up, writing the table, figures, exit) bounds any speed-up of the whole."""
    solve = single - serial
    perfect = single / (serial + solve / workers)
    measured = single / (serial + solve / scaling)
    overhead = parallel - serial - solve / scaling
    return (f"Amdahl bound: serial part of the single run (wall less the solve in its manifest; median) "
            f"{serial:.2f} s of {single:.2f} s ({serial / single:.0%}); best speed-up with no launcher overhead: "
            f"{perfect:.2f}x if the solve scaled perfectly over {workers}, {measured:.2f}x at the measured solve "
            f"scaling ({scaling:.2f}x); the tiled run took {overhead:.2f} s more than that (launcher and worker "
            f"start-up, tile files, merge)")


if __name__ == "__main__":
    raise SystemExit(main())
