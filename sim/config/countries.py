"""The options of the three-country comparison (config block ``countries``): one game, each
country's calibration, its observed outcome against the model's (:mod:`sim.analysis.countries`).
Parameters, errors and the names of the files it writes; no computation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.engine.params import ConfigError, did_you_mean, show
from sim.scenarios.countries import CALIBRATIONS

#: Files of a countries run (beside config.yaml, the captions, figures.json and the manifest).
#: They belong in :mod:`sim.store.rundir` with the others; kept here until that file takes them.
TABLE = "countries.parquet"  #: a row per country
FIGURE = "countries"  #: the figure's stem
#: Schema-metadata key of the table (JSON: regimes, n, seed, interval, ...).
META_KEY = b"sim.countries"
N_MAX = 10_000_000  #: draws per country and pass: ~55 µs a game, so 10^7 is ~10 min a pass


def _key(default, allowed: str, doc: str):
    return field(default=default, metadata={"allowed": allowed, "doc": doc})


@dataclass(frozen=True)
class CountriesOptions:
    """A three-country comparison; checked when built (ConfigError naming ``countries.<key>``)."""

    countries: tuple[str, ...] | None = _key(None, f"null (every country: {', '.join(CALIBRATIONS)}), or a "
                                             "non-empty list of them, each once",
                                             "the countries compared, a table row each, in this order")
    n: int = _key(20_000, f"an integer in `[10, {N_MAX}]`",
                  "parameter draws per country (uniform over each calibration's documented ranges)")
    seed: int = _key(0, "an integer `>= 0`, at most 2^63 - 1",
                     "seeds the draws; each country and pass has its own stream from (seed, country)")

    def __post_init__(self):
        names = tuple(CALIBRATIONS) if self.countries is None else self.countries
        if isinstance(names, str) or not isinstance(names, (list, tuple)):
            raise ConfigError(f"countries.countries={show(names)} must be a list, e.g. "
                              f"countries.countries=[{','.join(CALIBRATIONS)}]")
        for name in names:
            if not isinstance(name, str) or name not in CALIBRATIONS:
                raise ConfigError(f"countries.countries={list(names)!r}: {name!r} is unknown"
                                  f"{did_you_mean(name, CALIBRATIONS)}; allowed: {', '.join(CALIBRATIONS)}")
        if not names:
            raise ConfigError(f"countries.countries=[] is empty; allowed: a list from {', '.join(CALIBRATIONS)}")
        twice = [c for c in dict.fromkeys(names) if list(names).count(c) > 1]
        if twice:
            raise ConfigError(f"countries.countries={list(names)!r} names {twice[0]!r} twice; list each once")
        object.__setattr__(self, "countries", tuple(names))
        _integer("countries.n", self.n, 10, N_MAX)
        _integer("countries.seed", self.seed, 0, 2**63 - 1)

    def games(self) -> int:
        """Games solved: two passes (main, Iranian channel drawn) per country that holds a
        channel, one otherwise, each of ``n`` draws, and one calibrated point per country."""
        passes = sum(2 if CALIBRATIONS[c].held else 1 for c in self.countries)
        return passes * self.n + len(self.countries)


def _integer(key: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key}={show(value)} must be an integer in [{low}, {high}]")
    return value


def validate_countries(data: Mapping[str, Any] | None, others: Mapping[str, Any], max_points: int,
                       game_changed: bool) -> CountriesOptions | None:
    """The ``countries`` block: None (run the sweep) or the comparison to run instead.

    ``others``: the other blocks that replace the sweep (``{"sensitivity": ..., "backtest": ...}``),
    which must be null; ``game_changed``: the run sets a game parameter, which the comparison
    would ignore (each country is solved at its own calibration), so it is refused.
    """
    if data is None:
        return None
    keys = ("countries", "n", "seed")
    if not isinstance(data, Mapping):
        raise ConfigError(f"countries={show(data)} must be null or a mapping; allowed keys: {', '.join(keys)}")
    unknown = [k for k in data if k not in keys]
    if unknown:
        raise ConfigError(f"countries has unknown key(s) {sorted(map(str, unknown))}"
                          f"{did_you_mean(unknown[0], keys) if len(unknown) == 1 else ''}; allowed: {', '.join(keys)}")
    for block, value in others.items():
        if value is not None:
            raise ConfigError(f"countries and {block} are both set; each replaces the sweep: set one of them to null")
    if game_changed:
        raise ConfigError("countries: game.* is not used (each country is solved at its own calibration, "
                          "conf/game/baseline*.yaml); drop the game override or set countries=null")
    opts = CountriesOptions(**dict(data))
    if opts.games() > max_points:
        raise ConfigError(f"countries solves {opts.games():,} games, more than max_points={max_points:,}; lower "
                          "countries.n or raise max_points")
    return opts
