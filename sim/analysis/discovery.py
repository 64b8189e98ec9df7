"""Scenario discovery: which ranges of the parameters produce a regime (PRIM boxes, CART).

The question (Bryant & Lempert 2010, *Technol. Forecast. Soc. Change* 77:34) is asked of
a sample (:mod:`sim.analysis.discovery_sample`): for a target, one regime of one outcome
column, ``y = 1`` where the point is in that regime. A *box* is a range per parameter;
its **coverage** is the share of the target's points inside it, its **density** the
share of the points inside it that are the target, its **mass** the share of all points
inside it.

* **CART** (scikit-learn's ``DecisionTreeClassifier``, depth ``cart_depth``, leaves of at
  least ``mass_min`` of the sample, ``random_state=seed``) is the second view: its leaves
  are boxes, the ``max_boxes`` densest with a target point are reported, and its Gini
  importances score the parameters.
* **PRIM** (Friedman & Fisher 1999, *Stat. Comput.* 9:123), EMA Workbench's
  ``ema_workbench.analysis.prim.Prim`` with its default lenient objective, searches the
  ``max_params`` parameters of largest CART importance (its time grows with the number
  of parameters, the boxes it finds restrict few). Each ``find_box`` peels ``peel_alpha``
  of the box off one side of one parameter at a time, down to ``mass_min``, then pastes
  back: a *trajectory* of boxes. Of those whose density reaches ``threshold``, the box
  of largest coverage is taken (EMA's ``PrimBox.select``), else the densest, flagged
  ``meets_threshold = False``; the next box is sought among the points outside it, up
  to ``max_boxes``, and not after a flagged one. (EMA's own threshold would replace a box
  below it by the whole space and drop its trajectory, so it is given one just above 0
  (:data:`EMA_THRESHOLD`: the cases of interest are still ``y == 1``), and the user's is
  applied to the trajectory here.) Quasi-p values (EMA's one-sided binomial test of each
  limit) say whether a limit matters.

The table (:data:`COLUMNS`, one tidy table, ``kind`` says what a row is) and its metadata
(:data:`sim.figures.discovery.META_KEY`) hold everything the figure
(:mod:`sim.figures.discovery`) draws. The one way to run it is the experiment::

    python -m sim experiment=discovery [discovery.source=RUN_DIR] [discovery.regimes=[hedging]] ...

whose ``discovery`` block (:class:`~sim.config.discovery.DiscoveryOptions`) replaces the
sweep (:func:`sim.runs.run.run_discovery`).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.discovery_sample import Sample, prior_sample, read_sample, sample_table, target
from sim.analysis.sensitivity import DEFAULT_CHUNK
from sim.config.discovery import DiscoveryOptions
from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario
from sim.figures.discovery import META_KEY, TABLE
from sim.store import rundir
from sim.store.table import write_parquet

#: The threshold EMA's PRIM is given: any box with a target point is kept (see above).
EMA_THRESHOLD = 1e-9
#: Columns of the table, in order. ``kind`` "box": a box (``method``, ``regime``, ``box``
#: 1, 2, ...; ``step``: its place on PRIM's trajectory or CART's leaf id; ``coverage``,
#: ``density``, ``mass``, ``n`` points in it, ``k`` target points in it, ``res_dim``
#: parameters it restricts, ``meets_threshold``). "limit": a parameter a box restricts
#: (``param``, ``unit``, ``low``/``high`` the box's range, ``range_low``/``range_high``
#: the parameter's documented range, ``qp_low``/``qp_high`` PRIM's quasi-p values of a
#: restricted side, NaN otherwise). "trajectory": a step of PRIM's search for a box (the
#: stats of "box", ``selected``: the box taken). "score": a parameter's CART importance
#: (``score``; ``selected``: PRIM searched it).
COLUMNS = ("kind", "method", "outcome", "regime", "box", "step", "param", "unit", "low", "high", "range_low",
           "range_high", "qp_low", "qp_high", "coverage", "density", "mass", "n", "k", "res_dim", "score",
           "selected", "meets_threshold")
_FLOATS = ("low", "high", "range_low", "range_high", "qp_low", "qp_high", "coverage", "density", "mass", "score")
_INTS = ("box", "step", "n", "k", "res_dim")
_BOOLS = ("selected", "meets_threshold")
STATS = ("coverage", "density", "mass", "n", "k", "res_dim")


# ----------------------------------------------------------------------------- libraries


MISSING = "scenario discovery needs EMA Workbench and scikit-learn: pip install -e '.[analysis]'"


def _ema_prim():
    """EMA Workbench's ``prim`` module (imported on use, its import-time warnings about
    optional parallel back-ends silenced); ConfigError if the extra is not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise ConfigError(MISSING) from None
    return prim


def _tree_classifier():
    """scikit-learn's ``DecisionTreeClassifier``; ConfigError if the extra is not installed."""
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError:
        raise ConfigError(MISSING) from None
    return DecisionTreeClassifier


@contextmanager
def _quiet() -> Iterator[None]:
    """A context in which the warnings EMA Workbench raises (pandas 3 deprecations) are not shown."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        yield


def versions() -> dict[str, str | None]:
    """The versions of the libraries that found the boxes, for the table's metadata."""
    out = {}
    for name in ("ema_workbench", "scikit-learn"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


# ----------------------------------------------------------------------------- boxes


@dataclass(frozen=True)
class Box:
    """One box: ``number`` (1, 2, ...), ``step`` (its index on the trajectory; CART: the
    leaf's node id), ``stats`` (:data:`STATS`), ``limits`` ``{param: (low, high)}`` of the
    restricted parameters (an unrestricted side at the parameter's range end), ``qp``
    ``{param: (qp_low, qp_high)}`` (NaN: side not restricted, or CART), ``meets``
    (density >= threshold), ``trajectory`` (PRIM: a DataFrame with :data:`STATS` per step)."""

    number: int
    step: int
    stats: dict
    limits: dict[str, tuple[float, float]]
    qp: dict[str, tuple[float, float]]
    meets: bool
    trajectory: pd.DataFrame | None = None


def choose_step(traj: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """The box taken from a trajectory (columns ``coverage``, ``density``; a row per step):
    of the steps with ``density >= threshold`` the one of largest coverage (then density,
    then the earliest), else the densest (then coverage, then the earliest); and whether
    it reaches the threshold."""
    steps = traj.assign(step=np.arange(len(traj)))
    ok = steps[steps["density"] >= threshold]
    keys = ["coverage", "density"] if len(ok) else ["density", "coverage"]
    pool = ok if len(ok) else steps
    best = pool.sort_values(keys + ["step"], ascending=[False, False, True], kind="stable").iloc[0]
    return int(best["step"]), bool(len(ok))


def _limits(lims: pd.DataFrame, init: pd.DataFrame, ranges: dict) -> dict[str, tuple[float, float]]:
    """The restricted parameters of box limits ``lims`` (rows 0 = lower, 1 = upper) against
    the box of all data ``init``; an unrestricted side is the parameter's range end."""
    out = {}
    for p in lims.columns:
        lo, hi = float(lims.at[0, p]), float(lims.at[1, p])
        low_cut, high_cut = lo != float(init.at[0, p]), hi != float(init.at[1, p])
        if low_cut or high_cut:
            out[p] = (lo if low_cut else ranges[p][0], hi if high_cut else ranges[p][1])
    return out


def _stats(row) -> dict:
    return {"coverage": float(row["coverage"]), "density": float(row["density"]), "mass": float(row["mass"]),
            "n": int(row["n"]), "k": int(row["k"]), "res_dim": int(row["res_dim"])}


def prim_boxes(x: pd.DataFrame, y: np.ndarray, opts: DiscoveryOptions, ranges: dict) -> list[Box]:
    """PRIM's boxes of target ``y`` (0/1, shape (n,)) over the columns of ``x`` (n × D,
    float64), as the module docstring says; ``ranges``: ``{param: (low, high)}``."""
    prim = _ema_prim()
    with _quiet():
        finder = prim.Prim(x, y, threshold=EMA_THRESHOLD, peel_alpha=opts.peel_alpha, paste_alpha=opts.paste_alpha,
                           mass_min=opts.mass_min)
    boxes: list[Box] = []
    for number in range(1, opts.max_boxes + 1):
        with _quiet():
            found = finder.find_box()
        if found is None or int(found.peeling_trajectory["k"].max()) == 0:
            break  # no target point left outside the boxes found
        traj = found.peeling_trajectory.reset_index(drop=True)
        step, meets = choose_step(traj, opts.threshold)
        found.select(step)
        qp = {p: tuple(float("nan") if v < 0 else float(v) for v in sides) for p, sides in found.qp[step].items()}
        stats = _stats(traj.iloc[step])
        boxes.append(Box(number, step, stats, _limits(found.box_lims[step], finder.box_init, ranges), qp, meets,
                         traj[list(STATS)].copy()))
        if not meets:
            break
    return boxes


def _leaf_limits(tree, names: Sequence[str], ranges: dict) -> dict[int, dict[str, tuple[float, float]]]:
    """``{leaf node id: {param: (low, high)}}`` of a fitted sklearn tree: the ranges its
    path restricts (left: ``x <= t``, right: ``x > t``), the others left out."""
    out, stack = {}, [(0, {})]
    while stack:
        node, lims = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == -1:
            out[node] = lims
            continue
        p, t = names[tree.feature[node]], float(tree.threshold[node])
        lo, hi = lims.get(p, ranges[p])
        stack.append((right, {**lims, p: (max(lo, t), hi)}))
        stack.append((left, {**lims, p: (lo, min(hi, t))}))
    return out


def cart_view(x: pd.DataFrame, y: np.ndarray, opts: DiscoveryOptions, ranges: dict) -> tuple[list[Box], np.ndarray]:
    """CART's boxes of target ``y`` over ``x`` (the ``max_boxes`` densest leaves holding a
    target point, then by coverage, then node id) and the Gini importance of each column
    of ``x`` (shape (D,), summing to 1, or zeros for a tree of one leaf)."""
    X = x.to_numpy(float)
    clf = _tree_classifier()(max_depth=opts.cart_depth, min_samples_leaf=max(1, math.ceil(opts.mass_min * len(X))),
                                 random_state=opts.seed).fit(X, y)
    size = clf.tree_.node_count
    leaf = clf.apply(X)
    n, k = np.bincount(leaf, minlength=size), np.bincount(leaf, weights=y, minlength=size).astype(int)
    limits = _leaf_limits(clf.tree_, list(x.columns), ranges)
    leaves = sorted((node for node in limits if k[node] > 0),
                    key=lambda node: (-k[node] / n[node], -k[node], node))[:opts.max_boxes]
    total = int(y.sum())
    boxes = [Box(j + 1, int(node), {"coverage": k[node] / total, "density": k[node] / n[node], "mass": n[node] / len(X),
                                     "n": int(n[node]), "k": int(k[node]), "res_dim": len(limits[node])},
                 limits[node], {}, bool(k[node] / n[node] >= opts.threshold)) for j, node in enumerate(leaves)]
    return boxes, np.asarray(clf.feature_importances_, dtype=float)


def searched(names: Sequence[str], scores: np.ndarray, max_params: int | None) -> list[str]:
    """The ``max_params`` names of largest score (ties: in ``names`` order), in ``names``
    order; every name when ``max_params`` is None or not smaller."""
    if max_params is None or max_params >= len(names):
        return list(names)
    top = set(sorted(range(len(names)), key=lambda j: (-scores[j], j))[:max_params])
    return [n for j, n in enumerate(names) if j in top]


# ----------------------------------------------------------------------------- rows


def box_rows(method: str, box: Box, sample: Sample) -> list[dict]:
    """The ``box`` row, its ``limit`` rows and (PRIM) its ``trajectory`` rows."""
    rows = [{"kind": "box", "method": method, "box": box.number, "step": box.step, **box.stats,
             "meets_threshold": box.meets}]
    for p, (lo, hi) in box.limits.items():
        qlo, qhi = box.qp.get(p, (math.nan, math.nan))
        rows.append({"kind": "limit", "method": method, "box": box.number, "param": p, "unit": sample.units[p],
                     "low": lo, "high": hi, "range_low": sample.ranges[p][0], "range_high": sample.ranges[p][1],
                     "qp_low": qlo, "qp_high": qhi})
    if box.trajectory is not None:
        for step, r in enumerate(box.trajectory.to_dict("records")):
            rows.append({"kind": "trajectory", "method": method, "box": box.number, "step": step, **_stats(r),
                         "selected": step == box.step})
    return rows


def regime_rows(sample: Sample, outcome: str, regime: str, opts: DiscoveryOptions) -> tuple[list[dict], list[str]]:
    """Every row of one target (CART first, then PRIM over the parameters CART scores
    highest), and the parameters PRIM searched."""
    y = target(sample, outcome, regime)
    names = list(sample.x.columns)
    if y.all():  # the whole space: no box to find (PRIM needs both classes)
        whole = Box(1, 0, {"coverage": 1.0, "density": 1.0, "mass": 1.0, "n": len(y), "k": len(y), "res_dim": 0},
                    {}, {}, True)
        rows, scores, chosen = box_rows("prim", whole, sample) + box_rows("cart", whole, sample), np.zeros(len(names)), []
    else:
        cart, scores = cart_view(sample.x, y, opts, sample.ranges)
        chosen = searched(names, scores, opts.max_params)
        rows = [r for b in prim_boxes(sample.x[chosen], y, opts, sample.ranges) for r in box_rows("prim", b, sample)]
        rows += [r for b in cart for r in box_rows("cart", b, sample)]
    rows += [{"kind": "score", "method": "cart", "param": p, "unit": sample.units[p], "score": float(s),
              "selected": p in chosen} for p, s in zip(names, scores)]
    return [{**r, "outcome": outcome, "regime": regime} for r in rows], chosen


def table(rows: list[dict], meta: dict) -> pa.Table:
    """The rows as a table of :data:`COLUMNS` (missing values null/NaN), ``meta`` as JSON
    under :data:`META_KEY`."""
    def typ(c):
        return pa.float64() if c in _FLOATS else pa.int64() if c in _INTS else pa.bool_() if c in _BOOLS \
            else pa.string()

    def missing(c):
        return math.nan if c in _FLOATS else None

    schema = pa.schema([pa.field(c, typ(c)) for c in COLUMNS])
    arrays = {c: pa.array([r.get(c, missing(c)) for r in rows], type=schema.field(c).type) for c in COLUMNS}
    return pa.table(arrays, schema=schema).replace_schema_metadata(
        {META_KEY: json.dumps(meta, sort_keys=True).encode()})


# ----------------------------------------------------------------------------- the analysis


def load(sc: Scenario, opts: DiscoveryOptions, base=None, chunk_size: int = DEFAULT_CHUNK,
         progress: bool | None = None) -> Sample:
    """The sample ``opts.source`` names: drawn and solved (``prior``) or read."""
    if opts.from_prior:
        return prior_sample(sc, opts, base, chunk_size, progress)
    return read_sample(sc, opts.source, opts.params)


def analyse(sc: Scenario, sample: Sample, opts: DiscoveryOptions) -> pa.Table:
    """The discovery table of every target ``opts.regimes`` of ``opts.outcome`` in ``sample``."""
    unknown = [r for r in opts.regimes if r not in sc.regimes]
    if unknown:
        raise ConfigError(f"discovery.regimes: {unknown[0]!r} is not a regime of {sc.name}; allowed: "
                          f"{', '.join(sc.regimes)}")
    rows, chosen = [], {}
    for regime in opts.regimes:
        part, chosen[regime] = regime_rows(sample, opts.outcome, regime, opts)
        rows += part
    labels = sample.labels[opts.outcome]
    meta = {"scenario": sc.name, "regimes": list(sc.regimes), "targets": list(opts.regimes), "outcome": opts.outcome,
            "source": sample.source, "source_sha256": sample.sha256, "n": sample.n, "params": list(sample.x.columns),
            "searched": chosen, "counts": {r: int((labels == r).sum()) for r in opts.regimes},
            "n_evaluations": sample.evaluations, "threshold": opts.threshold, "peel_alpha": opts.peel_alpha,
            "paste_alpha": opts.paste_alpha, "mass_min": opts.mass_min, "max_boxes": opts.max_boxes,
            "max_params": opts.max_params, "cart_depth": opts.cart_depth, "seed": opts.seed, **versions()}
    return table(rows, meta)


def write_outputs(table_: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS,
                  sample: pa.Table | None = None) -> list[Path]:
    """Write :data:`~sim.figures.discovery.TABLE`, ``sample`` (a prior sample, as
    ``sample.parquet``) if given, and the figure in ``formats``; returns the figures' paths."""
    from sim.figures.discovery import draw

    write_parquet(table_, Path(out_dir) / TABLE, table_.schema.metadata)
    if sample is not None:
        write_parquet(sample, Path(out_dir) / rundir.SAMPLE, sample.schema.metadata)
    return draw(table_, out_dir, formats)


def saved_sample(sc: Scenario, sample: Sample, opts: DiscoveryOptions) -> pa.Table | None:
    """The sample as the run saves it (``sample.parquet``): a prior sample, which a later
    discovery can read back (``discovery.source=<run dir>``); None for a sample read from a file."""
    if not opts.from_prior:
        return None
    return sample_table(sample, {"method": "prior", "scenario": sc.name, "regimes": list(sc.regimes),
                                 "seed": opts.seed, "n": sample.n, "concept": opts.concept})
