"""The state of one explorer page: the scenario and the values its controls hold.

Solara gives every browser tab its own copy of a module-level ``solara.reactive`` value,
so these are per page, not shared. Each parameter has its own reactive value, so moving
one slider re-renders that slider and what reads the whole point (the regime, the
panels), not the other forty sliders.

The scenario is chosen when the server starts (:data:`SCENARIO_ENV`, set by
:func:`sim.explore.server.serve`); ``iraq2020`` by default.
"""

from __future__ import annotations

import os

import solara

from sim.engine.scenario import Scenario
from sim.explore.state import default_axes, groups, sliders
from sim.scenarios import get_scenario

SCENARIO_ENV = "SIM_EXPLORE_SCENARIO"  #: environment variable naming the scenario to explore
DEFAULT_SCENARIO = "iraq2020"
DEFAULT_LAM = 1.0  #: the QRE's rationality λ at start, 1/($bn/yr) (the ``qre.lam`` default)


def scenario_name() -> str:
    """The scenario the server explores (:data:`SCENARIO_ENV`, else :data:`DEFAULT_SCENARIO`)."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


SCENARIO: Scenario = get_scenario(scenario_name())
GROUPS = groups(SCENARIO)
SLIDERS = sliders(SCENARIO)
_X, _Y = default_axes(SCENARIO)

#: The value of every parameter, by dotted name (per page).
VALUES: dict[str, solara.Reactive[float]] = {name: solara.reactive(s.default) for name, s in SLIDERS.items()}
X_AXIS = solara.reactive(_X)  #: the slice's x axis (:class:`~sim.explore.state.AxisRange`)
Y_AXIS = solara.reactive(_Y)  #: the slice's y axis
LAM = solara.reactive(DEFAULT_LAM)  #: the QRE's rationality λ, 1/($bn/yr)
RULE = solara.reactive("best_response")  #: the agents' learning rule
RUNS = solara.reactive(100)  #: runs of the agent-based trajectory
STEPS = solara.reactive(100)  #: steps of the agent-based trajectory
MESSAGE = solara.reactive("")  #: the one-line error of the last typed input ("" if none)


def current() -> dict[str, float]:
    """Every parameter's current value, by dotted name."""
    return {name: r.value for name, r in VALUES.items()}


def changed_pairs() -> tuple[tuple[str, float], ...]:
    """``(name, value)`` of the parameters away from their defaults, sorted (hashable)."""
    return tuple(sorted((k, v) for k, v in current().items() if v != SLIDERS[k].default))


def reset() -> None:
    """Every parameter back to its default; the message cleared."""
    for name, r in VALUES.items():
        r.set(SLIDERS[name].default)
    MESSAGE.set("")
