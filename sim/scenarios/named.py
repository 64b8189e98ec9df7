"""A scenario that also says how its action codes read in figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.engine.scenario import Scenario


@dataclass(frozen=True)
class NamedScenario(Scenario):
    """A :class:`~sim.engine.scenario.Scenario` that also says how its action codes read in figures.

    ``action_names``: ``{actor: {action code: words}}``; a code without words is shown as
    it is. Figures ask for them through :func:`sim.figures.style.action_name`.
    """

    action_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
