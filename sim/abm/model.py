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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

import mesa
import numpy as np

from sim.abm.rules import Rule, RuleOptions
from sim.abm.streams import run_keys, uniforms
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
        self.next_action = np.zeros(runs, dtype=np.int64)
        self.values_now: np.ndarray | None = None  # (n, R) against the current profile
        self.payoff = np.zeros(runs)
        self.regret_now = np.zeros(runs)

    @property
    def action(self) -> np.ndarray:
        """Current action of this agent in every run, shape (R,)."""
        return self.model.profile[self.index]

    def action_shares(self) -> tuple[float, ...]:
        """Share of runs playing each action, in ``levers`` order."""
        counts = np.bincount(self.action, minlength=self.n_actions)
        return tuple(float(c) / self.model.n_runs for c in counts)

    def decide(self) -> None:
        m = self.model
        values = m.values_against_belief(self)
        u = uniforms(m.keys, m.steps, self.index, 1)  # every rule uses one draw per step
        self.next_action = m.rule.choose(values, self.action, self.regrets, u, m.opts)

    def commit(self) -> None:
        self.model.profile[self.index] = self.next_action

    def learn(self) -> None:
        values = self.model.values_against_profile(self.index)
        self.values_now = values
        mine = np.take_along_axis(values, self.action[None, :], axis=0)[0]
        self.payoff = mine
        self.regret_now = values.max(axis=0) - mine
        if self.regrets is not None:
            self.regrets += values - mine


@cache
def agent_class(role: str, levers: tuple[str, ...]) -> type[ActorAgent]:
    """The Agent subclass of one actor role (e.g. ``IraqAgent``), made once per role."""
    name = "".join(w[:1].upper() + w[1:] for w in role.replace("-", " ").split() if w.isalnum()) + "Agent"
    return type(name, (ActorAgent,), {"role": role, "levers": levers, "__doc__": f"The {role} actor."})


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
        self.regime = np.asarray(regime)
        self.n_regimes = int(self.regime.max()) + 1
        self.n_steps, self.tail = steps, tail
        self.n_runs = len(points) * replicates
        self.keys = run_keys(seed, points, replicates)
        self.game_of_run = np.repeat(np.arange(len(points)), replicates)
        self.strides = np.array([int(np.prod(self.shape[i + 1:])) for i in range(self.n_players)], dtype=np.int64)

        for i, (role, levers) in enumerate(actors):
            agent_class(role, tuple(levers))(self, i)
        self.actors = sorted(self.agents, key=lambda a: a.index)

        u0 = np.stack([uniforms(self.keys, 0, i, 1)[0] for i in range(self.n_players)])
        self.profile = np.minimum((u0 * np.array(self.shape)[:, None]).astype(np.int64), np.array(self.shape)[:, None] - 1)
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
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "share_at_nash": lambda m: float(m.is_ne.mean()),
                "mean_nash_conv": lambda m: float(m.nash_conv.mean()),
            },
            agent_reporters={
                "role": "role",
                "action_shares": lambda a: a.action_shares(),
                "mean_payoff": lambda a: float(a.payoff.mean()),
            },
        ) if collect else None
        if self.datacollector is not None:
            self.datacollector.collect(self)

    # --- the game ------------------------------------------------------------------

    def _use_segment(self, seg: Segment) -> None:
        u = np.ascontiguousarray(seg.payoffs)
        n_prof, n_games = int(np.prod(self.shape)), u.shape[-1]
        # game-major (N, P * n_prof): a run's payoffs are contiguous, gathers are 1-D takes
        self.flat_payoffs = np.ascontiguousarray(np.moveaxis(u.reshape(self.n_players, n_prof, n_games), 2, 1))
        self.flat_payoffs = self.flat_payoffs.reshape(self.n_players, -1)
        self.run_offset = self.game_of_run * n_prof
        self.ne_mask = np.ascontiguousarray(pure_nash_mask_batch_last(u).reshape(n_prof, n_games).T).ravel()
        for a in getattr(self, "actors", ()):
            a.values_now = None  # the game changed: cached values are stale
        self.run_payoffs = None
        if self.rule.belief == "empirical":  # fictitious play contracts whole tensors
            self.run_payoffs = np.ascontiguousarray(u[..., self.game_of_run])

    def flat_profile(self, profile: np.ndarray | None = None) -> np.ndarray:
        """C-order index of each run's pure profile, shape (R,)."""
        p = self.profile if profile is None else profile
        return (p * self.strides[:, None]).sum(axis=0)

    def values_against_profile(self, i: int, profile: np.ndarray | None = None) -> np.ndarray:
        """Payoff to player ``i`` of each own action against the others' actions, (n_i, R)."""
        p = self.profile if profile is None else profile
        base = self.run_offset + self.flat_profile(p) - p[i] * self.strides[i]
        idx = base[None, :] + np.arange(self.shape[i])[:, None] * self.strides[i]
        return np.take(self.flat_payoffs[i], idx)

    def values_against_belief(self, agent: ActorAgent) -> np.ndarray:
        """Payoff of each own action against the agent's belief about the others, (n_i, R)."""
        i = agent.index
        if self.rule.belief == "last":
            # the profile has not moved since the agent last learned: reuse its values
            return agent.values_now if agent.values_now is not None else self.values_against_profile(i)
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

    def _track(self) -> None:
        flat = self.flat_profile()
        changed = flat != self._flat
        self.last_change[changed] = self.steps
        self._flat = flat
        self.is_ne = self.ne_mask[self.run_offset + flat]
        self.nash_conv = sum(a.regret_now for a in self.actors)
        if self.steps > self.n_steps - self.tail:
            runs = np.arange(self.n_runs)
            self.regime_counts[self.regime[flat], runs] += 1
            for j, c in enumerate(self.tail_counts):
                c[self.profile[j], runs] += 1

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

