"""The baseline as a distribution: the prior-predictive regime share and its robustness.

``sensitivity.method=prior`` (``python -m sim experiment=prior_predictive``) asks two
questions of the calibrated scenario, through the sensitivity run path
(:func:`sim.runs.run.run_sensitivity`, the same run-directory files):

1. **How likely is each regime, a priori?** Every varied parameter is drawn
   independently and uniformly over its documented range (plain Monte Carlo, a
   ``numpy`` Generator seeded by ``sensitivity.seed``; no power-of-two rule), the others
   stay at their ``game`` values, and the concept is solved at every draw in vectorised
   chunks (:func:`sim.analysis.sensitivity.regime_outputs`). P(regime) is the mean of the
   outcome: for ``spe`` a 0/1 indicator, with a 95 % **Wilson score interval**; for
   ``bayes`` a probability, with a 95 % **normal interval of the mean**
   (mean ± z·s/√n, clipped to [0, 1]). Rows with ``kind == "share"``.
2. **How far is the calibrated point from another regime?** For each varied parameter,
   a grid of :data:`ROBUSTNESS_POINTS` values over its documented range, the others at
   their ``game`` values, solved in one batch under the **SPE** whatever ``concept`` is;
   the smallest relative change down and up, ``(v − v₀)/|v₀|``, at which the SPE regime
   differs from the calibrated point's, and the regime it changes to (NaN: no value of
   the range changes it; a parameter calibrated at 0 has no relative change, its
   ``changed_value`` is still given). Resolution: one grid step, range/2000. Rows with
   ``kind == "robustness"``.

The table (:data:`COLUMNS`) carries the sensitivity table's schema-metadata key
(:data:`sim.figures.sensitivity.META_KEY`), ``method == "prior"``; the figure is
:mod:`sim.figures.prior`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pyarrow as pa

from sim.analysis.sensitivity import DEFAULT_CHUNK, outcome_columns, regime_outputs
from sim.config.sensitivity import ROBUSTNESS_POINTS, SensitivityOptions, problem
from sim.engine.params import get_value, iter_params
from sim.engine.scenario import Scenario
from sim.figures.sensitivity import META_KEY
from sim.store import rundir
from sim.store.table import write_parquet

CONF_LEVEL = 0.95
Z = NormalDist().inv_cdf(0.5 + CONF_LEVEL / 2)  #: 1.95996...: the normal quantile of a 95 % interval

#: Columns of the table, in order. Share rows: ``regime``, ``status``, ``share`` (P(regime)),
#: ``ci_low``/``ci_high`` (its 95 % interval), ``n``. Robustness rows: ``regime`` (the
#: calibrated point's SPE regime), ``status`` ("changes" or "holds in range"),
#: ``param``/``unit``/``low``/``high`` (its documented range), ``value`` (calibrated),
#: ``direction`` ("down"/"up"), ``change`` (relative, a fraction; NaN: none in range, or
#: ``value == 0``), ``changed_value`` (the nearest grid value with another regime) and
#: ``to_regime`` (that regime). The other kind's columns are null/NaN.
COLUMNS = ("kind", "method", "regime", "status", "share", "ci_low", "ci_high", "n", "param", "unit", "low",
           "high", "value", "direction", "change", "changed_value", "to_regime")
_FLOATS = ("share", "ci_low", "ci_high", "low", "high", "value", "change", "changed_value")


# ----------------------------------------------------------------------------- draws and intervals


def draw(bounds: Sequence[Sequence[float]], n: int, seed: int) -> np.ndarray:
    """``n`` independent uniform draws over ``bounds``: shape (n, D), column ``j`` in
    ``[bounds[j][0], bounds[j][1])`` (the parameter's unit), ``default_rng(seed)``."""
    b = np.asarray(bounds, dtype=float).reshape(-1, 2)
    return b[:, 0] + (b[:, 1] - b[:, 0]) * np.random.default_rng(seed).random((n, len(b)))


def wilson(k: float, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n`` (``k`` successes of ``n``):
    centre ``(p + z²/2n) / (1 + z²/n)``, half-width ``z √(p(1−p)/n + z²/4n²) / (1 + z²/n)``."""
    p, zz = k / n, z * z
    denom = 1 + zz / n
    centre = (p + zz / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + zz / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def normal_interval(y: np.ndarray, z: float = Z) -> tuple[float, float]:
    """Normal interval of the mean of ``y`` (shape (n,)): mean ± z·s/√n, clipped to [0, 1]."""
    m, half = float(y.mean()), z * float(y.std(ddof=1)) / np.sqrt(len(y)) if len(y) > 1 else 0.0
    return max(0.0, m - half), min(1.0, m + half)


def _status(y: np.ndarray) -> str:
    return "never reached" if not y.any() else "always reached" if (y == 1).all() else "ok"


def share_rows(Y: np.ndarray, regimes: Sequence[str], concept: str) -> list[dict]:
    """A ``kind == "share"`` row per regime from the outcomes ``Y`` (shape (n, len(regimes)):
    indicators for ``spe``, Wilson intervals; probabilities for ``bayes``, normal intervals)."""
    rows = []
    for k, regime in enumerate(regimes):
        y = Y[:, k]
        lo, hi = wilson(float(y.sum()), len(y)) if concept == "spe" else normal_interval(y)
        rows.append({"kind": "share", "regime": regime, "status": _status(y), "share": float(y.mean()),
                     "ci_low": lo, "ci_high": hi, "n": len(y)})
    return rows


# ----------------------------------------------------------------------------- robustness


def robustness_design(bounds: Sequence[Sequence[float]], values: np.ndarray,
                      points: int = ROBUSTNESS_POINTS) -> np.ndarray:
    """The one-at-a-time grids: shape (D·points, D); block ``j`` (rows ``j·points`` ...)
    moves column ``j`` over ``linspace(low_j, high_j, points)``, the other columns stay at
    ``values`` (shape (D,), the calibrated values)."""
    d = len(values)
    X = np.tile(np.asarray(values, dtype=float), (d * points, 1))
    for j, (lo, hi) in enumerate(bounds):
        X[j * points:(j + 1) * points, j] = np.linspace(lo, hi, points)
    return X


def first_change(grid: np.ndarray, codes: np.ndarray, v0: float, r0: int, direction: str) -> tuple[float, int]:
    """The grid value nearest ``v0`` on side ``direction`` ("down": below, "up": above)
    whose regime code (``codes``, shape like ``grid``) is not ``r0``, and that code;
    ``(nan, -1)`` if there is none."""
    side = (grid < v0) if direction == "down" else (grid > v0)
    hit = np.flatnonzero(side & (codes != r0))
    if not hit.size:
        return float("nan"), -1
    i = hit[-1] if direction == "down" else hit[0]  # grid is increasing
    return float(grid[i]), int(codes[i])


def robustness_rows(prob: dict, values: np.ndarray, codes: np.ndarray, r0: int, regimes: Sequence[str],
                    points: int = ROBUSTNESS_POINTS) -> list[dict]:
    """Two ``kind == "robustness"`` rows (down, up) per parameter of ``prob``, from the SPE
    regime ``codes`` (shape (D·points,)) of :func:`robustness_design`; ``r0``: the
    calibrated point's code, ``values``: its parameter values (shape (D,))."""
    rows = []
    for j, name in enumerate(prob["names"]):
        lo, hi = prob["bounds"][j]
        grid, v0 = np.linspace(lo, hi, points), float(values[j])
        for direction in ("down", "up"):
            v, code = first_change(grid, codes[j * points:(j + 1) * points], v0, r0, direction)
            rows.append({"kind": "robustness", "regime": regimes[r0], "param": name, "unit": prob["units"][j],
                         "low": lo, "high": hi, "value": v0, "direction": direction,
                         "status": "holds in range" if code < 0 else "changes",
                         "change": (v - v0) / abs(v0) if v0 != 0 else float("nan"), "changed_value": v,
                         "to_regime": regimes[code] if code >= 0 else None})
    return rows


# ----------------------------------------------------------------------------- the table


def table(rows: list[dict], meta: dict) -> pa.Table:
    """The rows as a table of :data:`COLUMNS` (missing values null/NaN), ``method ==
    "prior"``, ``meta`` as JSON under :data:`META_KEY`."""
    def typ(c):
        return pa.float64() if c in _FLOATS else pa.int64() if c == "n" else pa.string()

    schema = pa.schema([pa.field(c, typ(c)) for c in COLUMNS])
    cols = {c: [r.get(c, np.nan if c in _FLOATS else "prior" if c == "method" else None) for r in rows]
            for c in COLUMNS}
    out = pa.table({c: pa.array(cols[c], type=schema.field(c).type) for c in COLUMNS}, schema=schema)
    return out.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


@dataclass(frozen=True)
class PriorAnalysis:
    """One prior analysis done: ``table`` (:data:`COLUMNS`); ``X`` the draws (shape (n, D),
    the parameters' units), ``Y`` their outcomes (shape (n, len(regimes))), named
    ``names`` and ``columns``; ``base``: ``{dotted name: value}`` of the parameters not varied."""

    table: pa.Table
    X: np.ndarray
    Y: np.ndarray
    names: tuple[str, ...]
    columns: tuple[str, ...]
    base: dict[str, float]

    def sample(self) -> pa.Table:
        """The draws as ``sample.parquet`` holds them: a float64 column per parameter, then
        one per outcome; metadata as :meth:`sim.analysis.sensitivity.Analysis.sample`."""
        meta = {**json.loads(self.table.schema.metadata[META_KEY]), "params": list(self.names),
                "outcomes": list(self.columns), "outputs": json.loads(self.table.schema.metadata[META_KEY])["regimes"],
                "base": self.base}
        arrays = [np.ascontiguousarray(a) for a in (*self.X.T, *self.Y.T)]
        return pa.table(dict(zip(self.names + self.columns, arrays))).replace_schema_metadata(
            {META_KEY: json.dumps(meta, sort_keys=True).encode()})


def evaluate_and_analyse(sc: Scenario, opts: SensitivityOptions, base=None, chunk_size: int = DEFAULT_CHUNK,
                         progress: bool | None = None) -> tuple[PriorAnalysis, float]:
    """Run ``opts`` (``method == "prior"``) on ``sc``: (analysis, seconds). The draws are
    solved under ``opts.concept``; the robustness grids and the calibrated point (``base``,
    default ``sc.params_cls()``) under the SPE: ``opts.size + ROBUSTNESS_POINTS·D + 1`` games."""
    prob = problem(sc.params_cls, opts.params)
    base = sc.params_cls() if base is None else base
    names = tuple(prob["names"])
    t0 = time.perf_counter()
    X = draw(prob["bounds"], opts.size, opts.seed)
    Y = regime_outputs(sc, X, names, opts.concept, base, chunk_size, progress)
    values = np.array([float(get_value(base, n)) for n in names])
    design = np.vstack([values[None, :], robustness_design(prob["bounds"], values)])
    codes = regime_outputs(sc, design, names, "spe", base, chunk_size, progress).argmax(axis=1)
    rows = share_rows(Y, sc.regimes, opts.concept) + robustness_rows(prob, values, codes[1:], int(codes[0]), sc.regimes)
    meta = {"method": "prior", "n": opts.size, "seed": opts.seed, "concept": opts.concept, "scenario": sc.name,
            "regimes": list(sc.regimes), "conf_level": CONF_LEVEL, "n_evaluations": len(X) + len(design),
            "interval": "wilson" if opts.concept == "spe" else "normal", "robustness_points": ROBUSTNESS_POINTS,
            "robustness_concept": "spe", "calibrated_regime": sc.regimes[int(codes[0])]}
    fixed = {i.name: float(get_value(base, i.name)) for i in iter_params(sc.params_cls) if i.name not in names}
    done = PriorAnalysis(table(rows, meta), X, Y, names, tuple(outcome_columns(opts.concept, sc.regimes)), fixed)
    return done, time.perf_counter() - t0


def write_outputs(table_: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS,
                  top: int = 10, sample: pa.Table | None = None) -> list[Path]:
    """As :func:`sim.analysis.sensitivity.write_outputs`, with :mod:`sim.figures.prior`'s
    figure: the table (``top`` in its metadata), ``sample`` if given, the figure in ``formats``."""
    from sim.figures.prior import figure
    from sim.figures.sensitivity import save_figure

    meta = {**json.loads(table_.schema.metadata[META_KEY]), "top": top}
    table_ = table_.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})
    write_parquet(table_, Path(out_dir) / rundir.SENSITIVITY_TABLE, table_.schema.metadata)
    if sample is not None:
        write_parquet(sample, Path(out_dir) / rundir.SAMPLE, sample.schema.metadata)
    return save_figure(figure(table_, top_k=top), out_dir, formats)
