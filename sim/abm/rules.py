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
    """Best reply per run, shape (R,): the current action if tied-best, else the first.

    values : (n, R); current : (R,) int. Row by row (numpy reduces slowly along the first
    axis); the same comparisons as ``values >= values.max(axis=0) - atol``.
    """
    threshold = values.max(axis=0) - atol
    first = np.zeros(values.shape[1:], dtype=np.int64)
    for k in range(values.shape[0] - 1, 0, -1):  # the lowest best index wins
        np.copyto(first, k, where=values[k] >= threshold)
    np.copyto(first, 0, where=values[0] >= threshold)
    keep = pick(values, current) >= threshold
    return np.where(keep, current, first)


def pick(values: np.ndarray, action: np.ndarray) -> np.ndarray:
    """``values[action[r], r]`` for every run r, shape (R,) (values: (n, R))."""
    runs = values.shape[1]
    if not values.flags.c_contiguous:
        return values[action, np.arange(runs)]
    index = np.asarray(action, dtype=np.int64) * runs + np.arange(runs)
    return np.take(values.reshape(-1), index)


def cumulative(probs: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Cumulative sums down the first axis, (n, R): the same sequential additions as
    ``np.cumsum(axis=0)`` (which numpy does slowly along the first axis), row by row.
    ``out`` may be ``probs`` itself (in place)."""
    cum = np.empty_like(probs) if out is None else out
    cum[0] = probs[0]
    for k in range(1, probs.shape[0]):
        np.add(cum[k - 1], probs[k], out=cum[k])
    return cum


def draw_from_cumulative(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The number of cumulative sums ``c_k < u * c_last``, capped at n - 1, (R,).

    The sums do not decrease, so the ``c_k`` below the threshold form a prefix and
    counting them over ``k < n - 1`` is the cap.
    """
    threshold = u * cum[-1]
    count = np.zeros(cum.shape[1:], dtype=np.int64)
    for k in range(cum.shape[0] - 1):
        count += cum[k] < threshold
    return count


def sample(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw one action per run from probabilities (n, R) (>= 0, need not be normalised),
    with one uniform per run (R,): the first action whose cumulative sum reaches
    ``u`` times the total (:func:`draw_from_cumulative`)."""
    return draw_from_cumulative(cumulative(probs), u)


def best_response_inertia(values, current, memory, u, opts: RuleOptions):
    """Myopic best response with inertia: revise with probability ``revision_prob``.

    Belief: the others' last actions. Reference: Young (1993), Kandori, Mailath & Rob
    (1993) — adaptive play / best-response dynamics with inertia.
    """
    return inertia(best_reply(values, current), current, u, opts)


def inertia(best: np.ndarray, current: np.ndarray, u: np.ndarray, opts: RuleOptions) -> np.ndarray:
    """Best response with inertia given the best reply ``best`` (R,): move with prob. ``revision_prob``."""
    return np.where(u[0] < opts.revision_prob, best, current)


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
    cum = cumulative(pos, out=pos)
    # no positive regret: the sum of the parts (>= 0) is 0 (NaN is not "none"); then the
    # probabilities are all 1, whose cumulative sums are exactly 1, 2, ..., n
    none = cum[-1] <= 0.0
    if none.any():
        np.copyto(cum, np.arange(1.0, cum.shape[0] + 1.0)[:, None], where=none[None, :])
    return draw_from_cumulative(cum, u[0])


@dataclass(frozen=True)
class Rule:
    """A learning rule and its metadata (checked by tests)."""

    name: str
    choose: Callable
    belief: str  # "last": others' last actions; "empirical": others' empirical frequencies
    memory: str  # "none", "empirical counts of others' actions", "cumulative regrets"
    stochastic: bool  # draws random numbers when choosing
    # (best, current, u, opts) -> action, when ``choose`` depends on the values only through
    # ``best_reply(values, current)`` against the others' last actions: the model then looks
    # the best reply up in a table per (game, profile) built once per segment
    given_best_reply: Callable | None = None
    uses_values: bool = True  # False: ``choose`` ignores ``values`` (the model passes None)


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("best_response", best_response_inertia, "last", "none", True, inertia),
        Rule("fictitious_play", fictitious_play, "empirical", "empirical counts of others' actions", False),
        Rule("logit", logit_response, "last", "none", True),
        Rule("regret_matching", regret_matching, "last", "cumulative regrets", True, uses_values=False),
    )
}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise ConfigError(f"dynamics.rule={name!r} is unknown; allowed: {', '.join(RULES)}") from None
