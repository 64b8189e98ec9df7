"""The quarters of the dynamic game, Q1 2020 – Q4 2022, and the dated shocks that change
the stage game's parameters (docs/model.md §9).

A shock sets a parameter of the stage game from a quarter on (until a later shock to the
same parameter). Each carries its source; "assumption" marks a value no source gives.
Events of the record that change no parameter of the unitary stage game (the 5 January
2020 vote, the new governments of May 2020 and October 2022, the October 2021 election)
are listed in :data:`UNMODELLED` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.engine.params import ConfigError

QUARTER = re.compile(r"(\d{4})Q([1-4])")
QUARTER_HINT = "write YYYYQn with n in 1-4 (e.g. 2020Q1)"


def quarter_index(quarter: str, origin: str | None = None) -> int:
    """The quarter's count ``4 * year + n - 1`` (consecutive quarters differ by 1 across
    years), or its distance in quarters from ``origin`` when given: ``quarter_index("2021Q2",
    "2020Q1") == 5``. ConfigError for a malformed quarter ("2020Q5", "20Q1")."""
    m = QUARTER.fullmatch(quarter) if isinstance(quarter, str) else None
    if m is None:
        raise ConfigError(f"quarter {quarter!r} is malformed; {QUARTER_HINT}")
    index = 4 * int(m[1]) + int(m[2]) - 1
    return index - quarter_index(origin) if origin is not None else index


def quarter_name(index: int) -> str:
    """Inverse of :func:`quarter_index`."""
    return f"{index // 4}Q{index % 4 + 1}"


def quarters(start: str, stop: str) -> tuple[str, ...]:
    """Every quarter from ``start`` to ``stop`` inclusive; ConfigError if the range is empty."""
    a, b = quarter_index(start), quarter_index(stop)
    if b < a:
        raise ConfigError(f"quarters {start}-{stop}: the range is empty (start after stop)")
    return tuple(quarter_name(i) for i in range(a, b + 1))


@dataclass(frozen=True)
class Shock:
    """From ``quarter`` on, parameter ``param`` (dotted) takes ``value``; ``event`` says why."""

    quarter: str
    param: str
    value: float
    event: str
    source: str


MOIL = "Iraqi Oil Ministry revenue, 2019 $78.5 bn, 2020 $42 bn, 2021 $75 bn, 2022 >$115 bn (Al Jazeera; domain notes)"

#: The dated shocks of 2020-2022, in order.
SHOCKS: tuple[Shock, ...] = (
    Shock("2020Q1", "iraq.oil_revenue", 78.5, "oil revenue at its 2019 level until the crash", MOIL),
    Shock("2020Q2", "iraq.oil_revenue", 42.0, "April 2020 oil-price crash: 2020 revenue $42 bn", MOIL),
    Shock("2021Q1", "iraq.oil_revenue", 75.0, "recovery: 2021 revenue $75 bn", MOIL),
    Shock("2022Q1", "iraq.oil_revenue", 115.0, "2022 revenue above $115 bn", MOIL),
    Shock("2022Q1", "russia.margin", 0.0, "24 Feb 2022: Russia's invasion of Ukraine; its air defences are needed at "
          "home, so a sale earns it nothing", "assumption: no public figure for Russia's spare S-400 capacity"),
)

#: Events of the record the unitary stage game has no parameter for, with the reason.
UNMODELLED: Mapping[str, str] = {
    "2020Q1 strike (3 Jan) and parliament vote (5 Jan)": "they are why the calibration has Iran pressing and a "
    "nationalist cost of hosting; both hold from the first quarter, so they are the baseline, not a shock",
    "2020Q2 Kadhimi government (7 May)": "a government enters only the two-level Iraq (executive.lean): the "
    "scenario iraq2020_blocs adds it (sim/scenarios/iraq2020_blocs/governments.py)",
    "2021Q4 election (10 Oct) and 2022Q4 Sudani government (27 Oct)": "as for Kadhimi (seats from 2022Q1)",
    "2020Q3 and 2021Q1 drawdowns": "not shocks: the US posture is a move of the game, so drawdowns are equilibrium "
    "choices the back-test scores",
}


@dataclass(frozen=True)
class Calendar:
    """The quarters of a dynamic game and the stage parameters each one overrides."""

    quarters: tuple[str, ...]
    overrides: tuple[Mapping[str, float], ...]  # per quarter: dotted name -> value

    @property
    def n(self) -> int:
        return len(self.quarters)


def calendar(start: str = "2020Q1", stop: str = "2022Q4", shocks: Sequence[Shock] = SHOCKS) -> Calendar:
    """The calendar from ``start`` to ``stop``: each quarter's overrides are the latest
    shock to each parameter at or before it."""
    qs = quarters(start, stop)
    ordered = sorted(shocks, key=lambda s: quarter_index(s.quarter))
    out = []
    for q in qs:
        now = quarter_index(q)
        out.append({s.param: s.value for s in ordered if quarter_index(s.quarter) <= now})
    return Calendar(qs, tuple(out))
