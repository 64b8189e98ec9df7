"""The dynamic game: Model 2's stage game played every quarter, linked by the US troop
posture, solved by backward induction over the finite horizon (docs/model.md §9).

State: the US posture at the end of the previous quarter, s in {maintain, advisory,
withdraw} (troop level 1, a, 0). Each quarter t every player receives the stage payoff
of the leaf reached (a quarter of the yearly $bn/yr payoffs, under the quarter's
parameters, :mod:`sim.dynamic.calendar`); the US also pays ``adjust_cost`` per unit of
troop level it moves (either way), so the posture it inherits matters. Values carry over
with the quarterly discount factor δ. In quarter t and state s the leaf payoffs of the
stage tree are

    u_t(leaf) / 4 - c_adj |t(leaf) - t(s)| [US] + δ V_{t+1}(posture(leaf)),

and the stage is solved as the logit agent QRE at rationality λ (every action gets a
probability: the back-test's likelihood) or, with ``lam=None``, by backward induction with
the SPE's tie-break (the Markov perfect equilibrium). V_t(s) is the root's value. The loop
runs over quarters and states (12 x 3 stage solves), never over parameter points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.dynamic.calendar import Calendar
from sim.engine.params import batch_size, replace_values
from sim.engine.qre_tree import agent_qre_tree_batch_last
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.tree import backward_induction_batch_last

POSTURES = ("maintain", "advisory", "withdraw")
QUARTER_SHARE = 0.25  #: a quarter's share of a yearly payoff


@dataclass(frozen=True)
class Dynamic:
    """The dynamic game solved on a batch of B parameter points.

    Attributes
    ----------
    values : (T, S, N, B) value of the game from quarter t in state s to each player ($bn).
    posture_of_leaf : (n_leaves,) the state a leaf leads to (index into :data:`POSTURES`).
    probs : QRE: (T, S, n_leaves, B) probability of each stage leaf in quarter t from state
        s; MPE: None (see ``leaf``).
    leaf : MPE: (T, S, B) the leaf played in quarter t from state s; QRE: None.
    """

    values: np.ndarray
    posture_of_leaf: np.ndarray
    probs: np.ndarray | None = None
    leaf: np.ndarray | None = None

    @property
    def leaf_probs(self) -> np.ndarray:
        """(T, S, n_leaves, B) probability of each stage leaf (one-hot for the MPE)."""
        if self.probs is not None:
            return self.probs
        n_t, n_s, n_b = self.leaf.shape
        out = np.zeros((n_t, n_s, len(self.posture_of_leaf), n_b))
        np.put_along_axis(out, self.leaf[:, :, None, :], 1.0, axis=2)
        return out

    def state_path(self, start: int = 0) -> np.ndarray:
        """Probability of each state at the start of each quarter, (T, S, B), from state ``start``."""
        n_t, n_s, _, n_b = self.leaf_probs.shape
        out = np.zeros((n_t, n_s, n_b))
        out[0, start] = 1.0
        for t in range(n_t - 1):
            to_state = np.stack([self.leaf_probs[t][:, self.posture_of_leaf == k].sum(axis=1) for k in range(n_s)],
                                axis=1)  # (S_from, S_to, B)
            out[t + 1] = np.einsum("sb,skb->kb", out[t], to_state)
        return out


def posture_codes(sc: Scenario) -> np.ndarray:
    """The posture each leaf of ``sc``'s tree ends in, shape (n_leaves,)."""
    f = sc.sequential.features
    return np.select([f["maintain"][:, 0] > 0, f["advisory"][:, 0] > 0], [0, 1], default=2)


def troop_levels(params, n_batch: int) -> np.ndarray:
    """Troop level of each posture, shape (S, B): 1, a, 0."""
    a = np.broadcast_to(np.asarray(params.us.advisory_level, dtype=float).reshape(-1), (n_batch,))
    return np.stack([np.ones(n_batch), a, np.zeros(n_batch)])


def stage_params(params, cal: Calendar, t: int):
    """The stage game's parameters in quarter ``t``: ``params`` with the quarter's shocks."""
    return replace_values(params, cal.overrides[t]) if cal.overrides[t] else params


def moves(params, post: np.ndarray, n_batch: int) -> np.ndarray:
    """|t(leaf) - t(s)|, the troop level the US moves to reach each leaf from each state,
    shape (n_leaves, S, B)."""
    levels = troop_levels(params, n_batch)  # (S, B)
    return np.abs(levels[post][:, None, :] - levels[None, :, :])


def quarter_leaf_payoffs(sc: Scenario, params, cal: Calendar, t: int, next_values: np.ndarray, *,
                         discount: float, n_batch: int) -> np.ndarray:
    """The stage tree's leaf payoffs in quarter ``t`` before the US's cost of moving,
    shape (L, N, B) ($bn): u_t(leaf)/4 + δ V_{t+1}(posture(leaf)); ``next_values`` (S, N, B)
    is V_{t+1} (zeros after the last quarter)."""
    post = posture_codes(sc)
    stage = QUARTER_SHARE * np.broadcast_to(leaf_payoffs_batch_last(sc, stage_params(params, cal, t)),
                                            (len(post), len(sc.players), n_batch))
    return stage + discount * next_values[post]  # the next state is the leaf's posture


def from_state(sc: Scenario, quarter: np.ndarray, s: int, adjust_cost, move: np.ndarray) -> np.ndarray:
    """``quarter`` (:func:`quarter_leaf_payoffs`) with the US paying c |t(leaf) - t(s)|
    from state ``s`` (``move`` from :func:`moves`); a new array, (L, N, B)."""
    lp = quarter.copy()
    us = sc.players.index("US")
    cost = np.broadcast_to(np.asarray(adjust_cost, dtype=float).reshape(-1), (lp.shape[2],))
    lp[:, us] = lp[:, us] - cost * move[:, s]
    return lp


def solve_dynamic(sc: Scenario, params, cal: Calendar, *, lam=None, discount: float = 0.98,
                  adjust_cost=0.5) -> Dynamic:
    """Backward induction over ``cal``'s quarters (module docstring).

    Parameters
    ----------
    sc : a Model 2 scenario (its leaves carry the features maintain/advisory/withdraw).
    params : its parameters, leaves floats or rows (1, B).
    lam : None (best replies: the Markov perfect equilibrium) or logit rationality,
        1/$bn, a float or shape (B,).
    discount : δ per quarter, in [0, 1].
    adjust_cost : the US's cost of moving its troop level by 1 ($bn), float or shape (B,).
    """
    tree = sc.sequential.tree
    post = posture_codes(sc)
    n_batch = max(batch_size(params), np.size(lam) if lam is not None else 1, np.size(adjust_cost))
    move = moves(params, post, n_batch)
    n_s, n_p = len(POSTURES), len(sc.players)
    values = np.zeros((cal.n + 1, n_s, n_p, n_batch))
    probs = None if lam is None else np.zeros((cal.n, n_s, tree.n_leaves, n_batch))
    leaf = np.zeros((cal.n, n_s, n_batch), dtype=np.int32) if lam is None else None
    for t in reversed(range(cal.n)):
        quarter = quarter_leaf_payoffs(sc, params, cal, t, values[t + 1], discount=discount, n_batch=n_batch)
        for s in range(n_s):
            lp = from_state(sc, quarter, s, adjust_cost, move)
            if lam is None:
                res = backward_induction_batch_last(tree, lp)
                leaf[t, s], values[t, s] = res.path_leaf, res.root_payoffs.T
            else:
                res = agent_qre_tree_batch_last(tree, lp, lam)
                probs[t, s], values[t, s] = res.leaf_reach.T, res.values[:, 0].T
    return Dynamic(values[: cal.n], post, probs, leaf)
