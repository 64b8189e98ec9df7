"""The Mesa model: one adaptive agent per actor, each holding its state for many runs.

A :class:`LearningModel` simulates ``R`` independent runs of repeated play of a
normal-form stage game at once. Run ``r`` plays game ``point[r]`` (one of ``P`` payoff
tensors, e.g. grid points) with its own random stream (:mod:`sim.abm.streams`). Each
agent is a real ``mesa.Agent`` whose state is a vector over runs, so one model step is
one vectorised update of every run; a run's trajectory is identical whatever the batch
it is simulated in.

Each step is simultaneous: every agent decides from the same observed profile
(``AgentSet.do("decide")``), then all commit (``do("commit")``), then all update their
memories from the new profile (``do("learn")``). A ``DataCollector`` records, per step,
the share of runs at a pure Nash equilibrium, the mean ``nash_conv`` of the current
profile, and each agent's action shares and mean payoff across runs.

Randomness: the model is seeded through Mesa (``seed=``); the runs' stream keys are
derived from that seed with ``numpy.random.SeedSequence`` by grid point and replicate,
so no global RNG is used and batching does not change any run.

Speed: what depends only on (game, profile) is tabulated once per segment
(:mod:`sim.abm.tables`, over each player's distinct games), so a step is a few gathers
per agent: the values of own actions against the others' current actions (cached until
the next commit, computed only when a rule or the DataCollector needs them), or for a
rule that depends on them only through the best reply (best response with inertia)
the tabulated best reply itself. All agents' draws of a step are made together. Every
tabulated number is the one the step-by-step computation gives, so outcomes are
bit-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

import mesa
import numpy as np

from sim.abm.rules import Rule, RuleOptions, pick
from sim.abm.streams import agents_uniforms, run_keys
from sim.abm.tables import (REGRET_TABLE_BYTES, best_reply_table, distinct_games, others_of_profile,
                            own_values, regret_table)
from sim.engine.equilibrium import pure_nash_mask_batch_last


@dataclass(frozen=True)
class Segment:
    """The stage games in force from ``start`` (step number, 1-based) onwards.

    payoffs : shape (N, n_1, ..., n_N, P), batch-last payoff tensors of the P games.
    """

    start: int
    payoffs: np.ndarray


class ActorAgent(mesa.Agent):
    """An actor, adapting by the model's learning rule, over all runs at once.

    Class metadata (checked by tests): ``role`` (actor name) and ``levers`` (the
    actions it controls). Instance metadata: ``memory`` (what it remembers, from the
    rule) and ``stochastic`` (whether it draws random numbers).
    """

    role: ClassVar[str] = ""
    levers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: "LearningModel", index: int):
        super().__init__(model)
        self.index = index
        self.n_actions = len(self.levers)
        rule = model.rule
        self.memory = rule.memory
        self.stochastic = rule.stochastic
        runs = model.n_runs
        self.regrets = np.zeros((self.n_actions, runs)) if rule.memory == "cumulative regrets" else None
        self._step_regrets = None if self.regrets is None else np.empty_like(self.regrets)  # work buffer
        self.next_action = np.zeros(runs, dtype=np.int64)

    @property
    def action(self) -> np.ndarray:
        """Current action of this agent in every run, shape (R,)."""
        return self.model.profile[self.index]

    def action_shares(self) -> tuple[float, ...]:
        """Share of runs playing each action, in ``levers`` order."""
        counts = np.bincount(self.action, minlength=self.n_actions)
        return tuple(float(c) / self.model.n_runs for c in counts)

    @property
    def values_now(self) -> np.ndarray:
        """Payoff of each own action against the others' current actions, (n, R)."""
        return self.model.values_against_profile(self.index)

    @property
    def payoff(self) -> np.ndarray:
        """Payoff of the current profile to this agent in every run, (R,)."""
        return pick(self.values_now, self.action)

    @property
    def regret_now(self) -> np.ndarray:
        """Gain of the best deviation from the current profile in every run, (R,)."""
        return self.values_now.max(axis=0) - self.payoff

    def decide(self) -> None:
        m = self.model
        u = m.draws(self.index)  # every rule uses one draw per step, (1, R)
        if m.best_replies is not None:  # tabulated per (game, profile) for this segment
            best = np.take(m.best_replies[self.index], m.cell_offset[self.index] + m.current_flat())
            self.next_action = m.rule.given_best_reply(best, self.action, u, m.opts)
            return
        values = m.values_against_belief(self) if m.rule.uses_values else None
        self.next_action = m.rule.choose(values, self.action, self.regrets, u, m.opts)

    def commit(self) -> None:
        self.model.profile[self.index] = self.next_action
        self.model.profile_changed()

    def learn(self) -> None:
        if self.regrets is None:
            return
        m, step = self.model, self._step_regrets
        if m.regret_tables is not None:  # tabulated per (game, profile) for this segment
            cells = m.cell_offset[self.index] + m.current_flat()
            self.regrets += np.take(m.regret_tables[self.index], cells, axis=1, out=step)
            return
        values = self.values_now  # (n, R)
        self.regrets += np.subtract(values, pick(values, self.action), out=step)


@cache
def agent_class(role: str, levers: tuple[str, ...]) -> type[ActorAgent]:
    """The Agent subclass of one actor role (e.g. ``IraqAgent``), made once per role."""
    name = "".join(w[:1].upper() + w[1:] for w in role.replace("-", " ").split() if w.isalnum()) + "Agent"
    return type(name, (ActorAgent,), {"role": role, "levers": levers, "__doc__": f"The {role} actor."})


def _collector() -> mesa.DataCollector:
    """Per step: share of runs at a pure NE, mean nash_conv; per agent: action shares, mean payoff."""
    return mesa.DataCollector(
        model_reporters={
            "share_at_nash": lambda m: float(m.is_ne.mean()),
            "mean_nash_conv": lambda m: float(m.nash_conv.mean()),
        },
        agent_reporters={
            "role": "role",
            "action_shares": lambda a: a.action_shares(),
            "mean_payoff": lambda a: float(a.payoff.mean()),
        },
    )


class LearningModel(mesa.Model):
    """Repeated play of a stage game by adaptive agents, over ``R`` runs at once.

    Parameters
    ----------
    actors : (name, action labels) per player, in payoff-tensor order.
    segments : the stage games over time; the first starts at step 1 (later ones are
        shocks). Each holds payoffs of shape (N, n_1, ..., n_N, P).
    regime : shape (n_profiles,), regime index of each pure profile (C order).
    rule, opts : the learning rule and its parameters.
    points : shape (P_runs,), the global grid-point index of each distinct game column;
        runs are ``len(points) * replicates``, point-major.
    replicates : runs per game.
    steps, tail : run length, and the final steps over which long-run play is measured.
    seed : Mesa's seed; also the root of the runs' streams.
    """

    def __init__(
        self,
        actors: Sequence[tuple[str, tuple[str, ...]]],
        segments: Sequence[Segment],
        regime: np.ndarray,
        rule: Rule,
        opts: RuleOptions,
        points: np.ndarray,
        replicates: int,
        steps: int,
        tail: int,
        seed: int = 0,
        collect: bool = True,
    ):
        super().__init__(seed=seed)
        self.rule, self.opts = rule, opts
        self.shape = tuple(len(a) for _, a in actors)
        self.n_players = len(actors)
        self.segments = sorted(segments, key=lambda s: s.start)
        if self.segments[0].start != 1:
            raise ValueError("the first segment must start at step 1")
        self.regime = np.asarray(regime, dtype=np.int64)
        self.n_regimes = int(self.regime.max()) + 1
        self.n_steps, self.tail = steps, tail
        self._index_runs(points, replicates, seed)
        for i, (role, levers) in enumerate(actors):
            agent_class(role, tuple(levers))(self, i)
        self.actors = sorted(self.agents, key=lambda a: a.index)
        self._start()
        self.datacollector = _collector() if collect else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _index_runs(self, points: np.ndarray, replicates: int, seed: int) -> None:
        """The runs' keys, games and the index arithmetic of profiles (constant over a run)."""
        self.n_runs = len(points) * replicates
        self.keys = run_keys(seed, points, replicates)
        self.game_of_run = np.repeat(np.arange(len(points)), replicates)
        self.strides = np.array([int(np.prod(self.shape[i + 1:])) for i in range(self.n_players)], dtype=np.int64)
        self.n_profiles = int(np.prod(self.shape))
        self.run_offset = self.game_of_run * self.n_profiles
        self.others = [others_of_profile(self.shape, i) for i in range(self.n_players)]  # (n_profiles,)
        self.runs = np.arange(self.n_runs)
        self._draws_step = -1

    def _start(self) -> None:
        """Initial actions (uniform, from the step-0 draws), the first game, the records."""
        u0 = self.draws(slice(None))  # step 0: (N, R)
        self.profile = np.minimum((u0 * np.array(self.shape)[:, None]).astype(np.int64), np.array(self.shape)[:, None] - 1)
        self.profile_changed()
        self.counts = [np.zeros((n, self.n_runs)) for n in self.shape]  # empirical counts
        self._count_profile()
        self._use_segment(self.segments[0])
        self._flat = self.flat_profile()
        self.last_change = np.zeros(self.n_runs, dtype=np.int64)
        self.regime_counts = np.zeros((self.n_regimes, self.n_runs), dtype=np.int64)
        self.tail_counts = [np.zeros((n, self.n_runs), dtype=np.int64) for n in self.shape]
        for a in self.actors:
            a.learn()
        self._track()

    # --- the game ------------------------------------------------------------------

    def _use_segment(self, seg: Segment) -> None:
        """Tabulate the segment's games (:mod:`sim.abm.tables`): values, pure NE, best replies."""
        u = np.ascontiguousarray(seg.payoffs)
        n_prof, n_games = self.n_profiles, u.shape[-1]
        self.own_values, self.other_offset, self.cell_offset = [], [], []
        for i, n in enumerate(self.shape):  # per player, over its distinct games
            ui, game = distinct_games(u[i])
            game = game[self.game_of_run]  # (R,) the player's distinct game of each run
            self.own_values.append(own_values(ui, i))  # (n_i, G_i * n_others_i)
            self.other_offset.append(game * (n_prof // n))
            self.cell_offset.append(game * n_prof)
        self.ne_mask = np.ascontiguousarray(pure_nash_mask_batch_last(u).reshape(n_prof, n_games).T).ravel()
        self.best_replies = self.regret_tables = None
        if self.rule.given_best_reply is not None and self.rule.belief == "last":
            self.best_replies = [best_reply_table(t, i, self.shape) for i, t in enumerate(self.own_values)]
        regret_bytes = 8 * sum(t.size * n for t, n in zip(self.own_values, self.shape))
        if self.rule.memory == "cumulative regrets" and regret_bytes <= REGRET_TABLE_BYTES:
            self.regret_tables = [regret_table(t, i, self.shape) for i, t in enumerate(self.own_values)]
        self.profile_changed()  # the game changed: cached values are stale
        self.run_payoffs = None
        if self.rule.belief == "empirical":  # fictitious play contracts whole tensors
            self.run_payoffs = np.ascontiguousarray(u[..., self.game_of_run])

    def draws(self, i: int | slice) -> np.ndarray:
        """Agent ``i``'s uniform draw at the current step in every run, (1, R).

        The draws of all agents at one step are made together
        (:func:`sim.abm.streams.agents_uniforms`; the same values as one agent at a time).
        """
        if self._draws_step != self.steps:
            self._draws = agents_uniforms(self.keys, self.steps, range(self.n_players), 1)
            self._draws_step = self.steps
        return self._draws[i] if isinstance(i, slice) else self._draws[i:i + 1]

    def profile_changed(self) -> None:
        """Forget what was computed from the current profile (after a commit or a new game)."""
        self._values = [None] * self.n_players
        self._flat_now = self._cells = None

    def current_flat(self) -> np.ndarray:
        """C-order index of each run's current pure profile, (R,) (cached until a commit)."""
        if self._flat_now is None:
            self._flat_now = self.flat_profile()
        return self._flat_now

    def profile_cells(self) -> np.ndarray:
        """Each run's (game, profile) cell, ``game * n_profiles + flat profile``, (R,)."""
        if self._cells is None:
            self._cells = self.run_offset + self.current_flat()
        return self._cells

    def flat_profile(self, profile: np.ndarray | None = None) -> np.ndarray:
        """C-order index of each run's pure profile, shape (R,)."""
        p = self.profile if profile is None else profile
        return (p * self.strides[:, None]).sum(axis=0)

    def values_against_profile(self, i: int, profile: np.ndarray | None = None) -> np.ndarray:
        """Payoff to player ``i`` of each own action against the others' actions, (n_i, R).

        Against the current profile the result is cached until the next commit; do not
        modify it.
        """
        if profile is None and self._values[i] is not None:
            return self._values[i]
        flat = self.current_flat() if profile is None else self.flat_profile(profile)
        idx = np.take(self.others[i], flat)
        idx += self.other_offset[i]
        table = self.own_values[i]
        out = np.empty((table.shape[0], len(flat)))
        for k in range(table.shape[0]):
            np.take(table[k], idx, out=out[k])
        if profile is None:
            self._values[i] = out
        return out

    def values_against_belief(self, agent: ActorAgent) -> np.ndarray:
        """Payoff of each own action against the agent's belief about the others, (n_i, R)."""
        i = agent.index
        if self.rule.belief == "last":
            return self.values_against_profile(i)
        t = self.run_payoffs[i]  # (n_1, ..., n_N, R)
        for j in reversed(range(self.n_players)):  # contract the others' axes, last first
            if j != i:
                f = self.counts[j] / self.counts[j].sum(axis=0)
                t = np.einsum(t, list(range(t.ndim)), f, [j, t.ndim - 1],
                              [k for k in range(t.ndim) if k != j])
        return t

    # --- dynamics ------------------------------------------------------------------

    def _count_profile(self) -> None:
        if self.rule.belief != "empirical":
            return
        runs = np.arange(self.n_runs)
        for j, c in enumerate(self.counts):
            c[self.profile[j], runs] += 1

    @property
    def nash_conv(self) -> np.ndarray:
        """Sum of the players' best-deviation gains at the current profile, (R,)."""
        return sum(a.regret_now for a in self.actors)

    def _track(self) -> None:
        flat = self.current_flat()
        changed = flat != self._flat
        self.last_change[changed] = self.steps
        self._flat = flat
        self.is_ne = np.take(self.ne_mask, self.profile_cells())
        if self.steps > self.n_steps - self.tail:  # counts (n, R), C order: cell k * R + run
            runs = self.runs
            self.regime_counts.reshape(-1)[self.regime[flat] * self.n_runs + runs] += 1
            for j, c in enumerate(self.tail_counts):
                c.reshape(-1)[self.profile[j] * self.n_runs + runs] += 1

    def step(self) -> None:
        for seg in self.segments[1:]:
            if seg.start == self.steps:
                self._use_segment(seg)
        self.agents.do("decide")
        self.agents.do("commit")
        self._count_profile()
        self.agents.do("learn")
        self._track()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def run(self) -> "LearningModel":
        """Step to the end; returns self."""
        while self.steps < self.n_steps:
            self.step()
        return self

    # --- outcomes ------------------------------------------------------------------

    def outcomes(self, settle_window: int) -> dict[str, np.ndarray]:
        """Per-run outcomes, each of shape (R,) (``tail_share_<i>``: (n_i, R)).

        final_profile (flat index), final_is_ne, settled (final profile is a pure NE and
        unchanged for ``settle_window`` steps), settle_step (step from which play stayed
        there; -1 if not settled), modal_regime (most frequent regime over the tail).
        """
        settled = self.is_ne & (self.steps - self.last_change >= settle_window)
        out = {
            "final_profile": self._flat.copy(),
            "final_is_ne": self.is_ne.copy(),
            "settled": settled,
            "settle_step": np.where(settled, self.last_change, -1),
            "modal_regime": self.regime_counts.argmax(axis=0),
        }
        for j, c in enumerate(self.tail_counts):
            out[f"tail_share_{j}"] = c / max(1, c.sum(axis=0).max())
        return out

