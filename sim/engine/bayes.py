"""Uncertain resolve: a last mover of unknown type, solved exactly (Harsanyi).

A :class:`TypeSpec` says that one actor — the last to move in the sequential variant —
is of one of several types, with a prior over them held by everyone else, and how each
type's payoffs differ (parameter overrides). For the Iraq scenario: the US is
*committed* (values punishing a violation at ``us.credibility``) with prior probability
``us.committed_prior``, else *bluffing* (values it at ``us.bluff_credibility``).

Why deferring nature's move is exact. The Harsanyi game has a chance move at the root
choosing the type, seen only by the typed actor. Because that actor moves last and has
no earlier move, no other player ever observes anything that depends on the type: every
information set of the others contains the same histories under every type, so
consistent beliefs there equal the prior. The game is therefore strategically equivalent
to one in which nature draws the type just before the typed actor's move, a
perfect-information tree with chance nodes, whose backward-induction solution is the
perfect Bayesian (indeed sequential) equilibrium: each type best-responds at its own
nodes, and every earlier mover best-responds to the prior-weighted continuation. Pure
strategies suffice (generic payoffs; ties broken as in :mod:`sim.engine.tree`). The code
refuses a typed actor that is not the last mover, where this argument fails.

The prior varies over a sweep, so chance probabilities are passed per game.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.engine.params import get_value, replace_values
from sim.engine.scenario import Scenario
from sim.engine.tree import Chance, Decision, Tree, tree_from_rule


@dataclass(frozen=True)
class TypeSpec:
    """Types of one actor: names, the parameter holding the first type's prior
    probability (two types), and per-type parameter overrides (target ← source)."""

    actor: str
    names: tuple[str, ...]
    prior: str
    overrides: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class BayesForm:
    """The deferred-chance tree and, per leaf, its outcome row and type."""

    tree: Tree
    outcomes: np.ndarray  # (n_leaves, n_actors)
    leaf_type: np.ndarray  # (n_leaves,)
    regime: np.ndarray  # (n_leaves,)


_FORMS: dict = {}


def bayes_form(sc: Scenario, spec: TypeSpec) -> BayesForm:
    """The sequential tree with nature choosing ``spec.actor``'s type just before it moves."""
    key = (sc.name, spec.actor, spec.names)
    if key not in _FORMS:
        _FORMS[key] = _build_form(sc, spec)
    return _FORMS[key]


def _build_form(sc: Scenario, spec: TypeSpec) -> BayesForm:
    actor = sc.players.index(spec.actor)
    if sc.move_order[-1] != actor:
        raise ValueError(f"{spec.actor} must move last for the deferred-chance solution to be exact")
    depth = len(sc.move_order)
    prior = (1.0,) + (0.0,) * (len(spec.names) - 1)  # placeholder; the sweep passes real priors

    def rule(h):
        if len(h) < depth - 1:
            i = sc.move_order[len(h)]
            done = {sc.actors[j].name: a for j, a in zip(sc.move_order, h)}
            return Decision(i, tuple(sc.available(i, done)))
        if len(h) == depth - 1:
            return Chance(spec.names, prior)
        if len(h) == depth:
            done = {sc.actors[j].name: a for j, a in zip(sc.move_order, h)}
            return Decision(actor, tuple(sc.available(actor, done)))
        return None

    tree = tree_from_rule(sc.players, rule)
    index = {a.name: {lab: k for k, lab in enumerate(a.actions)} for a in sc.actors}
    hist = tree.leaf_histories()
    outcomes = np.zeros((len(hist), len(sc.actors)), dtype=int)
    leaf_type = np.zeros(len(hist), dtype=int)
    for leaf, h in enumerate(hist):
        moves = h[: depth - 1] + h[depth:]
        leaf_type[leaf] = spec.names.index(h[depth - 1])
        for j, lab in zip(sc.move_order, moves):
            outcomes[leaf, j] = index[sc.actors[j].name][lab]
    feats = {k: np.asarray(v) for k, v in sc.features(outcomes).items()}
    return BayesForm(tree, outcomes, leaf_type, np.asarray(sc.classify(feats), dtype=int))


def type_params(params, spec: TypeSpec, t: int):
    """The parameters of type ``t``: ``params`` with that type's overrides applied."""
    over = spec.overrides.get(spec.names[t], {})
    return replace_values(params, {target: get_value(params, source) for target, source in over.items()})
