"""The logit *agent* QRE of a perfect-information game tree (McKelvey & Palfrey 1998;
Signorino 1999), vectorised over a batch of payoff vectors.

Every decision node is a separate agent of its player, so the QRE is found by one
backward pass (logit choice at each node against the expected values of its children,
chance nodes average) and is unique. ``λ`` is in inverse payoff units, as in
:mod:`sim.engine.qre`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.logit import check_lam, softmax, sum_by_regime
from sim.engine.tree import CHANCE, Level, Tree, depth_levels

# ------------------------------------------------------------ agent QRE of a tree


@dataclass(frozen=True)
class AgentQRE:
    """Logit agent QRE of a batch of ``B`` games sharing one tree.

    Attributes
    ----------
    probs : shape (B, n_nodes, k_max); at a decision node the mover's probability of each
        action, at a chance node the chance probabilities, zero at leaves and in the
        padding (``k_max`` = the most children of any node).
    values : shape (B, n_nodes, N); expected payoff of each node to each player when
        everyone plays ``probs`` below it.
    reach : shape (B, n_nodes); probability that play reaches each node.
    leaf_reach : shape (B, n_leaves); probability of each leaf (rows sum to 1).
    """

    probs: np.ndarray
    values: np.ndarray
    reach: np.ndarray
    leaf_reach: np.ndarray

    @property
    def root_payoffs(self) -> np.ndarray:
        """Expected payoffs, shape (B, N)."""
        return self.values[:, 0]


def agent_qre_tree(tree: Tree, leaf_payoffs: np.ndarray, lam) -> AgentQRE:
    """Logit agent quantal response equilibrium of a batch of perfect-information games.

    At each decision node the mover plays action ``a`` with probability
    ``∝ exp(λ · V_mover(child a))``, where ``V`` are expected values under these
    probabilities further down the tree; chance nodes average over their probabilities.
    This is the agent QRE of McKelvey & Palfrey (1998) (the statistical backward
    induction of Signorino 1999); for perfect information it is unique.

    Parameters
    ----------
    tree : the shared game tree.
    leaf_payoffs : array, shape (B, n_leaves, N) (or (n_leaves, N) for one game).
    lam : float, or array of shape (B,) (one λ per game, e.g. for λ sweeps); finite,
        >= 0, in inverse payoff units. ``λ = 0`` gives uniform play at every node.

    Returns
    -------
    AgentQRE (see its attributes). The loop runs over tree depths, never over games.

    Examples
    --------
    >>> from sim.engine.tree import Decision, tree_from_rule
    >>> t = tree_from_rule(("A",), lambda h: Decision(0, ("x", "y")) if not h else None)
    >>> res = agent_qre_tree(t, [[0.0], [1.0]], lam=np.log(3))
    >>> res.leaf_reach.round(6)
    array([[0.25, 0.75]])
    """
    lp = np.asarray(leaf_payoffs, dtype=float)
    if lp.ndim == 2:
        lp = lp[None]
    if lp.ndim != 3 or lp.shape[1:] != (tree.n_leaves, tree.n_players):
        raise ValueError(f"leaf_payoffs must have shape (B, {tree.n_leaves}, {tree.n_players}); got {lp.shape}")
    if not np.all(np.isfinite(lp)):
        raise ValueError("leaf payoffs must be finite")
    return agent_qre_tree_batch_last(tree, lp.transpose(1, 2, 0), check_lam(lam, lp.shape[0]))


def agent_qre_tree_batch_last(tree: Tree, leaf_payoffs: np.ndarray, lam) -> AgentQRE:
    """Kernel of :func:`agent_qre_tree` on leaf payoffs of shape (n_leaves, N, B).

    ``lam``: float or shape (B,). No input checks. Works batch-last; the returned
    arrays are batch-first views.
    """
    n_batch, n_nodes, n_players = leaf_payoffs.shape[2], tree.n_nodes, tree.n_players
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (n_batch,))
    levels = depth_levels(tree)
    k_max = max(1, max(len(c) for c in tree.children))
    values = np.zeros((n_nodes + 1, n_players, n_batch))  # last node: padding
    values[tree.leaves] = leaf_payoffs
    probs = np.zeros((n_nodes + 1, k_max, n_batch))
    for level in levels:  # deepest first
        kid_vals = values[level.kids]  # (m, k, N, B)
        p = _level_probs(level, kid_vals, lam)  # (m, k, B)
        probs[level.nodes, : p.shape[1]] = p
        values[level.nodes] = (p[:, :, None, :] * kid_vals).sum(axis=1)
    reach = _reach(levels, probs, n_nodes)
    return AgentQRE(
        probs=probs[:n_nodes].transpose(2, 0, 1),
        values=values[:n_nodes].transpose(2, 0, 1),
        reach=reach.T,
        leaf_reach=reach[tree.leaves].T,
    )


def _level_probs(level: Level, kid_vals: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Action probabilities at the nodes of one level, shape (m, k, B).

    Decision nodes: logit choice of the mover over its own child values
    (``kid_vals`` shape (m, k, N, B)); chance nodes: their fixed probabilities.
    """
    m, k, _, n_batch = kid_vals.shape
    p = np.empty((m, k, n_batch))
    is_chance = level.mover == CHANCE
    if is_chance.any():
        p[is_chance] = level.probs[is_chance][:, :, None]
    dec = np.flatnonzero(~is_chance)
    if dec.size:
        own = kid_vals[dec[:, None], np.arange(k)[None, :], level.mover[dec][:, None]]  # (md, k, B)
        z = own * lam
        z[~level.valid[dec]] = -np.inf
        p[dec] = softmax(z, axis=1)
    return p


def _reach(levels: list[Level], probs: np.ndarray, n_nodes: int) -> np.ndarray:
    """Probability of reaching each node, shape (n_nodes, B), root first."""
    reach = np.zeros((n_nodes + 1, probs.shape[-1]))
    reach[0] = 1.0
    for level in reversed(levels):  # shallowest first
        k = level.kids.shape[1]
        reach[level.kids] = reach[level.nodes][:, None, :] * probs[level.nodes, :k]
    return reach[:n_nodes]  # padded children all land on the dummy slot n_nodes


def regime_probabilities_tree(leaf_reach: np.ndarray, leaf_regime: np.ndarray, n_regimes: int) -> np.ndarray:
    """Probability of each regime, from the probability of each leaf.

    Parameters
    ----------
    leaf_reach : shape (B, n_leaves); e.g. :attr:`AgentQRE.leaf_reach`.
    leaf_regime : shape (n_leaves,); regime index of each leaf, in ``0..n_regimes-1``.
    n_regimes : number of regimes R.

    Returns
    -------
    array, shape (B, R); rows sum to the rows of ``leaf_reach`` (1).
    """
    return sum_by_regime(np.asarray(leaf_reach, dtype=float), leaf_regime, n_regimes)
