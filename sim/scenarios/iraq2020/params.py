"""Parameters of Model 2 (``iraq2020``), derived as docs/calibration.md shows.

All money terms are in $bn-equivalent per year ("$bn/yr"); one-off prices are turned
into yearly costs by dividing by ``arms.amortisation_years``. A ``source`` starting with
"assumption" marks a modelling choice with no published figure behind it. Each source
figure is used once. Version 1's parameters are :mod:`sim.scenarios.iraq2020_v1.params`;
what changed and why is in docs/calibration.md and docs/changelog.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.params import group, param
# Russia's and the arms parameters are version 1's, unchanged (docs/calibration.md)
from sim.scenarios.iraq2020_v1.params import ArmsParams, RussiaParams

ARTICLE = "seed article (Baghdad Post 2020)"


@dataclass(frozen=True)
class IraqParams:
    security_value: float = param(
        3.7, unit="$bn/yr", low=0.0, high=15.0,
        label="Value to Iraq of US security cooperation",
        source=f"{ARTICLE}: US economic + military assistance $3.7 bn (2017)",
        doc="value to Iraq of US security cooperation while US troops stay (B_sec)")
    nationalism: float = param(
        2.0, unit="$bn/yr", low=0.0, high=20.0,
        label="Iraqi nationalist cost of hosting US troops",
        source="assumption; direction from the 5 Jan 2020 parliament resolution (non-binding)",
        doc="nationalist cost to the Iraqi government of hosting foreign troops (N)")
    iran_leverage: float = param(
        0.5, unit="1", low=0.0, high=3.0,
        label="Iranian amplification of the nationalist cost",
        source="assumption; article: large Shia population, long border with Iran",
        doc="factor by which Iranian pressure amplifies the nationalist cost (iota)")
    battleground_cost: float = param(
        2.0, unit="$bn/yr", low=0.0, high=20.0,
        label="Iraqi cost of US troops under Iranian pressure",
        source="assumption; article: 'another major conflict ... could well mean its end'",
        doc="cost to Iraq of hosting US troops while Iran presses, per unit of troop level (Z)")
    override_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        label="Iraqi cost of a troop demand the US overrides",
        source="assumption; the 5 Jan 2020 resolution committed the government to end the presence",
        doc="cost to Baghdad, per unit of troop level kept beyond its demand, of being overridden (F)")
    air_defence_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        label="Security value to Iraq of an S-400",
        source="assumption; article: S-300/S-400 engage aircraft, drones, missiles to 30 km",
        doc="yearly security value to Iraq of an S-400 (an S-300 is worth arms.s300_capability of it)")
    hedging_value: float = param(
        0.6, unit="$bn/yr", low=-1.0, high=3.0,
        label="Net value to Iraq of deeper ties with Russia",
        source="assumption; article: Iraq-Russia trade ~$2 bn (H = 30% of it); negative values: "
               "Rosneft, Gazprom Neft, Lukoil under US sectoral sanctions (OFAC EO 13662 Directive 4, 2014)",
        doc="net value of deeper economic/energy ties with Russia, diversification less sanctions exposure (H)")
    oil_revenue: float = param(
        78.5, unit="$bn/yr", low=40.0, high=120.0,
        label="Iraqi oil-export revenue",
        source="Iraqi Oil Ministry 2019 ($78.5 bn; article says >$90 bn; BRIEF sweep 75-90)",
        doc="Iraq's oil-export revenue (R_oil)")
    fed_share_at_risk: float = param(
        0.23, unit="1", low=0.0, high=1.0,
        label="Share of Iraqi oil revenue at risk at the NY Fed",
        source="derived: cash flown from the account $1-2 bn/month = 12-24 $bn/yr, 18/78.5 (AFP 2020); "
               "range: none (proceeds rerouted), end-2018 deposits 3/78.5 = 0.038 (CBI), to all proceeds "
               "(deposited daily, UNSCR 1483)",
        doc="share of oil revenue disrupted by restricting Iraq's NY Fed account (phi)")
    electricity_loss: float = param(
        3.0, unit="$bn/yr", low=0.0, high=15.0,
        label="Iraqi cost of losing the Iranian energy waiver",
        source="assumption; Iranian gas+electricity ~1/3 of Iraq's power (AFP/AP 2020)",
        doc="cost to Iraq of losing the waiver for Iranian energy imports (E_elec); no dollar source")


@dataclass(frozen=True)
class USParams:
    aid: float = param(
        0.2, unit="$bn/yr", low=0.1, high=1.35,
        label="US military financing Iraq loses to sanctions",
        source="derived: FMF $1.2 bn since 2014 or >$2 bn since 2012 (State Dept), 0.17-0.25 $bn/yr; "
               "high end: FMS flow >$23 bn/17 yr = 1.35 (mostly Iraqi-paid)",
        doc="US financing (FMF) Iraq loses under targeted sanctions (A_US)")
    advisory_level: float = param(
        0.48, unit="1", low=0.25, high=0.75,
        label="Advisory troop level (share of Jan 2020 troops)",
        source="derived: 2,500 troops (by 15 Jan 2021; they stayed as advisers when the combat mission "
               "ended in Dec 2021) / 5,200 (Jan 2020), CENTCOM/DoD; range 1,300-3,900 troops",
        doc="troop level of the advisory posture relative to the January 2020 presence (a)")
    presence_value: float = param(
        8.0, unit="$bn/yr", low=0.0, high=30.0,
        label="Strategic value to the US of troops in Iraq",
        source="assumption; counter-Iran and counter-ISIS value of basing",
        doc="strategic value to the US of keeping troops in Iraq (P)")
    troop_cost: float = param(
        5.2, unit="$bn/yr", low=0.0, high=20.0,
        label="Cost of the US deployment",
        source="~5,200 troops (Jan 2020, CENTCOM) x assumed $1 m per troop-year",
        doc="yearly cost of the US deployment (C_tr)")
    override_cost: float = param(
        2.0, unit="$bn/yr", low=0.0, high=10.0,
        label="US cost of keeping troops against Iraq's demand",
        source="assumption; the presence rested on Iraq's 2014 request for assistance, which the 5 Jan 2020 "
               "resolution commits the government to revoke; without it force protection grows",
        doc="cost to the US, per unit of troop level kept beyond Iraq's demand (O)")
    troop_risk: float = param(
        0.5, unit="1", low=0.0, high=3.0,
        label="Iranian amplification of the US troop cost",
        source="assumption; militia attacks on US bases under Iranian pressure",
        doc="factor by which Iranian pressure raises the troop cost (rho)")
    credibility: float = param(
        1.0, unit="$bn/yr", low=0.0, high=15.0,
        label="Value to the US of punishing a violation",
        source="assumption; CAATSA §231 used on China's EDD (20 Sep 2018), no blanket waiver for India "
               "(Oct 2018), NY Fed warning (8 Jan 2020); none gives a dollar value",
        doc="value to the US of punishing a violation (buying a system or expelling troops) (kappa)")
    severe_credibility_factor: float = param(
        2.0, unit="1", low=1.0, high=5.0,
        label="Credibility of severe relative to targeted sanctions",
        source="assumption; Jan 2020 threat of sanctions 'like they've never seen before'",
        doc="credibility of severe relative to targeted punishment (m_sev)")
    waiver_credibility_factor: float = param(
        0.5, unit="1", low=0.0, high=1.0,
        label="Credibility of the waiver step relative to targeted",
        source="assumption; the waiver is renewable and was shortened, not revoked, in 2020",
        doc="credibility of revoking the energy waiver relative to targeted punishment (m_w)")
    waiver_cost: float = param(
        0.1, unit="$bn/yr", low=0.0, high=2.0,
        label="Cost to the US of revoking the energy waiver",
        source="assumption; blackouts in an allied state (a third of Iraq's power is Iranian, AFP/AP 2020)",
        doc="cost to the US of revoking Iraq's waiver for Iranian energy (c_w)")
    targeted_cost: float = param(
        1.35, unit="$bn/yr", low=0.0, high=3.0,
        label="Cost to the US of targeted sanctions",
        source="derived: FMS sales lost, >$23 bn / 17 yr (2003-2019, State Dept); an upper bound of the margin",
        doc="cost to the US of targeted sanctions on Iraq (c_tgt)")
    severe_cost: float = param(
        1.2, unit="$bn/yr", low=0.0, high=15.0,
        label="Cost to the US of restricting Iraq's Fed account",
        source="derived: US-Iraq trade $13.2 bn less $12 bn of Iraqi crude the US can buy elsewhere (article); "
               "range: up to the whole trade and lost goodwill ('it will lose Iraq forever')",
        doc="cost to the US of the Fed-account step, on top of the waiver and targeted steps it includes (c_fed)")
    committed_prior: float = param(
        1.0, unit="1", low=0.0, high=1.0,
        label="Probability that the US is committed",
        source="assumption; article: the US 'previously acted to ensure Iraq did not purchase the S-300'",
        doc="probability, held by the other actors, that the US is the committed type (pi); 1 = complete information")
    bluff_credibility: float = param(
        0.0, unit="$bn/yr", low=0.0, high=1.0,
        label="Value to a bluffing US of punishing a violation",
        source="assumption; at most the committed type's baseline kappa = 1",
        doc="value a bluffing US puts on punishing a violation (the committed type: us.credibility)")


@dataclass(frozen=True)
class IranParams:
    exit_value: float = param(
        3.0, unit="$bn/yr", low=0.0, high=20.0,
        label="Value to Iran of a US exit",
        source="assumption; after the Soleimani strike Iran seeks a US exit",
        doc="value to Iran of a US exit from Iraq (E_exit)")
    strike_degradation_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        label="Value to Iran of hampered US strikes",
        source="assumption; article: S-400 would hamper US strikes",
        doc="value to Iran of degraded US strike options if Iraq fields an S-400 (E_ad)")
    pressure_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        label="Cost to Iran of pressing Iraq",
        source="assumption; article: Iran 'increasingly isolated'",
        doc="cost to Iran of militia and political pressure (c_p)")
    sanction_loss: float = param(
        3.15, unit="$bn/yr", low=0.0, high=12.0,
        label="Iranian export loss if the energy waiver goes",
        source="assumption: 30% of the $9-12 bn/yr Iran-Iraq trade (BRIEF §4; midpoint 10.5), the share "
               "Iranian gas and power have in Iraq's supply (a third, AFP/AP 2020) standing in for the energy share of the trade",
        doc="Iranian export loss when the US revokes Iraq's energy waiver (T_IR)")
    escalation_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0,
        label="Iranian escalation risk per unit of US troops",
        source="assumption",
        doc="escalation risk to Iran of pressing, per unit of US troop level (Z_IR)")


@dataclass(frozen=True)
class GameParams:
    """All parameters of Model 2, grouped by actor."""

    iraq: IraqParams = group(IraqParams)
    us: USParams = group(USParams)
    russia: RussiaParams = group(RussiaParams)
    iran: IranParams = group(IranParams)
    arms: ArmsParams = group(ArmsParams)
