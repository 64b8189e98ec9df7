"""Subgame-perfect equilibrium of the sequential variant, by backward induction."""

from __future__ import annotations

import numpy as np

from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.tree import backward_induction_batch_last
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import Columns, labels, slug


def solve_spe(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """Subgame-perfect equilibrium of the sequential variant, per parameter point.

    Columns: ``spe_regime``; ``spe_<actor>`` (action label on the path);
    ``spe_payoff_<actor>`` ($bn/yr); ``spe_tie_on_path``; ``spe_unique``.
    """
    form = sc.sequential
    res = backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, params))
    leaf = res.path_leaf
    out: Columns = {"spe_regime": labels(form.regime[leaf], sc.regimes)}
    for j, actor in enumerate(sc.actors):
        out[f"spe_{slug(actor.name)}"] = labels(form.outcomes[leaf, j], actor.actions)
    for j, actor in enumerate(sc.actors):
        out[f"spe_payoff_{slug(actor.name)}"] = res.root_payoffs[:, j].copy()  # a view would pin `values`
    out["spe_tie_on_path"] = res.tie_on_path
    out["spe_unique"] = ~res.tie_anywhere
    return out


SPEC = SolverSpec(
    name="spe",
    title="Sequential game: subgame-perfect equilibrium",
    short_title="Sequential game",
    band_label="Sequential\n(SPE)",
    caption="the subgame-perfect equilibrium of the sequential game",
    solve=lambda sc, params, index, options, runs_sink: solve_spe(sc, params, index),
    columns=(
        Column("spe_regime", "label", "regime on the equilibrium path"),
        Column("spe_{actor}", "label", "the actor's action on the path"),
        Column("spe_payoff_{actor}", "float64", "the actor's payoff on the path ($bn/yr)"),
        Column("spe_tie_on_path", "bool", "a payoff tie decides an action on the path"),
        Column("spe_unique", "bool", "no payoff tie anywhere in the tree: the SPE is unique"),
    ),
    regime_column="spe_regime",
    sensitivity_outcome="the 0/1 indicator of each subgame-perfect regime",
)
