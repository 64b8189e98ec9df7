"""The ``.sim`` accessor of a DataFrame that holds an equilibria table.

A table from :meth:`sim.api.Sweep.solve` or :func:`sim.api.open_run` carries the table's
metadata (:class:`sim.store.table.TableMeta`: scenario, regimes, axes with units,
baseline) in ``df.attrs["sim"]``, as the Parquet file does in its schema; through it::

    df.sim.meta        # the TableMeta
    df.sim.labels()    # {column: human label}, e.g. "Sequential game: regime on the equilibrium path"
    df.sim.labelled()  # a copy whose columns are those labels
    df.sim.plot()      # the phase diagram (sim.figures.phase.run_figure), a matplotlib Figure

pandas' own ``df.plot`` is left as it is. The figure needs the whole grid (rows in the
order they were solved); a filtered table gives a one-line error saying so.
"""

from __future__ import annotations

import pandas as pd

from sim.api.labels import column_labels
from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario
from sim.store.table import TableMeta

ATTR = "sim"  #: ``df.attrs`` key of the table's metadata (its JSON)
LABELS_ATTR = "sim_labels"  #: ``df.attrs`` key of ``{label: column}`` after :meth:`SimAccessor.labelled`


def attach(df: pd.DataFrame, meta: TableMeta) -> pd.DataFrame:
    """``df`` with ``meta`` attached (in ``df.attrs``, which pandas carries along); returns ``df``."""
    df.attrs[ATTR] = meta.to_json()
    return df


def meta_of(df: pd.DataFrame) -> TableMeta:
    """The metadata attached to ``df``; ConfigError if it has none."""
    raw = df.attrs.get(ATTR)
    if raw is None:
        raise ConfigError("this DataFrame carries no sim table metadata (df.attrs['sim']); make it with "
                          "Sweep.solve(...) or sim.open_run(...).table")
    return TableMeta.from_json(raw)


def model_of(meta: TableMeta) -> Scenario:
    """The scenario a table was solved for (a plug-in by the import path it was named by)."""
    from sim.scenarios import get_scenario

    return get_scenario(meta.source or meta.scenario)


@pd.api.extensions.register_dataframe_accessor("sim")
class SimAccessor:
    """``df.sim``: the metadata, human labels and phase diagram of an equilibria table."""

    def __init__(self, df: pd.DataFrame):
        self._df = df

    @property
    def meta(self) -> TableMeta:
        """The table's metadata: scenario, regimes, axes (param, unit, n), baseline."""
        return meta_of(self._df)

    def labels(self) -> dict[str, str]:
        """``{column: human label}`` for every column (parameters with their unit)."""
        renamed = self._df.attrs.get(LABELS_ATTR)
        if renamed:  # already labelled: the columns are the labels
            return {c: c for c in self._df.columns}
        return column_labels(model_of(self.meta), self._df.columns)

    def labelled(self) -> pd.DataFrame:
        """A copy of the table with human column labels (``df.sim.plot()`` still works on it)."""
        labels = self.labels()
        out = self._df.rename(columns=labels)
        out.attrs[LABELS_ATTR] = {v: k for k, v in labels.items()}
        return out

    def plot(self, baseline_label: str | None = None):
        """The phase diagram of the table: a panel per concept solved (2 axes), a strip
        (1 axis) or facets (3 axes), the baseline starred, as a run draws it.

        Parameters
        ----------
        baseline_label : str, optional
            The baseline's legend entry; default: what the point changed, as a run's figure says.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import pyarrow as pa

        from sim.figures.phase import figure_columns, run_figure
        from sim.figures.style import baseline_text

        meta = self.meta
        df = self._df.rename(columns=self._df.attrs.get(LABELS_ATTR) or {})
        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.select(figure_columns(table.schema, meta))
        return run_figure(table, meta, baseline_text(meta.changes) if baseline_label is None else baseline_label)
