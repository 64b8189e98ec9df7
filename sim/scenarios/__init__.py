"""Scenarios by name (the config key ``scenario``), or by import path for plug-ins.

``scenario: iraq2020`` names a built-in scenario (:data:`SCENARIOS`: Model 2 ``iraq2020``,
version 1 ``iraq2020_v1``, Model 2 with a two-level Iraq ``iraq2020_blocs``, Model 2
calibrated for Turkey ``turkey2019`` and for India ``india2018``, :mod:`sim.scenarios.countries`).
A scenario that lives outside the package is named by an import path ``"package.module:ATTRIBUTE"``
(e.g. ``examples.turkey.turkey2020:SCENARIO``, see docs/how-to/add-an-actor.md): the
module is imported and the attribute must be a :class:`~sim.engine.scenario.Scenario`. As with
``python -m``, the current directory is searched too, so a plug-in next to where the
command runs needs no installation.
"""

from __future__ import annotations

import importlib
import os
import re
import sys

from sim.scenarios.iraq2020 import SCENARIO as IRAQ2020
from sim.scenarios.iraq2020_v1 import SCENARIO as IRAQ2020_V1
from sim.scenarios.iraq2020_blocs import SCENARIO as IRAQ2020_BLOCS
from sim.scenarios.iraq2020_blocs.governments import SHOCKS as BLOC_SHOCKS
from sim.scenarios.countries.india2018 import SCENARIO as INDIA2018
from sim.scenarios.countries.turkey2019 import SCENARIO as TURKEY2019
from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario

SCENARIOS: dict[str, Scenario] = {sc.name: sc for sc in (IRAQ2020, IRAQ2020_V1, IRAQ2020_BLOCS, TURKEY2019,
                                                            INDIA2018)}
#: The generated calibration file of each built-in scenario, ``conf/game/<name>.yaml``.
BASELINE_FILES = {"iraq2020": "baseline", "iraq2020_v1": "baseline_v1", "iraq2020_blocs": "baseline_blocs",
                  "turkey2019": "baseline_turkey", "india2018": "baseline_india"}
#: Dated shocks a scenario adds to the dynamic game's calendar (:data:`sim.dynamic.calendar.SHOCKS`).
DYNAMIC_SHOCKS = {"iraq2020_blocs": BLOC_SHOCKS}

_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def get_scenario(name: str) -> Scenario:
    """The scenario registered as ``name``, or the one at the import path ``name``
    (``"package.module:ATTRIBUTE"``); ConfigError (one line) otherwise."""
    if isinstance(name, str) and ":" in name:
        return load_scenario(name)
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"scenario={name!r} is unknown; allowed: {', '.join(SCENARIOS)}, "
            "or an import path 'package.module:ATTRIBUTE'"
        ) from None


def load_scenario(path: str) -> Scenario:
    """Import ``"package.module:ATTRIBUTE"`` and check that it is a Scenario."""
    if not _IMPORT_PATH.match(path):
        raise ConfigError(f"scenario={path!r} is not an import path; allowed: 'package.module:ATTRIBUTE'")
    module_name, _, attr = path.partition(":")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)  # as `python -m` does: a plug-in beside the command is found
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or any error raised while importing it
        what = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise ConfigError(f"scenario={path!r}: cannot import module '{module_name}' ({what})") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(f"scenario={path!r}: module '{module_name}' has no attribute '{attr}'") from None
    if not isinstance(obj, Scenario):
        raise ConfigError(f"scenario={path!r} is a {type(obj).__name__}, not a sim.engine.scenario.Scenario")
    return obj
