"""Benchmark: calibration by history matching (rejection ABC, sim.analysis.history_matching)
on 10^6 draws of the dynamic game, against the simulator alone.

Run: ``python benchmarks/bench_history_matching.py [--n 1000000] [--tiles 4] [--threads 2]
[--tolerance 3] [--baseline 250000]``.

Baseline (measured first, in the same process): :func:`sim.dynamic.fast.solve_mpe_fast`
alone on the first ``--baseline`` draws (the simulator's own cost per draw). Then the whole
calibration, :func:`sim.analysis.history_matching_summary.run_tables`: draws, the MPE of
every draw tile by tile, the distance, the accepted draws' SPE regimes, the prior's
regimes on 10^5 draws and the summaries. Prints the wall and CPU time of each, the cost
per draw and its ratio to the baseline's, the acceptance at each tolerance, and the
process's peak RSS after each tile (tiles run one after another, so each tile's peak is at
most the process's). Target (issue 17): 10^6 draws in <= 2 min, peak RSS <= 1.5 GB per tile.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from sim.analysis import history_matching as hm
from sim.analysis.backtest import scenario_calendar
from sim.analysis.history_matching_summary import run_tables
from sim.config.history_matching import META_KEY, HistoryMatchingOptions, resolve_priors
from sim.history.record import load_record
from sim.scenarios.iraq2020 import SCENARIO

TARGET_S, TARGET_MB = 120.0, 1536.0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss: kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def timed(fn):
    """(wall s, CPU s, result) of one call of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def baseline(m: int, opts: HistoryMatchingOptions) -> tuple[float, float]:
    """(wall s, CPU s) of the simulator alone on the first ``m`` draws (drawn beforehand)."""
    priors = resolve_priors(SCENARIO.params_cls, None)
    record = load_record()
    cal = scenario_calendar(SCENARIO, record.quarters[0], record.quarters[-1])
    X = hm.draw(priors, opts.seed, 0, m)
    wall, cpu, _ = timed(lambda: hm.path_actions(SCENARIO, priors, X, cal, opts))
    return wall, cpu


def report_tiles(rss: list[float]) -> None:
    """Print the peak RSS after each tile."""
    print("peak RSS after each tile, MB: " + ", ".join(f"{r:,.0f}" for r in rss))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000, help="draws")
    ap.add_argument("--tiles", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="threads solving chunks (2 = the cores here)")
    ap.add_argument("--tolerance", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline", type=int, default=250_000, help="draws the simulator alone solves (0: skip)")
    args = ap.parse_args(argv)
    opts = HistoryMatchingOptions(n=args.n, tiles=args.tiles, threads=args.threads, tolerance=args.tolerance,
                                  seed=args.seed)
    print(f"history matching: {args.n:,} draws, {args.tiles} tiles, {args.threads} threads, tolerance "
          f"{args.tolerance}, seed {args.seed} (one process; tiles one after another)")
    m = min(args.baseline, args.n)
    base = baseline(m, opts) if m else None

    rss: list[float] = []
    solve_tile = hm.solve_tile

    def tile_and_measure(*a, **k):
        out = solve_tile(*a, **k)
        rss.append(peak_rss_mb())
        return out

    hm.solve_tile = tile_and_measure  # the run calls it once per tile
    try:
        wall, cpu, (posterior, summary) = timed(lambda: run_tables(SCENARIO, opts, progress=False))
    finally:
        hm.solve_tile = solve_tile
    meta = json.loads(summary.schema.metadata[META_KEY])
    print(f"{'':44s} {'wall s':>9s} {'CPU s':>9s} {'us/draw':>9s}")
    if base:
        print(f"{f'baseline: solve_mpe_fast alone, {m:,} draws':44s} {base[0]:9.2f} {base[1]:9.2f} "
              f"{base[0] / m * 1e6:9.1f}")
    print(f"{f'history matching, {args.n:,} draws':44s} {wall:9.2f} {cpu:9.2f} {wall / args.n * 1e6:9.1f}")
    if base:
        print(f"ratio (history matching / baseline, wall per draw): {wall / args.n / (base[0] / m):.2f}x")
    report_tiles(rss)
    print(f"peak RSS at the end (with the summaries and the prior's regimes): {peak_rss_mb():,.0f} MB")
    passing = {r["tolerance"]: r["n_pass"] for r in summary.to_pylist() if r["kind"] == "tolerance"}
    print("draws passing at each tolerance: " + ", ".join(f"{t}: {c:,}" for t, c in passing.items()))
    print(f"accepted: {meta['accepted']:,} of {meta['n']:,} ({meta['acceptance']:.4%}); ESS {meta['ess']:,}")
    ok = wall <= TARGET_S and max(rss) <= TARGET_MB
    print(f"target: <= {TARGET_S:.0f} s and <= {TARGET_MB:,.0f} MB per tile: {'met' if ok else 'NOT met'}")
    return 0 if posterior.num_rows == meta["accepted"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
