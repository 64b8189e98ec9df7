"""Options of the agent-based model: plain frozen data, importable without Mesa.

The config layer (:mod:`sim.config.validate`) validates these before any work; only a run that
simulates imports :mod:`sim.abm.model` (and with it Mesa).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.abm.rules import RuleOptions, get_rule
from sim.engine.params import ConfigError

#: The games the agents can play: the simultaneous stage game (:mod:`sim.abm.model`) or the
#: sequential game tree, learning a behaviour strategy at every node (:mod:`sim.abm.tree_model`).
GAMES = ("simultaneous", "sequential")


@dataclass(frozen=True)
class Shock:
    """At step ``step`` (>= 2) the parameters in ``values`` (dotted names) change."""

    step: int
    values: Mapping[str, float]


@dataclass(frozen=True)
class AbmOptions:
    """How adaptive play is simulated (config: ``dynamics`` group and ``abm`` block)."""

    rule: str = "best_response"
    rule_options: RuleOptions = field(default_factory=RuleOptions)
    steps: int = 200
    replicates: int = 10
    tail: int = 50
    settle_window: int = 20
    seed: int = 0
    shocks: tuple[Shock, ...] = ()
    max_runs: int = 100_000  # runs simulated in one model (bounds memory)
    game: str = "simultaneous"  # one of GAMES

    def __post_init__(self):
        get_rule(self.rule)
        check_game(self.game)
        for key in ("steps", "replicates", "tail", "settle_window", "max_runs"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"abm.{key}={v!r} must be an integer >= 1")
        if self.tail > self.steps or self.settle_window > self.steps:
            raise ConfigError(f"abm.tail={self.tail} and abm.settle_window={self.settle_window} must be <= abm.steps={self.steps}")
        for s in self.shocks:
            if not 2 <= s.step <= self.steps:
                raise ConfigError(f"abm.shocks: step={s.step} must be in [2, abm.steps={self.steps}]")


def check_game(game) -> str:
    """``game`` if it is one of :data:`GAMES`; else ConfigError, one line."""
    if not isinstance(game, str) or game not in GAMES:
        raise ConfigError(f"abm.game={game!r} is unknown; allowed: {', '.join(GAMES)}")
    return game
