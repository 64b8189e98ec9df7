"""A new action: the US may publicly *warn* Iraq (docs/how-to/add-an-actor.md, "Add an action").

BRIEF §3: "the US needs a response to 'deepen' (warning, conditional aid)". Iraq-2020
models conditional aid; this module adds the warning as a fourth US response, between
``accommodate`` and ``targeted``, to the Iraq-2020 scenario without editing it. Run::

    python -m sim scenario=examples.us_warning:SCENARIO

(the ``warn`` parameters take their defaults below; sweep or set them as
``sweep.x.param=warn.sting``). A warning costs the US ``warn.cost``, earns it
``warn.credibility`` if Iraq has deepened ties or bought, and costs a deepening Iraq
``warn.sting`` (reputational and investment-climate cost). At the baseline the US would
warn a hedging Iraq, and Iraq therefore keeps the status quo. Sequential variant:
2*4*4 + 2*2*6*4 = 128 leaves; simultaneous payoffs ``(B, 4, 3, 2, 6, 4)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.scenarios.iraq2020_v1 import scenario as iraq2020
from sim.scenarios.iraq2020_v1.params import GameParams
from sim.scenarios.iraq2020_v1.terms import TERMS as IRAQ2020_TERMS
from sim.engine.params import group, param
from sim.engine.scenario import Actor

US = iraq2020.US


@dataclass(frozen=True)
class WarnParams:
    credibility: float = param(
        0.2, unit="$bn/yr", low=0.0, high=5.0,
        label="Value to the US of warning a hedging Iraq",
        source="assumption; BRIEF §3: a warning as the US response to 'deepen'",
        doc="value to the US of warning an Iraq that deepened ties or bought")
    cost: float = param(
        0.1, unit="$bn/yr", low=0.0, high=5.0, source="assumption",
        label="Cost to the US of a public warning",
        doc="cost to the US of a public warning")
    sting: float = param(
        0.3, unit="$bn/yr", low=0.0, high=5.0, source="assumption",
        label="Cost to Iraq of a public US warning",
        doc="cost to Iraq of being publicly warned after deepening ties or buying")


@dataclass(frozen=True)
class WarnGameParams(GameParams):
    """The Iraq-2020 parameters plus ``warn``."""

    warn: WarnParams = group(WarnParams)


# 1. The label, in the actor's action tuple (least to most escalatory).
US_ACTIONS = ("accommodate", "warn", "targeted", "severe")
ACTORS = iraq2020.ACTORS[:US] + (Actor("US", US_ACTIONS),)


# 2. Availability: iraq2020.available returns labels of its own actor tuples.
def available(actor: int, history: Mapping[str, str]) -> tuple[str, ...]:
    return US_ACTIONS if actor == US else iraq2020.available(actor, history)


# 3. Features: action *indices* moved, so map them back for the reused function.
def features(outcomes: np.ndarray) -> dict[str, np.ndarray]:
    """Iraq-2020's features (a warning counts as accommodating there), plus ``warned``."""
    us = outcomes[:, US]
    old = outcomes.copy()
    old[:, US] = np.where(us >= 1, us - 1, 0)  # accommodate, warn -> 0; targeted -> 1; severe -> 2
    f = iraq2020.features(old)
    f["warned"] = (us == 1).astype(float)
    return f


# 4. Payoff terms for the new action.
def us_warning(p, f):
    """+(credibility * tied - cost) when the US warns."""
    return (p.warn.credibility * f["tied"] - p.warn.cost) * f["warned"]


def iraq_warned(p, f):
    """-sting when warned after deepening ties or buying."""
    return -p.warn.sting * f["tied"] * f["warned"]


TERMS = dict(IRAQ2020_TERMS, US=IRAQ2020_TERMS["US"] + (us_warning,),
             Iraq=IRAQ2020_TERMS["Iraq"] + (iraq_warned,))

# 5. The scenario: Iraq-2020 with these pieces replaced (regimes and classify unchanged:
#    a warning does not change the regime).
SCENARIO = dataclasses.replace(
    iraq2020.SCENARIO, name="iraq2020_warn", actors=ACTORS, available=available,
    features=features, terms=TERMS, params_cls=WarnGameParams)
