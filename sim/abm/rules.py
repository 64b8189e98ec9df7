"""Learning rules, vectorised over runs, chosen by name (config group ``dynamics``).

Every rule is one function with the same signature::

    choose(values, current, memory, u, opts) -> new_action

* ``values``: shape (n, R), payoff of each own action against the agent's *belief*
  about the others (their last actions, or their empirical frequencies — the rule's
  ``belief``), in payoff units;
* ``current``: shape (R,), the agent's current action;
* ``memory``: shape (n, R), the rule's memory (cumulative regrets) or None;
* ``u``: shape (1, R), a uniform draw per run from the run's own stream;
* ``opts``: :class:`RuleOptions`.

Ties between best replies keep the current action when it is one of them, else take the
first (least escalatory) — the convention of the exact solvers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.engine.equilibrium import ATOL
from sim.engine.params import ConfigError


@dataclass(frozen=True)
class RuleOptions:
    """Parameters of the learning rules.

    revision_prob : probability per step that an agent revises (best response), in [0, 1].
    lam : logit rationality λ (1/($bn/yr)), >= 0; λ = 0 is uniform play.
    """

    revision_prob: float = field(default=0.3, metadata={
        "allowed": "`[0, 1]`", "doc": "`best_response`: probability per step that an agent revises"})
    lam: float = field(default=5.0, metadata={
        "allowed": "`[0, 10^6]`, in 1/($bn/yr)", "doc": "`logit`: rationality λ; 0 is uniform play"})

    def __post_init__(self):
        if not 0.0 <= self.revision_prob <= 1.0:
            raise ConfigError(f"dynamics.revision_prob={self.revision_prob!r} is out of range; allowed: [0, 1]")
        if not (0.0 <= self.lam < float("inf")):
            raise ConfigError(f"dynamics.lam={self.lam!r} is out of range; allowed: [0, inf)")


def best_reply(values: np.ndarray, current: np.ndarray, atol: float = ATOL) -> np.ndarray:
    """Best reply per run, shape (R,): the current action if tied-best, else the first."""
    best = values.max(axis=0)
    is_best = values >= best - atol
    keep = is_best[current, np.arange(values.shape[1])]
    return np.where(keep, current, is_best.argmax(axis=0))


def sample(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw one action per run from probabilities (n, R) (need not be normalised)."""
    cum = np.cumsum(probs, axis=0)
    return np.minimum((cum < u * cum[-1]).sum(axis=0), probs.shape[0] - 1)


def best_response_inertia(values, current, memory, u, opts: RuleOptions):
    """Myopic best response with inertia: revise with probability ``revision_prob``.

    Belief: the others' last actions. Reference: Young (1993), Kandori, Mailath & Rob
    (1993) — adaptive play / best-response dynamics with inertia.
    """
    revise = u[0] < opts.revision_prob
    return np.where(revise, best_reply(values, current), current)


def fictitious_play(values, current, memory, u, opts: RuleOptions):
    """Fictitious play: best reply to the others' empirical action frequencies.

    Belief: empirical frequencies (product of marginals). Reference: Brown (1951);
    Fudenberg & Levine, *The Theory of Learning in Games* (1998), ch. 2.
    """
    return best_reply(values, current)


def logit_response(values, current, memory, u, opts: RuleOptions):
    """Logit (smoothed) best response: P(a) ∝ exp(λ · value(a)).

    Belief: the others' last actions. Reference: Blume (1993); McKelvey & Palfrey (1995).
    """
    z = opts.lam * (values - values.max(axis=0))
    return sample(np.exp(z), u[0])


def regret_matching(values, current, memory, u, opts: RuleOptions):
    """Regret matching: P(a) ∝ positive part of the cumulative regret of not playing a.

    Uniform when no regret is positive. Memory: cumulative regrets, updated after each
    step with the payoffs against what the others actually played. Reference: Hart &
    Mas-Colell (2000), Econometrica 68(5) (unconditional variant).
    """
    pos = np.maximum(memory, 0.0)
    none = pos.sum(axis=0) <= 0.0
    probs = np.where(none[None, :], 1.0, pos)
    return sample(probs, u[0])


@dataclass(frozen=True)
class Rule:
    """A learning rule and its metadata (checked by tests)."""

    name: str
    choose: Callable
    belief: str  # "last": others' last actions; "empirical": others' empirical frequencies
    memory: str  # "none", "empirical counts of others' actions", "cumulative regrets"
    stochastic: bool  # draws random numbers when choosing


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("best_response", best_response_inertia, "last", "none", True),
        Rule("fictitious_play", fictitious_play, "empirical", "empirical counts of others' actions", False),
        Rule("logit", logit_response, "last", "none", True),
        Rule("regret_matching", regret_matching, "last", "cumulative regrets", True),
    )
}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise ConfigError(f"dynamics.rule={name!r} is unknown; allowed: {', '.join(RULES)}") from None
