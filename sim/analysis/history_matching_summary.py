"""The tables of a calibration by history matching (:mod:`sim.analysis.history_matching`).

``posterior.parquet``: a row per accepted draw, in draw order: ``draw`` (its number),
one float64 column per drawn parameter (dotted names; the US's adjustment cost is
``dynamic.adjust_cost``), ``distance`` (cells missed in the fit quarters), ``spe_regime``
(the subgame-perfect regime of the one-shot game at the draw's parameters) and, per
predicted quarter q and actor a, ``<q>_<a>`` (``2021Q1_us``): the action on the draw's path.

``history_matching.parquet``: rows of four kinds (:data:`COLUMNS`; a kind's other columns
are null):

* ``parameter``: per drawn parameter, its prior (uniform: ``prior_low``, ``prior_high``,
  mean, sd) and its posterior: mean, sd, the 90 % highest-density interval (ArviZ's
  ``summary``), quantiles 5/50/95 %, ``sd_ratio`` (posterior sd / prior sd), and the
  Kolmogorov-Smirnov statistic ``ks`` of the accepted draws against the prior with its
  p-value. **Rule:** the record informs a parameter (``informed``) when ``ks >= 0.1`` (the
  posterior CDF is 10 points from the prior's somewhere) and ``ks_pvalue < 0.01 / D``
  (Bonferroni over the D parameters): neither noise nor negligible.
* ``tolerance``: per tolerance 0..cells, draws at that distance (``n_at``) and at most it
  (``n_pass``, ``share_pass``).
* ``regime``: P(SPE regime of the one-shot game) under the posterior (the accepted
  draws; 95 % Wilson interval) and the prior (the first min(n, 100,000) draws).
* ``prediction``: per quarter (``split``: fit or test) and actor (or ``all``), the share of
  draws whose action is in the record's set (``observed``), under the prior (every draw)
  and the posterior (the accepted ones; Wilson interval). The test quarters are the
  out-of-sample predictions.

The metadata (:data:`~sim.config.history_matching.META_KEY`, JSON) holds n, the accepted
count, the acceptance rate and the effective sample size (rejection ABC: every weight is 1,
so the ESS is the accepted count), the tolerance and the rule.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
from scipy import stats

from sim.analysis.history_matching import ABC, draw, match_counts, matches, run_abc
from sim.analysis.prior import wilson
from sim.analysis.sensitivity import DEFAULT_CHUNK, regime_outputs
from sim.config.history_matching import (ADJUST_COST, META_KEY, POSTERIOR, TABLE, HistoryMatchingOptions)
from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario
from sim.history.record import ACTION_COLUMNS
from sim.store import rundir
from sim.store.columns import labels
from sim.store.table import write_parquet

HDI_PROB = 0.9  #: the highest-density interval reported
KS_MIN = 0.1  #: the rule's smallest KS statistic of an informed parameter
ALPHA = 0.01  #: the rule's family-wise level (Bonferroni over the parameters)
PRIOR_REGIME_DRAWS = 100_000  #: the first draws whose SPE regime gives the prior's regime shares
ESS_NOTE = "rejection ABC: every accepted draw has weight 1, so the effective sample size is the accepted count"
_COLUMN_ACTOR = {a: c for c, a in ACTION_COLUMNS.items()}

#: Columns of history_matching.parquet, with their types (module docstring).
COLUMNS = {
    "kind": pa.string(), "param": pa.string(), "label": pa.string(), "unit": pa.string(),
    "prior_low": pa.float64(), "prior_high": pa.float64(), "prior_mean": pa.float64(), "prior_sd": pa.float64(),
    "mean": pa.float64(), "sd": pa.float64(), "hdi_low": pa.float64(), "hdi_high": pa.float64(),
    "q05": pa.float64(), "q50": pa.float64(), "q95": pa.float64(), "sd_ratio": pa.float64(), "ks": pa.float64(),
    "ks_pvalue": pa.float64(), "informed": pa.bool_(), "tolerance": pa.int64(), "n_at": pa.int64(),
    "n_pass": pa.int64(), "share_pass": pa.float64(), "regime": pa.string(), "quarter": pa.string(),
    "split": pa.string(), "actor": pa.string(), "observed": pa.string(), "p_prior": pa.float64(),
    "p_posterior": pa.float64(), "ci_low": pa.float64(), "ci_high": pa.float64(),
}


def _arviz():
    """ArviZ (imported on use, its import-time notice silenced); ConfigError if it is missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import arviz
    except ImportError:
        raise ConfigError("history matching summarises the posterior with ArviZ: pip install -e '.[analysis]'") \
            from None
    return arviz


def posterior_stats(names: Sequence[str], X: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, sd (ddof 1) and the :data:`HDI_PROB` highest-density interval of each row of
    ``X`` (D, a), by ArviZ's ``summary`` (one chain of a draws): ``{"mean", "sd",
    "hdi_low", "hdi_high"}``, each (D,)."""
    az = _arviz()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sd of a single draw: NaN, said by the table
        table = az.summary({n: X[j][None, :] for j, n in enumerate(names)}, kind="stats", hdi_prob=HDI_PROB,
                           round_to="none")
    cols = list(table.columns)
    return {"mean": table["mean"].to_numpy(float), "sd": table["sd"].to_numpy(float),
            "hdi_low": table[cols[2]].to_numpy(float), "hdi_high": table[cols[3]].to_numpy(float)}


def parameter_rows(abc: ABC) -> list[dict]:
    """A ``parameter`` row per drawn parameter (module docstring), with the informed rule."""
    names = [p.name for p in abc.priors]
    post = posterior_stats(names, abc.X)
    qs = np.quantile(abc.X, [0.05, 0.5, 0.95], axis=1)  # (3, D)
    level = ALPHA / len(names)
    rows = []
    for j, p in enumerate(abc.priors):
        prior = stats.uniform(loc=p.low, scale=p.high - p.low)
        ks = stats.kstest(abc.X[j], prior.cdf)
        sd0 = float(prior.std())
        rows.append({"kind": "parameter", "param": p.name, "label": p.label, "unit": p.unit, "prior_low": p.low,
                     "prior_high": p.high, "prior_mean": float(prior.mean()), "prior_sd": sd0,
                     **{k: float(v[j]) for k, v in post.items()}, "q05": float(qs[0, j]), "q50": float(qs[1, j]),
                     "q95": float(qs[2, j]), "sd_ratio": float(post["sd"][j]) / sd0, "ks": float(ks.statistic),
                     "ks_pvalue": float(ks.pvalue),
                     "informed": bool(ks.statistic >= KS_MIN and ks.pvalue < level)})
    return rows


def tolerance_rows(abc: ABC) -> list[dict]:
    """A ``tolerance`` row per tolerance 0..cells: draws at it and at most it."""
    passing = np.cumsum(abc.hist)
    return [{"kind": "tolerance", "tolerance": t, "n_at": int(abc.hist[t]), "n_pass": int(passing[t]),
             "share_pass": float(passing[t]) / abc.n} for t in range(len(abc.hist))]


def spe_codes(sc: Scenario, abc: ABC, X: np.ndarray, chunk_size: int = DEFAULT_CHUNK) -> np.ndarray:
    """The SPE regime (index into ``sc.regimes``) of the one-shot game at each draw of
    ``X`` (D, m) (the US's adjustment cost, a dynamic-game parameter, is left out): (m,)."""
    keep = [j for j, p in enumerate(abc.priors) if p.name != ADJUST_COST]
    names = [abc.priors[j].name for j in keep]
    return regime_outputs(sc, X[keep].T, names, "spe", None, chunk_size, False).argmax(axis=1)


def interval(hits: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson interval of ``hits`` of ``n``, its ends exactly 0 and 1 where ``hits``
    is none or all (the formula leaves ~1e-19 there)."""
    lo, hi = wilson(hits, n)
    return (0.0 if hits == 0 else lo), (1.0 if hits == n else hi)


def regime_rows(sc: Scenario, abc: ABC, post_codes: np.ndarray, prior_codes: np.ndarray) -> list[dict]:
    """A ``regime`` row per regime: P under the prior and the posterior (Wilson 95 % interval)."""
    rows = []
    for k, regime in enumerate(sc.regimes):
        hits = int((post_codes == k).sum())
        lo, hi = interval(hits, post_codes.size)
        rows.append({"kind": "regime", "regime": regime, "p_prior": float((prior_codes == k).mean()),
                     "p_posterior": hits / post_codes.size, "ci_low": lo, "ci_high": hi})
    return rows


def prediction_rows(abc: ABC) -> list[dict]:
    """A ``prediction`` row per quarter and actor (and ``all``): P(action in the record's
    set) under the prior and the posterior (Wilson 95 % interval)."""
    tg = abc.target
    post = match_counts(matches(tg, abc.acts))  # (T, N + 1)
    rows = []
    for t, quarter in enumerate(tg.quarters):
        for j, actor in enumerate((*tg.actors, "all")):
            lo, hi = interval(int(post[t, j]), abc.accepted)
            rows.append({"kind": "prediction", "quarter": quarter, "split": "fit" if t < tg.n_fit else "test",
                         "actor": actor, "observed": tg.cells[j][t] if j < len(tg.actors) else None,
                         "p_prior": float(abc.prior_match[t, j]) / abc.n,
                         "p_posterior": float(post[t, j]) / abc.accepted, "ci_low": lo, "ci_high": hi})
    return rows


def meta(sc: Scenario, abc: ABC, opts: HistoryMatchingOptions, prior_draws: int) -> dict:
    """The summaries' metadata: sizes, acceptance, ESS, the rule, the quarters."""
    tg = abc.target
    return {"scenario": sc.name, "n": abc.n, "accepted": abc.accepted, "acceptance": abc.accepted / abc.n,
            "ess": abc.accepted, "ess_note": ESS_NOTE, "tolerance": abc.tolerance, "cells": tg.n_cells,
            "seed": opts.seed, "discount": opts.discount, "split": opts.split, "quarters": list(tg.quarters),
            "fit_quarters": list(tg.quarters[: tg.n_fit]), "test_quarters": list(tg.quarters[tg.n_fit:]),
            "actors": list(tg.actors), "regimes": list(sc.regimes), "prior_regime_draws": prior_draws,
            "hdi_prob": HDI_PROB, "ks_min": KS_MIN, "alpha": ALPHA,
            "informed_rule": f"ks >= {KS_MIN} and ks_pvalue < {ALPHA} / {len(abc.priors)} (Bonferroni)",
            "history": opts.history or "data/history_iraq_2020_2022.csv"}


def summary_table(rows: list[dict], info: dict) -> pa.Table:
    """The rows as a table of :data:`COLUMNS` (missing values null), ``info`` as JSON metadata."""
    arrays = {c: pa.array([r.get(c) for r in rows], type=t) for c, t in COLUMNS.items()}
    return pa.table(arrays).replace_schema_metadata({META_KEY: json.dumps(info, sort_keys=True).encode()})


def posterior_table(sc: Scenario, abc: ABC, codes: np.ndarray, info: dict) -> pa.Table:
    """The accepted draws (module docstring), ``info`` as JSON metadata."""
    tg = abc.target
    cols = {"draw": pa.array(abc.index, pa.int64())}
    cols.update({p.name: pa.array(abc.X[j], pa.float64()) for j, p in enumerate(abc.priors)})
    cols["distance"] = pa.array(abc.distance.astype(np.int64), pa.int64())
    cols["spe_regime"] = labels(codes, sc.regimes)
    for t in range(tg.n_fit, len(tg.quarters)):
        for j, actor in enumerate(sc.actors):
            cols[f"{tg.quarters[t]}_{_COLUMN_ACTOR[actor.name]}"] = labels(abc.acts[t, j], actor.actions)
    return pa.table(cols).replace_schema_metadata({META_KEY: json.dumps(info, sort_keys=True).encode()})


def run_tables(sc: Scenario, opts: HistoryMatchingOptions, chunk_size: int = DEFAULT_CHUNK,
               progress: bool | None = None) -> tuple[pa.Table, pa.Table]:
    """History matching of ``opts`` on ``sc``: (``posterior.parquet``, ``history_matching.parquet``)
    as tables; ConfigError before anything is written if the tolerance accepts no draw."""
    abc = run_abc(sc, opts, progress)
    prior_draws = min(abc.n, PRIOR_REGIME_DRAWS)
    post_codes = spe_codes(sc, abc, abc.X, chunk_size)
    prior_codes = spe_codes(sc, abc, draw(abc.priors, opts.seed, 0, prior_draws), chunk_size)
    info = meta(sc, abc, opts, prior_draws)
    rows = parameter_rows(abc) + tolerance_rows(abc) + regime_rows(sc, abc, post_codes, prior_codes) \
        + prediction_rows(abc)
    return posterior_table(sc, abc, post_codes, info), summary_table(rows, info)


def write_outputs(posterior: pa.Table, summary: pa.Table, out_dir: Path,
                  formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Write both tables into ``out_dir`` and draw their figures (:mod:`sim.figures.posterior`)
    in ``formats``; returns the figures' paths."""
    from sim.figures.posterior import draw

    write_parquet(posterior, Path(out_dir) / POSTERIOR, posterior.schema.metadata)
    write_parquet(summary, Path(out_dir) / TABLE, summary.schema.metadata)
    return draw(Path(out_dir), formats)
