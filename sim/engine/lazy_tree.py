"""Backward induction that evaluates only the mover's payoff, at the leaves reached.

:func:`sim.engine.tree.backward_induction_batch_last` needs every player's payoff at
every leaf, shape (n_leaves, N, B), before it starts. Backward induction only ever
compares the *mover's* payoffs at the leaves its actions lead to, so this solver
propagates, per node and game, the number of the leaf reached under the continuation
choices (int32, one row of B per node of a level) and evaluates at each level only the
mover's payoff terms on the features of those leaves:

* at the level just above the leaves the leaf reached by each action does not depend on
  the game, so features stay columns (n, 1) and the terms broadcast as usual; children
  whose features read by the mover are equal are evaluated once, and nodes whose
  actions lead to equal rows decide once (Model 2's US: 144 rows, not 576; 12 nodes,
  not 48);
* higher up the features are gathered by the (m * k, B) leaf numbers of the level's
  m nodes and k actions (Model 2's Iraq level: 54 x B rows instead of 576 x B);
* at the end every actor's payoff is evaluated at the path leaf only (B values each).

Results are bit-identical to the full solver: payoff terms are elementwise, and the
mover's payoff is summed by :func:`sim.engine.scenario.actor_payoff_batch_last` in the
order and from the zeros :meth:`Scenario.payoffs_batch_last` uses; the tie rule is the
one of :mod:`sim.engine.tree` (the first action within ``atol`` of the best wins; every
tie is recorded). It takes the trees scenarios build (one mover per depth, every leaf
at the last depth, no chance nodes: :func:`supports`); others go to the full solver.

Scenario terms must be elementwise over outcomes (no sums or sorts across outcomes),
which :class:`sim.engine.scenario.Scenario` already asks of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.engine.equilibrium import ATOL
from sim.engine.params import batch_size, take_points
from sim.engine.scenario import Scenario, actor_payoff_batch_last
from sim.engine.tree import TERMINAL, Tree, depth_levels

#: Games solved at once inside :func:`solve_spe_lazy` (bounds its memory when a run's
#: ``chunk_size`` is larger). Measured 1024-8192: equal within noise on Model 2's
#: 200x200 grid, 8192 fastest for version 1 and at 10^6 points (each payoff term costs
#: Python overhead per call); the choice step is blocked by :data:`TILE` instead.
INNER_CHUNK = 8192
#: Games per block of the choice step (:func:`_first_best`): its (g, k, TILE) temporaries
#: stay in cache; 512 measured best of 64-2048 for Model 2's US level (48 x 12 actions).
TILE = 512


@dataclass(frozen=True)
class LazySPE:
    """Subgame-perfect equilibrium of a batch of ``B`` games (fields as in
    :class:`sim.engine.tree.BackwardInduction`).

    Attributes
    ----------
    path_leaf : shape (B,), int; the leaf reached on the equilibrium path.
    root_payoffs : shape (B, N); each player's payoff at that leaf (payoff unit).
    tie_on_path : shape (B,), bool; a tie decides an action on the path.
    tie_anywhere : shape (B,), bool; a tie at any decision node (False: the SPE is unique).
    choice : shape (B, n_nodes), int32; the action chosen at each decision node, -1
        elsewhere; None unless asked for (``full=True``).
    tie : shape (B, n_nodes), bool; a tie at the node; None unless asked for.
    """

    path_leaf: np.ndarray
    root_payoffs: np.ndarray
    tie_on_path: np.ndarray
    tie_anywhere: np.ndarray
    choice: np.ndarray | None = None
    tie: np.ndarray | None = None


@dataclass(frozen=True)
class _Level:
    """The decision nodes at one depth (one mover), deepest level first.

    ``nodes`` (m,): node ids; ``valid`` (m, k): real (not padding) actions;
    ``leaf_kids`` (m, k): leaf numbers of the children at the deepest level (padding:
    leaf 0), else None; ``kid_rows`` (m, k): otherwise, rows of the children in the
    level below (padding: 0).
    """

    mover: int
    nodes: np.ndarray
    valid: np.ndarray
    leaf_kids: np.ndarray | None
    kid_rows: np.ndarray | None


def supports(tree: Tree) -> bool:
    """Whether :func:`solve_spe_lazy` can solve ``tree``: one mover per depth, every leaf
    at the last depth, no chance nodes (the trees :class:`Scenario` builds)."""
    return _plan(tree) is not None


@lru_cache(maxsize=32)
def _plan(tree: Tree) -> tuple[_Level, ...] | None:
    """The levels of ``tree``, deepest first, or None if :func:`supports` is False."""
    out: list[_Level] = []
    lookup = np.zeros(tree.n_nodes, dtype=np.intp)  # node id -> row in its level
    for level in depth_levels(tree):
        movers = set(level.mover.tolist())
        if len(movers) != 1 or min(movers) < 0:
            return None
        safe = np.where(level.valid, level.kids, 0)  # padding points past the last node
        kinds = tree.node_player[safe[level.valid]]
        if not out and (kinds == TERMINAL).all():
            leaf_kids = np.where(level.valid, tree.leaf_index[safe], 0).astype(np.int32)
            out.append(_Level(movers.pop(), level.nodes, level.valid, leaf_kids, None))
        elif out and not (kinds == TERMINAL).any():
            kid_rows = np.where(level.valid, lookup[safe], 0)
            out.append(_Level(movers.pop(), level.nodes, level.valid, None, kid_rows))
        else:
            return None
        lookup[level.nodes] = np.arange(len(level.nodes))
    return tuple(out) if out and out[-1].nodes.tolist() == [0] else None


class _Unplanned(Exception):
    """A payoff term read a feature outside the set its rows were merged on."""


class Gathered(Mapping):
    """Feature arrays at given leaves, gathered on first use: ``rows`` int, shape (r, B)
    or (r, 1), leaf numbers; ``base`` the (n_leaves, 1) feature columns. With
    ``allowed``, reading any other feature raises :class:`_Unplanned`."""

    def __init__(self, base: Mapping[str, np.ndarray], rows: np.ndarray, allowed: frozenset | None = None):
        self._base, self._rows, self._cache = base, rows.astype(np.intp, copy=False), {}
        self._allowed, self.read = allowed, set()

    def __getitem__(self, name: str) -> np.ndarray:
        if self._allowed is not None and name not in self._allowed:
            raise _Unplanned(name)
        self.read.add(name)
        if name not in self._cache:
            self._cache[name] = np.take(self._base[name][:, 0], self._rows)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


@dataclass(frozen=True)
class _Merge:
    """Equal rows evaluated once, at the deepest level (children all leaves).

    Children whose features read by the mover's terms are equal have equal payoffs, and
    nodes whose actions lead to equal rows face the same choice. ``keys``: the features
    the mover's terms read; ``leaves`` (u,): one leaf per distinct row of them;
    ``node_rows`` (d * k,): for each of the d distinct nodes, the row (into ``leaves``)
    of each action; ``node_valid`` (d, k): its real actions; ``node_of`` (m,): the
    distinct node of each node of the level.
    """

    keys: frozenset
    leaves: np.ndarray
    node_rows: np.ndarray
    node_valid: np.ndarray
    node_of: np.ndarray


_MERGES: dict[tuple, _Merge | None] = {}
_MAX_MERGES = 64  # scenarios built on the fly (tests, plug-ins) must not grow it without bound


def _merge_key(sc: Scenario, level: _Level) -> tuple:
    """Merges are found once per tree, level and payoff terms."""
    return sc.sequential.tree, int(level.nodes[0]), tuple(sc.terms.get(sc.actors[level.mover].name, ()))


def _merge(sc: Scenario, params, level: _Level) -> _Merge | None:
    """The :class:`_Merge` of the deepest ``level``, found on first use by reading which
    features a one-point evaluation of the mover's terms uses; None when it would not
    save a fifth of the rows or of the nodes."""
    key = _merge_key(sc, level)
    if key not in _MERGES:
        if len(_MERGES) >= _MAX_MERGES:
            _MERGES.clear()
        flat, base = level.leaf_kids.ravel(), sc.sequential.features
        probe = Gathered(base, flat[:, None])
        actor_payoff_batch_last(sc, take_points(params, slice(0, 1)), sc.actors[level.mover].name, probe,
                                n_out=flat.size)
        keys = sorted(probe.read)
        table = np.column_stack([base[k][flat, 0] for k in keys] or [np.zeros(flat.size)])
        _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
        per_node = np.where(level.valid, inverse.reshape(level.valid.shape), -1)
        _, node_first, node_of = np.unique(per_node, axis=0, return_index=True, return_inverse=True)
        useful = first.size <= 0.8 * flat.size or node_first.size <= 0.8 * len(level.nodes)
        _MERGES[key] = _Merge(frozenset(keys), flat[first], np.maximum(per_node[node_first], 0).ravel(),
                              level.valid[node_first], node_of.ravel()) if useful else None
    return _MERGES[key]


def _first_best(pay: np.ndarray, rows: np.ndarray | None, valid: np.ndarray,
                atol: float) -> tuple[np.ndarray, np.ndarray]:
    """The tie rule of :mod:`sim.engine.tree` for one group of g nodes with k actions.

    ``pay`` (r, B or 1): mover's payoffs; ``rows`` (g * k,): the row of ``pay`` of each
    (node, action), or None when ``pay`` has exactly those g * k rows; ``valid`` (g, k):
    real (not padding) actions. Returns the first action within ``atol`` of the best
    (intp) and whether several are (bool), each shape (g, B or 1). Works on blocks of
    :data:`TILE` games so the (g, k, TILE) temporaries stay in cache.
    """
    g, k = valid.shape
    width = pay.shape[1]
    pick = np.empty((g, width), dtype=np.intp)
    tie = np.empty((g, width), dtype=bool)
    for lo in range(0, width, TILE):
        block = pay[:, lo:lo + TILE]
        own = (block if rows is None else block[rows]).reshape(g, k, -1)
        pick[:, lo:lo + TILE], tie[:, lo:lo + TILE] = _first_best_block(own, valid, atol)
    return pick, tie


def _first_best_block(own: np.ndarray, valid: np.ndarray, atol: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_first_best` on ``own`` (g, k, b), the mover's payoff per action.

    The first best action is found as ``k - max_j(is_best_j * (k - j))`` and the count of
    best actions as a small-integer sum: the same answers as argmax and sum of the
    boolean array (as :mod:`sim.engine.tree` computes them), in a third of the time
    (argmax along a middle axis copies).
    """
    if not valid.all():
        own = np.where(valid[:, :, None], own, -np.inf)
    k = own.shape[1]
    small = np.uint8 if k < 256 else np.int32
    best = own.max(axis=1, keepdims=True)
    is_best = (own >= best - atol).view(np.uint8)
    rank = np.multiply(is_best, np.arange(k, 0, -1, dtype=small)[None, :, None], dtype=small)
    pick = np.subtract(k, rank.max(axis=1), dtype=np.intp)
    return pick, np.add.reduce(is_best, axis=1, dtype=small) > 1


def _decide(sc: Scenario, params, level: _Level, leaves: np.ndarray,
            atol: float) -> tuple[np.ndarray, np.ndarray]:
    """The movers' choices at ``level``: :func:`_first_best` of the mover's payoffs at
    ``leaves`` (m, k, B or 1), each result shape (m, B or 1).

    At the deepest level equal rows are evaluated once (:func:`_merge`)."""
    m, k, width = leaves.shape
    name, base = sc.actors[level.mover].name, sc.sequential.features
    merge = _merge(sc, params, level) if level.leaf_kids is not None else None
    if merge is not None:
        cols = Gathered(base, merge.leaves[:, None], merge.keys)
        try:
            pay = actor_payoff_batch_last(sc, params, name, cols, n_out=merge.leaves.size)
        except _Unplanned:  # a term reads other features at other parameter values
            _MERGES[_merge_key(sc, level)] = None
        else:
            pick, tie = _first_best(pay, merge.node_rows, merge.node_valid, atol)
            return pick[merge.node_of], tie[merge.node_of]
    flat = leaves.reshape(m * k, width)
    n_leaves = sc.sequential.tree.n_leaves
    same = width == 1 and flat.shape[0] == n_leaves and np.array_equal(flat[:, 0], np.arange(n_leaves))
    pay = actor_payoff_batch_last(sc, params, name, base if same else Gathered(base, flat), n_out=m * k)
    return _first_best(pay, None, level.valid, atol)


def _pick_along(arr: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """``arr[i, pick[i, b], b]``: ``arr`` (g, k, W) with W = 1 or B, ``pick`` (g, B or 1)
    action numbers; returns shape (g, B) (or (g, 1)). One flat gather (cheaper than
    ``np.take_along_axis``, which builds index grids)."""
    g, k, width = arr.shape
    start = (np.arange(g) * k)[:, None] + pick  # (g, B or 1): row of arr.reshape(g * k, W)
    if width == 1:
        return np.take(arr.reshape(g * k), start)
    return np.take(np.ascontiguousarray(arr).reshape(-1), start * width + np.arange(width))


def _solve_chunk(sc: Scenario, params, n_batch: int, atol: float, full: bool) -> dict[str, np.ndarray]:
    """One batch of ``n_batch`` games: the fields of :class:`LazySPE` (choice and tie
    with shape (n_nodes, B) when ``full``)."""
    tree = sc.sequential.tree
    reach = on_path = None  # (m, B) per node of the level below: leaf reached, a tie on the way
    any_tie = np.zeros(n_batch, dtype=bool)
    out: dict[str, np.ndarray] = {}
    if full:
        out["choice"] = np.full((tree.n_nodes, n_batch), -1, dtype=np.int32)
        out["tie"] = np.zeros((tree.n_nodes, n_batch), dtype=bool)
    for level in _plan(tree):
        leaves = level.leaf_kids[:, :, None] if reach is None else reach[level.kid_rows]  # (m, k, B or 1)
        pick, tie = _decide(sc, params, level, leaves, atol)  # (m, B or 1) each: the level's own ties
        shape = (len(level.nodes), n_batch)
        path_tie = tie if reach is None else tie | _pick_along(on_path[level.kid_rows], pick)
        reach = np.broadcast_to(_pick_along(leaves, pick), shape)
        on_path = np.broadcast_to(path_tie, shape)
        any_tie |= tie.any(axis=0)
        if full:
            out["choice"][level.nodes] = pick
            out["tie"][level.nodes] = tie
    out.update(path_leaf=np.array(reach[0]), tie_on_path=np.array(on_path[0]), tie_anywhere=any_tie)
    out["root_payoffs"] = _payoffs_at(sc, params, out["path_leaf"], n_batch)
    return out


def _payoffs_at(sc: Scenario, params, leaf: np.ndarray, n_batch: int) -> np.ndarray:
    """Every actor's payoff at leaf ``leaf[b]`` of game ``b``, shape (B, N)."""
    cols = Gathered(sc.sequential.features, leaf[None, :])
    out = np.empty((n_batch, len(sc.actors)))
    for j, actor in enumerate(sc.actors):
        out[:, j] = actor_payoff_batch_last(sc, params, actor.name, cols, n_out=1)[0]
    return out


def solve_spe_lazy(sc: Scenario, params, atol: float = ATOL, full: bool = False,
                   inner_chunk: int = INNER_CHUNK) -> LazySPE:
    """Subgame-perfect equilibrium of ``sc``'s sequential game at a batch of points.

    Parameters
    ----------
    sc : a scenario whose tree :func:`supports`.
    params : the scenario's parameter dataclass, leaves floats or rows (1, B).
    atol : payoffs within ``atol`` of the mover's best count as tied; the first wins.
    full : also return ``choice`` and ``tie`` at every node, shape (B, n_nodes).
    inner_chunk : games solved at once (memory and cache); the result does not depend on it.

    Returns
    -------
    :class:`LazySPE`, bit-identical to ``backward_induction_batch_last(tree,
    leaf_payoffs_batch_last(sc, params))``.
    """
    tree = sc.sequential.tree
    if not supports(tree):
        raise ValueError("solve_spe_lazy needs one mover per depth, every leaf at the last depth and no chance "
                         "nodes; use sim.engine.tree.backward_induction_batch_last")
    n_batch = batch_size(params)
    parts = []
    for lo in range(0, n_batch, inner_chunk):
        sel = slice(lo, min(n_batch, lo + inner_chunk))
        sub = params if n_batch <= inner_chunk else take_points(params, sel)
        parts.append(_solve_chunk(sc, sub, sel.stop - sel.start, atol, full))
    joined = {k: np.concatenate([p[k] for p in parts], axis=-1 if k in ("choice", "tie") else 0)
              for k in parts[0]}
    if full:
        joined["choice"], joined["tie"] = joined["choice"].T, joined["tie"].T
    return LazySPE(**joined)
