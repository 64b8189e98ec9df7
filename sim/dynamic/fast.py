"""The Markov perfect equilibrium of the dynamic game, fast and in bounded memory
(docs/model.md §9; the same equilibrium as ``solve_dynamic(lam=None)``).

:func:`sim.dynamic.game.solve_dynamic` builds every player's payoff at every leaf of the
stage tree, shape (n_leaves, N, B), for each of the T x S stage solves. Backward induction
reads far less:

* a player's stage payoff depends on the few features its terms read, so it is computed
  once per quarter on the player's distinct feature rows (Model 2: Russia 48, Iran 36,
  Iraq 288, US 144 rows instead of 576 leaves), each term on its own distinct rows
  (:func:`sim.engine.scenario.term_plan`) and summed in the same order from zeros;
* the future term δ V_{t+1}(posture(leaf)) depends on the leaf's posture only, not on the
  state s, so the table ``u/4 + δ V_{t+1}`` of a quarter serves all S states; only the
  US's adjustment cost c |t(leaf) - t(s)| depends on s, and is subtracted when the US's
  payoff is read;
* the deepest movers (the US: 48 nodes) face only 12 distinct choices (nodes whose
  actions lead to equal rows decide once); the US's actions come in blocks of one posture
  (4 coercion steps each) that pay the same adjustment cost, and rounding is monotone,
  so a block's best after the cost is its best before less the cost: the rule needs the
  3 block bests and then the 4 actions of the first block within ``atol`` of the best;
* higher movers compare their payoffs at the leaves reached below, gathered by leaf
  number (one row of B per node); a player read at very few leaves (Russia: 3 per
  stage) is evaluated there, not tabulated.

Every payoff is the same float as the corresponding element of the full leaf payoffs (the
same operations on the same numbers), and the tie rule is the SPE's (the first action, in
the tree's order, within ``atol`` of the mover's best), so the leaf played at every
(t, s) is the one ``solve_dynamic`` finds, ties included. The batch is solved in chunks;
only the values at quarter 0 and the path from ``start_state`` are kept (optionally the
leaf of every (t, s)).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.dynamic.calendar import Calendar
from sim.dynamic.game import POSTURES, QUARTER_SHARE, posture_codes, stage_params, troop_levels
from sim.engine.equilibrium import ATOL
from sim.engine.lazy_tree import Gathered
from sim.engine.params import ConfigError, batch_size, check_number, take_points
from sim.engine.scenario import Scenario, actor_payoff_batch_last, term_features
from sim.engine.tree import TERMINAL, Tree, depth_levels

CHUNK = 2048  #: draws solved at once (memory and cache); results do not depend on it


@dataclass(frozen=True)
class FastMPE:
    """The MPE of the dynamic game on B draws, summarised.

    Attributes
    ----------
    values0 : (S, N, B) float; value of the game from quarter 0 in each state ($bn).
    path_leaf : (T, B) int16; leaf played each quarter on the path from ``start_state``.
    posture_of_leaf : (n_leaves,) the state each leaf leads to (index into POSTURES).
    leaf : (T, S, B) int16; leaf played in quarter t from state s, or None (not kept).
    """

    values0: np.ndarray
    path_leaf: np.ndarray
    posture_of_leaf: np.ndarray
    leaf: np.ndarray | None = None


@dataclass(frozen=True)
class _Rows:
    """One player's distinct feature rows: ``of_leaf`` (n_leaves,) the row of each leaf;
    ``post`` (R,) each row's posture. The payoff is summed term by term on prefix rows
    (distinct rows of the features read by the terms so far): per term ``(columns (k_t,
    1), term (P,), prev (P,))``, the term's own distinct rows, the one each prefix row
    reads and its row in the previous prefix; ``last`` (R,) the final prefix row of each
    row, or None when they coincide."""

    of_leaf: np.ndarray
    post: np.ndarray
    terms: tuple
    last: np.ndarray | None


def _distinct(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct row, each row's distinct row) of ``table`` (n, c)."""
    if table.shape[1] == 0:
        return np.zeros(1, dtype=np.intp), np.zeros(table.shape[0], dtype=np.intp)
    _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel().astype(np.intp)


@dataclass(frozen=True)
class _Level:
    """Decision nodes at one depth (one mover), deepest first: ``valid`` (m, k) real
    actions; ``kid_rows`` (m, k) rows of the children in the level below (deepest: None)."""

    mover: int
    valid: np.ndarray
    kid_rows: np.ndarray | None


@dataclass(frozen=True)
class _Layout:
    """What the solver needs of a scenario's tree, found once per scenario."""

    post: np.ndarray  # (n_leaves,) posture of each leaf
    rows: tuple  # per player, :class:`_Rows`
    levels: tuple  # :class:`_Level`, deepest first
    leaf_kids: np.ndarray  # (m0 * k0,) leaf of each (node, action) at the deepest level
    class_rows: np.ndarray  # (d * k0,) deepest mover's row of each (distinct node, action)
    class_valid: np.ndarray  # (d, k0)
    node_class: np.ndarray  # (m0,) distinct node of each deepest node
    direct: tuple  # per player: evaluate its terms at the leaves read (True) or tabulate its rows
    groups: np.ndarray | None  # (n_g,) posture of each equal block of the US's actions at the deepest level


def _player_rows(sc: Scenario, i: int, post: np.ndarray) -> _Rows:
    """Distinct rows of (features player i's terms read, posture), with the prefix plan."""
    base = sc.sequential.features
    terms = sc.terms.get(sc.actors[i].name, ())
    params = sc.params_cls()
    reads = [term_features(t, params, base) for t in terms]
    keys = list(dict.fromkeys(k for r in reads for k in r))
    first, of_leaf = _distinct(np.column_stack([base[k][:, 0] for k in keys] + [post.astype(float)]))
    feats = {k: base[k][first, 0] for k in keys}  # (R,) each
    plan, seen, prev_index = [], [], np.zeros(first.size, dtype=np.intp)
    for r in reads:
        seen += [k for k in r if k not in seen]
        p_first, p_index = _distinct(np.column_stack([feats[k] for k in seen] or [np.zeros((first.size, 0))]))
        t_first, t_index = _distinct(np.column_stack([feats[k][p_first] for k in r] or [np.zeros((p_first.size, 0))]))
        plan.append(({k: base[k][first[p_first[t_first]]] for k in r}, t_index, prev_index[p_first]))
        prev_index = p_index
    last = None if np.array_equal(prev_index, np.arange(first.size)) else prev_index
    return _Rows(of_leaf, post[first], tuple(plan), last)


def _tree_levels(tree: Tree) -> tuple[list[_Level], np.ndarray]:
    """Levels deepest first and the deepest level's (m0, k0) leaf numbers; ConfigError
    unless every depth has one mover, leaves are all at the last depth, no chance nodes."""
    out, lookup, leaf_kids = [], np.zeros(tree.n_nodes, dtype=np.intp), None
    for level in depth_levels(tree):
        movers = set(level.mover.tolist())
        safe = np.where(level.valid, level.kids, 0)
        kinds = tree.node_player[safe[level.valid]]
        if len(movers) != 1 or min(movers) < 0 or (kinds == TERMINAL).any() != (leaf_kids is None) \
                or ((kinds == TERMINAL).any() and not (kinds == TERMINAL).all()):
            raise ConfigError("sc: solve_mpe_fast needs one mover per depth, every leaf at the last depth and no "
                              "chance nodes; use sim.dynamic.game.solve_dynamic")
        if leaf_kids is None:
            leaf_kids = np.where(level.valid, tree.leaf_index[safe], 0)
            out.append(_Level(movers.pop(), level.valid, None))
        else:
            out.append(_Level(movers.pop(), level.valid, lookup[safe]))
        lookup[level.nodes] = np.arange(len(level.nodes))
    return out, leaf_kids


_LAYOUTS: dict[tuple, _Layout] = {}


def _layout(sc: Scenario) -> _Layout:
    """The :class:`_Layout` of ``sc``, cached by its tree and payoff terms."""
    key = (sc.sequential.tree, tuple((a.name, tuple(sc.terms.get(a.name, ()))) for a in sc.actors))
    if key not in _LAYOUTS:
        if len(_LAYOUTS) >= 16:  # scenarios built on the fly must not grow it without bound
            _LAYOUTS.clear()
        _LAYOUTS[key] = _build_layout(sc)
    return _LAYOUTS[key]


def _build_layout(sc: Scenario) -> _Layout:
    """The :class:`_Layout` of ``sc``."""
    post = posture_codes(sc)
    rows = tuple(_player_rows(sc, i, post) for i in range(len(sc.actors)))
    levels, leaf_kids = _tree_levels(sc.sequential.tree)
    deep = levels[0]
    per_node = np.where(deep.valid, rows[deep.mover].of_leaf[leaf_kids], -1)
    _, first, node_class = np.unique(per_node, axis=0, return_index=True, return_inverse=True)
    pairs = [max([lv.valid.size for lv in levels if lv.mover == i] or [1]) for i in range(len(rows))]
    direct = tuple(i != deep.mover and 8 * pairs[i] < r.post.size for i, r in enumerate(rows))
    class_rows = np.maximum(per_node[first], 0).ravel()
    groups = _posture_groups(rows[deep.mover].post[class_rows].reshape(first.size, -1), deep.valid[first]) \
        if sc.actors[deep.mover].name == "US" else None
    return _Layout(post, rows, tuple(levels), leaf_kids.ravel().astype(np.intp), class_rows, deep.valid[first],
                   node_class.ravel(), direct, groups)


def _posture_groups(post: np.ndarray, valid: np.ndarray) -> np.ndarray | None:
    """The posture of each block of actions, (n_g,), when every distinct node's actions
    ``post`` (d, k) come in the same equal blocks of one posture each (Model 2's US: 3
    postures x 4 coercion steps); else None."""
    if not valid.all() or not (post == post[:1]).all():
        return None
    starts = np.flatnonzero(np.r_[True, post[0, 1:] != post[0, :-1]])
    size = post.shape[1] // starts.size
    if size * starts.size != post.shape[1] or not np.array_equal(starts, np.arange(starts.size) * size):
        return None
    return post[0, starts]


def _stage_table(sc: Scenario, params, i: int, rows: _Rows, future: np.ndarray) -> np.ndarray:
    """Player i's leaf payoff u/4 + δ V_{t+1} on its distinct rows, (R, B): its terms
    summed in order from zeros on prefix rows (the floats of the full leaf payoffs).
    ``future`` (S, B): δ V_{t+1}(s) to the player."""
    total = np.zeros((1, 1))
    for term, (cols, index, prev) in zip(sc.terms.get(sc.actors[i].name, ()), rows.terms):
        value = np.asarray(term(params, cols), dtype=float)
        value = value.reshape((1,) * (2 - value.ndim) + value.shape)
        term_rows = np.take(value, np.minimum(index, value.shape[0] - 1), axis=0)
        total = np.take(total, prev, axis=0)
        total = np.add(total, term_rows, out=total) if total.shape == term_rows.shape else total + term_rows
    if rows.last is not None:
        total = np.take(total, rows.last, axis=0)
    total *= QUARTER_SHARE
    future_rows = np.take(future, rows.post, axis=0)
    if total.shape != future_rows.shape:  # no term depends on the batch
        return total + future_rows
    total += future_rows
    return total


@dataclass(frozen=True)
class _Direct:
    """A player whose leaf payoff u/4 + δ V_{t+1} is evaluated at the leaves read (few),
    not tabulated: the quarter's ``params``, ``future`` (S, B) δ V_{t+1}(s) to it."""

    sc: Scenario
    name: str
    params: object
    future: np.ndarray

    def at(self, leaf: np.ndarray, post: np.ndarray) -> np.ndarray:
        """The payoff at ``leaf`` (r, B), shape (r, B); ``post`` (n_leaves,) postures."""
        u = actor_payoff_batch_last(self.sc, self.params, self.name, Gathered(self.sc.sequential.features, leaf),
                                    n_out=leaf.shape[0])
        width = self.future.shape[1]
        return QUARTER_SHARE * u + np.take(self.future.reshape(-1), post[leaf] * width + np.arange(width))


def _first_best(own: np.ndarray, valid: np.ndarray, atol: float) -> np.ndarray:
    """The first action within ``atol`` of the best, (g, B) intp, from ``own`` (g, k, B)
    (the mover's payoffs; ``valid`` (g, k) real actions): the rule of sim.engine.tree."""
    if not valid.all():
        own = np.where(valid[:, :, None], own, -np.inf)
    return _first_true(own >= own.max(axis=1, keepdims=True) - atol)


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along axis 1 of ``mask`` (g, k, B) (one at least), (g, B)
    intp: ``k - max_j(mask_j * (k - j))``, argmax's answer without its copy."""
    k = mask.shape[1]
    rank = np.multiply(mask.view(np.uint8), np.arange(k, 0, -1, dtype=np.uint8)[None, :, None], dtype=np.uint8)
    return np.subtract(k, rank.max(axis=1), dtype=np.intp)


def _pick_along(arr: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """``arr[g, pick[g, b], b]`` for ``arr`` (g, k, B) and ``pick`` (g, B): shape (g, B)."""
    g, k, width = arr.shape
    flat = ((np.arange(g) * k)[:, None] + pick) * width + np.arange(width)
    return np.take(arr.reshape(-1), flat)


class _Stage:
    """One stage solve's payoff reader: the quarter's tables (per player, (R, B)), the
    deepest mover's payoffs by (distinct node, action) ``deep`` (d * k, B), and the
    state's adjustment costs for the US: ``cost`` (S, B) by the posture a leaf ends in,
    ``deep_cost`` (d * k, B) at the deepest level (None when the US does not move there)."""

    def __init__(self, lay: _Layout, tables: list, deep: np.ndarray, cost: np.ndarray,
                 deep_cost: np.ndarray | None, us: int, grouped: tuple | None = None):
        self.lay, self.tables, self.deep, self.cost, self.deep_cost, self.us = lay, tables, deep, cost, deep_cost, us
        self.grouped = grouped  # (best of each block (d, n_g, B), the blocks' costs (n_g, B)) or None
        self.cols = np.arange(cost.shape[1])

    def at(self, i: int, leaf: np.ndarray) -> np.ndarray:
        """Player i's leaf payoff at ``leaf`` (r, B) leaf numbers, shape (r, B)."""
        width, table = self.cols.size, self.tables[i]
        if isinstance(table, _Direct):
            return table.at(leaf, self.lay.post)
        index = np.take(self.lay.rows[i].of_leaf, leaf)
        index *= width
        index += self.cols
        pay = np.take(table.reshape(-1), index)
        if i == self.us:
            index = np.take(self.lay.post, leaf)
            index *= width
            index += self.cols
            pay -= np.take(self.cost.reshape(-1), index)
        return pay

    def deepest(self, atol: float) -> np.ndarray:
        """Leaf reached from each node of the deepest level, (m0, B): distinct nodes decide once."""
        lay = self.lay
        d, k = lay.class_valid.shape
        if self.grouped is not None:
            pick = self._grouped_pick(atol)[lay.node_class]
        else:
            own = self.deep if self.deep_cost is None else self.deep - self.deep_cost
            pick = _first_best(own.reshape(d, k, -1), lay.class_valid, atol)[lay.node_class]  # (m0, B)
        return lay.leaf_kids[(np.arange(pick.shape[0]) * k)[:, None] + pick]

    def _grouped_pick(self, atol: float) -> np.ndarray:
        """The US's first best action per distinct node, (d, B), block by block: a block's
        best after its cost is its best before, less the cost (rounding is monotone), so
        only the first block within ``atol`` of the best is looked into."""
        block_max, block_cost = self.grouped
        d, n_g, width = block_max.shape
        size = self.lay.class_valid.shape[1] // n_g
        after = block_max - block_cost  # (d, n_g, B)
        threshold = after.max(axis=1) - atol  # (d, B): the rule's best - atol
        block = _first_true(after >= threshold[:, None])  # (d, B)
        first = (np.arange(d)[:, None] * n_g + block) * size  # (d, B): row of the block's first action
        index = (first[:, None, :] + np.arange(size)[None, :, None]) * width + self.cols
        cost = np.take(block_cost.reshape(-1), block * width + self.cols)  # (d, B)
        own = np.take(self.deep.reshape(-1), index) - cost[:, None]
        return block * size + _first_true(own >= threshold[:, None])

    def solve(self, atol: float) -> tuple[np.ndarray, np.ndarray]:
        """(leaf played (B,), every player's payoff there (N, B))."""
        reach = self.deepest(atol)
        for level in self.lay.levels[1:]:
            leaves = reach[level.kid_rows]  # (m, k, B)
            m, k, width = leaves.shape
            own = self.at(level.mover, leaves.reshape(m * k, width)).reshape(m, k, width)
            reach = _pick_along(leaves, _first_best(own, level.valid, atol))
        return reach[0], np.concatenate([self.at(i, reach) for i in range(len(self.tables))])


def _solve_chunk(sc: Scenario, lay: _Layout, params, cal: Calendar, discount: float, cost: np.ndarray,
                 atol: float) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of B draws: (values at quarter 0 (S, N, B), leaf (T, S, B) int16).
    ``cost`` (B,): the US's adjustment cost per unit of troop level ($bn)."""
    n_b, n_s, n_p = cost.size, len(POSTURES), len(sc.actors)
    levels = troop_levels(params, n_b)  # (S, B)
    move_cost = cost * np.abs(levels[None, :, :] - levels[:, None, :])  # (s_from, posture, B)
    us, mover = sc.players.index("US"), lay.levels[0].mover
    deep_cost = [np.take(move_cost[s], lay.rows[us].post[lay.class_rows], axis=0)
                 if mover == us and lay.groups is None else None for s in range(n_s)]
    block_cost = None if lay.groups is None else [np.take(move_cost[s], lay.groups, axis=0) for s in range(n_s)]
    whole = np.array_equal(lay.class_rows, np.arange(lay.rows[mover].post.size))
    v_next = np.zeros((n_s, n_p, n_b))
    leaf = np.empty((cal.n, n_s, n_b), dtype=np.int16)
    for t in reversed(range(cal.n)):
        p_t = stage_params(params, cal, t)
        tables = [_Direct(sc, sc.actors[i].name, p_t, discount * v_next[:, i]) if lay.direct[i]
                  else _stage_table(sc, p_t, i, r, discount * v_next[:, i]) for i, r in enumerate(lay.rows)]
        deep = tables[mover] if whole else np.take(tables[mover], lay.class_rows, axis=0)
        block_max = None if lay.groups is None else deep.reshape(len(lay.class_valid), lay.groups.size, -1, n_b).max(2)
        v_now = np.empty_like(v_next)
        for s in range(n_s):
            grouped = None if block_max is None else (block_max, block_cost[s])
            leaf[t, s], v_now[s] = _Stage(lay, tables, deep, move_cost[s], deep_cost[s], us, grouped).solve(atol)
        v_next = v_now
    return v_next, leaf


def _path(leaf: np.ndarray, post: np.ndarray, start: int) -> np.ndarray:
    """Leaf played each quarter from state ``start`` on: (T, B) from ``leaf`` (T, S, B)."""
    n_t, _, n_b = leaf.shape
    cols, state = np.arange(n_b), np.full(n_b, start)
    out = np.empty((n_t, n_b), dtype=leaf.dtype)
    for t in range(n_t):
        out[t] = leaf[t, state, cols]
        state = post[out[t]]
    return out


def _check(params, discount, adjust_cost, start_state, chunk) -> tuple[int, np.ndarray]:
    """(B, the adjustment cost as shape (B,)) after checking the arguments."""
    check_number("discount", discount, 0.0, 1.0)
    if isinstance(start_state, bool) or start_state not in range(len(POSTURES)):
        raise ConfigError(f"start_state={start_state!r} is not a state; allowed: 0-{len(POSTURES) - 1} "
                          f"({', '.join(POSTURES)})")
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ConfigError(f"chunk={chunk!r} is not a positive integer; allowed: 1, 2, ...")
    cost = np.asarray(adjust_cost, dtype=float).reshape(-1)
    n_b = max(batch_size(params), cost.size)
    if cost.size not in (1, n_b) or not np.all(np.isfinite(cost)):
        raise ConfigError(f"adjust_cost must be a finite number or {n_b} of them (one per draw); got {cost.size}")
    return n_b, np.broadcast_to(cost, (n_b,))


def solve_mpe_fast(sc: Scenario, params, cal: Calendar, *, discount: float = 0.98, adjust_cost=0.5,
                   start_state: int = 0, chunk: int = CHUNK, keep_leaf: bool = False,
                   atol: float = ATOL, threads: int = 1) -> FastMPE:
    """The MPE of ``solve_dynamic(sc, params, cal, lam=None, ...)``, summarised (module docstring).

    Parameters
    ----------
    sc : a Model 2 scenario (one mover per depth, every leaf at the last depth).
    params : its parameters, leaves floats or rows (1, B).
    discount : δ per quarter, in [0, 1].
    adjust_cost : the US's cost of moving its troop level by 1 ($bn), float or shape (B,).
    start_state : the posture before quarter 0 (index into POSTURES) of ``path_leaf``.
    chunk : draws solved at once; the results do not depend on it.
    keep_leaf : also return the leaf of every (quarter, state), shape (T, S, B).
    threads : chunks solved at once by threads of this process (NumPy releases the GIL in
        its array loops); each chunk writes only its own columns, so the results do not
        depend on it.
    """
    n_b, cost = _check(params, discount, adjust_cost, start_state, chunk)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ConfigError(f"threads={threads!r} is not a positive integer; allowed: 1, 2, ...")
    lay = _layout(sc)
    values0 = np.empty((len(POSTURES), len(sc.actors), n_b))
    path = np.empty((cal.n, n_b), dtype=np.int16)
    leaf_all = np.empty((cal.n, len(POSTURES), n_b), dtype=np.int16) if keep_leaf else None
    sliced = batch_size(params) > 1

    def one(lo: int) -> None:
        sel = slice(lo, min(n_b, lo + chunk))
        sub = take_points(params, sel) if sliced else params
        values0[:, :, sel], leaf = _solve_chunk(sc, lay, sub, cal, float(discount), cost[sel], atol)
        path[:, sel] = _path(leaf, lay.post, start_state)
        if keep_leaf:
            leaf_all[:, :, sel] = leaf

    starts = range(0, n_b, chunk)
    if threads == 1:
        for lo in starts:
            one(lo)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(one, starts))  # list(): re-raise any chunk's error here
    return FastMPE(values0, path, lay.post, leaf_all)
