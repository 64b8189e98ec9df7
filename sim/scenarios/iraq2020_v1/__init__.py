"""The US-Russia-Iran-Iraq contest after January 2020 (BRIEF §3)."""

from sim.scenarios.iraq2020.params import GameParams
from sim.scenarios.iraq2020.scenario import REGIMES, SCENARIO

__all__ = ["GameParams", "REGIMES", "SCENARIO"]
