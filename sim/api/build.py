"""From notebook calls to a validated run config, and from a solved grid to pandas.

The notebook API solves nothing itself: a point or a sweep becomes the plain config a
command line would compose (``scenario``, ``game`` with the values set, ``sweep``,
``solvers`` and the concepts' option blocks), :func:`sim.config.validate.validate_run_config`
checks it as it checks every run (one-line :class:`~sim.engine.params.ConfigError` naming
the key), and :func:`sim.runs.run.solve_range` solves it on the vectorised engine, chunk by
chunk, exactly as a run does. A sweep's table is therefore the same rows, column for
column, as the ``equilibria.parquet`` of a run of that config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.config.validate import RunConfig, validate_run_config
from sim.engine.params import ConfigError, did_you_mean
from sim.engine.scenario import Scenario
from sim.resources import CONF_DIR
from sim.runs.run import solve_range, table_meta
from sim.scenarios import SCENARIOS, get_scenario
from sim.solvers.registry import SOLVERS, get_solver

#: Keys of options besides each concept's own block: the agent-based model's seed and
#: learning rule (``dynamics``: a rule name from conf/dynamics/, or its mapping), and
#: how many points are solved at once.
TOP_OPTIONS = ("seed", "dynamics", "chunk_size")


def option_blocks() -> tuple[str, ...]:
    """The option blocks a solve may set: each concept with options, then :data:`TOP_OPTIONS`."""
    return tuple(n for n, s in SOLVERS.items() if s.options is not None) + TOP_OPTIONS


def nested(values: Mapping[str, Any]) -> dict:
    """``{"iraq.nationalism": 3}`` as the config's nested ``{"iraq": {"nationalism": 3}}``."""
    out: dict = {}
    for name, value in values.items():
        *groups, leaf = name.split(".")
        node = out
        for g in groups:
            node = node.setdefault(g, {})
        node[leaf] = value
    return out


def dynamics_block(value: Any) -> Any:
    """The ``dynamics`` block for ``value``: a rule's name reads its file in
    ``conf/dynamics/`` (as ``dynamics=<name>`` does on the command line); a mapping is
    the block itself."""
    if not isinstance(value, str):
        return value
    files = sorted(p.stem for p in (Path(CONF_DIR) / "dynamics").glob("*.yaml"))
    if value not in files:
        raise ConfigError(f"dynamics={value!r} is unknown{did_you_mean(value, files)}; allowed: {', '.join(files)}")
    data = yaml.safe_load((Path(CONF_DIR) / "dynamics" / f"{value}.yaml").read_text()) or {}
    return {k: v for k, v in data.items() if k != "defaults"}


def check_blocks(blocks: Mapping[str, Any]) -> dict:
    """``blocks`` checked against :func:`option_blocks` (one line naming an unknown one)."""
    allowed = option_blocks()
    for key in blocks:
        if key not in allowed:
            raise ConfigError(f"option {key!r} is unknown{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}")
    out = dict(blocks)
    if "dynamics" in out:
        out["dynamics"] = dynamics_block(out["dynamics"])
    return out


def check_solvers(solvers: str | Iterable[str], model: Scenario | None = None) -> list[str]:
    """A concept name or a list of them, each registered (one line listing them if not)
    and, given the scenario ``model``, one it can be solved with."""
    names = [solvers] if isinstance(solvers, str) else list(solvers)
    if not names:
        raise ConfigError(f"solvers: give at least one of {', '.join(SOLVERS)}")
    for name in names:
        spec = get_solver(name)
        if model is None:
            continue
        lacks = ("an actor of uncertain type" if spec.requires_types and model.types is None else
                 "a domestic level" if spec.requires_domestic and model.domestic is None else None)
        if lacks:
            fits = [n for n, s in SCENARIOS.items() if not (spec.requires_types and s.types is None)
                    and not (spec.requires_domestic and s.domestic is None)]
            raise ConfigError(f"solver {name!r} needs {lacks}, which scenario {model.name!r} does not declare; "
                              f"scenarios that do: {', '.join(fits)}")
    return names


def run_config(source: str, changes: Mapping[str, float], axes: Mapping[str, Mapping], solvers: Iterable[str],
               blocks: Mapping[str, Any] | None = None, name: str = "notebook", results_dir: str = "results",
               plot_formats: Iterable[str] = ()) -> RunConfig:
    """The validated config of a grid: scenario ``source`` (a registry name or an import
    path) with the parameters ``changes`` set (dotted name -> value in its unit), the
    sweep ``axes`` (``{"x": {"param": ..., "space": ..., ...}, ...}``), ``solvers`` and
    the option ``blocks`` (``{"qre": {"lam": 2.0}, "seed": 1, ...}``); ``name``,
    ``results_dir`` and ``plot_formats`` matter only to a run written to disk."""
    data = {"name": name, "scenario": source, "game": nested(changes), "sweep": dict(axes),
            "solvers": check_solvers(solvers, get_scenario(source)), "results_dir": str(results_dir),
            "plot": {"formats": list(plot_formats)}, **check_blocks(blocks or {})}
    return validate_run_config(data)


def solve_config(cfg: RunConfig, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Solve every point of ``cfg``'s grid: the tidy table as a DataFrame (label columns
    categorical, in their whole vocabulary; the table's metadata attached, see
    :mod:`sim.api.frame`) and the agent-based per-run table, or None."""
    from sim.api.frame import attach

    table, runs = solve_range(cfg, 0, cfg.n_points, progress, cfg.name)
    frame = attach(table.to_pandas(), table_meta(cfg))
    return frame, (None if runs is None else runs.to_pandas())
