"""Generate the run-configuration reference (docs/config.md) and the baseline
calibration file (conf/game/baseline.yaml) from the code.

``python -m sim.cli.configdoc > docs/config.md`` and ``python -m sim.cli.configdoc
--baseline > conf/game/baseline.yaml``; tests check both committed files are current, so
neither can drift. Keys, types and meanings come from the schema
(:func:`sim.config.schema.reference_rows`, the fields' metadata); defaults from the
config that ``python -m sim`` composes, else from the schema; config-group choices from
the files in ``conf/``; the baseline from the scenario's parameter dataclass. Like
``sim.cli.app``, this is an entry point, so it may use Hydra.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sim.config.schema import reference_rows, type_text
from sim.engine.params import iter_params
from sim.resources import CONF_DIR
from sim.scenarios import BASELINE_FILES, get_scenario

CONF_DIR = Path(CONF_DIR)
#: Config groups chosen as ``group=option`` on the command line.
GROUPS = ("experiment", "solver", "dynamics", "game", "hydra/launcher")


def composed_default(overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """The run config ``python -m sim <overrides>`` composes (without Hydra's own node)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.config import schema

    schema.register()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def flat_keys(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted names of every key of a nested mapping, groups included; the axes
    ``sweep.x|y|z.<key>`` are named ``sweep.<axis>.<key>`` as in the reference."""
    for k, v in data.items():
        key = f"{prefix}{k}"
        yield key
        if isinstance(v, Mapping) and key != "game":
            sub = "sweep.<axis>." if key in ("sweep.x", "sweep.y", "sweep.z") else f"{key}."
            yield from flat_keys(v, sub)


def _lookup(data: Mapping[str, Any], key: str):
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def yaml_value(v) -> str:
    """A value as it would be written in YAML flow style."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {yaml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    return str(v)


def _axes_shown(value, key: str):
    """A sweep default without the axis fields left null (None: an unset axis)."""
    def axis(spec):
        kept = {k: v for k, v in (spec or {}).items() if v is not None}
        return None if set(kept) <= {"space"} else kept

    if key == "sweep":
        return {k: axis(v) for k, v in value.items()}
    return axis(value)


def default_of(key: str, f: dataclasses.Field, composed: Mapping[str, Any]) -> str:
    """The composed default, else the schema field's default, else a dash."""
    if key.startswith("sweep.<axis>."):
        return "—"
    if key == "game":
        return "`game=baseline` (conf/game/baseline.yaml)"
    try:
        value = _lookup(composed, key)
    except KeyError:
        value = KeyError
    if key.startswith("sweep") and value is not KeyError:
        value = _axes_shown(value, key)
        if value is None:
            return "— (unset)"
    try:
        if value is KeyError:
            raise KeyError(key)
        return f"`{yaml_value(value)}`"
    except KeyError:
        if f.default is dataclasses.MISSING:
            return "—"
        return f"— ({yaml_value(f.default)} if omitted)"


def group_table() -> str:
    rows = ["| group | options (conf/<group>/) | default |", "|---|---|---|"]
    composed = composed_default()
    chosen = {"experiment": composed["name"], "solver": "exact", "dynamics": composed["dynamics"]["rule"],
              "game": "baseline", "hydra/launcher": "basic"}
    for g in GROUPS:
        files = sorted((CONF_DIR / g).glob("*.yaml"))
        opts = ", ".join(f"`{p.stem}`" for p in files)
        if g == "hydra/launcher":  # the others come with Hydra's plugins, not from conf/
            opts += "; Hydra's `basic`, `joblib` (installed with sim), `submitit_local`, `submitit_slurm`, `ray` (extra `cluster`)"
        rows.append(f"| `{g}=` | {opts} | `{chosen[g]}` |")
    return "\n".join(rows)


def key_table(composed: Mapping[str, Any]) -> str:
    rows = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for key, hint, f in reference_rows():
        m = f.metadata
        rows.append(f"| `{key}` | {type_text(hint, f)} | {default_of(key, f, composed)} | {m['allowed']} | {m['doc']} |")
    return "\n".join(rows)


#: The generated calibration file of each built-in scenario, ``conf/game/<file>.yaml``.


def baseline_yaml(scenario: str = "iraq2020") -> str:
    """conf/game/<BASELINE_FILES[scenario]>.yaml: every parameter at its default, with
    unit, range and source."""
    sc = get_scenario(scenario)
    lines = [f"# Baseline calibration of the {scenario} scenario: every parameter at its default, with unit,",
             "# valid range and source ('assumption' = a modelling choice without a published figure).",
             f"# Generated by `python -m sim.cli.configdoc --baseline {scenario}` from {sc.params_cls.__module__}; do not",
             "# edit by hand: change the default there. Units: $bn/yr unless stated.",
             "defaults:", f"  - {scenario}_schema", "  - _self_", ""]
    group = None
    for info in iter_params(sc.params_cls):
        head, _, name = info.name.rpartition(".")
        if head != group:
            lines.append(f"{head}:")
            group = head
        lines.append(f"  {name}: {info.default!r}  # {info.unit}, [{info.low:g}, {info.high:g}]; {info.source}")
    return "\n".join(lines) + "\n"


def reference() -> str:
    composed = composed_default()
    parts = [
        "# Configuration reference",
        "",
        "Generated by `python -m sim.cli.configdoc` from the schema (`sim/config/schema.py`, and the",
        "options dataclass of each solver in `sim/solvers/`) and `conf/`; do not edit by hand. Hydra",
        "checks each key's type while it composes; the validators of `sim/config/validate.py` check",
        "the ranges. The game parameters (`game.*`) are in [parameters.md](parameters.md).",
        "",
        "Override any key on the command line (`python -m sim seed=3 abm.steps=500`); print",
        "the composed config with `python -m sim --cfg job`. *Default* is the value in the",
        "config `python -m sim` composes: conf/config.yaml with the default experiment",
        f"(`{composed['name']}`, which sets `name` and `sweep`) and the default groups below.",
        "A bad value stops the run before any work with one line naming the key",
        "([errors.md](errors.md)).",
        "",
        "## Config groups",
        "",
        "Choose a file from a group with `group=option`, e.g. `python -m sim experiment=concepts",
        "solver=all dynamics=logit`. The experiments are listed in",
        "[experiments/README.md](../experiments/README.md).",
        "",
        group_table(),
        "",
        "## Keys",
        "",
        "`sweep.<axis>.*` stands for each of `sweep.x`, `sweep.y` and `sweep.z`.",
        "",
        key_table(composed),
        "",
        "## Hydra's own keys",
        "",
        "`hydra.*` (run and sweep directories, the launcher and its settings) belongs to Hydra,",
        "not to the run: it changes neither the results nor the config hash. conf/config.yaml",
        "sets `hydra.run.dir: .` and `hydra.output_subdir: null` (sim writes its own run",
        "directory) and `hydra.sweep.dir: ${results_dir}/multirun/<timestamp>`. Launcher",
        "settings: [how-to/run-on-slurm.md](how-to/run-on-slurm.md),",
        "[how-to/run-on-ray.md](how-to/run-on-ray.md).",
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--baseline"]:
        print(baseline_yaml(*args[1:2]), end="")
    else:
        print(reference(), end="")
