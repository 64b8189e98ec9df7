"""Benchmark: scenario discovery (sim.analysis.discovery) on 10^6 prior draws: CART, then PRIM.

Run: ``python benchmarks/bench_prim.py [--rows 1000000] [--baseline-rows 100000] [--params 8]``
(needs the ``analysis`` extra).

* Sample: ``--rows`` points drawn uniformly over the documented ranges of every parameter
  of ``iraq2020`` (seed ``--seed``) and solved for the SPE regime, as ``experiment=discovery``
  does with ``discovery.n=--rows`` (timed apart: it is the model, not the discovery).
* For each target regime (``--regimes``): CART (depth 4, leaves of at least ``--mass-min``
  of the rows) scores the parameters; PRIM (EMA Workbench, peel and paste α 0.05, smallest
  box ``--mass-min``, threshold 0.8) searches the ``--params`` highest, one box. Timed on
  the first ``--baseline-rows`` rows (the baseline, in the same run) and on all ``--rows``;
  ratio = time on all rows / time on the baseline rows (rows ratio: ``--rows / --baseline-rows``).
* ``cpu``: CPU seconds of the process (one thread), next to the wall time: on a shared
  machine the wall time counts the other jobs' share of the cores too.
* ``peak RSS``: the process's largest resident set so far (``getrusage``), after each stage;
  the baseline runs first, so the last rows show what the full size adds.
* EMA Workbench is imported (a fixed ~10 s, mostly its optional plotting and statistics
  modules) before any timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from sim.analysis import discovery as disc
from sim.analysis.discovery_sample import Sample, prior_sample, target
from sim.config.discovery import DiscoveryOptions
from sim.scenarios.iraq2020 import SCENARIO


def peak_rss_gb() -> float:
    """The process's peak resident set (GB; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def head(sample: Sample, n: int) -> Sample:
    """The first ``n`` rows of ``sample``."""
    return Sample(sample.x.iloc[:n].reset_index(drop=True), {k: v[:n] for k, v in sample.labels.items()},
                  sample.ranges, sample.units, sample.source)


def discover(sample: Sample, regime: str, opts: DiscoveryOptions) -> dict:
    """Time CART and PRIM on one target of ``sample``: wall and CPU seconds of each, the box
    and the peak RSS."""
    y = target(sample, opts.outcome, regime)
    t0, c0 = time.perf_counter(), time.process_time()
    _, scores = disc.cart_view(sample.x, y, opts, sample.ranges)
    chosen = disc.searched(list(sample.x.columns), scores, opts.max_params)
    t1, c1 = time.perf_counter(), time.process_time()
    (box,) = disc.prim_boxes(sample.x[chosen], y, opts, sample.ranges)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"cart": t1 - t0, "prim": t2 - t1, "cart_cpu": c1 - c0, "prim_cpu": c2 - c1, "box": box,
            "rss": peak_rss_gb()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=100_000)
    ap.add_argument("--params", type=int, default=8, help="parameters PRIM searches (CART's highest)")
    ap.add_argument("--mass-min", type=float, default=0.001)
    ap.add_argument("--regimes", nargs="+", default=["Russian pivot", "confrontation"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    opts = DiscoveryOptions(n=args.rows, seed=args.seed, max_params=args.params, mass_min=args.mass_min,
                            regimes=tuple(args.regimes))
    t = time.perf_counter()
    disc._ema_prim()
    print(f"import EMA Workbench: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    sample = prior_sample(SCENARIO, opts, progress=False)
    print(f"sample: {args.rows:,} prior draws of {sample.x.shape[1]} parameters solved (SPE) in "
          f"{time.perf_counter() - t:.1f} s; peak RSS {peak_rss_gb():.2f} GB")
    print(f"PRIM over the {args.params} parameters of largest CART importance; mass_min {args.mass_min:g}, "
          f"threshold {opts.threshold:g}; baseline = the first {args.baseline_rows:,} rows")
    row = f"{'regime':<15} {'rows':>10} {'share':>7} {'CART':>7} {'cpu':>7} {'PRIM':>7} {'cpu':>7} {'steps':>6} " \
          f"{'coverage':>9} {'density':>8} {'ratio':>6} {'peak RSS':>9}"
    print(row)
    print("-" * len(row))
    worst = 0.0
    for regime in args.regimes:
        base = None
        for n in (args.baseline_rows, args.rows):
            part = head(sample, n)
            r = discover(part, regime, opts)
            base = r["prim"] if base is None else base
            b = r["box"]
            share = float(np.mean(part.labels[opts.outcome] == regime))
            print(f"{regime:<15} {n:>10,} {share:>7.1%} {r['cart']:>6.1f}s {r['cart_cpu']:>6.1f}s {r['prim']:>6.1f}s "
                  f"{r['prim_cpu']:>6.1f}s {len(b.trajectory):>6} {b.stats['coverage']:>9.1%} "
                  f"{b.stats['density']:>8.1%} {r['prim'] / base:>5.1f}x {r['rss']:>7.2f}GB", flush=True)
            worst = max(worst, r["prim"]) if n == args.rows else worst
    print(f"rows ratio {args.rows / args.baseline_rows:g}x; ratio = PRIM time / PRIM time on the baseline rows; "
          f"slowest PRIM on {args.rows:,} rows: {worst:.1f} s wall (target <= 60 s); cpu = the process's CPU "
          f"seconds (one thread: the wall time on an idle machine); load average now "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
