"""The two-level game: one actor's move decided by a domestic bargain, solved exactly and
batched over parameter points.

Backward induction over the tree, deepest nodes first, with a behaviour strategy at every
node (a probability over its children, shape (k, B)):

* nodes below the domestic actor (the US moves after Iraq): the mover's first best reply,
  as in the subgame-perfect equilibrium;
* the domestic actor's nodes: the probabilistic Condorcet election
  (:func:`sim.bargain.pce.pce`) among its members, each valuing a child by its weighting of
  the state-payoff components carried up from the child's continuation;
* nodes above it (Russia, Iran): a best reply to the expected values (first best; ``lam``
  None), or a logit quantal reply at rationality ``lam``.

Values carried up are expectations: each node's value is the mix of its children's values
by its behaviour strategy. The loop runs over tree depths, never over games.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.bargain.domestic import DomesticSpec
from sim.bargain.pce import pce
from sim.engine.equilibrium import ATOL
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.tree import Tree, depth_levels


@dataclass(frozen=True)
class TwoLevel:
    """Result of the two-level game on a batch of B points sharing one tree.

    Attributes
    ----------
    values : (n_nodes, N, B) expected payoff of each node to each player ($bn/yr).
    sigma : (n_nodes, k_max, B) behaviour strategy at each node (0 on padding and leaves).
    reach : (n_nodes, B) probability of reaching each node.
    vote_consequence : (n_nodes, B) share of the present seats voting for the motion on
        its consequences (what follows in equilibrium), at the domestic actor's nodes (NaN
        elsewhere).
    vote_principle : (n_nodes, B) the same, voting on the principle (the motion carried
        out with nothing else changed, against the status quo).
    tie : (n_nodes, B) a best-reply node where several children were within ``atol``.
    domestic_nodes : (m,) the domestic actor's nodes.
    member_utility : (m, B, K, k) each member's utility of each child of those nodes ($bn/yr).
    principle_gain : (m, B, K) each member's gain from the motion carried out, all else unchanged.
    """

    values: np.ndarray
    sigma: np.ndarray
    reach: np.ndarray
    vote_consequence: np.ndarray
    vote_principle: np.ndarray
    tie: np.ndarray
    domestic_nodes: np.ndarray
    member_utility: np.ndarray
    principle_gain: np.ndarray
    root_components: np.ndarray | None = None  #: (C, B) the components' expected values at the root

    def leaf_probabilities(self, tree: Tree) -> np.ndarray:
        """Probability of each leaf, shape (n_leaves, B)."""
        return self.reach[tree.leaves]


def leaf_components_batch_last(spec: DomesticSpec, features, params) -> np.ndarray:
    """The state-payoff components at every outcome, shape (n_out, C, B) ($bn/yr);
    ``features`` are columns (n_out, 1)."""
    n_out = len(next(iter(features.values())))
    parts = [np.asarray(x, dtype=float) for x in spec.components(params, features)]
    n_batch = max(x.shape[-1] if x.ndim == 2 else 1 for x in parts)
    out = np.empty((n_out, len(parts), n_batch))
    for c, part in enumerate(parts):
        out[:, c] = part.reshape(part.shape if part.ndim == 2 else (-1, 1)) if part.ndim else part
    return out


def solve_two_level(sc: Scenario, params, *, lam: float | None = None, victory: str = "linear",
                    model: str = "conditional", atol: float = ATOL) -> TwoLevel:
    """The two-level game of ``sc`` (which declares ``sc.domestic``) at a batch of points.

    Parameters
    ----------
    sc : scenario with a :class:`DomesticSpec` in ``sc.domestic``.
    params : its parameter dataclass, leaves floats or rows (1, B).
    lam : None: movers above the domestic actor best-reply; else their logit rationality
        (1/($bn/yr)).
    victory, model : the PCE's victory function and model (:func:`sim.bargain.pce.pce`).
    atol : best replies within ``atol`` count as tied; the first wins.
    """
    payoffs = leaf_payoffs_batch_last(sc, params)  # (n_leaves, N, B)
    comps = leaf_components_batch_last(sc.domestic, sc.sequential.features, params)  # (n_leaves, C, B)
    return two_level_on_leaves(sc, params, payoffs, comps, lam=lam, victory=victory, model=model, atol=atol)


def two_level_on_leaves(sc: Scenario, params, payoffs: np.ndarray, comps: np.ndarray, *, lam=None,
                        victory: str = "linear", model: str = "conditional", atol: float = ATOL,
                        logit_below: bool = False) -> TwoLevel:
    """:func:`solve_two_level` on given leaf payoffs (n_leaves, N, B) and state-payoff
    components (n_leaves, C, B) (the dynamic game adds continuation values to both);
    ``params`` give the members' weights, clout and seats. With ``logit_below`` the movers
    below the domestic actor also play the logit quantal reply at ``lam`` (every leaf then
    has a probability). ``values`` of the result hold the players' payoffs; the components'
    values at the root are ``root_components`` (C, B)."""
    spec: DomesticSpec = sc.domestic
    form = sc.sequential
    tree = form.tree
    n_batch = max(payoffs.shape[2], comps.shape[2])
    n_players, n_comp = payoffs.shape[1], comps.shape[1]
    vals = np.zeros((tree.n_nodes + 1, n_players + n_comp, n_batch))
    vals[tree.leaves, :n_players] = payoffs
    vals[tree.leaves, n_players:] = comps
    domestic = sc.players.index(spec.actor)
    depth = tree.depth()
    dom_depth = int(depth[tree.node_player == domestic].min())
    weights = _rows(spec.weights(params), n_batch)  # (B, K, C)
    clout = _rows(spec.clout(params), n_batch)  # (B, K)
    seats = _rows(spec.seats(params), n_batch) * _rows(spec.present(params), n_batch)  # (B, K) present votes
    k_max = max(len(c) for c in tree.children)
    sigma = np.zeros((tree.n_nodes, k_max, n_batch))
    tie = np.zeros((tree.n_nodes, n_batch), dtype=bool)
    vote = np.full((tree.n_nodes, n_batch), np.nan)
    principle = np.full((tree.n_nodes, n_batch), np.nan)
    for level in depth_levels(tree):
        for mover in np.unique(level.mover):
            rows = np.flatnonzero(level.mover == mover)
            nodes, kids, valid = level.nodes[rows], level.kids[rows], level.valid[rows]
            if mover == domestic:
                util = _utilities(vals[:, n_players:], kids, weights)  # (m, B, K, k)
                sig = _bargain(util, valid, clout, victory, model)
                vote[nodes] = _vote(tree, util, nodes, valid, seats, spec)
                gain = _principle_gain(sc, comps, nodes, weights)
                principle[nodes] = _share(gain > 0, seats)
                dom_parts = (nodes, util, gain)
            else:
                own = vals[kids, mover]  # (m, k, B)
                if lam is not None and (depth[nodes[0]] < dom_depth or logit_below):
                    sig = _logit(own, valid, lam)
                else:
                    sig, tie[nodes] = _first_best(own, valid, atol)
            sigma[nodes, : sig.shape[1]] = sig
            vals[nodes] = np.einsum("mkb,mkpb->mpb", sig, vals[kids])
    reach = _reach(tree, sigma)
    return TwoLevel(vals[: tree.n_nodes, :n_players], sigma, reach, vote, principle, tie, *dom_parts,
                    root_components=vals[0, n_players:])


def _rows(a: np.ndarray, n_batch: int) -> np.ndarray:
    """``a`` (1 or B, ...) broadcast to (B, ...)."""
    a = np.asarray(a, dtype=float)
    return np.broadcast_to(a, (n_batch,) + a.shape[1:])


def _utilities(comp_vals: np.ndarray, kids: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Members' utilities of each child, shape (m, B, K, k): Σ_c weights[b,K,c] comp[kid,c,b]."""
    comps = comp_vals[kids]  # (m, k, C, B)
    return np.einsum("bac,mkcb->mbak", weights, comps)


def _bargain(util: np.ndarray, valid: np.ndarray, clout: np.ndarray, victory: str, model: str) -> np.ndarray:
    """PCE at the domestic nodes from members' utilities (m, B, K, k), shape (m, k, B);
    nodes with the same options solved at once."""
    m, n_batch, n_members, width = util.shape
    out = np.zeros((m, width, n_batch))
    widths = valid.sum(axis=1)
    for w in np.unique(widths):
        sel = np.flatnonzero(widths == w)  # children are padded at the end
        u = util[sel][..., :w].reshape(len(sel) * n_batch, n_members, w)
        c = np.broadcast_to(clout, (len(sel), n_batch, n_members)).reshape(-1, n_members)
        p = pce(u, c, victory=victory, model=model).reshape(len(sel), n_batch, w)
        out[sel, :w] = p.transpose(0, 2, 1)
    return out


def _vote(tree, util: np.ndarray, nodes, valid, seats, spec: DomesticSpec) -> np.ndarray:
    """Share of present seats preferring the motion at each domestic node, shape (m, B):
    a member votes for it when its best motion option beats its best other option."""
    width = util.shape[-1]
    motion = np.array([[spec.motion(tree.actions[v][j]) if j < len(tree.actions[v]) else False
                        for j in range(width)] for v in nodes])  # (m, k)
    yes_opts = np.where((motion & valid)[:, None, None, :], util, -np.inf).max(axis=-1)
    no_opts = np.where((~motion & valid)[:, None, None, :], util, -np.inf).max(axis=-1)
    return _share(yes_opts > no_opts, seats)


def _share(yes: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Share of the present seats (B, K) held by members voting yes (m, B, K), shape (m, B)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("mbk,bk->mb", yes.astype(float), seats) / seats.sum(axis=1)


def _principle_gain(sc: Scenario, comps: np.ndarray, nodes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each member's gain from the motion carried out rather than the status quo, all else
    unchanged (``sc.domestic.principle``), at each domestic node, shape (m, B, K)."""
    tree = sc.sequential.tree
    yes_leaf = [tree.leaf_index[_walk(tree, sc.players, v, sc.domestic.principle[0])] for v in nodes]
    no_leaf = [tree.leaf_index[_walk(tree, sc.players, v, sc.domestic.principle[1])] for v in nodes]
    return np.einsum("bac,mcb->mba", weights, comps[yes_leaf] - comps[no_leaf])


def member_utilities(res: TwoLevel, node: int, game: int = 0) -> np.ndarray:
    """Members' utilities of the children of domestic node ``node`` in game ``game``, (K, k)."""
    i = int(np.flatnonzero(res.domestic_nodes == node)[0])
    return res.member_utility[i, game]


def _walk(tree: Tree, players: tuple[str, ...], node: int, labels) -> int:
    """The node reached from ``node`` playing ``labels[player]`` at every decision."""
    while tree.children[node]:
        node = tree.children[node][tree.actions[node].index(labels[players[tree.node_player[node]]])]
    return node


def _first_best(own: np.ndarray, valid: np.ndarray, atol: float) -> tuple[np.ndarray, np.ndarray]:
    """One-hot first best reply (m, k, B) and whether it was tied (m, B)."""
    own = np.where(valid[:, :, None], own, -np.inf)
    is_best = own >= own.max(axis=1, keepdims=True) - atol
    pick = is_best.argmax(axis=1)  # (m, B)
    sig = (np.arange(own.shape[1])[None, :, None] == pick[:, None, :]).astype(float)
    return sig, is_best.sum(axis=1) > 1


def _logit(own: np.ndarray, valid: np.ndarray, lam: float) -> np.ndarray:
    """Logit quantal reply (m, k, B) at rationality ``lam``."""
    z = np.where(valid[:, :, None], lam * own, -np.inf)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _reach(tree: Tree, sigma: np.ndarray) -> np.ndarray:
    """Probability of reaching each node, shape (n_nodes, B), parents before children."""
    reach = np.zeros((tree.n_nodes, sigma.shape[2]))
    reach[0] = 1.0
    for level in reversed(depth_levels(tree)):  # shallowest first
        for j in range(level.kids.shape[1]):
            ok = level.valid[:, j]
            reach[level.kids[ok, j]] = reach[level.nodes[ok]] * sigma[level.nodes[ok], j]
    return reach
