"""Generate the run-configuration reference (docs/config.md) from the code.

``python -m sim.cli.configdoc > docs/config.md``; a test checks the committed file is
current, so the reference cannot drift from the code. Keys and meanings come from
:data:`sim.config.parse.CONFIG_KEYS`; types of the option blocks from their dataclasses
(:class:`~sim.config.parse.QreOptions`, :class:`~sim.store.tiles.TileSpec`,
:class:`~sim.abm.rules.RuleOptions`, :class:`~sim.abm.solver.AbmOptions`,
:class:`~sim.analysis.sensitivity.SensitivityOptions`); defaults from
the config that ``python -m sim`` composes (conf/config.yaml), else from those
dataclasses; config-group choices from the files in ``conf/``. Like ``sim.cli.app``, this is
an entry point, so it may use Hydra.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sim.abm.rules import RuleOptions
from sim.abm.solver import AbmOptions
from sim.config.parse import CONFIG_KEYS, QreOptions
from sim.config.sensitivity import SensitivityOptions
from sim.resources import CONF_DIR
from sim.store.tiles import TileSpec

CONF_DIR = Path(CONF_DIR)
#: Option blocks parsed into a dataclass: ``<block>.<field>`` takes its type and its
#: default (when the composed config does not set it) from the field.
OPTION_CLASSES = {"qre": QreOptions, "tiles": TileSpec, "dynamics": RuleOptions, "abm": AbmOptions,
                  "sensitivity": SensitivityOptions}
#: Config groups chosen as ``group=option`` on the command line.
GROUPS = ("experiment", "solver", "dynamics", "game", "hydra/launcher")


def composed_default(overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """The run config ``python -m sim <overrides>`` composes (without Hydra's own node)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    import sim.cli.app  # noqa: F401  (registers the typed schema of the game/ group)

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)


def flat_keys(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted names of every key of a nested mapping, groups included; the axes
    ``sweep.x|y|z.<key>`` are named ``sweep.<axis>.<key>`` as in the reference."""
    for k, v in data.items():
        key = f"{prefix}{k}"
        yield key
        if isinstance(v, Mapping) and key != "game":
            sub = "sweep.<axis>." if key in ("sweep.x", "sweep.y", "sweep.z") else f"{key}."
            yield from flat_keys(v, sub)


def option_field(key: str) -> dataclasses.Field | None:
    """The dataclass field behind ``<block>.<field>``, if any."""
    block, _, name = key.partition(".")
    cls = OPTION_CLASSES.get(block)
    if cls is None or not name:
        return None
    return {f.name: f for f in dataclasses.fields(cls)}.get(name)


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


def default_of(key: str, composed: Mapping[str, Any]) -> str:
    """The composed default, else the option dataclass's default, else a dash."""
    if key.startswith("sweep.<axis>."):
        return "—"
    try:
        value = _lookup(composed, key)
    except KeyError:
        f = option_field(key)
        if f is None or f.default is dataclasses.MISSING:
            return "—"
        return f"— ({yaml_value(f.default)} if omitted)"
    if key == "game":
        return "`game=baseline` (conf/game/baseline.yaml)"
    return f"`{yaml_value(value)}`"


def type_of(entry) -> str:
    if entry.type:
        return entry.type
    f = option_field(entry.key)
    if f is None:
        raise ValueError(f"{entry.key}: no type given and no option dataclass field behind it")
    return str(f.type).replace("None", "null").replace(" | ", " or ")


def first_comment(path: Path) -> str:
    """The first comment line of a YAML file, without '#', or ''."""
    for line in path.read_text().splitlines():
        if line.startswith("#") and not line.startswith("# @package"):
            return line.lstrip("# ").strip()
    return ""


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
    for e in CONFIG_KEYS:
        rows.append(f"| `{e.key}` | {type_of(e)} | {default_of(e.key, composed)} | {e.allowed} | {e.doc} |")
    return "\n".join(rows)


def reference() -> str:
    composed = composed_default()
    parts = [
        "# Configuration reference",
        "",
        "Generated by `python -m sim.cli.configdoc` from `sim/config/parse.py` (`CONFIG_KEYS`), the option",
        "dataclasses and `conf/`; do not edit by hand. The game parameters (`game.*`) are in",
        "[parameters.md](parameters.md).",
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
    print(reference(), end="")
