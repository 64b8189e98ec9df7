"""Reference implementation of the PLAIN agent-based design: one Mesa model per run.

This is the design the project's :class:`sim.abm.model.LearningModel` is benchmarked
against (``benchmarks/bench_abm.py``). It is written independently of
``sim/abm/model.py`` and ``sim/abm/rules.py``: each run is its own ``mesa.Model``, each
actor is one ``mesa.Agent`` whose state is a Python ``int`` (its action), payoffs are
looked up in Python lists, and a step loops over the agents in Python
(``agents.do("decide")`` then ``agents.do("commit")``: simultaneous moves).

It implements the same semantics as the vectorised model, so both give identical
per-run outcomes on the same runs:

* run keys: ``run_keys(seed, points, replicates)`` (point-major: run ``p * replicates +
  s`` is replicate ``s`` of ``points[p]``); uniforms are the counter-based hash of
  :mod:`sim.abm.streams`, evaluated here for one run at a time with Python integers
  (:func:`py_uniforms`, bit-identical to ``streams.uniforms``; ``rng="numpy"`` uses
  ``streams.uniforms`` on a one-key array instead);
* initial action of agent ``i``: ``min(int(u * n_i), n_i - 1)``, ``u = U(key, 0, i, 1)``;
* step ``t`` (Mesa increments ``model.steps`` before ``step``): agent ``i`` draws
  ``u = U(key, t, i, 2)`` (only ``u[0]`` is used, so only it is computed) and chooses from the profile as it was before the step:
  - ``best_response``: if ``u[0] < revision_prob`` it moves to a best reply to the others'
    current actions (keep the current action if within ``ATOL`` of the best, else the
    first action within ``ATOL``), else it keeps its action;
  - ``regret_matching``: samples ``P ∝ max(regret, 0)`` (uniform if none positive) with
    ``u[0]``: index = number of cumulative sums ``c_k < u[0] * c_last``, capped at
    ``n - 1``; cumulative regrets ``r_k += v_k - v_current`` are updated against the
    profile after every step, and once against the initial profile;
* outcomes: final profile, whether it is a pure NE, the last step at which the profile
  changed, settled (final is a NE held ``>= settle_window`` steps), and the modal regime
  of the profiles after the steps ``t > steps - tail`` (lowest index on ties).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from sim.abm.streams import run_keys, uniforms
from sim.engine.equilibrium import ATOL, pure_nash_equilibria

RULES = ("best_response", "regret_matching")

# --- the per-run random stream, for one run, in Python integers ------------------------

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_SCALE = 1.0 / (1 << 53)


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def py_uniforms(key: int, step: int, agent: int, n_draws: int) -> list[float]:
    """The ``n_draws`` uniforms of one run at (step, agent); equals ``streams.uniforms``."""
    counter = (step << 24) | (agent << 8)
    return [float(_mix(key ^ _mix(((counter + d + 1) * _GOLDEN) & _MASK)) >> 11) * _SCALE
            for d in range(n_draws)]


def np_uniforms(key: int, step: int, agent: int, n_draws: int) -> list[float]:
    """The same draws through ``sim.abm.streams.uniforms`` on a one-run key array."""
    return uniforms(np.array([key], dtype=np.uint64), step, agent, n_draws)[:, 0].tolist()


DRAWS = {"python": py_uniforms, "numpy": np_uniforms}


# --- one run's game, as Python data -------------------------------------------------------


@dataclass(frozen=True)
class PlainGame:
    """One stage game in plain Python data.

    payoffs[i][f] : player i's payoff at the pure profile with C-order index f.
    shape : actions per player; strides : C-order strides of the profile index.
    ne : the set of pure Nash equilibria (tuples); regime : regime of each flat profile.
    """

    payoffs: tuple[tuple[float, ...], ...]
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    ne: frozenset
    regime: tuple[int, ...]
    n_regimes: int


def plain_game(payoffs: np.ndarray, regime: Sequence[int]) -> PlainGame:
    """From a payoff tensor of shape (N, n_1, ..., n_N) and the regime of each profile."""
    u = np.asarray(payoffs, dtype=float)
    shape = tuple(int(n) for n in u.shape[1:])
    strides = tuple(int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(len(shape)))
    regime = tuple(int(r) for r in regime)
    return PlainGame(
        payoffs=tuple(tuple(float(x) for x in u[i].ravel()) for i in range(u.shape[0])),
        shape=shape,
        strides=strides,
        ne=frozenset(pure_nash_equilibria(u)),
        regime=regime,
        n_regimes=max(regime) + 1,
    )


# --- the plain Mesa model ---------------------------------------------------------------


class PlainAgent(mesa.Agent):
    """One actor in one run; its state is a Python int (its current action)."""

    def __init__(self, model: "PlainModel", index: int, n_actions: int, action: int):
        super().__init__(model)
        self.index = index
        self.n_actions = n_actions
        self.action = action
        self.next_action = action
        self.regrets = [0.0] * n_actions if model.rule == "regret_matching" else None

    def values(self) -> list[float]:
        """My payoff for each own action, the others playing their current actions."""
        m = self.model
        g = m.game
        stride = g.strides[self.index]
        base = m.flat() - self.action * stride
        pay = g.payoffs[self.index]
        return [pay[base + k * stride] for k in range(self.n_actions)]

    def decide(self) -> None:
        m = self.model
        # the rules use only the first of the run's two draws at (step, agent); draw d does
        # not depend on how many are drawn, so draw just that one
        u = m.draw(m.key, m.steps, self.index, 1)
        if m.rule == "best_response":
            if u[0] < m.revision_prob:
                v = self.values()
                best = max(v)
                if v[self.action] >= best - ATOL:
                    self.next_action = self.action
                else:
                    self.next_action = next(k for k, x in enumerate(v) if x >= best - ATOL)
            else:
                self.next_action = self.action
        else:  # regret matching
            pos = [r if r > 0.0 else 0.0 for r in self.regrets]
            if not any(p > 0.0 for p in pos):
                pos = [1.0] * self.n_actions
            cum, c = [], 0.0
            for p in pos:
                c += p
                cum.append(c)
            threshold = u[0] * cum[-1]
            self.next_action = min(sum(1 for x in cum if x < threshold), self.n_actions - 1)

    def commit(self) -> None:
        self.action = self.next_action

    def learn(self) -> None:
        if self.regrets is not None:
            v = self.values()
            mine = v[self.action]
            for k in range(self.n_actions):
                self.regrets[k] += v[k] - mine


class PlainModel(mesa.Model):
    """One run of repeated simultaneous play of one stage game."""

    def __init__(self, game: PlainGame, key: int, rule: str = "best_response", revision_prob: float = 0.3,
                 steps: int = 200, tail: int = 50, rng: str = "python"):
        if rule not in RULES:
            raise ValueError(f"rule={rule!r}; the plain design implements {RULES}")
        key = int(key)
        super().__init__(seed=key)
        self.game, self.key, self.rule, self.revision_prob = game, key, rule, revision_prob
        self.n_steps, self.tail = steps, tail
        self.draw = DRAWS[rng]
        self.actors = []
        for i, n in enumerate(game.shape):
            u = self.draw(key, 0, i, 1)[0]
            self.actors.append(PlainAgent(self, i, n, min(int(u * n), n - 1)))
        self.last_change = 0
        self.regime_counts = [0] * game.n_regimes
        self._flat = self.flat()
        if rule == "regret_matching":  # best response keeps no memory: nothing to learn
            self.agents.do("learn")

    def flat(self) -> int:
        """C-order index of the current profile."""
        return sum(a.action * s for a, s in zip(self.actors, self.game.strides))

    def profile(self) -> tuple[int, ...]:
        return tuple(a.action for a in self.actors)

    def step(self) -> None:
        self.agents.do("decide")
        self.agents.do("commit")
        if self.rule == "regret_matching":
            self.agents.do("learn")
        flat = self.flat()
        if flat != self._flat:
            self.last_change = self.steps
            self._flat = flat
        if self.steps > self.n_steps - self.tail:
            self.regime_counts[self.game.regime[flat]] += 1

    def run(self) -> "PlainModel":
        while self.steps < self.n_steps:
            self.step()
        return self

    def outcome(self, settle_window: int) -> dict:
        final = self.profile()
        is_ne = final in self.game.ne
        settled = is_ne and self.steps - self.last_change >= settle_window
        counts = self.regime_counts
        return {
            "final_profile": final,
            "final_flat": self._flat,
            "final_is_ne": is_ne,
            "settled": settled,
            "settle_step": self.last_change if settled else -1,
            "last_change": self.last_change,
            "modal_regime": counts.index(max(counts)),
        }


def run_plain(games: Sequence[PlainGame], points: Sequence[int], replicates: int, seed: int, *,
              rule: str = "best_response", revision_prob: float = 0.3, steps: int = 200, tail: int = 50,
              settle_window: int = 20, rng: str = "python") -> list[dict]:
    """Outcomes of every run, one Mesa model per run, in ``run_keys`` order.

    ``games[p]`` is the game of global grid point ``points[p]``.
    """
    keys = run_keys(seed, np.asarray(points), replicates)
    out = []
    for r, key in enumerate(keys.tolist()):
        model = PlainModel(games[r // replicates], key, rule, revision_prob, steps, tail, rng).run()
        out.append(model.outcome(settle_window))
    return out


def vectorised_outcomes(outcomes: dict, shape: Sequence[int]) -> list[dict]:
    """``LearningModel.outcomes(...)`` as one dict per run, in the plain design's format."""
    finals = np.unravel_index(outcomes["final_profile"], tuple(shape))
    rows = []
    for r in range(len(outcomes["final_profile"])):
        settled = bool(outcomes["settled"][r])
        rows.append({
            "final_profile": tuple(int(f[r]) for f in finals),
            "final_flat": int(outcomes["final_profile"][r]),
            "final_is_ne": bool(outcomes["final_is_ne"][r]),
            "settled": settled,
            "settle_step": int(outcomes["settle_step"][r]),
            "modal_regime": int(outcomes["modal_regime"][r]),
        })
    return rows


COMPARED = ("final_profile", "final_is_ne", "settled", "settle_step", "modal_regime")


def mismatches(plain: Sequence[dict], vec: Sequence[dict], fields: Sequence[str] = COMPARED) -> list[tuple]:
    """(run, field, plain value, vectorised value) for every disagreement."""
    if len(plain) != len(vec):
        return [(-1, "n_runs", len(plain), len(vec))]
    return [(r, f, p[f], v[f]) for r, (p, v) in enumerate(zip(plain, vec)) for f in fields if p[f] != v[f]]
