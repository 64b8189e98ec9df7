"""The run configuration as frozen dataclasses, validated before any work starts.

:func:`parse_run_config` takes the plain nested mapping that Hydra composes (the entry
point converts it with OmegaConf; nothing here imports Hydra) and returns a
:class:`RunConfig`, or raises :class:`~sim.engine.params.ConfigError` with one line naming the
offending key, the value given and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.store import rundir
from sim.abm.rules import RULES, RuleOptions
from sim.abm.options import AbmOptions, Shock
from sim.engine.params import ConfigError, check_value, did_you_mean, from_mapping, param_info
from sim.scenarios import SCENARIOS, get_scenario
from sim.engine.scenario import Scenario
from sim.solvers.qre import LAM_MAX, QreOptions
from sim.solvers.registry import SOLVERS
from sim.config.sensitivity import CONCEPTS as SENSITIVITY_CONCEPTS
from sim.config.sensitivity import DEFAULT_SOBOL_N, DEFAULT_TRAJECTORIES, METHODS, SensitivityOptions, check_options, problem
from sim.engine.sweep import MAX_POINTS, SPACES, Axis, grid_size, make_axis
from sim.store.tiles import TileSpec, parse_tiles

AXIS_KEYS = ("x", "y", "z")
TOP_KEYS = {"name", "scenario", "game", "sweep", "solvers", "seed", "chunk_size", "results_dir",
            "run_id", "plot", "max_points", "dynamics", "abm", "tiles", "qre", "sensitivity"}
SOLVER_NAMES = tuple(SOLVERS)  # the registry's order
ABM_KEYS = {"steps", "replicates", "tail", "settle_window", "max_runs", "trajectory_replicates", "shocks"}
AXIS_FIELDS = ("param", "space", "start", "stop", "num", "values")
PLOT_FORMATS = rundir.FIGURE_FORMATS
SENSITIVITY_KEYS = tuple(f.name for f in dataclasses.fields(SensitivityOptions))
NAME_MAX = 128  # a path component; the run's temporary and tile directories add ~20 characters
_NAME = re.compile(rf"^[A-Za-z0-9_-][A-Za-z0-9_.-]{{0,{NAME_MAX - 1}}}$")  # no '.', '..', hidden names

# --- Caps on every size a user controls ------------------------------------------------
# Each is refused up front with the estimate and the key to change, before any work.
# Measured on the development machine (2 cores, 23 GB): solving spe+nash costs ~19 µs a
# grid point, all four exact/QRE concepts ~70 µs; the figures read ~140 B a point (peak
# RSS 356 MB at 10⁶ points, 770 MB at 4·10⁶, docs/how-to/resume-a-sweep.md) and the
# table is 120-210 B a point.
#: Largest max_points: 10⁸ points take ~14 GB to draw and 0.5-2 h to solve.
MAX_POINTS_CAP = 100_000_000
#: Largest chunk_size: a chunk of 10⁶ points peaks at ~0.7 GB (spe, nash, bayes, qre);
#: larger chunks are no faster (41 µs a point at 10⁶ vs 44 at 1.3·10⁵).
MAX_CHUNK = 1_000_000
#: Most tiles (and jobs of one multirun): each tile is a job of ~1 s start-up and 3-4 files.
MAX_TILES = 10_000
#: Agent-based budget: at most AGENT_STEPS_PER_POINT × max_points agent-steps (steps of
#: one run; 10¹⁰ at the default max_points). Measured cost per agent-step, 10⁵ runs ×
#: 100 steps: best_response 0.21 µs, regret_matching 0.37, logit 0.40, fictitious_play 1.0.
AGENT_STEPS_PER_POINT = 1000
AGENT_STEP_SECONDS = {"best_response": 0.21e-6, "regret_matching": 0.37e-6, "logit": 0.40e-6,
                      "fictitious_play": 1.0e-6}
#: Runs simulated in one model: replicates of a point always share one (~0.8 KB a run,
#: ~7 KB with fictitious_play's counts): 10⁶ runs is ~1-7 GB.
MAX_MODEL_RUNS = 1_000_000
#: Bootstrap draws of a sensitivity analysis: SALib holds an N × resamples index matrix
#: (8 B each) per output; 10⁸ is 0.8 GB.
MAX_BOOTSTRAP_DRAWS = 100_000_000
#: Largest logit rationality λ, 1/($bn/yr). The logit subtracts the largest value before
#: exp (sim/engine/qre.py ``_softmax``), so exp never overflows; what overflows is the product
#: λ·u itself, past 1.8e308 / max|u| (payoffs of iraq2020 reach |u| = 260 $bn/yr at the
#: corners of the parameter ranges: λ ≈ 7e305; λ = 1e308 gives an all-NaN table). Long
#: before that the logit is an exact best reply in double precision: exp(-λΔu) underflows
#: to 0 once λΔu > 745, i.e. for every payoff gap Δu > 0.00075 $bn/yr at λ = 10⁶.
#: Largest seed: seeds are recorded as 64-bit integers.
SEED_MAX = 2**63 - 1


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
    abm: AbmOptions
    trajectory_replicates: int
    qre: QreOptions
    tiles: TileSpec
    resolved: Mapping[str, Any]  # the composed config, for the record
    sensitivity: SensitivityOptions | None = None  # set: this analysis instead of the sweep

    def options_of(self, solver: str):
        """The options of concept ``solver`` (None for a concept without options)."""
        return {"qre": self.qre, "abm": self.abm}.get(solver)

    @property
    def n_points(self) -> int:
        return grid_size(self.axes)


def config_hash(resolved: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the config, without where-to-write and tiling keys
    (tiling never changes results, and every tile job of a run must agree on its hash)."""
    data = {k: v for k, v in resolved.items() if k not in ("run_id", "results_dir", "tiles")}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def show(value) -> str:
    """A value as the user would type it: null, true/false, else its repr."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _int(key: str, value, low: int, high: int | None = None, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={show(value)} must be an integer >= {low}")
    if high is not None and value > high:
        raise ConfigError(f"{key}={value} is more than {high}{why}")
    return value


def _name(key: str, value) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{key}={show(value)} must be a single path component: 1-{NAME_MAX} letters, digits, "
                          "'_', '-', '.', not starting with '.'")
    return value


def _results_dir(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"results_dir={show(value)} must be a directory path, e.g. results_dir=results")
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


def _number(key: str, value, low: float, high: float, unit: str = "") -> float:
    top = f"{high:g}".replace("e+0", "e").replace("e+", "e")  # 1e6, not 1e+06
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}={show(value)} is not a number; allowed: [{low}, {top}]{unit}")
    if not low <= value <= high:  # also refuses nan
        raise ConfigError(f"{key}={value!r} is out of range; allowed: [{low}, {top}]{unit}")
    return float(value)


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


def parse_dynamics(data: Mapping[str, Any] | None) -> tuple[str, RuleOptions]:
    """The learning rule's name and options from the ``dynamics`` group."""
    data = _keys("dynamics", data, ("rule", "revision_prob", "lam"),
                 f"choose a learning rule, e.g. dynamics=best_response (one of {', '.join(RULES)})")
    rule = data.pop("rule", "best_response")
    if not isinstance(rule, str) or rule not in RULES:
        raise ConfigError(f"dynamics.rule={show(rule)} is unknown{did_you_mean(rule, RULES)}; "
                          f"allowed: {', '.join(RULES)}")
    if "revision_prob" in data:
        data["revision_prob"] = _number("dynamics.revision_prob", data["revision_prob"], 0, 1)
    if "lam" in data:
        data["lam"] = _number("dynamics.lam", data["lam"], 0, LAM_MAX, " 1/($bn/yr)")
    return rule, RuleOptions(**data)


def parse_shocks(scenario: Scenario, shocks) -> tuple[Shock, ...]:
    """``abm.shocks``: a list of ``{step: int, set: {dotted parameter: value}}``."""
    if shocks is None:
        raise ConfigError("abm.shocks=null has no meaning; for no shocks use abm.shocks=[]")
    out = []
    for k, s in enumerate(_list("abm.shocks", shocks, "abm.shocks=[{step:100,set:{iraq.nationalism:6}}]")):
        key = f"abm.shocks[{k}]"
        if not isinstance(s, Mapping) or set(s) != {"step", "set"} or not isinstance(s["set"], Mapping):
            raise ConfigError(f"{key}={s!r} must be {{step: int, set: {{parameter: value}}}}")
        values = {}
        for name, v in s["set"].items():
            try:
                values[name] = check_value(param_info(scenario.params_cls, name), v)
            except ConfigError as exc:
                raise ConfigError(f"{key}.set: {exc}") from None
        out.append(Shock(_int(f"{key}.step", s["step"], 2), values))
    return tuple(out)


def parse_abm(scenario: Scenario, cfg: Mapping[str, Any]) -> tuple[AbmOptions, int]:
    """Options of the agent-based model, and the number of recorded baseline runs."""
    abm = _keys("abm", cfg["abm"], sorted(ABM_KEYS)) if "abm" in cfg else {}
    rule, opts = parse_dynamics(cfg["dynamics"]) if "dynamics" in cfg else ("best_response", RuleOptions())
    why = " (these runs are simulated in one model, ~1-7 KB each)"
    traj = _int("abm.trajectory_replicates", abm.pop("trajectory_replicates", 200), 0, MAX_MODEL_RUNS, why)
    shocks = parse_shocks(scenario, abm.pop("shocks", []))
    for key, v in abm.items():
        _int(f"abm.{key}", v, 1, MAX_MODEL_RUNS if key in ("replicates", "max_runs") else None, why)
    seed = _int("seed", cfg.get("seed", 0), 0, SEED_MAX)
    return AbmOptions(rule=rule, rule_options=opts, seed=seed, shocks=shocks, **abm), traj


def check_abm_budget(abm: AbmOptions, trajectory_replicates: int, n_points: int, max_points: int) -> None:
    """Refuse an agent-based run that would take too long or hold too many runs."""
    runs = n_points * abm.replicates
    if runs > max_points:
        raise ConfigError(f"abm: {runs:,} runs (abm.replicates x grid points) is more than max_points={max_points:,} "
                          "(abm_runs.parquet has a row per run, ~160 B each, held in memory until written) "
                          "- lower abm.replicates or the grid, or raise max_points")
    steps = abm.steps * (runs + trajectory_replicates)
    budget = AGENT_STEPS_PER_POINT * max_points
    if steps > budget:
        cost = AGENT_STEP_SECONDS.get(abm.rule, max(AGENT_STEP_SECONDS.values()))
        raise ConfigError(
            f"abm: {steps:,} agent-steps (abm.steps x (abm.replicates x grid points + "
            f"abm.trajectory_replicates)) would take {_duration(steps * cost)} ({abm.rule}: ~{cost:.1e} s each); "
            f"allowed up to {budget:,} ({AGENT_STEPS_PER_POINT} x max_points) - lower abm.steps or "
            f"abm.replicates, or raise max_points")


def parse_qre(data: Mapping[str, Any]) -> QreOptions:
    data = _keys("qre", data, ("lam", "normal_form"))
    lam = _number("qre.lam", data.get("lam", 1.0), 0, LAM_MAX, " 1/($bn/yr) (beyond it the logit is an exact "
                  "best reply in double precision; use solvers=[spe] for that)")
    nf = data.get("normal_form", False)
    if not isinstance(nf, bool):
        raise ConfigError(f"qre.normal_form={show(nf)} must be true or false")
    return QreOptions(lam, nf)


def parse_sensitivity(scenario: Scenario, data: Mapping[str, Any] | None, max_points: int) -> SensitivityOptions | None:
    """The ``sensitivity`` block: None (run the sweep) or the analysis to run instead."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ConfigError(f"sensitivity={data!r} must be null or a mapping; allowed keys: {', '.join(SENSITIVITY_KEYS)}")
    data = _keys("sensitivity", data, SENSITIVITY_KEYS)
    params = data.get("params")
    if params is not None:
        if isinstance(params, str) or not isinstance(params, (list, tuple)) or \
                not all(isinstance(p, str) for p in params):
            raise ConfigError(f"sensitivity.params={params!r} must be null (every parameter) or a list of dotted "
                              "parameter names")
        params = tuple(params)
        for name in params:
            try:
                param_info(scenario.params_cls, name)
            except ConfigError as exc:
                raise ConfigError(f"sensitivity.params: {exc}") from None
    opts = check_options(SensitivityOptions(**{**data, "params": params}))
    if SOLVERS[opts.concept].requires_types and scenario.types is None:
        raise ConfigError(f"sensitivity.concept={opts.concept} but scenario {scenario.name!r} declares no actor of uncertain type")
    try:
        d = problem(scenario.params_cls, opts.params)["num_vars"]
    except ConfigError as exc:
        raise ConfigError(f"sensitivity.params: {exc}") from None
    if opts.evaluations(d) > max_points:
        raise ConfigError(f"sensitivity solves {opts.evaluations(d)} games, more than max_points={max_points}; "
                          "raise max_points to force")
    if opts.size * opts.resamples > MAX_BOOTSTRAP_DRAWS:
        raise ConfigError(f"sensitivity: N={opts.size} x {opts.resamples} resamples = {opts.size * opts.resamples:,} "
                          f"bootstrap draws (8 B each, per output); allowed up to {MAX_BOOTSTRAP_DRAWS:,} - "
                          "lower sensitivity.resamples or sensitivity.n")
    return opts


def parse_axis(key: str, scenario: Scenario, spec, max_points: int) -> Axis:
    """One axis of the sweep (``sweep.x`` ...), its size bounded by ``max_points``."""
    spec = _keys(key, spec, AXIS_FIELDS)
    space = spec.get("space", "linspace")
    if space not in SPACES:
        raise ConfigError(f"{key}.space={show(space)} is unknown{did_you_mean(space, SPACES)}; "
                          f"allowed: {', '.join(SPACES)}")
    if space == "list":  # start, stop and num (say, from an experiment) are not used
        spec = {k: v for k, v in spec.items() if k in ("param", "space", "values")}
        size = len(spec["values"]) if isinstance(spec.get("values"), (list, tuple)) else 0
        needed = ("param", "values")
    else:
        if "values" in spec:
            raise ConfigError(f"{key}.values is set but {key}.space={space!r}; add {key}.space=list "
                              "(values are for space list)")
        size = spec.get("num")
        needed = ("param", "start", "stop", "num")
    for k in ("start", "stop") if space != "list" else ():
        if k in spec:
            spec[k] = _finite(f"{key}.{k}", spec[k])
    if space == "list" and isinstance(spec.get("values"), (list, tuple)):
        spec["values"] = [_finite(f"{key}.values", v, spec["values"]) for v in spec["values"]]
    missing = [k for k in needed if k not in spec]
    if missing:
        raise ConfigError(f"{key} lacks {', '.join(missing)}; an axis is {{param, start, stop, num}} (linspace, "
                          f"logspace) or {{param, space: list, values}}, "
                          f"e.g. {key}={{param:us.aid,start:0,stop:1,num:3}}")
    if isinstance(size, int) and size > max_points:
        raise ConfigError(f"{key} has {size} values, more than max_points={max_points}; "
                          f"lower {key}.num or raise max_points (at most {MAX_POINTS_CAP})")
    if not isinstance(spec["param"], str):
        raise ConfigError(f"{key}.param={show(spec['param'])} must name a parameter, e.g. {key}.param=us.aid")
    try:
        param_info(scenario.params_cls, spec["param"])
    except ConfigError as exc:
        raise ConfigError(f"{key}.param: {exc}") from None
    return make_axis(key, scenario.params_cls, spec)


def parse_sweep(scenario: Scenario, cfg: Mapping[str, Any], max_points: int) -> tuple[Axis, ...]:
    """The axes of the grid, filled in the order x, y, z."""
    sweep = _keys("sweep", cfg["sweep"], AXIS_KEYS,
                  "to leave an axis out set it to null (sweep.y=null), sweep.x never") if "sweep" in cfg else {}
    axes = []
    for key in AXIS_KEYS:
        spec = sweep.get(key)
        if spec is None:
            continue
        if len(axes) != AXIS_KEYS.index(key):
            raise ConfigError(f"sweep.{key} is set but an earlier axis is null; fill x, then y, then z")
        axes.append(parse_axis(f"sweep.{key}", scenario, spec, max_points))
    for k, a in enumerate(axes):
        if a.param in [b.param for b in axes[:k]]:
            raise ConfigError(f"sweep.{AXIS_KEYS[k]}.param={a.param} is already swept by sweep."
                              f"{AXIS_KEYS[[b.param for b in axes].index(a.param)]}; sweep different parameters")
    return tuple(axes)


def parse_run_config(cfg: Mapping[str, Any]) -> RunConfig:
    """Validate the composed config and build a :class:`RunConfig`.

    A key left out takes its default; a block set to null (``abm: null``) is refused.
    """
    unknown = [k for k in cfg if k not in TOP_KEYS]
    if unknown:
        hint = did_you_mean(unknown[0], TOP_KEYS) if len(unknown) == 1 else ""
        raise ConfigError(f"unknown config key(s) {sorted(map(str, unknown))}{hint}; allowed: {sorted(TOP_KEYS)}")
    name = _name("name", cfg.get("name", "default"))
    results_dir = _results_dir(cfg.get("results_dir", "results"))
    run_id = cfg.get("run_id")
    run_id = None if run_id is None else _name("run_id", run_id)
    scenario = cfg.get("scenario", "iraq2020")
    if isinstance(scenario, str) and ":" not in scenario and scenario not in SCENARIOS:
        raise ConfigError(f"scenario={scenario!r} is unknown{did_you_mean(scenario, SCENARIOS)}; allowed: "
                          f"{', '.join(SCENARIOS)}, or an import path 'package.module:ATTRIBUTE'")
    scenario = get_scenario(scenario)
    if "game" in cfg and cfg["game"] is None:
        raise ConfigError("game=null has no meaning; choose a calibration (game=baseline) or set parameters "
                          "game.<group>.<name>")
    game = from_mapping(scenario.params_cls, cfg.get("game", {}), "game.")
    max_points = _int("max_points", cfg.get("max_points", MAX_POINTS), 1, MAX_POINTS_CAP,
                      " (the most grid points this simulator allows: ~14 GB to draw and up to 2 h to solve)")
    sensitivity = parse_sensitivity(scenario, cfg.get("sensitivity"), max_points)
    axes = parse_sweep(scenario, cfg, max_points)
    n_points = math.prod(len(a.values) for a in axes)  # exact: numpy's int64 product can overflow
    tiles_data = _keys("tiles", cfg["tiles"], ("count", "index")) if "tiles" in cfg else {}
    count = tiles_data.get("count", 1)
    if sensitivity is not None:  # one analysis in one job: no grid, no tiles
        if axes:
            raise ConfigError("sweep.x is set but so is sensitivity, which replaces the sweep; "
                              "set sweep.x=null (and y, z) or sensitivity=null")
        if count != 1:
            raise ConfigError(f"tiles.count={count!r}: a sensitivity analysis runs in one job; set tiles.count=1")
    elif not axes:
        raise ConfigError("sweep needs at least one axis (sweep.x)")
    if n_points > max_points:
        raise ConfigError(f"sweep has {n_points} points, more than max_points={max_points}; raise max_points "
                          f"(at most {MAX_POINTS_CAP}) to force")
    if isinstance(count, int) and not isinstance(count, bool) and count > MAX_TILES:
        raise ConfigError(f"tiles.count={count} is more than {MAX_TILES} (each tile is a job and 3-4 files); "
                          "use fewer, larger tiles")
    solvers = _choices("solvers", _list("solvers", cfg.get("solvers", ["spe", "nash"]), "solvers=[spe]"),
                       SOLVER_NAMES, f"a non-empty list from {list(SOLVER_NAMES)}")
    for s in solvers:
        if SOLVERS[s].requires_types and scenario.types is None:
            raise ConfigError(f"solvers include {s} but scenario {scenario.name!r} declares no actor of uncertain type")
    abm, trajectory_replicates = parse_abm(scenario, cfg)
    if "abm" in solvers and sensitivity is None:
        check_abm_budget(abm, trajectory_replicates, n_points, max_points)
    plot = _keys("plot", cfg["plot"], ("formats",)) if "plot" in cfg else {}
    # [] draws no figure (a table-only run; sim-plot RUN_DIR draws them later)
    formats = _choices("plot.formats", _list("plot.formats", plot.get("formats", list(rundir.DEFAULT_FORMATS)), "plot.formats=[png]"),
                       PLOT_FORMATS, f"a list from {PLOT_FORMATS}", empty=True)
    return RunConfig(
        name=name,
        scenario=scenario,
        game=game,
        axes=axes,
        solvers=solvers,
        seed=_int("seed", cfg.get("seed", 0), 0, SEED_MAX),
        chunk_size=_int("chunk_size", cfg.get("chunk_size", 8192), 1, MAX_CHUNK,
                        " (points solved at once; a chunk of 10^6 already takes ~0.7 GB and is no faster)"),
        results_dir=results_dir,
        run_id=run_id,
        plot_formats=formats,
        abm=abm,
        trajectory_replicates=trajectory_replicates,
        tiles=parse_tiles(tiles_data, n_points),
        qre=parse_qre(cfg["qre"]) if "qre" in cfg else QreOptions(),
        resolved=dict(cfg),
        sensitivity=sensitivity,
    )


# --- Reference of every run-config key -------------------------------------------------
# docs/config.md is generated from CONFIG_KEYS by ``python -m sim.cli.configdoc``; defaults
# are read from the composed config and the option dataclasses, not written here, and
# tests/test_configdoc.py checks the keys against the parser and conf/config.yaml.


@dataclass(frozen=True)
class KeyDoc:
    """One config key: dotted ``key`` (``sweep.<axis>.*`` stands for x, y and z),
    its YAML ``type`` (empty: read from the option dataclass that holds it), the values
    ``allowed`` and its meaning ``doc``."""

    key: str
    type: str
    allowed: str
    doc: str


def _pow10(n: float) -> str:
    """10^k for an exact power of ten, else the number."""
    k = round(math.log10(n))
    return f"10^{k}" if 10**k == n else str(n)


def _names(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


CONFIG_KEYS: tuple[KeyDoc, ...] = (
    KeyDoc("name", "str", f"1 to {NAME_MAX} letters, digits, `_`, `-`, `.`, not starting with `.`",
           "the experiment's name: results go to `<results_dir>/<name>/<run-id>/`; each experiment sets its own"),
    KeyDoc("scenario", "str", f"{_names(SCENARIOS)}, or an import path `package.module:ATTRIBUTE`",
           "the game (actors, moves, payoff terms, parameters); see docs/how-to/add-an-actor.md"),
    KeyDoc("game", "mapping", "the scenario's parameters, each within its range",
           "parameter values, `game.<group>.<name>`; every one, with unit, range and source, in "
           "[parameters.md](parameters.md); the config group `game=` picks the file (default `baseline`)"),
    KeyDoc("sweep", "mapping", "keys `x`, `y`, `z`; not null",
           "the grid: up to three axes, filled in the order x, y, z"),
    KeyDoc("sweep.x", "mapping", "an axis (below); never null", "first axis (abscissa of the figure)"),
    KeyDoc("sweep.y", "mapping or null", "an axis, or null", "second axis (ordinate); null: a strip along x"),
    KeyDoc("sweep.z", "mapping or null", "an axis, or null (y must be set)",
           "third axis: the figure shows panels at up to 6 evenly spaced values of it; the table has every value"),
    KeyDoc("sweep.<axis>.param", "str", "a dotted parameter name of the scenario, swept within its range",
           "the parameter this axis sweeps, e.g. `iraq.nationalism`"),
    KeyDoc("sweep.<axis>.space", "str", f"{_names(SPACES)}; `linspace` if omitted",
           "how the values are spaced; `list` takes `values`"),
    KeyDoc("sweep.<axis>.start", "float", "finite; `> 0` for logspace; `< stop` when `num > 1`",
           "first value (linspace/logspace; for logspace the value, not its exponent)"),
    KeyDoc("sweep.<axis>.stop", "float", "finite; `> start` when `num > 1`", "last value (linspace/logspace)"),
    KeyDoc("sweep.<axis>.num", "int", "`>= 1`, at most `max_points`", "number of values (linspace/logspace)"),
    KeyDoc("sweep.<axis>.values", "list of float", "non-empty list of numbers; only with space `list`",
           "the values (space `list`; start, stop and num are then ignored); an axis that lacks the key takes "
           "it as `sweep.x.values=[...]` (`+` added for you)"),
    KeyDoc("solvers", "list of str", f"non-empty list from {_names(SOLVER_NAMES)}, each once; `bayes` needs a "
           "typed actor",
           "solution concepts (docs/model.md §5): `spe` sequential game by backward induction, `nash` every pure "
           "NE of the simultaneous game, `bayes` uncertain US resolve, `qre` logit quantal response, `abm` "
           "adaptive play; the config group `solver=` sets it"),
    KeyDoc("seed", "int", "`>= 0`, at most 2^63 - 1", "root seed of the agent-based model's per-run random streams"),
    KeyDoc("chunk_size", "int", f"`>= 1`, at most {_pow10(MAX_CHUNK)}",
           "grid points solved per vectorised batch; bounds memory, never changes results"),
    KeyDoc("max_points", "int", f"`>= 1`, at most {_pow10(MAX_POINTS_CAP)}",
           "grids with more points are refused (a guard against typos), and so are agent-based runs of more than "
           f"max_points runs or {AGENT_STEPS_PER_POINT} × max_points agent-steps (see `abm.steps`)"),
    KeyDoc("results_dir", "str", "a writable directory, not empty or null; relative paths are taken from the "
           "launch directory",
           "where runs are written"),
    KeyDoc("run_id", "str or null", "null, or a name as for `name`",
           "the run directory's name; null: `<timestamp>-<config hash>` (`tiled-<config hash>` when tiled)"),
    KeyDoc("plot", "mapping", "key `formats`; not null", "figure output"),
    KeyDoc("plot.formats", "list of str", f"list from {_names(PLOT_FORMATS)}, each once",
           "file formats of every figure; `[]`: no figure (`sim-plot RUN_DIR` draws them later)"),
    KeyDoc("tiles", "mapping", "keys `count`, `index`; not null",
           "split the grid into tiles (docs/how-to/resume-a-sweep.md); never changes results"),
    KeyDoc("tiles.count", "", f"`1` to the number of grid points, at most {MAX_TILES}",
           "number of contiguous tiles"),
    KeyDoc("tiles.index", "", "null, or `0` to `count - 1`",
           "the one tile this job solves (one Hydra job per tile: `'tiles.index=range(T)'`); null: every "
           "missing tile in turn"),
    KeyDoc("qre", "mapping", "keys `lam`, `normal_form`; not null",
           "logit quantal response; used when `solvers` has `qre`"),
    KeyDoc("qre.lam", "", f"`[0, {_pow10(LAM_MAX)}]`, in 1/($bn/yr)",
           "rationality λ: 0 is uniform play, large λ approaches best replies (above 1e6 the logit is an exact "
           "best reply in double precision, and near 1e306 λ·payoff overflows)"),
    KeyDoc("qre.normal_form", "", "`true`, `false`",
           "also trace the simultaneous game's QRE by continuation (about 1 ms a grid point)"),
    KeyDoc("sensitivity", "mapping or null", "null, or the keys below",
           "set: a global sensitivity analysis of the regime over the parameters' documented ranges "
           "(docs/how-to/sensitivity.md) instead of the sweep, written to the run directory as "
           "`sensitivity.parquet` and a figure; `sweep` must have no axis, `tiles.count` must be 1, and "
           "`solvers`, `qre`, `abm` are not used; `experiment=sobol_regime` sets it"),
    KeyDoc("sensitivity.method", "", _names(METHODS),
           "`sobol`: variance-based indices S1, ST; `morris`: elementary-effects screening mu*, sigma"),
    KeyDoc("sensitivity.n", "", "null, or `>= 2`; a power of two for `sobol`",
           f"Sobol base sample size N (N·(D+2) games for D parameters) or Morris trajectories (N·(D+1) "
           f"games); null: {DEFAULT_SOBOL_N} (sobol) or {DEFAULT_TRAJECTORIES} (morris)"),
    KeyDoc("sensitivity.concept", "", _names(SENSITIVITY_CONCEPTS),
           "the outcome: `spe` 0/1 indicator of each subgame-perfect regime; `bayes` probability of each "
           "regime under uncertain US resolve (needs a typed actor)"),
    KeyDoc("sensitivity.params", "list of str or null", "null, or dotted parameter names of the scenario, each once",
           "the parameters varied, each uniformly over its documented range; null: every one; the others stay "
           "at their `game` values"),
    KeyDoc("sensitivity.seed", "", "`>= 0`", "seeds the Sobol' design (Morris trajectories) and the bootstrap"),
    KeyDoc("sensitivity.resamples", "", f"`>= 2`; N × resamples at most {_pow10(MAX_BOOTSTRAP_DRAWS)}",
           "bootstrap resamples for the 95 % confidence intervals"),
    KeyDoc("sensitivity.levels", "", "`>= 2`, even", "Morris grid levels (unused by `sobol`)"),
    KeyDoc("sensitivity.second_order", "", "`true`, `false` (`true` only with `sobol`)",
           "also the pairwise indices S2 (N·(2D+2) games)"),
    KeyDoc("sensitivity.top", "", "`>= 1`", "parameters shown per figure panel (largest ST or mu*)"),
    KeyDoc("dynamics", "mapping", "keys `rule` and that rule's options; not null",
           "learning rule of the agent-based model; the config group `dynamics=` sets it (conf/dynamics/)"),
    KeyDoc("dynamics.rule", "str", _names(RULES), "the learning rule (docs/abm.md)"),
    KeyDoc("dynamics.revision_prob", "", "`[0, 1]`", "`best_response`: probability per step that an agent revises"),
    KeyDoc("dynamics.lam", "", f"`[0, {_pow10(LAM_MAX)}]`, in 1/($bn/yr)",
           "`logit`: rationality λ; 0 is uniform play"),
    KeyDoc("abm", "mapping", "the keys below; not null",
           "agent-based model; used when `solvers` has `abm` (docs/abm.md)"),
    KeyDoc("abm.steps", "", "`>= 1`; with `abm` in `solvers`, steps × (replicates × grid points + "
           f"trajectory_replicates) at most {AGENT_STEPS_PER_POINT} × `max_points`",
           "rounds of play per run (~0.2-1 µs a run-step, see sim/config/parse.py)"),
    KeyDoc("abm.replicates", "", f"`>= 1`, at most {_pow10(MAX_MODEL_RUNS)}; replicates × grid points at most "
           "`max_points`", "runs (seeds) per grid point"),
    KeyDoc("abm.tail", "", "`1` to `steps`", "final rounds over which long-run play is measured"),
    KeyDoc("abm.settle_window", "", "`1` to `steps`",
           "a run has settled if its final profile is a pure NE held this many rounds"),
    KeyDoc("abm.max_runs", "", f"`>= 1`, at most {_pow10(MAX_MODEL_RUNS)}",
           "runs simulated together in one model (bounds memory)"),
    KeyDoc("abm.trajectory_replicates", "int", f"`>= 0`, at most {_pow10(MAX_MODEL_RUNS)}",
           "runs at the baseline point recorded step by step (0: none)"),
    KeyDoc("abm.shocks", "list of mapping",
           "a list (`[]`: none) of `{step: 2..steps, set: {parameter: value in range}}`",
           "from `step` on, play the game with these parameter values"),
)
