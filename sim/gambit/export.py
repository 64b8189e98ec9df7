"""Export a scenario's games at one parameter point to Gambit files.

Three games: the simultaneous variant (``.nfg``, :func:`scenario_nfg`), the sequential
variant (a perfect-information ``.efg``, :func:`scenario_efg`) and the sequential game
under uncertain resolve (:func:`bayes_efg`: an ``.efg`` with a chance node for the
typed actor's type just before it moves, the tree :mod:`sim.engine.bayes` solves).
Labelled outcomes name every actor's action and the regime, e.g.
``"Russia S-400, Iran pressure, Iraq advisers+deepen, US advisory+accommodate:
negotiated drawdown"`` (the typed actor with its type: ``"US (bluffing) ..."``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from sim.store.rundir import GAMES_STEM
from sim.gambit import ExtensiveFormGame, NormalFormGame, write_efg, write_nfg
from sim.engine.bayes import TypeSpec, bayes_form, type_params
from sim.engine.params import get_value
from sim.engine.scenario import Scenario, leaf_payoffs, normal_form
from sim.engine.tree import CHANCE


def outcome_label(sc: Scenario, row, regime: int, typed: tuple[str, str] | None = None) -> str:
    """The label of an outcome: each actor's action code, then the regime's name.

    ``row``: each actor's action index, shape (n_actors,); ``regime``: an index into
    ``sc.regimes``; ``typed``: (actor, type name) to name the type of an actor.
    """
    parts = []
    for actor, k in zip(sc.actors, row):
        who = f"{actor.name} ({typed[1]})" if typed is not None and typed[0] == actor.name else actor.name
        parts.append(f"{who} {actor.actions[int(k)]}")
    return f"{', '.join(parts)}: {sc.regimes[int(regime)]}"


def _labels(sc: Scenario, outcomes: np.ndarray, regime: np.ndarray, types=None) -> tuple[str, ...]:
    """:func:`outcome_label` of every row of ``outcomes`` (n_out, n_actors)."""
    return tuple(outcome_label(sc, row, r, None if types is None else types[k])
                 for k, (row, r) in enumerate(zip(outcomes, regime)))


def scenario_nfg(sc: Scenario, params, title: str, labelled: bool = False) -> NormalFormGame:
    """The simultaneous variant at one parameter point (scalar leaves) as a normal-form
    game, payoffs (N, n_1, ..., n_N) in the scenario's unit; ``labelled``: name each
    profile's outcome (:func:`outcome_label`)."""
    form = sc.simultaneous
    return NormalFormGame(
        title=title,
        players=sc.players,
        strategies=tuple(a.actions for a in sc.actors),
        payoffs=normal_form(sc, params)[0],
        outcome_labels=_labels(sc, form.outcomes, form.regime) if labelled else None,
    )


def scenario_efg(sc: Scenario, params, title: str, labelled: bool = False) -> ExtensiveFormGame:
    """The sequential variant at one parameter point (scalar leaves) as a
    perfect-information tree, leaf payoffs (n_leaves, N); ``labelled``: name each leaf's
    outcome (:func:`outcome_label`)."""
    form = sc.sequential
    return ExtensiveFormGame(title=title, tree=form.tree, leaf_payoffs=leaf_payoffs(sc, params)[0],
                             outcome_labels=_labels(sc, form.outcomes, form.regime) if labelled else None)


def bayes_leaf_payoffs(sc: Scenario, params, spec: TypeSpec) -> np.ndarray:
    """Leaf payoffs of the uncertain-resolve tree (:func:`sim.engine.bayes.bayes_form`) at
    one point, shape (n_leaves, N): each leaf's payoffs are those of the type nature drew
    on its path (that type's parameters, :func:`sim.engine.bayes.type_params`)."""
    form = bayes_form(sc, spec)
    cols = {k: np.reshape(v, (-1, 1)) for k, v in sc.features(form.outcomes).items()}
    out = np.empty((form.tree.n_leaves, len(sc.actors)))
    for t in range(len(spec.names)):
        values = sc.payoffs_batch_last(type_params(params, spec, t), cols)[..., 0]  # (n_leaves, N)
        out[form.leaf_type == t] = values[form.leaf_type == t]
    return out


def type_prior(params, spec: TypeSpec) -> tuple[float, ...]:
    """Nature's probabilities of the types at one point: ``(p, 1 - p)`` with ``p`` the
    parameter ``spec.prior`` (two types, as :mod:`sim.engine.bayes` declares them)."""
    if len(spec.names) != 2:
        raise ValueError(f"{spec.actor}: uncertain resolve needs two types, got {len(spec.names)}")
    p = float(np.reshape(get_value(params, spec.prior), -1)[0])
    return (p, 1.0 - p)


def bayes_efg(sc: Scenario, params, title: str, spec: TypeSpec | None = None) -> ExtensiveFormGame:
    """The sequential game under uncertain resolve at one point, labelled: nature draws
    ``spec.actor``'s type (prior ``spec.prior``) just before that actor moves, so every
    type's node is its own; leaf payoffs (n_leaves, N). ``spec`` defaults to the
    scenario's ``types``. Backward induction on this tree is the perfect Bayesian
    equilibrium :mod:`sim.solvers.bayes` reports (the argument is in :mod:`sim.engine.bayes`)."""
    spec = spec or sc.types
    if spec is None:
        raise ValueError(f"scenario {sc.name} has no actor of uncertain type")
    form = bayes_form(sc, spec)
    prior = type_prior(params, spec)
    probs = tuple(prior if kind == CHANCE else p for kind, p in zip(form.tree.node_player, form.tree.probs))
    tree = dataclasses.replace(form.tree, probs=probs)
    types = [(spec.actor, spec.names[t]) for t in form.leaf_type]
    return ExtensiveFormGame(title=title, tree=tree, leaf_payoffs=bayes_leaf_payoffs(sc, params, spec),
                             outcome_labels=_labels(sc, form.outcomes, form.regime, types))


def export_games(sc: Scenario, params, directory: Path, stem: str = GAMES_STEM) -> list[Path]:
    """Write ``<stem>.nfg`` (simultaneous) and ``<stem>.efg`` (sequential); return paths."""
    directory = Path(directory)
    nfg, efg = directory / f"{stem}.nfg", directory / f"{stem}.efg"
    write_nfg(nfg, scenario_nfg(sc, params, f"{sc.name} simultaneous variant, {stem} parameters"))
    write_efg(efg, scenario_efg(sc, params, f"{sc.name} sequential variant, {stem} parameters"))
    return [nfg, efg]
