"""Parameters of the two-level Iraq (``iraq2020_blocs``): Model 2's, plus the parliament
and the executive. docs/calibration.md §"The parliament" derives each one.

``parliament.seats_<bloc>`` is generated from :data:`sim.scenarios.iraq2020_blocs.parliament.BLOCS`
(one parameter per bloc, defaulting to its 2018 seats), so a new bloc is one row there.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass

from sim.engine.params import group, param
from sim.scenarios.iraq2020.params import GameParams
from sim.scenarios.iraq2020_blocs.parliament import BLOCS, SEATS_TOTAL

_SEATS = [
    (f"seats_{b.key}", float, param(
        float(b.seats), unit="seats", low=0.0, high=float(SEATS_TOTAL),
        label=f"Seats of {b.name}", source=b.source,
        doc=f"seats of {b.name} in the Council of Representatives (clout in the bargain, votes in the resolution)"))
    for b in BLOCS
]

_BARGAIN = [
    ("executive_weight", float, param(
        0.5, unit="1", low=0.0, high=1.0,
        label="Executive's weight in Iraq's decision",
        source="assumption; the prime minister commands the forces (Constitution Art. 78), the parliament can "
               "unseat him (Art. 61); equal weights as the central value, swept 0-1",
        doc="share of the prime minister in the bargain's clout; the blocs share the rest by seats (w_E)")),
    ("iran_amplifier", float, param(
        2.0, unit="1", low=1.0, high=5.0,
        label="Weight Iran-aligned blocs put on Iranian pressure",
        source="assumption; Iran's pressure works through the blocs it funds (issue 15): they count its cost "
               "of hosting US troops m_IR times as the state does",
        doc="factor by which Iran-aligned blocs weigh the cost of hosting US troops under Iranian pressure (m_IR)")),
    ("nationalist_amplifier", float, param(
        2.0, unit="1", low=1.0, high=5.0,
        label="Weight nationalist blocs put on the nationalist cost",
        source="assumption; nationalism works through the Sadrists (issue 15): they count the nationalist and "
               "override costs m_NAT times as the state does",
        doc="factor by which nationalist blocs weigh the nationalist cost of foreign troops (m_NAT)")),
]

ParliamentParams = make_dataclass("ParliamentParams", _SEATS + _BARGAIN, frozen=True)
ParliamentParams.__doc__ = "The 2018 parliament's seats (one per bloc) and how the bargain weighs blocs."
ParliamentParams.__module__ = __name__


@dataclass(frozen=True)
class ExecutiveParams:
    lean: float = param(
        -0.5, unit="1", low=-1.0, high=1.0,
        label="Executive's alignment (-1 Iran, 0 nationalist, +1 US)",
        source="Abdul-Mahdi (caretaker from Dec 2019) took office in Oct 2018 as the compromise of Sairoon and "
               "Fatah (Reuters, 2 Oct 2018): halfway between their positions, -0.5; Kadhimi (May 2020): +0.5",
        doc="alignment of the prime minister: -1 Iran-aligned, 0 nationalist, +1 US-aligned, mixtures between")
    partisanship: float = param(
        0.5, unit="1", low=0.0, high=1.0,
        label="Executive's partisanship",
        source="assumption; 0 is a prime minister who maximises the state's payoff, 1 one who weighs it as the "
               "blocs of his alignment do",
        doc="how far the prime minister weighs the state's payoff as his alignment does rather than as the state (e)")


@dataclass(frozen=True)
class BlocsGameParams(GameParams):
    """All parameters of Model 2 with Iraq's parliament and executive."""

    parliament: ParliamentParams = group(ParliamentParams)
    executive: ExecutiveParams = group(ExecutiveParams)
