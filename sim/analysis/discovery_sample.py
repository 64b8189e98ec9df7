"""The sample a scenario discovery searches: parameter columns and regime outcomes.

A :class:`Sample` is ``x`` (one float64 column per varied parameter, a row per point, in
the parameter's unit), ``labels`` (one array of regime names per outcome column, e.g.
``spe_regime``) and each parameter's range and unit. It comes from

* a fresh prior sample (:func:`prior_sample`): ``n`` points drawn uniformly over the
  documented ranges (:func:`sim.analysis.prior.draw`) and solved in chunks
  (:func:`sim.analysis.sensitivity.regime_outputs`);
* a saved file (:func:`read_sample`): a sensitivity or prior-predictive run's
  ``sample.parquet`` (its 0/1 columns ``spe_<regime>`` become the label column
  ``spe_regime``, its probabilities ``bayes_prob_<regime>`` the most likely regime
  ``bayes_regime``), an ``equilibria.parquet`` (its swept parameters and ``*_regime``
  columns), or any Parquet file with a float column per parameter (dotted names) and a
  column of regime names; a run directory gives its ``sample.parquet``, else its
  equilibria table.

:func:`target` turns one outcome column and one regime into PRIM's 0/1 ``y``, with a
one-line :class:`~sim.engine.params.ConfigError` for a column that is not there or a
regime no row has.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.prior import draw
from sim.analysis.sensitivity import DEFAULT_CHUNK, regime_outputs
from sim.config.discovery import DiscoveryOptions, outcome_columns, sample_path, unknown_outcome
from sim.config.sensitivity import problem
from sim.engine.params import ConfigError, iter_params
from sim.engine.scenario import Scenario
from sim.figures.sensitivity import META_KEY as SAMPLE_META_KEY
from sim.store import rundir
from sim.store.table import ResultsError, read_parquet, read_table


@dataclass(frozen=True)
class Sample:
    """Points and their regimes: ``x`` (DataFrame, n rows × D float64 columns named by the
    dotted parameter names), ``labels`` (``{outcome column: array of n regime names}``, None
    where a row has none), ``ranges`` (``{param: (low, high)}``: the documented range, or
    the data's for a column the scenario does not document), ``units`` (``{param: unit}``),
    ``source`` (``"prior"`` or the file read), ``sha256`` (of that file; None for a prior
    sample), ``evaluations`` (games solved to make it: n for a prior sample, else 0)."""

    x: pd.DataFrame
    labels: dict[str, np.ndarray]
    ranges: dict[str, tuple[float, float]]
    units: dict[str, str]
    source: str
    sha256: str | None = None
    evaluations: int = 0

    @property
    def n(self) -> int:
        return len(self.x)


# ----------------------------------------------------------------------------- prior


def prior_sample(sc: Scenario, opts: DiscoveryOptions, base=None, chunk_size: int = DEFAULT_CHUNK,
                 progress: bool | None = None) -> Sample:
    """``opts.n`` points drawn uniformly over the documented ranges of ``opts.params``
    (None: every parameter; the others at ``base``, default the scenario's), seeded by
    ``opts.seed``, each solved under ``opts.concept``: label column ``opts.outcome``."""
    prob = problem(sc.params_cls, opts.params)
    names = tuple(prob["names"])
    X = draw(prob["bounds"], opts.n, opts.seed)
    Y = regime_outputs(sc, X, names, opts.concept, base, chunk_size, progress)
    labels = np.asarray(sc.regimes, dtype=object)[Y.argmax(axis=1)]
    return Sample(pd.DataFrame(X, columns=list(names)), {opts.outcome: labels},
                  {n: (float(lo), float(hi)) for n, (lo, hi) in zip(names, prob["bounds"])},
                  dict(zip(names, prob["units"])), "prior", None, opts.n)


def sample_table(sample: Sample, meta: dict) -> pa.Table:
    """A prior sample as ``sample.parquet``: a float64 column per parameter, then its
    outcome column of regime names (dictionary-encoded); ``meta`` with the names of both
    under the sensitivity sample's key. :func:`read_sample` reads it back
    (``discovery.source=<run dir>``), to the same :class:`Sample`."""
    data = {p: np.ascontiguousarray(sample.x[p].to_numpy(float)) for p in sample.x.columns}
    for outcome, labels in sample.labels.items():
        data[outcome] = pa.array(labels.tolist(), pa.string()).dictionary_encode()
    meta = {**meta, "params": list(sample.x.columns), "outcomes": list(sample.labels)}
    return pa.table(data).replace_schema_metadata({SAMPLE_META_KEY: json.dumps(meta, sort_keys=True).encode()})


# ----------------------------------------------------------------------------- files


def _read(path: Path) -> pa.Table:
    """The table at ``path`` (a Parquet file, or an equilibria table in any form)."""
    try:
        if path.is_dir() or path.name == rundir.TABLE:  # an equilibria table, a file or a dataset
            return read_table(path)[0]
        return read_parquet(path)
    except (ResultsError, pa.ArrowException, OSError) as exc:
        raise ConfigError(f"discovery.source={str(path)!r}: {str(exc).splitlines()[0]}") from None


def _sha256(path: Path) -> str | None:
    """sha256 of a file (None for a directory: a dataset's parts are hashed by its index)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def label_columns(df: pd.DataFrame, regimes: Sequence[str]) -> dict[str, np.ndarray]:
    """Every outcome column of ``df`` as an array of regime names (None: no regime), as
    :func:`sim.config.discovery.outcome_columns` names them: a text column as it is, a group
    of numeric ``<prefix>_<regime>`` columns as the regime of the largest value per row."""
    text = {c: not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns}
    out = {}
    for name, cols in outcome_columns(text, regimes).items():
        if len(cols) == 1 and text[cols[0]]:
            out[name] = df[cols[0]].astype(object).where(df[cols[0]].notna(), None).to_numpy()
        else:
            out[name] = np.asarray(regimes, dtype=object)[df[cols].to_numpy(float).argmax(axis=1)]
    return out


def _param_columns(df: pd.DataFrame, documented: dict, params: Sequence[str] | None, where: str) -> list[str]:
    """The parameter columns searched: ``params`` (each must be a numeric column), else every
    numeric column named like a parameter of the scenario that varies."""
    numeric = [c for c in df.columns if c in documented and pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])]
    if params is not None:
        missing = [p for p in params if p not in numeric]
        if missing:
            raise ConfigError(f"discovery.params: {missing[0]!r} is not a parameter column of {where}; its parameter "
                              f"columns: {', '.join(numeric) or 'none'}")
        return list(params)
    varied = [c for c in numeric if df[c].nunique() > 1]
    if not varied:
        raise ConfigError(f"discovery.source: no parameter of the scenario varies in {where} (parameter columns: "
                          f"{', '.join(numeric) or 'none'})")
    return varied


def read_sample(sc: Scenario, source: str | Path, params: Sequence[str] | None = None) -> Sample:
    """The sample saved at ``source`` (a file or run directory, :func:`sim.config.discovery.sample_path`):
    parameter columns (``params``, else every varied column named like a parameter of
    ``sc``), and every outcome column of regime names."""
    path = sample_path(source)
    df = _read(path).to_pandas()
    documented = {i.name: i for i in iter_params(sc.params_cls)}
    cols = _param_columns(df, documented, params, str(path))
    x = pd.DataFrame({c: df[c].to_numpy(float) for c in cols})
    ranges = {c: (float(documented[c].low), float(documented[c].high)) for c in cols}
    units = {c: documented[c].unit for c in cols}
    return Sample(x, label_columns(df, sc.regimes), ranges, units, str(path), _sha256(path))


# ----------------------------------------------------------------------------- targets


def target(sample: Sample, outcome: str, regime: str) -> np.ndarray:
    """PRIM's ``y``: 1 where the ``outcome`` column is ``regime``, else 0 (int, shape (n,)).

    Raises
    ------
    ConfigError
        If ``outcome`` is not an outcome column of the sample (the message lists those
        there are), or no row has ``regime`` (the message lists the regimes there are,
        most common first, with their counts).
    """
    if outcome not in sample.labels:
        raise unknown_outcome(outcome, sample.source, sorted(sample.labels))
    labels = sample.labels[outcome]
    y = (labels == regime).astype(int)
    if not y.any():
        counts = pd.Series([v for v in labels if v is not None], dtype=object).value_counts()
        there = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        raise ConfigError(f"discovery.regimes: no row of {sample.source} has {outcome} = {regime!r} (0 of "
                          f"{len(y):,}); regimes there: {', '.join(f'{r} ({c:,})' for r, c in there) or 'none'}")
    return y
