"""Scenarios by name (the config key ``scenario``)."""

from __future__ import annotations

from sim.iraq2020 import SCENARIO as IRAQ2020
from sim.params import ConfigError
from sim.scenario import Scenario

SCENARIOS: dict[str, Scenario] = {IRAQ2020.name: IRAQ2020}


def get_scenario(name: str) -> Scenario:
    """The scenario registered as ``name``; ConfigError listing the known ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ConfigError(f"scenario={name!r} is unknown; allowed: {', '.join(SCENARIOS)}") from None
