"""Literature checks: results of the sanctions literature, reproduced by today's model.

Each test draws every parameter of the Iraq-2020 scenario (version 1, ``iraq2020_v1``)
uniformly over its documented range (``N_DRAWS`` draws from one seeded
``numpy.random.Generator``; the helpers are in tests/literature.py, shared with
tests/test_literature_model2.py), solves all draws in one batch with the engine (backward
induction over the batch, as :mod:`sim.engine.sweep` does for a grid chunk) and checks one
published result, cited in its docstring (issue 14, item 6). The shares measured with
``SEED`` on the model of this commit are given in comments; the assertions leave margins.

Vocabulary, in the model's terms (docs/model.md §3): Iraq *violates* when it expels US
troops or fields a Russian system (``violation`` > 0, the acts the US may punish); it
*complies* with ``keep+status_quo`` or ``keep+deepen``. A *threat* is the US's
subgame-perfect response to a violation; a game *without threats* is the same game in
which the US can only accommodate.
"""

from __future__ import annotations

import numpy as np
import pytest
from literature import (BayesPath, Path, bought, coerced, solve_bayes_path, solve_path, uniform_draws,
                        us_response_to, without_threats)

from sim.engine.params import replace_values
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams

SEED = 14  # issue 14
N_DRAWS = 20_000
RUSSIA, IRAN, IRAQ, US = range(4)
SANCTIONED = ("sanctioned",)  # version 1's one coercion feature (any sanction on the path)


def accommodating(action: str) -> bool:
    """Version 1's US actions that threaten nothing: only ``accommodate``."""
    return action == "accommodate"


@pytest.fixture(scope="module")
def draws():
    return uniform_draws(GameParams, N_DRAWS, SEED)


@pytest.fixture(scope="module")
def with_threats(draws) -> Path:
    return solve_path(SCENARIO, draws)


@pytest.fixture(scope="module")
def no_threats(draws) -> Path:
    return solve_path(without_threats(SCENARIO, accommodating), draws)


@pytest.fixture(scope="module")
def uncertain(draws) -> BayesPath:
    return solve_bayes_path(SCENARIO, draws)


# --- 1. the threat stage ------------------------------------------------------------

def test_sanctions_imposed_in_equilibrium_are_threats_that_failed(with_threats):
    """Imposed sanctions are the ones whose threat failed: the target chose to violate
    although complying would have spared it the sanction (Drezner 2003, "The hidden hand
    of economic coercion", International Organization 57(3); Lacy & Niou 2004, "A theory
    of economic sanctions and issue linkage", Journal of Politics 66(1): "sanctions
    likely to succeed work at the threat stage").

    Measured (seed 14): sanctions on the SPE path in 29.9 % of draws, severe in 8.8 %;
    every one follows a violation, and complying would have been accommodated in all.
    """
    p = with_threats
    sanctioned = coerced(p.f, SANCTIONED)
    assert sanctioned.mean() > 0.1  # not vacuous
    assert np.all(p.f["violation"][sanctioned] > 0)
    accommodate = SCENARIO.actors[US].actions.index("accommodate")
    assert np.all(us_response_to(SCENARIO, p, "keep+status_quo")[sanctioned] == accommodate)
    assert not p.tie.any()  # generic draws: no result here rests on a tie


def test_threats_deter_violations(draws, with_threats, no_threats):
    """Threatened sanctions change the target's choice before any is imposed: Iraq
    violates in fewer draws when the US can sanction than when it can only accommodate
    (Drezner 2003; Lacy & Niou 2004; the TIES project page of Morgan, Bapat & Krustev:
    sanctions that would be effective "would bring about change in the target's
    behavior at the threat stage and would never be applied").

    Measured (seed 14): Iraq violates in 50.1 % of draws with threats, 96.9 % without.
    Switching the sanction payoffs off instead (US credibility κ at its minimum, 0)
    gives exactly the game without threats.
    """
    share_with = (with_threats.f["violation"] > 0).mean()
    share_without = (no_threats.f["violation"] > 0).mean()
    assert share_without - share_with > 0.25
    off = replace_values(draws, {"us.credibility": np.zeros((1, N_DRAWS))})
    switched_off = solve_path(SCENARIO, off)
    assert not coerced(switched_off.f, SANCTIONED).any()
    np.testing.assert_array_equal(switched_off.outcome[:, :US], no_threats.outcome[:, :US])


# --- 2. deterrence share --------------------------------------------------------------

def test_threats_deter_purchases_and_ties(with_threats, no_threats):
    """The deterrence share: Iraq refrains from buying a Russian system, and from any
    new Russian tie (buy or deepen), in more draws when the US can threaten sanctions
    (Drezner 2003; Lacy & Niou 2004; TIES, Morgan, Bapat & Krustev).

    Measured (seed 14): no purchase in 68.1 % of draws with threats, 24.3 % without;
    neither purchase nor deeper ties in 35.3 % with threats, 21.8 % without (a threat
    against buying turns some buyers into hedgers, who deepen ties instead).
    """
    no_buy = [1 - bought(p.f).mean() for p in (with_threats, no_threats)]
    no_tie = [1 - p.f["tied"].mean() for p in (with_threats, no_threats)]
    assert no_buy[0] - no_buy[1] > 0.3
    assert no_tie[0] - no_tie[1] > 0.05


# --- 3. Drezner's deadlock ------------------------------------------------------------

def deadlock(p, offer: np.ndarray, pressure: np.ndarray) -> dict[str, np.ndarray]:
    """Drezner's deadlock condition for each violating Iraqi action, shape (B,) bool.

    At Russian offer ``offer`` (0 none, 1 S-300, 2 S-400) and Iranian move ``pressure``
    (0/1), both shape (B,), an action a with v violations is deadlocked when
    (i) the US prefers imposing severe sanctions to backing down: κ·m_sev·v > c_sev, and
    (ii) Iraq prefers defying under severe sanctions to complying (keep troops, status
    quo or deepen, which the US accommodates):
    U(a) − A_US − (φ·R_oil + E_elec) > B_sec − N(1+ιP) − Z·P + max(0, H − q·A_US),
    where U(a) is a's own value: keeping B_sec − N(1+ιP) − Z·P if troops stay, H if ties
    deepen, V_ad·cap − (1−d)·price/T + H if a system is bought (docs/model.md §3).
    """
    i, us, arms = p.iraq, p.us, p.arms
    keep = i.security_value - i.nationalism * (1 + i.iran_leverage * pressure) - i.battleground_cost * pressure
    comply = keep + np.maximum(0.0, i.hedging_value - us.aid_conditionality * us.aid)
    cap = np.where(offer == 2, 1.0, np.where(offer == 1, arms.s300_capability, 0.0))
    price = np.where(offer == 2, arms.s400_price, np.where(offer == 1, arms.s300_price, 0.0))
    system = i.air_defence_value * cap - (1 - p.russia.discount) * price / arms.amortisation_years + i.hedging_value
    severe_loss = us.aid + i.fed_share_at_risk * i.oil_revenue + i.electricity_loss
    defiance = {"keep+buy": (keep + system, 1), "expel+status_quo": (0.0, 1),
                "expel+deepen": (i.hedging_value, 1), "expel+buy": (system, 2)}
    out = {}
    for action, (value, v) in defiance.items():
        us_resolved = us.credibility * us.severe_credibility_factor * v > us.severe_cost
        iraq_defiant = value - severe_loss > comply
        possible = offer > 0 if action.endswith("+buy") else np.ones_like(offer, dtype=bool)
        out[action] = np.ravel(us_resolved & iraq_defiant & possible)
    return out


def test_confrontation_needs_drezners_deadlock(draws, with_threats):
    """Under complete information, sanctions are imposed only in deadlock: a sender that
    prefers imposing to backing down facing a target that prefers defying under
    sanctions to complying (Drezner 1999, The Sanctions Paradox, Cambridge UP).

    The condition is evaluated in closed form from the parameters (:func:`deadlock`),
    independently of the payoff terms and the solver. Measured (seed 14): the deadlock
    condition holds for some violation after the path's offer and Iranian move in
    10.8 % of draws, confrontation (severe sanctions on the SPE path) in 8.8 %, i.e. in
    81.1 % of the deadlocked draws (in the rest the US prefers targeted sanctions, or
    Iraq another action); every confrontation is deadlocked on Iraq's path action.
    """
    p = with_threats
    conf = p.f["severe"] > 0
    assert conf.sum() > 200  # not vacuous
    cond = deadlock(draws, p.outcome[:, RUSSIA], p.f["pressure"])
    iraq_actions = SCENARIO.actors[IRAQ].actions
    on_path = np.zeros(N_DRAWS, dtype=bool)
    for action, holds in cond.items():
        on_path |= holds & (p.outcome[:, IRAQ] == iraq_actions.index(action))
    assert np.all(on_path[conf])


# --- 4. Hovi, Huseby & Sprinz ---------------------------------------------------------

def test_doubt_adds_sanctions_only_by_underestimated_resolve(draws, with_threats, uncertain):
    """Hovi, Huseby & Sprinz (2005, "When do (imposed) economic sanctions work?", World
    Politics 57(4)): sanctions are imposed when the target misjudges the sender's
    determination. In the uncertain-resolve variant, wherever doubt about US resolve
    puts sanctions on the path that complete information (a committed US, known) keeps
    off, the committed type imposes them and Iraq fares worse against it than it
    expected: Iraq underestimated US resolve.

    Only draws where the bluffing type values punishing less than the committed one
    (us.bluff_credibility < us.credibility) are used: the documented range allows the
    reverse (issue 14, finding 5). Measured (seed 14): 9,927 such draws; doubt adds
    sanctions in 846, imposed by the committed type in all; Iraq's payoff against it is
    below its expected payoff in 844 and equal in 2 (there the upstream moves differ).
    """
    u = uncertain
    bluffer = (draws.us.bluff_credibility < draws.us.credibility).ravel()
    sanctioned = coerced(u.f, SANCTIONED)
    added = bluffer & (u.reach @ sanctioned > 0) & ~coerced(with_threats.f, SANCTIONED)
    assert added.sum() > 200  # not vacuous
    by_committed = u.reach @ (sanctioned & u.committed)
    assert np.all(by_committed[added] > 0)
    shortfall = u.iraq_expected[added] - u.iraq_if_committed[added]  # $bn/yr
    assert np.all(shortfall > -1e-9)
    assert np.mean(shortfall > 1e-9) > 0.95


@pytest.mark.xfail(strict=True, reason=(
    "measured: over 20,000 draws sanctions are imposed with positive probability in 40.0 % "
    "and P(imposed and Iraq compliant) = 0 in every draw: the one-shot game gives Iraq no "
    "move after imposition, so imposed sanctions never work and no misperception is "
    "corrected (version 1, kept as published; Model 2 has the same limit, tests/test_literature_model2.py; "
    "the dynamic game of issue 16 gives Iraq a move after imposition)"))
def test_imposed_sanctions_work_only_after_a_corrected_misperception(draws, uncertain):
    """Hovi, Huseby & Sprinz (2005, World Politics 57(4)): imposed sanctions work only
    if the target misjudged the sender (here: Iraq underestimated US resolve) and that
    misperception is corrected after imposition. In the uncertain-resolve variant some
    draws must end with sanctions imposed and Iraq complying, and in each of them Iraq
    must have doubted US resolve (prior < 1) and met the committed type.
    """
    u = uncertain
    imposed = coerced(u.f, SANCTIONED)
    worked = u.reach @ (imposed & (u.f["violation"] == 0))
    assert (worked > 0).any()
    pi = draws.us.committed_prior.ravel()
    assert np.all(pi[worked > 0] < 1)
    assert np.all((u.reach @ (imposed & (u.f["violation"] == 0) & u.committed))[worked > 0] > 0)
