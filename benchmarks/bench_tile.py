"""Benchmark: one tile of a large tiled run in dataset form (``tiles.output=dataset``).

Run: ``python benchmarks/bench_tile.py [--tiles 100] [--points 1000000] [--index 0] [--no-baseline]``.

Runs, through the real command line, the job a cluster would run for tile 0 (``--index``)
of the default experiment on a ``sqrt(T*P) x sqrt(T*P)`` grid split into ``T`` tiles of ``P``
points (defaults: 10^4 x 10^4 = 10^8 points, 100 tiles of 10^6)::

    python -m sim sweep.x.num=10000 sweep.y.num=10000 max_points=100000000 \\
        tiles.count=100 tiles.index=0 tiles.output=dataset plot.formats=[]

and prints its wall and CPU time (Python and Hydra start-up included; on a shared
machine the CPU time is the steadier figure), the seconds its tile's
solve took (the tile's ``.seconds`` file), its peak RSS (``ru_maxrss`` of the child's
``struct rusage``, as ``resource.getrusage`` gives it, from ``os.wait4``) and the
size of its Parquet part. The baseline, measured in the same run, is the same tile job
in the default form (``tiles.output=merged``: an Arrow IPC tile, merged by the last job).

Then what the dataset's last job does per tile besides: link the parts and index their
footers (``_metadata``, ``_manifest.json``; timed on ``T`` links of the part just written)
and the sha256 of each part for the run's manifest (timed on the part, times ``T``).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.store import dataset, rundir
from sim.store.manifest import sha256_file

NAME = "nationalism_credibility"  # the default experiment


def tile_command(results: Path, side: int, tiles: int, index: int, output: str) -> list[str]:
    """The job of tile ``index`` of the run, as a cluster job would run it."""
    return [sys.executable, "-m", "sim", f"results_dir={results}", f"sweep.x.num={side}", f"sweep.y.num={side}",
            f"max_points={side * side}", f"tiles.count={tiles}", f"tiles.index={index}", f"tiles.output={output}",
            f"run_id=bench-{output}", "plot.formats=[]"]


def run_tile(results: Path, side: int, tiles: int, index: int, output: str) -> dict:
    """Run the tile job in a child process: wall and CPU s, solve s, peak RSS MB, tile file."""
    cmd = tile_command(results, side, tiles, index, output)
    print("tile job: python", " ".join(cmd[1:]), flush=True)
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's struct rusage (resource.getrusage's, per child)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"bench_tile: the tile job failed:\n{err.read()}")
    peak_mb = usage.ru_maxrss / 1024  # kB on Linux
    tdir = rundir.tiles_dir(results / NAME, f"bench-{output}")
    stem = f"tile-{index:05d}-of-{tiles:05d}"
    tile = tdir / f"{stem}{'.parquet' if output == 'dataset' else '.arrow'}"
    solve = float((tdir / f"{stem}.seconds").read_text())
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "solve": solve, "peak_mb": peak_mb, "tile": tile}


def line(label: str, got: dict, points: int) -> str:
    """One tile job's figures."""
    size = got["tile"].stat().st_size
    return (f"{label:<14} wall {got['wall']:7.2f} s   CPU {got['cpu']:7.2f} s   solve+write {got['solve']:7.2f} s   "
            f"peak RSS {got['peak_mb']:5.0f} MB   tile {size / 1e6:6.1f} MB ({size / points:.1f} B/point)")


def last_job_per_tile(part: Path, tiles: int, workdir: Path) -> tuple[float, float]:
    """(s to link and index ``tiles`` parts, s to sha256 them) for the dataset's last job."""
    out = workdir / "index"
    out.mkdir()
    t0 = time.perf_counter()
    for k in range(tiles):
        dataset.place_part(part, out, k, tiles)
    dataset.write_index(out, tiles)
    index_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sha256_file(part)
    return index_s, (time.perf_counter() - t0) * tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=100, help="tiles of the run (default 100)")
    parser.add_argument("--points", type=int, default=1_000_000, help="points a tile (default 10^6)")
    parser.add_argument("--index", type=int, default=0, help="the tile to solve (default 0)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the merged-form tile")
    args = parser.parse_args()
    side = math.isqrt(args.tiles * args.points)
    if side * side != args.tiles * args.points:
        sys.exit("bench_tile: --tiles x --points must be a square number (the grid is side x side)")
    print(f"grid {side}x{side} = {side * side:,} points in {args.tiles} tiles of {args.points:,}; "
          f"default experiment (spe+nash); cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="bench_tile.") as tmp:
        work = Path(tmp)
        got = run_tile(work / "results", side, args.tiles, args.index, "dataset")
        size = got["tile"].stat().st_size
        print(line("dataset tile", got, args.points))
        if not args.no_baseline:
            base = run_tile(work / "results", side, args.tiles, args.index, "merged")
            print(line("merged tile", base, args.points) + "  (baseline: Arrow IPC tile)")
            ratios = ", ".join(f"{k} {got[k] / base[k]:.2f}x" for k in ("wall", "cpu", "solve"))
            print(f"dataset/merged tile job: {ratios}")
        index_s, sha_s = last_job_per_tile(got["tile"], args.tiles, work)
        print(f"last job, dataset form: link + index {args.tiles} parts {index_s:.2f} s, sha256 of "
              f"{args.tiles} parts ({args.tiles * size / 1e9:.1f} GB) {sha_s:.1f} s (from one part)")


if __name__ == "__main__":
    main()
