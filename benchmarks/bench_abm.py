"""Benchmark: the agent-based model's vectorised design against the plain design.

Run: ``python benchmarks/bench_abm.py [--game both --rule all --points 400 --seq-points 100
--replicates 10 --steps 200 --scenario iraq2020]`` (``--game both`` and ``--rule all``, the
defaults, benchmark each game and every rule its plain design implements in turn).

* PLAIN design: one ``mesa.Model`` per run, one ``mesa.Agent`` per actor holding Python
  ints, a Python loop per step: ``benchmarks/plain_abm.py`` (simultaneous game:
  ``best_response``, ``regret_matching``) and ``benchmarks/plain_abm_tree.py`` (sequential
  game: an action per own tree node; all four rules).
* VECTORISED design (``sim.abm.solver.simulate``): one ``LearningModel`` (or
  ``TreeLearningModel``) whose agents hold their state as vectors over all R runs, so one
  model step updates every run.

Both simulate the SAME runs: ``--points`` (``--seq-points``) grid points drawn at random from the
``--n`` x ``--n`` grid of the default experiment's axes (iraq.nationalism 0..20 x
us.credibility 0..6), ``--replicates`` runs each, same root seed, so the same per-run
keys and random streams. Timings include building the stage games, the models, the
simulation and extracting per-run outcomes; each design is timed once (after an untimed
warm-up) in the same process. The script checks the designs give identical outcomes on
every run (final profile, final-is-NE, settled, settle step, modal regime) and exits 1
if not. It then times the vectorised design at full sweep size (every grid point x
``--replicates``; default 100 x 100 x 10 = 1e5 runs of 200 steps), checks its outcomes
on the subsampled runs match the plain design too, and reports its throughput against
the plain design's runs/s measured above.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import plain_abm  # noqa: E402
import plain_abm_tree  # noqa: E402
from sim.abm.rules import RuleOptions  # noqa: E402
from sim.abm.solver import AbmOptions, points_per_model, simulate  # noqa: E402
from sim.engine.params import batch  # noqa: E402
from sim.engine.scenario import leaf_payoffs, normal_form  # noqa: E402
from sim.engine.sweep import grid_columns, make_axis  # noqa: E402
from sim.scenarios import get_scenario  # noqa: E402
from sim.store.memory import retain_freed_memory  # noqa: E402

TARGET = 100.0  # issue 14: the vectorised design at >= 100x the plain one, for every rule and both games
GAMES = ("simultaneous", "sequential")
AXES = (("iraq.nationalism", 0.0, 20.0), ("us.credibility", 0.0, 6.0))  # the default experiment's


def default_axes(sc, n: int):
    """The default experiment's axes at ``n`` points each, for scenario ``sc``."""
    return [make_axis(f"sweep.{k}", sc.params_cls, {"param": p, "start": lo, "stop": hi, "num": n})
            for k, (p, lo, hi) in zip("xy", AXES)]


def point_params(sc, columns, points):
    return batch(sc.params_cls(), {k: v[points] for k, v in columns.items()})


def run_plain_design(sc, columns, points, args):
    """Games of the points, then one Mesa model per run; per-run outcome dicts."""
    params = point_params(sc, columns, points)
    if args.game == "sequential":
        form = sc.sequential
        games = [plain_abm_tree.plain_tree(form.tree, lp, form.regime) for lp in leaf_payoffs(sc, params)]
        return plain_abm_tree.run_plain(games, len(sc.actors), points, args.replicates, args.seed, rule=args.rule,
                                        revision_prob=args.revision_prob, lam=args.lam, steps=args.steps,
                                        tail=args.tail, settle_window=args.settle_window, rng=args.plain_rng)
    regime = sc.simultaneous.regime
    games = [plain_abm.plain_game(u, regime) for u in normal_form(sc, params)]
    return plain_abm.run_plain(games, points, args.replicates, args.seed, rule=args.rule,
                               revision_prob=args.revision_prob, steps=args.steps, tail=args.tail,
                               settle_window=args.settle_window, rng=args.plain_rng)


def run_vectorised_design(sc, columns, points, options, settle_window):
    """One Mesa model per at most ``options.max_runs`` runs (as ``solve_abm``:
    ``points_per_model``); concatenated outcomes."""
    per_model = points_per_model(options)
    parts = []
    for lo in range(0, len(points), per_model):
        idx = points[lo:lo + per_model]
        model = simulate(sc, point_params(sc, columns, idx), idx, options)
        parts.append(model.outcomes(settle_window))
    return {k: np.concatenate([p[k] for p in parts], axis=-1) for k in parts[0]}


def as_rows(sc, outcomes, game):
    """The vectorised outcomes as one dict per run, in the plain design's format."""
    if game == "sequential":
        return plain_abm_tree.vectorised_outcomes(outcomes)
    return plain_abm.vectorised_outcomes(outcomes, sc.simultaneous.shape)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def report_mismatches(label, bad, points, replicates):
    if not bad:
        print(f"{label}: identical on every run")
        return
    print(f"{label}: {len(bad)} MISMATCHES (run, field, plain, vectorised), first 10:")
    for r, f, p, v in bad[:10]:
        print(f"  run {r} (grid point {points[r // replicates]}, replicate {r % replicates}): {f}: {p} != {v}")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--game", choices=(*GAMES, "both"), default="both",
                    help="which game the agents play; 'both' (default): the simultaneous, then the sequential")
    ap.add_argument("--scenario", default="iraq2020", help="a registered scenario (or an import path)")
    ap.add_argument("--n", type=int, default=100, help="grid points per axis (full sweep: n*n points)")
    ap.add_argument("--points", type=int, default=400,
                    help="grid points in the compared subsample of the simultaneous game")
    ap.add_argument("--seq-points", type=int, default=100,
                    help="grid points in the compared subsample of the sequential game (its plain design is "
                         "3-20x slower per run)")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--tail", type=int, default=50)
    ap.add_argument("--settle-window", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="root seed of the runs' streams")
    ap.add_argument("--sample-seed", type=int, default=0, help="seed of the grid-point subsample")
    ap.add_argument("--rule", choices=(*plain_abm_tree.RULES, "all"), default="all",
                    help="learning rule; 'all' (default): every rule the game's plain design implements, in turn")
    ap.add_argument("--revision-prob", type=float, default=0.3)
    ap.add_argument("--lam", type=float, default=5.0, help="logit rationality (sequential game)")
    ap.add_argument("--plain-rng", choices=sorted(plain_abm.DRAWS), default="python",
                    help="plain design's draws: scalar Python hash (default, faster) or streams.uniforms")
    ap.add_argument("--no-full", action="store_true", help="skip the full-sweep timing")
    return ap.parse_args(argv)


def print_header(sc, args, n_points):
    print(f"Agent-based model, {args.game.upper()} game: PLAIN design (one Mesa model per run, scalar agents, "
          "Python loop)")
    print("vs VECTORISED design (one Mesa model, agents hold vectors over runs)")
    rule = args.rule + (f" (revision_prob {args.revision_prob})" if args.rule == "best_response" else "") \
        + (f" (lam {args.lam:g})" if args.rule == "logit" else "")
    shape = sc.simultaneous.shape if args.game == "simultaneous" else \
        f"tree of {sc.sequential.tree.n_nodes} nodes, {sc.sequential.tree.n_leaves} leaves"
    print(f"game: {sc.name} {args.game} {shape}; rule: {rule}; {args.steps} steps, tail {args.tail}, "
          f"settle window {args.settle_window}; seed {args.seed}")
    print(f"grid: {args.n}x{args.n} (iraq.nationalism 0..20 x us.credibility 0..6); "
          f"subsample: {n_points} points x {args.replicates} replicates = {n_points * args.replicates} runs")
    print("timed: game tensors + model construction + all steps + per-run outcomes; one pass each,")
    print(f"after an untimed warm-up; {os.cpu_count()} CPUs, single process; plain draws: {args.plain_rng}")
    print()


def ratio_line(ratio):
    return f"  ratio vectorised/plain: {ratio:,.1f}x  (target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'})"


def compare_subsample(sc, columns, points, options, args):
    """Both designs on the subsample: (identical?, plain outcomes, plain runs/s, ratio)."""
    reps, n_runs = args.replicates, len(points) * args.replicates
    t_plain, plain = timed(lambda: run_plain_design(sc, columns, points, args))
    t_vec, vec_o = timed(lambda: run_vectorised_design(sc, columns, points, options, args.settle_window))
    vec = as_rows(sc, vec_o, args.game)
    rate_plain, rate_vec = n_runs / t_plain, n_runs / t_vec
    print(f"[same {n_runs} runs]")
    print(f"  plain design:      {t_plain:8.3f} s  {rate_plain:12,.1f} runs/s")
    print(f"  vectorised design: {t_vec:8.3f} s  {rate_vec:12,.1f} runs/s")
    print(ratio_line(rate_vec / rate_plain))
    bad = plain_abm.mismatches(plain, vec)
    what = "final leaf, final SPE" if args.game == "sequential" else "final profile, final NE"
    report_mismatches(f"  outcomes ({what}, settled, settle step, modal regime)", bad, points, reps)
    settled = sum(o["settled"] for o in plain)
    modal = np.bincount([o["modal_regime"] for o in plain], minlength=len(sc.regimes))
    print(f"  (runs settled: {settled}/{n_runs}; modal regime counts: "
          + ", ".join(f"{r}={c}" for r, c in zip(sc.regimes, modal)) + ")")
    return not bad, plain, rate_plain, rate_vec / rate_plain


def full_sweep(sc, columns, points, options, args, plain, rate_plain):
    """The vectorised design on every grid point: (identical on the subsample?, ratio)."""
    reps, n_grid = args.replicates, args.n ** 2
    full_runs = n_grid * reps
    print()
    print(f"[full sweep: {args.n}x{args.n} points x {reps} replicates = {full_runs:,} runs, vectorised only]")
    t_full, full_o = timed(lambda: run_vectorised_design(sc, columns, np.arange(n_grid), options, args.settle_window))
    rate_full = full_runs / t_full
    print(f"  vectorised design: {t_full:8.3f} s  {rate_full:12,.1f} runs/s")
    print(f"  plain design (measured above, same run length): {rate_plain:12,.1f} runs/s "
          f"(extrapolated to the sweep: {full_runs / rate_plain:,.0f} s)")
    print(ratio_line(rate_full / rate_plain))
    sub = (points[:, None] * reps + np.arange(reps)).ravel()
    full_sub = as_rows(sc, {k: v[..., sub] for k, v in full_o.items()}, args.game)
    bad_full = plain_abm.mismatches(plain, full_sub)
    report_mismatches(f"  outcomes of the subsampled {len(sub)} runs within the full sweep vs plain",
                      bad_full, points, reps)
    return not bad_full, rate_full / rate_plain


def options_of(args, **over):
    kw = dict(rule=args.rule, rule_options=RuleOptions(revision_prob=args.revision_prob, lam=args.lam),
              steps=args.steps, replicates=args.replicates, tail=args.tail, settle_window=args.settle_window,
              seed=args.seed, game=args.game)
    return AbmOptions(**{**kw, **over})


def bench_rule(sc, args, columns, points):
    """One game and rule: header, warm-up, subsample comparison, full sweep; (identical?, ratios)."""
    options = options_of(args)
    print_header(sc, args, len(points))
    # untimed warm-up of both code paths
    warm = argparse.Namespace(**{**vars(args), "steps": 5, "tail": 1, "settle_window": 1, "replicates": 1})
    run_plain_design(sc, columns, points[:2], warm)
    run_vectorised_design(sc, columns, points[:2], options_of(args, steps=5, replicates=1, tail=1, settle_window=1), 1)
    ok, plain, rate_plain, ratio = compare_subsample(sc, columns, points, options, args)
    ratios = [ratio]
    if not args.no_full:
        ok_full, ratio_full = full_sweep(sc, columns, points, options, args, plain, rate_plain)
        ok, ratios = ok and ok_full, ratios + [ratio_full]
    print()
    return ok, ratios


def main(argv=None):
    args = parse_args(argv)
    retain_freed_memory()  # as sim.runs.run.run does: large work arrays are reused, not page-faulted in again
    sc = get_scenario(args.scenario)
    n_grid = args.n ** 2
    columns = grid_columns(default_axes(sc, args.n), 0, n_grid)
    games = GAMES if args.game == "both" else (args.game,)
    results = {}
    for game in games:
        rng = np.random.default_rng(args.sample_seed)
        n_sub = args.seq_points if game == "sequential" else args.points
        points = np.sort(rng.choice(n_grid, size=min(n_sub, n_grid), replace=False))
        implemented = plain_abm_tree.RULES if game == "sequential" else plain_abm.RULES
        rules = implemented if args.rule == "all" else (args.rule,)
        for r in rules:
            if r not in implemented:
                print(f"{game}: the plain design does not implement {r}; skipped\n")
                continue
            results[game, r] = bench_rule(sc, argparse.Namespace(**{**vars(args), "rule": r, "game": game}),
                                          columns, points)
    for (game, r), (ok_r, ratios) in results.items():
        print(f"{game} {r}: ratio vectorised/plain " + " / ".join(f"{x:,.1f}x" for x in ratios)
              + f" (subsample{' / full sweep' if len(ratios) > 1 else ''}); "
              + f"target >= {TARGET:.0f}x {'met' if min(ratios) >= TARGET else 'NOT met'}; "
              + f"identical outcomes: {'yes' if ok_r else 'NO'}")
    ok = all(ok_r for ok_r, _ in results.values())
    print("IDENTICAL OUTCOMES: yes" if ok else "IDENTICAL OUTCOMES: NO")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
