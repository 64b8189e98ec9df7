"""A scenario and a point of its parameter space, for notebooks.

::

    import sim
    sc = sim.load("iraq2020")                       # the calibrated baseline
    pt = sc.at(**{"iraq.nationalism": 3})           # or sc.at({"iraq.nationalism": 3}),
                                                    # or sc.at(iraq__nationalism=3)
    pt.solve("spe")                                 # a Result (sim.api.result)
    pt.sweep(x=("iraq.nationalism", 0, 6, 41))      # a Sweep around the point (sim.api.sweep)

Every value is checked as a run's config is: an unknown parameter raises
:class:`~sim.engine.params.ConfigError` with the closest name ("did you mean"), a value
outside the parameter's documented range raises it with the range and unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.api.show import html_block, text_block
from sim.engine.params import (ConfigError, check_value, did_you_mean, get_value, iter_params, param_info, quantity,
                               replace_values)
from sim.engine.scenario import Scenario as Model
from sim.scenarios import SCENARIOS, get_scenario
from sim.solvers.registry import SOLVERS


def load(name: str) -> Scenario:
    """The scenario ``name`` at its calibrated baseline.

    Parameters
    ----------
    name : str
        A built-in scenario (``"iraq2020"``, ``"iraq2020_v1"``, ``"iraq2020_blocs"``) or a
        plug-in's import path ``"package.module:ATTRIBUTE"`` (docs/how-to/add-an-actor.md).

    Raises
    ------
    ConfigError
        If no scenario has that name (with the closest one and the list).
    """
    if isinstance(name, str) and ":" not in name and name not in SCENARIOS:
        raise ConfigError(f"scenario {name!r} is unknown{did_you_mean(name, SCENARIOS)}; allowed: "
                          f"{', '.join(SCENARIOS)}, or an import path 'package.module:ATTRIBUTE'")
    return Scenario(name, get_scenario(name))


def _dotted(name: str) -> str:
    """A keyword's parameter name: ``iraq__nationalism`` is ``iraq.nationalism``."""
    return name.replace("__", ".")


def check_values(model: Model, values: Mapping[str, Any]) -> dict[str, float]:
    """``values`` (dotted name -> number) checked against the parameters' metadata."""
    return {name: check_value(param_info(model.params_cls, name), v) for name, v in values.items()}


def parameter_table(model: Model, params, changes: Mapping[str, float]) -> pd.DataFrame:
    """A row per parameter: label, unit, value at ``params``, default, range, source, and
    whether the point changed it."""
    rows = []
    for info in iter_params(model.params_cls):
        rows.append({"name": info.name, "label": info.label, "unit": info.unit,
                     "value": float(get_value(params, info.name)),
                     "default": float(info.default), "low": float(info.low), "high": float(info.high),
                     "changed": info.name in changes, "source": info.source})
    return pd.DataFrame(rows).set_index("name")


def _solvers_of(model: Model) -> tuple[str, ...]:
    """The concepts that apply to ``model`` (those that need a type or a domestic level it lacks do not)."""
    return tuple(n for n, s in SOLVERS.items() if not (s.requires_types and model.types is None)
                 and not (s.requires_domestic and model.domestic is None))


@dataclass(frozen=True, repr=False)
class Scenario:
    """A scenario at its calibrated baseline: its actors, regimes and parameters, and the
    points and sweeps of it (:meth:`at`, :meth:`sweep`). Made by :func:`load`."""

    name: str  #: how it was named: a registry name or an import path
    model: Model = field(compare=False)  #: the engine's scenario (actors, payoff terms, ...)

    @property
    def actors(self) -> tuple[str, ...]:
        """The players, in player order (the order of every result's and table's actor columns)."""
        return self.model.players

    @property
    def regimes(self) -> tuple[str, ...]:
        """The regimes outcomes are classified into, in plotting order."""
        return self.model.regimes

    @property
    def solvers(self) -> tuple[str, ...]:
        """The solution concepts this scenario can be solved with."""
        return _solvers_of(self.model)

    @property
    def parameters(self) -> pd.DataFrame:
        """Every parameter: label, unit, baseline value, range and source (a row each)."""
        return self.at().parameters

    def at(self, values: Mapping[str, float] | None = None, /, **kwargs: float) -> Point:
        """The point with the parameters ``values`` (and ``kwargs``) set, the rest at the baseline.

        Names are dotted (``"iraq.nationalism"``); as keywords, ``iraq__nationalism=3``
        stands for ``"iraq.nationalism": 3``. Values are in the parameter's unit.

        Raises
        ------
        ConfigError
            For an unknown name (with "did you mean") or a value outside the parameter's
            range (with the range and unit).
        """
        return Point(self, {})._with({**dict(values or {}), **{_dotted(k): v for k, v in kwargs.items()}})

    def solve(self, concept: str = "spe", **options):
        """The baseline solved: ``self.at().solve(concept, **options)`` (:meth:`Point.solve`)."""
        return self.at().solve(concept, **options)

    def sweep(self, x, y=None, z=None):
        """A sweep over 1-3 parameters around the baseline (:meth:`Point.sweep`)."""
        return self.at().sweep(x, y, z)

    def _summary(self) -> tuple[str, list, list[str]]:
        m = self.model
        rows = [["actors", ", ".join(self.actors)], ["regimes", ", ".join(self.regimes)],
                ["parameters", str(sum(1 for _ in iter_params(m.params_cls)))], ["solvers", ", ".join(self.solvers)]]
        return f"Scenario {self.name!r}", rows, []

    def __repr__(self) -> str:
        return text_block(*self._summary())

    def _repr_html_(self) -> str:
        title, rows, notes = self._summary()
        return html_block(title, rows, notes=notes)


@dataclass(frozen=True, repr=False)
class Point:
    """A point of a scenario's parameter space: the baseline with ``changes`` set. Made by
    :meth:`Scenario.at`; solve it (:meth:`solve`), move it (:meth:`at`) or sweep around it
    (:meth:`sweep`)."""

    scenario: Scenario  #: the scenario it belongs to
    changes: Mapping[str, float]  #: dotted name -> value, each checked against its range

    def _with(self, values: Mapping[str, Any]) -> Point:
        return Point(self.scenario, {**self.changes, **check_values(self.scenario.model, values)})

    @property
    def params(self):
        """The scenario's parameter dataclass at this point (what solvers and figures take)."""
        return replace_values(self.scenario.model.params_cls(), self.changes)

    @property
    def parameters(self) -> pd.DataFrame:
        """Every parameter at this point: label, unit, value, default, range, changed, source."""
        return parameter_table(self.scenario.model, self.params, self.changes)

    def at(self, values: Mapping[str, float] | None = None, /, **kwargs: float) -> Point:
        """This point with more parameters set (as :meth:`Scenario.at`)."""
        return self._with({**dict(values or {}), **{_dotted(k): v for k, v in kwargs.items()}})

    def solve(self, concept: str = "spe", **options):
        """Solve the game at this point with the solution concept ``concept``.

        Parameters
        ----------
        concept : str
            A registered concept: ``spe``, ``nash``, ``bayes``, ``qre``, ``abm``,
            ``twolevel`` (the last on ``iraq2020_blocs`` only); see :attr:`Scenario.solvers`.
        **options
            The concept's options, as its config block names them (``qre``: ``lam``,
            ``normal_form``; ``abm``: ``replicates``, ``steps``, ...; ``twolevel``:
            ``victory``, ...), and ``seed`` / ``dynamics`` (the agents' learning rule,
            e.g. ``dynamics="logit"``) for the agent-based model.

        Returns
        -------
        Result
            See :class:`sim.api.result.Result`.

        Raises
        ------
        ConfigError
            For an unknown concept (with the list), one the scenario cannot take, or a bad option.
        """
        from sim.api.result import solve_point

        return solve_point(self, concept, options)

    def sweep(self, x, y=None, z=None):
        """A sweep over 1-3 parameters, the others at this point's values.

        Each axis is ``(param, start, stop, num)`` (evenly spaced, both ends included),
        ``(param, [values])``, or a config axis mapping (``{"param": ..., "space":
        "logspace", "start": ..., "stop": ..., "num": ...}``). Solve it with
        :meth:`sim.api.sweep.Sweep.solve`.
        """
        from sim.api.sweep import Sweep

        return Sweep.of(self, {"x": x, "y": y, "z": z})

    def describe(self) -> str:
        """The point in words: ``"iraq2020 at iraq.nationalism = 3 $bn/yr"``, or ``"iraq2020 at its baseline"``."""
        if not self.changes:
            return f"{self.scenario.name} at its baseline"
        cls = self.scenario.model.params_cls
        shown = ", ".join(f"{n} = {quantity(v, param_info(cls, n).unit)}" for n, v in self.changes.items())
        return f"{self.scenario.name} at {shown}"

    def _summary(self) -> tuple[str, list, list[str]]:
        cls = self.scenario.model.params_cls
        rows = []
        for name, value in self.changes.items():
            info = param_info(cls, name)
            rows.append([name, info.label, quantity(value, info.unit), quantity(info.default, info.unit)])
        notes = [] if rows else ["every parameter at its baseline value"]
        return f"Point of {self.scenario.name!r}", rows, notes

    def __repr__(self) -> str:
        title, rows, notes = self._summary()
        return text_block(title, rows, ["parameter", "label", "value", "baseline"] if rows else None, notes)

    def _repr_html_(self) -> str:
        title, rows, notes = self._summary()
        return html_block(title, rows, ["parameter", "label", "value", "baseline"] if rows else None, notes)
