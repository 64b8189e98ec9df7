"""A fifth actor: Turkey, a NATO ally that fields the Russian S-400, as a precedent.

Added to the Iraq-2020 scenario (:mod:`sim.scenarios.iraq2020_v1`) purely by this module and YAML
(docs/how-to/add-an-actor.md); nothing in ``sim/`` is edited. Run it with::

    python -m sim --config-dir examples/turkey/conf experiment=turkey

Design (facts from BRIEF §4 and research/domain-notes.md):

* **Turkey** chooses {``none``, ``buy_s400``}: whether to field a Russian S-400 regiment,
  at the price of its 2017 contract ($2.5 bn). It moves **first** — its deal (Sep 2017,
  deliveries from Jul 2019) precedes Iraq's 2020 choice — so the US still moves last.
* What buying brings Turkey: air-defence value and strategic autonomy, minus the price
  (spread over ``arms.amortisation_years``), the CAATSA §231 package imposed on its
  defence procurement agency SSB (14 Dec 2020: export-licence ban, US loans capped at
  $10 m a year, asset freezes) and exclusion from the F-35 programme (17 Jul 2019; it
  had ordered 30). The NDAA 2021 made those sanctions mandatory, so in this game they
  follow from the purchase and are not a US choice: the US action set is unchanged
  (its responses remain responses to Iraq).
* What Turkey's purchase does to the others — the interaction that makes it a player
  in this game rather than a side note: having sanctioned a NATO ally under a mandatory
  statute, the US values punishing Iraq's violations more (a waiver for Iraq would
  undercut CAATSA): the credibility term grows by the factor ``1 + turkey.precedent``.
  The US also loses NATO interoperability, and Russia earns its margin on the sale.
  With ``turkey.precedent = 0`` Turkey's choice cannot change anyone else's, and the
  four original actors play exactly the Iraq-2020 equilibrium (tested).
* Limitation: Turkey's own payoff depends only on its own action, so its choice is a
  threshold rule (buy iff the net value below is positive); at the baseline it buys,
  as it did.

Regimes are Iraq-2020's (the classifier is reused unchanged); Turkey's choice is in the
``spe_turkey`` column of every run. Sequential variant: 2 x 96 = 192 leaves;
simultaneous: 3*2*6*3*2 = 216 profiles, payoffs ``(B, 5, 3, 2, 6, 3, 2)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.scenarios.iraq2020_v1 import scenario as iraq2020
from sim.scenarios.iraq2020_v1.params import GameParams
from sim.scenarios.iraq2020_v1.terms import TERMS as IRAQ2020_TERMS
from sim.engine.params import group, param
from sim.engine.scenario import Actor, Scenario

NOTES = "research/domain-notes.md"


# --- Parameters: the Iraq-2020 ones plus a `turkey` group ----------------------------

@dataclass(frozen=True)
class TurkeyParams:
    s400_price: float = param(
        2.5, unit="$bn", low=0.5, high=10.0,
        label="Price of Turkey's S-400",
        source="Turkey S-400 contract $2.5 bn, signed 12 Sep 2017 (BRIEF §4)",
        doc="price Turkey pays for its S-400 regiment (spread over arms.amortisation_years)")
    air_defence_value: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0,
        label="Security value to Turkey of its S-400",
        source=f"assumption; S-400: 400 km range, 30 km altitude ({NOTES})",
        doc="yearly security value to Turkey of fielding the S-400 (V_T)")
    autonomy_value: float = param(
        0.8, unit="$bn/yr", low=0.0, high=10.0,
        label="Value to Turkey of buying outside NATO",
        source="assumption; supplier diversification and leverage within NATO",
        doc="strategic-autonomy value to Turkey of buying outside NATO (A_T)")
    sanction_cost: float = param(
        0.3, unit="$bn/yr", low=0.0, high=10.0,
        label="Cost to Turkey of the CAATSA sanctions",
        source="assumption; CAATSA §231 on Turkey's SSB, 14 Dec 2020: export-licence ban, "
               "$10 m/yr US loan cap, asset freezes (BRIEF §4)",
        doc="yearly cost to Turkey of the CAATSA package its purchase triggers (S_T)")
    f35_loss: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0,
        label="Cost to Turkey of losing the F-35",
        source=f"assumption; removed from the F-35 programme 17 Jul 2019, had ordered 30 of 100 ({NOTES})",
        doc="yearly cost to Turkey of exclusion from the F-35 programme (F_T)")
    precedent: float = param(
        0.5, unit="1", low=0.0, high=5.0,
        label="Extra US weight on punishing Iraq after Turkey",
        source=f"assumption; NDAA 2021 made §231 sanctions on Turkey mandatory ({NOTES})",
        doc="extra weight the US puts on punishing Iraq's violations once it has sanctioned Turkey (pi_T)")
    us_interoperability_loss: float = param(
        1.0, unit="$bn/yr", low=0.0, high=15.0,
        label="US loss when a NATO ally fields an S-400",
        source=f"assumption; the S-400 got Turkey removed from the F-35 programme ({NOTES})",
        doc="US loss when a NATO ally fields a Russian air-defence system (D_T)")


@dataclass(frozen=True)
class TurkeyGameParams(GameParams):
    """All Iraq-2020 parameters (iraq, us, russia, iran, arms) plus ``turkey``."""

    turkey: TurkeyParams = group(TurkeyParams)


# --- Actors, move order, available actions --------------------------------------------

RUSSIA, IRAN, IRAQ, US = iraq2020.RUSSIA, iraq2020.IRAN, iraq2020.IRAQ, iraq2020.US
TURKEY = 4  # appended, so the four original actors keep their indices
ACTORS = iraq2020.ACTORS + (Actor("Turkey", ("none", "buy_s400")),)


def available(actor: int, history: Mapping[str, str]) -> tuple[str, ...]:
    """Turkey can always choose; the others as in Iraq-2020."""
    if actor == TURKEY:
        return ACTORS[TURKEY].actions
    return iraq2020.available(actor, history)


# --- Features: Iraq-2020's, plus Turkey's purchase ------------------------------------

def features(outcomes: np.ndarray) -> dict[str, np.ndarray]:
    """Iraq-2020's features of each outcome, plus ``turkey_buys`` (0/1)."""
    f = iraq2020.features(outcomes)  # reads columns 0-3 only
    f["turkey_buys"] = (outcomes[:, TURKEY] == 1).astype(float)
    return f


# --- Payoff terms ($bn/yr; p: TurkeyGameParams, f: features) --------------------------

def turkey_air_defence(p, f):
    """+V_T - price_T / T when Turkey buys."""
    return (p.turkey.air_defence_value - p.turkey.s400_price / p.arms.amortisation_years) * f["turkey_buys"]


def turkey_autonomy(p, f):
    """+A_T when Turkey buys."""
    return p.turkey.autonomy_value * f["turkey_buys"]


def turkey_sanctions(p, f):
    """-(S_T + F_T) when Turkey buys: the mandatory CAATSA package and the F-35 exclusion."""
    return -(p.turkey.sanction_cost + p.turkey.f35_loss) * f["turkey_buys"]


def us_precedent(p, f):
    """+pi_T kappa (targeted + m_sev severe) per Iraqi violation punished, if Turkey bought."""
    punish = f["targeted"] + p.us.severe_credibility_factor * f["severe"]
    return p.turkey.precedent * p.us.credibility * punish * f["violation"] * f["turkey_buys"]


def us_interoperability(p, f):
    """-D_T when Turkey fields the S-400."""
    return -p.turkey.us_interoperability_loss * f["turkey_buys"]


def russia_turkey_sale(p, f):
    """+m price_T / T: Russia's margin on the sale to Turkey (list price, no discount)."""
    return p.russia.margin * p.turkey.s400_price / p.arms.amortisation_years * f["turkey_buys"]


TERMS = {
    "Russia": IRAQ2020_TERMS["Russia"] + (russia_turkey_sale,),
    "Iran": IRAQ2020_TERMS["Iran"],
    "Iraq": IRAQ2020_TERMS["Iraq"],
    "US": IRAQ2020_TERMS["US"] + (us_precedent, us_interoperability),
    "Turkey": (turkey_air_defence, turkey_autonomy, turkey_sanctions),
}


SCENARIO = Scenario(
    name="turkey2020",
    actors=ACTORS,
    move_order=(TURKEY, RUSSIA, IRAN, IRAQ, US),
    available=available,
    features=features,
    terms=TERMS,
    regimes=iraq2020.REGIMES,
    classify=iraq2020.classify,
    params_cls=TurkeyGameParams,
    types=iraq2020.SCENARIO.types,  # uncertain US resolve: the US still moves last
)
