"""The US-Russia-Iran-Iraq contest after January 2020 (BRIEF §3)."""

from sim.scenarios.iraq2020_v1.params import GameParams
from sim.scenarios.iraq2020_v1.scenario import REGIMES, SCENARIO

__all__ = ["GameParams", "REGIMES", "SCENARIO"]
