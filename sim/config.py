"""The run configuration as frozen dataclasses, validated before any work starts.

:func:`parse_run_config` takes the plain nested mapping that Hydra composes (the entry
point converts it with OmegaConf; nothing here imports Hydra) and returns a
:class:`RunConfig`, or raises :class:`~sim.params.ConfigError` with one line naming the
offending key, the value given and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.abm.rules import RULES, RuleOptions, get_rule
from sim.abm.options import AbmOptions, Shock
from sim.params import ConfigError, check_value, from_mapping, param_info
from sim.registry import SCENARIOS, get_scenario
from sim.scenario import Scenario
from sim.sensitivity import CONCEPTS as SENSITIVITY_CONCEPTS
from sim.sensitivity import DEFAULT_SOBOL_N, DEFAULT_TRAJECTORIES, METHODS, SensitivityOptions, check_options, problem
from sim.sweep import MAX_POINTS, SPACES, Axis, grid_size, make_axis
from sim.tiles import TileSpec, parse_tiles

AXIS_KEYS = ("x", "y", "z")
TOP_KEYS = {"name", "scenario", "game", "sweep", "solvers", "seed", "chunk_size", "results_dir",
            "run_id", "plot", "max_points", "dynamics", "abm", "tiles", "qre", "sensitivity"}
SOLVER_NAMES = ("spe", "nash", "bayes", "qre", "abm")
ABM_KEYS = {"steps", "replicates", "tail", "settle_window", "max_runs", "trajectory_replicates", "shocks"}
PLOT_FORMATS = ("png", "pdf", "svg")
SENSITIVITY_KEYS = tuple(f.name for f in dataclasses.fields(SensitivityOptions))
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
    abm: AbmOptions
    trajectory_replicates: int
    qre: QreOptions
    tiles: TileSpec
    resolved: Mapping[str, Any]  # the composed config, for the record
    sensitivity: SensitivityOptions | None = None  # set: this analysis instead of the sweep

    @property
    def n_points(self) -> int:
        return grid_size(self.axes)


def config_hash(resolved: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the config, without where-to-write and tiling keys
    (tiling never changes results, and every tile job of a run must agree on its hash)."""
    data = {k: v for k, v in resolved.items() if k not in ("run_id", "results_dir", "tiles")}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _int(key: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key}={value!r} must be an integer >= {low}")
    return value


def _name(key: str, value) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{key}={value!r} must be a non-empty name of letters, digits, '_', '-', '.'")
    return value


def parse_dynamics(data: Mapping[str, Any] | None) -> tuple[str, RuleOptions]:
    """The learning rule's name and options from the ``dynamics`` group."""
    data = dict(data or {"rule": "best_response"})
    rule = get_rule(data.pop("rule", None)).name
    allowed = {"revision_prob", "lam"}
    if set(data) - allowed:
        raise ConfigError(f"dynamics has unknown keys {sorted(set(data) - allowed)}; allowed: rule, {', '.join(sorted(allowed))}")
    for key, v in data.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"dynamics.{key}={v!r} is not a number")
    return rule, RuleOptions(**{k: float(v) for k, v in data.items()})


def parse_shocks(scenario: Scenario, shocks) -> tuple[Shock, ...]:
    """``abm.shocks``: a list of ``{step: int, set: {dotted parameter: value}}``."""
    out = []
    for k, s in enumerate(shocks or []):
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
    abm = dict(cfg.get("abm") or {})
    if set(abm) - ABM_KEYS:
        raise ConfigError(f"abm has unknown keys {sorted(set(abm) - ABM_KEYS)}; allowed: {sorted(ABM_KEYS)}")
    rule, opts = parse_dynamics(cfg.get("dynamics"))
    traj = _int("abm.trajectory_replicates", abm.pop("trajectory_replicates", 200), 0)
    shocks = parse_shocks(scenario, abm.pop("shocks", None))
    for key, v in abm.items():
        _int(f"abm.{key}", v, 1)
    seed = _int("seed", cfg.get("seed", 0), 0)
    return AbmOptions(rule=rule, rule_options=opts, seed=seed, shocks=shocks, **abm), traj


@dataclass(frozen=True)
class QreOptions:
    """Logit QRE: rationality ``lam`` (1/($bn/yr), > 0 finite) and whether to also trace
    the simultaneous game's QRE (about 1 ms a grid point)."""

    lam: float = 1.0
    normal_form: bool = False


def parse_qre(data: Mapping[str, Any] | None) -> QreOptions:
    data = dict(data or {})
    if set(data) - {"lam", "normal_form"}:
        raise ConfigError(f"qre has unknown keys {sorted(set(data) - {'lam', 'normal_form'})}; allowed: lam, normal_form")
    lam = data.get("lam", 1.0)
    if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not 0 <= lam < float("inf"):
        raise ConfigError(f"qre.lam={lam!r} is out of range; allowed: [0, inf) 1/($bn/yr)")
    nf = data.get("normal_form", False)
    if not isinstance(nf, bool):
        raise ConfigError(f"qre.normal_form={nf!r} must be true or false")
    return QreOptions(float(lam), nf)


def parse_sensitivity(scenario: Scenario, data: Mapping[str, Any] | None, max_points: int) -> SensitivityOptions | None:
    """The ``sensitivity`` block: None (run the sweep) or the analysis to run instead."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ConfigError(f"sensitivity={data!r} must be null or a mapping; allowed keys: {', '.join(SENSITIVITY_KEYS)}")
    if set(data) - set(SENSITIVITY_KEYS):
        raise ConfigError(f"sensitivity has unknown keys {sorted(set(data) - set(SENSITIVITY_KEYS))}; "
                          f"allowed: {', '.join(SENSITIVITY_KEYS)}")
    params = data.get("params")
    if params is not None:
        if isinstance(params, str) or not isinstance(params, (list, tuple)) or \
                not all(isinstance(p, str) for p in params):
            raise ConfigError(f"sensitivity.params={params!r} must be null (every parameter) or a list of dotted "
                              "parameter names")
        params = tuple(params)
    opts = check_options(SensitivityOptions(**{**data, "params": params}))
    if opts.concept == "bayes" and scenario.types is None:
        raise ConfigError(f"sensitivity.concept=bayes but scenario {scenario.name!r} declares no actor of uncertain type")
    try:
        d = problem(scenario.params_cls, opts.params)["num_vars"]
    except ConfigError as exc:
        raise ConfigError(f"sensitivity.params: {exc}") from None
    if opts.evaluations(d) > max_points:
        raise ConfigError(f"sensitivity solves {opts.evaluations(d)} games, more than max_points={max_points}; "
                          "raise max_points to force")
    return opts


def parse_run_config(cfg: Mapping[str, Any]) -> RunConfig:
    """Validate the composed config and build a :class:`RunConfig`."""
    unknown = set(cfg) - TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown config key(s) {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    scenario = get_scenario(cfg.get("scenario", "iraq2020"))
    game = from_mapping(scenario.params_cls, cfg.get("game") or {}, "game.")
    max_points = _int("max_points", cfg.get("max_points", MAX_POINTS), 1)
    sensitivity = parse_sensitivity(scenario, cfg.get("sensitivity"), max_points)
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
    if sensitivity is not None:  # one analysis in one job: no grid, no tiles
        if axes:
            raise ConfigError("sweep.x is set but so is sensitivity, which replaces the sweep; "
                              "set sweep.x=null (and y, z) or sensitivity=null")
        count = (cfg.get("tiles") or {}).get("count", 1)
        if count != 1:
            raise ConfigError(f"tiles.count={count!r}: a sensitivity analysis runs in one job; set tiles.count=1")
    elif not axes:
        raise ConfigError("sweep needs at least one axis (sweep.x)")
    if len({a.param for a in axes}) != len(axes):
        raise ConfigError("sweep axes must sweep different parameters")
    if grid_size(axes) > max_points:
        raise ConfigError(
            f"sweep has {grid_size(axes)} points, more than max_points={max_points}; raise max_points to force"
        )
    solvers = cfg.get("solvers", ["spe", "nash"])
    if not solvers or any(s not in SOLVER_NAMES for s in solvers):
        raise ConfigError(f"solvers={list(solvers or [])!r}; allowed: a non-empty list from {list(SOLVER_NAMES)}")
    if "bayes" in solvers and scenario.types is None:
        raise ConfigError(f"solvers include bayes but scenario {scenario.name!r} declares no actor of uncertain type")
    abm, trajectory_replicates = parse_abm(scenario, cfg)
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
        abm=abm,
        trajectory_replicates=trajectory_replicates,
        tiles=parse_tiles(cfg.get("tiles"), grid_size(axes)),
        qre=parse_qre(cfg.get("qre")),
        resolved=dict(cfg),
        sensitivity=sensitivity,
    )


# --- Reference of every run-config key -------------------------------------------------
# docs/config.md is generated from CONFIG_KEYS by ``python -m sim.configdoc``; defaults
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


def _names(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


CONFIG_KEYS: tuple[KeyDoc, ...] = (
    KeyDoc("name", "str", "letters, digits, `_`, `-`, `.`",
           "the experiment's name: results go to `<results_dir>/<name>/<run-id>/`; each experiment sets its own"),
    KeyDoc("scenario", "str", f"{_names(SCENARIOS)}, or an import path `package.module:ATTRIBUTE`",
           "the game (actors, moves, payoff terms, parameters); see docs/how-to/add-an-actor.md"),
    KeyDoc("game", "mapping", "the scenario's parameters, each within its range",
           "parameter values, `game.<group>.<name>`; every one, with unit, range and source, in "
           "[parameters.md](parameters.md); the config group `game=` picks the file (default `baseline`)"),
    KeyDoc("sweep", "mapping", "keys `x`, `y`, `z`", "the grid: up to three axes, filled in the order x, y, z"),
    KeyDoc("sweep.x", "mapping", "an axis (below); never null", "first axis (abscissa of the figure)"),
    KeyDoc("sweep.y", "mapping or null", "an axis, or null", "second axis (ordinate); null: a strip along x"),
    KeyDoc("sweep.z", "mapping or null", "an axis, or null (y must be set)", "third axis: the figure shows panels at up to 6 evenly spaced values of it; the table has every value"),
    KeyDoc("sweep.<axis>.param", "str", "a dotted parameter name of the scenario, swept within its range",
           "the parameter this axis sweeps, e.g. `iraq.nationalism`"),
    KeyDoc("sweep.<axis>.space", "str", f"{_names(SPACES)}; `linspace` if omitted",
           "how the values are spaced; `list` takes `values`"),
    KeyDoc("sweep.<axis>.start", "float", "finite; `> 0` for logspace; `< stop` when `num > 1`",
           "first value (linspace/logspace; for logspace the value, not its exponent)"),
    KeyDoc("sweep.<axis>.stop", "float", "finite; `> start` when `num > 1`", "last value (linspace/logspace)"),
    KeyDoc("sweep.<axis>.num", "int", "`>= 1`", "number of values (linspace/logspace)"),
    KeyDoc("sweep.<axis>.values", "list of float", "non-empty list of numbers", "the values (space `list`)"),
    KeyDoc("solvers", "list of str", f"non-empty list from {_names(SOLVER_NAMES)}; `bayes` needs a typed actor",
           "solution concepts (docs/model.md §5): `spe` sequential game by backward induction, `nash` every pure "
           "NE of the simultaneous game, `bayes` uncertain US resolve, `qre` logit quantal response, `abm` "
           "adaptive play; the config group `solver=` sets it"),
    KeyDoc("seed", "int", "`>= 0`", "root seed of the agent-based model's per-run random streams"),
    KeyDoc("chunk_size", "int", "`>= 1`",
           "grid points solved per vectorised batch; bounds memory, never changes results"),
    KeyDoc("max_points", "int", "`>= 1`", "grids with more points are refused (a guard against typos)"),
    KeyDoc("results_dir", "str", "a writable directory; relative paths are taken from the launch directory",
           "where runs are written"),
    KeyDoc("run_id", "str or null", "null, or letters, digits, `_`, `-`, `.`",
           "the run directory's name; null: `<timestamp>-<config hash>` (`tiled-<config hash>` when tiled)"),
    KeyDoc("plot", "mapping", "key `formats`", "figure output"),
    KeyDoc("plot.formats", "list of str", f"list from {_names(PLOT_FORMATS)}", "file formats of every figure"),
    KeyDoc("tiles", "mapping", "keys `count`, `index`",
           "split the grid into tiles (docs/how-to/resume-a-sweep.md); never changes results"),
    KeyDoc("tiles.count", "", "`1` to the number of grid points", "number of contiguous tiles"),
    KeyDoc("tiles.index", "", "null, or `0` to `count - 1`",
           "the one tile this job solves (one Hydra job per tile: `'tiles.index=range(T)'`); null: every "
           "missing tile in turn"),
    KeyDoc("qre", "mapping", "keys `lam`, `normal_form`", "logit quantal response; used when `solvers` has `qre`"),
    KeyDoc("qre.lam", "", "`[0, inf)`, in 1/($bn/yr)",
           "rationality λ: 0 is uniform play, large λ approaches best replies"),
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
    KeyDoc("sensitivity.resamples", "", "`>= 2`", "bootstrap resamples for the 95 % confidence intervals"),
    KeyDoc("sensitivity.levels", "", "`>= 2`, even", "Morris grid levels (unused by `sobol`)"),
    KeyDoc("sensitivity.second_order", "", "`true`, `false` (`true` only with `sobol`)",
           "also the pairwise indices S2 (N·(2D+2) games)"),
    KeyDoc("sensitivity.top", "", "`>= 1`", "parameters shown per figure panel (largest ST or mu*)"),
    KeyDoc("dynamics", "mapping", "keys `rule` and that rule's options",
           "learning rule of the agent-based model; the config group `dynamics=` sets it (conf/dynamics/)"),
    KeyDoc("dynamics.rule", "str", _names(RULES), "the learning rule (docs/abm.md)"),
    KeyDoc("dynamics.revision_prob", "", "`[0, 1]`", "`best_response`: probability per step that an agent revises"),
    KeyDoc("dynamics.lam", "", "`[0, inf)`, in 1/($bn/yr)", "`logit`: rationality λ; 0 is uniform play"),
    KeyDoc("abm", "mapping", "the keys below", "agent-based model; used when `solvers` has `abm` (docs/abm.md)"),
    KeyDoc("abm.steps", "", "`>= 1`", "rounds of play per run"),
    KeyDoc("abm.replicates", "", "`>= 1`", "runs (seeds) per grid point"),
    KeyDoc("abm.tail", "", "`1` to `steps`", "final rounds over which long-run play is measured"),
    KeyDoc("abm.settle_window", "", "`1` to `steps`",
           "a run has settled if its final profile is a pure NE held this many rounds"),
    KeyDoc("abm.max_runs", "", "`>= 1`", "runs simulated together in one model (bounds memory)"),
    KeyDoc("abm.trajectory_replicates", "int", "`>= 0`",
           "runs at the baseline point recorded step by step (0: none)"),
    KeyDoc("abm.shocks", "list of mapping", "`{step: 2..steps, set: {parameter: value in range}}`",
           "from `step` on, play the game with these parameter values"),
)
