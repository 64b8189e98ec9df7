"""Equilibrium under uncertain resolve: the actor of uncertain type (the scenario's
``types``) is one of two types, nature draws it with the prior, and the others play the
sequential game by backward induction against that draw."""

from __future__ import annotations

import numpy as np

from sim.engine.bayes import TypeSpec, bayes_form, type_params
from sim.engine.params import get_value
from sim.engine.scenario import Scenario
from sim.engine.tree import CHANCE, backward_induction_batch_last, node_reach
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import Columns, labels, slug


def solve_bayes(sc: Scenario, params, index: np.ndarray | None = None, spec: TypeSpec | None = None) -> Columns:
    """Equilibrium outcome distribution under uncertain resolve, per parameter point.

    Columns: ``bayes_prob_<regime>`` (probability of each regime on the equilibrium
    path, over nature's draw of the type), ``bayes_modal_regime``, ``bayes_tie_on_path`` (a
    tie at a decision reached with positive probability), ``bayes_tie_anywhere``.
    """
    spec = spec or sc.types
    form = bayes_form(sc, spec)
    tree = form.tree
    cols = {k: np.reshape(v, (-1, 1)) for k, v in sc.features(form.outcomes).items()}
    per_type = [sc.payoffs_batch_last(type_params(params, spec, t), cols) for t in range(len(spec.names))]
    n_batch = max(p.shape[-1] for p in per_type)
    lp = np.empty((tree.n_leaves, len(sc.actors), n_batch))
    for t, p in enumerate(per_type):
        sel = form.leaf_type == t
        lp[sel] = np.broadcast_to(p, p.shape[:-1] + (n_batch,))[sel]
    pi = np.broadcast_to(np.asarray(get_value(params, spec.prior), dtype=float).reshape(-1), (n_batch,))
    probs = np.zeros((tree.n_nodes, max(1, max(len(c) for c in tree.children)), n_batch))
    chance = np.flatnonzero(tree.node_player == CHANCE)
    probs[chance, 0] = pi
    probs[chance, 1] = 1.0 - pi
    res = backward_induction_batch_last(tree, lp, chance_probs=probs)
    nodes = node_reach(tree, res.choice, probs)  # (n_nodes, B)
    reach = nodes[tree.leaves].T  # (B, n_leaves)
    n_reg = len(sc.regimes)
    regime_prob = reach @ np.eye(n_reg)[form.regime]  # (B, R)
    out: Columns = {f"bayes_prob_{slug(r)}": regime_prob[:, k] for k, r in enumerate(sc.regimes)}
    out["bayes_modal_regime"] = labels(regime_prob.argmax(axis=1), sc.regimes)
    out["bayes_tie_on_path"] = (res.tie & (nodes.T > 0)).any(axis=1)  # a tie where play can go
    out["bayes_tie_anywhere"] = res.tie_anywhere
    return out


SPEC = SolverSpec(
    name="bayes",
    title="Uncertain US resolve: most likely outcome",
    short_title="Uncertain resolve",
    band_label="Uncertain\nresolve",
    caption="the equilibrium under uncertain US resolve (most likely regime; probability of {focal})",
    solve=lambda sc, params, index, options, runs_sink: solve_bayes(sc, params, index),
    columns=(
        Column("bayes_prob_{regime}", "float64", "probability of the regime on the equilibrium path, over nature's draw"),
        Column("bayes_modal_regime", "label", "the most likely regime"),
        Column("bayes_tie_on_path", "bool", "a payoff tie at a decision reached with positive probability"),
        Column("bayes_tie_anywhere", "bool", "a payoff tie anywhere in either type's tree"),
    ),
    regime_column="bayes_modal_regime",
    prob_prefix="bayes_prob_",
    sensitivity_outcome="the probability of each regime under uncertain US resolve",
    requires_types=True,
)
