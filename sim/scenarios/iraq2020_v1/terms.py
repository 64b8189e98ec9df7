"""Payoff terms of the Iraq-2020 scenario, one small vectorised function per term.

Each term is ``term(p, f) -> array`` broadcastable to ``(n_outcomes, B)``, in $bn/yr,
where ``p`` is a :class:`~sim.scenarios.iraq2020_v1.params.GameParams` (leaves floats or ``(1, B)``
arrays) and ``f`` the outcome features of :func:`sim.scenarios.iraq2020_v1.scenario.features`
(arrays of shape ``(n_outcomes, 1)`` when solving; any shape that broadcasts works). docs/model.md gives each term as an equation.
"""

from __future__ import annotations

import numpy as np


def capability(p, f) -> np.ndarray:
    """Air-defence capability fielded by Iraq: 0, S-300 relative capability, or 1."""
    return f["bought_s300"] * p.arms.s300_capability + f["bought_s400"] * 1.0


def price_per_year(p, f) -> np.ndarray:
    """Yearly list price of the system bought (0 if none), $bn/yr."""
    price = f["bought_s300"] * p.arms.s300_price + f["bought_s400"] * p.arms.s400_price
    return price / p.arms.amortisation_years


# --- Iraq -------------------------------------------------------------------------

def iraq_security(p, f):
    """+B_sec while US troops stay."""
    return p.iraq.security_value * f["keep"]


def iraq_nationalism(p, f):
    """-N (1 + iota * pressure) while US troops stay."""
    return -p.iraq.nationalism * (1.0 + p.iraq.iran_leverage * f["pressure"]) * f["keep"]


def iraq_battleground(p, f):
    """-Z when US troops stay and Iran presses."""
    return -p.iraq.battleground_cost * (f["keep"] * f["pressure"])


def iraq_air_defence(p, f):
    """+V_ad * capability - (1 - d) * price / years."""
    return p.iraq.air_defence_value * capability(p, f) - (1.0 - p.russia.discount) * price_per_year(p, f)


def iraq_hedging(p, f):
    """+H when ties with Russia deepen (deepen, or a purchase)."""
    return p.iraq.hedging_value * f["tied"]


def iraq_aid_loss(p, f):
    """-A_US under any sanction; else -q A_US (conditional aid) if ties deepen."""
    conditional = p.us.aid_conditionality * f["tied"] * (1.0 - f["sanctioned"])
    return -p.us.aid * (f["sanctioned"] + conditional)


def iraq_severe_loss(p, f):
    """-(phi R_oil + E_elec) under severe sanctions (NY Fed account, waiver revoked)."""
    return -(p.iraq.fed_share_at_risk * p.iraq.oil_revenue + p.iraq.electricity_loss) * f["severe"]


# --- United States -------------------------------------------------------------------

def us_presence(p, f):
    """+(P - C_tr (1 + rho * pressure)) while troops stay."""
    return (p.us.presence_value - p.us.troop_cost * (1.0 + p.us.troop_risk * f["pressure"])) * f["keep"]


def us_air_freedom(p, f):
    """-D * capability fielded by Iraq."""
    return -p.us.air_freedom_loss * capability(p, f)


def us_credibility(p, f):
    """+kappa (targeted + m_sev severe) per violation punished (expelling; buying)."""
    punish = f["targeted"] + p.us.severe_credibility_factor * f["severe"]
    return p.us.credibility * punish * f["violation"]


def us_sanction_cost(p, f):
    """-(c_tgt targeted + c_sev severe)."""
    return -(p.us.targeted_cost * f["targeted"] + p.us.severe_cost * f["severe"])


def us_influence(p, f):
    """-L when Iraq deepens ties with Russia or buys."""
    return -p.us.influence_loss * f["tied"]


# --- Russia --------------------------------------------------------------------------

def russia_sale(p, f):
    """+(m - d) * price / years: margin on a sale, net of the discount."""
    return (p.russia.margin - p.russia.discount) * price_per_year(p, f)


def russia_influence(p, f):
    """+G when ties deepen, +G_exit when US troops leave."""
    return p.russia.influence * f["tied"] + p.russia.exit_value * f["expel"]


def russia_investment_risk(p, f):
    """-theta * I_RU under severe sanctions."""
    return -p.russia.investment_risk * p.russia.investment * f["severe"]


def russia_offer(p, f):
    """+epsilon * capability offered (prestige of a standing offer)."""
    offered = f["offer_s300"] * p.arms.s300_capability + f["offer_s400"] * 1.0
    return p.russia.offer_value * offered


# --- Iran ----------------------------------------------------------------------------

def iran_exit(p, f):
    """+E_exit when US troops leave."""
    return p.iran.exit_value * f["expel"]


def iran_strike_degradation(p, f):
    """+E_ad * capability fielded by Iraq."""
    return p.iran.strike_degradation_value * capability(p, f)


def iran_pressure_cost(p, f):
    """-c_p when pressing, -Z_IR more if US troops stay."""
    return -(p.iran.pressure_cost + p.iran.escalation_cost * f["keep"]) * f["pressure"]


def iran_sanction_loss(p, f):
    """-T_IR under severe sanctions (energy waiver revoked)."""
    return -p.iran.sanction_loss * f["severe"]


TERMS = {
    "Russia": (russia_sale, russia_influence, russia_investment_risk, russia_offer),
    "Iran": (iran_exit, iran_strike_degradation, iran_pressure_cost, iran_sanction_loss),
    "Iraq": (iraq_security, iraq_nationalism, iraq_battleground, iraq_air_defence,
             iraq_hedging, iraq_aid_loss, iraq_severe_loss),
    "US": (us_presence, us_air_freedom, us_credibility, us_sanction_cost, us_influence),
}
