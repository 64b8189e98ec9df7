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

    def payoffs_batch_last(self, params, columns: Features) -> np.ndarray:
        """Payoffs, shape (n_out, N, B), from feature columns of shape (n_out, 1)."""
        n_out = len(next(iter(columns.values())))
        totals = []
        for actor in self.actors:
            total = np.zeros((n_out, 1))
            for term in self.terms.get(actor.name, ()):
                total = total + term(params, columns)
            totals.append(total)
        # a swept parameter no payoff term uses still sets the batch size
        n_batch = max(batch_size(params), *(t.shape[1] for t in totals))
        out = np.empty((n_out, len(totals), n_batch))
        for i, t in enumerate(totals):
            out[:, i] = t
        return out


@dataclass(frozen=True)
class SequentialForm:
    """The sequential variant: tree, outcome of each leaf, feature columns, regimes."""

    tree: Tree
    outcomes: np.ndarray  # (n_leaves, n_actors)
    features: Features  # each (n_leaves, 1)
    regime: np.ndarray  # (n_leaves,)


@dataclass(frozen=True)
class SimultaneousForm:
    """The simultaneous variant: every profile (C order), features and regimes."""

    shape: tuple[int, ...]  # (n_1, ..., n_N)
    outcomes: np.ndarray  # (n_profiles, n_actors)
    features: Features  # each (n_profiles, 1)
    regime: np.ndarray  # (n_profiles,)


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


def _features_and_regimes(sc: Scenario, outcomes: np.ndarray) -> tuple[Features, np.ndarray]:
    feats = sc.features(outcomes)
    regime = np.asarray(sc.classify(feats), dtype=int)
    return {k: np.reshape(v, (-1, 1)) for k, v in feats.items()}, regime


def leaf_payoffs(sc: Scenario, params) -> np.ndarray:
    """Leaf payoffs of the sequential variant, shape (B, n_leaves, N)."""
    return np.moveaxis(leaf_payoffs_batch_last(sc, params), -1, 0)


def leaf_payoffs_batch_last(sc: Scenario, params) -> np.ndarray:
    """Leaf payoffs of the sequential variant, shape (n_leaves, N, B)."""
    return sc.payoffs_batch_last(params, sc.sequential.features)


def normal_form(sc: Scenario, params) -> np.ndarray:
    """Payoff tensors of the simultaneous variant, shape (B, N, n_1, ..., n_N)."""
    return np.moveaxis(normal_form_batch_last(sc, params), -1, 0)


def normal_form_batch_last(sc: Scenario, params) -> np.ndarray:
    """Payoff tensors of the simultaneous variant, shape (N, n_1, ..., n_N, B)."""
    flat = sc.payoffs_batch_last(params, sc.simultaneous.features)  # (n_prof, N, B)
    u = np.ascontiguousarray(np.moveaxis(flat, 1, 0))  # (N, n_prof, B)
    return u.reshape(len(sc.actors), *sc.simultaneous.shape, flat.shape[-1])
