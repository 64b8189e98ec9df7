"""Reference implementation of the PLAIN agent-based design for the SEQUENTIAL game.

One ``mesa.Model`` per run, one ``mesa.Agent`` per actor whose state is a Python dict
``{node: action}`` over the tree nodes it owns (a pure behaviour strategy), leaf payoffs
in Python lists, a Python loop per step. It is what
:class:`sim.abm.tree_model.TreeLearningModel` is benchmarked against
(``benchmarks/bench_abm.py --game sequential``) and is written independently of
``sim/abm/tree_model.py``, ``tree_tables.py`` and ``rules.py``; it implements the same
semantics, so both give identical per-run outcomes:

* run keys: ``run_keys(seed, points, replicates)``; node ``v``'s uniform at step ``t`` is
  ``U(key, t, v, 1)`` of :mod:`sim.abm.streams` (:func:`plain_abm.py_uniforms`, Python
  integers; only stochastic rules draw after step 0);
* initial action at node ``v`` with ``k`` actions: ``min(int(u * k), k - 1)``, ``u`` its step-0 draw;
* the value of action ``a`` at own node ``v``: the agent's payoff at the leaf reached from
  child(v, a) when everyone follows the current strategies (computed by one pass over
  the nodes in reverse preorder per step); fictitious play: the expected payoff when the
  others play their empirical action frequencies at their nodes (counts of every node's
  action after every step, and of the initial one), ``f_0 E_0 + f_1 E_1 + ...`` in action order;
* every agent revises at every own node at once, from the strategies before the step:
  best response (with probability ``revision_prob`` move to a best reply: keep the
  current action if within ``ATOL`` of the best, else the first within ``ATOL``),
  fictitious play (best reply, no draw), logit (``P(a) ∝ exp(lam (v_a - max v))``, numpy's
  ``exp`` as the vectorised model; the number of cumulative sums ``c_a < u c_last``, capped
  at ``k - 1``), regret matching (the same draw on the positive parts of the cumulative
  regrets ``r_a = V_a - S``, all ones if none is positive; ``V_a += v_a`` and ``S +=
  v_current`` after every step and once at the start: the sums of each action's values
  and of the played actions' values);
* outcomes: the leaf the final strategies reach; whether they are subgame perfect
  (every node's action within ``ATOL`` of the best there); the last step at which any
  node's action changed; settled (subgame perfect and unchanged for ``settle_window``
  steps); the modal regime of the path over the steps ``t > steps - tail``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from plain_abm import DRAWS
from sim.abm.streams import run_keys
from sim.engine.equilibrium import ATOL

RULES = ("best_response", "fictitious_play", "logit", "regret_matching")


@dataclass(frozen=True)
class PlainTree:
    """One run's game: the tree and leaf payoffs as Python data.

    mover[v] : player at node v (-2 at leaves); children[v] : child node ids; leaf[v] :
    leaf number (-1 if not a leaf); payoffs[l][i] : player i's payoff at leaf l;
    regime[l] : the leaf's regime; order : decision nodes in reverse preorder.
    """

    mover: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    leaf: tuple[int, ...]
    payoffs: tuple[tuple[float, ...], ...]
    regime: tuple[int, ...]
    n_regimes: int
    order: tuple[int, ...]


def plain_tree(tree, leaf_payoffs: np.ndarray, regime: Sequence[int]) -> PlainTree:
    """From a :class:`sim.engine.tree.Tree`, leaf payoffs (n_leaves, N) and leaf regimes."""
    mover = tuple(int(p) for p in tree.node_player)
    regime = tuple(int(r) for r in regime)
    return PlainTree(mover, tuple(tuple(int(c) for c in k) for k in tree.children),
                     tuple(int(x) for x in tree.leaf_index),
                     tuple(tuple(float(x) for x in row) for row in np.asarray(leaf_payoffs, dtype=float)),
                     regime, max(regime) + 1, tuple(v for v in reversed(range(len(mover))) if mover[v] >= 0))


class PlainTreeAgent(mesa.Agent):
    """One actor in one run: ``strategy`` maps each own node to its action (a Python int)."""

    def __init__(self, model: "PlainTreeModel", index: int, nodes: list[int]):
        super().__init__(model)
        self.index, self.nodes = index, nodes
        g = model.game
        self.strategy = {}
        for v in nodes:
            k = len(g.children[v])
            self.strategy[v] = min(int(model.draw(model.key, 0, v, 1)[0] * k), k - 1)
            model.action[v] = self.strategy[v]
        self.next = dict(self.strategy)
        rm = model.rule == "regret_matching"
        self.value_sums = {v: [0.0] * len(g.children[v]) for v in nodes} if rm else None  # V_a per node
        self.played_sum = {v: 0.0 for v in nodes} if rm else None  # S per node

    def values(self, v: int) -> list[float]:
        """My payoff of each action at node ``v``: the leaf each child reaches (last strategies),
        or the expected payoff against the others' frequencies (fictitious play)."""
        m = self.model
        if m.rule == "fictitious_play":
            ev = m.expected(self.index)
            return [ev[c] for c in m.game.children[v]]
        reach, pay = m.reach(), m.game.payoffs
        return [pay[reach[c]][self.index] for c in m.game.children[v]]

    def decide(self) -> None:
        m = self.model
        for v in self.nodes:
            cur = self.strategy[v]
            u = m.draw(m.key, m.steps, v, 1)[0] if m.rule != "fictitious_play" else None
            if m.rule == "best_response":
                self.next[v] = best_reply(self.values(v), cur) if u < m.revision_prob else cur
            elif m.rule == "fictitious_play":
                self.next[v] = best_reply(self.values(v), cur)
            elif m.rule == "logit":
                vals = self.values(v)
                top = max(vals)
                z = np.array([m.lam * (x - top) for x in vals])
                self.next[v] = draw(np.exp(z).tolist(), u)
            else:
                played = self.played_sum[v]
                pos = [r if (r := x - played) > 0.0 else 0.0 for x in self.value_sums[v]]  # regrets' positive parts
                self.next[v] = draw(pos if sum_positive(pos) else [1.0] * len(pos), u)

    def commit(self) -> None:
        m = self.model
        for v in self.nodes:
            self.strategy[v] = self.next[v]
            m.action[v] = self.next[v]
        m.changed()

    def learn(self) -> None:
        if self.value_sums is None:
            return
        m = self.model
        reach, pay = m.reach(), m.game.payoffs
        for v in self.nodes:
            vals = [pay[reach[c]][self.index] for c in m.game.children[v]]
            sums = self.value_sums[v]
            for a in range(len(vals)):
                sums[a] += vals[a]
            self.played_sum[v] += vals[self.strategy[v]]


def best_reply(vals: list[float], cur: int) -> int:
    """The current action if within ATOL of the best, else the first such action."""
    best = max(vals)
    if vals[cur] >= best - ATOL:
        return cur
    return next(a for a, x in enumerate(vals) if x >= best - ATOL)


def sum_positive(parts: list[float]) -> bool:
    """Whether the cumulative sum of non-negative ``parts`` is positive."""
    c = 0.0
    for p in parts:
        c += p
    return c > 0.0


def draw(weights: list[float], u: float) -> int:
    """The number of cumulative sums ``c_a < u * c_last`` over a < k - 1."""
    cum, c = [], 0.0
    for w in weights:
        c += w
        cum.append(c)
    threshold = u * cum[-1]
    return sum(1 for x in cum[:-1] if x < threshold)


class PlainTreeModel(mesa.Model):
    """One run of repeated play of one game tree."""

    def __init__(self, game: PlainTree, n_players: int, key: int, rule: str = "best_response",
                 revision_prob: float = 0.3, lam: float = 5.0, steps: int = 200, tail: int = 50,
                 rng: str = "python"):
        if rule not in RULES:
            raise ValueError(f"rule={rule!r}; the plain design implements {RULES}")
        key = int(key)
        super().__init__(seed=key)
        self.game, self.key, self.rule, self.revision_prob, self.lam = game, key, rule, revision_prob, lam
        self.n_steps, self.tail, self.draw = steps, tail, DRAWS[rng]
        self.action = [0] * len(game.mover)
        self.actors = []
        for i in range(n_players):
            self.actors.append(PlainTreeAgent(self, i, [v for v in range(len(game.mover)) if game.mover[v] == i]))
        self.counts = {v: [0] * len(game.children[v]) for v in game.order} if rule == "fictitious_play" else None
        self.changed()
        self._count()
        self.last_change = 0
        self._last = list(self.action)
        self.regime_counts = [0] * game.n_regimes
        self.agents.do("learn")

    def changed(self) -> None:
        self._reach = None
        self._ev = {}

    def reach(self) -> list[int]:
        """The leaf reached from every node under the current strategies (cached)."""
        if self._reach is None:
            g = self.game
            r = list(g.leaf)
            for v in g.order:
                r[v] = r[g.children[v][self.action[v]]]
            self._reach = r
        return self._reach

    def expected(self, i: int) -> list[float]:
        """Player i's expected payoff from every node: own nodes follow its strategy, the
        others' nodes their empirical frequencies (cached)."""
        if i not in self._ev:
            g = self.game
            ev = [g.payoffs[g.leaf[v]][i] if g.leaf[v] >= 0 else 0.0 for v in range(len(g.mover))]
            for v in g.order:
                kids = g.children[v]
                if g.mover[v] == i:
                    ev[v] = ev[kids[self.action[v]]]
                    continue
                n = self.counts[v]
                total = float(sum(n))
                acc = (n[0] / total) * ev[kids[0]]
                for a in range(1, len(kids)):
                    acc += (n[a] / total) * ev[kids[a]]
                ev[v] = acc
            self._ev[i] = ev
        return self._ev[i]

    def _count(self) -> None:
        if self.counts is not None:
            for v, n in self.counts.items():
                n[self.action[v]] += 1
            self._ev = {}

    def step(self) -> None:
        self.agents.do("decide")
        self.agents.do("commit")
        self._count()
        if self.rule == "regret_matching":
            self.agents.do("learn")
        if self.action != self._last:
            self.last_change = self.steps
            self._last = list(self.action)
        if self.steps > self.n_steps - self.tail:
            self.regime_counts[self.game.regime[self.reach()[0]]] += 1

    def run(self) -> "PlainTreeModel":
        while self.steps < self.n_steps:
            self.step()
        return self

    def is_spe(self) -> bool:
        """Every node's action within ATOL of the best there, under the current strategies."""
        g, reach = self.game, self.reach()
        for v in g.order:
            i = g.mover[v]
            vals = [g.payoffs[reach[c]][i] for c in g.children[v]]
            if vals[self.action[v]] < max(vals) - ATOL:
                return False
        return True

    def outcome(self, settle_window: int) -> dict:
        spe = self.is_spe()
        settled = spe and self.steps - self.last_change >= settle_window
        counts = self.regime_counts
        return {"final_profile": self.reach()[0], "final_is_ne": spe, "settled": settled,
                "settle_step": self.last_change if settled else -1, "modal_regime": counts.index(max(counts))}


def run_plain(games: Sequence[PlainTree], n_players: int, points: Sequence[int], replicates: int, seed: int, *,
              rule: str = "best_response", revision_prob: float = 0.3, lam: float = 5.0, steps: int = 200,
              tail: int = 50, settle_window: int = 20, rng: str = "python") -> list[dict]:
    """Outcomes of every run, one Mesa model per run, in ``run_keys`` order (``games[p]``:
    the game of global grid point ``points[p]``)."""
    keys = run_keys(seed, np.asarray(points), replicates)
    return [PlainTreeModel(games[r // replicates], n_players, key, rule, revision_prob, lam, steps, tail, rng)
            .run().outcome(settle_window) for r, key in enumerate(keys.tolist())]


def vectorised_outcomes(outcomes: dict) -> list[dict]:
    """``TreeLearningModel.outcomes(...)`` as one dict per run, in this design's format."""
    return [{"final_profile": int(outcomes["final_profile"][r]), "final_is_ne": bool(outcomes["final_is_ne"][r]),
             "settled": bool(outcomes["settled"][r]), "settle_step": int(outcomes["settle_step"][r]),
             "modal_regime": int(outcomes["modal_regime"][r])} for r in range(len(outcomes["final_profile"]))]
