"""Global sensitivity of the regime to the calibrated parameters (SALib: Sobol, Morris).

Which parameters decide the regime, and how much? Every documented parameter (or a
chosen subset) is drawn uniformly over its documented range ``[low, high]`` (or a
narrower range); the outcome at each sampled point is the regime reached, coded as one
0/1 *indicator per regime* (``concept="spe"``: the subgame-perfect regime of the
sequential game) or as the probability of each regime (``concept="bayes"``: uncertain
US resolve, :func:`sim.solvers.bayes.solve_bayes`; the probability is the expected indicator
over nature's draw of the US type). A categorical outcome has no variance to decompose,
but each indicator has: the Sobol indices of the "hedging" indicator say which
parameters decide whether the outcome is hedging.

* Sobol (variance-based): ``S1`` is the share of the indicator's variance explained by
  the parameter alone (its main effect), ``ST`` the share it is involved in, alone or
  through interactions with others; ``ST - S1`` measures interactions, ``ST ≈ 0`` means
  the parameter can be fixed anywhere in its range without changing how often the regime
  occurs or where. Both have bootstrap confidence intervals (``*_conf``: half-widths at
  ``conf_level``).
* Morris (elementary effects): an elementary effect is the change of the indicator
  over a one-at-a-time step of one parameter, divided by the step measured as a fraction
  of the parameter's range; ``mu_star`` is the mean absolute effect, ``mu`` the mean
  signed one, ``sigma`` their spread (nonlinearity or interactions); a cheap screening.

The result is one tidy table (one row per (regime, parameter); see :data:`COLUMNS`) and
a figure. Regimes that never (or always) occur in the sample have constant indicators:
their rows carry NaN indices and ``status`` says why. Run it with::

    python -m sim.analysis.sensitivity [--method sobol|morris] [--n N] [--concept spe|bayes]
                              [--params a,b,c] [--seed S] [--out DIR]

which writes ``DIR/sensitivity.parquet`` (same arguments ⇒ same bytes),
``DIR/sensitivity.png`` and ``.pdf`` and ``DIR/manifest.json``. The same analysis runs
as an experiment, ``python -m sim experiment=sobol_regime``: the run config's
``sensitivity`` block (:class:`SensitivityOptions`) replaces the grid sweep, and
:func:`sim.runs.run.run` writes a normal run directory with the same table and figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from sim.store import rundir
from sim.solvers.bayes import solve_bayes
from sim.store.manifest import build_manifest, sha256_file, write_json
from sim.engine.params import ConfigError, batch
from sim.engine.scenario import Scenario
from sim.config.sensitivity import (  # noqa: F401  (re-exported: sim.analysis.sensitivity.<name>)
    CONCEPTS, DEFAULT_LEVELS, DEFAULT_RESAMPLES, DEFAULT_SOBOL_N, DEFAULT_TRAJECTORIES, LOWER, METHODS,
    SensitivityOptions, check_int, check_options, problem)
from sim.solvers.spe import solve_spe
from sim.store.columns import slug
from sim.store.table import write_parquet

if TYPE_CHECKING:  # matplotlib is imported on use
    from matplotlib.figure import Figure

DEFAULT_CHUNK = 8192
CONF_LEVEL = 0.95
META_KEY = b"sim.analysis.sensitivity"
TABLE_NAME = rundir.SENSITIVITY_TABLE
FIGURE_NAME = rundir.SENSITIVITY_FIGURE
PROG = "sim.analysis.sensitivity"

#: Columns of the tidy table, in order (Sobol fills S1..ST_conf, Morris mu..sigma; the
#: other method's columns are NaN). ``share``: mean of the output over the sample (the
#: fraction of sampled points in the regime); ``status``: "ok", "never reached",
#: "always reached" or "constant" (the last three: NaN indices).
COLUMNS = ("method", "regime", "status", "share", "param", "unit", "low", "high",
           "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf", "sigma")
_FLOATS = ("share", "low", "high", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf", "sigma")

#: Bar colours (Paul Tol's colour-blind-safe "high-contrast" blue and yellow).
FIRST_COLOUR = "#004488"
TOTAL_COLOUR = "#DDAA33"


# ----------------------------------------------------------------------------- problem


def _salib(problem_: dict) -> dict:
    return {"num_vars": problem_["num_vars"], "names": list(problem_["names"]),
            "bounds": [list(b) for b in problem_["bounds"]]}


# ----------------------------------------------------------------------------- outputs


def regime_outputs(sc: Scenario, X: np.ndarray, names: Sequence[str], concept: str = "spe", base=None,
                   chunk_size: int = DEFAULT_CHUNK) -> np.ndarray:
    """The regime reached at each sampled point, one column per regime.

    Parameters
    ----------
    sc : Scenario
        The scenario (its vectorised solvers solve a whole chunk in one call).
    X : ndarray, shape (n, D)
        Sampled points; column ``j`` is the value of parameter ``names[j]``.
    names : sequence of str
        Dotted names of the ``D`` parameters; the others stay at ``base``.
    concept : {"spe", "bayes"}
        ``"spe"``: 0/1 indicator of the subgame-perfect regime; ``"bayes"``: probability
        of each regime under uncertain US resolve (the expected indicator).
    base : parameter dataclass, optional
        Values of the parameters not varied; default ``sc.params_cls()``.
    chunk_size : int
        Points solved per solver call (bounds memory; results do not depend on it).

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
    for s in range(0, len(X), chunk_size):
        e = min(s + chunk_size, len(X))
        pts = batch(base, {name: X[s:e, j] for j, name in enumerate(names)})
        if concept == "spe":
            codes = solve_spe(sc, pts)["spe_regime"].indices.to_numpy(zero_copy_only=False)
            out[s:e] = codes[:, None] == np.arange(n_reg)
        else:
            cols = solve_bayes(sc, pts)
            out[s:e] = np.column_stack([cols[f"bayes_prob_{slug(r)}"] for r in sc.regimes])
    return out


@dataclass(frozen=True)
class RegimeIndicators:
    """``evaluate(X)`` for :func:`sobol` / :func:`morris`: :func:`regime_outputs` bound to
    a scenario, parameter names and concept; ``outputs`` names its columns (the regimes)."""

    scenario: Scenario
    names: tuple[str, ...]
    concept: str = "spe"
    base: object = None
    chunk_size: int = DEFAULT_CHUNK

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(self.scenario.regimes)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return regime_outputs(self.scenario, X, self.names, self.concept, self.base, self.chunk_size)


# ----------------------------------------------------------------------------- analyses


def _evaluate(evaluate: Callable, X: np.ndarray, outputs: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    Y = np.asarray(evaluate(X), dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or len(Y) != len(X):
        raise ValueError(f"evaluate returned shape {Y.shape}; expected ({len(X)},) or ({len(X)}, k)")
    names = list(outputs if outputs is not None else getattr(evaluate, "outputs", None) or
                 [f"y{k}" for k in range(Y.shape[1])])
    if len(names) != Y.shape[1]:
        raise ValueError(f"{len(names)} output names for {Y.shape[1]} outputs")
    return Y, names


def _status(y: np.ndarray) -> str:
    if np.ptp(y) > 0:
        return "ok"
    if y[0] == 0:
        return "never reached"
    return "always reached" if y[0] == 1 else "constant"


def _rows(method: str, problem_: dict, regime: str, status: str, share: float, **cols) -> dict:
    d = problem_["num_vars"]
    nan = np.full(d, np.nan)
    units = problem_.get("units") or [""] * d
    rows = {"method": [method] * d, "regime": [regime] * d, "status": [status] * d, "share": [share] * d,
            "param": list(problem_["names"]), "unit": list(units),
            "low": [b[0] for b in problem_["bounds"]], "high": [b[1] for b in problem_["bounds"]]}
    for c in COLUMNS[8:]:
        rows[c] = np.asarray(np.ma.filled(cols[c], np.nan), dtype=float) if c in cols else nan
    return rows


def _table(parts: list[dict], meta: dict) -> pa.Table:
    cols = {c: [v for p in parts for v in p[c]] for c in COLUMNS}
    fields = [pa.field(c, pa.float64() if c in _FLOATS else pa.string()) for c in COLUMNS]
    table = pa.table({c: pa.array(cols[c], type=f.type) for c, f in zip(COLUMNS, fields)},
                     schema=pa.schema(fields))
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def _salib_version() -> str | None:
    try:
        return metadata.version("SALib")
    except metadata.PackageNotFoundError:
        return None


def sobol(problem: dict, evaluate: Callable[[np.ndarray], np.ndarray], n: int, seed: int,
          calc_second_order: bool = False, *, num_resamples: int = DEFAULT_RESAMPLES,
          conf_level: float = CONF_LEVEL, outputs: Sequence[str] | None = None) -> pa.Table:
    """Sobol indices of every output, from a scrambled Sobol' (Saltelli) design.

    Parameters
    ----------
    problem : dict
        From :func:`problem` (or any SALib problem dict; ``units`` is optional).
    evaluate : callable
        ``evaluate(X) -> Y`` with ``X`` of shape (n_eval, D) and ``Y`` of shape
        (n_eval,) or (n_eval, k), called once on the whole design (chunk inside it).
        Output names: ``outputs``, else ``evaluate.outputs``, else ``y0, y1, ...``.
    n : int
        Base sample size N, a power of two; ``N * (D + 2)`` evaluations
        (``N * (2D + 2)`` with ``calc_second_order``).
    seed : int
        Seeds the scrambling of the design and the bootstrap of each output.
    calc_second_order : bool
        Also estimate pairwise indices: extra columns ``param2``, ``S2``, ``S2_conf`` and
        one extra row per (output, pair of parameters).
    num_resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Confidence level of the intervals (``*_conf`` are half-widths).
    outputs : sequence of str, optional
        Names of the outputs (the ``regime`` column).

    Returns
    -------
    pyarrow.Table
        :data:`COLUMNS`, one row per (output, parameter) in output then problem order,
        ``method == "sobol"``; constant outputs have NaN indices and a ``status`` saying
        so. Schema metadata ``sim.analysis.sensitivity`` (JSON): method, n, seed, evaluations.

    Raises
    ------
    ConfigError
        If ``n`` is not a power of two >= 2 or ``num_resamples < 2``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    n = check_int("n", n, 2)
    if n & (n - 1):
        raise ConfigError(f"n={n} must be a power of two for a Sobol' design (e.g. {1 << n.bit_length()})")
    seed = check_int("seed", seed, 0)
    num_resamples = check_int("num_resamples", num_resamples, 2)
    sp = _salib(problem)
    X = sobol_sample.sample(sp, n, calc_second_order=calc_second_order, scramble=True, seed=seed)
    Y, names = _evaluate(evaluate, X, outputs)
    parts, pairs = [], []
    d = sp["num_vars"]
    for k, name in enumerate(names):
        y = np.ascontiguousarray(Y[:, k])
        status = _status(y)
        res = {}
        if status == "ok":
            res = sobol_analyze.analyze(sp, y, calc_second_order=calc_second_order, num_resamples=num_resamples,
                                        conf_level=conf_level, seed=np.random.default_rng([seed, k]))
        parts.append(_rows("sobol", problem, name, status, float(y.mean()),
                           **{c: res[c] for c in ("S1", "S1_conf", "ST", "ST_conf") if c in res}))
        if calc_second_order:
            for i in range(d):
                for j in range(i + 1, d):
                    s2 = res["S2"][i, j] if res else np.nan
                    s2c = res["S2_conf"][i, j] if res else np.nan
                    pairs.append((k, status, float(y.mean()), i, j, s2, s2c))
    meta = {"method": "sobol", "n": n, "seed": seed, "calc_second_order": bool(calc_second_order),
            "num_resamples": num_resamples, "conf_level": conf_level, "n_evaluations": len(X),
            "salib": _salib_version()}
    table = _table(parts, meta)
    if not calc_second_order:
        return table
    table = table.append_column("param2", pa.nulls(table.num_rows, pa.string()))
    table = table.append_column("S2", pa.array(np.full(table.num_rows, np.nan)))
    table = table.append_column("S2_conf", pa.array(np.full(table.num_rows, np.nan)))
    units = problem.get("units") or [""] * d
    extra = {c: [] for c in table.column_names}
    for k, status, share, i, j, s2, s2c in pairs:
        row = dict.fromkeys(table.column_names, np.nan)
        row.update(method="sobol", regime=names[k], status=status, share=share, param=sp["names"][i],
                   unit=units[i], low=sp["bounds"][i][0], high=sp["bounds"][i][1], param2=sp["names"][j],
                   S2=float(s2), S2_conf=float(s2c))
        for c in extra:
            extra[c].append(row[c])
    more = pa.table({c: pa.array(extra[c], type=table.schema.field(c).type) for c in table.column_names},
                    schema=table.schema)
    return pa.concat_tables([table, more]).combine_chunks()


def morris(problem: dict, evaluate: Callable[[np.ndarray], np.ndarray], n_trajectories: int,
           levels: int = DEFAULT_LEVELS, seed: int = 0, *, num_resamples: int = DEFAULT_RESAMPLES,
           conf_level: float = CONF_LEVEL, outputs: Sequence[str] | None = None) -> pa.Table:
    """Morris elementary-effects screening of every output.

    Parameters
    ----------
    problem : dict
        From :func:`problem` (or any SALib problem dict).
    evaluate : callable
        As for :func:`sobol`; called once on the ``n_trajectories * (D + 1)`` points.
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
    pyarrow.Table
        :data:`COLUMNS` with ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` filled (output
        change per unit of the parameter's range) and ``method == "morris"``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    n_trajectories = check_int("n_trajectories", n_trajectories, 2)
    levels = check_int("levels", levels, 2)
    if levels % 2:
        raise ConfigError(f"levels={levels} must be even")
    seed = check_int("seed", seed, 0)
    num_resamples = check_int("num_resamples", num_resamples, 2)
    sp = _salib(problem)
    X = morris_sample.sample(sp, n_trajectories, num_levels=levels, seed=seed)
    Y, names = _evaluate(evaluate, X, outputs)
    parts = []
    for k, name in enumerate(names):
        y = np.ascontiguousarray(Y[:, k])
        status = _status(y)
        res = {}
        if status == "ok":
            res = morris_analyze.analyze(sp, X, y, num_resamples=num_resamples, conf_level=conf_level,
                                         num_levels=levels, seed=np.random.default_rng([seed, k]))
        parts.append(_rows("morris", problem, name, status, float(y.mean()),
                           **{c: res[c] for c in ("mu", "mu_star", "mu_star_conf", "sigma") if c in res}))
    meta = {"method": "morris", "n": n_trajectories, "levels": levels, "seed": seed,
            "num_resamples": num_resamples, "conf_level": conf_level, "n_evaluations": len(X),
            "salib": _salib_version()}
    return _table(parts, meta)


# ----------------------------------------------------------------------------- one analysis


def analyse(sc: Scenario, opts: SensitivityOptions, base=None,
            chunk_size: int = DEFAULT_CHUNK) -> tuple[pa.Table, float]:
    """Run the analysis ``opts`` describes: (table, seconds spent).

    Parameters not varied stay at ``base`` (default ``sc.params_cls()``); ``chunk_size``
    bounds memory and never changes results. The table is :func:`sobol`'s or
    :func:`morris`'s, its ``sim.analysis.sensitivity`` metadata completed with the concept, the
    scenario and its regimes: what :func:`write_outputs` writes.
    """
    prob = problem(sc.params_cls, opts.params)
    t0 = time.perf_counter()
    evaluate = RegimeIndicators(sc, tuple(prob["names"]), opts.concept, base, chunk_size)
    if opts.method == "sobol":
        table = sobol(prob, evaluate, opts.size, opts.seed, opts.second_order, num_resamples=opts.resamples)
    else:
        table = morris(prob, evaluate, opts.size, opts.levels, opts.seed, num_resamples=opts.resamples)
    seconds = time.perf_counter() - t0
    meta = json.loads(table.schema.metadata[META_KEY])
    meta.update(concept=opts.concept, scenario=sc.name, regimes=list(sc.regimes))
    return table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()}), seconds


def write_outputs(table: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS,
                  top: int = 10) -> list[Path]:
    """Write ``out_dir/sensitivity.parquet`` (same table ⇒ same bytes) and the figure
    (:func:`figure` with ``top`` parameters a panel) in ``formats``; returns the figures."""
    write_parquet(table, Path(out_dir) / TABLE_NAME, table.schema.metadata)
    return save_figure(figure(table, top_k=top), out_dir, formats)


# ----------------------------------------------------------------------------- summary and figure


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


def _tex_safe(s: str) -> str:
    return s.replace("$", r"\$")


def figure(table: pa.Table, top_k: int = 10, max_panels: int = 6) -> Figure:
    """Bar charts of the indices: one panel per regime that occurs in the sample.

    Parameters
    ----------
    table : pyarrow.Table
        From :func:`sobol` or :func:`morris`.
    top_k : int
        Parameters shown per panel: the ``top_k`` largest by ST (Sobol) or μ* (Morris),
        largest on top, labelled ``"<label> (<unit>)"`` from the metadata of the
        scenario the table names (:func:`sim.figures.style.param_label`; the dotted name where
        it is unknown).
    max_panels : int
        At most this many panels (the regimes with the largest shares, in regime order).

    Returns
    -------
    Figure
        Sobol: horizontal bars of S1 and ST with confidence-interval error bars; Morris:
        bars of μ* (with its interval) and σ. Shared x axis; one legend below. Panels are
        lettered when there are several; with no regime to analyse, the figure says so.
    """
    import matplotlib

    from sim.figures.style import STYLE

    with matplotlib.rc_context(STYLE):
        return _figure(table, top_k, max_panels)


def _top(ok, regime: str, key: str, k: int):
    """The ``k`` rows of ``regime`` with the largest ``key`` (ties by parameter name)."""
    return ok[ok["regime"] == regime].sort_values([key, "param"], ascending=[False, True], kind="stable").head(k)


def _figure(table: pa.Table, top_k: int, max_panels: int) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.figures.style import COLUMN_WIDTH, PAGE_WIDTH, panel_title, param_label, say_in_panel
    from sim.engine.params import with_unit
    from sim.figures.textfit import legend_ncols, text_width, wrap_text

    df = table.to_pandas()
    if "param2" in df:
        df = df[df["param2"].isna()]
    method = df["method"].iloc[0]
    scenario = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}")).get("scenario")
    fields = (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST")) if method == "sobol" \
        else (("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)"), ("sigma", None, "σ (spread)"))
    key = fields[1][0] if method == "sobol" else fields[0][0]
    ok = df[df["status"] == "ok"]
    regimes = list(dict.fromkeys(ok["regime"]))
    shares = {r: float(ok.loc[ok["regime"] == r, "share"].iloc[0]) for r in regimes}
    if len(regimes) > max_panels:
        keep = set(sorted(regimes, key=lambda r: -shares[r])[:max_panels])
        regimes = [r for r in regimes if r in keep]
    skipped = [r for r in dict.fromkeys(df["regime"]) if r not in shares]
    n_panels = max(1, len(regimes))
    ncols = min(2, n_panels)  # a page wide (a column for one panel): two panels a row
    nrows = math.ceil(n_panels / ncols)
    k = max(1, min(top_k, int(df["param"].nunique())))
    width = PAGE_WIDTH if ncols > 1 else COLUMN_WIDTH
    handles = [Patch(facecolor=c, label=lab) for (_, _, lab), c in zip(fields, (FIRST_COLOUR, TOTAL_COLOUR))]
    handles.append(Line2D([], [], color="black", linewidth=0.8, marker="|", markersize=6,
                          label=f"{CONF_LEVEL:.0%} bootstrap interval"))
    leg_cols = legend_ncols([h.get_label() for h in handles], width - 0.2)
    title = "Sobol indices" if method == "sobol" else "Morris screening"
    title += " of the regime indicators (in parentheses: share of the sample in the regime)"
    if skipped:
        title += "; constant in the sample, not analysed: " + ", ".join(skipped)
    title = wrap_text(title, width - 0.2, "figure.titlesize")
    # parameters by label and unit in at most two lines: at most 1.8 in of a panel (the bars keep the rest)
    label_room = min(1.8, 0.55 * width / ncols)
    labels = {r: [_tex_safe(wrap_text(with_unit(param_label(scenario, prm), u), label_room, "ytick.labelsize"))
                  for prm, u in zip(sub["param"], sub["unit"])]
              for r, sub in ((r, _top(ok, r, key, k)) for r in regimes)}
    lines = max((lab.count("\n") + 1 for labs in labels.values() for lab in labs), default=1)
    row_h = 0.19 + 0.05 * (lines - 1)  # a bar pair per parameter, as high as its label (set solid below)
    height = (nrows * (row_h * k + 0.85) + 0.25 * (title.count("\n") + 1)
              + 0.2 * math.ceil(len(handles) / leg_cols) + 0.3)
    # an x label no wider than the bars' axes (the layout does not make room for a wider one)
    label_w = max((text_width(lab, "ytick.labelsize") for labs in labels.values() for lab in labs), default=0.0)
    xlabel = wrap_text("Sobol index (variance share)" if method == "sobol" else "elementary effect (per range)",
                       max(width / ncols - label_w - 0.35, 0.5), "axes.labelsize")
    fig = Figure(figsize=(width, height), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    colours = (FIRST_COLOUR, TOTAL_COLOUR)
    lo_all, hi_all = 0.0, 0.0
    for p, ax in enumerate(axs.flat):
        if p >= len(regimes):
            ax.set_visible(False)
            continue
        r = regimes[p]
        sub = _top(ok, r, key, k)
        y = np.arange(len(sub))
        h = 0.38
        for f, ((col, conf, _), colour, dy) in enumerate(zip(fields, colours, (-h / 2, h / 2))):
            vals = sub[col].to_numpy(float)
            err = sub[conf].to_numpy(float) if conf else None
            ax.barh(y + dy, vals, height=h, color=colour, xerr=err, zorder=2,
                    error_kw=dict(ecolor="black", elinewidth=0.8, capsize=1.8))
            lo_all = min(lo_all, float(np.nanmin(vals - (err if err is not None else 0))))
            hi_all = max(hi_all, float(np.nanmax(vals + (err if err is not None else 0))))
        ax.set_yticks(y, labels[r], linespacing=1.0)
        ax.set_ylim(len(sub) - 0.5, -0.5)
        ax.axvline(0, color="black", linewidth=0.6, zorder=3)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6, zorder=0)
        # right-aligned: a title wider than the bars runs over its own labels, not the next panel
        ax.set_title(_tex_safe(panel_title(p, len(regimes), f"{r} ({shares[r]:.0%})")), loc="right")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if not np.any(np.nan_to_num(sub[[c for c, _, _ in fields]].to_numpy(float))):  # no bar to see
            say_in_panel(ax, "every index is 0 in this sample")
    for p in range(max(0, len(regimes) - ncols), len(regimes)):  # the lowest panel of each column
        ax = axs.flat[p]
        ax.set_xlabel(xlabel)
        ax.tick_params(labelbottom=True)
    span = hi_all - lo_all or 1.0
    axs.flat[0].set_xlim(lo_all - 0.03 * span, hi_all + 0.05 * span)
    if not regimes:  # nothing to draw: say so where the panels would be
        fig.text(0.5, 0.5, wrap_text("No regime's indicator varies in the sample: no indices to show", width - 0.4),
                 ha="center", va="center", gid="panel_note")
    fig.suptitle(_tex_safe(title))
    fig.legend(handles=handles, loc="outside lower center", ncols=leg_cols, frameon=False)
    return fig


def save_figure(fig: Figure, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Save ``fig`` as ``out_dir/sensitivity.<fmt>``, atomically and without timestamps."""
    from sim.figures.style import save

    paths = []
    for fmt in dict.fromkeys(formats):
        path = Path(out_dir) / rundir.figure_name(FIGURE_NAME, fmt)
        save(fig, path, fmt)
        paths.append(path)
    return paths


# ----------------------------------------------------------------------------- CLI


class _UsageError(Exception):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D102 (argparse API)
        raise _UsageError(message)


def _arg_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Sobol or Morris sensitivity of the regime (one indicator per regime) "
                "to the scenario's parameters over their documented ranges.")
    p.add_argument("--method", choices=METHODS, default="sobol", help="analysis (default: sobol)")
    p.add_argument("--n", type=int, default=None,
                   help=f"Sobol base sample size, a power of two (default {DEFAULT_SOBOL_N}; N*(D+2) "
                        f"evaluations), or Morris trajectories (default {DEFAULT_TRAJECTORIES})")
    p.add_argument("--levels", type=int, default=DEFAULT_LEVELS, help="Morris grid levels (even; default 4)")
    p.add_argument("--concept", choices=CONCEPTS, default="spe",
                   help="spe: SPE regime indicator (default); bayes: regime probability under uncertain resolve")
    p.add_argument("--params", default=None,
                   help="comma-separated dotted parameter names to vary (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the design and bootstrap (default 0)")
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                   help=f"bootstrap resamples for the intervals (default {DEFAULT_RESAMPLES})")
    p.add_argument("--second-order", action="store_true", help="Sobol: also pairwise indices (N*(2D+2) runs)")
    p.add_argument("--top", type=int, default=10, help="parameters shown per panel (default 10)")
    p.add_argument("--scenario", default="iraq2020", help="scenario name (default iraq2020)")
    p.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, help="points per solver call")
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (must not exist; default results/sensitivity/<method>-<timestamp>)")
    return p


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _config(args: argparse.Namespace, names: list[str], n: int) -> dict:
    return {"method": args.method, "n": n, "levels": args.levels if args.method == "morris" else None,
            "concept": args.concept, "params": names, "seed": args.seed, "resamples": args.resamples,
            "second_order": bool(args.second_order), "top": args.top, "scenario": args.scenario,
            "chunk_size": args.chunk_size}


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _options(args: argparse.Namespace) -> SensitivityOptions:
    """The parsed arguments as validated :class:`SensitivityOptions`."""
    names = None if args.params is None else tuple(s.strip() for s in args.params.split(",") if s.strip())
    return check_options(SensitivityOptions(
        method=args.method, n=args.n, concept=args.concept, params=names, seed=args.seed,
        resamples=args.resamples, levels=args.levels, second_order=bool(args.second_order), top=args.top), _flag)


def _validate(args: argparse.Namespace) -> None:
    if args.chunk_size < 1:
        raise ConfigError(f"--chunk-size={args.chunk_size} must be >= 1")
    if args.out is not None and args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise ConfigError(f"--out {args.out} already exists; choose a new directory")


def run(args: argparse.Namespace) -> tuple[Path, pa.Table, float]:
    """Run the analysis the parsed arguments describe; (output dir, table, seconds)."""
    from sim.scenarios import get_scenario

    opts = _options(args)
    _validate(args)
    sc = get_scenario(args.scenario)
    prob = problem(sc.params_cls, opts.params)
    config = _config(args, prob["names"], opts.size)
    out = args.out or Path("results") / "sensitivity" / f"{args.method}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out = Path(out)
    rundir.make_dirs(out.parent)
    started = _now()
    table, seconds = analyse(sc, opts, chunk_size=args.chunk_size)
    meta = json.loads(table.schema.metadata[META_KEY])
    rundir.remove_stale_partials(out.parent, out.name)
    with rundir.assembling(out.parent, out.name) as tmp:
        write_outputs(table, tmp, top=args.top)
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        manifest = build_manifest(
            run_id=out.name, name="sensitivity", config=config,
            config_hash=hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest(),
            seed=args.seed, started=started, finished=_now(), files=files, n_points=int(meta["n_evaluations"]))
        manifest["packages"]["SALib"] = _salib_version()
        manifest["seconds"] = round(seconds, 1)
        write_json(tmp / rundir.MANIFEST, manifest)
        rundir.publish(tmp, out)  # refused unless out is absent or an empty directory
    return out, table, seconds


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.analysis.sensitivity``: run a sensitivity analysis and write its directory.

    Returns
    -------
    int
        0 on success (prints a per-regime summary and the output directory); 2 after one
        ``sim.analysis.sensitivity: error: ...`` line on stderr for bad arguments or unwritable
        output.
    """
    import matplotlib

    matplotlib.use("Agg")
    try:
        args = _arg_parser().parse_args(argv)
        out, table, seconds = run(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except (_UsageError, ConfigError, ValueError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    meta = json.loads(table.schema.metadata[META_KEY])
    print(f"{meta['method']} over {len(set(table.column('param').to_pylist()))} parameters, "
          f"{meta['n_evaluations']} evaluations ({args.concept}), {seconds:.1f} s")
    print(summary(table))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
