"""Benchmark: the agent-based model's vectorised design against the plain design.

Run: ``python benchmarks/bench_abm.py [--rule all --points 400 --replicates 10 --steps 200]``
(``--rule all``, the default, benchmarks every rule the plain design implements in turn).

* PLAIN design (``benchmarks/plain_abm.py``): one ``mesa.Model`` per run, one
  ``mesa.Agent`` per actor holding a Python int action, a Python loop per step.
* VECTORISED design (``sim.abm.solver.simulate``): one ``LearningModel`` whose agents
  hold their state as vectors over all R runs, so one model step updates every run.

Both simulate the SAME runs: ``--points`` grid points drawn at random from the
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
from _common import default_axes  # noqa: E402
from sim.abm.rules import RuleOptions  # noqa: E402
from sim.abm.solver import AbmOptions, simulate  # noqa: E402
from sim.scenarios.iraq2020 import SCENARIO, GameParams  # noqa: E402
from sim.engine.params import batch  # noqa: E402
from sim.engine.scenario import normal_form  # noqa: E402
from sim.engine.sweep import grid_columns  # noqa: E402

TARGET = 100.0  # issue 14: the vectorised design at >= 100x the plain one, for every rule



def point_params(columns, points):
    return batch(GameParams(), {k: v[points] for k, v in columns.items()})


def run_plain_design(columns, points, args):
    """Games of the points, then one Mesa model per run; per-run outcome dicts."""
    regime = SCENARIO.simultaneous.regime
    games = [plain_abm.plain_game(u, regime) for u in normal_form(SCENARIO, point_params(columns, points))]
    return plain_abm.run_plain(games, points, args.replicates, args.seed, rule=args.rule,
                               revision_prob=args.revision_prob, steps=args.steps, tail=args.tail,
                               settle_window=args.settle_window, rng=args.plain_rng)


def run_vectorised_design(columns, points, options, settle_window):
    """One LearningModel per at most ``options.max_runs`` runs; concatenated outcomes."""
    per_model = max(1, options.max_runs // options.replicates)
    parts = []
    for lo in range(0, len(points), per_model):
        idx = points[lo:lo + per_model]
        model = simulate(SCENARIO, point_params(columns, idx), idx, options)
        parts.append(model.outcomes(settle_window))
    return {k: np.concatenate([p[k] for p in parts], axis=-1) for k in parts[0]}


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
    ap.add_argument("--n", type=int, default=100, help="grid points per axis (full sweep: n*n points)")
    ap.add_argument("--points", type=int, default=400, help="grid points in the compared subsample")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--tail", type=int, default=50)
    ap.add_argument("--settle-window", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="root seed of the runs' streams")
    ap.add_argument("--sample-seed", type=int, default=0, help="seed of the grid-point subsample")
    ap.add_argument("--rule", choices=(*plain_abm.RULES, "all"), default="all",
                    help="learning rule; 'all' (default): every rule the plain design implements, in turn")
    ap.add_argument("--revision-prob", type=float, default=0.3)
    ap.add_argument("--plain-rng", choices=sorted(plain_abm.DRAWS), default="python",
                    help="plain design's draws: scalar Python hash (default, faster) or streams.uniforms")
    ap.add_argument("--no-full", action="store_true", help="skip the full-sweep timing")
    return ap.parse_args(argv)


def print_header(args, n_points):
    print("Agent-based model: PLAIN design (one Mesa model per run, scalar agents, Python loop)")
    print("vs VECTORISED design (one Mesa LearningModel, agents hold vectors over runs)")
    rule = args.rule + (f" (revision_prob {args.revision_prob})" if args.rule == "best_response" else "")
    print(f"game: iraq2020 simultaneous {SCENARIO.simultaneous.shape}; rule: {rule}; "
          f"{args.steps} steps, tail {args.tail}, "
          f"settle window {args.settle_window}; seed {args.seed}")
    print(f"grid: {args.n}x{args.n} (iraq.nationalism 0..20 x us.credibility 0..6); "
          f"subsample: {n_points} points x {args.replicates} replicates = {n_points * args.replicates} runs")
    print("timed: game tensors + model construction + all steps + per-run outcomes; one pass each,")
    print(f"after an untimed warm-up; {os.cpu_count()} CPUs, single process; plain draws: {args.plain_rng}")
    print()


def ratio_line(ratio):
    return f"  ratio vectorised/plain: {ratio:,.1f}x  (target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'})"


def compare_subsample(columns, points, options, args):
    """Both designs on the subsample: (identical?, plain outcomes, plain runs/s, ratio)."""
    reps, n_runs = args.replicates, len(points) * args.replicates
    t_plain, plain = timed(lambda: run_plain_design(columns, points, args))
    t_vec, vec_o = timed(lambda: run_vectorised_design(columns, points, options, args.settle_window))
    vec = plain_abm.vectorised_outcomes(vec_o, SCENARIO.simultaneous.shape)
    rate_plain, rate_vec = n_runs / t_plain, n_runs / t_vec
    print(f"[same {n_runs} runs]")
    print(f"  plain design:      {t_plain:8.3f} s  {rate_plain:12,.1f} runs/s")
    print(f"  vectorised design: {t_vec:8.3f} s  {rate_vec:12,.1f} runs/s")
    print(ratio_line(rate_vec / rate_plain))
    bad = plain_abm.mismatches(plain, vec)
    report_mismatches("  outcomes (final profile, final NE, settled, settle step, modal regime)", bad, points, reps)
    settled = sum(o["settled"] for o in plain)
    modal = np.bincount([o["modal_regime"] for o in plain], minlength=len(SCENARIO.regimes))
    print(f"  (runs settled: {settled}/{n_runs}; modal regime counts: "
          + ", ".join(f"{r}={c}" for r, c in zip(SCENARIO.regimes, modal)) + ")")
    return not bad, plain, rate_plain, rate_vec / rate_plain


def full_sweep(columns, points, options, args, plain, rate_plain):
    """The vectorised design on every grid point: (identical on the subsample?, ratio)."""
    reps, n_grid = args.replicates, args.n ** 2
    full_runs = n_grid * reps
    print()
    print(f"[full sweep: {args.n}x{args.n} points x {reps} replicates = {full_runs:,} runs, vectorised only]")
    t_full, full_o = timed(lambda: run_vectorised_design(columns, np.arange(n_grid), options, args.settle_window))
    rate_full = full_runs / t_full
    print(f"  vectorised design: {t_full:8.3f} s  {rate_full:12,.1f} runs/s")
    print(f"  plain design (measured above, same run length): {rate_plain:12,.1f} runs/s "
          f"(extrapolated to the sweep: {full_runs / rate_plain:,.0f} s)")
    print(ratio_line(rate_full / rate_plain))
    sub = (points[:, None] * reps + np.arange(reps)).ravel()
    full_sub = plain_abm.vectorised_outcomes({k: v[..., sub] for k, v in full_o.items()},
                                             SCENARIO.simultaneous.shape)
    bad_full = plain_abm.mismatches(plain, full_sub)
    report_mismatches(f"  outcomes of the subsampled {len(sub)} runs within the full sweep vs plain",
                      bad_full, points, reps)
    return not bad_full, rate_full / rate_plain


def bench_rule(args, columns, points):
    """One rule: header, warm-up, subsample comparison, full sweep; (identical?, ratios)."""
    options = AbmOptions(rule=args.rule, rule_options=RuleOptions(revision_prob=args.revision_prob),
                         steps=args.steps, replicates=args.replicates, tail=args.tail,
                         settle_window=args.settle_window, seed=args.seed)
    print_header(args, len(points))
    # untimed warm-up of both code paths
    warm = argparse.Namespace(**{**vars(args), "steps": 5, "tail": 1, "settle_window": 1, "replicates": 1})
    run_plain_design(columns, points[:2], warm)
    run_vectorised_design(columns, points[:2], AbmOptions(rule=args.rule, steps=5, replicates=1, tail=1,
                                                          settle_window=1), 1)
    ok, plain, rate_plain, ratio = compare_subsample(columns, points, options, args)
    ratios = [ratio]
    if not args.no_full:
        ok_full, ratio_full = full_sweep(columns, points, options, args, plain, rate_plain)
        ok, ratios = ok and ok_full, ratios + [ratio_full]
    print()
    return ok, ratios


def main(argv=None):
    args = parse_args(argv)
    n_grid = args.n ** 2
    columns = grid_columns(default_axes(args.n), 0, n_grid)
    rng = np.random.default_rng(args.sample_seed)
    points = np.sort(rng.choice(n_grid, size=min(args.points, n_grid), replace=False))
    rules = plain_abm.RULES if args.rule == "all" else (args.rule,)
    results = {r: bench_rule(argparse.Namespace(**{**vars(args), "rule": r}), columns, points) for r in rules}
    for r, (ok_r, ratios) in results.items():
        print(f"{r}: ratio vectorised/plain " + " / ".join(f"{x:,.1f}x" for x in ratios)
              + f" (subsample{' / full sweep' if len(ratios) > 1 else ''}); "
              + f"target >= {TARGET:.0f}x {'met' if min(ratios) >= TARGET else 'NOT met'}; "
              + f"identical outcomes: {'yes' if ok_r else 'NO'}")
    ok = all(ok_r for ok_r, _ in results.values())
    print("IDENTICAL OUTCOMES: yes" if ok else "IDENTICAL OUTCOMES: NO")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
