"""Payoff terms of Model 2, one small vectorised function per term ($bn/yr).

Each term is ``term(p, f) -> array`` broadcastable to ``(n_outcomes, B)``, where ``p``
is a :class:`~sim.scenarios.iraq2020.params.GameParams` (leaves floats or ``(1, B)``
arrays) and ``f`` the features of :func:`sim.scenarios.iraq2020.scenario.features`
(columns ``(n_outcomes, 1)``). The US troop level t (1 maintained, a advisory, 0
withdrawn) scales every term that depends on the presence, so each of them enters the
US's posture choice. docs/model.md gives each term as an equation.
"""

from __future__ import annotations

import numpy as np


def troops(p, f) -> np.ndarray:
    """US troop level t: 1 maintained, a = ``us.advisory_level`` advisory, 0 withdrawn."""
    return f["maintain"] + p.us.advisory_level * f["advisory"]


def overridden(p, f) -> np.ndarray:
    """Troop level kept beyond Iraq's demand, g = max(t - target, 0): a demand for
    advisers overridden by a full presence leaves 1 - a; an exit demand leaves t."""
    a = p.us.advisory_level
    return f["demand_advisers"] * f["maintain"] * (1.0 - a) + f["demand_exit"] * troops(p, f)


def capability(p, f) -> np.ndarray:
    """Air-defence capability fielded by Iraq: 0, S-300 relative capability, or 1."""
    return f["bought_s300"] * p.arms.s300_capability + f["bought_s400"] * 1.0


def price_per_year(p, f) -> np.ndarray:
    """Yearly list price of the system bought (0 if none), $bn/yr."""
    price = f["bought_s300"] * p.arms.s300_price + f["bought_s400"] * p.arms.s400_price
    return price / p.arms.amortisation_years


# --- Iraq -------------------------------------------------------------------------

def iraq_presence(p, f):
    """+t (B_sec - N (1 + iota * pressure) - Z * pressure): security net of the
    nationalist and battleground costs, all per unit of troop level."""
    per_troop = (p.iraq.security_value - p.iraq.nationalism * (1.0 + p.iraq.iran_leverage * f["pressure"])
                 - p.iraq.battleground_cost * f["pressure"])
    return troops(p, f) * per_troop


def iraq_override(p, f):
    """-F g: Baghdad's cost when the US keeps more troops than it demanded."""
    return -p.iraq.override_cost * overridden(p, f)


def iraq_air_defence(p, f):
    """+V_ad * capability - (1 - d) * price / years."""
    return p.iraq.air_defence_value * capability(p, f) - (1.0 - p.russia.discount) * price_per_year(p, f)


def iraq_hedging(p, f):
    """+H when ties with Russia deepen (deepen, or a purchase); H may be negative."""
    return p.iraq.hedging_value * f["tied"]


def iraq_sanctions(p, f):
    """-(E_elec [waiver revoked] + A_US [targeted] + phi R_oil [severe])."""
    return -(p.iraq.electricity_loss * f["waiver"] + p.us.aid * f["targeted"]
             + p.iraq.fed_share_at_risk * p.iraq.oil_revenue * f["severe"])


# --- United States -------------------------------------------------------------------

def us_presence(p, f):
    """+t (P - C_tr (1 + rho * pressure)) - O g: the presence's value net of its cost,
    and the force-protection cost of troops kept against Iraq's demand."""
    per_troop = p.us.presence_value - p.us.troop_cost * (1.0 + p.us.troop_risk * f["pressure"])
    return troops(p, f) * per_troop - p.us.override_cost * overridden(p, f)


def us_credibility(p, f):
    """+kappa * lambda * violations, lambda = m_w (waiver), 1 (targeted), m_sev (severe)."""
    only_waiver = f["waiver"] * (1.0 - f["targeted"])
    only_targeted = f["targeted"] * (1.0 - f["severe"])
    weight = (p.us.waiver_credibility_factor * only_waiver + only_targeted
              + p.us.severe_credibility_factor * f["severe"])
    return p.us.credibility * weight * f["violation"]


def us_sanction_cost(p, f):
    """-(c_w [waiver] + c_tgt [targeted] + c_fed [severe]); severe includes the other two."""
    return -(p.us.waiver_cost * f["waiver"] + p.us.targeted_cost * f["targeted"] + p.us.severe_cost * f["severe"])


# --- Russia --------------------------------------------------------------------------

def russia_sale(p, f):
    """+(m - d) * price / years: margin on a sale, net of the discount."""
    return (p.russia.margin - p.russia.discount) * price_per_year(p, f)


def russia_influence(p, f):
    """+G when ties deepen, +G_exit (1 - t) as US troops leave."""
    return p.russia.influence * f["tied"] + p.russia.exit_value * (1.0 - troops(p, f))


def russia_investment_risk(p, f):
    """-theta * I_RU under severe sanctions."""
    return -p.russia.investment_risk * p.russia.investment * f["severe"]


def russia_offer(p, f):
    """+epsilon * capability offered (prestige of a standing offer)."""
    offered = f["offer_s300"] * p.arms.s300_capability + f["offer_s400"] * 1.0
    return p.russia.offer_value * offered


# --- Iran ----------------------------------------------------------------------------

def iran_exit(p, f):
    """+E_exit (1 - t) as US troops leave."""
    return p.iran.exit_value * (1.0 - troops(p, f))


def iran_strike_degradation(p, f):
    """+E_ad * capability fielded by Iraq."""
    return p.iran.strike_degradation_value * capability(p, f)


def iran_pressure_cost(p, f):
    """-(c_p + Z_IR t) when pressing: escalation risk grows with the troops it targets."""
    return -(p.iran.pressure_cost + p.iran.escalation_cost * troops(p, f)) * f["pressure"]


def iran_sanction_loss(p, f):
    """-T_IR when the energy waiver is revoked (alone or within severe sanctions)."""
    return -p.iran.sanction_loss * f["waiver"]


TERMS = {
    "Russia": (russia_sale, russia_influence, russia_investment_risk, russia_offer),
    "Iran": (iran_exit, iran_strike_degradation, iran_pressure_cost, iran_sanction_loss),
    "Iraq": (iraq_presence, iraq_override, iraq_air_defence, iraq_hedging, iraq_sanctions),
    "US": (us_presence, us_credibility, us_sanction_cost),
}
