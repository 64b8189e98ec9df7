"""Literature checks on Model 2 (`iraq2020`): the sanctions literature's results, as
tests/test_literature.py checks them on version 1 (issue 14, items 1 and 6).

Each test draws every parameter of Model 2 uniformly over its documented range
(``N_DRAWS`` draws, ``SEED``; helpers in tests/literature.py), solves all draws in one
batch with the engine and checks one published result, cited in its docstring. The
shares measured with ``SEED`` on the model of this commit are given in the docstrings;
the assertions leave margins.

Vocabulary, in Model 2's terms (docs/model.md §3): Iraq *violates* when it demands a US
exit or fields a Russian system (``violation`` > 0; a demand for advisers is not a
violation); it *complies* with a demand to host US troops or for advisers, without a
purchase (``COMPLY``). The US *coerces* when its step is not ``accommodate`` (the
features ``waiver``, ``targeted``, ``severe``; severe includes the other two). A *threat*
is the US's subgame-perfect answer to a violation; in the game *without threats* the US
may only play ``<posture>+accommodate`` (its posture stays free).
"""

from __future__ import annotations

import numpy as np
import pytest
from literature import (BayesPath, Path, bought, coerced, solve_bayes_path, solve_path, uniform_draws,
                        us_response_to, without_threats)

from sim.engine.params import replace_values
from sim.engine.tree import ATOL, decisive_ties_on_path
from sim.scenarios.iraq2020 import SCENARIO, GameParams

SEED = 14  # issue 14
N_DRAWS = 20_000
RUSSIA, IRAN, IRAQ, US = range(4)
COERCION = ("waiver", "targeted", "severe")
COMPLY = ("host+status_quo", "host+deepen", "advisers+status_quo", "advisers+deepen")
IRAQ_ACTIONS = SCENARIO.actors[IRAQ].actions
US_ACTIONS = SCENARIO.actors[US].actions


def _parents(tree) -> np.ndarray:
    """Parent node of every node (-1 for the root), shape (n_nodes,)."""
    parent = np.full(tree.n_nodes, -1)
    for v, kids in enumerate(tree.children):
        parent[list(kids)] = v
    return parent


PARENT = _parents(SCENARIO.sequential.tree)


def accommodating(action: str) -> bool:
    """Model 2's US actions that threaten nothing: any posture with ``accommodate``."""
    return action.endswith("+accommodate")


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

def test_coercion_imposed_in_equilibrium_is_a_threat_that_failed(with_threats):
    """Imposed sanctions are the ones whose threat failed: the target violated although
    complying would have spared it (Drezner 2003, "The hidden hand of economic coercion",
    International Organization 57(3); Lacy & Niou 2004, Journal of Politics 66(1)).

    Measured (seed 14): coercion on the SPE path in 27.3 % of draws (the waiver alone
    1.7 %, the targeted menu alone 25.0 %, severe 0.64 %); every one follows a violation,
    and each of the four complying actions would have been accommodated in all of them.
    No tie decides a regime on any path (decisive_ties_on_path with regime=: 0 draws) and
    the US never ties on the path. Ties that change a payoff but not the regime are on
    the path in 1,431 draws, all coerced: Iraq is indifferent among demands that the US
    answers by withdrawing with the same step, and the US's credibility term counts an
    exit demand as one more violation (v), so the tie-break sets the US's payoff.
    """
    p = with_threats
    sanctioned = coerced(p.f, COERCION)
    assert sanctioned.mean() > 0.1  # not vacuous
    assert np.all(p.f["violation"][sanctioned] > 0)
    for action in COMPLY:
        answer = np.array(US_ACTIONS)[us_response_to(SCENARIO, p, action)[sanctioned]]
        assert all(accommodating(a) for a in answer), action
    assert not decisive_ties_on_path(p.tree, p.result, regime=p.regime)[sanctioned].any()
    us_node = PARENT[p.tree.leaves[p.result.path_leaf]]  # the US moves last: the leaf's parent
    assert not p.result.tie[np.arange(N_DRAWS), us_node][sanctioned].any()


def test_threats_deter_violations(draws, with_threats, no_threats):
    """Threatened sanctions change the target's choice before any is imposed (Drezner
    2003; Lacy & Niou 2004; TIES, Morgan, Bapat & Krustev: effective sanctions "would
    bring about change in the target's behavior at the threat stage and would never be
    applied").

    Measured (seed 14): Iraq violates in 33.9 % of draws with threats, 94.7 % without
    (an exit demand in 6.5 % and 16.2 %). Switching the credibility off instead (κ = 0)
    gives exactly the game without threats, for all four actors.
    """
    share_with = (with_threats.f["violation"] > 0).mean()
    share_without = (no_threats.f["violation"] > 0).mean()
    assert share_without - share_with > 0.4
    off = replace_values(draws, {"us.credibility": np.zeros((1, N_DRAWS))})
    switched_off = solve_path(SCENARIO, off)
    assert not coerced(switched_off.f, COERCION).any()
    np.testing.assert_array_equal(switched_off.outcome, no_threats.outcome)


# --- 2. deterrence share --------------------------------------------------------------

def test_threats_deter_purchases_and_ties(with_threats, no_threats):
    """The deterrence share: Iraq refrains from buying a Russian system, and from any new
    tie with Russia, in more draws when the US can threaten (Drezner 2003; Lacy & Niou
    2004; TIES).

    Measured (seed 14): no purchase in 67.8 % of draws with threats, 6.3 % without;
    neither purchase nor deeper ties in 17.1 % with threats, 2.0 % without.
    """
    no_buy = [1 - bought(p.f).mean() for p in (with_threats, no_threats)]
    no_tie = [1 - p.f["tied"].mean() for p in (with_threats, no_threats)]
    assert no_buy[0] - no_buy[1] > 0.4
    assert no_tie[0] - no_tie[1] > 0.08


# --- 3. Drezner's deadlock, in closed form --------------------------------------------
# The US moves last and its payoff separates: the posture term t(P_US - C_tr(1 + rho P))
# - O g does not depend on the step, the step term kappa lambda v - cost does not depend
# on the posture. So its answer to every Iraqi action, and Iraq's best action, follow in
# closed form from the parameters, without the payoff terms or the solver.

def _first_best(values: np.ndarray) -> np.ndarray:
    """Index of the first entry within ATOL of the maximum along axis 0 (the engine's
    tie-break), shape values.shape[1:]."""
    return np.argmax(values >= values.max(axis=0) - ATOL, axis=0)


def _levels(p) -> np.ndarray:
    """Troop level of each posture (maintain, advisory, withdraw), shape (3, B)."""
    a = np.ravel(p.us.advisory_level)
    return np.stack([np.ones_like(a), a, np.zeros_like(a)])


def _gap(p, demand: str) -> np.ndarray:
    """Troop level kept beyond ``demand``, g = max(t - target, 0), shape (3, B)."""
    t = _levels(p)
    return np.maximum(t - {"host": t[0], "advisers": t[1], "exit": t[2]}[demand], 0.0)


def _violations(action: str, offer: np.ndarray) -> np.ndarray:
    """v = [exit demanded] + [system fielded], shape (B,)."""
    demand, tie = action.split("+")
    return (demand == "exit") + ((tie == "buy") & (offer > 0)).astype(float)


def us_posture(p, demand: str, pressure: np.ndarray) -> np.ndarray:
    """The US's posture (0 maintain, 1 advisory, 2 withdraw) answering ``demand``, (B,)."""
    us = p.us
    per_troop = np.ravel(us.presence_value - us.troop_cost * (1 + us.troop_risk * pressure))
    return _first_best(_levels(p) * per_troop - np.ravel(us.override_cost) * _gap(p, demand))


def us_step_values(p, v: np.ndarray) -> np.ndarray:
    """The US's value of each step (accommodate, waiver, targeted, severe) against v
    violations, κ·λ·v − cost, shape (4, B) ($bn/yr)."""
    us = p.us
    k = np.ravel(us.credibility) * v
    return np.stack([np.zeros_like(k), k * np.ravel(us.waiver_credibility_factor) - np.ravel(us.waiver_cost),
                     k - np.ravel(us.targeted_cost),
                     k * np.ravel(us.severe_credibility_factor)
                     - np.ravel(us.waiver_cost + us.targeted_cost + us.severe_cost)])


def iraq_value(p, offer, pressure, action: str, posture, step) -> np.ndarray:
    """Iraq's payoff ($bn/yr, shape (B,)) of ``action`` answered by ``posture`` and
    ``step`` (shape (B,) each), after ``offer`` (0 none, 1 S-300, 2 S-400) and ``pressure``."""
    i, us, arms = p.iraq, p.us, p.arms
    rows = np.arange(len(offer))
    demand, tie = action.split("+")
    per_troop = np.ravel(i.security_value - i.nationalism * (1 + i.iran_leverage * pressure)
                         - i.battleground_cost * pressure)
    presence = _levels(p)[posture, rows] * per_troop - np.ravel(i.override_cost) * _gap(p, demand)[posture, rows]
    cap = np.where(offer == 2, 1.0, np.where(offer == 1, np.ravel(arms.s300_capability), 0.0))
    price = np.where(offer == 2, np.ravel(arms.s400_price), np.where(offer == 1, np.ravel(arms.s300_price), 0.0))
    buy = (tie == "buy") & (offer > 0)
    system = buy * (np.ravel(i.air_defence_value) * cap
                    - np.ravel(1 - p.russia.discount) * price / np.ravel(arms.amortisation_years))
    loss = (np.ravel(i.electricity_loss) * ((step == 1) | (step == 3)) + np.ravel(us.aid) * (step >= 2)
            + np.ravel(i.fed_share_at_risk * i.oil_revenue) * (step == 3))
    return presence + system + np.ravel(i.hedging_value) * ((tie == "deepen") | buy) - loss


def deadlock(p, offer: np.ndarray, pressure: np.ndarray) -> dict[str, np.ndarray]:
    """Drezner's deadlock for each violating Iraqi action, shape (B,) bool, at the Russian
    offer ``offer`` and Iranian move ``pressure`` (both (B,)): (i) the US prefers the
    severe step to accommodating, κ·m_sev·v > c_w + c_tgt + c_fed; (ii) Iraq prefers the
    action under severe sanctions, with the US's closed-form posture, to the best
    complying action, which the US answers with its closed-form posture and accommodates.
    """
    comply = np.max([iraq_value(p, offer, pressure, a, us_posture(p, a.split("+")[0], pressure),
                                np.zeros(len(offer), int)) for a in COMPLY], axis=0)
    severe = np.full(len(offer), 3)
    out = {}
    for action in IRAQ_ACTIONS:
        v = _violations(action, offer)
        posture = us_posture(p, action.split("+")[0], pressure)
        us_resolved = us_step_values(p, v)[3] > 0
        iraq_defiant = iraq_value(p, offer, pressure, action, posture, severe) > comply
        out[action] = (v > 0) & us_resolved & iraq_defiant
    return out


def closed_form_play(p, offer: np.ndarray, pressure: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Iraq's best action (index, (B,)) and the US's answer to each Iraqi action (index,
    (B,) each), in closed form, at the given offer and Iranian move."""
    answer, value = {}, []
    for action in IRAQ_ACTIONS:
        posture = us_posture(p, action.split("+")[0], pressure)
        step = _first_best(us_step_values(p, _violations(action, offer)))
        answer[action] = posture * 4 + step  # US actions: postures x 4 steps
        open_ = (offer > 0) | ~action.endswith("+buy")
        value.append(np.where(open_, iraq_value(p, offer, pressure, action, posture, step), -np.inf))
    return _first_best(np.array(value)), answer


def test_confrontation_needs_drezners_deadlock(draws, with_threats):
    """Under complete information, sanctions are imposed only in deadlock: a sender that
    prefers imposing to backing down facing a target that prefers defying under
    sanctions to complying (Drezner 1999, The Sanctions Paradox, Cambridge UP).

    Evaluated in closed form from the parameters (:func:`deadlock`), at the path's
    Russian offer and Iranian move. Measured (seed 14): confrontation (severe on the SPE
    path) in 128 draws (0.64 %), 118 of them with a US withdrawal; Iraq's action there is
    exit+buy (107), host+buy (20), exit+deepen (1). The deadlock holds for some violation
    in 220 draws (1.1 %), for Iraq's path action in 186: 128 confrontations and 58 where
    the US prefers the targeted menu or the waiver alone to the severe step. Every
    confrontation is deadlocked on Iraq's path action, and the US's whole answer and
    Iraq's choice follow in closed form in every draw (:func:`closed_form_play`).

    Not in closed form: Russia's offer and Iran's move, which weigh the whole
    continuation (that is backward induction itself); they are taken from the solver.
    """
    p = with_threats
    offer, pressure = p.outcome[:, RUSSIA], p.f["pressure"]
    conf = p.f["severe"] > 0
    assert conf.sum() > 60  # not vacuous
    us = draws.us
    v = p.f["violation"]
    resolved = np.ravel(us.credibility * us.severe_credibility_factor) * v > np.ravel(
        us.waiver_cost + us.targeted_cost + us.severe_cost)
    assert np.all(resolved[conf]) and np.all(v[conf] > 0)
    cond = deadlock(draws, offer, pressure)
    on_path = np.zeros(N_DRAWS, dtype=bool)
    for action, holds in cond.items():
        on_path |= holds & (p.outcome[:, IRAQ] == IRAQ_ACTIONS.index(action))
    assert np.all(on_path[conf])
    assert on_path.sum() < 2 * conf.sum()  # deadlock is not vacuous either: most deadlocks end in confrontation
    choice, answer = closed_form_play(draws, offer, pressure)
    np.testing.assert_array_equal(choice, p.outcome[:, IRAQ])
    for action in IRAQ_ACTIONS:
        if not action.endswith("+buy"):  # open after every offer
            np.testing.assert_array_equal(answer[action], us_response_to(SCENARIO, p, action), err_msg=action)
    chosen_answer = np.choose(choice, [answer[a] for a in IRAQ_ACTIONS])
    np.testing.assert_array_equal(chosen_answer, p.outcome[:, US])


# --- 4. Hovi, Huseby & Sprinz ---------------------------------------------------------

def test_doubt_adds_coercion_only_by_underestimated_resolve(draws, with_threats, uncertain):
    """Hovi, Huseby & Sprinz (2005, "When do (imposed) economic sanctions work?", World
    Politics 57(4)): sanctions are imposed when the target misjudges the sender's
    determination. In the uncertain-resolve variant, wherever doubt about US resolve
    puts coercion on the path that complete information (a committed US, known) keeps
    off, the committed type imposes it and Iraq fares worse against it than it expected:
    Iraq underestimated US resolve.

    Only draws where the bluffing type values punishing less than the committed one
    (us.bluff_credibility < us.credibility) are used: the documented ranges allow the
    reverse. Measured (seed 14): 19,336 such draws; doubt adds coercion in 1,643, imposed
    by the committed type in all; Iraq's payoff against it is below its expected payoff
    in all 1,643 (by at least 0.008 $bn/yr). Over all draws doubt adds coercion in 1,745,
    and in the 100 others only the bluffing type (which there values punishing more)
    imposes it.
    """
    u = uncertain
    bluffer = (draws.us.bluff_credibility < draws.us.credibility).ravel()
    sanctioned = coerced(u.f, COERCION)
    added = bluffer & (u.reach @ sanctioned > 0) & ~coerced(with_threats.f, COERCION)
    assert added.sum() > 800  # not vacuous
    by_committed = u.reach @ (sanctioned & u.committed)
    assert np.all(by_committed[added] > 0)
    shortfall = u.iraq_expected[added] - u.iraq_if_committed[added]  # $bn/yr
    assert np.all(shortfall > -1e-9)
    assert np.mean(shortfall > 1e-9) > 0.95


@pytest.mark.xfail(strict=True, reason=(
    "measured on Model 2: over 20,000 draws coercion is imposed with positive probability in "
    "35.5 % and P(imposed and Iraq compliant) = 0 in every draw: the one-shot game gives Iraq no "
    "move after imposition, and the US never coerces a complying Iraq (no violation, nothing to "
    "punish), so imposed sanctions never work and no misperception is corrected; the dynamic game "
    "of issue 16 gives Iraq a move after imposition, where this result can be tested"))
def test_imposed_sanctions_work_only_after_a_corrected_misperception(draws, uncertain):
    """Hovi, Huseby & Sprinz (2005, World Politics 57(4)): imposed sanctions work only
    if the target misjudged the sender (here: Iraq underestimated US resolve) and that
    misperception is corrected after imposition. In the uncertain-resolve variant some
    draws must end with coercion imposed and Iraq complying, and in each of them Iraq
    must have doubted US resolve (prior < 1) and met the committed type.
    """
    u = uncertain
    imposed = coerced(u.f, COERCION)
    assert (u.reach @ imposed > 0).mean() > 0.2  # coercion is imposed: the failure is not vacuous
    worked = u.reach @ (imposed & (u.f["violation"] == 0))
    assert (worked > 0).any()
    pi = draws.us.committed_prior.ravel()
    assert np.all(pi[worked > 0] < 1)
    assert np.all((u.reach @ (imposed & (u.f["violation"] == 0) & u.committed))[worked > 0] > 0)
