"""Iraq in the three-country comparison: Model 2's own calibration (``iraq2020``) and its record.

Nothing is recalibrated: the scenario is :data:`sim.scenarios.iraq2020.SCENARIO` with the
values and ranges of docs/calibration.md. Iran is an actor of the Iraqi game (militia
pressure throughout 2020-2022), so nothing is held.
"""

from __future__ import annotations

from sim.scenarios.countries.calibration import Calibration, Observed
from sim.scenarios.iraq2020 import SCENARIO

OBSERVED = Observed(
    path={"Russia": "S-400", "Iran": "pressure", "Iraq": "advisers+status_quo", "US": "advisory+accommodate"},
    regime="negotiated drawdown",
    coercion="accommodate",
    period="Jan 2020 - Dec 2022",
    record="Russia's S-400 offer stood (Amb. Maksimov, 30 Apr 2020); militias pressed US forces throughout; Iraq "
           "signed no air-defence contract and, after the exit demand of Jan 2020, settled in the strategic dialogue "
           "on a drawdown to advisers; the US cut its troops from ~5,200 to 2,500 (Jan 2021), renewed the energy "
           "waiver every time and imposed no sanction (data/history_iraq_2020_2022.csv)",
    mapping="the US drew down to advisers, no system fielded, no sanction: classify gives negotiated drawdown "
            "(the record does not tell deepened ties from the status quo; both give this regime)",
)

CALIBRATION = Calibration("Iraq", SCENARIO, OBSERVED)
