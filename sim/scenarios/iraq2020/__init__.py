"""Model 2 of the US-Russia-Iran-Iraq contest after January 2020 (issue 14): the US
chooses its troop posture and a step of coercion; the calibration is derived
(docs/calibration.md). Version 1 is :mod:`sim.scenarios.iraq2020_v1`."""

from sim.scenarios.iraq2020.params import GameParams
from sim.scenarios.iraq2020.scenario import REGIMES, SCENARIO

__all__ = ["GameParams", "REGIMES", "SCENARIO"]
