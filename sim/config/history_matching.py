"""The options of a calibration by history matching (config block ``history_matching``):
rejection ABC with the dynamic game as the simulator (:mod:`sim.analysis.history_matching`).

What is checked here, before any work: the block's keys and values, each prior (a known
parameter, ``[low, high]`` with ``low < high`` inside the parameter's documented range),
the split and the tolerance against the record. Each error is one line naming
``history_matching.<key>``. Also the names of the files a run writes. No computation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from sim.engine.params import ConfigError, did_you_mean, iter_params, show
from sim.history.record import ACTION_COLUMNS, DEFAULT_HISTORY, load_record, quarter_index

#: Files of a history-matching run (beside config.yaml, the captions, figures.json and the
#: manifest). They belong in :mod:`sim.store.rundir` with the others; kept here until that file takes them.
POSTERIOR = "posterior.parquet"  #: the accepted draws: a row per draw
TABLE = "history_matching.parquet"  #: the summaries: parameters, tolerances, regimes, predictions
FIGURE_POSTERIOR = "posterior"  #: prior against posterior marginals of the informed parameters
FIGURE_PREDICTIVE = "predictive"  #: the share of draws matching the record, quarter by quarter
META_KEY = b"sim.history_matching"  #: schema-metadata key of both tables (JSON)

#: The US's cost of moving its troop level by one unit ($bn), not a stage-game parameter:
#: drawn beside them, uniform over the back-test's search range (sim.analysis.backtest.ADJUST).
ADJUST_COST = "dynamic.adjust_cost"
ADJUST_RANGE = (0.0, 5.0)
ADJUST_LABEL = "US cost of moving its troop level by one unit"
ADJUST_UNIT = "$bn"
DEFAULT_N = 1_000_000
#: Accept a draw whose path misses the record in at most this many (quarter, actor) cells
#: of the fit quarters (of 16 with the default split). 3 is the smallest distance any draw
#: reaches (10^6 draws: 561 at 3, none below), and every path at it is the same story:
#: Iraq asks for advisers and the US draws down at once, in 2020Q1, where the record has an
#: exit demand and the drawdown two quarters later; the next group (6) adds paths in which
#: Iraq returns to a full presence, which the record contradicts
#: (docs/how-to/calibrate-by-history-matching.md).
DEFAULT_TOLERANCE = 3
N_MAX = 100_000_000
SEED_MAX = 2**63 - 1
THREADS_MAX = 64
PRIORS_EXAMPLE = "history_matching.priors={us.credibility:[0,5]}"


def _key(default, allowed: str, doc: str):
    """A field with its reference text (docs/config.md is generated from it)."""
    return field(default=default, metadata={"allowed": allowed, "doc": doc})


def _int(key: str, value, low: int, high: int) -> int:
    """``value`` if it is an integer in ``[low, high]``, else ConfigError naming ``history_matching.<key>``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"history_matching.{key}={show(value)} must be an integer in [{low}, {high}]")
    return value


def flatten_priors(data, prefix: str = "") -> dict[str, Any]:
    """``{dotted name: value}`` of a priors mapping, flat (``{us.credibility: [0, 5]}``) or
    nested (``{us: {credibility: [0, 5]}}``, as ``history_matching.priors.us.credibility=...``
    builds it)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"history_matching.priors={show(data)} must be null or a mapping of parameter to "
                          f"[low, high], e.g. {PRIORS_EXAMPLE}")
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        out.update(flatten_priors(v, name + ".") if isinstance(v, Mapping) else {name: v})
    return out


def _range(name: str, value) -> tuple[float, float]:
    """``[low, high]`` as floats; ConfigError for anything else, an empty or an inverted range."""
    key = f"history_matching.priors.{name}"
    if isinstance(value, (list, tuple)) and not value:
        raise ConfigError(f"{key}=[] is an empty range; give [low, high] with low < high, e.g. {PRIORS_EXAMPLE}")
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    if not ok:
        raise ConfigError(f"{key}={show(value)} must be [low, high], two finite numbers, e.g. {PRIORS_EXAMPLE}")
    low, high = float(value[0]), float(value[1])
    if low == high:
        raise ConfigError(f"{key}=[{value[0]}, {value[1]}] is an empty range (low = high); give low < high")
    if low > high:
        raise ConfigError(f"{key}=[{value[0]}, {value[1]}] is inverted (low > high); write it [{value[1]}, {value[0]}]")
    return low, high


@dataclass(frozen=True)
class Prior:
    """One parameter's prior: uniform on ``[low, high]`` (its unit), ``name`` dotted."""

    name: str
    low: float
    high: float
    unit: str
    label: str


def documented_priors(params_cls) -> dict[str, Prior]:
    """Every parameter of the scenario uniform over its documented range, then
    :data:`ADJUST_COST` over :data:`ADJUST_RANGE`; in that order."""
    out = {i.name: Prior(i.name, float(i.low), float(i.high), i.unit, i.label) for i in iter_params(params_cls)}
    out[ADJUST_COST] = Prior(ADJUST_COST, *ADJUST_RANGE, ADJUST_UNIT, ADJUST_LABEL)
    return out


def resolve_priors(params_cls, overrides: Mapping[str, Any] | None) -> tuple[Prior, ...]:
    """The priors of every drawn parameter: the documented ones, each named in ``overrides``
    (``{dotted name: [low, high]}``) narrowed to that range, which must lie inside the
    documented one. ConfigError (one line) for an unknown name (with the closest one), an
    empty or inverted range, or one outside the documented range."""
    priors = documented_priors(params_cls)
    for name, value in flatten_priors(overrides or {}).items():
        if name not in priors:
            raise ConfigError(f"history_matching.priors: unknown parameter {name!r}{did_you_mean(name, priors)}; "
                              f"allowed: a dotted parameter of the scenario (docs/parameters.md) or {ADJUST_COST}")
        low, high = _range(name, value)
        doc = priors[name]
        if low < doc.low or high > doc.high:
            raise ConfigError(f"history_matching.priors.{name}=[{value[0]}, {value[1]}] leaves the documented range "
                              f"[{doc.low:g}, {doc.high:g}] {doc.unit}; narrow it inside that range")
        priors[name] = Prior(name, low, high, doc.unit, doc.label)
    return tuple(priors.values())


@dataclass(frozen=True)
class HistoryMatchingOptions:
    """A calibration by history matching; each option is checked when built (ConfigError
    naming ``history_matching.<key>``). The checks that need the scenario or the record
    (prior names, the split, the tolerance's range) are in :func:`validate_history_matching`."""

    n: int = _key(DEFAULT_N, "an integer in `[1, 10^8]`, at most `max_points`",
                  "parameter draws from the prior, each solved as the dynamic game's Markov perfect equilibrium")
    tiles: int = _key(4, "an integer in `[1, n]`, at most 10000",
                      "the draws are solved in this many tiles, one after another (bounds memory; never changes "
                      "results)")
    seed: int = _key(0, "an integer `>= 0`, at most 2^63 - 1",
                     "seeds the draws: block k of 65,536 draws comes from the stream (seed, k), whatever the tiling")
    tolerance: int = _key(DEFAULT_TOLERANCE, "an integer in `[0, 4 x fit quarters]` (`[0, 16]` with the default split)",
                          "accept a draw when its path misses the record in at most this many (quarter, actor) "
                          "cells of the fit quarters")
    priors: Mapping[str, Any] | None = _key(None, "null, or a mapping `{dotted parameter: [low, high]}` inside its "
                                            f"documented range (also `{ADJUST_COST}`, documented `[0, 5]` $bn)",
                                            "narrow a parameter's prior; null: every parameter uniform over its "
                                            "documented range and the US's adjustment cost over [0, 5] $bn")
    split: str = _key("2020Q4", "a quarter of the record before its last",
                      "last fit quarter: the distance counts the quarters up to it; the later ones are predicted")
    discount: float = _key(0.98, "`[0, 1]`", "δ, the quarterly discount factor of the dynamic game")
    threads: int = _key(2, f"an integer in `[1, {THREADS_MAX}]`",
                        "threads solving chunks of a tile at once (never changes results)")
    history: str | None = _key(None, "null (the shipped record, data/history_iraq_2020_2022.csv) or a CSV path",
                               "the record matched (docs/history.md gives its columns)")

    def __post_init__(self):
        _int("n", self.n, 1, N_MAX)
        _int("tiles", self.tiles, 1, min(self.n, 10_000))
        _int("seed", self.seed, 0, SEED_MAX)
        _int("tolerance", self.tolerance, 0, 4 * 64)
        _int("threads", self.threads, 1, THREADS_MAX)
        if isinstance(self.discount, bool) or not isinstance(self.discount, (int, float)) \
                or not 0 <= self.discount <= 1:
            raise ConfigError(f"history_matching.discount={show(self.discount)} must be a number in [0, 1]")
        object.__setattr__(self, "discount", float(self.discount))
        if self.priors is not None:
            object.__setattr__(self, "priors", flatten_priors(self.priors))
        if self.history is not None and not isinstance(self.history, str):
            raise ConfigError(f"history_matching.history={show(self.history)} must be null or a path")
        try:
            quarter_index(self.split)
        except ConfigError as exc:
            raise ConfigError(f"history_matching.split: {exc}") from None

    @property
    def record_path(self):
        """The record's CSV path."""
        return self.history or DEFAULT_HISTORY


def fit_quarters(opts: HistoryMatchingOptions, quarters) -> int:
    """How many of the record's ``quarters`` are fitted (up to ``opts.split``); ConfigError
    unless both the fit and the predicted quarters are non-empty."""
    n_fit = sum(q <= opts.split for q in quarters)
    if not 0 < n_fit < len(quarters) or opts.split not in quarters:
        raise ConfigError(f"history_matching.split={opts.split} must be a quarter of the record before its last "
                          f"({quarters[0]}-{quarters[-1]}), so that both the fit and the predicted quarters are "
                          "non-empty")
    return n_fit


def validate_history_matching(scenario, data: Mapping[str, Any] | None, others: Mapping[str, Any],
                              max_points: int, game_changed: bool) -> HistoryMatchingOptions | None:
    """The ``history_matching`` block: None (run the sweep) or the calibration to run instead.

    ``others``: the other blocks that replace the sweep, which must be null; ``game_changed``:
    the run sets a game parameter, which history matching would ignore (every parameter is
    drawn), so it is refused. Checks the scenario (Model 2's actors, a US troop posture, no
    domestic level), the priors, the split and tolerance against the record, and n against
    ``max_points``.
    """
    if data is None:
        return None
    keys = [f.name for f in fields(HistoryMatchingOptions)]
    if not isinstance(data, Mapping):
        raise ConfigError(f"history_matching={show(data)} must be null or a mapping; allowed keys: {', '.join(keys)}")
    unknown = [k for k in data if k not in keys]
    if unknown:
        raise ConfigError(f"history_matching has unknown key(s) {sorted(map(str, unknown))}"
                          f"{did_you_mean(unknown[0], keys) if len(unknown) == 1 else ''}; allowed: {', '.join(keys)}")
    for block, value in others.items():
        if value is not None:
            raise ConfigError(f"history_matching and {block} are both set; each replaces the sweep: set one of them "
                              "to null")
    features = getattr(scenario.sequential, "features", {})
    if not {"maintain", "advisory", "withdraw"} <= set(features) or scenario.domestic is not None or \
            set(scenario.players) != set(ACTION_COLUMNS.values()):
        raise ConfigError(f"history_matching needs Model 2's unitary actors and a US troop posture (scenario "
                          f"iraq2020); got {scenario.name!r}")
    if game_changed:
        raise ConfigError("history_matching: game.* is not used (every parameter is drawn from its prior); drop the "
                          f"game override and narrow a prior instead, e.g. {PRIORS_EXAMPLE}")
    opts = HistoryMatchingOptions(**dict(data))
    resolve_priors(scenario.params_cls, opts.priors)
    cells = len(ACTION_COLUMNS) * fit_quarters(opts, load_record(opts.record_path).quarters)
    if opts.tolerance > cells:
        raise ConfigError(f"history_matching.tolerance={opts.tolerance} is more than the {cells} (quarter, actor) "
                          f"cells of the fit quarters; allowed: [0, {cells}]")
    if opts.n > max_points:
        raise ConfigError(f"history_matching solves n={opts.n:,} dynamic games, more than max_points={max_points:,}; "
                          "lower history_matching.n or raise max_points")
    return opts
