"""Small checks shared by the run config's validators: integers, blocks of settings, lists,
names from a set, finite numbers (:class:`~sim.engine.params.ConfigError`, one line naming
the key). Imported by :mod:`sim.config.validate` and :mod:`sim.config.abm`."""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.engine.params import ConfigError, did_you_mean, show


def _int(key: str, value, low: int, high: int | None = None, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={show(value)} must be an integer >= {low}")
    if high is not None and value > high:
        raise ConfigError(f"{key}={value} is more than {high}{why}")
    return value


def _keys(key: str, data, allowed, null_hint: str = "") -> dict:
    """``data`` as a dict, if it is a mapping with no key outside ``allowed``."""
    allowed = list(allowed)
    if data is None:
        raise ConfigError(f"{key}=null has no meaning: it is a block of settings ({', '.join(allowed)}); "
                          f"{null_hint or 'drop the override to keep its defaults, or set one of them'}")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{key}={show(data)} must be a block of settings; allowed keys: {', '.join(allowed)}")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        hint = did_you_mean(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ConfigError(f"{key} has unknown key(s) {sorted(map(str, unknown))}{hint}; allowed: {', '.join(allowed)}")
    return dict(data)


def _list(key: str, value, example: str) -> list:
    """``value`` if it is a list; strings and other scalars are refused with an example."""
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ConfigError(f"{key}={show(value)} must be a list, e.g. {example}")


def _choices(key: str, values: list, allowed, what: str, empty: bool = False) -> tuple[str, ...]:
    """A list of distinct names from ``allowed``, non-empty unless ``empty``."""
    for v in values:
        if v not in allowed:
            raise ConfigError(f"{key}={values!r}: {v!r} is unknown{did_you_mean(v, allowed)}; allowed: {what}")
    if not values and not empty:
        raise ConfigError(f"{key}=[] is empty; allowed: {what}")
    twice = [v for v in dict.fromkeys(values) if values.count(v) > 1]
    if twice:
        raise ConfigError(f"{key}={values!r} names {twice[0]!r} twice; list each once")
    return tuple(values)


def _finite(key: str, value, shown=None) -> float | int:
    """``value`` if it is a finite number (not a bool, a string, an int beyond the floats)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        ok = ok and math.isfinite(float(value))
    except OverflowError:
        ok = False
    if not ok:
        if shown is not None:
            raise ConfigError(f"{key}={show(shown)} must be a non-empty list of finite numbers")
        raise ConfigError(f"{key}={show(value)} must be a finite number")
    return float(value) if isinstance(value, int) and abs(value) > 2**63 - 1 else value  # numpy takes int64


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 1e4:
        return f"~{hours:.1e} hours"
    return f"~{hours:.0f} hours" if hours >= 1.5 else f"~{seconds / 60:.0f} minutes"
