"""The generated run-config reference (docs/config.md) against the schema and the validators."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest

from sim.cli.configdoc import CONF_DIR, composed_default, flat_keys, reference
from sim.config.schema import reference_rows, top_keys
from sim.config.validate import validate_run_config
from sim.scenarios import get_scenario
from sim.engine.params import ConfigError, iter_params

ROOT = Path(__file__).resolve().parents[1]
ROWS = list(reference_rows())
DOCUMENTED = {key for key, _, _ in ROWS}
TOP_KEYS = set(top_keys())
GROUP_OPTIONS = [f"{g}={p.stem}" for g in ("experiment", "solver", "dynamics")
                 for p in sorted((CONF_DIR / g).glob("*.yaml"))]


@pytest.fixture(scope="module")
def default():
    return composed_default()


def small(cfg):
    """A copy of a composed config with a 3-point grid, so that every key can be parsed."""
    cfg = copy.deepcopy(cfg)
    cfg["sweep"] = {"x": {"param": "iraq.nationalism", "start": 0.0, "stop": 1.0, "num": 3}, "y": None, "z": None}
    return cfg


def test_config_reference_is_current():
    """docs/config.md is generated; regenerate with: python -m sim.cli.configdoc > docs/config.md"""
    assert (ROOT / "docs/config.md").read_text() == reference()


def test_the_reference_names_only_real_config_groups():
    text = reference()
    for option in GROUP_OPTIONS:
        assert f"`{option.split('=')[1]}`" in text, option


@pytest.mark.parametrize("overrides", [(), *[(o,) for o in GROUP_OPTIONS]], ids=lambda o: o[0] if o else "default")
def test_every_composed_key_is_in_the_reference(overrides):
    cfg = composed_default(overrides)
    keys = set(flat_keys(cfg))
    assert keys - DOCUMENTED == set()
    params = {i.name for i in iter_params(get_scenario(cfg.get("scenario", "iraq2020")).params_cls)}
    game = cfg.get("game", {})
    leaves = {f"{g}.{k}" for g, sub in game.items() for k in sub}
    assert leaves <= params  # game.* is documented in docs/parameters.md


def _allowed(message: str) -> set[str]:
    """The key names listed after 'allowed:' in a ConfigError message."""
    text = message.split("allowed: ", 1)[1]
    if text.startswith("["):
        return set(ast.literal_eval(text))
    return {t.split(".")[-1] for t in text.split(", ") if re.fullmatch(r"[a-z_.]+", t)}


def _refusal(cfg) -> str:
    with pytest.raises(ConfigError) as err:
        validate_run_config(cfg)
    return str(err.value)


def _children(prefix: str) -> set[str]:
    return {k[len(prefix):] for k in DOCUMENTED if k.startswith(prefix) and "." not in k[len(prefix):]}


def test_top_level_keys_are_the_parsers(default):
    assert {k for k in DOCUMENTED if "." not in k} == TOP_KEYS
    assert _allowed(_refusal({**small(default), "bogus": 1})) == TOP_KEYS


@pytest.mark.parametrize("block", ["abm", "qre", "tiles", "dynamics", "plot", "sweep", "sweep.<axis>", "sensitivity"])
def test_documented_block_keys_are_the_ones_the_parser_accepts(default, block):
    cfg = small(default)
    if block == "sweep.<axis>":
        cfg["sweep"]["x"]["bogus"] = 1
    elif block == "plot":
        cfg["plot"] = {"formats": ["png"], "bogus": 1}
    else:
        cfg[block] = {**(cfg[block] or {}), "bogus": 1}
    documented = _children(f"{block}.")
    if block == "sweep":
        documented = {"x", "y", "z"}
    assert _allowed(_refusal(cfg)) == documented


def test_every_documented_key_has_its_text():
    for key, _, f in ROWS:
        assert f.metadata.get("doc") and f.metadata.get("allowed"), key


@pytest.mark.parametrize("entry", [(k, f.metadata["allowed"]) for k, _, f in ROWS
                                   if f.metadata["allowed"].startswith("`>= ")], ids=lambda e: e[0])
def test_documented_lower_bounds_are_enforced(default, entry):
    low = int(re.match(r"`>= (\d+)`", entry[1]).group(1))
    key = entry[0].replace("<axis>", "x")
    cfg = small(default)
    *path, last = key.split(".")
    node = cfg
    for part in path:
        if node[part] is None:  # a block that is null by default (sensitivity)
            node[part] = {}
        node = node[part]
    node[last] = low - 1
    assert f"{key}={low - 1}" in _refusal(cfg)


def test_an_axis_without_space_is_linspace(default):
    cfg = small(default)
    cfg["sweep"]["x"].pop("space", None)
    assert validate_run_config(cfg).axes[0].values == (0.0, 0.5, 1.0)


def test_composed_defaults_parse(default):
    spec = validate_run_config(default)
    assert spec.name == default["name"] and spec.qre.lam == default["qre"]["lam"]
