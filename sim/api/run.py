"""A finished run directory, opened for a notebook: :func:`open_run`.

::

    run = sim.open_run("results/nationalism_credibility/20260101-120000-abcd1234")
    run.table           # the run's main table, pandas (equilibria; sensitivity or back-test runs: theirs)
    run.table.sim.plot()
    run.config          # config.yaml, as a dict
    run.manifest        # manifest.json, as a dict (files and their sha256, versions, timings)
    run.figures         # the figure files, paths
    run.read("abm_runs.parquet")   # any other table of the run

Nothing is read until it is asked for; the table is read once.
"""

from __future__ import annotations

import base64
import json
from functools import cached_property
from pathlib import Path

import pandas as pd
import yaml

from sim.api.frame import attach
from sim.api.show import html_block, text_block
from sim.engine.params import ConfigError
from sim.store import rundir
from sim.store.table import ResultsError, read_parquet, read_table

#: The main table of each kind of run, in the order they are looked for.
MAIN_TABLES = (rundir.TABLE, rundir.SENSITIVITY_TABLE, rundir.BACKTEST)


def open_run(run_dir) -> Run:
    """The run in ``run_dir`` (a directory ``python -m sim`` wrote, with its ``manifest.json``).

    Raises
    ------
    ConfigError
        If ``run_dir`` is not a finished run directory.
    """
    path = Path(run_dir)
    if not (path / rundir.MANIFEST).is_file():
        what = "does not exist" if not path.exists() else f"has no {rundir.MANIFEST} (not a finished run)"
        raise ConfigError(f"run directory {str(path)!r} {what}")
    return Run(path)


class Run:
    """A run directory: its table, config, manifest and figures (made by :func:`open_run`);
    ``dir`` is its path."""

    def __init__(self, path: Path):
        self.dir = Path(path)  #: the run directory

    @cached_property
    def manifest(self) -> dict:
        """``manifest.json``: run id, config hash, seed, files with sha256, versions, timings."""
        return json.loads((self.dir / rundir.MANIFEST).read_text())

    @cached_property
    def config(self) -> dict:
        """``config.yaml``: the composed config the run was made with."""
        path = self.dir / rundir.CONFIG
        return yaml.safe_load(path.read_text()) if path.is_file() else {}

    @property
    def figures(self) -> list[Path]:
        """The figure files (``figures.json``'s list, else every PNG/PDF/SVG), sorted."""
        listed = self.dir / rundir.FIGURES
        if listed.is_file():
            names = json.loads(listed.read_text()).get("figures", {})
            return sorted(self.dir / n for n in names)
        return sorted(p for f in rundir.FIGURE_FORMATS for p in self.dir.glob(f"*.{f}"))

    @cached_property
    def table(self) -> pd.DataFrame:
        """The run's main table: ``equilibria.parquet`` (labels as categoricals; ``.sim``
        gives its metadata, labels and phase diagram), else ``sensitivity.parquet`` or
        ``backtest.parquet``."""
        try:
            table, meta = read_table(self.dir / rundir.TABLE, labels_as_dictionary=True)
        except ResultsError:
            if (self.dir / rundir.TABLE).exists() or (self.dir / rundir.TABLE_DATASET).exists():
                raise
        else:
            return attach(table.to_pandas(), meta)
        for name in MAIN_TABLES[1:]:
            if (self.dir / name).is_file():
                return self.read(name)
        raise ResultsError(f"{self.dir} holds none of {', '.join(MAIN_TABLES)}")

    def read(self, name: str) -> pd.DataFrame:
        """Another table of the run by file name (``abm_runs.parquet``, ``qre_path.parquet``, ...)."""
        path = self.dir / name
        if not path.is_file():
            have = sorted(p.name for p in self.dir.glob("*.parquet"))
            raise ConfigError(f"run has no table {name!r}; it has: {', '.join(have)}")
        return read_parquet(path, labels_as_dictionary=True).to_pandas()

    def _summary(self) -> tuple[str, list]:
        m = self.manifest
        rows = [["directory", str(self.dir)], ["name", m.get("name", "")], ["run id", m.get("run_id", "")],
                ["points", m.get("n_points", "")], ["finished", m.get("finished", "")],
                ["figures", ", ".join(p.name for p in self.figures)]]
        return f"Run {m.get('run_id', self.dir.name)!r}", rows

    def __repr__(self) -> str:
        return text_block(*self._summary())

    def _repr_html_(self) -> str:
        pngs = [p for p in self.figures if p.suffix == ".png"]
        first = next((p for p in pngs if p.stem == rundir.PHASE_DIAGRAM), pngs[0] if pngs else None)
        extra = ""
        if first is not None:
            data = base64.b64encode(first.read_bytes()).decode()
            extra = f"<img src='data:image/png;base64,{data}' style='max-width:640px' alt='{first.name}'/>"
        return html_block(*self._summary(), extra=extra)
