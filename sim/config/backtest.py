"""The options of a back-test (config block ``backtest``): the dynamic game scored against
the 2020-2022 record (:mod:`sim.analysis.backtest`). Parameters and errors only."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.dynamic.calendar import quarter_index
from sim.dynamic.game import POSTURES
from sim.engine.params import ConfigError, check_number, show

ABM_RULES = ("best_response", "fictitious_play", "logit", "regret_matching")


def _key(default, allowed: str, doc: str):
    return field(default=default, metadata={"allowed": allowed, "doc": doc})


@dataclass(frozen=True)
class BacktestOptions:
    """A back-test; each option is checked when built (ConfigError naming ``backtest.<key>``)."""

    history: str | None = _key(None, "null (the shipped record, data/history_iraq_2020_2022.csv) or a CSV path",
                               "the record to score (docs/history.md gives its columns)")
    start: str = _key("2020Q1", "a quarter `YYYYQn` in the record", "first quarter scored")
    split: str = _key("2020Q4", "a quarter between `start` and `stop`, excluded `stop`",
                      "last quarter of the fit; the quarters after it are scored out of sample")
    stop: str = _key("2022Q4", "a quarter `YYYYQn` in the record, not before `start`", "last quarter scored")
    discount: float = _key(0.98, "`[0, 1]`", "δ, the quarterly discount factor of the dynamic game")
    initial_posture: str | None = _key(None, "null, `maintain`, `advisory`, `withdraw`",
                                       "the US posture before the first quarter scored; null: the one the record "
                                       "shows for the quarter before `start` (before the file's first quarter: "
                                       "maintain, 5,200 troops in Dec 2019)")
    grid: int = _key(24, "an integer in `[2, 200]`",
                     "values per axis of the grid over (log λ, adjustment cost) the fit starts from")
    abm_rule: str | None = _key("best_response", "null (no agents), `best_response`, `fictitious_play`, `logit`, "
                                "`regret_matching`",
                                "Mesa agents also play the dynamic game with this learning rule, at the fitted "
                                "adjustment cost: `dynamic_abm.parquet` and its figure")
    abm_replicates: int = _key(20, "an integer in `[1, 10000]`", "runs of the agents")
    abm_steps: int = _key(30, "an integer in `[1, 10000]`", "learning steps per quarter")

    def __post_init__(self):
        for key in ("start", "split", "stop"):
            try:
                quarter_index(getattr(self, key))
            except ConfigError as exc:
                raise ConfigError(f"backtest.{key}: {exc}") from None
        if quarter_index(self.stop) < quarter_index(self.start):
            raise ConfigError(f"backtest: start={self.start} is after stop={self.stop}: the range is empty")
        if not quarter_index(self.start) <= quarter_index(self.split) < quarter_index(self.stop):
            raise ConfigError(f"backtest.split={self.split} must lie in [{self.start}, {self.stop}) so that both the "
                              "fit and the test quarters are non-empty")
        object.__setattr__(self, "discount", check_number("backtest.discount", self.discount, 0, 1, ""))
        if self.initial_posture is not None and self.initial_posture not in POSTURES:
            raise ConfigError(f"backtest.initial_posture={show(self.initial_posture)} is unknown; allowed: "
                              f"{', '.join(POSTURES)}")
        if isinstance(self.grid, bool) or not isinstance(self.grid, int) or not 2 <= self.grid <= 200:
            raise ConfigError(f"backtest.grid={show(self.grid)} must be an integer in [2, 200]")
        if self.abm_rule is not None and self.abm_rule not in ABM_RULES:
            raise ConfigError(f"backtest.abm_rule={show(self.abm_rule)} is unknown; allowed: null, {', '.join(ABM_RULES)}")
        for key in ("abm_replicates", "abm_steps"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
                raise ConfigError(f"backtest.{key}={show(value)} must be an integer in [1, 10000]")
        if self.history is not None and not isinstance(self.history, str):
            raise ConfigError(f"backtest.history={show(self.history)} must be null or a path")
