"""The Mesa model of the sequential (extensive-form) game: agents learn behaviour strategies.

A :class:`TreeLearningModel` simulates ``R`` independent runs of repeated play of the
scenario's perfect-information game tree at once, exactly as :mod:`sim.abm.model` does for
the simultaneous game: run ``r`` plays game ``point[r]`` (leaf payoffs of one of ``P``
games) with its own random stream, and each actor is one real ``mesa.Agent`` whose state
is an array over runs.

State: every agent holds a *pure action at every node it owns* (a pure behaviour
strategy; in a perfect-information tree every node is an information set), shape
(n_own_nodes, R); the model keeps all of them as one array (S, R), slots laid out by
:func:`sim.abm.tree_tables.layout`. Agents observe the others' whole current strategies
(the strategy method of experimental economics), as agents of the simultaneous game
observe the others' current profile.

Values: the value of own action ``a`` at own node ``v`` is the agent's payoff at the leaf
reached from child(v, a) when everyone (itself included, at later nodes) follows the
current strategies (fictitious play: when the others play their empirical frequencies).

A step is simultaneous: every agent revises at every one of its nodes at once
(``do("decide")``) with the learning rule of :mod:`sim.abm.rules` applied per node (a
group of nodes with the same number of actions is one array op; one uniform per node per
step, keyed by the node id, :mod:`sim.abm.streams`), then all commit, then regret
matching updates its memory per node against the new strategies: the cumulative regret
of an action is the sum of its values minus the sum of the values of the actions played
(:class:`sim.abm.tree_tables.RegretSums`).

Long-run play is the leaf (outcome) the strategies reach; its regime is
``sc.sequential.regime``. A run has *settled* when its strategies have not changed for
``settle_window`` steps and are subgame perfect: at every node the action is a best
reply in its subgame within ``ATOL``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

import mesa
import numpy as np

from sim.abm.rules import Rule, RuleOptions, best_reply, draw_from_cumulative, pick
from sim.abm.streams import agents_uniforms, run_keys
from sim.abm.tree_tables import (Expectation, Layout, RegretSums, StaticGroup, add_values, cell_tables,
                                 expected_values, group_levels, group_values, group_values_static, initial_reach,
                                 kid_payoffs, layout, leaf_tables, loose_leaves, own_depth, reach, regret_matching_draw,
                                 regret_sums, static_group)
from sim.engine.equilibrium import ATOL
from sim.engine.tree import Tree, backward_induction_batch_last


@dataclass(frozen=True)
class TreeSegment:
    """The games in force from step ``start`` (1-based) on: leaf payoffs (n_leaves, N, P)."""

    start: int
    payoffs: np.ndarray


class TreeAgent(mesa.Agent):
    """An actor of the sequential game over all runs: a pure action at each node it owns.

    Class metadata: ``role`` (actor name), ``levers`` (its actions). Instance metadata:
    ``memory`` and ``stochastic`` (from the rule), ``nodes`` (the tree nodes it owns).
    """

    role: ClassVar[str] = ""
    levers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: "TreeLearningModel", index: int):
        super().__init__(model)
        self.index = index
        self.n_actions = len(self.levers)
        self.memory, self.stochastic = model.rule.memory, model.rule.stochastic
        self.groups = model.layout.groups[index]
        self.slots = model.layout.agent_slots[index]
        self.nodes = model.layout.slot_node[self.slots]
        # regret matching's memory per group (:class:`sim.abm.tree_tables.RegretSums`), made by new_segment
        self.regrets: list[RegretSums | None] | None = [None] * len(self.groups) \
            if model.rule.name == "regret_matching" else None
        self.next_strategy: list[np.ndarray] = []

    @property
    def strategy(self) -> np.ndarray:
        """The action (index at its node) at each own node in every run, (n_own_nodes, R)."""
        return self.model.strategy[self.slots]

    @property
    def path_action(self) -> np.ndarray:
        """The actor's action (index into ``levers``) on each run's current path, (R,)."""
        return self.model.outcomes_table[self.model.path_leaf(), self.index]

    def action_shares(self) -> tuple[float, ...]:
        """Share of runs whose current path has each of the actor's actions, ``levers`` order."""
        counts = np.bincount(self.path_action, minlength=self.n_actions)
        return tuple(float(c) / self.model.n_runs for c in counts)

    @property
    def payoff(self) -> np.ndarray:
        """The actor's payoff at each run's current leaf, (R,)."""
        m = self.model
        return np.take(m.tables.payoff[self.index], m.tables.offset[self.index] + m.path_leaf())

    def decide(self) -> None:
        m, rule = self.model, self.model.rule
        self.next_strategy = []
        for gi, g in enumerate(self.groups):
            if (self.index, gi) in m.frozen:  # play there cannot change in this segment
                self.next_strategy.append(None)
                continue
            current = m.strategy[g.slots].reshape(-1)  # (m * R,)
            nxt = m.static_choice(self.index, gi, current)
            if nxt is None and rule.given_best_reply is not None and rule.belief == "last":
                best = best_reply(m.values(self.index, gi), current)  # best_response: the same steps
                m.freeze_if_settled(self.index, gi, best, current)
                nxt = rule.given_best_reply(best, current, m.node_draws(g.slots), m.opts)
            elif nxt is None and self.regrets is not None:
                nxt = regret_matching_draw(self.regrets[gi], m.node_draws(g.slots)[0])
            elif nxt is None:
                values = m.values(self.index, gi, rule.belief) if rule.uses_values else None
                nxt = rule.choose(values, current, None, m.node_draws(g.slots), m.opts)
            self.next_strategy.append(nxt)

    def commit(self) -> None:
        m = self.model
        for gi, (g, nxt) in enumerate(zip(self.groups, self.next_strategy)):
            if nxt is not None:
                m.set_strategy(self.index, gi, nxt.reshape(g.size, m.n_runs))
        m.strategy_changed()

    def learn(self) -> None:
        """Regret matching: add the values against the strategies now in force to the
        memory (:func:`sim.abm.tree_tables.add_values`; tabulated groups: per cell history)."""
        if self.regrets is None:
            return
        m = self.model
        for gi, (g, rs) in enumerate(zip(self.groups, self.regrets)):
            add_values(rs, None if rs.cols is not None else m.values(self.index, gi, "last"),
                       m.strategy[g.slots].reshape(-1))

    def new_segment(self) -> None:
        """Regret matching: carry the memory over to the segment now in force (a tabulated
        group's columns become the cell histories extended by the segment's cells)."""
        if self.regrets is None:
            return
        m = self.model
        self.regrets = [regret_sums(g.n_actions, g.size * m.n_runs, m.static[self.index][gi], prev)
                        for gi, (g, prev) in enumerate(zip(self.groups, self.regrets))]


@cache
def tree_agent_class(role: str, levers: tuple[str, ...]) -> type[TreeAgent]:
    """The TreeAgent subclass of one actor role (e.g. ``IraqTreeAgent``), made once per role."""
    name = "".join(w[:1].upper() + w[1:] for w in role.replace("-", " ").split() if w.isalnum()) + "TreeAgent"
    return type(name, (TreeAgent,), {"role": role, "levers": levers,
                                      "__doc__": f"The {role} actor in the sequential game."})


def _collector() -> mesa.DataCollector:
    """Per step: share of runs whose strategies are subgame perfect (``share_at_nash``), the
    mean total gain of the best deviations at all nodes; per agent: path action shares, payoff."""
    return mesa.DataCollector(
        model_reporters={"share_at_nash": lambda m: float(m.is_spe().mean()),
                         "mean_nash_conv": lambda m: float(m.deviation_gain().mean())},
        agent_reporters={"role": "role", "action_shares": lambda a: a.action_shares(),
                         "mean_payoff": lambda a: float(a.payoff.mean())},
    )


class TreeLearningModel(mesa.Model):
    """Repeated play of a perfect-information game tree by adaptive agents, ``R`` runs at once.

    Parameters
    ----------
    actors : (name, action labels) per player, in the tree's player order.
    tree : the game tree (no chance nodes); outcomes : (n_leaves, N) each actor's action
        index at each leaf; regime : (n_leaves,) regime index of each leaf.
    segments : :class:`TreeSegment` s, the first starting at step 1 (later ones: shocks).
    rule, opts : the learning rule and its parameters.
    points : (P_runs,) global grid-point index of each game; runs are
        ``len(points) * replicates``, point-major.
    steps, tail, seed, collect : as :class:`sim.abm.model.LearningModel`.
    """

    def __init__(self, actors: Sequence[tuple[str, tuple[str, ...]]], tree: Tree, outcomes: np.ndarray,
                 regime: np.ndarray, segments: Sequence[TreeSegment], rule: Rule, opts: RuleOptions,
                 points: np.ndarray, replicates: int, steps: int, tail: int, seed: int = 0,
                 collect: bool = True):
        super().__init__(seed=seed)
        self.rule, self.opts = rule, opts
        self.layout: Layout = layout(tree)
        self.outcomes_table = np.asarray(outcomes, dtype=np.int64)
        self.regime = np.asarray(regime, dtype=np.int64)
        self.n_regimes = int(self.regime.max()) + 1
        self.segments = sorted(segments, key=lambda s: s.start)
        if self.segments[0].start != 1:
            raise ValueError("the first segment must start at step 1")
        self.n_steps, self.tail = steps, tail
        self.n_runs = len(points) * replicates
        self.keys = run_keys(seed, np.asarray(points), replicates)
        self.game_of_run = np.repeat(np.arange(len(points)), replicates)
        self.runs = np.arange(self.n_runs)
        self._draws, self._draws_step = None, -1  # every node's uniforms at step _draws_step (node_draws)
        for i, (role, levers) in enumerate(actors):
            tree_agent_class(role, tuple(levers))(self, i)
        self.actors = sorted(self.agents, key=lambda a: a.index)
        self._start()
        self.datacollector = _collector() if collect else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _start(self) -> None:
        """Initial strategies (uniform at every node, from the step-0 draws), the first game,
        the records."""
        lay = self.layout
        k = lay.n_actions[:, None]
        u0 = self.node_draws(slice(None), force=True).reshape(lay.n_slots, self.n_runs)
        self.strategy = np.minimum((u0 * k).astype(np.int64), k - 1)
        self._reach = initial_reach(lay, self.n_runs)
        self._dirty = set(range(len(lay.levels)))
        self._group_levels, self._deeper = group_levels(lay)
        self.counts = None
        if self.rule.belief == "empirical":  # per (level, part): (k, m, R)
            self.counts = {(li, pi): np.zeros((p.kids.shape[1], len(p.nodes), self.n_runs))
                           for li, lv in enumerate(lay.levels) for pi, p in enumerate(lv.parts)}
            self.n_counted = 0
            self._ev = np.zeros((lay.tree.n_nodes, self.n_runs))
            self._loose = loose_leaves(lay)
            self._own_depth = [own_depth(lay, i) for i in range(len(self.actors))]
        self._use_segment(self.segments[0])
        self._count()
        self._changed = np.zeros(self.n_runs, dtype=bool)
        self.last_change = np.zeros(self.n_runs, dtype=np.int64)
        self.regime_counts = np.zeros((self.n_regimes, self.n_runs), dtype=np.int64)
        self.tail_counts = [np.zeros((len(a.levers), self.n_runs), dtype=np.int64) for a in self.actors]
        for a in self.actors:
            a.learn()
        self._track()

    # --- the game ------------------------------------------------------------------

    def _use_segment(self, seg: TreeSegment) -> None:
        """Tabulate the segment's leaf payoffs per player (:func:`sim.abm.tree_tables.leaf_tables`)."""
        self.leaf_payoffs = np.asarray(seg.payoffs)
        self.tables = leaf_tables(self.leaf_payoffs, self.game_of_run)
        n_leaves = self.layout.tree.n_leaves
        self.static: list[list[StaticGroup | None]] = [
            [None if g.leaf_kids is None else static_group(g, self.tables, n_leaves) for g in groups]
            for groups in self.layout.groups]
        self._cell_tables: dict = {}
        self.frozen: set = set()  # (agent, group) whose play cannot change in this segment
        self._kid_pay: dict = {}
        for a in self.actors:
            a.new_segment()
        self.strategy_changed()

    def node_draws(self, slots: slice, force: bool = False) -> np.ndarray | None:
        """The uniform of each node of ``slots`` at the current step in every run, (1, m * R)
        (None for a deterministic rule): node ``v``'s draw is the stream's draw of "agent"
        ``v`` (:func:`sim.abm.streams.agents_uniforms`), made for every node at once when
        no group is frozen (else for a group's nodes together; the same numbers)."""
        if not (force or self.rule.stochastic):
            return None
        if force or self.frozen:
            return agents_uniforms(self.keys, self.steps, self.layout.slot_node[slots].tolist(), 1).reshape(1, -1)
        if self._draws_step != self.steps:
            self._draws = agents_uniforms(self.keys, self.steps, self.layout.slot_node.tolist(), 1)  # (S, R)
            self._draws_step = self.steps
        return self._draws[slots].reshape(1, -1)

    def set_strategy(self, i: int, g: int, new: np.ndarray) -> None:
        """Commit agent ``i``'s group ``g``'s new actions (m, R); note the runs and tree levels
        that changed (for the change record and the reach pass)."""
        current = self.strategy[self.layout.groups[i][g].slots]
        diff = new != current
        if diff.any():
            self._changed |= diff.any(axis=0)
            self._dirty.update(self._group_levels[i][g])
            current[...] = new

    def strategy_changed(self) -> None:
        """Forget what was computed from the current strategies (after a commit or a new game)."""
        self._reach_ok = False
        self._values: dict = {}
        self._freqs = None

    def reach_now(self) -> np.ndarray:
        """The leaf reached from every node under the current strategies, (n_nodes, R) (cached;
        levels below every change are kept)."""
        if not self._reach_ok:
            reach(self.layout, self.strategy, self._reach, self._dirty)
            self._dirty = set()
            self._reach_ok = True
        return self._reach

    def path_leaf(self) -> np.ndarray:
        """The leaf each run's current strategies reach from the root, (R,)."""
        return self.reach_now()[0]

    def cell_table(self, i: int, g: int, kind: str) -> np.ndarray:
        """:func:`sim.abm.tree_tables.cell_tables` of agent ``i``'s tabulated group ``g`` (cached
        for the segment)."""
        key = (i, g, kind)
        if key not in self._cell_tables:
            self._cell_tables[key] = cell_tables(self.static[i][g], kind, self.opts.lam)
        return self._cell_tables[key]

    def static_choice(self, i: int, g: int, current: np.ndarray):
        """The rule's choice at a tabulated group (children all leaves), by lookup: the
        best reply (best response, fictitious play: values there do not depend on beliefs)
        or logit's cumulative weights; None where the rule must compute (other groups,
        regret matching, an unknown rule). A group whose every action is already the best
        reply is frozen (:meth:`freeze_if_settled`)."""
        st, rule = self.static[i][g], self.rule
        if st is None:
            return None
        if (rule.given_best_reply is not None and rule.belief == "last") or rule.name == "fictitious_play":
            best = np.take(self.cell_table(i, g, "best"), st.cell_k + current).astype(np.int64, copy=False)
            self.freeze_if_settled(i, g, best, current)
            if rule.name == "fictitious_play":
                return best
            return rule.given_best_reply(best, current, self.node_draws(self.layout.groups[i][g].slots), self.opts)
        if rule.name == "logit":
            table = self.cell_table(i, g, "logit")
            cell = st.cell_k // table.shape[0]
            u = self.node_draws(self.layout.groups[i][g].slots)
            return draw_from_cumulative(np.take(table, cell, axis=1), u[0])
        return None

    def freeze_if_settled(self, i: int, g: int, best: np.ndarray, current: np.ndarray) -> None:
        """Freeze agent ``i``'s group ``g`` for the rest of the segment when every node's
        action is its best reply (``best == current``) and nothing below can change (every
        group with a deeper node is frozen; a tabulated group has only leaves below): then
        best response and fictitious play (at tabulated nodes) keep every action for good,
        so the group's step is skipped. Exact: the same actions as computing them."""
        if not all(k in self.frozen for k in self._deeper[i][g]) and self.static[i][g] is None:
            return
        if np.array_equal(best, current):
            self.frozen.add((i, g))

    def values(self, i: int, g: int, belief: str = "last") -> np.ndarray:
        """Payoff to agent ``i`` of each action at each node of its group ``g``, (k, m * R)
        (cached until the next commit; do not modify)."""
        key = (i, g, belief)
        if key not in self._values:
            group, st = self.layout.groups[i][g], self.static[i][g]
            if st is not None:  # children all leaves: the same values whatever the belief
                self._values[key] = group_values_static(st, group.n_actions)
                return self._values[key]
            if belief == "last":
                self._values[key] = group_values(group, self.reach_now(), self.tables).reshape(group.n_actions, -1)
            else:
                self._expected(i)
        return self._values[key]

    def _expected(self, i: int) -> None:
        """Agent ``i``'s values against the others' frequencies at all its groups that are
        not tabulated, from one pass of :func:`sim.abm.tree_tables.expected_values` (into a
        work buffer shared by the agents)."""
        lay, loose = self.layout, self._loose
        pay = np.take(self.tables.payoff[i], self.tables.offset[i][None, :] + lay.leaf_index[loose][:, None])
        x = Expectation(self._part_freqs, lambda li, pi: self._kid_payoffs(i, li, pi), loose, pay, self._ev)
        ev = expected_values(lay, i, self.strategy, x, self._own_depth[i])
        for g, (group, st) in enumerate(zip(lay.groups[i], self.static[i])):
            if st is None:
                self._values[i, g, "empirical"] = ev[group.kids.T].reshape(group.n_actions, -1)  # a copy

    def _kid_payoffs(self, i: int, level: int, part: int) -> np.ndarray:
        """Agent ``i``'s payoffs at a part's leaf children, (k, m, R) (cached for the segment)."""
        key = (i, level, part)
        if key not in self._kid_pay:
            self._kid_pay[key] = kid_payoffs(self.tables, i, self.layout.levels[level].parts[part].leaf_kids)
        return self._kid_pay[key]

    def _part_freqs(self, level: int, part: int) -> np.ndarray:
        """Empirical action frequencies at a part's nodes, (k, m, R) (cached until the next count).

        Every node is counted once per step, so every node's total count is
        ``n_counted``: the frequencies are the counts divided by it."""
        if self._freqs is None:
            self._freqs = {}
        if (level, part) not in self._freqs:
            self._freqs[level, part] = self.counts[level, part] / float(self.n_counted)
        return self._freqs[level, part]

    # --- dynamics ------------------------------------------------------------------

    def _count(self) -> None:
        """Fictitious play: count each node's current action (all nodes, every run)."""
        if self.counts is None:
            return
        for (li, pi), c in self.counts.items():
            part = self.layout.levels[li].parts[pi]
            m = len(part.nodes)
            cells = self.strategy[part.slots] * (m * self.n_runs) + (np.arange(m) * self.n_runs)[:, None] + self.runs
            c.reshape(-1)[cells.reshape(-1)] += 1
        self.n_counted += 1
        self._freqs = None

    def _track(self) -> None:
        self.last_change[self._changed] = self.steps
        self._changed[:] = False
        if self.steps > self.n_steps - self.tail:
            leaf = self.path_leaf()
            self.regime_counts.reshape(-1)[self.regime[leaf] * self.n_runs + self.runs] += 1
            for j, c in enumerate(self.tail_counts):
                c.reshape(-1)[self.outcomes_table[leaf, j] * self.n_runs + self.runs] += 1

    def step(self) -> None:
        for seg in self.segments[1:]:
            if seg.start == self.steps:
                self._use_segment(seg)
        self.agents.do("decide")
        self.agents.do("commit")
        self._count()
        self.agents.do("learn")
        self._track()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def run(self) -> "TreeLearningModel":
        """Step to the end; returns self."""
        while self.steps < self.n_steps:
            self.step()
        return self

    # --- subgame perfection and outcomes ---------------------------------------------

    def _gains(self):
        """Per agent and group: (best value, value of the current action), each (m, R)."""
        for a in self.actors:
            for gi, g in enumerate(a.groups):
                v = self.values(a.index, gi, "last")
                shape = (g.size, self.n_runs)
                yield v.max(axis=0).reshape(shape), pick(v, self.strategy[g.slots].reshape(-1)).reshape(shape)

    def is_spe(self) -> np.ndarray:
        """Whether each run's strategies are subgame perfect: at every node the action is a
        best reply in its subgame within ``ATOL`` (value >= best - ATOL, as
        :func:`sim.abm.rules.best_reply`), (R,)."""
        ok = np.ones(self.n_runs, dtype=bool)
        for best, mine in self._gains():
            ok &= (mine >= best - ATOL).all(axis=0)
        return ok

    def deviation_gain(self) -> np.ndarray:
        """Sum over all nodes of the mover's gain from its best deviation there, (R,)."""
        return sum(((best - mine).sum(axis=0) for best, mine in self._gains()), np.zeros(self.n_runs))

    def spe_leaf(self) -> np.ndarray:
        """The leaf of each run's game's subgame-perfect path (:mod:`sim.engine.tree`, the
        game now in force; ties to the first action), (R,)."""
        res = backward_induction_batch_last(self.layout.tree, self.leaf_payoffs)
        return res.path_leaf[self.game_of_run]

    def outcomes(self, settle_window: int) -> dict[str, np.ndarray]:
        """Per-run outcomes, each (R,) (``tail_share_<i>``: (n_i, R)).

        final_profile (the leaf reached), final_is_ne (strategies subgame perfect), settled
        (subgame perfect and unchanged for ``settle_window`` steps), settle_step (-1 if not
        settled), modal_regime (most frequent regime of the path over the tail),
        on_spe_path (the leaf is the engine's SPE leaf), tail_share_<i> (the actor's
        actions on the path over the tail).
        """
        spe = self.is_spe()
        settled = spe & (self.steps - self.last_change >= settle_window)
        leaf = self.path_leaf().copy()
        out = {
            "final_profile": leaf,
            "final_is_ne": spe,
            "settled": settled,
            "settle_step": np.where(settled, self.last_change, -1),
            "modal_regime": self.regime_counts.argmax(axis=0),
            "on_spe_path": leaf == self.spe_leaf(),
        }
        for j, c in enumerate(self.tail_counts):
            out[f"tail_share_{j}"] = c / max(1, c.sum(axis=0).max())
        return out
