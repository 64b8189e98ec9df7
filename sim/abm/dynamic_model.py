"""Adaptive agents of the sequential-game ABM playing the dynamic game, quarter by quarter.

The dynamic game (:mod:`sim.dynamic.game`, docs/model.md §9) plays Model 2's stage tree
once per quarter t = 1..T (T = 12 for 2020Q1-2022Q4), linked by the US troop posture. Here
the same Mesa agents as :class:`sim.abm.tree_model.TreeLearningModel` (one ``mesa.Agent``
per actor, a pure action at each of its nodes, the rules of :mod:`sim.abm.rules`) play it:

* quarter t lasts ``steps_per_quarter`` learning steps; a run whose *state* is s (the US
  posture its play reached at the end of quarter t - 1, ``start_state`` before the first)
  learns on the stage tree with leaf payoffs ($bn)

      u_t(leaf) / 4 - c |t(leaf) - t(s)| [US only] + δ V_{t+1}(posture(leaf)),

  built exactly as :func:`sim.dynamic.game.solve_dynamic` builds them (the same helpers
  and float operations), with V_{t+1} the **equilibrium's** continuation values
  (``solve_dynamic(..., lam=None).values``, the Markov perfect equilibrium; V_{T+1} = 0).
  So agents learn *within* a quarter against the MPE's future, not against what their
  own later play would earn: the quarter's stage game is the MPE's, its play is learnt;
* strategies and memories carry over from quarter to quarter (learning is not reset);
  at each quarter boundary every run switches to the game of (t, its own state);
* the run's play at a quarter's end is the leaf its strategies reach; its posture is the
  next quarter's state.

Runs are R replicates of one parameter point, simulated together (in models of at most
``runs_per_model`` runs). Run (replicate) r draws from the stream of "grid point" r with
one replicate (:func:`sim.abm.streams.run_keys`: key ``SeedSequence(seed,
spawn_key=(r,)).generate_state(1)[0]``), so a run's play does not depend on how runs are
batched. API: :func:`simulate_dynamic` (a tidy table, one row per run and quarter).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from sim.abm.rules import RuleOptions, get_rule
from sim.abm.solver import TREE_RUNS_PER_MODEL
from sim.abm.tree_model import TreeLearningModel, TreeSegment
from sim.dynamic.calendar import Calendar
from sim.dynamic.game import POSTURES, from_state, moves, posture_codes, quarter_leaf_payoffs, solve_dynamic
from sim.engine.params import ConfigError, batch_size
from sim.engine.scenario import Scenario
from sim.store.columns import labels, slug

META_KEY = b"sim"


def dynamic_leaf_payoffs(sc: Scenario, params, cal: Calendar, *, discount: float, adjust_cost: float):
    """The stage trees of the dynamic game at one parameter point, and the MPE they come from.

    Returns ``(payoffs, dyn)``: payoffs (T, L, N, S), each player's payoff ($bn) at each
    leaf of quarter t's stage tree when the quarter starts in state s, ``u_t/4 - c|move|
    [US] + δ V_{t+1}(posture)`` with the MPE's values (the same operations, in the same
    order, as :func:`sim.dynamic.game.solve_dynamic`, so the numbers are identical);
    ``dyn``: the :class:`sim.dynamic.game.Dynamic` MPE (its ``leaf`` (T, S, 1)).
    """
    dyn = solve_dynamic(sc, params, cal, lam=None, discount=discount, adjust_cost=adjust_cost)
    n_leaves, n_p, n_s = sc.sequential.tree.n_leaves, len(sc.players), len(POSTURES)
    move = moves(params, posture_codes(sc), 1)
    values = np.concatenate([dyn.values, np.zeros((1, n_s, n_p, 1))])  # (T + 1, S, N, 1)
    out = np.zeros((cal.n, n_leaves, n_p, n_s))
    for t in range(cal.n):
        quarter = quarter_leaf_payoffs(sc, params, cal, t, values[t + 1], discount=discount, n_batch=1)
        for s in range(n_s):
            out[t, :, :, s] = from_state(sc, quarter, s, adjust_cost, move)[:, :, 0]
    return out, dyn


class DynamicTreeModel(TreeLearningModel):
    """:class:`TreeLearningModel` over the quarters of the dynamic game (module docstring).

    Parameters
    ----------
    sc : a Model 2 scenario; payoffs : (T, L, N, S) from :func:`dynamic_leaf_payoffs`.
    rule, opts : learning rule and options. replicates : (R,) replicate ids of the runs
        (their random streams). steps_per_quarter : learning steps per quarter (>= 1).
    start_state : index into :data:`sim.dynamic.game.POSTURES` of every run's first state.

    After :meth:`run`: ``quarter_state`` and ``quarter_leaf``, (T, R) int64, each run's
    state at each quarter's start and the leaf its strategies reach at the quarter's end;
    ``quarter_spe``, (T, R) bool, whether its strategies are then subgame perfect in the
    quarter's game.
    """

    def __init__(self, sc: Scenario, payoffs: np.ndarray, rule, opts: RuleOptions, replicates: np.ndarray,
                 steps_per_quarter: int, start_state: int, seed: int = 0, collect: bool = False):
        form, replicates = sc.sequential, np.asarray(replicates, dtype=np.int64)
        self.dyn_payoffs, self.steps_per_quarter = payoffs, steps_per_quarter
        self.posture_of_leaf = posture_codes(sc)
        n_t, n_runs = payoffs.shape[0], len(replicates)
        first = np.broadcast_to(payoffs[0][:, :, start_state, None], payoffs.shape[1:3] + (n_runs,))
        self.quarter_state = np.zeros((n_t, n_runs), dtype=np.int64)
        self.quarter_state[0] = start_state
        self.quarter_leaf = np.zeros((n_t, n_runs), dtype=np.int64)
        self.quarter_spe = np.zeros((n_t, n_runs), dtype=bool)
        # one "grid point" per run (its replicate id), one replicate each: the run's own stream
        super().__init__(actors=[(a.name, a.actions) for a in sc.actors], tree=form.tree, outcomes=form.outcomes,
                         regime=form.regime, segments=[TreeSegment(1, first)], rule=rule, opts=opts,
                         points=replicates, replicates=1, steps=n_t * steps_per_quarter,
                         tail=steps_per_quarter, seed=seed, collect=collect)

    def quarter_of_step(self, step: int) -> int:
        """The quarter (0-based) a step (1-based) belongs to."""
        return (step - 1) // self.steps_per_quarter

    def enter_quarter(self, t: int) -> None:
        """Quarter ``t`` >= 1 begins: each run's state is the posture of the leaf it reached
        at the end of quarter t - 1, and it now plays the game of (t, that state)."""
        state = self.posture_of_leaf[self.quarter_leaf[t - 1]]
        self.quarter_state[t] = state
        self.game_of_run = state  # games of the segment: the S states' stage trees
        self._use_segment(TreeSegment(self.steps, self.dyn_payoffs[t]))

    def step(self) -> None:
        t = self.quarter_of_step(self.steps)
        if t > 0 and (self.steps - 1) % self.steps_per_quarter == 0:
            self.enter_quarter(t)
        super().step()
        if self.steps % self.steps_per_quarter == 0:
            self.quarter_leaf[t] = self.path_leaf()
            self.quarter_spe[t] = self.is_spe()


def _check(name: str, value, ok: bool, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{name}={value!r} is out of range; allowed: {allowed}")


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def check_arguments(params, *, rule, rule_options, replicates, steps_per_quarter, discount, adjust_cost,
                    start_state, runs_per_model) -> tuple:
    """Validate :func:`simulate_dynamic`'s arguments; returns (Rule, RuleOptions, start index).
    ConfigError (one line naming the argument) on bad input."""
    rule_obj = get_rule(rule)
    if rule_options is None:
        rule_options = RuleOptions()
    _check("rule_options", rule_options, isinstance(rule_options, RuleOptions), "a sim.abm.rules.RuleOptions")
    for name, v in (("replicates", replicates), ("steps_per_quarter", steps_per_quarter),
                    ("runs_per_model", runs_per_model)):
        _check(name, v, _is_int(v) and v >= 1, "an integer >= 1")
    _check("discount", discount, isinstance(discount, (int, float)) and 0.0 <= discount <= 1.0, "[0, 1]")
    _check("adjust_cost", adjust_cost, isinstance(adjust_cost, (int, float)) and 0.0 <= adjust_cost < np.inf,
           "a float >= 0 ($bn per unit of troop level)")
    if isinstance(start_state, str):
        _check("start_state", start_state, start_state in POSTURES, ", ".join(POSTURES))
        start_state = POSTURES.index(start_state)
    _check("start_state", start_state, _is_int(start_state) and 0 <= start_state < len(POSTURES),
           f"0-{len(POSTURES) - 1} or one of {', '.join(POSTURES)}")
    if batch_size(params) != 1:
        raise ConfigError(f"params holds {batch_size(params)} points; allowed: one parameter point (float leaves)")
    return rule_obj, rule_options, int(start_state)


def simulate_dynamic(sc: Scenario, params, cal: Calendar, *, rule: str, rule_options: RuleOptions | None,
                     replicates: int, steps_per_quarter: int, seed: int, discount: float = 0.98,
                     adjust_cost: float = 0.5, start_state: int | str = 0,
                     runs_per_model: int = TREE_RUNS_PER_MODEL) -> pa.Table:
    """Adaptive agents play the dynamic game at one parameter point (module docstring).

    Parameters
    ----------
    sc, params, cal : Model 2 scenario, ONE parameter point (float leaves), the quarters.
    rule : best_response, fictitious_play, logit or regret_matching; rule_options : their
        :class:`sim.abm.rules.RuleOptions` (None: defaults).
    replicates : runs R; steps_per_quarter : learning steps per quarter; seed : root seed.
    discount : δ per quarter, [0, 1]; adjust_cost : c, $bn per unit of troop level moved.
    start_state : the state before the first quarter (index or name in ``POSTURES``).
    runs_per_model : runs simulated in one Mesa model (the result does not depend on it).

    Returns a tidy table, one row per (run, quarter), run-major: ``replicate``, ``quarter``
    ("2020Q1"), ``state`` (the US posture at the quarter's start), ``leaf`` (reached at the
    quarter's end), ``<actor>`` (each actor's action label on that path), ``regime``,
    ``posture`` (at the quarter's end: the next state), ``subgame_perfect`` (the run's
    strategies are then subgame perfect in the quarter's game), ``on_mpe_path`` (the leaf is
    the MPE's leaf from the same quarter and state). Schema metadata ``sim``: the arguments.
    """
    rule_obj, opts, start = check_arguments(
        params, rule=rule, rule_options=rule_options, replicates=replicates, steps_per_quarter=steps_per_quarter,
        discount=discount, adjust_cost=adjust_cost, start_state=start_state, runs_per_model=runs_per_model)
    payoffs, dyn = dynamic_leaf_payoffs(sc, params, cal, discount=float(discount), adjust_cost=float(adjust_cost))
    state, leaf, spe = [], [], []
    for lo in range(0, replicates, runs_per_model):
        model = DynamicTreeModel(sc, payoffs, rule_obj, opts, np.arange(lo, min(replicates, lo + runs_per_model)),
                                 steps_per_quarter, start, seed=seed).run()
        state.append(model.quarter_state)
        leaf.append(model.quarter_leaf)
        spe.append(model.quarter_spe)
    state, leaf, spe = (np.concatenate(x, axis=1).T.reshape(-1) for x in (state, leaf, spe))  # run-major
    quarter = np.tile(np.arange(cal.n), replicates)
    table = quarter_table(sc, cal, np.repeat(np.arange(replicates), cal.n), quarter, state, leaf, spe,
                          leaf == dyn.leaf[quarter, state, 0])
    meta = {"rule": rule, "revision_prob": opts.revision_prob, "lam": opts.lam, "replicates": replicates,
            "steps_per_quarter": steps_per_quarter, "seed": seed, "discount": float(discount),
            "adjust_cost": float(adjust_cost), "start_state": POSTURES[start], "scenario": sc.name}
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def quarter_table(sc: Scenario, cal: Calendar, replicate: np.ndarray, quarter: np.ndarray, state: np.ndarray,
                  leaf: np.ndarray, spe: np.ndarray, on_mpe: np.ndarray) -> pa.Table:
    """The rows of :func:`simulate_dynamic` from flat per-row arrays, each (rows,)."""
    form = sc.sequential
    cols = {"replicate": replicate.astype(np.int64), "quarter": labels(quarter, cal.quarters),
            "state": labels(state, POSTURES), "leaf": leaf.astype(np.int64)}
    for j, actor in enumerate(sc.actors):
        cols[slug(actor.name)] = labels(form.outcomes[leaf, j], actor.actions)
    cols["regime"] = labels(form.regime[leaf], sc.regimes)
    cols["posture"] = labels(posture_codes(sc)[leaf], POSTURES)
    cols["subgame_perfect"] = spe
    cols["on_mpe_path"] = on_mpe
    return pa.table(cols)

