"""Model 2 calibrated for India's S-400 (``india2018``): the buyer is India.

Setting: Russia's S-400 contract with India ($5.43 bn for 5 units, signed 5 Oct 2018,
deliveries from Dec 2021); the US warned that there was no blanket waiver but imposed no
sanction (through 2022). Every value below is India's own (source in ``source=``,
derivation in docs/calibration-countries.md) or says "assumption" with the reason.

There are no US troops in India, so every term that scales with the troop level is 0
(ranges of zero width): Iraq's ``host`` and the US's ``maintain`` stand for the status
quo of no presence, and the US postures are payoff-equivalent (the tie-break keeps
``maintain``; a purchase decides the regime whatever the posture). Iran is neutralised
(``HELD``): with no US presence its pressure amplifies nothing, and its only stake left,
India's S-400, is 0; the analysis draws these over Model 2's ranges to show that the
result does not hinge on them. The energy waiver step has nothing to revoke (India's
exception for Iranian oil lapsed for every holder on 2 May 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.params import group, param
from sim.scenarios.countries.calibration import Calibration, Observed, buyer_scenario

M2 = "Model 2's value (iraq2020), no Indian figure"
NO_TROOPS = "no US troops in India: the term scales with the troop level and is 0"
NO_WAIVER = ("no waiver to revoke: India's exception for Iranian oil (5 Nov 2018) lapsed for all eight holders "
             "on 2 May 2019 (White House, 22 Apr 2019)")
HELD_TEXT = "Iranian channel, held at 0 (inert without US troops); Model 2's range, robustness only"


@dataclass(frozen=True)
class IndiaBuyerParams:
    security_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Value to India of a US presence",
        source=NO_TROOPS, doc="value to India of US security cooperation while US troops stay (B_sec): none")
    nationalism: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Indian political cost of hosting US troops",
        source=NO_TROOPS, doc="political cost to New Delhi of hosting US troops (N): none")
    iran_leverage: float = param(
        0.0, unit="1", low=0.0, high=3.0, label="Iranian amplification of the Indian cost",
        source=HELD_TEXT, doc="factor by which Iranian pressure amplifies the political cost (iota)")
    battleground_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Indian cost of US troops under Iranian pressure",
        source=NO_TROOPS, doc="cost to India of hosting US troops while Iran presses (Z): none")
    override_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Indian cost of a troop demand the US overrides",
        source=NO_TROOPS, doc="cost to New Delhi of a troop demand overridden (F): none")
    air_defence_value: float = param(
        2.17, unit="$bn/yr", low=0.0, high=21.7, label="Security value to India of its S-400s",
        source="assumption: Model 2's 1.0 for a $2.5 bn S-400 package, scaled to India's $5.43 bn (5.43/2.5 = 2.17; "
               "value taken proportional to the package's price); range: Model 2's 0-10, scaled alike",
        doc="yearly security value to India of its five S-400 units (V_ad)")
    hedging_value: float = param(
        3.0, unit="$bn/yr", low=-1.0, high=9.0, label="Net value to India of deeper ties with Russia",
        source="derived: Model 2's rule, 30 % (an assumption) of trade with Russia, >$10 bn in 2017 (Oreshkin, "
               "5 Oct 2018); range: -1 (Model 2) to 30 % of the $30 bn target for 2025 (same source)",
        doc="net value of deeper economic/energy ties with Russia (H)")
    oil_revenue: float = param(
        54.3, unit="$bn/yr", low=54.3, high=54.3, label="Indian goods exports to the US",
        source="USTR 2018 (via Indian Express, 25 Feb 2020): $54.3 bn; the only figure",
        doc="the revenue severe US sanctions put at risk: India's goods exports to the US (R)")
    fed_share_at_risk: float = param(
        1.0, unit="1", low=0.0, high=1.0, label="Share of Indian exports to the US stopped",
        source="assumption: severe sanctions stop all of them (an upper bound; no lever like Iraq's NY Fed account)",
        doc="share of that revenue the severe step stops (phi)")
    electricity_loss: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Indian cost of losing an Iranian-energy waiver",
        source=NO_WAIVER, doc="cost to India of losing a US waiver for Iranian energy (E_elec): none in force")


@dataclass(frozen=True)
class IndiaUSParams:
    aid: float = param(
        0.0, unit="$bn/yr", low=0.0, high=1.67, label="US financing India loses to sanctions",
        source="no FMF to India; IMET >= $1 m in all since 2003 (State Dept via PTI): 0; top: the yearly flow of US "
               "defence sales, >$20 bn over 2008-2020 (Lord, Jul 2020) = 1.67, paid by India",
        doc="what India loses under the targeted step, per year (A_US)")
    advisory_level: float = param(
        0.5, unit="1", low=0.5, high=0.5, label="Advisory troop level (share of the present presence)",
        source=f"{NO_TROOPS}; the value changes nothing", doc="troop level of the advisory posture (a): irrelevant")
    presence_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Strategic value to the US of troops in India",
        source=NO_TROOPS, doc="strategic value to the US of troops in India (P): none")
    troop_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Cost of a US deployment in India",
        source=NO_TROOPS, doc="yearly cost of a US deployment in India (C_tr): none")
    override_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="US cost of keeping troops against India's demand",
        source=NO_TROOPS, doc="cost to the US of troops kept beyond India's demand (O): none")
    troop_risk: float = param(
        0.0, unit="1", low=0.0, high=3.0, label="Iranian amplification of the US troop cost",
        source=HELD_TEXT, doc="factor by which Iranian pressure raises the troop cost (rho)")
    credibility: float = param(
        1.0, unit="$bn/yr", low=0.0, high=15.0, label="Value to the US of punishing a violation",
        source=f"assumption: {M2} (the same US and statute); direction: no blanket waiver (Oct 2018), NDAA FY2019 "
               "§1294 modified waiver aimed at India (Jul-Aug 2018)",
        doc="value to the US of punishing a violation (buying a system or expelling troops) (kappa)")
    severe_credibility_factor: float = param(
        2.0, unit="1", low=1.0, high=5.0, label="Credibility of severe relative to targeted sanctions",
        source=f"assumption: {M2}", doc="credibility of severe relative to targeted punishment (m_sev)")
    waiver_credibility_factor: float = param(
        0.0, unit="1", low=0.0, high=0.0, label="Credibility of the waiver step relative to targeted",
        source=NO_WAIVER, doc="credibility of revoking an energy waiver relative to targeted punishment (m_w)")
    waiver_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Cost to the US of revoking an energy waiver",
        source=NO_WAIVER, doc="cost to the US of revoking an energy waiver (c_w)")
    targeted_cost: float = param(
        1.67, unit="$bn/yr", low=0.0, high=3.0, label="Cost to the US of sanctioning India's purchase",
        source="derived: US defence sales to India 'from nil to over $20 billion' over 2008-2020 (Lord, Jul 2020) "
               "= 1.67; gross sales, an upper bound; range: Model 2's 0-3",
        doc="cost to the US of the targeted step on India (c_tgt)")
    severe_cost: float = param(
        33.5, unit="$bn/yr", low=0.0, high=87.9, label="Cost to the US of severe sanctions on India",
        source="derived: US goods exports to India 2018, $33.5 bn (USTR), an upper bound; range to the whole goods "
               "trade, $87.9 bn",
        doc="cost to the US of the severe step, on top of the targeted one (c_fed)")
    committed_prior: float = param(
        1.0, unit="1", low=0.0, high=1.0, label="Probability that the US is committed",
        source=f"assumption: {M2}; enters only the uncertain-resolve concept",
        doc="probability, held by the other actors, that the US is the committed type (pi)")
    bluff_credibility: float = param(
        0.0, unit="$bn/yr", low=0.0, high=1.0, label="Value to a bluffing US of punishing a violation",
        source=f"assumption: {M2}; enters only the uncertain-resolve concept",
        doc="value a bluffing US puts on punishing a violation")


@dataclass(frozen=True)
class IndiaRussiaParams:
    margin: float = param(
        0.3, unit="1", low=0.0, high=1.0, label="Russian profit margin on a sale",
        source=f"assumption: {M2}", doc="profit margin of a sale at list price (m)")
    discount: float = param(
        0.0, unit="1", low=0.0, high=0.9, label="Russian discount on the list price",
        source=f"assumption: {M2}", doc="discount on the list price offered to India (d)")
    influence: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0, label="Russian influence gain from ties with India",
        source=f"assumption: {M2}", doc="Russian influence gain when India deepens ties or buys (G)")
    exit_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Value to Russia of a US exit from India",
        source=NO_TROOPS, doc="Russian gain when US troops leave India (G_exit): none")
    investment: float = param(
        12.9, unit="$bn", low=6.3, high=12.9, label="Russian investment in India",
        source="Rosneft-led purchase of Essar Oil, $12.9 bn (2017; Business Standard, Petroleum Economist); "
               "low: Rosneft's own 49 % = 6.3",
        doc="Russian investment stock in India (I_RU)")
    investment_risk: float = param(
        0.05, unit="1/yr", low=0.0, high=1.0, label="Share of Russian investment lost to severe sanctions",
        source=f"assumption: {M2}", doc="share of the investment lost per year under severe sanctions (theta)")
    offer_value: float = param(
        0.05, unit="$bn/yr", low=0.0, high=2.0, label="Prestige to Russia of a standing offer",
        source=f"assumption: {M2}", doc="prestige of a standing offer, per unit of capability offered (epsilon)")


@dataclass(frozen=True)
class IndiaIranParams:
    exit_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Value to Iran of a US exit from India",
        source=NO_TROOPS, doc="value to Iran of a US exit (E_exit): none")
    strike_degradation_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=10.0, label="Value to Iran of India's S-400",
        source=HELD_TEXT, doc="value to Iran if India fields an S-400 (E_ad)")
    pressure_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0, label="Cost to Iran of pressing India",
        source="Iranian channel, held at Model 2's value (with no gain Iran never presses); Model 2's range, "
               "robustness only",
        doc="cost to Iran of pressure (c_p)")
    sanction_loss: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Iranian export loss if an energy waiver goes",
        source=NO_WAIVER, doc="Iranian export loss when the US revokes an energy waiver (T_IR)")
    escalation_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Iranian escalation risk per unit of US troops",
        source=NO_TROOPS, doc="escalation risk to Iran of pressing, per unit of US troop level (Z_IR): none")


@dataclass(frozen=True)
class IndiaArmsParams:
    s300_price: float = param(
        0.9, unit="$bn", low=0.1, high=5.0, label="List price of an S-300",
        source="Model 2's value: Iran's S-300 contracts ~$0.8-1.0 bn (2007/2016)", doc="list price of an S-300 package")
    s400_price: float = param(
        5.43, unit="$bn", low=4.5, high=5.43, label="Price of India's five S-400s",
        source="India's contract, $5.43 bn for 5 units, 5 Oct 2018 (The Hindu; Sputnik); ~$4.5 bn reported before "
               "signing (PTI, Jul 2018)",
        doc="price of India's S-400 package")
    s300_capability: float = param(
        0.5, unit="1", low=0.0, high=1.0, label="Capability of an S-300 relative to an S-400",
        source=f"assumption: {M2}", doc="air-defence capability of an S-300 relative to an S-400")
    amortisation_years: float = param(
        10.0, unit="yr", low=1.0, high=30.0, label="Years over which a system is paid off",
        source=f"assumption: {M2}", doc="years over which a one-off price is spread (T)")


@dataclass(frozen=True)
class IndiaGameParams:
    """Model 2's parameters for India; ``india`` is the buyer (``.iraq`` for the payoff terms)."""

    india: IndiaBuyerParams = group(IndiaBuyerParams)
    us: IndiaUSParams = group(IndiaUSParams)
    russia: IndiaRussiaParams = group(IndiaRussiaParams)
    iran: IndiaIranParams = group(IndiaIranParams)
    arms: IndiaArmsParams = group(IndiaArmsParams)

    @property
    def iraq(self) -> IndiaBuyerParams:
        """The buyer's group under the name Model 2's payoff terms read."""
        return self.india


#: The Iranian channel: held at its neutral values in the main draws, drawn in the robustness ones.
HELD = ("india.iran_leverage", "us.troop_risk", "iran.strike_degradation_value", "iran.pressure_cost")

SCENARIO = buyer_scenario("india2018", "India", IndiaGameParams)

OBSERVED = Observed(
    path={"Russia": "S-400", "Iran": "restrain", "India": "host+buy", "US": "maintain+accommodate"},
    regime="Russian pivot",
    coercion="accommodate",
    period="Oct 2018 (contract) - Dec 2021 (first deliveries) - 2022 (no sanction)",
    record="India signed for five S-400 units ($5.43 bn, 5 Oct 2018) and took delivery from Dec 2021; the US said "
           "a waiver would be 'transaction-specific', not blanket (Oct 2018), and imposed no CAATSA sanction",
    mapping="a purchase the US accommodates: classify gives Russian pivot whatever the posture; with no US troops "
            "in India, 'host' and 'maintain' stand for the status quo of no presence",
)

CALIBRATION = Calibration("India", SCENARIO, OBSERVED, HELD,
                          "without US troops in India Iran's pressure changes no payoff; its one stake, India's "
                          "S-400, has no source and is 0, so it never presses")
