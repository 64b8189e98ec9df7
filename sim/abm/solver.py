"""The agent-based model as a sweep solver: selection frequencies per grid point.

``solve_abm(sc, params, index, options)`` simulates ``options.replicates`` runs of
adaptive play at each of the ``B`` grid points in ``params`` (global indices ``index``)
and returns per-point columns (prefix ``abm_``):

* ``abm_freq_<regime>``: share of runs whose long-run (tail) play is mostly in that regime;
* ``abm_modal_regime``: the regime selected most often;
* ``abm_settled_share``: share of runs that settled on a pure Nash equilibrium (final
  profile a pure NE, unchanged for ``settle_window`` steps);
* ``abm_final_ne_share``: share of runs whose final profile is a pure NE;
* ``abm_mean_settle_step``: mean step from which settled runs stayed put (NaN if none).

``options.game`` picks the game: ``simultaneous`` (:class:`sim.abm.model.LearningModel`)
or ``sequential`` (:class:`sim.abm.tree_model.TreeLearningModel`: behaviour strategies on
the game tree). The columns keep their names; in the sequential game "pure NE" reads
"subgame-perfect strategies" and a run's final profile is the leaf its strategies reach.

With ``runs_sink`` it also hands over one tidy table per batch with a row per run
(:func:`run_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import numpy as np
import pyarrow as pa

from sim.abm.model import LearningModel, Segment
from sim.abm.options import AbmOptions, Shock  # noqa: F401  (re-exported)
from sim.abm.rules import get_rule
from sim.abm.tree_model import TreeLearningModel, TreeSegment
from sim.engine.params import replace_values, take_points
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last, normal_form_batch_last
from sim.store.columns import labels, slug


#: Runs per model of the sequential game: its per-run state (~1-3 KB) of this many runs stays
#: in a 32 MB cache, which is faster per run than one model of every run (outcomes do not
#: depend on how runs are batched).
TREE_RUNS_PER_MODEL = 8192


def points_per_model(options: AbmOptions) -> int:
    """Grid points simulated in one model: ``max_runs`` runs (sequential game: at most
    :data:`TREE_RUNS_PER_MODEL`), all replicates of a point together."""
    runs = options.max_runs if options.game == "simultaneous" else min(options.max_runs, TREE_RUNS_PER_MODEL)
    return max(1, runs // options.replicates)


def segments(sc: Scenario, params, n_points: int, shocks) -> list[Segment]:
    """The stage games over time: the base games, then one per shock."""
    out = [Segment(1, normal_form_batch_last(sc, params))]
    for shock in shocks:
        out.append(Segment(shock.step, normal_form_batch_last(sc, replace_values(params, dict(shock.values)))))
    return [Segment(s.start, np.broadcast_to(s.payoffs, s.payoffs.shape[:-1] + (n_points,))) for s in out]


def tree_segments(sc: Scenario, params, n_points: int, shocks) -> list[TreeSegment]:
    """The sequential games over time: leaf payoffs (n_leaves, N, n_points) of the base
    games, then one per shock."""
    out = [TreeSegment(1, leaf_payoffs_batch_last(sc, params))]
    for shock in shocks:
        out.append(TreeSegment(shock.step, leaf_payoffs_batch_last(sc, replace_values(params, dict(shock.values)))))
    return [TreeSegment(s.start, np.broadcast_to(s.payoffs, s.payoffs.shape[:-1] + (n_points,))) for s in out]


def simulate(sc: Scenario, params, index: np.ndarray, options: AbmOptions,
             collect: bool = False) -> LearningModel | TreeLearningModel:
    """Build and run the Mesa model of ``options.game`` for the grid points ``index``
    (all replicates)."""
    index = np.asarray(index)
    if options.game == "sequential":
        form = sc.sequential
        return TreeLearningModel(
            actors=[(a.name, a.actions) for a in sc.actors], tree=form.tree, outcomes=form.outcomes,
            regime=form.regime, segments=tree_segments(sc, params, len(index), options.shocks),
            rule=get_rule(options.rule), opts=options.rule_options, points=index,
            replicates=options.replicates, steps=options.steps, tail=options.tail, seed=options.seed,
            collect=collect).run()
    return LearningModel(
        actors=[(a.name, a.actions) for a in sc.actors],
        segments=segments(sc, params, len(index), options.shocks),
        regime=sc.simultaneous.regime,
        rule=get_rule(options.rule),
        opts=options.rule_options,
        points=index,
        replicates=options.replicates,
        steps=options.steps,
        tail=options.tail,
        seed=options.seed,
        collect=collect,
    ).run()


def final_actions(sc: Scenario, final_profile: np.ndarray, game: str) -> tuple[np.ndarray, ...]:
    """Each actor's final action index per run, from ``final_profile`` (a flat profile of
    the simultaneous game, or the leaf reached in the sequential one)."""
    if game == "sequential":
        return tuple(sc.sequential.outcomes[final_profile, j] for j in range(len(sc.actors)))
    return np.unravel_index(final_profile, sc.simultaneous.shape)


def run_table(sc: Scenario, index: np.ndarray, replicates: int, o: Mapping[str, np.ndarray],
              game: str = "simultaneous") -> pa.Table:
    """One row per run: grid point, replicate, final actions, settling, regime, tail shares.

    ``tail_<actor>_<action>`` is the share of the tail steps in which the actor played it
    (in the sequential game: in which it was on the path).
    """
    final = final_actions(sc, o["final_profile"], game)
    cols = {
        "point": np.repeat(np.asarray(index, dtype=np.int64), replicates),
        "replicate": np.tile(np.arange(replicates, dtype=np.int64), len(index)),
    }
    for j, actor in enumerate(sc.actors):
        cols[f"final_{slug(actor.name)}"] = labels(final[j], actor.actions)
    cols["final_is_ne"] = o["final_is_ne"]
    cols["settled"] = o["settled"]
    cols["settle_step"] = o["settle_step"].astype(np.int64)
    cols["modal_regime"] = labels(o["modal_regime"], sc.regimes)
    for j, actor in enumerate(sc.actors):
        for k, action in enumerate(actor.actions):
            cols[f"tail_{slug(actor.name)}_{slug(action)}"] = o[f"tail_share_{j}"][k]
    return pa.table(cols)


def solve_abm(sc: Scenario, params, index: np.ndarray, options: AbmOptions,
              runs_sink: Callable[[pa.Table], None] | None = None) -> dict:
    """Selection statistics of adaptive play at each grid point (see module doc)."""
    index = np.asarray(index)
    n_points, reps = len(index), options.replicates
    per_model = points_per_model(options)
    n_reg = len(sc.regimes)
    freq = np.zeros((n_points, n_reg))
    settled = np.zeros(n_points)
    final_ne = np.zeros(n_points)
    settle_sum = np.zeros(n_points)
    for lo in range(0, n_points, per_model):
        sel = slice(lo, min(n_points, lo + per_model))
        model = simulate(sc, take_points(params, sel), index[sel], options)
        o = model.outcomes(options.settle_window)
        if runs_sink is not None:
            runs_sink(run_table(sc, index[sel], reps, o, options.game))
        k = sel.stop - sel.start
        modal = o["modal_regime"].reshape(k, reps)
        freq[sel] = (modal[:, :, None] == np.arange(n_reg)).mean(axis=1)
        s = o["settled"].reshape(k, reps)
        settled[sel] = s.mean(axis=1)
        final_ne[sel] = o["final_is_ne"].reshape(k, reps).mean(axis=1)
        settle_sum[sel] = np.where(s, o["settle_step"].reshape(k, reps), 0).sum(axis=1)
    out = {f"abm_freq_{slug(r)}": freq[:, k] for k, r in enumerate(sc.regimes)}
    out["abm_modal_regime"] = labels(freq.argmax(axis=1), sc.regimes)
    out["abm_settled_share"] = settled
    out["abm_final_ne_share"] = final_ne
    with np.errstate(invalid="ignore", divide="ignore"):
        out["abm_mean_settle_step"] = np.where(settled > 0, settle_sum / (settled * reps), np.nan)
    return out
