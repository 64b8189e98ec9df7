"""The options of a scenario discovery (config block ``discovery``): which sample, which
regime of which outcome, and PRIM's and CART's settings (:mod:`sim.analysis.discovery`),
and the checks of a saved sample that need only its schema (its outcome and parameter
columns), so that bad input stops before any work. No rows are read here, no PRIM or
CART library imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sim.engine.params import ConfigError, did_you_mean, param_info, show
from sim.store import rundir
from sim.store.columns import slug
from sim.store.table import ResultsError, table_path

PRIOR = "prior"  #: ``source`` value: draw a fresh prior sample of ``n`` points
#: Outcome columns a fresh prior sample has: the SPE regime, and the most likely regime
#: under uncertain US resolve (needs a scenario with a typed actor).
PRIOR_OUTCOMES = ("spe_regime", "bayes_regime")
DEFAULT_N = 100_000
DEFAULT_REGIMES = ("confrontation", "Russian pivot")  #: the default targets (regimes of iraq2020)
MAX_BOXES = 10
MAX_DEPTH = 12


def _key(default, allowed: str, doc: str):
    """A field with its reference text (docs/config.md is generated from it)."""
    return field(default=default, metadata={"allowed": allowed, "doc": doc})


def _int(key: str, value, low: int, high: int | None = None) -> int:
    """``value`` if it is an integer in ``[low, high]``, else ConfigError naming ``discovery.<key>``."""
    bad = isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high)
    if bad:
        top = f" and <= {high}" if high is not None else ""
        raise ConfigError(f"discovery.{key}={show(value)} must be an integer >= {low}{top}")
    return value


def _share(key: str, value, high: float) -> float:
    """``value`` as a float if it is a number in ``(0, high]``, else ConfigError naming ``discovery.<key>``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        raise ConfigError(f"discovery.{key}={show(value)} must be a number in (0, {high:g}]")
    return float(value)


def _names(key: str, value, empty: bool) -> tuple[str, ...] | None:
    """``value`` as a tuple of distinct strings (None stays None when ``empty``)."""
    if value is None and empty:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        what = "null or a list of dotted parameter names" if empty else "a non-empty list of regime names"
        raise ConfigError(f"discovery.{key}={show(value)} must be {what}")
    if not value:
        raise ConfigError(f"discovery.{key}=[] is empty; give at least one name" + (" or null" if empty else ""))
    twice = [v for v in dict.fromkeys(value) if list(value).count(v) > 1]
    if twice:
        raise ConfigError(f"discovery.{key} names {twice[0]!r} twice; list each once")
    return tuple(value)


@dataclass(frozen=True)
class DiscoveryOptions:
    """A scenario discovery; each option is checked when built (ConfigError naming
    ``discovery.<key>``). The scenario-dependent checks (regime names, parameter names, a
    typed actor for ``bayes_regime``) are in :func:`sim.config.validate.validate_discovery`."""

    source: str = _key(PRIOR, "`prior`, or the path of a `.parquet` sample or of a run directory",
                       "the sample searched: `prior` draws `n` points uniformly over the documented ranges and "
                       "solves them; a path reads a saved one (a run's `sample.parquet`, `equilibria.parquet`, or "
                       "any Parquet file with a column per parameter and an outcome column); a run directory: its "
                       "`sample.parquet`, else its `equilibria.parquet`. Relative paths: from where sim is started")
    n: int = _key(DEFAULT_N, "`>= 2`", "draws of a `prior` source (unused for a path)")
    seed: int = _key(0, "`>= 0`", "seeds the prior draws and CART's tie-breaking")
    params: tuple[str, ...] | None = _key(None, "null, or dotted parameter names of the scenario, each once",
                                          "the parameters searched (for `prior` also the ones drawn; the others stay "
                                          "at their `game` values); null: every one the sample varies")
    outcome: str = _key("spe_regime", "`spe_regime`, `bayes_regime` (with `prior`); a column of the sample",
                        "the outcome column whose regime is the target; a sample's 0/1 columns `spe_<regime>` "
                        "count as `spe_regime`, its probabilities `bayes_prob_<regime>` as `bayes_regime` (the "
                        "most likely regime)")
    regimes: tuple[str, ...] = field(default_factory=lambda: DEFAULT_REGIMES, metadata={
        "allowed": "a non-empty list of the scenario's regimes",
        "doc": "the targets: for each, where in parameter space the outcome is that regime; default "
               f"`[{', '.join(DEFAULT_REGIMES)}]`"})
    threshold: float = _key(0.8, "`(0, 1]`", "the density (share of the target regime inside the box) a box must "
                                             "reach; of the boxes on PRIM's trajectory that reach it, the one of "
                                             "largest coverage is taken, else the densest (flagged)")
    peel_alpha: float = _key(0.05, "`(0, 0.5]`", "share of the box's points PRIM peels off at each step")
    paste_alpha: float = _key(0.05, "`(0, 0.5]`", "share of points PRIM pastes back at each step")
    mass_min: float = _key(0.001, "`(0, 0.5]`", "the smallest box PRIM (and a CART leaf) may make, as a share of "
                                                "the sample")
    max_boxes: int = _key(1, f"an integer in `[1, {MAX_BOXES}]`",
                          "boxes per target: PRIM looks for the next box among the points outside the ones found, "
                          "and stops at a box that does not reach `threshold`")
    max_params: int | None = _key(8, "null, or `>= 1`",
                                  "PRIM searches the parameters of largest CART importance, this many (null: every "
                                  "one; PRIM's time grows with it)")
    cart_depth: int = _key(4, f"an integer in `[1, {MAX_DEPTH}]`", "depth of the CART tree (the second view)")

    def __post_init__(self):
        if not isinstance(self.source, str) or not self.source.strip():
            raise ConfigError(f"discovery.source={show(self.source)} must be 'prior' or the path of a .parquet "
                              "sample or of a run directory")
        _int("n", self.n, 2)
        _int("seed", self.seed, 0)
        object.__setattr__(self, "params", _names("params", self.params, empty=True))
        if not isinstance(self.outcome, str) or not self.outcome:
            raise ConfigError(f"discovery.outcome={show(self.outcome)} must name an outcome column, e.g. spe_regime")
        if self.source == PRIOR and self.outcome not in PRIOR_OUTCOMES:
            raise ConfigError(f"discovery.outcome={self.outcome!r} is not an outcome of a prior sample; allowed: "
                              f"{', '.join(PRIOR_OUTCOMES)}")
        object.__setattr__(self, "regimes", _names("regimes", self.regimes, empty=False))
        for key, high in (("threshold", 1.0), ("peel_alpha", 0.5), ("paste_alpha", 0.5), ("mass_min", 0.5)):
            object.__setattr__(self, key, _share(key, getattr(self, key), high))
        _int("max_boxes", self.max_boxes, 1, MAX_BOXES)
        if self.max_params is not None:
            _int("max_params", self.max_params, 1)
        _int("cart_depth", self.cart_depth, 1, MAX_DEPTH)

    @property
    def from_prior(self) -> bool:
        """Whether the sample is drawn by the run itself (``source == "prior"``)."""
        return self.source == PRIOR

    @property
    def concept(self) -> str:
        """The solution concept of a prior sample's outcome: ``"spe"`` or ``"bayes"``."""
        return self.outcome.removesuffix("_regime")


# ----------------------------------------------------------------------------- saved samples


def sample_path(source: str | Path) -> Path:
    """The file (or equilibria dataset) a ``discovery.source`` path names: a file as it is;
    a run directory's ``sample.parquet``, else its equilibria table (file or dataset)."""
    path = Path(source)
    if not path.exists():
        raise ConfigError(f"discovery.source={str(source)!r}: no such file or directory; give 'prior', a .parquet "
                          "sample or a run directory")
    if path.is_dir() and (path / rundir.SAMPLE).is_file():
        return path / rundir.SAMPLE
    return table_path(path) if path.is_dir() else path


def source_columns(path: Path) -> dict[str, bool]:
    """``{column: holds text}`` of the Parquet file or equilibria dataset at ``path``, from its
    schema alone (no rows); ConfigError naming ``discovery.source`` if it is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = path / rundir.DATASET_METADATA if path.is_dir() else path
    try:
        schema = pq.read_schema(source)
    except (pa.ArrowException, OSError, ResultsError) as exc:
        raise ConfigError(f"discovery.source={str(path)!r} is not a readable Parquet table: "
                          f"{str(exc).splitlines()[0]}") from None

    def text(t) -> bool:
        t = t.value_type if pa.types.is_dictionary(t) else t
        return pa.types.is_string(t) or pa.types.is_large_string(t)

    return {f.name: text(f.type) for f in schema}


def outcome_columns(columns: Mapping[str, bool], regimes: Sequence[str]) -> dict[str, list[str]]:
    """The outcome columns of a table with ``columns`` (``{name: holds text}``), each with
    the columns it is read from: every text column as itself, and ``<prefix>_regime`` for
    each ``<prefix>`` whose numeric columns ``<prefix>_<regime slug>`` cover every regime (a
    sample's 0/1 ``spe_*``, or ``bayes_prob_*`` read as ``bayes_regime``: the regime of the
    largest value). A text column wins over a group of the same name."""
    slugs = [slug(r) for r in regimes]
    numeric = [c for c, is_text in columns.items() if not is_text]
    prefixes = sorted({c[:-len(s) - 1] for c in numeric for s in slugs if c.endswith("_" + s) and len(c) > len(s) + 1})
    out = {}
    for prefix in prefixes:
        group = [f"{prefix}_{s}" for s in slugs]
        if all(c in numeric for c in group):
            out[prefix.removesuffix("_prob") + "_regime"] = group
    out.update({c: [c] for c, is_text in columns.items() if is_text})
    return dict(sorted(out.items()))


def unknown_outcome(outcome: str, where: str, outcomes: Sequence[str]) -> ConfigError:
    """The error of an outcome column that is not there (the one message for both checks)."""
    return ConfigError(f"discovery.outcome={outcome!r} is not an outcome column of {where}; its outcome columns: "
                       f"{', '.join(outcomes) or 'none'}")


def check_source(opts: DiscoveryOptions, regimes: Sequence[str]) -> None:
    """A saved sample's outcome column is there, and so is each of ``opts.params`` (from the
    schema alone)."""
    path = sample_path(opts.source)
    columns = source_columns(path)
    outcomes = outcome_columns(columns, regimes)
    if opts.outcome not in outcomes:
        raise unknown_outcome(opts.outcome, str(path), list(outcomes))
    numeric = [c for c, is_text in columns.items() if not is_text and "." in c]
    for name in opts.params or ():
        if name not in numeric:
            raise ConfigError(f"discovery.params: {name!r} is not a parameter column of {path}; its parameter "
                              f"columns: {', '.join(numeric) or 'none'}")


def validate_discovery(scenario, data: Mapping[str, Any] | None, others: Mapping[str, Any],
                       max_points: int) -> DiscoveryOptions | None:
    """The ``discovery`` block: None (run the sweep) or the discovery to run instead.

    ``others``: the other blocks that replace the sweep (``{"sensitivity": ..., ...}``),
    which must be null. Checks what needs the scenario (``scenario``): the regimes, the
    parameter names, a typed actor for ``bayes_regime``; that a saved sample exists and has
    the outcome column and parameter columns asked for (:func:`check_source`); and that a
    prior sample of ``n`` games fits in ``max_points``.
    """
    if data is None:
        return None
    keys = [f.name for f in fields(DiscoveryOptions)]
    if not isinstance(data, Mapping):
        raise ConfigError(f"discovery={show(data)} must be null or a mapping; allowed keys: {', '.join(keys)}")
    unknown = [k for k in data if k not in keys]
    if unknown:
        raise ConfigError(f"discovery has unknown key(s) {sorted(map(str, unknown))}"
                          f"{did_you_mean(unknown[0], keys) if len(unknown) == 1 else ''}; allowed: {', '.join(keys)}")
    for block, value in others.items():
        if value is not None:
            raise ConfigError(f"discovery and {block} are both set; each replaces the sweep: set one of them to null")
    opts = DiscoveryOptions(**dict(data))
    for regime in opts.regimes:
        if regime not in scenario.regimes:
            raise ConfigError(f"discovery.regimes: {regime!r} is not a regime of {scenario.name}"
                              f"{did_you_mean(regime, scenario.regimes)}; allowed: {', '.join(scenario.regimes)}")
    for name in opts.params or ():
        try:
            param_info(scenario.params_cls, name)
        except ConfigError as exc:
            raise ConfigError(f"discovery.params: {exc}") from None
    if opts.from_prior and opts.concept == "bayes" and scenario.types is None:
        raise ConfigError(f"discovery.outcome=bayes_regime but scenario {scenario.name!r} declares no actor of "
                          "uncertain type; use spe_regime")
    if opts.from_prior and opts.n > max_points:
        raise ConfigError(f"discovery solves n={opts.n:,} games, more than max_points={max_points:,}; lower "
                          "discovery.n or raise max_points")
    if not opts.from_prior:
        check_source(opts, scenario.regimes)
    return opts
