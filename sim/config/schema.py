"""The run config's schema: typed dataclasses that Hydra checks when it composes.

One source for every key: its type (Hydra refuses a value of the wrong type or an
unknown key while composing), its default, the values allowed and its meaning (the
field's ``metadata``, from which ``python -m sim.cli.configdoc`` writes docs/config.md).
The ranges are checked by one validator per block in :mod:`sim.config.validate`.

The schema is built from the registries when it is registered (:func:`register`), so
a solver added to :data:`sim.solvers.registry.SOLVERS` is a valid ``solvers`` entry and
its options dataclass a config block of its name, without editing this module. The
parameter block ``game`` is the scenario's own parameter dataclass, made mutable for
OmegaConf by :func:`structured` (generated, never written twice).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, List, Optional

from sim.abm.rules import RULES, RuleOptions
from sim.config.backtest import BacktestOptions
from sim.config.countries import CountriesOptions
from sim.config.discovery import DiscoveryOptions
from sim.config.history_matching import HistoryMatchingOptions
from sim.config.sensitivity import SensitivityOptions
from sim.engine.sweep import MAX_POINTS, SPACES
from sim.scenarios import SCENARIOS
from sim.solvers.registry import SOLVERS
from sim.store import rundir
from sim.store.tiles import OUTPUTS as TILE_OUTPUTS

NAME_MAX = 128  # a path component; the run's temporary and tile directories add ~20 characters
AXIS_KEYS = ("x", "y", "z")

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
#: Runs simulated in one model: replicates of a point always share one (~0.8 KB a run,
#: ~7 KB with fictitious_play's counts): 10⁶ runs is ~1-7 GB.
MAX_MODEL_RUNS = 1_000_000
#: Bootstrap draws of a sensitivity analysis: SALib holds an N × resamples index matrix
#: (8 B each) per output; 10⁸ is 0.8 GB.
MAX_BOOTSTRAP_DRAWS = 100_000_000
#: Largest seed: seeds are recorded as 64-bit integers.
SEED_MAX = 2**63 - 1


def pow10(n: float) -> str:
    """10^k for an exact power of ten, else the number."""
    k = round(math.log10(n))
    return f"10^{k}" if 10**k == n else str(n)


def names(values) -> str:
    """Values as a Markdown list of code spans: `a`, `b`."""
    return ", ".join(f"`{v}`" for v in values)


def key(default: Any = dataclasses.MISSING, *, doc: str, allowed: str, type: str = "",
        factory: Any = dataclasses.MISSING, docs_from: type | None = None) -> Any:
    """A schema field with its reference text: ``allowed`` values and meaning ``doc``
    (``type`` overrides the type shown in docs/config.md; ``docs_from`` names a
    dataclass whose fields document the keys of an untyped block)."""
    meta = {"doc": doc, "allowed": allowed, "type": type, "docs_from": docs_from}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


# --- The blocks ------------------------------------------------------------------------


def _choice(name: str, values) -> type:
    """An Enum of the allowed names, so Hydra refuses any other at compose time."""
    return enum.Enum(name, {v: v for v in values})


#: Names Hydra checks while composing (the validators check them again, with the same
#: one-line messages, for a saved config that was never composed).
Space = _choice("Space", SPACES)
Format = _choice("Format", rundir.FIGURE_FORMATS)


@dataclass
class AxisConf:
    """One axis of the sweep: ``{param, start, stop, num}`` or ``{param, space: list, values}``."""

    param: Optional[str] = key(None, doc="the parameter this axis sweeps, e.g. `iraq.nationalism`",
                               allowed="a dotted parameter name of the scenario, swept within its range",
                               type="str")
    space: Space = key(Space.linspace, doc="how the values are spaced; `list` takes `values`",
                       allowed=f"{names(SPACES)}; `linspace` if omitted", type="str")
    start: Optional[float] = key(None, doc="first value (linspace/logspace; for logspace the value, not its exponent)",
                                 allowed="finite; `> 0` for logspace; `< stop` when `num > 1`", type="float")
    stop: Optional[float] = key(None, doc="last value (linspace/logspace)",
                                allowed="finite; `> start` when `num > 1`", type="float")
    num: Optional[int] = key(None, doc="number of values (linspace/logspace)",
                             allowed="`>= 1`, at most `max_points`", type="int")
    values: Optional[List[float]] = key(None, doc="the values (space `list`; start, stop and num are then ignored)",
                                        allowed="non-empty list of numbers; only with space `list`",
                                        type="list of float")


AXIS_FIELDS = tuple(f.name for f in dataclasses.fields(AxisConf))


@dataclass
class SweepConf:
    """The grid: up to three axes, filled in the order x, y, z. An axis with no field set
    (the default) or null is left out. Axes default to an empty :class:`AxisConf`, not
    null, so that ``sweep.z={param: ..., ...}`` can fill one from the command line
    (OmegaConf cannot merge a mapping into a null typed node)."""

    x: Optional[AxisConf] = key(factory=AxisConf, doc="first axis (abscissa of the figure)",
                                allowed="an axis (below); never null", type="mapping")
    y: Optional[AxisConf] = key(factory=AxisConf, doc="second axis (ordinate); null or unset: a strip along x",
                                allowed="an axis, or null", type="mapping or null")
    z: Optional[AxisConf] = key(factory=AxisConf, doc="third axis: the figure shows panels at up to 6 evenly spaced "
                                "values of it; the table has every value", allowed="an axis, or null (y must be set)",
                                type="mapping or null")


@dataclass
class PlotConf:
    """Figure output."""

    formats: List[Format] = key(factory=lambda: [Format[f] for f in rundir.DEFAULT_FORMATS], type="list of str",
                             allowed=f"list from {names(rundir.FIGURE_FORMATS)}, each once",
                             doc="file formats of every figure; `[]`: no figure (`sim-plot RUN_DIR` draws them later)")


TileOutput = _choice("TileOutput", TILE_OUTPUTS)


@dataclass
class TilesConf:
    """Split the grid into tiles (docs/how-to/resume-a-sweep.md); never changes results."""

    count: int = key(1, doc="number of contiguous tiles", allowed=f"`1` to the number of grid points, at most {MAX_TILES}")
    index: Optional[int] = key(None, allowed="null, or `0` to `count - 1`", type="int or null",
                               doc="the one tile this job solves (one Hydra job per tile: `'tiles.index=range(T)'`); "
                                   "null: every missing tile in turn")
    output: TileOutput = key(TileOutput.merged, type="str", allowed=names(TILE_OUTPUTS),
                             doc="`merged`: one `equilibria.parquet`; `dataset`: `equilibria/`, one Parquet file "
                                 "per tile plus `_metadata` and `_manifest.json`, which pandas, pyarrow.dataset and "
                                 "DuckDB read as one table (for large runs: the last job links the tiles instead "
                                 "of rewriting every row; docs/how-to/run-on-slurm.md)")


@dataclass
class AbmConf:
    """The agent-based model's block (its learning rule is the ``dynamics`` group)."""

    steps: int = key(200, doc="rounds of play per run (~0.2-1 µs a run-step, see sim/config/schema.py)",
                     allowed="`>= 1`; with `abm` in `solvers`, steps × (replicates × grid points + "
                             f"trajectory_replicates) at most {AGENT_STEPS_PER_POINT} × `max_points`")
    replicates: int = key(10, doc="runs (seeds) per grid point", allowed=f"`>= 1`, at most {pow10(MAX_MODEL_RUNS)}; "
                          "replicates × grid points at most `max_points`")
    tail: int = key(50, doc="final rounds over which long-run play is measured", allowed="`1` to `steps`")
    settle_window: int = key(20, allowed="`1` to `steps`",
                             doc="a run has settled if its final profile is a pure NE held this many rounds")
    max_runs: int = key(100_000, allowed=f"`>= 1`, at most {pow10(MAX_MODEL_RUNS)}",
                        doc="runs simulated together in one model (bounds memory)")
    trajectory_replicates: int = key(200, allowed=f"`>= 0`, at most {pow10(MAX_MODEL_RUNS)}",
                                     doc="runs at the baseline point recorded step by step (0: none)")
    shocks: List[Any] = key(factory=list, type="list of mapping",
                            allowed="a list (`[]`: none) of `{step: 2..steps, set: {parameter: value in range}}`",
                            doc="from `step` on, play the game with these parameter values")
    game: str = key("simultaneous", allowed="`simultaneous`, `sequential`",
                     doc="the game the agents play: the simultaneous stage game, or the sequential game tree "
                         "(a pure action at every node they own; long-run play compared with the SPE)")


#: The keys of the ``dynamics`` group, for the reference only: which keys a rule takes is
#: the rule's file in conf/dynamics/ (Hydra refuses the others); the rule's options are
#: :class:`~sim.abm.rules.RuleOptions`.
DynamicsDoc = dataclasses.make_dataclass("DynamicsDoc", [
    ("rule", str, key("best_response", doc="the learning rule (docs/abm.md)", allowed=names(RULES)))]
    + [(f.name, f.type, field(default=f.default, metadata=f.metadata)) for f in dataclasses.fields(RuleOptions)])


# --- Making a frozen dataclass a schema ------------------------------------------------


def _schema_type(hint: Any) -> Any:
    """An annotation OmegaConf accepts: tuples become lists, frozen dataclasses their twin."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return Optional[_schema_type(inner[0])] if len(inner) == 1 and len(args) == 2 else Any
    if origin in (tuple, list):
        return List[_schema_type(args[0]) if args else Any]
    if dataclasses.is_dataclass(hint):
        return structured(hint)
    return hint if hint in (int, float, bool, str) else Any


_TWINS: dict[type, type] = {}


def structured(cls: type) -> type:
    """A mutable twin of a (frozen) dataclass, for OmegaConf: the same field names,
    defaults and metadata, annotations OmegaConf accepts (OmegaConf makes frozen
    dataclasses read-only, so YAML could not set them). Generated, never hand-written."""
    if cls in _TWINS:
        return _TWINS[cls]
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        kind = _schema_type(hints[f.name])
        if f.default_factory is not dataclasses.MISSING:  # a nested group, or a collection
            sub = kind if dataclasses.is_dataclass(kind) else None
            default = field(default_factory=sub or f.default_factory, metadata=f.metadata)
        else:
            value = list(f.default) if isinstance(f.default, tuple) else f.default
            default = field(default=value, metadata=f.metadata)
        fields.append((f.name, kind, default))
    twin = dataclasses.make_dataclass(cls.__name__, fields)
    twin.__doc__ = cls.__doc__
    _TWINS[cls] = twin
    return twin


# --- The whole config ------------------------------------------------------------------


def top_fields() -> list[tuple[str, Any, Any]]:
    """``(name, type, field)`` of the top-level keys, read from the registries now."""
    solver = _choice("Solver", SOLVERS)
    options = [(s.name, structured(s.options), key(factory=structured(s.options), type="mapping",
                                                   allowed="the keys below; not null",
                                                   doc=f"options of {s.caption}; used when `solvers` has `{s.name}`"))
               for s in SOLVERS.values() if s.options is not None and s.name != "abm"]
    sensitivity = structured(SensitivityOptions)
    return [
        ("name", str, key("default", allowed=f"1 to {NAME_MAX} letters, digits, `_`, `-`, `.`, not starting with `.`",
                          doc="the experiment's name: results go to `<results_dir>/<name>/<run-id>/`; each "
                              "experiment sets its own")),
        ("scenario", str, key("iraq2020", allowed=f"{names(SCENARIOS)}, or an import path `package.module:ATTRIBUTE`",
                              doc="the game (actors, moves, payoff terms, parameters); see docs/how-to/add-an-actor.md")),
        ("game", Any, key(None, type="mapping", allowed="the scenario's parameters, each within its range",
                          doc="parameter values, `game.<group>.<name>`; every one, with unit, range and source, in "
                              "[parameters.md](parameters.md); the config group `game=` picks the file "
                              "(default `baseline`)")),
        ("sweep", SweepConf, key(factory=SweepConf, type="mapping", allowed="keys `x`, `y`, `z`; not null",
                                 doc="the grid: up to three axes, filled in the order x, y, z")),
        ("solvers", List[solver], key(factory=lambda: ["spe", "nash"], type="list of str",
                                      allowed=f"non-empty list from {names(SOLVERS)}, each once; `bayes` needs a typed actor",
                                      doc="solution concepts (docs/model.md §5): "
                                          + "; ".join(f"`{s.name}` {s.caption.split(' (')[0]}"
                                                      for s in SOLVERS.values())
                                          + "; the config group `solver=` sets it")),
        ("seed", int, key(0, allowed="`>= 0`, at most 2^63 - 1",
                          doc="root seed of the agent-based model's per-run random streams")),
        ("chunk_size", int, key(8192, allowed=f"`>= 1`, at most {pow10(MAX_CHUNK)}",
                                doc="grid points solved per vectorised batch; bounds memory, never changes results")),
        ("max_points", int, key(MAX_POINTS, allowed=f"`>= 1`, at most {pow10(MAX_POINTS_CAP)}",
                                doc="grids with more points are refused (a guard against typos), and so are "
                                    f"agent-based runs of more than max_points runs or {AGENT_STEPS_PER_POINT} × "
                                    "max_points agent-steps (see `abm.steps`)")),
        ("results_dir", str, key("results", allowed="a writable directory, not empty or null; relative paths are "
                                 "taken from the launch directory", doc="where runs are written")),
        ("run_id", Optional[str], key(None, type="str or null", allowed="null, or a name as for `name`",
                                      doc="the run directory's name; null: `<timestamp>-<config hash>` "
                                          "(`tiled-<config hash>` when tiled)")),
        ("plot", PlotConf, key(factory=PlotConf, type="mapping", allowed="key `formats`; not null", doc="figure output")),
        ("tiles", TilesConf, key(factory=TilesConf, type="mapping", allowed="keys `count`, `index`, `output`; not null",
                                 doc="split the grid into tiles (docs/how-to/resume-a-sweep.md); never changes results")),
        *options,
        ("sensitivity", Any, key(None, type="mapping or null", allowed="null, or the keys below",
                                                   doc="set: a global sensitivity analysis of the regime over the "
                                                       "parameters' documented ranges (docs/how-to/sensitivity.md) "
                                                       "instead of the sweep, written to the run directory as "
                                                       "`sensitivity.parquet`, `sample.parquet` and a figure; `sweep` "
                                                       "must have no axis, `tiles.count` must be 1, and `solvers`, "
                                                       "`qre`, `abm` are not used; `experiment=sobol_regime` sets it",
                                                   docs_from=sensitivity)),
        ("backtest", Any, key(None, type="mapping or null", allowed="null, or the keys below",
                              doc="set: the dynamic game (docs/model.md §9) fitted on the record's first quarters and "
                                  "scored on the rest against two naive baselines (docs/discussion.md §6), instead of "
                                  "the sweep: `backtest.parquet` and a figure; `sweep` must have no axis, `tiles.count` "
                                  "must be 1, and `solvers`, `qre`, `abm` are not used; `experiment=backtest` sets it",
                              docs_from=structured(BacktestOptions))),
        ("countries", Any, key(None, type="mapping or null", allowed="null, or the keys below",
                               doc="set: one game, several countries (docs/calibration-countries.md): each country's "
                                   "calibration of Model 2, its observed regime against the model's and the model's "
                                   "probability of it over the calibration's documented ranges, instead of the "
                                   "sweep: `countries.parquet` and a figure; `sweep` must have no axis, `tiles.count` "
                                   "must be 1, `game` must not be changed (each country is solved at its own "
                                   "calibration), and `solvers`, `qre`, `abm` are not used; "
                                   "`experiment=three_countries` sets it",
                               docs_from=structured(CountriesOptions))),
        ("discovery", Any, key(None, type="mapping or null", allowed="null, or the keys below",
                               doc="set: scenario discovery (docs/how-to/find-where-a-regime-happens.md): PRIM boxes "
                                   "and a CART tree of where a regime happens in a sample of the parameters, instead "
                                   "of the sweep: `discovery.parquet`, a figure (and, for a prior sample, "
                                   "`sample.parquet`); `sweep` must have no axis, `tiles.count` must be 1, and "
                                   "`solvers`, `qre`, `abm` are not used; needs the `analysis` extra; "
                                   "`experiment=discovery` sets it",
                               docs_from=structured(DiscoveryOptions))),
        ("history_matching", Any, key(None, type="mapping or null", allowed="null, or the keys below",
                                      doc="set: calibration by history matching (docs/how-to/calibrate-by-history-"
                                          "matching.md): rejection ABC with the dynamic game as the simulator, the "
                                          "2020 record as the data, instead of the sweep: `posterior.parquet`, "
                                          "`history_matching.parquet` and two figures; `sweep` must have no axis, "
                                          "`tiles.count` must be 1 (the block has its own `tiles`), `game` must not "
                                          "be changed (every parameter is drawn), and `solvers`, `qre`, `abm` are "
                                          "not used; needs the `analysis` extra (ArviZ); "
                                          "`experiment=history_matching` sets it",
                                      docs_from=structured(HistoryMatchingOptions))),
        ("dynamics", Any, key(None, type="mapping", allowed="keys `rule` and that rule's options; not null",
                              docs_from=DynamicsDoc,
                              doc="learning rule of the agent-based model; the config group `dynamics=` sets it "
                                  "(conf/dynamics/)")),
        ("abm", AbmConf, key(factory=AbmConf, type="mapping", allowed="the keys below; not null",
                             doc="agent-based model; used when `solvers` has `abm` (docs/abm.md)")),
    ]


def run_schema() -> type:
    """The top-level schema, built from the registries as they are now."""
    return dataclasses.make_dataclass("RunSchema", [(n, t, f) for n, t, f in top_fields()])


def defaults_of(cls: type) -> dict[str, Any]:
    """The defaults of a schema dataclass as plain data, blocks as nested dicts."""
    out = {}
    for f in dataclasses.fields(cls):
        value = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        out[f.name] = defaults_of(type(value)) if dataclasses.is_dataclass(value) else _name_of(value)
    return out


def _name_of(value):
    """An Enum member as its name (lists too); anything else as it is."""
    if isinstance(value, list):
        return [_name_of(v) for v in value]
    return value.name if isinstance(value, enum.Enum) else value


def schema_defaults() -> dict[str, Any]:
    """Every top-level key's default (a key whose default is null is left to its validator)."""
    return defaults_of(run_schema())


def top_keys() -> tuple[str, ...]:
    return tuple(n for n, _, _ in top_fields())


def block_keys(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_REGISTERED: tuple | None = None  #: the registries as last stored


def register() -> None:
    """Store the schemas in Hydra's ConfigStore (``config_schema``, and
    ``game/<scenario>_schema`` for each scenario); call again after registering a solver."""
    from hydra.core.config_store import ConfigStore

    global _REGISTERED
    state = (tuple((n, s.options) for n, s in SOLVERS.items()), tuple(SCENARIOS.items()))
    if state == _REGISTERED:  # ~20 ms saved per call: the registries have not changed
        return
    _REGISTERED = state
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=run_schema())
    for name, sc in SCENARIOS.items():
        cs.store(group="game", name=f"{name}_schema", node=structured(sc.params_cls))




# --- The reference: every key, in schema order ------------------------------------------


def block_of(hint: Any) -> type | None:
    """The dataclass behind an annotation (``Optional[X]`` unwrapped), or None."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    hint = args[0] if typing.get_origin(hint) is typing.Union and len(args) == 1 else hint
    return hint if dataclasses.is_dataclass(hint) else None


def _fields(cls: type) -> list[tuple[str, Any, dataclasses.Field]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name], f) for f in dataclasses.fields(cls)]


def reference_rows(fields=None, prefix: str = ""):
    """``(dotted key, type hint, field)`` of every documented key, in schema order:
    blocks before their keys, the axes' keys once as ``sweep.<axis>.<key>``."""
    for name, hint, f in top_fields() if fields is None else fields:
        dotted = f"{prefix}{name}"
        yield dotted, hint, f
        sub = block_of(hint) or f.metadata.get("docs_from")
        if sub is SweepConf:
            yield from reference_rows(_fields(SweepConf), f"{dotted}.")
            yield from reference_rows(_fields(AxisConf), f"{dotted}.<axis>.")
        elif sub is not None and sub is not AxisConf:
            yield from reference_rows(_fields(sub), f"{dotted}.")


def type_text(hint: Any, f: dataclasses.Field) -> str:
    """The type as docs/config.md shows it: ``int``, ``float or null``, ``list of str``."""
    if f.metadata.get("type"):
        return f.metadata["type"]
    origin, args = typing.get_origin(hint), [a for a in typing.get_args(hint) if a is not type(None)]
    if origin is typing.Union and len(args) == 1:
        return f"{type_text(args[0], dataclasses.field())} or null"
    if origin in (list, List):
        return f"list of {type_text(args[0], dataclasses.field())}"
    if dataclasses.is_dataclass(hint):
        return "mapping"
    return getattr(hint, "__name__", str(hint))


def dotted_keys() -> list[str]:
    """Every dotted key a run config may have, the axes spelt out (``sweep.x.num``)."""
    keys = []
    for k, _, _ in reference_rows():
        keys += [k.replace("<axis>", a) for a in AXIS_KEYS] if "<axis>" in k else [k]
    return keys


register()  # as Hydra's structured-config docs do: the schema is there once this module is imported
