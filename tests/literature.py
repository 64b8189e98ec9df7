"""Shared helpers of the literature checks (tests/test_literature.py on version 1,
tests/test_literature_model2.py on Model 2): uniform draws over the documented ranges,
the game without threats, the subgame-perfect path of a batch, the US's answer to an
Iraqi action off the path, and the perfect Bayesian path of the uncertain-resolve
variant. Every helper takes the scenario (or its parameter class) as an argument.

Both scenarios share the actor order (Russia, Iran, Iraq, US) and the move order; the
helpers look the actors up by name all the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import numpy as np

from sim.engine.bayes import bayes_form, type_params
from sim.engine.params import batch, batch_size, iter_params, take_points
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.tree import (CHANCE, BackwardInduction, Tree, backward_induction_batch_last,
                             reach_probabilities)


def uniform_draws(params_cls: type, n: int, seed: int):
    """``n`` parameter points of ``params_cls``, each parameter uniform over its
    documented [low, high]; a batch whose leaves have shape (1, n)."""
    rng = np.random.default_rng(seed)
    return batch(params_cls(), {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(params_cls)})


def without_threats(sc: Scenario, accommodating: Callable[[str], bool]) -> Scenario:
    """The same scenario with the US restricted to its actions for which
    ``accommodating(label)`` holds: no threat exists (the other movers are unchanged)."""
    us = sc.players.index("US")

    def available(actor: int, history) -> tuple[str, ...]:
        actions = sc.available(actor, history)
        return tuple(a for a in actions if accommodating(a)) if actor == us else actions

    return dataclasses.replace(sc, name=f"{sc.name}_without_threats", available=available)


def coerced(f: dict, keys: Iterable[str]) -> np.ndarray:
    """Any coercion step among the feature ``keys`` (e.g. ``("sanctioned",)`` in
    version 1; ``("waiver", "targeted", "severe")`` in Model 2), bool, shape of a feature."""
    return np.logical_or.reduce([np.asarray(f[k]) > 0 for k in keys])


def bought(f: dict) -> np.ndarray:
    """Iraq fields a Russian system, bool, shape of a feature."""
    return (f["bought_s300"] + f["bought_s400"]) > 0


@dataclasses.dataclass(frozen=True)
class Path:
    """The SPE of a batch of B draws: ``choice`` (B, n_nodes) per decision node,
    ``outcome`` (B, n_actors) action index of each actor on the path, ``f`` the path's
    outcome features (each shape (B,)), ``tie`` (B,) a tie decided an action on the
    path, ``result`` the engine's backward induction (for
    :func:`sim.engine.tree.decisive_ties_on_path`), ``regime`` (n_leaves,) the regime of
    each leaf."""

    tree: Tree
    choice: np.ndarray
    outcome: np.ndarray
    f: dict
    tie: np.ndarray
    result: BackwardInduction
    regime: np.ndarray


def solve_path(sc: Scenario, params) -> Path:
    """Subgame-perfect path of every draw, by backward induction over the batch."""
    form = sc.sequential
    res = backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, params))
    leaf = res.path_leaf
    f = {k: v[leaf, 0] for k, v in form.features.items()}
    return Path(form.tree, res.choice, form.outcomes[leaf], f, res.tie_on_path, res, form.regime)


def node_after(tree: Tree, history: tuple[str, ...]) -> int:
    """Node id reached from the root by the action labels ``history``."""
    v = 0
    for label in history:
        v = tree.children[v][tree.actions[v].index(label)]
    return v


def us_response_to(sc: Scenario, path: Path, iraq_action: str) -> np.ndarray:
    """The US's SPE response (action index, shape (B,)) had Iraq played ``iraq_action``
    after the path's Russian offer and Iranian move: the threat Iraq faced.
    ``iraq_action`` must be open after every offer (not a purchase)."""
    russia, iran, iraq = (sc.players.index(a) for a in ("Russia", "Iran", "Iraq"))
    offers, moves = sc.actors[russia].actions, sc.actors[iran].actions
    nodes = np.array([[node_after(path.tree, (r, i, iraq_action)) for i in moves] for r in offers])
    rows = np.arange(len(path.outcome))
    return path.choice[rows, nodes[path.outcome[:, russia], path.outcome[:, iran]]]


@dataclasses.dataclass(frozen=True)
class BayesPath:
    """Uncertain US resolve (committed with prior pi, else bluffing), B draws.

    ``reach`` (B, n_leaves) probability of each leaf of the deferred-chance tree;
    ``f`` features of each leaf (n_leaves,); ``committed`` (n_leaves,) the leaf follows
    the committed type; ``iraq_expected`` (B,) Iraq's equilibrium payoff ($bn/yr) before
    nature's draw; ``iraq_if_committed`` (B,) its payoff when the US is committed.
    """

    reach: np.ndarray
    f: dict
    committed: np.ndarray
    iraq_expected: np.ndarray
    iraq_if_committed: np.ndarray


def solve_bayes_path(sc: Scenario, params, chunk: int = 4000) -> BayesPath:
    """Perfect Bayesian equilibrium of the uncertain-resolve variant (as
    :func:`sim.solvers.bayes.solve_bayes` computes it), keeping leaf reach and types.
    Solved ``chunk`` draws at a time (each draw is its own game): the leaf payoffs of
    Model 2's 1,152-leaf tree take 37 kB a draw."""
    parts = [_bayes_chunk(sc, take_points(params, slice(i, i + chunk)))
             for i in range(0, batch_size(params), chunk)]
    first = parts[0]
    return BayesPath(np.concatenate([b.reach for b in parts]), first.f, first.committed,
                     np.concatenate([b.iraq_expected for b in parts]),
                     np.concatenate([b.iraq_if_committed for b in parts]))


def _bayes_chunk(sc: Scenario, params) -> BayesPath:
    """:func:`solve_bayes_path` on one batch, in one pass."""
    spec, iraq = sc.types, sc.players.index("Iraq")
    form = bayes_form(sc, spec)
    cols = {k: np.reshape(v, (-1, 1)) for k, v in sc.features(form.outcomes).items()}
    per_type = [sc.payoffs_batch_last(type_params(params, spec, t), cols) for t in range(2)]
    committed = form.leaf_type == 0
    lp = np.where(committed[:, None, None], per_type[0], per_type[1])  # (n_leaves, N, B)
    pi = np.asarray(params.us.committed_prior, dtype=float).ravel()
    probs = np.zeros((form.tree.n_nodes, max(len(c) for c in form.tree.children), pi.size))
    chance = np.flatnonzero(form.tree.node_player == CHANCE)
    probs[chance, 0], probs[chance, 1] = pi, 1.0 - pi
    res = backward_induction_batch_last(form.tree, lp, chance_probs=probs)
    reach = reach_probabilities(form.tree, res.choice, probs)
    iraq_leaf = lp[:, iraq].T  # (B, n_leaves)
    if_committed = (reach * committed * iraq_leaf).sum(axis=1) / pi
    f = {k: np.asarray(v, dtype=float) for k, v in sc.features(form.outcomes).items()}
    return BayesPath(reach, f, committed, res.root_payoffs[:, iraq], if_committed)
