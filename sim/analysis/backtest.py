"""The back-test: the dynamic game's logit QRE scored against the 2020-2022 record
(docs/discussion.md §6), beside two naive baselines.

* The record (:mod:`sim.history.record`) gives, per quarter, the set of stage-game leaves
  consistent with what was observed (each actor's action, or a set where the record does
  not tell them apart); its US posture is the state the next quarter starts from.
* Model: :func:`sim.dynamic.game.solve_dynamic` with logit rationality λ and the US's
  adjustment cost c; the probability of quarter t's observation is the sum of the leaf
  probabilities over its set, from the *observed* state (the posture the record shows at
  the end of t - 1; before the first quarter, ``initial_posture``).
* Persistence: this quarter's leaf is one of last quarter's observed leaves (each equally)
  with probability 1 - ε, any leaf with ε; the first quarter has no predecessor and is
  scored uniform.
* Frequency: each leaf's share of the fit quarters' observations (a quarter's unit spread
  over its set), smoothed by α = 1/2 per leaf (Jeffreys).
* Reputation (:mod:`sim.dynamic.reputation`): the same game with the US's type private and
  the others' belief that it is committed updated by Bayes' rule on what the US does; the
  record's probability is the mixture over types at the belief the record leads to. Its
  prior π0 is fitted on the fit quarters by a grid of :data:`PRIORS` values, with λ and c
  as fitted for the game without reputation (π0 = 1 is that game, so the fit can only
  gain). ``loglik_model`` is this model's; ``loglik_fixed_kappa`` the game without
  reputation (the US known to be committed).
* Split in time: λ, c and ε are fitted by maximum likelihood on the fit quarters (a grid,
  then L-BFGS-B from its best point), rounded to 6 significant digits (so that scores are
  equal on every CPU), and every quarter is scored with them; the test quarters were not
  used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.optimize import minimize, minimize_scalar

from sim.dynamic.calendar import SHOCKS, Calendar, calendar
from sim.dynamic.domestic import solve_dynamic_two_level
from sim.dynamic.game import POSTURES, solve_dynamic
from sim.dynamic.reputation import path_stages, solve_reputation
from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario
from sim.history.record import DEFAULT_HISTORY, load_record
from sim.scenarios import DYNAMIC_SHOCKS

ACTOR_COLUMNS = {"Russia": "russia", "Iran": "iran", "Iraq": "iraq", "US": "us"}
LOG_LAM = (np.log(0.1), np.log(1000.0))  #: bounds of log λ (λ in 1/$bn, on quarterly payoffs)
ADJUST = (0.0, 5.0)  #: bounds of the US's adjustment cost c ($bn per unit of troop level)
FLOOR = 1e-300  #: probabilities below this count as this (log of 0 is not a score)
SIGNIFICANT = 6  #: significant digits of the fitted values (the scores use the rounded ones)
PRIORS = np.linspace(0.0, 1.0, 101)  #: the grid of the prior belief π0 that the US is committed


@dataclass(frozen=True)
class Observation:
    """What the record says, as the stage game's leaves.

    Attributes
    ----------
    quarters : the record's quarters, T of them.
    leaf_sets : (T, n_leaves) bool, the leaves consistent with each quarter's record.
    states : (T,) the state each quarter starts from (posture index): ``initial`` for the
        first, then the posture the record shows at the end of the quarter before.
    """

    quarters: tuple[str, ...]
    leaf_sets: np.ndarray
    states: np.ndarray


def observation(sc: Scenario, record, initial_posture: str = "maintain") -> Observation:
    """The record as leaf sets and states of ``sc``'s stage tree."""
    form = sc.sequential
    mask = np.ones((len(record.quarters), form.tree.n_leaves), dtype=bool)
    for j, actor in enumerate(sc.actors):
        labels = np.array(actor.actions)[form.outcomes[:, j]]  # (n_leaves,) each leaf's label
        for t, allowed in enumerate(record.observed(ACTOR_COLUMNS[actor.name])):
            mask[t] &= np.isin(labels, sorted(allowed))
    if not mask.any(axis=1).all():
        t = int(np.flatnonzero(~mask.any(axis=1))[0])
        raise ConfigError(f"history: quarter {record.quarters[t]} is no outcome of the game (e.g. a purchase with no "
                          "offer): check its action columns")
    posture = [_posture(s, q) for s, q in zip(record.observed("us"), record.quarters)]
    states = np.array([POSTURES.index(initial_posture)] + posture[:-1])
    return Observation(tuple(record.quarters), mask, states)


def _posture(labels, quarter: str) -> int:
    """The one posture of a set of US labels ('advisory+accommodate' -> 1)."""
    postures = {label.split("+")[0] for label in labels}
    if len(postures) != 1:
        raise ConfigError(f"history: quarter {quarter}: the US column must name one posture (the next quarter's "
                          f"state); got {sorted(postures)}")
    return POSTURES.index(postures.pop())


def model_probabilities(sc: Scenario, params, cal: Calendar, obs: Observation, lam, adjust, discount: float):
    """P(each quarter's observation) under the model, shape (T, B) (λ, c of shape (B,))."""
    solve = solve_dynamic if sc.domestic is None else solve_dynamic_two_level
    dyn = solve(sc, params, cal, lam=lam, adjust_cost=adjust, discount=discount)
    t = np.arange(len(obs.quarters))
    probs = dyn.leaf_probs[t, obs.states]  # (T, L, B)
    return np.einsum("tlb,tl->tb", probs, obs.leaf_sets.astype(float)), dyn


def persistence_probabilities(obs: Observation, eps: float) -> np.ndarray:
    """P(each quarter's observation) under persistence with ε, shape (T,)."""
    sets = obs.leaf_sets.astype(float)
    n_leaves = sets.shape[1]
    out = np.empty(len(sets))
    out[0] = sets[0].sum() / n_leaves
    prev = sets[:-1] / sets[:-1].sum(axis=1, keepdims=True)
    out[1:] = (1.0 - eps) * (prev * sets[1:]).sum(axis=1) + eps * sets[1:].sum(axis=1) / n_leaves
    return out


def frequency_probabilities(obs: Observation, fit: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """P(each quarter's observation) under the fit quarters' leaf frequencies, shape (T,)."""
    sets = obs.leaf_sets.astype(float)
    counts = (sets[fit] / sets[fit].sum(axis=1, keepdims=True)).sum(axis=0)  # (L,)
    p_leaf = (counts + alpha) / (counts.sum() + alpha * sets.shape[1])
    return sets @ p_leaf


def _log(p) -> np.ndarray:
    return np.log(np.maximum(p, FLOOR))


@dataclass(frozen=True)
class Fit:
    """Fitted values and the fit quarters' log-likelihood of each."""

    lam: float
    adjust: float
    eps: float
    loglik_model: float
    loglik_persistence: float


def fit(sc: Scenario, params, cal: Calendar, obs: Observation, in_fit: np.ndarray, discount: float,
        grid: int = 24) -> Fit:
    """Maximum likelihood of λ, c (model) and ε (persistence) on the quarters ``in_fit``."""
    ll, la = np.meshgrid(np.linspace(*LOG_LAM, grid), np.linspace(*ADJUST, grid))
    lam, adj = np.exp(ll.ravel()), la.ravel()
    p, _ = model_probabilities(sc, params, cal, obs, lam, adj, discount)
    scores = _log(p[in_fit]).sum(axis=0)
    best = int(np.argmax(scores))

    def negative(x):
        q, _ = model_probabilities(sc, params, cal, obs, np.array([np.exp(x[0])]), np.array([x[1]]), discount)
        return -float(_log(q[in_fit]).sum())

    res = minimize(negative, x0=[ll.ravel()[best], adj[best]], method="L-BFGS-B", bounds=[LOG_LAM, ADJUST])
    x = res.x if -res.fun >= scores[best] else np.array([ll.ravel()[best], adj[best]])
    per = minimize_scalar(lambda e: -float(_log(persistence_probabilities(obs, e)[in_fit]).sum()),
                          bounds=(1e-6, 1.0), method="bounded")
    return Fit(_round(np.exp(x[0])), _round(x[1]), _round(per.x), float(max(-res.fun, scores[best])), float(-per.fun))


@dataclass(frozen=True)
class ReputationFit:
    """The reputation model along the record at the fitted prior.

    Attributes
    ----------
    prior : the fitted π0. prob : (T,) P(each quarter's observation). belief : (T,) the
    belief at each quarter's start. leaf : (T, L) each leaf's probability. residual : the
    largest change left in the fixed points at the US's nodes.
    """

    prior: float
    prob: np.ndarray
    belief: np.ndarray
    leaf: np.ndarray
    residual: float


def fit_reputation(sc: Scenario, params, cal: Calendar, obs: Observation, in_fit: np.ndarray, f: Fit,
                   discount: float) -> ReputationFit:
    """π0 by maximum likelihood over :data:`PRIORS` on the quarters ``in_fit``, at ``f``'s λ, c
    (the first of equal bests). A scenario with a domestic actor (the two-level Iraq) has no
    reputation model: π0 = 1, the game without reputation."""
    if sc.domestic is not None:
        p, dyn = model_probabilities(sc, params, cal, obs, np.array([f.lam]), np.array([f.adjust]), discount)
        leaf = dyn.leaf_probs[np.arange(len(obs.quarters)), obs.states][..., 0]
        return ReputationFit(1.0, p[:, 0], np.ones(len(p)), leaf, 0.0)
    rep = solve_reputation(sc, params, cal, lam=f.lam, adjust_cost=f.adjust, discount=discount)
    prob, belief, leaf = path_stages(sc, params, cal, rep, obs.states, obs.leaf_sets, PRIORS, lam=f.lam,
                                     adjust_cost=f.adjust, discount=discount)
    k = int(np.argmax(_log(prob[in_fit, :, 0]).sum(axis=0)))
    return ReputationFit(float(PRIORS[k]), prob[:, k, 0], belief[:, k, 0], leaf[:, k, :, 0], float(rep.residual.max()))


def scenario_calendar(sc: Scenario, start: str, stop: str) -> Calendar:
    """The calendar of ``sc``'s dynamic game: the common shocks and the scenario's own
    (:data:`sim.scenarios.DYNAMIC_SHOCKS`: Iraq's governments for the two-level Iraq)."""
    return calendar(start, stop, SHOCKS + tuple(DYNAMIC_SHOCKS.get(sc.name, ())))


def _round(x, digits: int = SIGNIFICANT) -> float:
    """``x`` to ``digits`` significant digits: the optimiser's last digits differ between
    CPUs' floating-point kernels (about 1e-8 relative), the rounded optimum does not."""
    return float(f"{float(x):.{digits - 1}e}")


def backtest_table(sc: Scenario, params, record, *, split: str, discount: float, initial_posture: str = "maintain",
                   grid: int = 24) -> tuple[pa.Table, tuple[Fit, ReputationFit], Calendar]:
    """One row per quarter: ``quarter``, ``split`` (fit/test), the three log-likelihoods,
    the model's probability of the observation, of each US posture and of any coercion
    (the waiver revoked or more) from the observed state, and the record's troops, waiver
    days and events."""
    cal = scenario_calendar(sc, record.quarters[0], record.quarters[-1])
    obs = observation(sc, record, initial_posture)
    in_fit = np.array([q <= split for q in obs.quarters])
    if in_fit.all() or not in_fit.any():
        raise ConfigError(f"backtest.split={split}: the fit and test quarters must both be non-empty; the record "
                          f"covers {obs.quarters[0]}-{obs.quarters[-1]}")
    f = fit(sc, params, cal, obs, in_fit, discount, grid)
    p_fixed, dyn = model_probabilities(sc, params, cal, obs, np.array([f.lam]), np.array([f.adjust]), discount)
    rf = fit_reputation(sc, params, cal, obs, in_fit, f, discount)
    leaf_p = rf.leaf  # (T, L)
    columns = {
        "quarter": list(obs.quarters),
        "split": ["fit" if x else "test" for x in in_fit],
        "loglik_model": _log(rf.prob),
        "loglik_persistence": _log(persistence_probabilities(obs, f.eps)),
        "loglik_frequency": _log(frequency_probabilities(obs, in_fit)),
        "loglik_fixed_kappa": _log(p_fixed[:, 0]),
        "p_model": rf.prob,
        "belief_committed": rf.belief,
    }
    for k, name in enumerate(POSTURES):
        columns[f"p_posture_{name}"] = leaf_p[:, dyn.posture_of_leaf == k].sum(axis=1)
    coerced = sc.sequential.features["waiver"][:, 0] + sc.sequential.features["targeted"][:, 0] > 0
    columns["p_coercion"] = leaf_p[:, coerced].sum(axis=1)
    columns["observed_posture"] = [POSTURES[s] for s in list(obs.states[1:]) + [_posture(record.observed("us")[-1],
                                                                                         obs.quarters[-1])]]
    columns["us_troops"] = [int(x) for x in record.columns["us_troops"]]
    columns["waiver_days"] = [int(x) for x in record.columns["waiver_days"]]
    columns["events"] = [str(x) for x in record.columns["events"]]
    return pa.table(columns), (f, rf), cal


META_KEY = b"sim"


def run_table(sc: Scenario, params, opts) -> pa.Table:
    """The back-test of ``opts`` (:class:`sim.config.backtest.BacktestOptions`) as the table a
    run writes: :func:`backtest_table` with the fit and the totals in its metadata."""
    path = opts.history or DEFAULT_HISTORY
    record = load_record(path, start=opts.start, stop=opts.stop)
    if (record.quarters[0], record.quarters[-1]) != (opts.start, opts.stop):
        raise ConfigError(f"backtest: start={opts.start}, stop={opts.stop} but {path} holds "
                          f"{record.quarters[0]}-{record.quarters[-1]} of that range; set backtest.start and "
                          "backtest.stop inside the file")
    table, (f, rf), _ = backtest_table(sc, params, record, split=opts.split, discount=opts.discount,
                                 initial_posture=initial_posture(path, opts), grid=opts.grid)
    split = np.array(table.column("split").to_pylist())
    totals = {f"{name}_{part}": float(np.sum(np.asarray(table.column(f"loglik_{name}"))[split == part]))
              for name in ("model", "persistence", "frequency", "fixed_kappa") for part in ("fit", "test")}
    meta = {"lam": f.lam, "adjust_cost": f.adjust, "eps": f.eps, "committed_prior": rf.prior,
            "reputation_converged": bool(rf.residual <= 1e-9), "discount": opts.discount, "split": opts.split,
            "adjust_cost_at_bound": f.adjust in ADJUST, "lam_at_bound": bool(np.isclose(np.log(f.lam), LOG_LAM).any()),
            "scenario": sc.name, "history": str(path), "totals": totals, "n_leaves": sc.sequential.tree.n_leaves}
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def initial_posture(path, opts) -> str:
    """The US posture before ``opts.start``: ``opts.initial_posture`` if set, else the one the
    record shows for the quarter before (``maintain``, 5,200 troops, before the file's first)."""
    if opts.initial_posture is not None:
        return opts.initial_posture
    whole = load_record(path)
    if opts.start == whole.quarters[0]:
        return "maintain"
    before = whole.quarters[whole.quarters.index(opts.start) - 1]
    return POSTURES[_posture(whole.observed("us")[whole.quarters.index(before)], before)]


def agents_table(sc: Scenario, params, opts, adjust_cost: float, seed: int) -> pa.Table | None:
    """Mesa agents playing the dynamic game at the fitted adjustment cost
    (:func:`sim.abm.dynamic_model.simulate_dynamic`), or None if ``opts.abm_rule`` is null."""
    if opts.abm_rule is None:
        return None
    from sim.abm.dynamic_model import simulate_dynamic

    cal = scenario_calendar(sc, opts.start, opts.stop)  # the quarters run_table checked the record holds
    path = opts.history or DEFAULT_HISTORY
    return simulate_dynamic(sc, params, cal, rule=opts.abm_rule, rule_options=None, replicates=opts.abm_replicates,
                            steps_per_quarter=opts.abm_steps, seed=seed, discount=opts.discount,
                            adjust_cost=adjust_cost, start_state=initial_posture(path, opts))

