"""Subgame-perfect equilibrium of the sequential variant, by backward induction."""

from __future__ import annotations

import numpy as np

from sim.engine.lazy_tree import solve_spe_lazy, supports
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.params import take_points
from sim.engine.tree import backward_induction_batch_last, decisive_ties_on_path
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import Columns, labels, slug


def solve_spe(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """Subgame-perfect equilibrium of the sequential variant, per parameter point.

    Columns: ``spe_regime``; ``spe_<actor>`` (action label on the path);
    ``spe_payoff_<actor>`` ($bn/yr); ``spe_tie_on_path`` (a tie the tie-break decides:
    the tied actions give some player different payoffs), ``spe_tie_regime`` (... and
    different regimes), from :func:`tie_flags`; ``spe_unique`` (no tie anywhere). Solved by
    :func:`sim.engine.lazy_tree.solve_spe_lazy` (only the mover's payoffs, at the leaves
    reached; bit-identical to full backward induction, which trees it cannot take use).
    """
    form = sc.sequential
    if supports(form.tree):
        res = solve_spe_lazy(sc, params)
    else:
        res = backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, params))
    leaf = res.path_leaf
    out: Columns = {"spe_regime": labels(form.regime[leaf], sc.regimes)}
    for j, actor in enumerate(sc.actors):
        out[f"spe_{slug(actor.name)}"] = labels(form.outcomes[leaf, j], actor.actions)
    for j, actor in enumerate(sc.actors):
        out[f"spe_payoff_{slug(actor.name)}"] = res.root_payoffs[:, j].copy()  # a view would pin `values`
    out["spe_tie_on_path"], out["spe_tie_regime"] = tie_flags(sc, params, res.tie_on_path)
    out["spe_unique"] = ~res.tie_anywhere
    return out


def tie_flags(sc: Scenario, params, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which ties on the path decide something (docs/model.md §5, tie policy), each (B,) bool.

    ``raw`` flags any tie on the path, including ties between payoff-equivalent actions
    (e.g. two demands the US answers alike), which change no one's payoff. The games with
    one are solved again with every node's values (full backward induction, only for
    those) and :func:`sim.engine.tree.decisive_ties_on_path` keeps the ties whose tied
    actions give some player different payoffs, and those that give different regimes.
    """
    payoff, regime = np.zeros_like(raw), np.zeros_like(raw)
    games = np.flatnonzero(raw)
    if games.size:
        form = sc.sequential
        sub = backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, take_points(params, games)))
        payoff[games] = decisive_ties_on_path(form.tree, sub)
        regime[games] = decisive_ties_on_path(form.tree, sub, regime=form.regime)
    return payoff, regime


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
        Column("spe_tie_on_path", "bool", "a tie on the path between actions that give some player different payoffs"),
        Column("spe_tie_regime", "bool", "a tie on the path between actions that lead to different regimes"),
        Column("spe_unique", "bool", "no payoff tie anywhere in the tree: the SPE is unique"),
    ),
    regime_column="spe_regime",
    sensitivity_outcome="the 0/1 indicator of each subgame-perfect regime",
)
