"""Benchmark: the default 200x200 grid (both solution concepts) against pygambit.

Run: ``python benchmarks/bench_core.py [--gambit-games 200]``. Prints the grid's solve
time per concept, our per-game time for the pure-NE solve of the scenario's
simultaneous games, pygambit's per-game time (build the game from arrays +
``enumpure_solve``) on a subsample of the same games, the throughput ratio, and checks
the two agree on every subsampled game. Timings are best-of-N in the same process.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import best_of, default_axes

from sim.engine.equilibrium import pure_nash_mask
from sim.scenarios.iraq2020 import SCENARIO, GameParams
from sim.engine.params import batch
from sim.engine.scenario import normal_form
from sim.solvers.registry import SOLVERS
from sim.engine.sweep import grid_columns, solve_grid


def gambit_pure_nash(u):
    import pygambit as gbt

    g = gbt.Game.from_arrays(*[u[i] for i in range(u.shape[0])])
    eqs = gbt.nash.enumpure_solve(g).equilibria
    out = []
    for prof in eqs:
        out.append(tuple(next(k for k, s in enumerate(p.strategies) if prof[s] == 1) for p in g.players))
    return sorted(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200, help="grid points per axis")
    ap.add_argument("--gambit-games", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    axes = default_axes(args.n)
    n_points = args.n ** 2
    base = GameParams()
    print(f"grid: {args.n}x{args.n} = {n_points} points (iraq.nationalism x us.credibility)")
    t_both, _ = best_of(lambda: solve_grid(SCENARIO, base, axes, [SOLVERS["spe"].bind(), SOLVERS["nash"].bind()]), args.repeat)
    t_spe, _ = best_of(lambda: solve_grid(SCENARIO, base, axes, [SOLVERS["spe"].bind()]), args.repeat)
    t_nash, _ = best_of(lambda: solve_grid(SCENARIO, base, axes, [SOLVERS["nash"].bind()]), args.repeat)
    print(f"grid solve, spe+nash (table included): {t_both:.3f} s")
    print(f"grid solve, spe only:                  {t_spe:.3f} s  ({t_spe / n_points * 1e6:.2f} us/game)")
    print(f"grid solve, nash only:                 {t_nash:.3f} s  ({t_nash / n_points * 1e6:.2f} us/game)")

    # the same simultaneous games, a random subsample, through pygambit
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(n_points, size=min(args.gambit_games, n_points), replace=False))
    cols = {k: v[idx] for k, v in grid_columns(axes, 0, n_points).items()}
    games = normal_form(SCENARIO, batch(base, cols))  # (G, 4, 3, 2, 6, 3)
    t_ours, mask = best_of(lambda: pure_nash_mask(normal_form(SCENARIO, batch(base, cols))), args.repeat)
    t_gbt, gbt = best_of(lambda: [gambit_pure_nash(u) for u in games], 1)
    ours = [sorted(tuple(int(x) for x in e) for e in np.argwhere(m)) for m in mask]
    agree = sum(a == b for a, b in zip(ours, gbt))
    per_ours = t_nash / n_points
    per_gbt = t_gbt / len(idx)
    print(f"pure NE per game, sim (whole grid, incl. tensors + table): {per_ours * 1e6:.2f} us")
    print(f"pure NE per game, sim (same {len(idx)} games, one batch):   {t_ours / len(idx) * 1e6:.2f} us")
    print(f"pure NE per game, pygambit (from_arrays + enumpure):      {per_gbt * 1e6:.0f} us")
    print(f"throughput ratio sim/pygambit: {per_gbt / per_ours:,.0f}x  (target >= 1,000x)")
    print(f"agreement with pygambit on the subsample: {agree}/{len(idx)}")
    return 0 if agree == len(idx) else 1


if __name__ == "__main__":
    raise SystemExit(main())
