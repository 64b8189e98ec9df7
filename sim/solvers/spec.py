"""What a solution concept is to the layers above the engine: :class:`SolverSpec`.

Each concept module (:mod:`sim.solvers.spe`, ...) builds one; :mod:`sim.solvers.registry`
lists them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.engine.params import ConfigError, did_you_mean
from sim.engine.scenario import Scenario
from sim.store.columns import Columns, slug

#: ``solve(scenario, params, index, options, runs_sink) -> Columns``: ``params`` a batch
#: of B points, ``index`` their global grid numbers, shape (B,); ``runs_sink`` takes any
#: per-run table the concept records (only the agent-based model does; others ignore it).
Solve = Callable[[Scenario, Any, np.ndarray, Any, "Callable[[pa.Table], None] | None"], Columns]
#: ``extras(scenario, params, options, directory) -> None``: files beside the table
#: (e.g. the QRE's path over λ), written through :mod:`sim.store.rundir`.
Extras = Callable[[Scenario, Any, Any, Path], None]


@dataclass(frozen=True)
class Column:
    """One column a concept adds: ``name`` (``{regime}``/``{actor}`` stand for each
    regime's / actor's slug), ``dtype`` (``float64``, ``int64``, ``bool`` or ``label``, a
    dictionary-encoded string) and its meaning."""

    name: str
    dtype: str
    doc: str


@dataclass(frozen=True)
class SolverSpec:
    """A solution concept, everything the layers above the engine need to know.

    Attributes
    ----------
    name : the config name (``solvers=[name]``) and the prefix of its columns.
    title : the panel title, ``"<game>: <what is shown>"``.
    short_title, band_label : the title where three panels share a page width, and
        the label of its band in a 1-axis strip.
    caption : how a caption names the concept (lower case, no final stop; ``{focal}``
        stands for the scenario's focal regime).
    note : ``note(options) -> str``, a sentence on the options for captions, or None.
    solve : see :data:`Solve`.
    columns : the columns it adds, with dtypes.
    options : the dataclass of its config block (config key ``name``), or None; it
        checks its own ranges (ConfigError naming ``<name>.<key>``) when built.
    regime_column : the column of regime labels the phase diagram draws; None: the
        concept has no panel there.
    several : the regime column can hold several '|'-joined regimes (hatched).
    prob_prefix : prefix of its ``<prefix><regime>`` probability columns; the phase
        diagram adds a panel of the scenario's focal regime.
    sensitivity_outcome : what a sensitivity analysis of this concept measures; None:
        not available there.
    requires_types : the scenario must declare an actor of uncertain type.
    requires_domestic : the scenario must declare a domestic level (``Scenario.domestic``).
    figure_columns : further columns its figures draw (read with the regime columns).
    extras : see :data:`Extras`.
    lazy : imported on use (e.g. Mesa), so ``solve`` is looked up when first called.
    """

    name: str
    title: str
    short_title: str
    band_label: str
    caption: str
    solve: Solve
    columns: tuple[Column, ...]
    options: type | None = None
    regime_column: str | None = None
    several: bool = False
    prob_prefix: str | None = None
    sensitivity_outcome: str | None = None
    requires_types: bool = False
    requires_domestic: bool = False
    figure_columns: tuple[str, ...] = ()
    extras: Extras | None = None
    note: Callable[[Any], str] | None = None

    def default_options(self):
        return None if self.options is None else self.options()

    def bind(self, options=None, runs_sink=None) -> Callable[[Scenario, Any, np.ndarray], Columns]:
        """``solve`` with its options bound: the ``(scenario, params, index)`` signature
        of :func:`sim.engine.sweep.iter_grid`."""
        opts = self.default_options() if options is None else options

        def solve(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
            return self.solve(sc, params, index, opts, runs_sink)

        solve.__name__ = f"solve_{self.name}"
        return solve

    def column_names(self, sc: Scenario) -> list[str]:
        """The concrete column names for scenario ``sc`` (templates expanded)."""
        out = []
        for c in self.columns:
            if "{regime}" in c.name:
                out += [c.name.format(regime=slug(r)) for r in sc.regimes]
            elif "{actor}" in c.name:
                out += [c.name.format(actor=slug(a.name)) for a in sc.actors]
            elif "{option}" in c.name:
                if sc.domestic is not None:
                    actor = sc.actors[sc.players.index(sc.domestic.actor)]
                    out += [c.name.format(option=slug(a)) for a in actor.actions]
            else:
                out.append(c.name)
        return out


def options_from(spec: SolverSpec, data: Mapping[str, Any] | None):
    """Build ``spec``'s options from its config block (unknown keys refused in one line)."""
    if spec.options is None:
        return None
    data = dict(data or {})
    names = [f.name for f in dataclasses.fields(spec.options)]
    unknown = [k for k in data if k not in names]
    if unknown:
        raise ConfigError(f"{spec.name}.{unknown[0]} is not a key of {spec.name}{did_you_mean(str(unknown[0]), names)}; "
                          f"allowed: {', '.join(names)}")
    return spec.options(**data)
