"""One game, several countries: what a country's calibration of Model 2 is, as data.

Model 2 (:mod:`sim.scenarios.iraq2020`) has a buyer state ("Iraq"), a regional third party
("Iran"), Russia and the US. A *country calibration* keeps its players, actions, payoff
terms and regimes and changes only the numbers: the buyer becomes the country (Turkey,
India), each parameter gets the country's own value, range and source. This module
holds what every calibration declares:

* :class:`Observed`: the outcome on the record, mapped onto Model 2's regimes by
  :func:`sim.scenarios.iraq2020.scenario.classify` (a path of actions, so a test can check
  that the classifier gives the regime claimed), with the US's step of coercion;
* :class:`Calibration`: the country's scenario, its observed outcome, and the parameters
  it *holds* at a neutral value (the Iranian channel, for a country Iran cannot press)
  with the reason; the uncertainty analysis draws every other parameter over its
  documented range and, to show the result does not hinge on the neutralised channel,
  draws the held ones too (:mod:`sim.analysis.countries`);
* :func:`buyer_scenario`: Model 2 with the buyer renamed and the country's parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.engine.scenario import Actor, Scenario
from sim.scenarios.iraq2020 import SCENARIO as MODEL2
from sim.scenarios.iraq2020.display import ACTION_NAMES
from sim.scenarios.iraq2020.scenario import COERCION, REGIMES, features
from sim.scenarios.named import NamedScenario

#: The buyer state's name in Model 2 (its payoff terms read ``p.iraq``).
MODEL2_BUYER = "Iraq"


@dataclass(frozen=True)
class Observed:
    """The outcome on the record, in Model 2's terms.

    ``path``: the action of each actor on the record, ``{actor name: action code}`` (the
    buyer under the country's name); ``regime``: the regime ``classify`` gives that path
    (one of :data:`~sim.scenarios.iraq2020.scenario.REGIMES`); ``coercion``: the US's step
    on it (one of :data:`~sim.scenarios.iraq2020.scenario.COERCION`); ``period``: when;
    ``record``: what happened, with sources; ``mapping``: why this path and regime.
    """

    path: Mapping[str, str]
    regime: str
    coercion: str
    period: str
    record: str
    mapping: str

    def __post_init__(self):
        if self.regime not in REGIMES:
            raise ValueError(f"observed regime {self.regime!r} is not one of {REGIMES}")
        if self.coercion not in COERCION:
            raise ValueError(f"observed coercion {self.coercion!r} is not one of {COERCION}")


@dataclass(frozen=True)
class Calibration:
    """A country's calibration of Model 2.

    ``country``: its name (the key of :data:`sim.scenarios.countries.CALIBRATIONS` and the
    ``country`` column); ``scenario``: Model 2 with the country's parameters; ``observed``:
    its record; ``held``: dotted parameter names held at their calibrated (neutral) value
    in the main draws and drawn over their documented ranges only in the robustness draws;
    ``held_reason``: why they are neutralised.
    """

    country: str
    scenario: Scenario
    observed: Observed
    held: tuple[str, ...] = ()
    held_reason: str = ""

    @property
    def buyer(self) -> str:
        """The buyer state's actor name in the scenario (``Iraq``, ``Turkey``, ``India``)."""
        return self.scenario.actors[2].name


def observed_regime(sc: Scenario, path: Mapping[str, str]) -> str:
    """The regime ``sc.classify`` gives the outcome ``path`` (``{actor: action code}``,
    every actor named): the check that an :class:`Observed` maps honestly."""
    row = np.array([[a.actions.index(path[a.name]) for a in sc.actors]])
    return sc.regimes[int(sc.classify(features(row))[0])]


def buyer_scenario(name: str, buyer: str, params_cls: type) -> NamedScenario:
    """Model 2 with its buyer ``Iraq`` renamed ``buyer`` and parameters ``params_cls``.

    The actors, order of moves, actions, features, payoff terms (the same functions) and
    regimes are Model 2's; ``params_cls`` must have Model 2's groups and fields, with the
    buyer's group reachable as ``.iraq`` (the name the terms read) as well as under its
    own name. Figures name the buyer's actions with Model 2's words.
    """
    actors = tuple(Actor(buyer, a.actions) if a.name == MODEL2_BUYER else a for a in MODEL2.actors)
    terms = {(buyer if k == MODEL2_BUYER else k): v for k, v in MODEL2.terms.items()}
    names = {(buyer if k == MODEL2_BUYER else k): v for k, v in ACTION_NAMES.items()}
    return dataclasses.replace(MODEL2, name=name, actors=actors, terms=terms, params_cls=params_cls,
                               action_names=names)
