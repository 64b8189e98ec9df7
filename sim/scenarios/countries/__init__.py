"""One game, three countries (issue 17, item 1): Model 2 calibrated for Iraq, Turkey and India.

:data:`CALIBRATIONS` maps each country's name to its :class:`Calibration`: the scenario
(``iraq2020``, ``turkey2019``, ``india2018``: Model 2's players, actions, payoff terms and
regimes with the country's parameters), the outcome on its record in Model 2's regimes,
and the parameters neutralised for it. docs/calibration-countries.md derives every value.
"""

from __future__ import annotations

from sim.engine.params import ConfigError, did_you_mean
from sim.scenarios.countries.calibration import Calibration, Observed, observed_regime
from sim.scenarios.countries.india2018 import CALIBRATION as INDIA
from sim.scenarios.countries.iraq2020 import CALIBRATION as IRAQ
from sim.scenarios.countries.turkey2019 import CALIBRATION as TURKEY

#: Every country calibrated, by name, in the order tables and figures list them.
CALIBRATIONS: dict[str, Calibration] = {c.country: c for c in (IRAQ, TURKEY, INDIA)}


def get_calibration(name: str, key: str = "country") -> Calibration:
    """The calibration of country ``name``; ConfigError (one line naming ``key``) if unknown."""
    try:
        return CALIBRATIONS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"{key}={name!r} is unknown{did_you_mean(name, CALIBRATIONS)}; allowed: "
                          f"{', '.join(CALIBRATIONS)}") from None


__all__ = ["CALIBRATIONS", "Calibration", "Observed", "get_calibration", "observed_regime"]
