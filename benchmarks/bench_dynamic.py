"""Benchmark: the Markov perfect equilibrium of the dynamic game (docs/model.md §9) on
10^6 parameter draws x 12 quarters, fast solver against the generic one.

Run: ``python benchmarks/bench_dynamic.py [--n 1000000] [--generic 4096] [--chunk 4096] [--threads 2]``.

Draws are uniform over every parameter's documented range (seeded), the US's adjustment
cost uniform on [0, 1] $bn per draw, δ = 0.98, the calendar Q1 2020 - Q4 2022. Prints the
wall and CPU time of :func:`sim.dynamic.fast.solve_mpe_fast` on all ``--n`` draws, of
the generic :func:`sim.dynamic.game.solve_dynamic` (``lam=None``) on the first
``--generic`` draws scaled up to ``--n``, their ratio, whether the two agree on those
draws (leaf at every quarter and state, values within 1e-12), and the peak RSS of the
process. Target (issue): 10^6 x 12 in <= 60 s, peak RSS <= 1.5 GB, one process (its
``--threads`` threads share the chunks; the results do not depend on them).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from sim.dynamic.calendar import calendar
from sim.dynamic.fast import solve_mpe_fast
from sim.dynamic.game import solve_dynamic
from sim.engine.params import batch, iter_params, take_points
from sim.scenarios.iraq2020 import SCENARIO, GameParams


def draws(n: int, seed: int):
    """(n parameter points uniform over the documented ranges, n adjustment costs)."""
    rng = np.random.default_rng(seed)
    params = batch(GameParams(), {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(GameParams)})
    return params, rng.uniform(0.0, 1.0, n)


def timed(fn):
    """(wall s, CPU s, result) of one call of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss: kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000, help="parameter draws")
    ap.add_argument("--generic", type=int, default=4096, help="draws the generic solver solves (scaled up)")
    ap.add_argument("--chunk", type=int, default=4096, help="draws the fast solver solves at once (4096: fastest here)")
    ap.add_argument("--discount", type=float, default=0.98)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2,
                    help="threads of this one process solving chunks at once (2 = the cores here)")
    args = ap.parse_args(argv)

    cal = calendar()
    params, cost = draws(args.n, args.seed)
    print(f"draws: {args.n:,} uniform over the documented ranges, {cal.n} quarters ({cal.quarters[0]}-"
          f"{cal.quarters[-1]}), discount {args.discount}, adjust_cost ~ U[0, 1] $bn, chunk {args.chunk}, "
          f"threads {args.threads} (one process)")
    w_fast, c_fast, fast = timed(lambda: solve_mpe_fast(SCENARIO, params, cal, discount=args.discount,
                                                        adjust_cost=cost, chunk=args.chunk, threads=args.threads))
    rss_fast = peak_rss_mb()

    m = min(args.generic, args.n)
    sub = take_points(params, slice(0, m))
    w_gen, c_gen, ref = timed(lambda: solve_dynamic(SCENARIO, sub, cal, lam=None, discount=args.discount,
                                                    adjust_cost=cost[:m]))
    check = solve_mpe_fast(SCENARIO, sub, cal, discount=args.discount, adjust_cost=cost[:m], keep_leaf=True)
    same_leaf = bool((check.leaf == ref.leaf).all())
    gap = float(np.max(np.abs(check.values0 - ref.values[0]) / np.maximum(np.abs(ref.values[0]), 1.0)))
    same_path = bool((check.path_leaf == fast.path_leaf[:, :m]).all())
    scale = args.n / m

    rows = [
        ("solve_mpe_fast, all draws", w_fast, c_fast, w_fast / args.n),
        (f"solve_dynamic(lam=None), {m:,} draws", w_gen, c_gen, w_gen / m),
        (f"solve_dynamic scaled to {args.n:,}", w_gen * scale, c_gen * scale, w_gen / m),
    ]
    print(f"{'':40s} {'wall s':>10s} {'CPU s':>10s} {'us/draw':>9s}")
    for name, w, c, per in rows:
        print(f"{name:40s} {w:10.2f} {c:10.2f} {per * 1e6:9.1f}")
    print(f"speed-up (generic scaled / fast, wall): {w_gen * scale / w_fast:.1f}x")
    print(f"agreement on the {m:,} generic draws: same leaf at every (t, s): {same_leaf}; "
          f"max relative value gap {gap:.1e}; same path: {same_path}")
    print(f"peak RSS after the fast solve: {rss_fast:,.0f} MB; at the end: {peak_rss_mb():,.0f} MB")
    print(f"target: <= 60 s and <= 1,536 MB: {'met' if w_fast <= 60 and rss_fast <= 1536 else 'NOT met'}")
    return 0 if same_leaf and gap <= 1e-12 and same_path else 1


if __name__ == "__main__":
    raise SystemExit(main())
