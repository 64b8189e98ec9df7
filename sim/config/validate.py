"""The run config's validators, one per block of the schema (:mod:`sim.config.schema`).

:func:`validate_run_config` takes the plain nested mapping that Hydra composes (the
entry point converts it with OmegaConf; nothing here imports Hydra), or a run's saved
``config.yaml``, and returns a :class:`RunConfig`, or raises
:class:`~sim.engine.params.ConfigError` with one line naming the offending key, the value
given and what is allowed. Hydra has already checked the types of a composed config; the
validators check them again (a saved config was never composed) and check the ranges.
Which keys each block has is read from the schema, never listed here.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.abm.options import AbmOptions
from sim.config.abm import check_abm_budget, validate_abm
from sim.config.checks import _choices, _finite, _int, _keys, _list
from sim.config.schema import (AXIS_FIELDS, AXIS_KEYS, MAX_BOOTSTRAP_DRAWS, MAX_CHUNK,
                               MAX_POINTS_CAP, MAX_TILES, NAME_MAX, SEED_MAX, PlotConf,
                               SweepConf, TilesConf, block_keys, schema_defaults, top_keys)
from sim.config.backtest import BacktestOptions
from sim.config.countries import CountriesOptions, validate_countries
from sim.config.discovery import DiscoveryOptions, validate_discovery
from sim.config.history_matching import HistoryMatchingOptions, validate_history_matching
from sim.config.sensitivity import SensitivityOptions, check_options, problem
from sim.engine.params import (ConfigError, did_you_mean, from_mapping, param_info,
                               replace_values, show)
from sim.engine.scenario import Scenario
from sim.engine.sweep import SPACES, Axis, grid_size, make_axis
from sim.scenarios import SCENARIOS, get_scenario
from sim.solvers.registry import SOLVERS
from sim.solvers.spec import options_from
from sim.store import rundir
from sim.store.tiles import TileSpec, tile_spec

PLOT_FORMATS = rundir.FIGURE_FORMATS
SENSITIVITY_KEYS = tuple(f.name for f in dataclasses.fields(SensitivityOptions))
_NAME = re.compile(rf"^[A-Za-z0-9_-][A-Za-z0-9_.-]{{0,{NAME_MAX - 1}}}$")  # no '.', '..', hidden names


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
    options: Mapping[str, Any]  # solver name -> its options (concepts with an options block)
    tiles: TileSpec
    resolved: Mapping[str, Any]  # the composed config, for the record
    sensitivity: SensitivityOptions | None = None  # set: this analysis instead of the sweep
    backtest: BacktestOptions | None = None  # set: the back-test instead of the sweep
    countries: CountriesOptions | None = None  # set: the country comparison instead of the sweep
    discovery: DiscoveryOptions | None = None  # set: scenario discovery instead of the sweep
    history_matching: HistoryMatchingOptions | None = None  # set: calibration by history matching instead

    def options_of(self, solver: str):
        """The options of concept ``solver`` (None for a concept without options)."""
        return self.abm if solver == "abm" else self.options.get(solver)

    @property
    def qre(self):
        """The logit QRE's options (``qre`` block)."""
        return self.options.get("qre")

    @property
    def n_points(self) -> int:
        return grid_size(self.axes)


def config_hash(resolved: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the config, without where-to-write and tiling keys
    (tiling never changes results, and every tile job of a run must agree on its hash);
    ``tiles.output=dataset`` counts (its run holds other files), the default does not."""
    data = {k: v for k, v in resolved.items() if k not in ("run_id", "results_dir", "tiles")}
    if (output := (resolved.get("tiles") or {}).get("output", "merged")) != "merged":
        data["tiles.output"] = output  # a run of its own; merged runs keep the hashes they always had
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _name(key: str, value) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ConfigError(f"{key}={show(value)} must be a single path component: 1-{NAME_MAX} letters, digits, "
                          "'_', '-', '.', not starting with '.'")
    return value


def _results_dir(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"results_dir={show(value)} must be a directory path, e.g. results_dir=results")
    return value


def validate_options(spec, data) -> Any:
    """A solver's options block (``qre``, ...): its keys from the options dataclass,
    which checks its own ranges when built."""
    data = _keys(spec.name, data, [f.name for f in dataclasses.fields(spec.options)])
    return options_from(spec, data)


def validate_backtest(scenario: Scenario, data: Mapping[str, Any] | None, sensitivity) -> BacktestOptions | None:
    """The ``backtest`` block: None (run the sweep) or the back-test to run instead."""
    if data is None:
        return None
    keys = [f.name for f in dataclasses.fields(BacktestOptions)]
    if not isinstance(data, Mapping):
        raise ConfigError(f"backtest={data!r} must be null or a mapping; allowed keys: {', '.join(keys)}")
    if sensitivity is not None:
        raise ConfigError("backtest and sensitivity are both set; each replaces the sweep: set one of them to null")
    features = getattr(scenario.sequential, "features", {})
    if not {"maintain", "advisory", "withdraw"} <= set(features) or \
            set(scenario.players) != {"Russia", "Iran", "Iraq", "US"}:
        raise ConfigError(f"backtest needs Model 2's actors and a US troop posture (scenario iraq2020); got "
                          f"{scenario.name!r}")
    return BacktestOptions(**_keys("backtest", data, keys))


def validate_sensitivity(scenario: Scenario, data: Mapping[str, Any] | None, max_points: int) -> SensitivityOptions | None:
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
    if SOLVERS[opts.concept].requires_domestic and scenario.domestic is None:
        raise ConfigError(f"sensitivity.concept={opts.concept} but scenario {scenario.name!r} declares no domestic "
                          "level; use scenario=iraq2020_blocs")
    try:
        d = problem(scenario.params_cls, opts.params)["num_vars"]
    except ConfigError as exc:
        raise ConfigError(f"sensitivity.params: {exc}") from None
    if opts.evaluations(d) > max_points:
        raise ConfigError(f"sensitivity solves {opts.evaluations(d)} games, more than max_points={max_points}; "
                          "raise max_points to force")
    if opts.method != "prior" and opts.size * opts.resamples > MAX_BOOTSTRAP_DRAWS:  # prior: no bootstrap
        raise ConfigError(f"sensitivity: N={opts.size} x {opts.resamples} resamples = {opts.size * opts.resamples:,} "
                          f"bootstrap draws (8 B each, per output); allowed up to {MAX_BOOTSTRAP_DRAWS:,} - "
                          "lower sensitivity.resamples or sensitivity.n")
    return opts


def validate_axis(key: str, scenario: Scenario, spec, max_points: int) -> Axis:
    """One axis of the sweep (``sweep.x`` ...), its size bounded by ``max_points``."""
    spec = {k: v for k, v in _keys(key, spec, AXIS_FIELDS).items() if v is not None}  # null: not set
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


def _plain(data):
    """``data`` with Hydra's Enum members (``solvers``) as their names, containers copied."""
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return getattr(data, "name", data) if isinstance(data, enum.Enum) else data


def unset_axis(spec) -> bool:
    """An axis left out: null, or a mapping with no field set (the schema's default)."""
    return spec is None or (isinstance(spec, Mapping) and
                            all(v is None for k, v in spec.items() if k != "space") and
                            spec.get("space", "linspace") == "linspace")


def validate_sweep(scenario: Scenario, cfg: Mapping[str, Any], max_points: int) -> tuple[Axis, ...]:
    """The axes of the grid, filled in the order x, y, z."""
    sweep = _keys("sweep", cfg["sweep"], block_keys(SweepConf),
                  "to leave an axis out set it to null (sweep.y=null), sweep.x never") if "sweep" in cfg else {}
    axes = []
    for key in AXIS_KEYS:
        spec = sweep.get(key)
        if unset_axis(spec):
            continue
        if len(axes) != AXIS_KEYS.index(key):
            raise ConfigError(f"sweep.{key} is set but an earlier axis is null; fill x, then y, then z")
        axes.append(validate_axis(f"sweep.{key}", scenario, spec, max_points))
    for k, a in enumerate(axes):
        if a.param in [b.param for b in axes[:k]]:
            raise ConfigError(f"sweep.{AXIS_KEYS[k]}.param={a.param} is already swept by sweep."
                              f"{AXIS_KEYS[[b.param for b in axes].index(a.param)]}; sweep different parameters")
    return tuple(axes)


def with_defaults(cfg: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict:
    """``cfg`` with every key it leaves out taken from ``defaults`` (the schema's), block by
    block; a key set to null stays null (and is refused where a block is required)."""
    out = dict(cfg)
    for k, d in defaults.items():
        if k not in out:
            if d is not None:
                out[k] = d
        elif isinstance(out[k], Mapping) and isinstance(d, Mapping):
            out[k] = with_defaults(out[k], d)
    return out


def _top_keys_known(cfg: Mapping[str, Any]) -> None:
    allowed = set(top_keys())
    unknown = [k for k in cfg if k not in allowed]
    if unknown:
        hint = did_you_mean(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ConfigError(f"unknown config key(s) {sorted(map(str, unknown))}{hint}; allowed: {sorted(allowed)}")


def validate_scenario(cfg: Mapping[str, Any]) -> tuple[Scenario, Any]:
    """The scenario and its parameter values (``scenario``, ``game``)."""
    scenario = cfg["scenario"]
    if isinstance(scenario, str) and ":" not in scenario and scenario not in SCENARIOS:
        raise ConfigError(f"scenario={scenario!r} is unknown{did_you_mean(scenario, SCENARIOS)}; allowed: "
                          f"{', '.join(SCENARIOS)}, or an import path 'package.module:ATTRIBUTE'")
    scenario = get_scenario(scenario)
    if "game" in cfg and cfg["game"] is None:
        raise ConfigError("game=null has no meaning; choose a calibration (game=baseline) or set parameters "
                          "game.<group>.<name>")
    return scenario, from_mapping(scenario.params_cls, cfg.get("game", {}), "game.")


def validate_grid(cfg: Mapping[str, Any], scenario: Scenario, max_points: int, sensitivity) -> tuple:
    """The sweep's axes and the tiling (``sweep``, ``tiles``), sized against ``max_points``."""
    axes = validate_sweep(scenario, cfg, max_points)
    n_points = math.prod(len(a.values) for a in axes)  # exact: numpy's int64 product can overflow
    tiles_data = _keys("tiles", cfg["tiles"], block_keys(TilesConf))
    count = tiles_data.get("count", 1)
    if sensitivity is not None:  # one analysis in one job: no grid, no tiles
        block, what = (("backtest", "back-test") if isinstance(sensitivity, BacktestOptions)
                       else ("countries", "country comparison") if isinstance(sensitivity, CountriesOptions)
                       else ("discovery", "scenario discovery") if isinstance(sensitivity, DiscoveryOptions)
                       else ("history_matching", "history-matching calibration") if isinstance(sensitivity,
                                                                                    HistoryMatchingOptions)
                       else ("sensitivity", "sensitivity analysis"))
        if axes:
            raise ConfigError(f"sweep.x is set but so is {block}, which replaces the sweep; "
                              f"set sweep.x=null (and y, z) or {block}=null")
        if count != 1:
            raise ConfigError(f"tiles.count={count!r}: a {what} runs in one job; set tiles.count=1")
        if tiles_data.get("output", "merged") != "merged":
            raise ConfigError(f"tiles.output={tiles_data['output']!r}: a {what} writes no equilibria table; "
                              "set tiles.output=merged")
    elif not axes:
        raise ConfigError("sweep needs at least one axis (sweep.x)")
    if n_points > max_points:
        raise ConfigError(f"sweep has {n_points} points, more than max_points={max_points}; raise max_points "
                          f"(at most {MAX_POINTS_CAP}) to force")
    if isinstance(count, int) and not isinstance(count, bool) and count > MAX_TILES:
        raise ConfigError(f"tiles.count={count} is more than {MAX_TILES} (each tile is a job and 3-4 files); "
                          "use fewer, larger tiles")
    return axes, tile_spec(tiles_data, n_points)


def validate_solvers(cfg: Mapping[str, Any], scenario: Scenario) -> tuple[str, ...]:
    solvers = _choices("solvers", _list("solvers", cfg["solvers"], "solvers=[spe]"),
                       tuple(SOLVERS), f"a non-empty list from {list(SOLVERS)}")
    for s in solvers:
        if SOLVERS[s].requires_types and scenario.types is None:
            raise ConfigError(f"solvers include {s} but scenario {scenario.name!r} declares no actor of uncertain type")
        if SOLVERS[s].requires_domestic and scenario.domestic is None:
            raise ConfigError(f"solvers include {s} but scenario {scenario.name!r} declares no domestic level; "
                              "use scenario=iraq2020_blocs")
    return solvers


def check_domestic(scenario: Scenario, game, axes: tuple[Axis, ...]) -> None:
    """The domestic level can bargain at the baseline and at every corner of the grid (the
    weights that must not all vanish grow with each parameter, so the corners decide; one
    line naming the parameters)."""
    scenario.domestic.check(game)
    ends = [[(a.param, float(min(a.values))), (a.param, float(max(a.values)))] for a in axes]
    for corner in itertools.product(*ends):
        scenario.domestic.check(replace_values(game, dict(corner)))


def validate_plot(cfg: Mapping[str, Any]) -> tuple[str, ...]:
    """``plot.formats``; [] draws no figure (a table-only run; sim-plot RUN_DIR draws them later)."""
    plot = _keys("plot", cfg["plot"], block_keys(PlotConf))
    return _choices("plot.formats", _list("plot.formats", plot["formats"], "plot.formats=[png]"),
                    PLOT_FORMATS, f"a list from {PLOT_FORMATS}", empty=True)


def validate_run_config(cfg: Mapping[str, Any]) -> RunConfig:
    """Validate a composed (or saved) config and build a :class:`RunConfig`.

    A key left out takes the schema's default; a block set to null (``abm: null``) is refused.
    """
    given = _plain(cfg)
    _top_keys_known(given)
    cfg = with_defaults(given, schema_defaults())
    scenario, game = validate_scenario(cfg)
    max_points = _int("max_points", cfg["max_points"], 1, MAX_POINTS_CAP,
                      " (the most grid points this simulator allows: ~14 GB to draw and up to 2 h to solve)")
    sensitivity = validate_sensitivity(scenario, cfg.get("sensitivity"), max_points)
    backtest = validate_backtest(scenario, cfg.get("backtest"), sensitivity)
    countries = validate_countries(cfg.get("countries"), {"sensitivity": sensitivity, "backtest": backtest},
                                   max_points, game != scenario.params_cls())
    discovery = validate_discovery(scenario, cfg.get("discovery"), {"sensitivity": sensitivity, "backtest": backtest,
                                                                    "countries": countries}, max_points)
    matching = validate_history_matching(scenario, cfg.get("history_matching"), {
        "sensitivity": sensitivity, "backtest": backtest, "countries": countries, "discovery": discovery},
        max_points, game != scenario.params_cls())
    axes, tiles = validate_grid(cfg, scenario, max_points,
                                matching or discovery or countries or (sensitivity if backtest is None else backtest))
    solvers = validate_solvers(cfg, scenario)
    if any(SOLVERS[s].requires_domestic for s in solvers):
        check_domestic(scenario, game, axes)
    abm, trajectory_replicates = validate_abm(scenario, cfg)
    if "abm" in solvers and sensitivity is None and backtest is None and countries is None and discovery is None \
            and matching is None:
        check_abm_budget(abm, trajectory_replicates, grid_size(axes), max_points)
    return RunConfig(
        name=_name("name", cfg["name"]),
        scenario=scenario,
        game=game,
        axes=axes,
        solvers=solvers,
        seed=_int("seed", cfg["seed"], 0, SEED_MAX),
        chunk_size=_int("chunk_size", cfg["chunk_size"], 1, MAX_CHUNK,
                        " (points solved at once; a chunk of 10^6 already takes ~0.7 GB and is no faster)"),
        results_dir=_results_dir(cfg["results_dir"]),
        run_id=None if cfg.get("run_id") is None else _name("run_id", cfg["run_id"]),
        plot_formats=validate_plot(cfg),
        abm=abm,
        trajectory_replicates=trajectory_replicates,
        tiles=tiles,
        options={s.name: validate_options(s, cfg[s.name])
                 for s in SOLVERS.values() if s.options is not None and s.name != "abm"},
        resolved=given,
        sensitivity=sensitivity,
        backtest=backtest,
        countries=countries,
        discovery=discovery,
        history_matching=matching,
    )
