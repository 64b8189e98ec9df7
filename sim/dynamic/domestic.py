"""The dynamic game with Iraq's move decided by its parliament's blocs and prime minister
(docs/model.md §9, "The two-level Iraq"; the stage game of §8 every quarter).

The same backward induction as :func:`sim.dynamic.game.solve_dynamic`, with the stage
solved as the two-level game (:func:`sim.bargain.two_level.two_level_on_leaves`): at Iraq's
nodes the blocs and the prime minister bargain (KTAB's PCE) over the options, each member
valuing an option by its weighting of Iraq's state-payoff components; Russia, Iran and the
US play logit quantal replies at rationality λ, so every leaf has a probability. The
components carry continuation values as the players' payoffs do: a member values what an
option leads to in later quarters, discounted, not only this quarter's payoff. Members'
weights, clout and seats are those of the quarter (the governments and the 2021 parliament
are dated shocks of the scenario, :data:`sim.scenarios.DYNAMIC_SHOCKS`).
"""

from __future__ import annotations

import numpy as np

from sim.bargain.two_level import leaf_components_batch_last, two_level_on_leaves
from sim.dynamic.calendar import Calendar
from sim.dynamic.game import (POSTURES, QUARTER_SHARE, Dynamic, from_state, moves, posture_codes,
                              quarter_leaf_payoffs, stage_params)
from sim.engine.params import batch_size
from sim.engine.scenario import Scenario


def solve_dynamic_two_level(sc: Scenario, params, cal: Calendar, *, lam, discount: float = 0.98,
                            adjust_cost=0.5) -> Dynamic:
    """The logit dynamic game of ``sc`` (a scenario with ``sc.domestic``) over ``cal``'s
    quarters; ``lam`` (1/$bn) and ``adjust_cost`` ($bn per unit of troop level) are floats
    or shape (B,). Returns :class:`~sim.dynamic.game.Dynamic` with ``probs`` set."""
    if sc.domestic is None:
        raise ValueError(f"scenario {sc.name} has no domestic actor; use sim.dynamic.game.solve_dynamic")
    tree, post = sc.sequential.tree, posture_codes(sc)
    n_batch = max(batch_size(params), np.size(lam), np.size(adjust_cost))
    lam = np.broadcast_to(np.asarray(lam, dtype=float).reshape(-1), (n_batch,))
    move = moves(params, post, n_batch)
    n_s, n_p = len(POSTURES), len(sc.players)
    n_c = len(sc.domestic.components(stage_params(params, cal, 0), sc.sequential.features))
    values = np.zeros((cal.n + 1, n_s, n_p + n_c, n_batch))
    probs = np.zeros((cal.n, n_s, tree.n_leaves, n_batch))
    for t in reversed(range(cal.n)):
        p_t = stage_params(params, cal, t)
        quarter = quarter_leaf_payoffs(sc, params, cal, t, values[t + 1, :, :n_p], discount=discount, n_batch=n_batch)
        comps = QUARTER_SHARE * leaf_components_batch_last(sc.domestic, sc.sequential.features, p_t)
        comps = comps + discount * values[t + 1, :, n_p:][post]  # (L, C, B)
        for s in range(n_s):
            res = two_level_on_leaves(sc, p_t, from_state(sc, quarter, s, adjust_cost, move), comps, lam=lam,
                                      logit_below=True)
            probs[t, s] = res.reach[tree.leaves]
            values[t, s, :n_p], values[t, s, n_p:] = res.values[0], res.root_components
    return Dynamic(values[: cal.n, :, :n_p], post, probs, None)
