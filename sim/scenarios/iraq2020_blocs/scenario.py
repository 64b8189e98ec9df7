"""The two-level Iraq (issue 15): Model 2 with Iraq's move decided by its parliament's
blocs and its prime minister. Under every unitary concept (spe, nash, ...) it is Model 2
itself; the ``twolevel`` concept uses the domestic level (:mod:`.domestic`)."""

from __future__ import annotations

import dataclasses

from sim.scenarios.iraq2020 import SCENARIO as MODEL2
from sim.scenarios.iraq2020_blocs.domestic import DOMESTIC
from sim.scenarios.iraq2020_blocs.params import BlocsGameParams

#: The figures' focal regime is the managed exit (what the parliament's resolution asks for),
#: not Model 2's confrontation.
SCENARIO = dataclasses.replace(MODEL2, name="iraq2020_blocs", params_cls=BlocsGameParams, domestic=DOMESTIC,
                               focal_regime="managed exit")
