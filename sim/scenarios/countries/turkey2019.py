"""Model 2 calibrated for Turkey's S-400 (``turkey2019``): the buyer is Turkey.

Setting: Russia's S-400 contract with Turkey ($2.5 bn, signed 12 Sep 2017, first deliveries
12 Jul 2019), the US answers: Turkey removed from the F-35 programme (17 Jul 2019) and
CAATSA §231 sanctions on its procurement agency SSB (14 Dec 2020). US forces at Incirlik
stay. Every value below is Turkey's own (source in ``source=``, derivation in
docs/calibration-countries.md) or says "assumption" with the reason; a value that is
Model 2's (``iraq2020``) assumption, kept because nothing Turkish replaces it, says so.

Iran is neutralised (``HELD``): no source gives Iran leverage over Turkey's hosting of US
forces, so its stakes in the US presence and in Turkey's air defence are 0 and its
pressure amplifies nothing; the analysis draws these over Model 2's ranges to show the
result does not hinge on it. The energy waiver step has nothing to revoke (Turkey's
Iranian-oil exception lapsed for every holder on 2 May 2019), so its values are 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.params import group, param
from sim.scenarios.countries.calibration import Calibration, Observed, buyer_scenario

M2 = "Model 2's value (iraq2020), no Turkish figure"
NO_WAIVER = ("no waiver to revoke: Turkey's exception for Iranian oil (5 Nov 2018) lapsed for all eight holders "
             "on 2 May 2019 (White House, 22 Apr 2019)")
HELD_TEXT = "Iranian channel, held at 0 (no source gives Iran leverage over Turkey); Model 2's range, robustness only"


@dataclass(frozen=True)
class TurkeyBuyerParams:
    security_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=5.0, label="Value to Turkey of the US presence",
        source="assumption: no figure for what the ~1,500 US troops at Incirlik (AEI 2012) are worth to Turkey; "
               "NATO's guarantee does not rest on them",
        doc="value to Turkey of US security cooperation while US troops stay at Incirlik (B_sec)")
    nationalism: float = param(
        0.5, unit="$bn/yr", low=0.0, high=5.0, label="Turkish political cost of hosting US troops",
        source="assumption; direction: Erdogan threatened to evict US forces from Incirlik and Kurecik (Dec 2019)",
        doc="political cost to Ankara of hosting US troops (N)")
    iran_leverage: float = param(
        0.0, unit="1", low=0.0, high=3.0, label="Iranian amplification of the Turkish cost",
        source=HELD_TEXT, doc="factor by which Iranian pressure amplifies the political cost (iota)")
    battleground_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=20.0, label="Turkish cost of US troops under Iranian pressure",
        source=HELD_TEXT, doc="cost to Turkey of hosting US troops while Iran presses, per unit of troop level (Z)")
    override_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0, label="Turkish cost of a troop demand the US overrides",
        source=f"assumption: {M2}; Turkey made no troop demand on the record",
        doc="cost to Ankara, per unit of troop level kept beyond its demand, of being overridden (F)")
    air_defence_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0, label="Security value to Turkey of its S-400",
        source="assumption: Model 2's value (iraq2020) of an S-400 package priced at Turkey's own $2.5 bn; no "
               "Turkish figure",
        doc="yearly security value to Turkey of its S-400 package (V_ad)")
    hedging_value: float = param(
        7.8, unit="$bn/yr", low=-1.0, high=10.2, label="Net value to Turkey of deeper ties with Russia",
        source="derived: Model 2's rule, 30 % (an assumption) of trade with Russia, $26 bn in 2018 (Erdogan, "
               "8 Apr 2019); range: -1 (Model 2) to 30 % of the $34 bn of 2012 (Putin, Nov 2013)",
        doc="net value of deeper economic/energy ties with Russia (H)")
    oil_revenue: float = param(
        10.6, unit="$bn/yr", low=8.1, high=10.6, label="Turkish goods exports to the US",
        source="BEA 2019 via CRS IF10961 (Jan 2021): $10.6 bn; TurkStat 2019: $8.1 bn",
        doc="the revenue severe US sanctions put at risk: Turkey's goods exports to the US (R)")
    fed_share_at_risk: float = param(
        1.0, unit="1", low=0.0, high=1.0, label="Share of Turkish exports to the US stopped",
        source="assumption: severe sanctions stop all of them (an upper bound; no lever like Iraq's NY Fed account)",
        doc="share of that revenue the severe step stops (phi)")
    electricity_loss: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Turkish cost of losing an Iranian-energy waiver",
        source=NO_WAIVER, doc="cost to Turkey of losing a US waiver for Iranian energy (E_elec): none in force")


@dataclass(frozen=True)
class TurkeyUSParams:
    aid: float = param(
        0.3, unit="$bn/yr", low=0.18, high=0.9, label="F-35 work Turkey loses to US sanctions",
        source="derived: >$9 bn projected F-35 work share over the programme's life (Lord, 17 Jul 2019) / an "
               "assumed 30 yr; range: 50 yr to 10 yr",
        doc="what Turkey loses under the targeted step, per year (A_US)")
    advisory_level: float = param(
        0.5, unit="1", low=0.25, high=0.75, label="Advisory troop level (share of Incirlik's troops)",
        source="assumption: no drawdown of Incirlik was negotiated; Model 2's range",
        doc="troop level of the advisory posture relative to the present one (a)")
    presence_value: float = param(
        2.3, unit="$bn/yr", low=0.0, high=10.0, label="Strategic value to the US of Incirlik",
        source="assumption: Model 2's value per troop (8.0/5,200 = $1.54 m a troop-year) x 1,500 troops; "
               "direction: ~50 B61 bombs stored (Daily Beast, 16 Oct 2019)",
        doc="strategic value to the US of keeping its forces in Turkey (P)")
    troop_cost: float = param(
        1.5, unit="$bn/yr", low=1.0, high=3.0, label="Cost of the US deployment in Turkey",
        source="1,500 troops at Incirlik (AEI 2012, via World Tribune) x Model 2's assumed $1 m a troop-year; "
               "range 1,000 (no recorded basis) to 3,000 (the 2015 doubling, Military Times 15 Dec 2015)",
        doc="yearly cost of the US deployment in Turkey (C_tr)")
    override_cost: float = param(
        2.0, unit="$bn/yr", low=0.0, high=10.0, label="US cost of keeping troops against Turkey's demand",
        source=f"assumption: {M2}", doc="cost to the US, per unit of troop level kept beyond Turkey's demand (O)")
    troop_risk: float = param(
        0.0, unit="1", low=0.0, high=3.0, label="Iranian amplification of the US troop cost",
        source=HELD_TEXT, doc="factor by which Iranian pressure raises the troop cost (rho)")
    credibility: float = param(
        1.0, unit="$bn/yr", low=0.0, high=15.0, label="Value to the US of punishing a violation",
        source=f"assumption: {M2} (the same US and statute); direction: CAATSA §231 (2017), NDAA 2021 required "
               "sanctions within 30 days (11 Dec 2020)",
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
        1.655, unit="$bn/yr", low=0.055, high=3.0, label="Cost to the US of sanctioning Turkey's purchase",
        source="derived: F-35 sales lost, 100 for $16 bn over 10 yr (Bayar, Feb 2014) = 1.6, + $0.5-0.6 bn to move "
               "the supply chain (Lord, 17 Jul 2019) / 10 yr; gross sales, an upper bound; range 0.055 to 3",
        doc="cost to the US of the targeted step on Turkey (c_tgt)")
    severe_cost: float = param(
        10.3, unit="$bn/yr", low=0.0, high=20.9, label="Cost to the US of severe sanctions on Turkey",
        source="derived: US goods exports to Turkey 2019, $10.3 bn (BEA via CRS IF10961), an upper bound; "
               "range to the whole goods trade, $20.9 bn",
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
class TurkeyRussiaParams:
    margin: float = param(
        0.3, unit="1", low=0.0, high=1.0, label="Russian profit margin on a sale",
        source=f"assumption: {M2}", doc="profit margin of a sale at list price (m)")
    discount: float = param(
        0.0, unit="1", low=0.0, high=0.9, label="Russian discount on the list price",
        source=f"assumption: {M2}", doc="discount on the list price offered to Turkey (d)")
    influence: float = param(
        0.5, unit="$bn/yr", low=0.0, high=10.0, label="Russian influence gain from ties with Turkey",
        source=f"assumption: {M2}", doc="Russian influence gain when Turkey deepens ties or buys (G)")
    exit_value: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0, label="Value to Russia of a US exit from Turkey",
        source=f"assumption: {M2}", doc="Russian gain when US troops leave Turkey (G_exit)")
    investment: float = param(
        22.0, unit="$bn", low=20.0, high=22.0, label="Russian investment in Turkey",
        source="Akkuyu nuclear plant: Russian investment $22 bn (Putin, 3 May 2017); ~$20 bn project (2010 deal)",
        doc="Russian investment stock in Turkey (I_RU)")
    investment_risk: float = param(
        0.05, unit="1/yr", low=0.0, high=1.0, label="Share of Russian investment lost to severe sanctions",
        source=f"assumption: {M2}", doc="share of the investment lost per year under severe sanctions (theta)")
    offer_value: float = param(
        0.05, unit="$bn/yr", low=0.0, high=2.0, label="Prestige to Russia of a standing offer",
        source=f"assumption: {M2}", doc="prestige of a standing offer, per unit of capability offered (epsilon)")


@dataclass(frozen=True)
class TurkeyIranParams:
    exit_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=20.0, label="Value to Iran of a US exit from Turkey",
        source=HELD_TEXT, doc="value to Iran of a US exit from Turkey (E_exit)")
    strike_degradation_value: float = param(
        0.0, unit="$bn/yr", low=0.0, high=10.0, label="Value to Iran of Turkey's S-400",
        source=HELD_TEXT, doc="value to Iran of degraded US strike options if Turkey fields an S-400 (E_ad)")
    pressure_cost: float = param(
        1.0, unit="$bn/yr", low=0.0, high=10.0, label="Cost to Iran of pressing Turkey",
        source="Iranian channel, held at Model 2's value (with no gain Iran never presses); Model 2's range, "
               "robustness only",
        doc="cost to Iran of pressure for a US exit (c_p)")
    sanction_loss: float = param(
        0.0, unit="$bn/yr", low=0.0, high=0.0, label="Iranian export loss if an energy waiver goes",
        source=NO_WAIVER, doc="Iranian export loss when the US revokes an energy waiver (T_IR)")
    escalation_cost: float = param(
        0.0, unit="$bn/yr", low=0.0, high=10.0, label="Iranian escalation risk per unit of US troops",
        source=HELD_TEXT, doc="escalation risk to Iran of pressing, per unit of US troop level (Z_IR)")


@dataclass(frozen=True)
class TurkeyArmsParams:
    s300_price: float = param(
        0.9, unit="$bn", low=0.1, high=5.0, label="List price of an S-300",
        source="Model 2's value: Iran's S-300 contracts ~$0.8-1.0 bn (2007/2016)", doc="list price of an S-300 package")
    s400_price: float = param(
        2.5, unit="$bn", low=2.5, high=2.5, label="Price of Turkey's S-400",
        source="Turkey's contract, $2.5 bn, signed 12 Sep 2017 (TASS); the only figure", doc="price of Turkey's S-400")
    s300_capability: float = param(
        0.5, unit="1", low=0.0, high=1.0, label="Capability of an S-300 relative to an S-400",
        source=f"assumption: {M2}", doc="air-defence capability of an S-300 relative to an S-400")
    amortisation_years: float = param(
        10.0, unit="yr", low=1.0, high=30.0, label="Years over which a system is paid off",
        source=f"assumption: {M2}", doc="years over which a one-off price is spread (T)")


@dataclass(frozen=True)
class TurkeyGameParams:
    """Model 2's parameters for Turkey; ``turkey`` is the buyer (``.iraq`` for the payoff terms)."""

    turkey: TurkeyBuyerParams = group(TurkeyBuyerParams)
    us: TurkeyUSParams = group(TurkeyUSParams)
    russia: TurkeyRussiaParams = group(TurkeyRussiaParams)
    iran: TurkeyIranParams = group(TurkeyIranParams)
    arms: TurkeyArmsParams = group(TurkeyArmsParams)

    @property
    def iraq(self) -> TurkeyBuyerParams:
        """The buyer's group under the name Model 2's payoff terms read."""
        return self.turkey


#: The Iranian channel: held at its neutral values in the main draws, drawn in the robustness ones.
HELD = ("turkey.iran_leverage", "turkey.battleground_cost", "us.troop_risk", "iran.exit_value",
        "iran.strike_degradation_value", "iran.pressure_cost", "iran.escalation_cost")

SCENARIO = buyer_scenario("turkey2019", "Turkey", TurkeyGameParams)

OBSERVED = Observed(
    path={"Russia": "S-400", "Iran": "restrain", "Turkey": "host+buy", "US": "maintain+targeted"},
    regime="Russian pivot",
    coercion="targeted",
    period="Sep 2017 (contract) - Jul 2019 (delivery) - Dec 2020 (sanctions)",
    record="Turkey bought the S-400 ($2.5 bn, 12 Sep 2017; delivered from 12 Jul 2019) and kept hosting US forces "
           "at Incirlik; the US removed it from the F-35 programme (17 Jul 2019) and imposed CAATSA §231 sanctions on "
           "SSB (14 Dec 2020: export-licence ban, $10 m/yr loan cap, EXIM ban, four officials blocked; CRS IN11557)",
    mapping="the F-35 removal and the SSB package are Model 2's targeted step (CAATSA §231 menu); no NY Fed-like "
            "severe step was taken, so classify gives Russian pivot (a purchase without severe sanctions), not "
            "confrontation; the sanctions show in the coercion step",
)

CALIBRATION = Calibration("Turkey", SCENARIO, OBSERVED, HELD,
                          "no source gives Iran leverage over Turkey's hosting of US forces or a stake in its "
                          "air defence: Iran's gains are 0, so it never presses")
