"""One game, three countries: the observed outcome against the model's, with its probability.

``python -m sim experiment=three_countries`` (the ``countries`` block,
:class:`~sim.config.countries.CountriesOptions`) writes ``countries.parquet``, a row per
country (:data:`COLUMNS`). For each country's calibration
(:data:`sim.scenarios.countries.CALIBRATIONS`: Model 2 with the country's parameters):

* ``model_regime``, ``model_coercion``: the subgame-perfect equilibrium at the calibrated
  values (its regime, and the US's step of coercion on the path);
* ``p_observed``: the model's probability of the observed regime under the calibration's
  uncertainty: ``n`` draws, every parameter independently uniform over its documented
  range (a zero-width range is a fixed value) except the ones the calibration *holds*
  (its neutralised Iranian channel, at their calibrated values), each draw solved for its
  SPE by the engine's batch solver (:func:`sim.solvers.spe.solve_spe`, ``chunk_size``
  points a call; results do not depend on it); the share of draws whose SPE regime is the
  observed one, with a 95 % Wilson score interval (``_low``, ``_high``);
* ``p_observed_outcome``: the share whose regime *and* US step of coercion are the
  observed ones (Turkey's sanctions and India's accommodation fall in the same regime,
  Russian pivot; this column tells them apart);
* ``p_observed_iran_varied``: ``p_observed`` again with the held parameters drawn over
  their documented ranges too (a second pass: the same draws of the other parameters, the
  held ones from their own stream, so the difference is the channel's alone): the result
  does not hinge on the neutralised channel when the two agree (for a country that holds
  nothing, the same number);
* ``share_<regime>``: the share of each regime over the main draws (the figure).

Draws come from a seeded ``numpy`` Generator per country and pass,
``SeedSequence([seed, crc32(country), pass])`` (pass 0: the parameters not held; pass 1: the
held ones), so a country's numbers do not depend on which other countries are compared
or in what order. The figure is :mod:`sim.figures.countries`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from sim.analysis.prior import CONF_LEVEL, wilson
from sim.config.countries import FIGURE, META_KEY, TABLE, CountriesOptions
from sim.engine.params import batch, get_value, iter_params, replace_values
from sim.scenarios.countries import CALIBRATIONS, Calibration
from sim.scenarios.iraq2020 import SCENARIO as MODEL2
from sim.scenarios.iraq2020.scenario import COERCION
from sim.solvers.spe import solve_spe
from sim.store import rundir
from sim.store.columns import slug
from sim.store.table import write_parquet

MAIN, IRAN_VARIED = 0, 1  #: the two passes (the third element of each stream's seed)

_P = ("p_observed", "p_observed_outcome", "p_observed_iran_varied")
#: Columns of ``countries.parquet``, in order; then ``share_<regime>`` for each regime.
COLUMNS = ("country", "scenario", "observed_regime", "observed_coercion", "model_regime", "model_coercion",
           "model_path", "model_tie_regime", "model_regime_iran_active",
           *(f"{p}{s}" for p in _P for s in ("", "_low", "_high")), "n", "seed", "held")


def stream(seed: int, country: str, pass_: int) -> np.random.Generator:
    """The Generator of one country's pass: ``SeedSequence([seed, crc32(country), pass_])``."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(country.encode()), pass_]))


def design(cal: Calibration, held: bool) -> tuple[tuple[str, ...], np.ndarray]:
    """Parameters and their bounds, shape (D, 2) in each one's unit: every parameter of the
    calibration but the held ones (``held=False``), or only the held ones (``held=True``)."""
    infos = [i for i in iter_params(cal.scenario.params_cls) if (i.name in cal.held) == held]
    return tuple(i.name for i in infos), np.array([[i.low, i.high] for i in infos], dtype=float).reshape(-1, 2)


def draw(bounds: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` independent uniform draws over ``bounds`` (shape (D, 2)): shape (n, D); a
    zero-width range gives its value."""
    return bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.random((n, len(bounds)))


def coercion_codes(us: pa.DictionaryArray) -> np.ndarray:
    """Index into :data:`COERCION` of the US's step in each of its actions (``posture+step``), shape (B,)."""
    lookup = np.array([COERCION.index(label.split("+")[1]) for label in us.dictionary.to_pylist()])
    return lookup[us.indices.to_numpy(zero_copy_only=False)]


def solve_draws(cal: Calibration, names: Sequence[str], X: np.ndarray, chunk_size: int,
                progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """SPE regime code (into ``scenario.regimes``) and US coercion code of each draw, each (n,);
    ``X`` (n, D) gives the parameters ``names``, the others stay at the calibration."""
    sc, base = cal.scenario, cal.scenario.params_cls()
    regime, coercion = np.empty(len(X), dtype=np.int64), np.empty(len(X), dtype=np.int64)
    with tqdm(total=len(X), unit="game", desc=f"countries ({cal.country})", file=sys.stderr,
              disable=None if progress is None else not progress) as bar:
        for s in range(0, len(X), chunk_size):
            e = min(s + chunk_size, len(X))
            cols = solve_spe(sc, batch(base, {name: X[s:e, j] for j, name in enumerate(names)}))
            regime[s:e] = cols["spe_regime"].indices.to_numpy(zero_copy_only=False)
            coercion[s:e] = coercion_codes(cols["spe_us"])
            bar.update(e - s)
    return regime, coercion


def iran_active(cal: Calibration):
    """The calibrated point with the held parameters at Model 2's (Iraq's) calibrated values:
    the Iranian channel as active as in Iraq (the buyer's group read as ``iraq``)."""
    buyer = dataclasses.fields(cal.scenario.params_cls)[0].name  # the buyer's group comes first, as Model 2's
    model2 = {name: "iraq." + name.partition(".")[2] if name.startswith(buyer + ".") else name for name in cal.held}
    return replace_values(cal.scenario.params_cls(),
                          {name: float(get_value(MODEL2.params_cls(), m2)) for name, m2 in model2.items()})


def calibrated(cal: Calibration) -> dict:
    """The SPE at the calibrated values: ``model_regime``, ``model_coercion``, ``model_path``
    (every actor's action, ``"Russia: S-400; ..."``), ``model_tie_regime`` (a tie on the path
    that the tie-break resolves between regimes) and ``model_regime_iran_active`` (the SPE
    regime with the held parameters at Model 2's values, :func:`iran_active`)."""
    sc = cal.scenario
    cols = solve_spe(sc, sc.params_cls())
    path = "; ".join(f"{a.name}: {cols[f'spe_{slug(a.name)}'].to_pylist()[0]}" for a in sc.actors)
    regime = cols["spe_regime"].to_pylist()[0]
    active = solve_spe(sc, iran_active(cal))["spe_regime"].to_pylist()[0] if cal.held else regime
    return {"model_regime": regime,
            "model_coercion": COERCION[int(coercion_codes(cols["spe_us"])[0])],
            "model_path": path, "model_tie_regime": bool(cols["spe_tie_regime"][0]),
            "model_regime_iran_active": active}


def _share(hits: np.ndarray, prefix: str) -> dict:
    lo, hi = wilson(float(hits.sum()), len(hits))
    return {prefix: float(hits.mean()), f"{prefix}_low": lo, f"{prefix}_high": hi}


def country_row(cal: Calibration, opts: CountriesOptions, chunk_size: int, progress: bool | None = None) -> dict:
    """One row of :data:`COLUMNS` (and the ``share_<regime>`` columns) for ``cal``."""
    regimes, obs = cal.scenario.regimes, cal.observed
    r_obs, c_obs = regimes.index(obs.regime), COERCION.index(obs.coercion)
    names, bounds = design(cal, held=False)
    X = draw(bounds, opts.n, stream(opts.seed, cal.country, MAIN))
    regime, coercion = solve_draws(cal, names, X, chunk_size, progress)
    row = {"country": cal.country, "scenario": cal.scenario.name, "observed_regime": obs.regime,
           "observed_coercion": obs.coercion, **calibrated(cal), **_share(regime == r_obs, "p_observed"),
           **_share((regime == r_obs) & (coercion == c_obs), "p_observed_outcome"),
           "n": opts.n, "seed": opts.seed, "held": ", ".join(cal.held)}
    varied = regime
    if cal.held:  # the same draws of the others (common random numbers), the held ones drawn too
        held, held_bounds = design(cal, held=True)
        X_held = draw(held_bounds, opts.n, stream(opts.seed, cal.country, IRAN_VARIED))
        varied, _ = solve_draws(cal, names + held, np.hstack([X, X_held]), chunk_size, progress)
    row.update(_share(varied == r_obs, "p_observed_iran_varied"))
    counts = np.bincount(regime, minlength=len(regimes)) / len(regime)
    row.update({f"share_{slug(r)}": float(counts[k]) for k, r in enumerate(regimes)})
    return row


def table(rows: list[dict], meta: dict) -> pa.Table:
    """The rows as ``countries.parquet`` holds them: :data:`COLUMNS`, then ``share_<regime>``;
    ``meta`` as JSON under :data:`~sim.config.countries.META_KEY`."""
    shares = [c for c in rows[0] if c.startswith("share_")]
    types = {"model_tie_regime": pa.bool_(), "n": pa.int64(), "seed": pa.int64()}
    fields = [pa.field(c, types.get(c, pa.float64() if c.startswith(("p_", "share_")) else pa.string()))
              for c in (*COLUMNS, *shares)]
    out = pa.table({f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in fields}, schema=pa.schema(fields))
    return out.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})


def run_table(opts: CountriesOptions, chunk_size: int = 8192, progress: bool | None = None) -> pa.Table:
    """The comparison ``opts`` asks for: ``countries.parquet``'s table, a row per country."""
    cals = [CALIBRATIONS[c] for c in opts.countries]
    rows = [country_row(cal, opts, chunk_size, progress) for cal in cals]
    meta = {"n": opts.n, "seed": opts.seed, "countries": list(opts.countries), "conf_level": CONF_LEVEL,
            "interval": "wilson", "regimes": list(cals[0].scenario.regimes), "coercion": list(COERCION),
            "n_evaluations": opts.games(),
            "observed": {c.country: {"path": dict(c.observed.path), "period": c.observed.period,
                                     "record": c.observed.record, "mapping": c.observed.mapping,
                                     "held_reason": c.held_reason} for c in cals},
            "calibrated": {c.country: {i.name: float(get_value(c.scenario.params_cls(), i.name))
                                       for i in iter_params(c.scenario.params_cls)} for c in cals}}
    return table(rows, meta)


def write_outputs(table_: pa.Table, out_dir: Path, formats: Sequence[str] = rundir.DEFAULT_FORMATS) -> list[Path]:
    """Write ``countries.parquet`` and its figure (:mod:`sim.figures.countries`) in
    ``formats`` into ``out_dir``; the figure's paths."""
    from sim.figures.countries import figure
    from sim.figures.style import save_formats

    write_parquet(table_, Path(out_dir) / TABLE, table_.schema.metadata)
    return save_formats(figure(table_), out_dir, FIGURE, formats) if formats else []
