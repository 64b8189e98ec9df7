"""Property-based tests of configurations: every valid one runs and satisfies the
invariants; every invalid one is refused with the project's own error naming the key."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.validate import validate_run_config
from sim.scenarios.iraq2020 import REGIMES, GameParams
from sim.engine.params import ConfigError, iter_params
from sim.runs.run import solve_range
from sim.store.columns import slug

INFOS = list(iter_params(GameParams))
NAMES = [i.name for i in INFOS]


@st.composite
def valid_configs(draw):
    game = {}
    for info in draw(st.lists(st.sampled_from(INFOS), max_size=6, unique_by=lambda i: i.name)):
        group, key = info.name.split(".")
        game.setdefault(group, {})[key] = draw(st.floats(info.low, info.high, allow_nan=False))
    sweep = {}
    for key, info in zip("xy", draw(st.lists(st.sampled_from(INFOS), min_size=1, max_size=2,
                                              unique_by=lambda i: i.name))):
        lo = draw(st.floats(info.low, info.high, allow_nan=False))
        hi = draw(st.floats(lo, info.high, allow_nan=False))
        num = draw(st.integers(1, 4)) if hi > lo else 1
        sweep[key] = {"param": info.name, "space": "linspace", "start": lo, "stop": hi, "num": num}
    solvers = draw(st.lists(st.sampled_from(["spe", "nash", "bayes"]), min_size=1, unique=True))
    return {"name": "prop", "game": game, "sweep": sweep, "solvers": solvers,
            "chunk_size": draw(st.integers(1, 20)), "results_dir": "unused"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_valid_configs_run_and_satisfy_invariants(data):
    cfg = validate_run_config(data)
    table, _ = solve_range(cfg, 0, cfg.n_points, False, "prop")
    t = table.to_pandas()
    assert len(t) == cfg.n_points
    if "spe" in cfg.solvers:
        assert set(t["spe_regime"].astype(str)) <= set(REGIMES)
    if "nash" in cfg.solvers:
        counts = t[[f"nash_count_{slug(r)}" for r in REGIMES]].sum(axis=1)
        assert (counts == t["nash_count"]).all()
    if "bayes" in cfg.solvers:
        probs = t[[f"bayes_prob_{slug(r)}" for r in REGIMES]].to_numpy()
        assert np.all(probs >= -1e-12)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0)


BAD = st.one_of(
    st.tuples(st.sampled_from(INFOS), st.floats(1e-3, 1e6)).map(
        lambda t: ("game", t[0].name, t[0].high + t[1])),
    st.tuples(st.sampled_from(INFOS), st.floats(1e-3, 1e6)).map(
        lambda t: ("game", t[0].name, t[0].low - t[1])),
    st.tuples(st.sampled_from(INFOS), st.sampled_from([float("nan"), float("inf"), "x", None, [1]])).map(
        lambda t: ("game", t[0].name, t[1])),
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
        lambda s: f"iraq.{s}" not in NAMES).map(lambda s: ("game", f"iraq.{s}", 1.0)),
    st.integers(-5, 0).map(lambda n: ("num", "sweep.x.num", n)),
    st.floats(0.1, 5).map(lambda d: ("order", "sweep.x", d)),
)


@settings(max_examples=150, deadline=None)
@given(BAD)
def test_invalid_configs_are_refused_naming_the_key(bad):
    kind, key, value = bad
    data = {"sweep": {"x": {"param": "iraq.nationalism", "start": 0.0, "stop": 10.0, "num": 3}}}
    if kind == "game":
        group, name = key.split(".")
        data["game"] = {group: {name: value}}
    elif kind == "num":
        data["sweep"]["x"]["num"] = value
    else:
        data["sweep"]["x"].update(start=5.0 + value, stop=5.0)
    try:
        validate_run_config(data)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        assert key.split(".")[-1] in str(exc) or key in str(exc)
    else:
        raise AssertionError(f"accepted {bad}")


def test_unwritable_results_directory_is_one_line_and_nonzero(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = subprocess.run([sys.executable, "-m", "sim", f"results_dir={blocker}/res", "sweep.x.num=3", "sweep.y.num=3"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: cannot write results:"), r.stderr


# --- Any value at any key: accepted, or refused with the project's one-line error ------

JUNK = [None, "", "x", "..", -1, 0, 1, 2.5, 10**30, -(10**30), float("inf"), float("nan"), 1e308, True, [], [1],
        ["x", "x"], {}, {"a": 1}, {"param": "iraq.nationalism"}, [[]], [{}], [None], {"a": []}, {"a": {"b": 1}}]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)


def _bases():
    import copy

    from sim.cli.configdoc import composed_default
    from sim.config.schema import dotted_keys

    grid = composed_default(("sweep.x.num=3", "sweep.y.num=2"))
    sens = composed_default(("experiment=sobol_regime", "sensitivity.n=8", "sensitivity.resamples=10"))
    keys = dotted_keys()
    keys += [f"game.{name}" for name in NAMES]
    return copy.deepcopy, grid, sens, list(dict.fromkeys(keys))


COPY, GRID, SENSITIVITY, KEYS = _bases()


def _set(cfg: dict, key: str, value) -> dict:
    cfg = COPY(cfg)
    *path, last = key.split(".")
    node = cfg
    for part in path:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[last] = value
    return cfg


def _only_config_errors(cfg: dict) -> None:
    try:
        validate_run_config(cfg)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)


def test_every_key_takes_any_junk_value_without_a_crash():
    """Each documented key set to each junk value: accepted or ConfigError, nothing else."""
    for key in KEYS:
        base = SENSITIVITY if key.startswith("sensitivity.") else GRID
        for value in JUNK:
            try:
                _only_config_errors(_set(base, key, value))
            except Exception as exc:  # noqa: BLE001 (report which key and value)
                raise AssertionError(f"{key}={value!r}: {type(exc).__name__}: {exc}") from exc


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KEYS), JSON)
def test_any_value_at_any_key_is_accepted_or_refused_in_one_line(key, value):
    _only_config_errors(_set(SENSITIVITY if key.startswith("sensitivity.") else GRID, key, value))
