"""A grid over 1-3 parameters around a point, solved into one tidy table: :class:`Sweep`.

::

    sw = sim.load("iraq2020").sweep(x=("iraq.nationalism", 0, 6, 41), y=("us.credibility", 0, 4, 21))
    df = sw.solve(["spe", "nash"])     # a row per point (C order), a column per output
    df.sim.plot()                      # the phase diagram (sim.api.frame)
    run = sw.run("results")            # or a run directory, as `python -m sim` writes it

The grid, its validation and its solving are a run's (:mod:`sim.api.build`): the table
is the ``equilibria.parquet`` a run of the same config writes, as pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.api.build import run_config, solve_config
from sim.api.show import html_block, text_block
from sim.engine.params import ConfigError, param_info, quantity
from sim.engine.sweep import grid_size, make_axis


def axis_spec(key: str, axis: Any) -> dict:
    """A config axis mapping from a notebook axis: ``(param, start, stop, num)``
    (linspace), ``(param, [values])``, or a mapping with the config's axis keys."""
    if isinstance(axis, Mapping):
        return dict(axis)
    if isinstance(axis, str):
        raise ConfigError(f"sweep {key}={axis!r}: give (param, start, stop, num) or (param, [values])")
    items = list(axis) if isinstance(axis, Sequence) else []
    if len(items) == 4 and isinstance(items[0], str):
        return {"param": items[0], "space": "linspace", "start": items[1], "stop": items[2], "num": items[3]}
    if len(items) == 2 and isinstance(items[0], str) and isinstance(items[1], Iterable):
        return {"param": items[0], "space": "list", "values": [float(v) for v in items[1]]}
    raise ConfigError(f"sweep {key}={axis!r}: give (param, start, stop, num) or (param, [values])")


@dataclass(frozen=True, repr=False)
class Sweep:
    """A grid over 1-3 parameters (axes ``x``, ``y``, ``z``), the others at ``point``'s
    values. Made by :meth:`sim.api.scenario.Point.sweep`; :meth:`solve` it."""

    point: Any  #: the point whose other values the grid keeps (a :class:`sim.api.scenario.Point`)
    axes: Mapping[str, Mapping]  #: ``{"x": axis mapping, ...}``, as the config's ``sweep`` block
    _last: dict = field(default_factory=dict, compare=False)  # the last table solved, for plot()

    @classmethod
    def of(cls, point, axes: Mapping[str, Any]) -> Sweep:
        """Check the axes (names, ranges, sizes) as a run's config would; None axes are left out."""
        specs = {k: axis_spec(k, a) for k, a in axes.items() if a is not None}
        if "x" not in specs:
            raise ConfigError("sweep needs at least the axis x")
        if "z" in specs and "y" not in specs:
            raise ConfigError("sweep: set y before z")
        for k, spec in specs.items():
            make_axis(f"sweep.{k}", point.scenario.model.params_cls, spec)
        return cls(point, specs)

    @property
    def n_points(self) -> int:
        """The number of grid points (the product of the axes' lengths)."""
        cls = self.point.scenario.model.params_cls
        return grid_size([make_axis(f"sweep.{k}", cls, s) for k, s in self.axes.items()])

    def config(self, solvers: str | Iterable[str] = ("spe", "nash"), **options):
        """The validated run config of this sweep (:class:`sim.config.validate.RunConfig`)."""
        return run_config(self.point.scenario.name, self.point.changes, self.axes, solvers, options)

    def solve(self, solvers: str | Iterable[str] = ("spe", "nash"), labels: bool = False, progress: bool = False,
              **options) -> pd.DataFrame:
        """Solve every grid point with each concept in ``solvers``.

        Parameters
        ----------
        solvers : str or list of str
            Registered concepts (``spe``, ``nash``, ``bayes``, ``qre``, ``abm``, ``twolevel``).
        labels : bool
            Return the columns with human labels (``df.sim.labelled()``) instead of names.
        progress : bool
            Show a progress bar.
        **options
            Option blocks by concept, e.g. ``qre={"lam": 2.0}``, ``abm={"replicates": 20}``,
            and ``seed=``, ``dynamics=`` (the agents' learning rule, e.g. ``"logit"``).

        Returns
        -------
        pandas.DataFrame
            A row per grid point in C order (the last axis varies fastest): a float column
            per swept parameter (its dotted name), then each concept's columns (labels as
            categoricals, payoffs in $bn/yr). ``df.sim`` gives its metadata, labels and
            phase diagram (:mod:`sim.api.frame`).
        """
        frame, _ = solve_config(self.config(solvers, **options), progress)
        self._last["frame"] = frame
        return frame.sim.labelled() if labels else frame

    def plot(self, solvers: str | Iterable[str] = ("spe", "nash"), **options):
        """The phase diagram: of the table :meth:`solve` returned last, else of ``solvers``
        solved now (a matplotlib Figure)."""
        frame = self._last.get("frame")
        if frame is None:
            frame = self.solve(solvers, **options)
        return frame.sim.plot()

    def run(self, results_dir: str = "results", solvers: str | Iterable[str] = ("spe", "nash"), name: str = "notebook",
            plot_formats: Sequence[str] = ("png",), **options):
        """Write this sweep as a run directory, ``<results_dir>/<name>/<run-id>/``, exactly
        as ``python -m sim`` does (table, games, config, figures, manifest), and open it
        (:class:`sim.api.run.Run`)."""
        from sim.api.run import open_run
        from sim.runs.run import run

        cfg = run_config(self.point.scenario.name, self.point.changes, self.axes, solvers, options, name=name,
                         results_dir=str(results_dir), plot_formats=plot_formats)
        return open_run(run(cfg, progress=False))

    def _summary(self) -> tuple[str, list]:
        cls = self.point.scenario.model.params_cls
        rows = []
        for key, spec in self.axes.items():
            axis = make_axis(f"sweep.{key}", cls, spec)
            unit = param_info(cls, axis.param).unit
            rows.append([key, axis.param, quantity(min(axis.values), unit), quantity(max(axis.values), unit),
                         len(axis.values)])
        return f"Sweep of {self.point.describe()}: {self.n_points} points", rows

    def __repr__(self) -> str:
        return text_block(*self._summary(), header=["axis", "parameter", "from", "to", "values"])

    def _repr_html_(self) -> str:
        return html_block(*self._summary(), header=["axis", "parameter", "from", "to", "values"])

