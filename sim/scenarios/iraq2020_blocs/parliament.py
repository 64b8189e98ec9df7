"""Iraq's Council of Representatives as blocs, from the May 2018 election (329 seats),
with each bloc's alignment and its presence at the 5 January 2020 vote.

Seats: the Independent High Electoral Commission's results after the 2018 recount, as
tabulated by Wikipedia's "2018 Iraqi parliamentary election" (Fatah 48, State of Law 25,
Iraqi Decision Alliance 14) and by Rudaw, 20 May 2018 (the other blocs, unchanged by
the recount). Alignments are mixtures of three positions on the foreign-troop question
(``us``: the presence protects us; ``iran``: the presence is the enemy's, and Iran's
pressure is our instruction; ``nationalist``: any foreign presence costs sovereignty).
Presence at the vote: the Kurdish and Sunni blocs boycotted it (France 24, 5 Jan 2020;
domain notes: about 170 MPs voted). docs/calibration.md gives each row's sources and
confidence; docs/how-to/change-the-parliament.md says how to change the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.engine.params import ConfigError

ALIGNMENTS = ("us", "iran", "nationalist")
SEATS_TOTAL = 329


@dataclass(frozen=True)
class Bloc:
    """One parliamentary bloc.

    Attributes
    ----------
    key : parameter name suffix (``parliament.seats_<key>``), lower case.
    name : display name.
    seats : seats won in May 2018 (the parameter's default).
    alignment : shares over :data:`ALIGNMENTS`, non-negative, summing to a positive
        number (normalised to 1).
    present : share of the bloc's MPs present at the 5 January 2020 vote, in [0, 1].
    source : where the seats, alignment and presence come from.
    """

    key: str
    name: str
    seats: int
    alignment: Mapping[str, float]
    present: float
    source: str
    shares: tuple[float, ...] = field(init=False)

    def __post_init__(self):
        unknown = [k for k in self.alignment if k not in ALIGNMENTS]
        if unknown:
            raise ConfigError(f"bloc {self.key!r}: unknown alignment {unknown[0]!r}; allowed: {', '.join(ALIGNMENTS)}")
        total = sum(float(v) for v in self.alignment.values())
        if any(float(v) < 0 for v in self.alignment.values()) or not total > 0:
            raise ConfigError(f"bloc {self.key!r} has no alignment: give non-negative shares over "
                              f"{', '.join(ALIGNMENTS)} with a positive sum")
        if self.seats < 0:
            raise ConfigError(f"bloc {self.key!r}: seats={self.seats} is negative; allowed: 0 to {SEATS_TOTAL}")
        if not 0 <= self.present <= 1:
            raise ConfigError(f"bloc {self.key!r}: present={self.present} is outside [0, 1]")
        object.__setattr__(self, "shares", tuple(float(self.alignment.get(a, 0.0)) / total for a in ALIGNMENTS))


RUDAW = "Rudaw, 20 May 2018 (IHEC final results)"
WIKI = "IHEC results after the 2018 recount (Wikipedia, 2018 Iraqi parliamentary election)"
BOYCOTT = "France 24, 5 Jan 2020: Kurdish and Sunni blocs boycotted the vote"

#: The 2018 parliament. Sum of seats = 329.
BLOCS: tuple[Bloc, ...] = (
    Bloc("sairoon", "Sairoon (Sadrists)", 54, {"nationalist": 1}, 1.0,
         f"{RUDAW}; Sadr's 'neither East nor West' platform; he called the 24 Jan 2020 march against US troops"),
    Bloc("fatah", "Fatah (PMF-aligned)", 48, {"iran": 1}, 1.0,
         f"{WIKI}; Rudaw: 'ties to Iranian-backed militias'; its leaders drove the resolution"),
    Bloc("nasr", "Nasr (Abadi)", 42, {"us": 0.5, "nationalist": 0.5}, 1.0,
         f"{RUDAW}; Abadi led the war against ISIS with the US-led coalition (2014-18)"),
    Bloc("state_of_law", "State of Law (Maliki)", 25, {"iran": 1}, 1.0,
         f"{WIKI}; Maliki's coalition, close to Tehran"),
    Bloc("kdp", "KDP", 25, {"us": 1}, 0.0, f"{RUDAW}; {BOYCOTT}"),
    Bloc("wataniya", "Wataniya (Allawi)", 21, {"us": 0.5, "nationalist": 0.5}, 0.0,
         f"{RUDAW}; secular list with a largely Sunni vote; {BOYCOTT}"),
    Bloc("hikma", "Hikma (Hakim)", 19, {"iran": 0.5, "nationalist": 0.5}, 1.0,
         f"{RUDAW}; split from the Iran-founded ISCI in 2017 on a national platform"),
    Bloc("puk", "PUK", 18, {"us": 0.5, "iran": 0.5}, 0.0,
         f"{RUDAW}; Sulaymaniyah's long ties to Tehran; {BOYCOTT}"),
    Bloc("decision", "Iraqi Decision (Sunni)", 14, {"us": 1}, 0.0, f"{WIKI}; {BOYCOTT}"),
    Bloc("other_kurdish", "Other Kurdish parties", 15, {"us": 1}, 0.0,
         f"{RUDAW}: Gorran 5, New Generation 4, Komal 2, CDJ 2, KIU 2; {BOYCOTT}"),
    Bloc("rest", "Other lists and quota seats", 48, {"us": 1, "iran": 1, "nationalist": 1}, 0.5,
         "329 less the blocs above; alignment and presence unknown: equal shares, half present (assumption)"),
)

INA_2021 = "INA, 30 Nov 2021 (IHEC final results of the 10 Oct 2021 election)"

#: The parliament elected on 10 Oct 2021, in the 2018 blocs: Sadrists 73, Fatah 17, State
#: of Law 33, KDP 31, Kurdistan Alliance (PUK) 17, the Sunni Taqaddum 37 and Azm 14 (as
#: Iraqi Decision), Abadi's and Hakim's State Forces 4 (2 each, assumption), New Generation
#: 9; Wataniya won none; the rest (Imtidad 9, 43 independents, smaller lists) 94.
SEATS_2021: dict[str, float] = {
    "sairoon": 73, "fatah": 17, "nasr": 2, "state_of_law": 33, "kdp": 31, "wataniya": 0, "hikma": 2,
    "puk": 17, "decision": 51, "other_kurdish": 9, "rest": 94,
}
