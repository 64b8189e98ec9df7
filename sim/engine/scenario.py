"""Scenarios: actors, move order and payoff terms turned into game tensors.

A :class:`Scenario` is data: its actors and their actions, the move order of the
sequential variant with a rule for which actions are available after a history, a
function from outcomes to named *features* (boolean or numeric arrays), payoff terms per
actor, and a regime classifier. The engine (:mod:`sim.engine.equilibrium`, :mod:`sim.engine.tree`)
knows nothing of any scenario; a new actor or action is a change to scenario data only.

Outcome tables have shape ``(n_outcomes, n_actors)``: row ``o`` holds each actor's
action index (into that actor's full action list) in outcome ``o``. Payoffs of a batch
of ``B`` parameter points over an outcome table have shape ``(B, n_outcomes, N)``.

Variants:

* sequential: actors move in ``move_order`` with perfect information; leaves of the tree
  are the outcomes; leaf payoffs ``(B, n_leaves, N)``.
* simultaneous: every actor picks from its full action list at once; payoffs in the
  package convention ``(B, N, n_1, ..., n_N)`` (player order = ``actors`` order).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.engine.params import batch_size
from sim.engine.tree import Decision, Tree, tree_from_rule

Features = Mapping[str, np.ndarray]
PayoffTerm = Callable[[object, Features], np.ndarray]


@dataclass(frozen=True)
class Actor:
    """A player: its name and its actions, ordered from least to most escalatory."""

    name: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """A strategic scenario, as data.

    Attributes
    ----------
    name : registry name.
    actors : players; their order is the player index everywhere.
    move_order : actor indices in the order they move in the sequential variant.
    available : ``available(actor_index, history)`` → labels available to the actor,
        where ``history`` maps earlier movers' names to their chosen labels.
    features : outcome table ``(n_out, n_actors)`` → named arrays of shape (n_out,).
    terms : actor name → payoff terms ``term(params, features)``, each returning an
        array broadcastable to ``(n_out, B)`` in the scenario's payoff unit (features
        are columns ``(n_out, 1)``, batched parameters rows ``(1, B)``).
    regimes : regime names, in plotting order.
    classify : features → regime index per outcome, shape (n_out,).
    params_cls : the scenario's parameter dataclass.
    types : optional :class:`sim.engine.bayes.TypeSpec` — an actor of uncertain type.
    focal_regime : the regime whose probability figures draw (one of ``regimes``), or
        None (no probability panels).
    domestic : optional :class:`sim.bargain.domestic.DomesticSpec` — an actor whose move
        is a domestic bargain (the two-level game).
    """

    name: str
    actors: tuple[Actor, ...]
    move_order: tuple[int, ...]
    available: Callable[[int, Mapping[str, str]], tuple[str, ...]]
    features: Callable[[np.ndarray], Features]
    terms: Mapping[str, tuple[PayoffTerm, ...]]
    regimes: tuple[str, ...]
    classify: Callable[[Features], np.ndarray]
    params_cls: type
    types: object = None
    focal_regime: str | None = None
    domestic: object = None

    @property
    def players(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.actors)

    @property
    def n_actions(self) -> tuple[int, ...]:
        return tuple(len(a.actions) for a in self.actors)

    @cached_property
    def sequential(self) -> "SequentialForm":
        return _sequential_form(self)

    @cached_property
    def simultaneous(self) -> "SimultaneousForm":
        return _simultaneous_form(self)

    def outcome_payoffs(self, params, features: Features) -> np.ndarray:
        """Payoffs over an outcome set, shape (B, n_out, N); B = 1 for scalar params.

        ``features`` are arrays of shape (n_out,) or (n_out, 1).
        """
        cols = {k: np.reshape(v, (-1, 1)) for k, v in features.items()}
        return np.moveaxis(self.payoffs_batch_last(params, cols), -1, 0)

    def payoffs_batch_last(self, params, columns: Features, plan: "TermPlan | None" = None) -> np.ndarray:
        """Payoffs, shape (n_out, N, B) (a view of a player-first array), from feature
        columns of shape (n_out, 1).

        With a ``plan`` (:func:`term_plan` of these columns; the sequential and
        simultaneous forms carry theirs) each actor's payoff is computed once per
        distinct combination of the features its terms read, and gathered back: every
        element is the same float either way (each actor's terms summed in order from
        zeros), at a fraction of the memory traffic.
        """
        n_out = len(next(iter(columns.values())))
        totals = []
        for i, actor in enumerate(self.actors):
            terms = self.terms.get(actor.name, ())
            if plan is None:
                totals.append(_sum_terms(terms, params, [columns] * len(terms), n_out, None))
            else:
                inverse, n_rows, per_term = plan[i]
                totals.append((_sum_terms(terms, params, [r for r, _ in per_term], n_rows,
                                          [g for _, g in per_term]), inverse))
        # a swept parameter no payoff term uses still sets the batch size
        shapes = [(t[0] if isinstance(t, tuple) else t).shape[1] for t in totals]
        n_batch = max(batch_size(params), *shapes)
        out = np.empty((len(totals), n_out, n_batch))  # player first: each actor's rows contiguous
        for i, t in enumerate(totals):
            if not isinstance(t, tuple):
                out[i] = t
            elif t[0].shape[1] == n_batch:
                np.take(t[0], t[1], axis=0, out=out[i], mode="clip")  # indices are valid: no checks
            else:
                out[i] = t[0][t[1]]
        return np.moveaxis(out, 0, 1)  # (n_out, N, B), a view


def _sum_terms(terms, params, columns_per_term, n_rows: int, gathers) -> np.ndarray:
    """Σ term(params, columns), in order from zeros, shape (n_rows, 1) or (n_rows, B);
    with ``gathers``, term k is evaluated on its own rows and gathered by ``gathers[k]``."""
    total = np.zeros((n_rows, 1))
    for k, term in enumerate(terms):
        value = np.asarray(term(params, columns_per_term[k]), dtype=float)
        if gathers is not None:
            value = value.reshape((1,) * (2 - value.ndim) + value.shape)
            value = np.broadcast_to(value, (int(gathers[k].max()) + 1 if gathers[k].size else 1,
                                            value.shape[1]))[gathers[k]]
        if np.broadcast_shapes(total.shape, value.shape) == total.shape:
            total += value
        else:
            total = total + value
    return total


#: Per actor: for each outcome the index of its distinct row of the features the actor's
#: terms read (n_out,), the number of those rows k, and per term its own distinct rows
#: (columns (k_t, 1)) with, for each of the actor's k rows, the index of its term row.
TermPlan = tuple[tuple[np.ndarray, int, tuple[tuple[Features, np.ndarray], ...]], ...]


class _Recorder(dict):
    """A feature mapping that records which features a term reads."""

    def __init__(self, data):
        super().__init__(data)
        self.read: list[str] = []

    def __getitem__(self, key):
        if key not in self.read:
            self.read.append(key)
        return super().__getitem__(key)


def term_features(term: PayoffTerm, params, columns: Features) -> tuple[str, ...]:
    """The features ``term`` reads, found by calling it on the first outcome only."""
    rec = _Recorder({k: np.asarray(v)[:1] for k, v in columns.items()})
    term(params, rec)
    return tuple(rec.read)


def _distinct(columns: Features, keys: tuple[str, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (k, len(keys)) of the named columns, and each row's index (n,)."""
    if not keys:
        return np.zeros((1, 0)), np.zeros(n, dtype=np.intp)
    table = np.hstack([np.reshape(columns[k], (n, -1))[:, :1] for k in keys])
    rows, inverse = np.unique(table, axis=0, return_inverse=True)
    return rows, inverse.reshape(-1)


def term_plan(sc: "Scenario", columns: Features) -> TermPlan:
    """How to evaluate each actor's payoff of ``sc`` on the distinct rows of the features
    its terms read (found by :func:`term_features` at the default parameters). Terms are
    elementwise in the features, so a value computed on a distinct row and gathered back
    is the same float as one computed at every outcome with that row."""
    n_out = len(next(iter(columns.values())))
    params = sc.params_cls()
    plan = []
    for actor in sc.actors:
        terms = sc.terms.get(actor.name, ())
        reads = [term_features(t, params, columns) for t in terms]
        union = tuple(dict.fromkeys(k for r in reads for k in r))
        rows, inverse = _distinct(columns, union, n_out)
        actor_rows = {k: rows[:, j:j + 1] for j, k in enumerate(union)}
        per_term = []
        for keys in reads:
            t_rows, t_inverse = _distinct(actor_rows, keys, len(rows))
            per_term.append(({k: t_rows[:, j:j + 1] for j, k in enumerate(keys)}, t_inverse))
        plan.append((inverse, len(rows), tuple(per_term)))
    return tuple(plan)


@dataclass(frozen=True)
class SequentialForm:
    """The sequential variant: tree, outcome of each leaf, feature columns, regimes."""

    tree: Tree
    outcomes: np.ndarray  # (n_leaves, n_actors)
    features: Features  # each (n_leaves, 1)
    regime: np.ndarray  # (n_leaves,)
    plan: TermPlan  # how to evaluate the payoff terms on distinct feature rows


@dataclass(frozen=True)
class SimultaneousForm:
    """The simultaneous variant: every profile (C order), features and regimes."""

    shape: tuple[int, ...]  # (n_1, ..., n_N)
    outcomes: np.ndarray  # (n_profiles, n_actors)
    features: Features  # each (n_profiles, 1)
    regime: np.ndarray  # (n_profiles,)
    plan: TermPlan  # how to evaluate the payoff terms on distinct feature rows


def _sequential_form(sc: Scenario) -> SequentialForm:
    index = {a.name: {lab: k for k, lab in enumerate(a.actions)} for a in sc.actors}
    for i, a in enumerate(sc.actors):
        if len(set(a.actions)) != len(a.actions):
            raise ValueError(f"actor {a.name} lists an action twice")

    def rule(history: tuple[str, ...]):
        if len(history) == len(sc.move_order):
            return None
        i = sc.move_order[len(history)]
        done = {sc.actors[j].name: lab for j, lab in zip(sc.move_order, history)}
        labels = tuple(sc.available(i, done))
        unknown = set(labels) - set(index[sc.actors[i].name])
        if unknown:
            raise ValueError(f"{sc.actors[i].name}: unknown actions {sorted(unknown)}")
        return Decision(i, labels)

    tree = tree_from_rule(sc.players, rule)
    outcomes = np.zeros((tree.n_leaves, len(sc.actors)), dtype=int)
    for leaf, hist in enumerate(tree.leaf_histories()):
        for j, lab in zip(sc.move_order, hist):
            outcomes[leaf, j] = index[sc.actors[j].name][lab]
    return SequentialForm(tree, outcomes, *_features_and_regimes(sc, outcomes))


def _simultaneous_form(sc: Scenario) -> SimultaneousForm:
    outcomes = np.array(list(itertools.product(*(range(n) for n in sc.n_actions))), dtype=int)
    return SimultaneousForm(sc.n_actions, outcomes, *_features_and_regimes(sc, outcomes))


def _features_and_regimes(sc: Scenario, outcomes: np.ndarray) -> tuple[Features, np.ndarray, TermPlan]:
    feats = sc.features(outcomes)
    regime = np.asarray(sc.classify(feats), dtype=int)
    columns = {k: np.reshape(v, (-1, 1)) for k, v in feats.items()}
    return columns, regime, term_plan(sc, columns)


def leaf_payoffs(sc: Scenario, params) -> np.ndarray:
    """Leaf payoffs of the sequential variant, shape (B, n_leaves, N)."""
    return np.moveaxis(leaf_payoffs_batch_last(sc, params), -1, 0)


def leaf_payoffs_batch_last(sc: Scenario, params) -> np.ndarray:
    """Leaf payoffs of the sequential variant, shape (n_leaves, N, B)."""
    return sc.payoffs_batch_last(params, sc.sequential.features, sc.sequential.plan)


def actor_payoff_batch_last(sc: Scenario, params, actor: str, columns: Features,
                            n_out: int | None = None) -> np.ndarray:
    """One actor's payoff over an outcome set, bit-identical to its slice of
    :meth:`Scenario.payoffs_batch_last`.

    ``columns`` are feature arrays of shape (n_out, 1) or (n_out, B) (e.g. gathered at
    the leaves a batch of games reaches); the actor's terms are summed in the same order
    from the same zeros, so every element is the same float. ``n_out`` saves looking at
    a column (a lazy mapping then gathers only the features the terms read). Returns
    shape (n_out, 1) or (n_out, B) (the scenario's payoff unit, e.g. $bn/yr),
    broadcastable to (n_out, B).
    """
    if n_out is None:
        n_out = len(next(iter(columns.values())))
    terms = sc.terms.get(actor, ())
    return _sum_terms(terms, params, [columns] * len(terms), n_out, None)


def normal_form(sc: Scenario, params) -> np.ndarray:
    """Payoff tensors of the simultaneous variant, shape (B, N, n_1, ..., n_N)."""
    return np.moveaxis(normal_form_batch_last(sc, params), -1, 0)


def normal_form_batch_last(sc: Scenario, params) -> np.ndarray:
    """Payoff tensors of the simultaneous variant, shape (N, n_1, ..., n_N, B)."""
    flat = sc.payoffs_batch_last(params, sc.simultaneous.features, sc.simultaneous.plan)  # (n_prof, N, B)
    u = np.ascontiguousarray(np.moveaxis(flat, 1, 0))  # (N, n_prof, B): a view of the contiguous result
    return u.reshape(len(sc.actors), *sc.simultaneous.shape, flat.shape[-1])
