"""Global sensitivity of the regime to the calibrated parameters (SALib: Sobol, Morris).

Which parameters decide the regime, and how much? The parameters are drawn uniformly
over their documented ranges; the outcome at each point is one 0/1 *indicator per
regime* (``concept="spe"``: the subgame-perfect regime) or the probability of each
regime under uncertain US resolve (``concept="bayes"``, :func:`sim.solvers.bayes.solve_bayes`).
A category has no variance to decompose, but each indicator has.

* Sobol (variance-based): ``S1``, the share of the indicator's variance the parameter
  explains alone; ``ST``, the share it takes part in, alone or through interactions
  (``ST ≈ 0``: it can be fixed anywhere in its range). ``*_conf``: half-widths of
  bootstrap intervals at ``conf_level``.
* Morris (elementary effects, a cheap screening): the change of the indicator over a
  one-at-a-time step of one parameter per fraction of its range; ``mu_star`` (μ*) their
  mean absolute value, ``mu`` the signed mean, ``sigma`` (σ) their spread.

SALib's ``ProblemSpec`` draws the sample, holds the outcomes evaluated at it and runs
the analyser; an :class:`Analysis` is the evaluated spec and its tidy table (a row per
(regime, parameter), :data:`COLUMNS`; constant indicators get NaN indices and a
``status`` saying why). The one way to run it is the experiment::

    python -m sim experiment=sobol_regime [sensitivity.method=morris] [sensitivity.n=N] ...

whose ``sensitivity`` block (:class:`SensitivityOptions`) replaces the grid sweep:
:func:`sim.runs.run.run_sensitivity` writes a run directory holding the table
(``sensitivity.parquet``), the sample it was computed from (``sample.parquet``,
:meth:`Analysis.sample`; :func:`write_outputs`) and the figure
(:mod:`sim.figures.sensitivity`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from sim.config.sensitivity import (  # noqa: F401  (re-exported: sim.analysis.sensitivity.<name>)
    CONCEPTS, DEFAULT_LEVELS, DEFAULT_RESAMPLES, DEFAULT_SOBOL_N, DEFAULT_TRAJECTORIES, LOWER, METHODS,
    SensitivityOptions, check_int, check_options, problem)
from sim.engine.params import ConfigError, batch, get_value, iter_params
from sim.engine.scenario import Scenario
from sim.figures.sensitivity import META_KEY
from sim.solvers.bayes import solve_bayes
from sim.solvers.spe import solve_spe
from sim.store import rundir
from sim.store.columns import slug
from sim.store.table import write_parquet

if TYPE_CHECKING:  # SALib is imported on use
    from SALib import ProblemSpec

DEFAULT_CHUNK = 8192
CONF_LEVEL = 0.95

#: Columns of the tidy table, in order (Sobol fills S1..ST_conf, Morris mu..sigma; the
#: other method's columns are NaN). ``share``: mean of the output over the sample (the
#: fraction of sampled points in the regime); ``status``: "ok", "never reached",
#: "always reached" or "constant" (the last three: NaN indices).
COLUMNS = ("method", "regime", "status", "share", "param", "unit", "low", "high",
           "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf", "sigma")
_FLOATS = ("share", "low", "high", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf", "sigma")


# ----------------------------------------------------------------------------- outputs


def regime_outputs(sc: Scenario, X: np.ndarray, names: Sequence[str], concept: str = "spe", base=None,
                   chunk_size: int = DEFAULT_CHUNK, progress: bool | None = None) -> np.ndarray:
    """The regime reached at each sampled point, one column per regime.

    Parameters
    ----------
    sc : Scenario
        The scenario (its vectorised solvers solve a whole chunk in one call).
    X : ndarray, shape (n, D)
        Sampled points; column ``j`` is the value of parameter ``names[j]`` (in its unit).
    names : sequence of str
        Dotted names of the ``D`` parameters; the others stay at ``base``.
    concept : {"spe", "bayes"}
        ``"spe"``: 0/1 indicator of the subgame-perfect regime; ``"bayes"``: probability
        of each regime under uncertain US resolve (the expected indicator).
    base : parameter dataclass, optional
        Values of the parameters not varied; default ``sc.params_cls()``.
    chunk_size : int
        Points solved per solver call (bounds memory; results do not depend on it).
    progress : bool, optional
        A progress bar on stderr (games solved); None: only when stderr is a terminal.

    Returns
    -------
    ndarray, shape (n, len(sc.regimes))
        Column ``k`` is the indicator (or probability) of ``sc.regimes[k]``.
    """
    if concept not in CONCEPTS:
        raise ConfigError(f"concept={concept!r} is unknown; allowed: {', '.join(CONCEPTS)}")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X must have shape (n, {len(names)}), got {X.shape}")
    base = sc.params_cls() if base is None else base
    n_reg = len(sc.regimes)
    out = np.empty((len(X), n_reg))
    with tqdm(total=len(X), unit="game", desc=f"sensitivity ({concept})", file=sys.stderr,
              disable=None if progress is None else not progress) as bar:
        for s in range(0, len(X), chunk_size):
            e = min(s + chunk_size, len(X))
            pts = batch(base, {name: X[s:e, j] for j, name in enumerate(names)})
            if concept == "spe":
                codes = solve_spe(sc, pts)["spe_regime"].indices.to_numpy(zero_copy_only=False)
                out[s:e] = codes[:, None] == np.arange(n_reg)
            else:
                cols = solve_bayes(sc, pts)
                out[s:e] = np.column_stack([cols[f"bayes_prob_{slug(r)}"] for r in sc.regimes])
            bar.update(e - s)
    return out


def outcome_columns(concept: str, regimes: Sequence[str]) -> list[str]:
    """Column names of the outcomes in ``sample.parquet``, one per regime, named as the
    run's tables name them: ``spe_<regime>`` (0/1: the SPE regime is it) or
    ``bayes_prob_<regime>`` (its probability), the regime by :func:`sim.store.columns.slug`."""
    prefix = "spe_" if concept == "spe" else f"{concept}_prob_"
    return [prefix + slug(r) for r in regimes]


@dataclass(frozen=True)
class RegimeIndicators:
    """``evaluate(X)`` for :func:`sobol` / :func:`morris`: :func:`regime_outputs` bound to
    a scenario, parameter names and concept; ``outputs`` names its columns (the regimes)."""

    scenario: Scenario
    names: tuple[str, ...]
    concept: str = "spe"
    base: object = None
    chunk_size: int = DEFAULT_CHUNK
    progress: bool | None = None

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(self.scenario.regimes)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return regime_outputs(self.scenario, X, self.names, self.concept, self.base, self.chunk_size, self.progress)


# ----------------------------------------------------------------------------- the SALib problem


def _spec(problem_: dict, outputs: Sequence[str] | None = None) -> ProblemSpec:
    """``problem_`` (:func:`problem`) as SALib's ProblemSpec, ``units`` kept; ``outputs``
    names the outcomes (else SALib does: ``Y``, ``Y1``...)."""
    from SALib import ProblemSpec

    d = len(problem_["names"])
    if d < 2:  # ProblemSpec.analyze refuses one parameter: refuse it before any work
        raise ConfigError(f"{d} parameter varied ({', '.join(problem_['names'])}): a sensitivity analysis "
                          "needs at least two")
    named = {} if outputs is None else {"outputs": list(outputs)}
    return ProblemSpec({"names": list(problem_["names"]), "bounds": [list(b) for b in problem_["bounds"]],
                        "units": list(problem_.get("units") or [""] * d), **named})


def _evaluated(spec: ProblemSpec, evaluate: Callable[[np.ndarray], np.ndarray]) -> ProblemSpec:
    """``spec`` with ``evaluate`` run once on its whole sample (``evaluate.outputs``, if it
    has them, name the outcomes where ``spec`` does not)."""
    if "outputs" not in spec and getattr(evaluate, "outputs", None):
        spec["outputs"] = list(evaluate.outputs)
    spec.evaluate(evaluate)
    Y = np.asarray(spec.results, dtype=float)
    if len(Y) != len(spec.samples):
        raise ValueError(f"evaluate returned {len(Y)} rows for {len(spec.samples)} points")
    spec.results = Y
    return spec


def _results(spec: ProblemSpec) -> np.ndarray:
    """The outcomes of an evaluated spec as an array of shape (n_eval, k)."""
    return spec.results.reshape(len(spec.samples), -1)


def _analysed(spec: ProblemSpec, k: int, analyze: Callable, seed: int, **kwargs) -> dict:
    """SALib's ``analyze`` of output ``k`` alone, with its own bootstrap stream
    ``default_rng([seed, k])`` (``ProblemSpec.analyze`` would give every output the same
    stream; one spec per output keeps each output's intervals as they always were)."""
    one = _spec(spec, [spec["outputs"][k]])
    one.set_samples(spec.samples).set_results(np.ascontiguousarray(_results(spec)[:, k]))
    return one.analyze(analyze, seed=np.random.default_rng([seed, k]), **kwargs).analysis


# ----------------------------------------------------------------------------- tables


def _status(y: np.ndarray) -> str:
    if np.ptp(y) > 0:
        return "ok"
    if y[0] == 0:
        return "never reached"
    return "always reached" if y[0] == 1 else "constant"


def _outputs(spec: ProblemSpec, analyze: Callable, seed: int, **kwargs) -> list[tuple[str, str, float, dict]]:
    """Per output of an evaluated spec: (name, status, share, SALib's result; {} if constant)."""
    out = []
    for k, name in enumerate(spec["outputs"]):
        y = np.ascontiguousarray(_results(spec)[:, k])
        status = _status(y)
        out.append((name, status, float(y.mean()), _analysed(spec, k, analyze, seed, **kwargs) if status == "ok" else {}))
    return out


def _rows(method: str, spec: dict, regime: str, status: str, share: float, res: dict) -> dict:
    """One output's rows of the table (a row per parameter); indices ``res`` lacks are NaN."""
    d = len(spec["names"])
    rows = {"method": [method] * d, "regime": [regime] * d, "status": [status] * d, "share": [share] * d,
            "param": list(spec["names"]), "unit": list(spec["units"]),
            "low": [b[0] for b in spec["bounds"]], "high": [b[1] for b in spec["bounds"]]}
    for c in COLUMNS[8:]:
        rows[c] = np.asarray(np.ma.filled(res[c], np.nan), dtype=float) if c in res else np.full(d, np.nan)
    return rows


def _table(parts: list[dict], meta: dict) -> pa.Table:
    cols = {c: [v for p in parts for v in p[c]] for c in COLUMNS}
    fields = [pa.field(c, pa.float64() if c in _FLOATS else pa.string()) for c in COLUMNS]
    table = pa.table({c: pa.array(cols[c], type=f.type) for c, f in zip(COLUMNS, fields)},
                     schema=pa.schema(fields))
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def _with_pairs(table: pa.Table, spec: dict, pairs: list[tuple]) -> pa.Table:
    """``table`` with columns ``param2``, ``S2``, ``S2_conf`` and a row per (output, pair of
    parameters); ``pairs``: (regime, status, share, i, j, S2, S2_conf) each."""
    table = table.append_column("param2", pa.nulls(table.num_rows, pa.string()))
    table = table.append_column("S2", pa.array(np.full(table.num_rows, np.nan)))
    table = table.append_column("S2_conf", pa.array(np.full(table.num_rows, np.nan)))
    names, bounds = spec["names"], spec["bounds"]
    extra = {c: [] for c in table.column_names}
    for regime, status, share, i, j, s2, s2c in pairs:
        row = dict.fromkeys(table.column_names, np.nan)
        row.update(method="sobol", regime=regime, status=status, share=share, param=names[i], unit=spec["units"][i],
                   low=bounds[i][0], high=bounds[i][1], param2=names[j], S2=float(s2), S2_conf=float(s2c))
        for c in extra:
            extra[c].append(row[c])
    more = pa.table({c: pa.array(extra[c], type=table.schema.field(c).type) for c in table.column_names},
                    schema=table.schema)
    return pa.concat_tables([table, more]).combine_chunks()


def _salib_version() -> str | None:
    try:
        return metadata.version("SALib")
    except metadata.PackageNotFoundError:  # pragma: no cover (SALib is a dependency)
        return None


# ----------------------------------------------------------------------------- analyses


@dataclass(frozen=True)
class Analysis:
    """One analysis done. ``spec``: SALib's ProblemSpec holding the sample (``spec.samples``,
    shape (n_eval, D), in the parameters' units) and the outcomes evaluated there
    (``spec.results``, (n_eval, k) or (n_eval,)); ``table``: the indices (:data:`COLUMNS`);
    ``columns``: the outcome columns' names in :meth:`sample` (None: the output names);
    ``base``: ``{dotted name: value}`` of the parameters not varied (None: not recorded)."""

    spec: ProblemSpec
    table: pa.Table
    columns: tuple[str, ...] | None = None
    base: dict[str, float] | None = None

    def sample(self, columns: Sequence[str] | None = None) -> pa.Table:
        """The evaluated sample as a table, a row per evaluated point in SALib's order: a
        float64 column per parameter (its dotted name), then one per outcome, named
        ``columns`` (default: :attr:`columns`, else the output names). Schema metadata
        ``sim.analysis.sensitivity``: the table's, plus ``params``, ``outcomes`` (the
        outcome columns), ``outputs`` (their outputs' names) and ``base`` (if recorded:
        then a row can be re-solved from the file alone)."""
        names, outputs = list(self.spec["names"]), list(self.spec["outputs"])
        columns = list(columns or self.columns or outputs)
        if len(columns) != len(outputs) or len(set(names + columns)) != len(names) + len(columns):
            raise ValueError(f"outcome columns {columns} must be {len(outputs)} names distinct from the parameters'")
        X, Y = self.spec.samples, _results(self.spec)
        arrays = [np.ascontiguousarray(X[:, j]) for j in range(len(names))]
        arrays += [np.ascontiguousarray(Y[:, k]) for k in range(len(columns))]
        meta = {**json.loads(self.table.schema.metadata[META_KEY]), "params": names, "outcomes": columns,
                "outputs": outputs}
        if self.base is not None:
            meta["base"] = self.base
        return pa.table(dict(zip(names + columns, arrays))).replace_schema_metadata(
            {META_KEY: json.dumps(meta, sort_keys=True).encode()})


def _sobol_table(spec: ProblemSpec, n: int, seed: int, second_order: bool, num_resamples: int,
                 conf_level: float) -> pa.Table:
    from SALib.analyze import sobol as sobol_analyze

    done = _outputs(spec, sobol_analyze.analyze, seed, calc_second_order=second_order,
                    num_resamples=num_resamples, conf_level=conf_level)
    parts = [_rows("sobol", spec, *out) for out in done]
    d = len(spec["names"])
    pairs = [(name, status, share, i, j, res["S2"][i, j] if res else np.nan, res["S2_conf"][i, j] if res else np.nan)
             for name, status, share, res in done if second_order for i in range(d) for j in range(i + 1, d)]
    meta = {"method": "sobol", "n": n, "seed": seed, "calc_second_order": bool(second_order),
            "num_resamples": num_resamples, "conf_level": conf_level, "n_evaluations": len(spec.samples),
            "salib": _salib_version()}
    table = _table(parts, meta)
    return _with_pairs(table, spec, pairs) if second_order else table


def sobol(problem: dict, evaluate: Callable[[np.ndarray], np.ndarray], n: int, seed: int,
          calc_second_order: bool = False, *, num_resamples: int = DEFAULT_RESAMPLES,
          conf_level: float = CONF_LEVEL, outputs: Sequence[str] | None = None) -> Analysis:
    """Sobol indices of every output, from a scrambled Sobol' (Saltelli) design.

    Parameters
    ----------
    problem : dict
        From :func:`problem` (or any SALib problem dict), with at least two parameters.
    evaluate : callable
        ``evaluate(X) -> Y``, ``X`` of shape (n_eval, D), ``Y`` (n_eval,) or (n_eval, k),
        called once on the whole design (chunk inside it).
    n : int
        Base sample size N, a power of two; ``N * (D + 2)`` evaluations
        (``N * (2D + 2)`` with ``calc_second_order``).
    seed : int
        Seeds the scrambling of the design and the bootstrap of each output.
    calc_second_order : bool
        Also pairwise indices: columns ``param2``, ``S2``, ``S2_conf``, a row per (output, pair).
    num_resamples, conf_level : int, float
        Bootstrap resamples and confidence level of the intervals (``*_conf``: half-widths).
    outputs : sequence of str, optional
        Names of the outputs (the ``regime`` column); else ``evaluate.outputs``, else
        SALib's ``Y`` (one output) or ``Y1, Y2, ...``.

    Returns
    -------
    Analysis
        Its ``table``: :data:`COLUMNS`, one row per (output, parameter) in output then
        problem order, ``method == "sobol"``; constant outputs have NaN indices and a
        ``status`` saying so. Schema metadata ``sim.analysis.sensitivity`` (JSON): method,
        n, seed, evaluations.

    Raises
    ------
    ConfigError
        If ``n`` is not a power of two >= 2, ``num_resamples < 2`` or ``D < 2``.
    """
    from SALib.sample import sobol as sobol_sample

    n = check_int("n", n, 2)
    if n & (n - 1):
        raise ConfigError(f"n={n} must be a power of two for a Sobol' design (e.g. {1 << n.bit_length()})")
    seed = check_int("seed", seed, 0)
    num_resamples = check_int("num_resamples", num_resamples, 2)
    spec = _spec(problem, outputs).sample(sobol_sample.sample, n, calc_second_order=calc_second_order,
                                          scramble=True, seed=seed)
    spec = _evaluated(spec, evaluate)
    return Analysis(spec, _sobol_table(spec, n, seed, calc_second_order, num_resamples, conf_level))


def morris(problem: dict, evaluate: Callable[[np.ndarray], np.ndarray], n_trajectories: int,
           levels: int = DEFAULT_LEVELS, seed: int = 0, *, num_resamples: int = DEFAULT_RESAMPLES,
           conf_level: float = CONF_LEVEL, outputs: Sequence[str] | None = None) -> Analysis:
    """Morris elementary-effects screening of every output.

    Parameters
    ----------
    problem, evaluate
        As for :func:`sobol`; ``evaluate`` is called once on the ``n_trajectories * (D + 1)`` points.
    n_trajectories : int
        Number of one-at-a-time trajectories (>= 2).
    levels : int
        Grid levels per parameter (even, >= 2); a step is ``levels / (2 (levels - 1))``
        of the range.
    seed : int
        Seeds the trajectories and the bootstrap of ``mu_star_conf``.
    num_resamples, conf_level, outputs
        As for :func:`sobol`.

    Returns
    -------
    Analysis
        Its ``table``: :data:`COLUMNS` with ``mu``, ``mu_star``, ``mu_star_conf``,
        ``sigma`` filled (output change per unit of the parameter's range) and
        ``method == "morris"``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    n_trajectories = check_int("n_trajectories", n_trajectories, 2)
    levels = check_int("levels", levels, 2)
    if levels % 2:
        raise ConfigError(f"levels={levels} must be even")
    seed = check_int("seed", seed, 0)
    num_resamples = check_int("num_resamples", num_resamples, 2)
    spec = _spec(problem, outputs).sample(morris_sample.sample, n_trajectories, num_levels=levels, seed=seed)
    spec = _evaluated(spec, evaluate)
    parts = [_rows("morris", spec, *out) for out in _outputs(spec, morris_analyze.analyze, seed, num_levels=levels,
                                                              num_resamples=num_resamples, conf_level=conf_level)]
    meta = {"method": "morris", "n": n_trajectories, "levels": levels, "seed": seed,
            "num_resamples": num_resamples, "conf_level": conf_level, "n_evaluations": len(spec.samples),
            "salib": _salib_version()}
    return Analysis(spec, _table(parts, meta))


# ----------------------------------------------------------------------------- one analysis of a scenario


def evaluate_and_analyse(sc: Scenario, opts: SensitivityOptions, base=None, chunk_size: int = DEFAULT_CHUNK,
                         progress: bool | None = None) -> tuple[Analysis, float]:
    """Run the analysis ``opts`` describes: (analysis, seconds spent).

    Parameters not varied stay at ``base`` (default ``sc.params_cls()``); ``chunk_size``
    bounds memory and never changes results; ``progress``: a progress bar on stderr
    while the games are solved (None: when stderr is a terminal). The table is
    :func:`sobol`'s or :func:`morris`'s, its ``sim.analysis.sensitivity`` metadata
    completed with the concept, the scenario and its regimes; :meth:`Analysis.sample`
    names the outcomes by :func:`outcome_columns` and records ``base``.
    """
    prob = problem(sc.params_cls, opts.params)
    base = sc.params_cls() if base is None else base
    t0 = time.perf_counter()
    evaluate = RegimeIndicators(sc, tuple(prob["names"]), opts.concept, base, chunk_size, progress)
    if opts.method == "sobol":
        done = sobol(prob, evaluate, opts.size, opts.seed, opts.second_order, num_resamples=opts.resamples)
    else:
        done = morris(prob, evaluate, opts.size, opts.levels, opts.seed, num_resamples=opts.resamples)
    seconds = time.perf_counter() - t0
    meta = json.loads(done.table.schema.metadata[META_KEY])
    meta.update(concept=opts.concept, scenario=sc.name, regimes=list(sc.regimes))
    table = done.table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})
    fixed = {i.name: float(get_value(base, i.name)) for i in iter_params(sc.params_cls) if i.name not in prob["names"]}
    return Analysis(done.spec, table, tuple(outcome_columns(opts.concept, sc.regimes)), fixed), seconds


def analyse(sc: Scenario, opts: SensitivityOptions, base=None,
            chunk_size: int = DEFAULT_CHUNK) -> tuple[pa.Table, float]:
    """(table, seconds) of :func:`evaluate_and_analyse`: the indices alone."""
    done, seconds = evaluate_and_analyse(sc, opts, base, chunk_size)
    return done.table, seconds


def write_outputs(table: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS,
                  top: int = 10, sample: pa.Table | None = None) -> list[Path]:
    """Write ``out_dir/sensitivity.parquet`` (same table ⇒ same bytes), ``sample`` (if
    given: :meth:`Analysis.sample`) as ``out_dir/sample.parquet``, and the figure
    (:func:`sim.figures.sensitivity.figure` with ``top`` parameters a panel) in
    ``formats``, each atomically; returns the figures' paths."""
    from sim.figures.sensitivity import figure, save_figure

    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({**json.loads(meta.get(META_KEY, b"{}")), "top": top}, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)  # the figure's panel size travels with the table
    write_parquet(table, Path(out_dir) / rundir.SENSITIVITY_TABLE, table.schema.metadata)
    if sample is not None:
        write_parquet(sample, Path(out_dir) / rundir.SAMPLE, sample.schema.metadata)
    return save_figure(figure(table, top_k=top), out_dir, formats)


# ----------------------------------------------------------------------------- summary


def top_params(table: pa.Table, regime: str, k: int = 5) -> list[tuple[str, float, float]]:
    """The ``k`` most influential parameters for ``regime``: ``(param, index, conf)``,
    by ST (Sobol) or mu* (Morris), largest first; empty if the regime was skipped."""
    df = table.to_pandas()
    df = df[(df["regime"] == regime) & (df["status"] == "ok") & df["param"].notna()]
    if "param2" in df:
        df = df[df["param2"].isna()]
    key, conf = ("ST", "ST_conf") if (df["method"] == "sobol").all() else ("mu_star", "mu_star_conf")
    df = df.sort_values([key, "param"], ascending=[False, True], kind="stable").head(k)
    return [(p, float(v), float(c)) for p, v, c in zip(df["param"], df[key], df[conf])]


def summary(table: pa.Table, k: int = 5) -> str:
    """Plain-text summary: per regime, its share and the ``k`` top parameters."""
    df = table.to_pandas()
    method = df["method"].iloc[0]
    key = "ST" if method == "sobol" else "mu*"
    lines = []
    for regime in dict.fromkeys(df["regime"]):
        sub = df[df["regime"] == regime].iloc[0]
        if sub["status"] != "ok":
            lines.append(f"{regime}: {sub['status']} in the sample (share {sub['share']:.3f}); skipped")
            continue
        tops = ", ".join(f"{p} {v:.2f}±{c:.2f}" for p, v, c in top_params(table, regime, k))
        lines.append(f"{regime} (share {sub['share']:.3f}): top {key}: {tops}")
    return "\n".join(lines)
