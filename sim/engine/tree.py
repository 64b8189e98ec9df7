"""Perfect-information game trees and backward induction, vectorised over batches.

A :class:`Tree` is a rooted tree whose nodes are numbered in depth-first preorder
(root = 0). Each internal node is either a *decision* node of one player or a *chance*
node with fixed probabilities; each terminal node (leaf) is numbered ``0..n_leaves-1``
in the same preorder. This is the order in which Gambit's ``.efg`` format lists nodes.

Leaf payoffs for a batch of ``B`` games sharing the tree have shape
``(B, n_leaves, n_players)``: ``L[b, l, i]`` is player ``i``'s payoff at leaf ``l`` in
game ``b``.

Tie-break rule of backward induction: at a decision node the mover picks the **first**
action (lowest index, in the order the tree lists them) whose value is within ``atol`` of
the best. Scenarios list actions from least to most escalatory, so ties resolve towards
restraint. Every tie is recorded: ``tie_on_path`` flags a tie at a decision node on the
equilibrium path, ``tie_anywhere`` a tie at any decision node (when False the
subgame-perfect equilibrium is unique).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.equilibrium import ATOL

CHANCE = -1
TERMINAL = -2


@dataclass(frozen=True)
class Decision:
    """A decision node: ``player`` (index) chooses among ``actions`` (labels)."""

    player: int
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Chance:
    """A chance node: nature picks ``actions[k]`` with probability ``probs[k]``."""

    actions: tuple[str, ...]
    probs: tuple[float, ...]


@dataclass(frozen=True, eq=False)  # array fields: compare trees by identity
class Tree:
    """A finite perfect-information tree with optional chance nodes.

    Attributes
    ----------
    players : player names, indexed 0..N-1.
    node_player : shape (n_nodes,); player index, ``CHANCE`` or ``TERMINAL``.
    children : per node, the child node ids in action order (empty for leaves).
    actions : per node, the action labels in the same order.
    probs : per node, the chance probabilities (empty unless a chance node).
    leaf_index : shape (n_nodes,); the leaf number of terminal nodes, -1 otherwise.
    """

    players: tuple[str, ...]
    node_player: np.ndarray
    children: tuple[tuple[int, ...], ...]
    actions: tuple[tuple[str, ...], ...]
    probs: tuple[tuple[float, ...], ...]
    leaf_index: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.children)

    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def leaves(self) -> np.ndarray:
        """Node ids of the leaves, shape (n_leaves,), in leaf order."""
        return np.flatnonzero(self.node_player == TERMINAL)

    @property
    def n_leaves(self) -> int:
        return int((self.node_player == TERMINAL).sum())

    def depth(self) -> np.ndarray:
        """Depth of each node (root 0), shape (n_nodes,)."""
        d = np.zeros(self.n_nodes, dtype=int)
        for v in range(self.n_nodes):  # preorder: parents come first
            for c in self.children[v]:
                d[c] = d[v] + 1
        return d

    def leaf_histories(self) -> list[tuple[str, ...]]:
        """Action labels from the root to each leaf, in leaf order."""
        hist: dict[int, tuple[str, ...]] = {0: ()}
        for v in range(self.n_nodes):
            for lab, c in zip(self.actions[v], self.children[v]):
                hist[c] = hist[v] + (lab,)
        return [hist[int(v)] for v in self.leaves]


def tree_from_rule(
    players: Sequence[str],
    rule: Callable[[tuple[str, ...]], Decision | Chance | None],
) -> Tree:
    """Build a tree by asking ``rule(history)`` what happens after each history.

    ``rule`` returns a :class:`Decision`, a :class:`Chance`, or ``None`` for a terminal
    history; histories are tuples of action labels from the root.
    """
    node_player: list[int] = []
    children: list[list[int]] = []
    actions: list[tuple[str, ...]] = []
    probs: list[tuple[float, ...]] = []

    def visit(history: tuple[str, ...]) -> int:
        v = len(node_player)
        spec = rule(history)
        node_player.append(0)
        children.append([])
        if spec is None:
            node_player[v] = TERMINAL
            actions.append(())
            probs.append(())
            return v
        if not spec.actions:
            raise ValueError(f"node after {history} has no actions")
        if isinstance(spec, Chance):
            p = np.asarray(spec.probs, dtype=float)
            if p.shape != (len(spec.actions),) or not np.all(np.isfinite(p) & (p >= 0)) \
                    or not abs(p.sum() - 1) <= 1e-9:
                raise ValueError(f"chance node after {history}: probabilities must sum to 1")
            node_player[v] = CHANCE
            probs.append(tuple(float(x) for x in p))
        else:
            if not 0 <= spec.player < len(players):
                raise ValueError(f"node after {history}: unknown player index {spec.player}")
            node_player[v] = spec.player
            probs.append(())
        actions.append(tuple(spec.actions))
        for a in spec.actions:
            children[v].append(visit(history + (a,)))
        return v

    visit(())
    node_player_arr = np.array(node_player, dtype=int)
    leaf_index = np.full(len(node_player), -1, dtype=int)
    term = node_player_arr == TERMINAL
    leaf_index[term] = np.arange(term.sum())
    return Tree(
        players=tuple(players),
        node_player=node_player_arr,
        children=tuple(tuple(c) for c in children),
        actions=tuple(actions),
        probs=tuple(probs),
        leaf_index=leaf_index,
    )


@dataclass(frozen=True)
class Level:
    """The internal nodes at one depth, with children padded to a common width."""

    nodes: np.ndarray  # (m,)
    kids: np.ndarray  # (m, k); padding points at the dummy slot n_nodes
    valid: np.ndarray  # (m, k) bool
    mover: np.ndarray  # (m,) player index or CHANCE
    probs: np.ndarray  # (m, k) chance probabilities (0 elsewhere)


def depth_levels(tree: Tree) -> list[Level]:
    """Internal nodes grouped by depth, deepest first (children before parents)."""
    depth = tree.depth()
    internal = np.flatnonzero(tree.node_player != TERMINAL)
    out = []
    for d in sorted(set(depth[internal].tolist()), reverse=True):
        nodes = internal[depth[internal] == d]
        k = max(len(tree.children[v]) for v in nodes)
        kids = np.full((len(nodes), k), tree.n_nodes, dtype=int)
        probs = np.zeros((len(nodes), k))
        for r, v in enumerate(nodes):
            kids[r, : len(tree.children[v])] = tree.children[v]
            if tree.probs[v]:
                probs[r, : len(tree.probs[v])] = tree.probs[v]
        out.append(Level(nodes, kids, kids < tree.n_nodes, tree.node_player[nodes], probs))
    return out


@dataclass(frozen=True)
class BackwardInduction:
    """Result of backward induction on a batch of ``B`` games sharing one tree.

    Attributes
    ----------
    values : shape (B, n_nodes, N); subgame-perfect value of each node to each player.
    choice : shape (B, n_nodes); chosen action index at decision nodes, -1 elsewhere.
    tie : shape (B, n_nodes); True where the mover had several best actions.
    path_leaf : shape (B,); leaf reached on the equilibrium path, or -1 when the path
        meets a chance node (then ``values[:, 0]`` holds the expected payoffs).
    tie_on_path : shape (B,); a tie at a decision node on the path (up to any chance node).
    tie_anywhere : shape (B,); a tie at any decision node (False ⇒ the SPE is unique).
    """

    values: np.ndarray
    choice: np.ndarray
    tie: np.ndarray
    path_leaf: np.ndarray
    tie_on_path: np.ndarray
    tie_anywhere: np.ndarray

    @property
    def root_payoffs(self) -> np.ndarray:
        """Equilibrium payoffs, shape (B, N)."""
        return self.values[:, 0]


def backward_induction(tree: Tree, leaf_payoffs: np.ndarray, atol: float = ATOL) -> BackwardInduction:
    """Subgame-perfect equilibrium of a batch of perfect-information games.

    Parameters
    ----------
    tree : the shared game tree.
    leaf_payoffs : array, shape (B, n_leaves, N) (or (n_leaves, N) for one game).
    atol : actions within ``atol`` of the mover's best count as tied; the first wins.

    Returns
    -------
    BackwardInduction (see its attributes). The loop runs over tree depths, never over
    games.
    """
    lp = np.asarray(leaf_payoffs, dtype=float)
    if lp.ndim == 2:
        lp = lp[None]
    if lp.ndim != 3 or lp.shape[1:] != (tree.n_leaves, tree.n_players):
        raise ValueError(
            f"leaf_payoffs must have shape (B, {tree.n_leaves}, {tree.n_players}); got {lp.shape}"
        )
    if not np.all(np.isfinite(lp)):
        raise ValueError("leaf payoffs must be finite")
    return backward_induction_batch_last(tree, lp.transpose(1, 2, 0), atol)


def backward_induction_batch_last(tree: Tree, leaf_payoffs: np.ndarray, atol: float = ATOL,
                                  chance_probs: np.ndarray | None = None) -> BackwardInduction:
    """Kernel of :func:`backward_induction` on leaf payoffs of shape (n_leaves, N, B).

    No input checks. Works batch-last, (node, player, game), so every gather copies
    contiguous rows of B values. ``chance_probs``, shape (n_nodes, k_max, B), overrides
    the tree's chance probabilities per game (rows of non-chance nodes are ignored), for
    priors that vary over a sweep.
    """
    n_batch, n_nodes, n_players = leaf_payoffs.shape[2], tree.n_nodes, tree.n_players
    values = np.zeros((n_nodes + 1, n_players, n_batch))  # last node: padding
    values[tree.leaves] = leaf_payoffs
    choice = np.full((n_nodes, n_batch), -1, dtype=np.int32)
    tie = np.zeros((n_nodes, n_batch), dtype=bool)

    cols = np.arange(n_batch)
    for level in depth_levels(tree):
        is_chance = level.mover == CHANCE
        if is_chance.any():
            ch = np.flatnonzero(is_chance)
            kid_vals = values[level.kids[ch]]  # (m, k, N, B)
            if chance_probs is None:
                values[level.nodes[ch]] = np.einsum("mknb,mk->mnb", kid_vals, level.probs[ch])
            else:
                k = kid_vals.shape[1]
                probs = chance_probs[level.nodes[ch], :k]  # (m, k, B)
                values[level.nodes[ch]] = np.einsum("mknb,mkb->mnb", kid_vals, probs)
        dec = np.flatnonzero(~is_chance)
        if dec.size:
            kids = level.kids[dec]  # (m, k)
            own = values[kids, level.mover[dec][:, None]]  # (m, k, B): only the mover's values
            own[~level.valid[dec]] = -np.inf
            best = own.max(axis=1, keepdims=True)
            is_best = own >= best - atol
            pick = is_best.argmax(axis=1)  # (m, B): the first best action
            nodes = level.nodes[dec]
            choice[nodes] = pick
            tie[nodes] = is_best.sum(axis=1) > 1
            chosen = np.take_along_axis(kids, pick, axis=1)  # (m, B): node id of the chosen child
            values[nodes] = values[chosen[:, None, :], np.arange(n_players)[None, :, None], cols]

    choice, tie = choice.T, tie.T
    path_leaf, tie_on_path = _follow_path(tree, choice, tie)
    return BackwardInduction(
        values=values[:n_nodes].transpose(2, 0, 1),
        choice=choice,
        tie=tie,
        path_leaf=path_leaf,
        tie_on_path=tie_on_path,
        tie_anywhere=tie.any(axis=1),
    )


def _follow_path(tree: Tree, choice: np.ndarray, tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walk the chosen actions from the root, for every game at once."""
    n_batch = choice.shape[0]
    width = max(1, max(len(c) for c in tree.children))
    kids = np.full((tree.n_nodes, width), -1, dtype=int)
    for v, c in enumerate(tree.children):
        kids[v, : len(c)] = c
    node = np.zeros(n_batch, dtype=int)
    active = np.ones(n_batch, dtype=bool)
    tie_on_path = np.zeros(n_batch, dtype=bool)
    rows = np.arange(n_batch)
    while active.any():
        kind = tree.node_player[node]
        active &= kind >= 0  # stop at leaves and chance nodes
        tie_on_path |= active & tie[rows, node]
        step = np.where(active, choice[rows, node], 0)
        node = np.where(active, kids[node, step], node)
    leaf = np.where(tree.node_player[node] == TERMINAL, tree.leaf_index[node], -1)
    return leaf, tie_on_path


def node_reach(tree: Tree, choice: np.ndarray, chance_probs: np.ndarray | None = None) -> np.ndarray:
    """Probability of reaching each node when every mover plays ``choice``.

    Parameters
    ----------
    choice : shape (B, n_nodes), chosen action per decision node (as returned by
        :func:`backward_induction`).
    chance_probs : optional, shape (n_nodes, k_max, B), per-game chance probabilities.

    Returns
    -------
    array, shape (n_nodes, B).
    """
    n_batch = choice.shape[0]
    reach = np.zeros((tree.n_nodes, n_batch))
    reach[0] = 1.0
    for v in range(tree.n_nodes):  # preorder: parents first; a loop over nodes, not games
        kids = tree.children[v]
        if not kids:
            continue
        if tree.node_player[v] == CHANCE:
            for j, c in enumerate(kids):
                p = tree.probs[v][j] if chance_probs is None else chance_probs[v, j]
                reach[c] = reach[v] * p
        else:
            for j, c in enumerate(kids):
                reach[c] = reach[v] * (choice[:, v] == j)
    return reach


def reach_probabilities(tree: Tree, choice: np.ndarray, chance_probs: np.ndarray | None = None) -> np.ndarray:
    """Probability of reaching each leaf when every mover plays ``choice``, shape
    (B, n_leaves); each row sums to 1 (see :func:`node_reach` for the arguments)."""
    return node_reach(tree, choice, chance_probs)[tree.leaves].T


def spe_path_labels(tree: Tree, choice: np.ndarray) -> list[str]:
    """Action labels along one game's equilibrium path (``choice`` shape (n_nodes,)).

    The path stops at a leaf or at the first chance node.
    """
    labels, v = [], 0
    while tree.node_player[v] >= 0:
        k = int(choice[v])
        labels.append(tree.actions[v][k])
        v = tree.children[v][k]
    return labels


def _kid_table(tree: Tree) -> np.ndarray:
    """Children of each node padded with -1, shape (n_nodes, max width)."""
    width = max(1, max(len(c) for c in tree.children))
    kids = np.full((tree.n_nodes, width), -1, dtype=int)
    for v, c in enumerate(tree.children):
        kids[v, : len(c)] = c
    return kids


def continuation_leaves(tree: Tree, choice: np.ndarray, games: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Leaf (node id) reached from node ``start[j]`` in game ``games[j]`` when every mover
    plays ``choice`` (B, n_nodes); stops at a chance node. Shapes: any, equal."""
    kids = _kid_table(tree)
    node = np.array(start, dtype=int)
    while True:
        active = tree.node_player[node] >= 0
        if not active.any():
            return node
        step = np.where(active, choice[games, node], 0)
        node = np.where(active, kids[node, step], node)


def decisive_ties_on_path(tree: Tree, result: BackwardInduction, atol: float = ATOL,
                          regime: np.ndarray | None = None) -> np.ndarray:
    """Games whose equilibrium path passes a tie that decides something, shape (B,) bool.

    A tie decides the payoffs when the mover's tied actions lead to different
    continuation payoffs for some player (by more than ``atol``): then the tie-break
    rule, not the payoffs, picks the outcome. A tie between payoff-equivalent actions
    (e.g. two demands the last mover answers the same way) changes no one's payoff and
    is not counted. With ``regime`` (regime of each leaf, shape (n_leaves,)), a tie
    counts only if the tied actions' continuations end in different regimes: the
    tie-break picks the regime. ``result`` is :func:`backward_induction`'s.
    """
    values = result.values  # (B, n_nodes, N)
    n_batch = values.shape[0]
    kids = _kid_table(tree)
    rows = np.arange(n_batch)
    node = np.zeros(n_batch, dtype=int)
    active = np.ones(n_batch, dtype=bool)
    decisive = np.zeros(n_batch, dtype=bool)
    while active.any():
        active &= tree.node_player[node] >= 0  # stop at leaves and chance nodes
        check = active & result.tie[rows, node]
        if check.any():
            b, v = rows[check], node[check]
            k = kids[v]  # (m, width); -1 = padding
            kk = np.where(k >= 0, k, 0)
            vals = values[b[:, None], kk]  # (m, width, N)
            m = np.arange(len(b))
            own = np.where(k >= 0, vals[m, :, tree.node_player[v]], -np.inf)  # (m, width)
            tied = own >= own.max(axis=1, keepdims=True) - atol
            chosen = result.choice[b, v]
            if regime is None:
                differs = (np.abs(vals - vals[m, chosen][:, None, :]) > atol).any(axis=2)
            else:
                ends = continuation_leaves(tree, result.choice, np.repeat(b[:, None], k.shape[1], 1), kk)
                reg = np.where(tree.node_player[ends] == TERMINAL, regime[tree.leaf_index[ends]], -1)
                differs = reg != reg[m, chosen][:, None]
            decisive[b] |= (tied & differs).any(axis=1)
        step = np.where(active, result.choice[rows, node], 0)
        node = np.where(active, kids[node, step], node)
    return decisive
