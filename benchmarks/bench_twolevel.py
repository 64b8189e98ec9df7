"""Benchmark: the two-level game over a 200 x 200 grid, beside the SPE on the same grid.

Run: ``python benchmarks/bench_twolevel.py [--n 200] [--repeat 3]``.

Solves the ``parliament`` experiment's grid (``parliament.executive_weight`` 0-1 x
``parliament.seats_fatah`` 0-165, n x n points, scenario ``iraq2020_blocs`` at its
baseline) in this process with ``sim.solvers.twolevel.solve_twolevel`` and with
``sim.solvers.spe.solve_spe``, alternating, best of ``--repeat``, and prints both times,
their ratio and the two-level time per point. Target (issue 15): the 200 x 200 two-level
grid in <= 10 s on this machine. The end-to-end run (start-up, table, three figures) is
timed by ``python -m sim experiment=parliament`` (its manifest's ``seconds``).
"""

from __future__ import annotations

import argparse

from _common import best_of

from sim.engine.params import batch
from sim.engine.sweep import grid_columns, grid_size, make_axis
from sim.scenarios.iraq2020_blocs import SCENARIO as SC
from sim.solvers.spe import solve_spe
from sim.solvers.twolevel import solve_twolevel


def grid(n: int):
    """The parliament experiment's grid at n x n points, as a parameter batch."""
    axes = [
        make_axis("sweep.x", SC.params_cls, {"param": "parliament.executive_weight", "start": 0, "stop": 1, "num": n}),
        make_axis("sweep.y", SC.params_cls, {"param": "parliament.seats_fatah", "start": 0, "stop": 165, "num": n}),
    ]
    return batch(SC.params_cls(), grid_columns(axes, 0, grid_size(axes)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200, help="points per axis")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    params = grid(args.n)
    n_points = args.n * args.n
    t_spe, t_two = [], []
    for _ in range(args.repeat):  # alternate, so machine noise hits both
        t_spe.append(best_of(lambda: solve_spe(SC, params), 1)[0])
        t_two.append(best_of(lambda: solve_twolevel(SC, params), 1)[0])
    spe, two = min(t_spe), min(t_two)
    print(f"grid {args.n} x {args.n} = {n_points:,} points, scenario iraq2020_blocs, best of {args.repeat}")
    print(f"{'solver':<10} {'seconds':>9} {'us/point':>9}")
    print(f"{'spe':<10} {spe:9.3f} {spe / n_points * 1e6:9.1f}")
    print(f"{'twolevel':<10} {two:9.3f} {two / n_points * 1e6:9.1f}")
    print(f"two-level / SPE time: {two / spe:.1f}x; target <= 10 s for 200 x 200: "
          f"{'met' if two <= 10 else 'missed'}")


if __name__ == "__main__":
    main()
