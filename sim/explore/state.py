"""What the explorer's controls are: sliders grouped by actor, the point they set, typed input.

Everything here is plain data computed from a scenario's parameter metadata
(:func:`sim.engine.params.iter_params`: label, unit, range): one :class:`Slider` per
numeric parameter, grouped by the parameter dataclass's top-level groups (one per actor,
plus e.g. ``arms``), and the point a set of slider values stands for. Typed input
(``"iraq.nationalism = 3"``) is checked by the same functions a config is, so a bad
name or value gets the project's one-line :class:`~sim.engine.params.ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.engine.params import ConfigError, check_value, iter_params, param_info, replace_values, with_unit
from sim.engine.scenario import Scenario
from sim.resources import EXPERIMENTS_DIR

#: The experiment whose axes are the default slice (conf/config.yaml's default experiment).
DEFAULT_EXPERIMENT = "nationalism_credibility"
#: Steps across a slider's range (about; the step is rounded to 1, 2 or 5 x 10^k).
SLIDER_STEPS = 200


@dataclass(frozen=True)
class Slider:
    """One numeric parameter as a slider: dotted ``name``, ``label`` and ``unit`` from its
    metadata, range ``[low, high]`` and ``step`` (all in ``unit``), scenario ``default``."""

    name: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    default: float

    @property
    def text(self) -> str:
        """The label with its unit: ``"Iraqi nationalist cost of hosting US troops ($bn/yr)"``."""
        return with_unit(self.label, self.unit)


@dataclass(frozen=True)
class Group:
    """The sliders of one parameter group (an actor, or e.g. the arms on offer)."""

    key: str
    title: str
    sliders: tuple[Slider, ...]


@dataclass(frozen=True)
class AxisRange:
    """One axis of the phase-diagram slice: a parameter swept from ``start`` to ``stop``."""

    param: str
    start: float
    stop: float


def _on_grid(value: float, low: float, step: float) -> bool:
    k = (value - low) / step
    return abs(k - round(k)) < 1e-6


def nice_step(low: float, high: float, default: float | None = None, n: int = SLIDER_STEPS) -> float:
    """A round step (1, 2 or 5 x 10^k) at most ``(high - low) / n`` on whose grid from
    ``low`` the ``default`` lies (a browser slider rounds its value to the grid when it
    appears); ``high > low``.

    >>> nice_step(0.0, 20.0), nice_step(0.0, 15.0), nice_step(0.25, 0.75), nice_step(40.0, 120.0, 78.5)
    (0.1, 0.05, 0.002, 0.1)
    """
    raw = (high - low) / n
    power = 10.0 ** math.floor(math.log10(raw))
    steps = [m * power * 10.0 ** -k for k in range(4) for m in (5, 2, 1)]
    for step in (round(s, 12) for s in steps if s <= raw * (1 + 1e-9)):
        if default is None or _on_grid(default, low, step):
            return step
    return round(power * 1e-3, 12)


def decimals(step: float) -> int:
    """Decimal places a value on a grid of ``step`` needs.

    >>> decimals(0.05), decimals(0.1), decimals(2.0)
    (2, 1, 0)
    """
    return max(0, math.ceil(-math.log10(step) - 1e-9))


def snap(slider: Slider, value: float) -> float:
    """``value`` clipped to the slider's range and rounded to its step's decimals (so a
    value the browser sends, e.g. 2.3000000000000003, reads 2.3)."""
    return round(min(slider.high, max(slider.low, float(value))), decimals(slider.step))


def group_title(sc: Scenario, key: str) -> str:
    """The human title of parameter group ``key``: the actor it belongs to (``us`` -> ``US``),
    else the key capitalised (``arms`` -> ``Arms``)."""
    for name in sc.players:
        if name.lower() == key.lower():
            return name
    return key.replace("_", " ").capitalize()


def groups(sc: Scenario) -> tuple[Group, ...]:
    """One :class:`Group` per top-level parameter group of ``sc``, in declaration order."""
    by_key: dict[str, list[Slider]] = {}
    for info in iter_params(sc.params_cls):
        key = info.name.partition(".")[0] if "." in info.name else ""
        by_key.setdefault(key, []).append(Slider(info.name, info.label, info.unit, float(info.low),
                                                 float(info.high), nice_step(info.low, info.high, info.default),
                                                 float(info.default)))
    return tuple(Group(k, group_title(sc, k) if k else "Game", tuple(v)) for k, v in by_key.items())


def sliders(sc: Scenario) -> dict[str, Slider]:
    """Every slider of ``sc`` by dotted parameter name."""
    return {s.name: s for g in groups(sc) for s in g.sliders}


def defaults(sc: Scenario) -> dict[str, float]:
    """The scenario's default value of every parameter, by dotted name."""
    return {s.name: s.default for s in sliders(sc).values()}


def point(sc: Scenario, values: Mapping[str, float]):
    """The parameter point (one scalar ``sc.params_cls`` instance) the slider ``values`` set;
    names not in ``values`` keep their defaults."""
    base = sc.params_cls()
    changed = {k: float(v) for k, v in values.items() if float(v) != float(_get(base, k))}
    return replace_values(base, changed) if changed else base


def _get(obj, name: str):
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def parse_assignment(sc: Scenario, text: str) -> tuple[str, float]:
    """``("iraq.nationalism", 3.0)`` from ``"iraq.nationalism = 3"`` (``=`` or ``:``).

    Raises :class:`ConfigError`, one line: no ``=``; an unknown name (with "did you mean");
    not a number or out of range (with the range and unit).
    """
    sep = "=" if "=" in text else ":" if ":" in text else None
    if sep is None:
        raise ConfigError(f"type a parameter and a value, e.g. iraq.nationalism=3; got {text.strip()!r}")
    name, _, raw = (s.strip() for s in text.partition(sep))
    info = param_info(sc.params_cls, name)
    value: object = raw  # not a number: check_value says so, with the range
    for kind in (int, float):  # an integer stays one, so the message repeats what was typed
        try:
            value = kind(raw)
            break
        except ValueError:
            continue
    return name, check_value(info, value)


def experiment_axes(sc: Scenario, experiment: str = DEFAULT_EXPERIMENT,
                    directory: Path = EXPERIMENTS_DIR) -> tuple[AxisRange, AxisRange] | None:
    """The x and y axes of a named experiment (``sweep.x``/``sweep.y``, linspace or
    logspace), or None if it has no such axes or sweeps a parameter ``sc`` lacks."""
    path = Path(directory) / f"{experiment}.yaml"
    if not path.is_file():
        return None
    sweep = (yaml.safe_load(path.read_text()) or {}).get("sweep") or {}
    names = set(sliders(sc))
    out = []
    for key in ("x", "y"):
        spec = sweep.get(key) or {}
        if spec.get("param") not in names or "start" not in spec or "stop" not in spec:
            return None
        out.append(AxisRange(spec["param"], float(spec["start"]), float(spec["stop"])))
    return out[0], out[1]


def default_axes(sc: Scenario) -> tuple[AxisRange, AxisRange]:
    """The default slice: the default experiment's axes, else the first two parameters
    over their whole ranges."""
    found = experiment_axes(sc)
    if found is not None:
        return found
    first = list(sliders(sc).values())[:2]
    return tuple(AxisRange(s.name, s.low, s.high) for s in first)  # type: ignore[return-value]


def full_axis(sc: Scenario, name: str) -> AxisRange:
    """Parameter ``name`` over its whole documented range (ConfigError if unknown)."""
    info = param_info(sc.params_cls, name)
    return AxisRange(name, float(info.low), float(info.high))


def check_axes(x: AxisRange, y: AxisRange) -> None:
    """ConfigError unless the slice's axes are two different parameters."""
    if x.param == y.param:
        raise ConfigError(f"the slice needs two different parameters; both axes are '{x.param}'")


def changed(sc: Scenario, values: Mapping[str, float]) -> dict[str, float]:
    """The values that differ from the scenario's defaults."""
    base = defaults(sc)
    return {k: float(v) for k, v in values.items() if k in base and float(v) != base[k]}
