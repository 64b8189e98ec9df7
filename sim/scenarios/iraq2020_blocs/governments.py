"""Iraq's governments and parliaments of 2020-2022 as dated shocks of the dynamic game
with the two-level Iraq (docs/model.md §9; :mod:`sim.dynamic.calendar`).

The prime minister's alignment ``executive.lean`` follows the governments of the record
(data/history_iraq_2020_2022.csv, column ``government``) and the parliament's seats follow
the October 2021 election from the quarter the new council sat.
"""

from __future__ import annotations

from sim.dynamic.calendar import Shock
from sim.scenarios.iraq2020_blocs.parliament import INA_2021, SEATS_2021

LEAN_SOURCE = ("Abdul-Mahdi, the compromise of Sairoon and Fatah (Reuters, 2 Oct 2018): -0.5; Kadhimi "
               "(Al Jazeera 7 May 2020), the US-leaning intelligence chief: +0.5 (the calibration's values, "
               "sim/scenarios/iraq2020_blocs/params.py)")

#: The dated shocks to the executive and the parliament, in order.
SHOCKS: tuple[Shock, ...] = (
    Shock("2020Q1", "executive.lean", -0.5, "caretaker Abdul-Mahdi government", LEAN_SOURCE),
    Shock("2020Q2", "executive.lean", 0.5, "7 May 2020: Kadhimi's government (caretaker after the 2021 election "
          "until Oct 2022)", LEAN_SOURCE),
    *(Shock("2022Q1", f"parliament.seats_{bloc}", float(seats), "the council elected on 10 Oct 2021 sits "
            "(first session in January 2022: assumption from the final results' date)", INA_2021)
      for bloc, seats in SEATS_2021.items()),
    Shock("2022Q4", "executive.lean", -0.5, "27 Oct 2022: Sudani's government, the Coordination Framework's "
          "candidate (Rudaw 27 Oct 2022)", "assumption: the Iran-aligned Framework's compromise candidate, "
          "placed as Abdul-Mahdi (-0.5); no source gives a number"),
)
