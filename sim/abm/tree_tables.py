"""The game tree laid out for the sequential agent-based model (:mod:`sim.abm.tree_model`).

The sequential game is a perfect-information tree (:class:`sim.engine.tree.Tree`): every
decision node is an information set. An agent holds a pure action at each node it owns
(a pure behaviour strategy). Over ``R`` runs the strategies of every agent are one
array ``strategy`` of shape (S, R), one row (*slot*) per decision node, the slots sorted by
(owner, number of actions, node id) so that:

* an agent's slots are one contiguous block (its strategy is a view);
* an agent's nodes with the same number of actions ``k`` form a :class:`Group`, also
  contiguous: its values have shape (k, m, R) = (k, m * R) and the learning rules of
  :mod:`sim.abm.rules` apply to all its nodes and runs in one array operation.

Everything here is a pure function of the tree or of one segment's leaf payoffs:

* :func:`layout`: slots, groups and the tree's levels (deepest first), once per tree;
* :func:`reach`: the leaf reached from every node under the current strategies, (n_nodes, R),
  one bottom-up pass over the levels (a gather per level);
* :func:`leaf_tables`: each player's payoff at each leaf of each of its distinct games,
  and the offset of each run's game, once per segment (:func:`sim.abm.tables.distinct_games`);
* :func:`group_values`: the payoff to the owner of each action at each node of a group,
  (k, m, R): a gather of the leaf reached from each child;
* :func:`expected_values`: the same against the others' empirical behaviour
  (fictitious play), one bottom-up pass of expectations;
* :func:`static_group`: a group whose children are all leaves (the last movers) has
  values that do not change within a segment, so they are tabulated per (distinct game,
  node) *cell*, and with them what each rule computes from them given the current action
  (:func:`cell_tables`: best reply, subgame perfection, logit's cumulative weights); a
  step is then one gather per group;
* :class:`RegretSums`: regret matching's memory as sums of values (:func:`add_values`),
  kept per cell history at tabulated groups (:func:`regret_sums`), and its draw
  (:func:`regret_matching_draw`), one gather per node and run where a single regret is
  positive.

Every value is an exact copy of a leaf payoff (or, for fictitious play and regret
matching, the same sequence of float operations as the per-run computation), so runs are
bit-identical to the one-model-per-run design (``benchmarks/plain_abm_tree.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.abm.rules import best_reply, cumulative, pick, regret_matching
from sim.abm.tables import distinct_games
from sim.engine.equilibrium import ATOL
from sim.engine.tree import TERMINAL, Tree


@dataclass(frozen=True)
class Group:
    """One agent's nodes with ``k`` actions each: slots ``slots`` (contiguous), node ids
    ``nodes`` (m,), children ``kids`` (m, k) (node ids, in action order); ``leaf_kids``
    (m, k): the children's leaf numbers when every child is a leaf, else None."""

    owner: int
    slots: slice
    nodes: np.ndarray
    kids: np.ndarray
    leaf_kids: np.ndarray | None = None

    @property
    def n_actions(self) -> int:
        return self.kids.shape[1]

    @property
    def size(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True)
class Part:
    """The decision nodes of one level with ``k`` actions: node ids ``nodes`` (m,), their
    slots (m,), children ``kids`` (m, k); ``leaf_kids`` (m, k): their leaf numbers when
    every child is a leaf, else None."""

    nodes: np.ndarray
    slots: np.ndarray
    kids: np.ndarray
    leaf_kids: np.ndarray | None = None


@dataclass(frozen=True)
class Level:
    """Decision nodes at one ``depth``: node ids ``nodes`` (m,), their slots (m,), children
    ``kids`` (m, k_max) padded with 0, ``leaf_kids`` (m * k_max,): the leaf index of each
    child when every child is a leaf (then the level needs one gather), else None; and
    ``parts``: its nodes split by number of actions (:class:`Part`)."""

    depth: int
    nodes: np.ndarray
    slots: np.ndarray
    kids: np.ndarray
    leaf_kids: np.ndarray | None
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Layout:
    """A tree laid out for the model (see the module doc).

    slot_node : (S,) node id of each slot; node_slot : (n_nodes,) slot of each node (-1
    at leaves); owner : (S,) player of each slot; n_actions : (S,) actions at each slot;
    agent_slots : per player, the slice of its slots; groups : per player, its groups;
    levels : decision nodes by depth, deepest first; leaf_index : (n_nodes,) leaf number
    of each leaf node (-1 elsewhere).
    """

    tree: Tree
    slot_node: np.ndarray
    node_slot: np.ndarray
    owner: np.ndarray
    n_actions: np.ndarray
    agent_slots: tuple[slice, ...]
    groups: tuple[tuple[Group, ...], ...]
    levels: tuple[Level, ...]
    leaf_index: np.ndarray

    @property
    def n_slots(self) -> int:
        return len(self.slot_node)


def _levels(tree: Tree, node_slot: np.ndarray) -> tuple[Level, ...]:
    """Decision nodes grouped by depth, deepest first (children before parents)."""
    depth = tree.depth()
    decision = np.flatnonzero(tree.node_player >= 0)
    out = []
    for d in sorted(set(depth[decision].tolist()), reverse=True):
        nodes = decision[depth[decision] == d]
        k = max(len(tree.children[v]) for v in nodes)
        kids = np.zeros((len(nodes), k), dtype=np.int64)
        for j, v in enumerate(nodes):
            kids[j, :len(tree.children[v])] = tree.children[v]
        all_leaves = all(tree.node_player[c] == TERMINAL for v in nodes for c in tree.children[v])
        leaf_kids = tree.leaf_index[kids].astype(np.int64).ravel() if all_leaves else None
        n_kids = np.array([len(tree.children[v]) for v in nodes])
        parts = []
        for kk in dict.fromkeys(n_kids.tolist()):
            sub = kids[n_kids == kk, :kk]
            leafs = tree.leaf_index[sub].astype(np.int64)
            parts.append(Part(nodes[n_kids == kk], node_slot[nodes[n_kids == kk]], sub,
                              leafs if np.all(leafs >= 0) else None))
        parts = tuple(parts)
        out.append(Level(d, nodes, node_slot[nodes], kids, leaf_kids, parts))
    return tuple(out)


def layout(tree: Tree) -> Layout:
    """Slots, groups and levels of a perfect-information tree without chance nodes.

    Raises ValueError for a chance node (the model has no move of nature).
    """
    if np.any((tree.node_player < 0) & (tree.node_player != TERMINAL)):
        raise ValueError("the sequential agent-based model needs a tree without chance nodes")
    decision = np.flatnonzero(tree.node_player >= 0)
    k = np.array([len(tree.children[v]) for v in decision], dtype=np.int64)
    order = np.lexsort((decision, k, tree.node_player[decision]))  # by owner, then k, then node
    slot_node = decision[order]
    node_slot = np.full(tree.n_nodes, -1, dtype=np.int64)
    node_slot[slot_node] = np.arange(len(slot_node))
    owner = tree.node_player[slot_node].astype(np.int64)
    n_act = k[order]
    agent_slots, groups = [], []
    for i in range(tree.n_players):
        mine = np.flatnonzero(owner == i)
        lo, hi = (int(mine[0]), int(mine[-1]) + 1) if len(mine) else (0, 0)
        agent_slots.append(slice(lo, hi))
        mine_groups = []
        for kk in dict.fromkeys(n_act[mine].tolist()):
            rows = mine[n_act[mine] == kk]
            nodes = slot_node[rows]
            kids = np.array([tree.children[v] for v in nodes], dtype=np.int64)
            leaf_kids = tree.leaf_index[kids].astype(np.int64) if np.all(tree.leaf_index[kids] >= 0) else None
            mine_groups.append(Group(i, slice(int(rows[0]), int(rows[-1]) + 1), nodes, kids, leaf_kids))
        groups.append(tuple(mine_groups))
    return Layout(tree, slot_node, node_slot, owner, n_act, tuple(agent_slots), tuple(groups),
                  _levels(tree, node_slot), tree.leaf_index.astype(np.int64))


def initial_reach(lay: Layout, n_runs: int) -> np.ndarray:
    """The reach array (n_nodes, R) with each leaf's row set to its leaf number."""
    out = np.zeros((lay.tree.n_nodes, n_runs), dtype=np.int64)
    leaves = lay.tree.leaves
    out[leaves] = lay.leaf_index[leaves][:, None]
    return out


def group_levels(lay: Layout) -> tuple[list, list]:
    """Per agent and group: the indices of the levels holding its nodes, and the groups
    (agent, group) other than itself with a node deeper than its shallowest node."""
    depth = lay.tree.depth()
    level_of = {lv.depth: li for li, lv in enumerate(lay.levels)}
    all_groups = [(i, g, grp) for i, gs in enumerate(lay.groups) for g, grp in enumerate(gs)]
    levels = [[{level_of[int(d)] for d in depth[grp.nodes]} for grp in gs] for gs in lay.groups]
    deeper = [[[(j, h) for j, h, other in all_groups if (j, h) != (i, g)
                and depth[other.nodes].max() > depth[grp.nodes].min()] for g, grp in enumerate(gs)]
              for i, gs in enumerate(lay.groups)]
    return levels, deeper


def reach(lay: Layout, strategy: np.ndarray, out: np.ndarray, dirty=None) -> np.ndarray:
    """The leaf reached from every node when everyone follows ``strategy``, in ``out``.

    strategy : (S, R) int, the action at each slot. out : (n_nodes, R) int64 from
    :func:`initial_reach` (its leaf rows are kept). One gather per level, deepest first;
    with ``dirty`` (indices of levels whose actions changed since ``out`` was filled),
    the levels below the deepest dirty one are kept.
    """
    n_runs = strategy.shape[1]
    runs = np.arange(n_runs)
    flat = out.reshape(-1)
    first = 0 if dirty is None else min(dirty, default=len(lay.levels))
    for lv in lay.levels[first:]:
        s = strategy[lv.slots]  # (m, R)
        k = lv.kids.shape[1]
        s += (np.arange(len(lv.nodes)) * k)[:, None]  # index into the level's flat kids
        if lv.leaf_kids is not None:
            out[lv.nodes] = np.take(lv.leaf_kids, s)
            continue
        child = np.take(lv.kids.reshape(-1), s)
        child *= n_runs
        child += runs
        out[lv.nodes] = np.take(flat, child)
    return out


@dataclass(frozen=True)
class LeafTables:
    """Leaf payoffs of one segment, per player over its distinct games.

    payoff[i] : (G_i * n_leaves,) player i's payoff at leaf l of distinct game g at
    ``g * n_leaves + l``; offset[i] : (R,) ``g * n_leaves`` of each run's game.
    """

    payoff: tuple[np.ndarray, ...]
    offset: tuple[np.ndarray, ...]


def leaf_tables(leaf_payoffs: np.ndarray, game_of_run: np.ndarray) -> LeafTables:
    """From leaf payoffs (n_leaves, N, P) and the game of each run (R,)."""
    n_leaves, n_players = leaf_payoffs.shape[:2]
    pay, off = [], []
    for i in range(n_players):
        table, game = distinct_games(np.ascontiguousarray(leaf_payoffs[:, i]))  # (n_leaves, G), (P,)
        pay.append(np.ascontiguousarray(table.T).reshape(-1))
        off.append(game[game_of_run].astype(np.int64) * n_leaves)
    return LeafTables(tuple(pay), tuple(off))


def group_values(group: Group, reach_now: np.ndarray, tables: LeafTables) -> np.ndarray:
    """Payoff to the group's owner of each action at each node, (k, m, R).

    The value of action a at node v is the owner's payoff at the leaf reached from
    child(v, a) under the current strategies (``reach_now``, (n_nodes, R)).
    """
    idx = reach_now[group.kids.T]  # (k, m, R): the leaf reached from each child
    idx += tables.offset[group.owner]
    return np.take(tables.payoff[group.owner], idx)


def kid_payoffs(tables: LeafTables, i: int, leaf_kids: np.ndarray) -> np.ndarray:
    """Player ``i``'s payoff at the leaf children of a part's nodes in every run, (k, m, R)
    (``leaf_kids``: (m, k) leaf numbers)."""
    return np.take(tables.payoff[i], tables.offset[i][None, None, :] + leaf_kids.T[:, :, None])


def own_depth(lay: Layout, i: int) -> int:
    """Depth of player ``i``'s shallowest node (its expected values need the levels below)."""
    depth = lay.tree.depth()
    nodes = lay.slot_node[lay.agent_slots[i]]
    return int(depth[nodes].min()) if len(nodes) else lay.tree.n_nodes


def loose_leaves(lay: Layout) -> np.ndarray:
    """Leaves that are children of a part not all of whose children are leaves, (n,)."""
    out = [part.kids[lay.tree.leaf_index[part.kids] >= 0] for lv in lay.levels for part in lv.parts
           if part.leaf_kids is None]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@dataclass
class Expectation:
    """What :func:`expected_values` needs besides the strategies, per segment and step.

    freqs : ``freqs(level, part)`` -> (k, m, R) action frequencies at a part's nodes;
    kid_pay : ``kid_pay(level, part)`` -> (k, m, R) the player's payoffs at a part's leaf
    children (:func:`kid_payoffs`); loose : (n,) leaf nodes of :func:`loose_leaves` and
    loose_pay : (n, R) the player's payoffs there; ev : (n_nodes, R) work buffer.
    """

    freqs: object
    kid_pay: object
    loose: np.ndarray
    loose_pay: np.ndarray
    ev: np.ndarray


def expected_values(lay: Layout, i: int, strategy: np.ndarray, x: Expectation, top: int) -> np.ndarray:
    """Player ``i``'s expected payoff from every node deeper than ``top`` (its shallowest
    node's depth, :func:`own_depth`), in ``x.ev`` (n_nodes, R; other rows stale), when ``i``
    follows its own ``strategy`` (S, R) and every other mover plays its empirical
    frequencies. The expectation at a node is ``f_0 * E_0 + f_1 * E_1 + ...`` added in
    action order, over a part's nodes at once.
    """
    ev, n_runs = x.ev, strategy.shape[1]
    ev[x.loose] = x.loose_pay
    flat, runs = ev.reshape(-1), np.arange(n_runs)
    for li, lv in enumerate(lay.levels):
        if lv.depth <= top:
            break
        for pi, part in enumerate(lv.parts):
            f = x.freqs(li, pi)
            kid = x.kid_pay(li, pi) if part.leaf_kids is not None else ev[part.kids.T]  # (k, m, R)
            acc = f[0] * kid[0]
            tmp = np.empty_like(acc)
            for a in range(1, part.kids.shape[1]):
                acc += np.multiply(f[a], kid[a], out=tmp)
            own = lay.owner[part.slots] == i
            if own.any():  # i's own nodes follow its strategy
                kids, slots = part.kids[own], part.slots[own]
                if part.leaf_kids is not None:
                    acc[own] = np.choose(strategy[slots], kid[:, own])
                else:
                    pick_kid = strategy[slots] + (np.arange(len(slots)) * kids.shape[1])[:, None]
                    acc[own] = np.take(flat, np.take(kids.reshape(-1), pick_kid) * n_runs + runs)
            ev[part.nodes] = acc
    return ev


@dataclass(frozen=True)
class StaticGroup:
    """A group whose children are all leaves, tabulated for one segment.

    values : (k, C), the owner's payoff of each action at each cell, a cell being
    (distinct game g, node j) at ``g * m + j``; cell_k : (m * R,) int64, ``cell * k`` of
    each node in each run (node-major, as the group's strategies).
    """

    values: np.ndarray
    cell_k: np.ndarray


def static_group(group: Group, tables: LeafTables, n_leaves: int) -> StaticGroup:
    """Tabulate a group whose children are all leaves (``group.leaf_kids`` set)."""
    i, (m, k) = group.owner, group.kids.shape
    pay = tables.payoff[i]
    n_games = len(pay) // n_leaves
    leaf = group.leaf_kids.T[:, None, :] + (np.arange(n_games) * n_leaves)[None, :, None]  # (k, G, m)
    values = np.take(pay, leaf).reshape(k, n_games * m)
    game = tables.offset[i] // n_leaves  # (R,)
    cell = game[None, :] * m + np.arange(m)[:, None]  # (m, R)
    return StaticGroup(values, (cell * k).reshape(-1))


def group_values_static(st: StaticGroup, k: int) -> np.ndarray:
    """The values of a tabulated group, (k, m * R), as :func:`group_values` gives them."""
    cell = st.cell_k // k
    out = np.empty((k, len(cell)))
    for a in range(k):
        np.take(st.values[a], cell, out=out[a])
    return out


def cell_tables(st: StaticGroup, kind: str, lam: float = 0.0) -> np.ndarray:
    """What a rule computes at each cell from its values, given the current action.

    kind ``"best"``: :func:`sim.abm.rules.best_reply`, (C * k,) indexed by ``cell * k +
    current``; ``"ok"``: the current action within ``ATOL`` of the best, (C * k,) bool; ``"logit"``:
    the cumulative sums of ``exp(lam (v - max v))``, (k, C) (as :func:`sim.abm.rules.sample`).
    """
    v = st.values
    k, n_cells = v.shape
    if kind == "logit":
        return cumulative(np.exp(lam * (v - v.max(axis=0))))
    cur = np.repeat(np.arange(k)[None, :], n_cells, axis=0).reshape(-1)  # (C * k,) current action
    vv = np.repeat(v, k, axis=1)  # (k, C * k): the cell's values, once per current action
    if kind == "best":
        return best_reply(vv, cur)
    if kind == "ok":
        return pick(vv, cur) >= vv.max(axis=0) - ATOL
    raise ValueError(f"unknown cell table {kind!r}")


# --- regret matching ------------------------------------------------------------------

@dataclass
class RegretSums:
    """Regret matching's memory at one group (``m`` nodes, ``k`` actions) over ``R`` runs.

    The cumulative regret of action ``a`` at a node in a run is ``sums[a] - played``: the
    sum of ``a``'s values over the steps so far minus the sum of the values of the actions
    played, each sum added step by step (as the plain design does). played : (n,) with
    n = m * R, node-major; sums : (k, n_cols), one column per node-run (``cols`` None) or
    per *cell history* (``cols`` (n,) int64: the column of each node-run). A tabulated
    group's values depend only on its cell (distinct game, node), so node-runs with the
    same sequence of cells over the segments so far have the same sums: one column, and
    ``values`` (k, n_cols) are the current segment's values per column (None elsewhere).
    All in payoff units ($bn/yr).
    """

    sums: np.ndarray
    played: np.ndarray
    cols: np.ndarray | None = None
    values: np.ndarray | None = None


def regret_sums(k: int, n: int, st: StaticGroup | None = None, prev: RegretSums | None = None) -> RegretSums:
    """The memory of a group of ``n`` node-runs with ``k`` actions at the start of a
    segment: empty (``prev`` None) or ``prev`` carried over. ``st``: the group tabulated
    for the segment (:func:`static_group`; its columns are then cell histories), else None."""
    if st is None:
        return prev if prev is not None else RegretSums(np.zeros((k, n)), np.zeros(n))
    if prev is None:
        prev = RegretSums(np.zeros((k, 1)), np.zeros(n), np.zeros(n, dtype=np.int64))
    n_cells = st.values.shape[1]
    history, cols = np.unique(prev.cols * n_cells + st.cell_k // k, return_inverse=True)
    return RegretSums(np.take(prev.sums, history // n_cells, axis=1), prev.played, cols.reshape(-1),
                      np.take(st.values, history % n_cells, axis=1))


def add_values(rs: RegretSums, values: np.ndarray | None, current: np.ndarray) -> None:
    """One step of the memory, in place: each action's value added to its sum, the played
    action's to ``played``. values : (k, n), this step's values per node-run (ignored at a
    tabulated group: ``rs.values``); current : (n,) int, the actions played."""
    if rs.cols is None:
        rs.sums += values
        rs.played += pick(values, current)
        return
    rs.sums += rs.values
    rs.played += np.take(rs.values.reshape(-1), current * rs.values.shape[1] + rs.cols)


def _top_two(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``sums`` (k, n): the largest entry, its first row, and the largest of
    the other rows (equal to the largest on a tie; -inf when k = 1), each (n,). Row by
    row (numpy's argmax along the first axis copies the array)."""
    top, second = sums[0].copy(), np.full(sums.shape[1], -np.inf)
    first, tmp = np.zeros(sums.shape[1], dtype=np.int64), np.empty(sums.shape[1])
    for a in range(1, sums.shape[0]):
        row = sums[a]
        np.maximum(second, np.minimum(row, top, out=tmp), out=second)
        np.copyto(first, a, where=row > top)
        np.maximum(top, row, out=top)
    return top, first, second


def regret_matching_draw(rs: RegretSums, u: np.ndarray) -> np.ndarray:
    """Regret matching's new action at every node-run, (n,) int64, from the memory and one
    uniform per node-run ``u`` (n,): :func:`sim.abm.rules.regret_matching` on the regrets
    ``sums - played`` (cumulative sums ``c_a`` of their positive parts in action order,
    all ones if none is positive; the number of ``c_a < u c_last`` over a < k - 1).

    At a tabulated group, where exactly one regret ``r`` is positive, at action ``a*``
    (most node-runs once play has settled), that count is ``a*`` if ``u r > 0`` and 0
    otherwise (``c_a`` is 0 before ``a*`` and ``r`` from it on, and ``u r <= r``): it is
    taken from each column's two largest sums, without the (k, n) arrays; the other
    node-runs, and every node-run of the other groups (few), are computed in full.
    """
    if rs.cols is None:
        return regret_matching(None, None, rs.sums - rs.played, u[None, :], None)
    top, first, second = (np.take(x, rs.cols) for x in _top_two(rs.sums))
    rest = np.flatnonzero((top <= rs.played) | (second > rs.played))
    top -= rs.played  # the largest regret
    top *= u
    out = first  # a fresh array
    np.copyto(out, 0, where=top <= 0.0)
    if len(rest):
        regrets = np.take(rs.sums, rs.cols[rest], axis=1)
        regrets -= rs.played[rest]
        out[rest] = regret_matching(None, None, regrets, u[None, rest], None)
    return out
