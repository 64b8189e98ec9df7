"""Documented model parameters: metadata, validation and batches over a grid.

A scenario's parameters are a frozen dataclass whose fields are either numbers declared
with :func:`param` (which records unit, valid range, source and meaning) or nested
parameter dataclasses (one per actor, say). Parameters are addressed by dotted names,
e.g. ``"iraq.nationalism"``.

A *batch* of ``B`` parameter points is the same dataclass with some leaves replaced by
row arrays of shape ``(1, B)``; outcome features are columns of shape ``(n_outcomes, 1)``,
so payoff terms written for one point broadcast to ``(n_outcomes, B)`` unchanged (the
batch axis last keeps the solvers' inner loops contiguous).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A user-facing configuration error; its message is one line naming the key."""


def closest(word: Any, choices) -> str | None:
    """The choice most like ``word`` (a likely typo of it: difflib ratio >= 0.6, or the one
    choice it begins), or None."""
    choices = [str(c) for c in choices]
    match = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if match:
        return match[0]
    longer = [c for c in choices if str(word) and c.startswith(str(word))]  # 'lin' for 'linspace'
    return longer[0] if len(longer) == 1 else None


def did_you_mean(word: Any, choices) -> str:
    """``" (did you mean 'x'?)"`` for the closest choice to ``word``, or ``""``."""
    match = closest(word, choices)
    return f" (did you mean '{match}'?)" if match else ""


@dataclass(frozen=True)
class ParamInfo:
    """Metadata of one numeric parameter."""

    name: str
    default: float
    unit: str
    low: float
    high: float
    source: str
    doc: str
    label: str

    @property
    def axis_text(self) -> str:
        """The label with its unit, as an axis shows it: :func:`with_unit`."""
        return with_unit(self.label, self.unit)


def param(default: float, *, label: str, unit: str, low: float, high: float, source: str, doc: str):
    """Declare a numeric parameter field with its label, unit, valid range and source.

    ``label`` names the parameter in figures (sentence case, short enough for an axis:
    "Iraqi nationalist cost of hosting US troops"); ``unit`` is ``"1"`` for a pure
    number; ``source`` cites the article or a BRIEF §4 fact, or starts with
    ``"assumption"``; ``doc`` says what the number means, with its symbol.
    """
    if not low <= default <= high:
        raise ValueError(f"default {default} outside [{low}, {high}]")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("a parameter needs a non-empty label")
    meta = {"unit": unit, "low": low, "high": high, "source": source, "doc": doc, "label": label}
    return field(default=default, metadata=meta)


def unitless(unit: str | None) -> bool:
    """Whether ``unit`` marks a pure number (``"1"``, or none given)."""
    return not unit or unit.strip() == "1"


def with_unit(text: str, unit: str | None) -> str:
    """``"text (unit)"``, e.g. ``"Iraqi nationalist cost of hosting US troops ($bn/yr)"``;
    just ``text`` for a pure number (:func:`unitless`)."""
    return text if unitless(unit) else f"{text} ({unit})"


def quantity(value: float, unit: str | None) -> str:
    """A value with its unit, ``"4 $bn/yr"``; ``"0.7"`` for a pure number (a share or a
    probability shows as it is)."""
    return f"{value:g}" if unitless(unit) else f"{value:g} {unit}"


def group(cls):
    """Declare a nested parameter group field (default-constructed)."""
    return field(default_factory=cls)


def iter_params(obj_or_cls, prefix: str = "") -> Iterator[ParamInfo]:
    """Every numeric parameter of a parameter dataclass (class or instance), in order."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    for f in dataclasses.fields(cls):
        name = prefix + f.name
        if "unit" in f.metadata:
            m = f.metadata
            yield ParamInfo(name, f.default, m["unit"], m["low"], m["high"], m["source"], m["doc"], m["label"])
        else:
            sub = f.default_factory if isinstance(obj_or_cls, type) else getattr(obj_or_cls, f.name)
            yield from iter_params(sub, name + ".")


def param_info(cls, name: str) -> ParamInfo:
    """Metadata of the parameter ``name`` (dotted); ConfigError naming it if unknown."""
    infos = list(iter_params(cls))
    for info in infos:
        if info.name == name:
            return info
    names = [i.name for i in infos]
    match = closest(name, names)
    if match:
        raise ConfigError(f"unknown parameter '{name}'; did you mean '{match}'?")
    group = name.rpartition(".")[0]
    inside = [n.rpartition(".")[2] for n in names if n.rpartition(".")[0] == group]
    if inside:
        raise ConfigError(f"unknown parameter '{name}'; known in {group}: {', '.join(inside)}")
    groups = dict.fromkeys(n.rpartition(".")[0] for n in names if "." in n)
    raise ConfigError(f"unknown parameter '{name}'; parameters are <group>.<name>, groups: {', '.join(groups)} "
                      "(docs/parameters.md)")


def get_value(obj, name: str) -> Any:
    """The value at dotted ``name``."""
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def replace_values(obj, values: Mapping[str, Any]):
    """A copy of ``obj`` with the dotted names in ``values`` replaced."""
    by_head: dict[str, dict[str, Any]] = {}
    direct: dict[str, Any] = {}
    for name, v in values.items():
        head, _, rest = name.partition(".")
        if rest:
            by_head.setdefault(head, {})[rest] = v
        else:
            direct[head] = v
    for head, sub in by_head.items():
        direct[head] = replace_values(getattr(obj, head), sub)
    return dataclasses.replace(obj, **direct)


def from_mapping(cls, data: Mapping[str, Any], prefix: str = ""):
    """Build a parameter dataclass from a nested mapping, checking every key and value.

    Raises ConfigError (one line, naming the dotted key, the value and what is allowed)
    for unknown keys, non-numbers and values outside a parameter's range.
    """
    if not isinstance(data, Mapping):
        what = "null" if data is None else repr(data)
        raise ConfigError(f"'{prefix.rstrip('.') or 'game'}' must be a group of parameters, got {what}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        name = prefix + key
        if key not in fields:
            allowed = ", ".join(prefix + k for k in fields)
            hint = did_you_mean(name, [prefix + k for k in fields])
            raise ConfigError(f"unknown parameter '{name}'{hint}; allowed here: {allowed}")
        f = fields[key]
        if "unit" in f.metadata:
            kwargs[key] = check_value(ParamInfo(name, f.default, **f.metadata), value)
        else:
            if not isinstance(value, Mapping):
                raise ConfigError(f"'{name}' must be a group of parameters, got {value!r}")
            kwargs[key] = from_mapping(f.default_factory, value, name + ".")
    return cls(**kwargs)


def check_value(info: ParamInfo, value: Any) -> float:
    """``value`` as a float if it is a finite number inside the parameter's range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        what = "null" if value is None else repr(value)
        raise ConfigError(
            f"{info.name}={what} is not a number; allowed: [{info.low}, {info.high}] {info.unit}"
        )
    try:
        v = float(value)
    except OverflowError:  # an int beyond the largest float
        v = math.inf
    if not math.isfinite(v) or not info.low <= v <= info.high:
        raise ConfigError(
            f"{info.name}={value!r} is out of range; allowed: [{info.low}, {info.high}] {info.unit}"
        )
    return v


def show(value) -> str:
    """A value as the user would type it: null, true/false, else its repr."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def check_number(key: str, value, low: float, high: float, unit: str = "") -> float:
    """``value`` as a float if it is a number in ``[low, high]`` (``unit`` is appended to
    the allowed range in the message), else :class:`ConfigError` naming ``key``."""
    top = f"{high:g}".replace("e+0", "e").replace("e+", "e")  # 1e6, not 1e+06
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}={show(value)} is not a number; allowed: [{low}, {top}]{unit}")
    if not low <= value <= high:  # also refuses nan
        raise ConfigError(f"{key}={value!r} is out of range; allowed: [{low}, {top}]{unit}")
    return float(value)


def batch_size(params) -> int:
    """Number of parameter points in a batch (1 when every leaf is a scalar)."""
    size = 1
    for f in dataclasses.fields(params):
        v = getattr(params, f.name)
        if dataclasses.is_dataclass(v):
            size = max(size, batch_size(v))
        elif isinstance(v, np.ndarray) and v.ndim == 2:
            size = max(size, v.shape[1])
    return size


def take_points(params, sel: slice):
    """A batch restricted to the points ``sel`` (scalar leaves are kept as they are)."""
    kw = {}
    for f in dataclasses.fields(params):
        v = getattr(params, f.name)
        if dataclasses.is_dataclass(v):
            kw[f.name] = take_points(v, sel)
        elif isinstance(v, np.ndarray) and v.ndim == 2:
            kw[f.name] = v[:, sel]
        else:
            kw[f.name] = v
    return dataclasses.replace(params, **kw)


def batch(base, columns: Mapping[str, np.ndarray]):
    """``base`` with the named parameters replaced by rows of shape (1, B).

    ``columns`` maps dotted names to 1-D arrays of equal length ``B``.
    """
    return replace_values(base, {k: np.asarray(v, dtype=float)[None, :] for k, v in columns.items()})
