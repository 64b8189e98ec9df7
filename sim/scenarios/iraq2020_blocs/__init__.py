"""Model 2 with a two-level Iraq (issue 15): parliamentary blocs from the May 2018
election and the prime minister bargain over Iraq's move (docs/model.md §8)."""

from sim.scenarios.iraq2020_blocs.params import BlocsGameParams
from sim.scenarios.iraq2020_blocs.scenario import SCENARIO

__all__ = ["BlocsGameParams", "SCENARIO"]
