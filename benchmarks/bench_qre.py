"""Benchmark: logit QRE (sim.engine.qre) on the scenario's grid and on small games, against pygambit.

Run: ``python benchmarks/bench_qre.py [--lam 1.0] [--points 40000] [--nf-points 2000]``.

* Sequential variant: the agent QRE of ``--points`` points of the default phase diagram
  (``iraq.nationalism`` 0..20 x ``us.credibility`` 0..6, C order) in one batch: time per
  point for the leaf payoffs + QRE + regime probabilities, and for the QRE kernel alone.
* Simultaneous variant: the normal-form logit QRE (arc-length Newton tracer) of
  ``--nf-points`` points spread over the same grid.
* pygambit: ``pygambit.qre.logit_solve_lambda`` at the same λ on a random subsample of
  the same games (built from arrays / .efg text, timing included), per game, with the
  largest probability difference from sim.engine.qre. Extensive games go through Gambit's
  behaviour (agent) logit tracer, which is slow on the 138-node tree, so only a few.
* Small random games (2x2, 2x3, 2x2x2, payoffs in [-1, 1]): sim.engine.qre on a batch of
  ``--small`` games against pygambit per game.

λ is in 1/($bn/yr) for the scenario (Gambit's convention: σ ∝ exp(λ u) on raw payoffs).
Timings are best-of-``--repeat`` in the same process (pygambit: one pass).
"""

from __future__ import annotations

import argparse
import io
import time

import numpy as np
import pygambit as gbt
from _common import best_of, default_axes

from sim.gambit import ExtensiveFormGame, format_efg
from sim.scenarios.iraq2020 import SCENARIO, GameParams
from sim.engine.params import batch
from sim.engine.qre import logit_qre_normal_form, logit_qre_normal_form_batch_last, regime_probabilities_normal_form
from sim.engine.qre_tree import agent_qre_tree_batch_last, regime_probabilities_tree
from sim.engine.scenario import leaf_payoffs, leaf_payoffs_batch_last, normal_form, normal_form_batch_last
from sim.engine.sweep import grid_columns


# ------------------------------------------------------------------ pygambit side


def gambit_tree_probs(tree, lp, lam):
    """Gambit's agent logit QRE of one tree at λ: probs (n_nodes, k_max) and the λ reached."""
    g = gbt.read_efg(io.StringIO(format_efg(ExtensiveFormGame("bench", tree, lp))))
    res = gbt.qre.logit_solve_lambda(g, [lam])[0]
    offset, k = {}, 0
    for player in g.players:  # flat order of a behaviour profile: players, infosets, actions
        for iset in player.infosets:
            offset[(player.label, iset.number)] = k
            k += len(iset.actions)
    probs = np.zeros((tree.n_nodes, max(len(c) for c in tree.children)))
    stack = [(0, g.root)]
    while stack:
        v, node = stack.pop()
        if tree.node_player[v] >= 0:
            o = offset[(node.player.label, node.infoset.number)]
            probs[v, : len(tree.children[v])] = [res[o + a] for a in range(len(tree.children[v]))]
        stack.extend(zip(tree.children[v], node.children))
    return probs, res.lam


def gambit_nf(u, lam):
    """Gambit's logit QRE of one strategic game at λ: concatenated strategies, λ reached."""
    g = gbt.Game.from_arrays(*u)
    res = gbt.qre.logit_solve_lambda(g, [lam])[0]
    return np.array([float(res.profile[s]) for p in g.players for s in p.strategies]), res.lam


# ------------------------------------------------------------------------- rows


def bench_sequential(args, axes, base, rng):
    cols = grid_columns(axes, 0, args.points)
    params = batch(base, cols)
    form = SCENARIO.sequential

    def full():
        res = agent_qre_tree_batch_last(form.tree, leaf_payoffs_batch_last(SCENARIO, params), args.lam)
        return regime_probabilities_tree(res.leaf_reach, form.regime, len(SCENARIO.regimes))

    lp = leaf_payoffs_batch_last(SCENARIO, params)
    t_full, _ = best_of(full, args.repeat)
    t_kernel, res = best_of(lambda: agent_qre_tree_batch_last(form.tree, lp, args.lam), args.repeat)

    idx = rng.choice(args.points, size=args.gambit_trees, replace=False)
    games = leaf_payoffs(SCENARIO, batch(base, {k: v[idx] for k, v in cols.items()}))
    t = time.perf_counter()
    theirs = [gambit_tree_probs(form.tree, g, args.lam) for g in games]
    t_gbt = (time.perf_counter() - t) / len(idx)
    ours = agent_qre_tree_batch_last(form.tree, games.transpose(1, 2, 0), [lam for _, lam in theirs])
    diff = max(np.abs(ours.probs[b] - p).max() for b, (p, _) in enumerate(theirs))
    n = args.points
    return [
        ("sequential agent QRE, payoffs+QRE+regimes", n, t_full, t_full / n, t_gbt, diff, len(idx)),
        ("sequential agent QRE, kernel only", n, t_kernel, t_kernel / n, t_gbt, diff, len(idx)),
    ]


def bench_normal_form(args, axes, base, rng):
    n_grid = len(axes[0].values) * len(axes[1].values)
    idx = np.sort(rng.choice(n_grid, size=args.nf_points, replace=False))
    cols = {k: v[idx] for k, v in grid_columns(axes, 0, n_grid).items()}
    params = batch(base, cols)
    form = SCENARIO.simultaneous

    def full():
        res = logit_qre_normal_form_batch_last(normal_form_batch_last(SCENARIO, params), args.lam)
        regime_probabilities_normal_form(res.strategies, form.regime, len(SCENARIO.regimes))
        return res

    t_full, res = best_of(full, max(1, args.repeat - 1))
    sub = rng.choice(args.nf_points, size=args.gambit_nf, replace=False)
    games = normal_form(SCENARIO, batch(base, {k: v[sub] for k, v in cols.items()}))
    t = time.perf_counter()
    theirs = [gambit_nf(u, args.lam) for u in games]
    t_gbt = (time.perf_counter() - t) / len(sub)
    ours = logit_qre_normal_form(games, np.array([lam for _, lam in theirs]))
    diff = np.abs(np.concatenate(ours.strategies, axis=1) - np.stack([p for p, _ in theirs])).max()
    label = f"normal-form QRE, scenario 4 players ({res.converged.mean():.1%} conv.)"
    return [(label, args.nf_points, t_full, t_full / args.nf_points, t_gbt, diff, len(sub))]


def bench_small(args, rng):
    rows = []
    for shape in [(2, 2), (2, 3), (2, 2, 2)]:
        u = rng.uniform(-1, 1, size=(args.small, len(shape), *shape))
        lam = args.small_lam
        t_ours, res = best_of(lambda: logit_qre_normal_form(u, lam), args.repeat)
        m = args.gambit_small
        t = time.perf_counter()
        theirs = [gambit_nf(g, lam) for g in u[:m]]
        t_gbt = (time.perf_counter() - t) / m
        again = logit_qre_normal_form(u[:m], np.array([x for _, x in theirs]))
        diff = np.abs(np.concatenate(again.strategies, axis=1) - np.stack([p for p, _ in theirs])).max()
        label = f"normal-form QRE, random {'x'.join(map(str, shape))} ({res.converged.mean():.1%} conv.)"
        rows.append((label, args.small, t_ours, t_ours / args.small, t_gbt, diff, m))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lam", type=float, default=1.0, help="λ for the scenario, 1/($bn/yr)")
    ap.add_argument("--n", type=int, default=200, help="grid points per axis")
    ap.add_argument("--points", type=int, default=40_000, help="sequential batch (first points, C order)")
    ap.add_argument("--nf-points", type=int, default=2_000, help="normal-form batch (random grid points)")
    ap.add_argument("--gambit-trees", type=int, default=3)
    ap.add_argument("--gambit-nf", type=int, default=30)
    ap.add_argument("--small", type=int, default=2_000, help="small random games per shape")
    ap.add_argument("--small-lam", type=float, default=2.0)
    ap.add_argument("--gambit-small", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(0)
    axes, base = default_axes(args.n), GameParams()
    print(f"lambda = {args.lam} 1/($bn/yr) on the scenario, {args.small_lam} on the small games; "
          f"grid {args.n}x{args.n} (iraq.nationalism 0..20 x us.credibility 0..6)")
    rows = bench_sequential(args, axes, base, rng) + bench_normal_form(args, axes, base, rng) + bench_small(args, rng)

    head = (f"{'task':<58} {'games':>7} {'sim total':>10} {'sim/game':>10} {'gambit/game':>12} "
            f"{'ratio':>8} {'max|dp|':>9}")
    print(head)
    print("-" * len(head))
    for label, n, total, per, gbt_per, diff, m in rows:
        print(f"{label:<58} {n:>7} {total:>9.3f}s {per * 1e6:>8.1f}us {gbt_per * 1e6:>10.0f}us "
              f"{gbt_per / per:>7.0f}x {diff:>9.1e}")
    print("ratio = pygambit time per game / sim.engine.qre time per game; pygambit on a random subsample "
          "(gambit/game column; sizes: "
          f"trees {args.gambit_trees}, scenario normal form {args.gambit_nf}, small {args.gambit_small}); "
          "max|dp| = largest probability difference on that subsample.")
    return 0 if max(r[5] for r in rows) < 1e-6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
