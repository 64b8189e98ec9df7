"""The run configuration as frozen dataclasses, validated before any work starts.

:func:`parse_run_config` takes the plain nested mapping that Hydra composes (the entry
point converts it with OmegaConf; nothing here imports Hydra) and returns a
:class:`RunConfig`, or raises :class:`~sim.params.ConfigError` with one line naming the
offending key, the value given and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.params import ConfigError, from_mapping
from sim.registry import get_scenario
from sim.scenario import Scenario
from sim.solvers import SOLVERS
from sim.sweep import MAX_POINTS, Axis, grid_size, make_axis

AXIS_KEYS = ("x", "y", "z")
TOP_KEYS = {"name", "scenario", "game", "sweep", "solvers", "seed", "chunk_size", "results_dir",
            "run_id", "plot", "max_points"}
PLOT_FORMATS = ("png", "pdf", "svg")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs, validated."""

    name: str
    scenario: Scenario
    game: Any  # the scenario's parameter dataclass
    axes: tuple[Axis, ...]
    solvers: tuple[str, ...]
    seed: int
    chunk_size: int
    results_dir: str
    run_id: str | None
    plot_formats: tuple[str, ...]
    resolved: Mapping[str, Any]  # the composed config, for the record

    @property
    def n_points(self) -> int:
        return grid_size(self.axes)


def config_hash(resolved: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the config, without where-to-write keys."""
    data = {k: v for k, v in resolved.items() if k not in ("run_id", "results_dir")}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _int(key: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={value!r} must be an integer >= {low}")
    return value


def _name(key: str, value) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{key}={value!r} must be a non-empty name of letters, digits, '_', '-', '.'")
    return value


def parse_run_config(cfg: Mapping[str, Any]) -> RunConfig:
    """Validate the composed config and build a :class:`RunConfig`."""
    unknown = set(cfg) - TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown config key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    scenario = get_scenario(cfg.get("scenario", "iraq2020"))
    game = from_mapping(scenario.params_cls, cfg.get("game") or {}, "game.")
    sweep = cfg.get("sweep") or {}
    extra = set(sweep) - set(AXIS_KEYS)
    if extra:
        raise ConfigError(f"sweep has unknown keys {sorted(extra)}; allowed: x, y, z")
    axes = []
    for key in AXIS_KEYS:
        spec = sweep.get(key)
        if spec is None:
            continue
        if len(axes) != AXIS_KEYS.index(key):
            raise ConfigError(f"sweep.{key} is set but an earlier axis is null; fill x, then y, then z")
        axes.append(make_axis(f"sweep.{key}", scenario.params_cls, spec))
    if not axes:
        raise ConfigError("sweep needs at least one axis (sweep.x)")
    if len({a.param for a in axes}) != len(axes):
        raise ConfigError("sweep axes must sweep different parameters")
    max_points = _int("max_points", cfg.get("max_points", MAX_POINTS), 1)
    if grid_size(axes) > max_points:
        raise ConfigError(
            f"sweep has {grid_size(axes)} points, more than max_points={max_points}; raise max_points to force"
        )
    solvers = cfg.get("solvers", ["spe", "nash"])
    if not solvers or any(s not in SOLVERS for s in solvers):
        raise ConfigError(f"solvers={list(solvers or [])!r}; allowed: a non-empty list from {sorted(SOLVERS)}")
    plot = cfg.get("plot") or {}
    formats = tuple(plot.get("formats", ("png", "pdf")))
    if set(plot) - {"formats"} or any(f not in PLOT_FORMATS for f in formats):
        raise ConfigError(f"plot={dict(plot)!r}; allowed: plot.formats, a list from {PLOT_FORMATS}")
    run_id = cfg.get("run_id")
    return RunConfig(
        name=_name("name", cfg.get("name", "default")),
        scenario=scenario,
        game=game,
        axes=tuple(axes),
        solvers=tuple(dict.fromkeys(solvers)),
        seed=_int("seed", cfg.get("seed", 0), 0),
        chunk_size=_int("chunk_size", cfg.get("chunk_size", 8192), 1),
        results_dir=str(cfg.get("results_dir", "results")),
        run_id=None if run_id is None else _name("run_id", run_id),
        plot_formats=formats,
        resolved=dict(cfg),
    )
