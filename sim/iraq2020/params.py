"""Parameters of the Iraq-2020 scenario, calibrated from BRIEF §4 and the seed article.

All money terms are in $bn-equivalent per year ("$bn/yr"); one-off prices are turned
into yearly costs by dividing by ``arms.amortisation_years``. A ``source`` starting with
"assumption" marks a modelling choice with no published figure behind it; the sweep
ranges are wide enough to show how the regime depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.params import group, param

ARTICLE = "seed article (Baghdad Post 2020)"


@dataclass(frozen=True)
class IraqParams:
    security_value: float = param(
        3.7, unit="$bn/yr", low=0.0, high=15.0,
        source=f"{ARTICLE}: US economic + military assistance $3.7 bn (2017)",
        doc="value to Iraq of US security cooperation while US troops stay (B_sec)")
    nationalism: float = param(
        2.0, unit="$bn/yr", low=0.0, high=20.0,
        source="assumption; direction from the 5 Jan 2020 parliament resolution (non-binding)",
        doc="nationalist cost to the Iraqi government of hosting foreign troops (N)")
    iran_leverage: float = param(
        0.5, unit="1", low=0.0, high=3.0,
        source="assumption; article: large Shia population, long border with Iran",
        doc="factor by which Iranian pressure amplifies the nationalist cost (iota)")
    battleground_cost: float = param(
        2.0, unit="$bn/yr", low=0.0, high=20.0,
        source="assumption; article: 'another major conflict ... could well mean its end'",
        doc="cost to Iraq of hosting US troops while Iran presses (Z)")
    air_defence_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption; article: S-300/S-400 engage aircraft, drones, missiles to 30 km",
        doc="yearly security value to Iraq of an S-400 (an S-300 is worth arms.s300_capability of it)")
    hedging_value: float = param(
        0.6, unit="$bn/yr", low=0.0, high=5.0,
        source="assumption; article: Iraq-Russia trade ~$2 bn, Russian investment >$10 bn",
        doc="value of deeper economic/energy ties with Russia (diversification) (H)")
    oil_revenue: float = param(
        78.5, unit="$bn/yr", low=40.0, high=120.0,
        source="Iraqi Oil Ministry 2019 ($78.5 bn; article says >$90 bn; BRIEF sweep 75-90)",
        doc="Iraq's oil-export revenue (R_oil)")
    fed_share_at_risk: float = param(
        0.1, unit="1", low=0.0, high=1.0,
        source="assumption; NY Fed account threat (article); ~$3 bn overnight deposits (CBI 2018)",
        doc="share of oil revenue disrupted by restricting Iraq's NY Fed account (phi)")
    electricity_loss: float = param(
        3.0, unit="$bn/yr", low=0.0, high=15.0,
        source="assumption; Iranian gas+electricity ~1/3 of Iraq's power (AFP/AP 2020)",
        doc="cost to Iraq of losing the waiver for Iranian energy imports (E_elec)")


@dataclass(frozen=True)
class USParams:
    aid: float = param(
        3.7, unit="$bn/yr", low=0.0, high=15.0,
        source=f"{ARTICLE}: $3.7 bn assistance (2017)",
        doc="aid, FMS and licences Iraq loses under any US sanction (A_US)")
    aid_conditionality: float = param(
        0.1, unit="1", low=0.0, high=1.0,
        source="assumption; BRIEF §3: the US needs a response to 'deepen'",
        doc="share of A_US withheld (conditional aid) when Iraq deepens or buys, unsanctioned (q)")
    presence_value: float = param(
        8.0, unit="$bn/yr", low=0.0, high=30.0,
        source="assumption; counter-Iran and counter-ISIS value of basing",
        doc="strategic value to the US of keeping troops in Iraq (P)")
    troop_cost: float = param(
        5.2, unit="$bn/yr", low=0.0, high=20.0,
        source="~5,200 troops (Jan 2020, CENTCOM) x assumed $1 m per troop-year",
        doc="yearly cost of the US deployment (C_tr)")
    troop_risk: float = param(
        0.5, unit="1", low=0.0, high=3.0,
        source="assumption; militia attacks on US bases under Iranian pressure",
        doc="factor by which Iranian pressure raises the troop cost (rho)")
    air_freedom_loss: float = param(
        3.0, unit="$bn/yr", low=0.0, high=15.0,
        source="assumption; article: S-400 would make Soleimani-type strikes 'extremely difficult'",
        doc="US loss of freedom of action if Iraq fields an S-400 (D)")
    credibility: float = param(
        1.0, unit="$bn/yr", low=0.0, high=15.0,
        source="assumption; CAATSA §231 precedents (China 2018, Turkey 2020)",
        doc="value to the US of punishing a violation (buying a system or expelling troops) (kappa)")
    severe_credibility_factor: float = param(
        2.0, unit="1", low=1.0, high=5.0,
        source="assumption; Jan 2020 threat of sanctions 'like they've never seen before'",
        doc="credibility of severe relative to targeted punishment (m_sev)")
    targeted_cost: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption; lost FMS sales (>$23 bn since 2003, State Dept)",
        doc="cost to the US of targeted sanctions on Iraq (c_tgt)")
    severe_cost: float = param(
        4.0, unit="$bn/yr", low=0.0, high=30.0,
        source="assumption; US-Iraq trade $13.2 bn (article); 'it will lose Iraq forever'",
        doc="cost to the US of severe sanctions on Iraq (c_sev)")
    committed_prior: float = param(
        1.0, unit="1", low=0.0, high=1.0,
        source="assumption; article: the US 'previously acted to ensure Iraq did not purchase the S-300'",
        doc="probability, held by the other actors, that the US is the committed type (pi); 1 = complete information")
    bluff_credibility: float = param(
        0.0, unit="$bn/yr", low=0.0, high=15.0,
        source="assumption",
        doc="value a bluffing US puts on punishing a violation (the committed type: us.credibility)")
    influence_loss: float = param(
        0.3, unit="$bn/yr", low=0.0, high=5.0,
        source="assumption",
        doc="US loss when Iraq deepens ties with Russia or buys a system (L)")


@dataclass(frozen=True)
class RussiaParams:
    margin: float = param(
        0.3, unit="1", low=0.0, high=1.0,
        source="assumption",
        doc="profit margin of a sale at list price")
    discount: float = param(
        0.0, unit="1", low=0.0, high=0.9,
        source="assumption; BRIEF §3 'optionally at a discount'",
        doc="discount on the list price offered to Iraq (d); Russia's margin falls by it")
    influence: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption; article: Moscow on standby to consolidate regional clout",
        doc="Russian influence gain when Iraq deepens ties or buys (G)")
    exit_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption",
        doc="Russian gain when US troops leave Iraq (G_exit)")
    investment: float = param(
        10.0, unit="$bn", low=0.0, high=30.0,
        source=f"{ARTICLE}: Russian investment in Iraq >$10 bn",
        doc="Russian investment stock in Iraq (I_RU)")
    investment_risk: float = param(
        0.05, unit="1/yr", low=0.0, high=1.0,
        source="assumption",
        doc="share of the investment lost per year under severe sanctions (theta)")
    offer_value: float = param(
        0.05, unit="$bn/yr", low=0.0, high=2.0,
        source="assumption; article: Russia 'intensifying efforts to sell'",
        doc="prestige of a standing offer, per unit of capability offered (epsilon)")


@dataclass(frozen=True)
class IranParams:
    exit_value: float = param(
        3.0, unit="$bn/yr", low=0.0, high=20.0,
        source="assumption; after the Soleimani strike Iran seeks a US exit",
        doc="value to Iran of a US exit from Iraq (E_exit)")
    strike_degradation_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption; article: S-400 would hamper US strikes",
        doc="value to Iran of degraded US strike options if Iraq fields an S-400 (E_ad)")
    pressure_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption; article: Iran 'increasingly isolated'",
        doc="cost to Iran of militia and political pressure (c_p)")
    sanction_loss: float = param(
        3.0, unit="$bn/yr", low=0.0, high=12.0,
        source="Iran-Iraq trade ~$9-12 bn/yr (BRIEF §4); share lost: assumption",
        doc="Iranian export loss when the US revokes Iraq's energy waiver (T_IR)")
    escalation_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        source="assumption",
        doc="escalation risk to Iran of pressing while US troops stay (Z_IR)")


@dataclass(frozen=True)
class ArmsParams:
    s300_price: float = param(
        0.9, unit="$bn", low=0.1, high=5.0,
        source="Iran S-300 contract ~$0.8-1.0 bn (2007/2016; BRIEF §4)",
        doc="list price of an S-300 package")
    s400_price: float = param(
        2.5, unit="$bn", low=0.5, high=10.0,
        source="Turkey S-400 contract $2.5 bn (2017; BRIEF §4); India $5.43 bn for 5 units",
        doc="list price of an S-400 package")
    s300_capability: float = param(
        0.5, unit="1", low=0.0, high=1.0,
        source="assumption; S-400 outranges the S-300",
        doc="capability of an S-300 relative to an S-400 (scales values and losses)")
    amortisation_years: float = param(
        10.0, unit="yr", low=1.0, high=30.0,
        source="assumption",
        doc="years over which a purchase price is spread")


@dataclass(frozen=True)
class GameParams:
    """All parameters of the Iraq-2020 scenario, grouped by actor."""

    iraq: IraqParams = group(IraqParams)
    us: USParams = group(USParams)
    russia: RussiaParams = group(RussiaParams)
    iran: IranParams = group(IranParams)
    arms: ArmsParams = group(ArmsParams)
