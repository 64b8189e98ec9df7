"""Benchmark: probabilistic Condorcet elections (sim.bargain.pce), batched against a per-problem loop.

Run: ``python benchmarks/bench_pce.py [--problems 40000] [--loop 2000] [--actors 11] [--options 9]``.

* Inputs: ``--problems`` random problems (seed ``--seed``): utilities uniform on [0, 1],
  shape (B, actors, options); weights uniform on [0.1, 2], shape (B, actors).
* Batched: one call ``pce(u, w, ...)`` on all B problems, best of ``--repeat``.
* Loop: a Python loop calling the unbatched form ``pce(u[b], w[b], ...)`` on the first
  ``--loop`` problems only (one pass, after one untimed call), its time scaled by B / loop
  to estimate the loop over all B. ratio = estimated loop time / batched time.
* max|dP| = largest difference between the loop's results and the batched rows for the
  same problems (the exit status is 1 if it exceeds 1e-12).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import best_of

from sim.bargain import pce


def bench_case(u, w, victory: str, model: str, n_loop: int, repeat: int):
    """(batched time s, per-problem loop time s for n_loop problems, max |dP|)."""
    t_batch, batched = best_of(lambda: pce(u, w, victory=victory, model=model), repeat)
    pce(u[0], w[0], victory=victory, model=model)  # warm-up, untimed
    t = time.perf_counter()
    loop = [pce(u[b], w[b], victory=victory, model=model) for b in range(n_loop)]
    t_loop = time.perf_counter() - t
    diff = float(np.abs(np.stack(loop) - batched[:n_loop]).max())
    return t_batch, t_loop, diff


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--problems", type=int, default=40_000, help="B, problems in the batch")
    ap.add_argument("--loop", type=int, default=2_000, help="problems timed in the per-problem loop")
    ap.add_argument("--actors", type=int, default=11)
    ap.add_argument("--options", type=int, default=9)
    ap.add_argument("--victory", nargs="+", default=["linear", "octic"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    b, n_loop = args.problems, min(args.loop, args.problems)
    u = rng.uniform(0.0, 1.0, size=(b, args.actors, args.options))
    w = rng.uniform(0.1, 2.0, size=(b, args.actors))
    print(f"B = {b} problems, {args.actors} actors x {args.options} options, seed {args.seed}; "
          f"loop timed on the first {n_loop} problems and scaled by {b / n_loop:g}")

    head = (f"{'model':<16} {'victory':<8} {'batched':>9} {'per problem':>12} {'loop (est.)':>12} "
            f"{'loop/problem':>13} {'ratio':>7} {'max|dP|':>9}")
    print(head)
    print("-" * len(head))
    worst = 0.0
    for model in ("conditional", "markov_uniform"):
        for victory in args.victory:
            t_batch, t_loop, diff = bench_case(u, w, victory, model, n_loop, args.repeat)
            est = t_loop * b / n_loop
            worst = max(worst, diff)
            print(f"{model:<16} {victory:<8} {t_batch:>8.3f}s {t_batch / b * 1e6:>10.2f}us {est:>11.2f}s "
                  f"{t_loop / n_loop * 1e6:>11.1f}us {est / t_batch:>6.0f}x {diff:>9.1e}")
    print("batched = one pce call on all B (best of --repeat); loop (est.) = per-problem loop time on the "
          "subset x B/subset; ratio = loop (est.) / batched; max|dP| = loop vs batched on the subset.")
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    raise SystemExit(main())
