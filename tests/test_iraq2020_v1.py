"""The Iraq-2020 scenario, version 1 (`iraq2020_v1`): game shapes, payoff terms, baseline regime, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.equilibrium import pure_nash_equilibria
from sim.scenarios.iraq2020_v1 import REGIMES, SCENARIO, GameParams
from sim.scenarios.iraq2020_v1.scenario import classify, features
from sim.engine.params import batch, iter_params, replace_values
from sim.engine.scenario import leaf_payoffs, normal_form
from sim.engine.tree import backward_induction, spe_path_labels

SC = SCENARIO
IRAQ = SC.players.index("Iraq")
US = SC.players.index("US")


def spe(params):
    form = SC.sequential
    res = backward_induction(form.tree, leaf_payoffs(SC, params))
    return form, res


def outcome(russia, iran, iraq, us):
    idx = [a.actions.index(x) for a, x in zip(SC.actors, (russia, iran, iraq, us))]
    return np.array([idx])


def test_game_sizes():
    assert SC.sequential.tree.n_leaves == 2 * 4 * 3 + 2 * 2 * 6 * 3 == 96
    assert SC.simultaneous.outcomes.shape == (108, 4)
    p = GameParams()
    assert leaf_payoffs(SC, p).shape == (1, 96, 4)
    assert normal_form(SC, p).shape == (1, 4, 3, 2, 6, 3)


def test_batch_shapes_follow_parameter_points():
    p = batch(GameParams(), {"iraq.nationalism": np.linspace(0, 10, 7)})
    assert leaf_payoffs(SC, p).shape == (7, 96, 4)
    assert normal_form(SC, p).shape == (7, 4, 3, 2, 6, 3)


def test_every_action_has_words_for_figures():
    """Figures show actions in words (sim.scenarios.iraq2020_v1.display), never codes such as keep+status_quo."""
    assert set(SC.action_names) == set(SC.players)
    for actor in SC.actors:
        names = SC.action_names[actor.name]
        assert set(names) == set(actor.actions), actor.name
        words = list(names.values())
        assert len(set(words)) == len(words), actor.name  # no two actions read alike
        assert all(w.strip() and "+" not in w and "_" not in w for w in words), actor.name
    assert SC.action_names["Iraq"]["keep+deepen"] == "keep troops, deepen ties"


def test_iraq_can_buy_only_what_is_offered():
    hist = SC.sequential.tree.leaf_histories()
    assert not any(h[0] == "none" and h[2].endswith("+buy") for h in hist)
    assert any(h[0] == "S-400" and h[2] == "keep+buy" for h in hist)


def test_baseline_lands_in_hedging():
    """Validation target (BRIEF §4): Iraq keeps US troops and deepens ties with Moscow."""
    form, res = spe(GameParams())
    path = spe_path_labels(form.tree, res.choice[0])
    assert path[1:] == ["restrain", "keep+deepen", "accommodate"]
    assert REGIMES[form.regime[res.path_leaf[0]]] == "hedging"
    assert not res.tie_anywhere[0]


def test_spe_payoffs_equal_the_leaf_payoffs_on_the_path():
    p = batch(GameParams(), {"iraq.nationalism": np.linspace(0, 20, 50), "us.credibility": np.linspace(0, 6, 50)})
    form, res = spe(p)
    lp = leaf_payoffs(SC, p)
    np.testing.assert_array_equal(res.root_payoffs, lp[np.arange(50), res.path_leaf])


def test_iraq_payoff_terms_by_hand():
    p = GameParams()
    f = features(outcome("S-400", "pressure", "keep+buy", "targeted"))
    u = SC.outcome_payoffs(p, f)[0, 0]
    iq, us = p.iraq, p.us
    price = p.arms.s400_price / p.arms.amortisation_years
    expected_iraq = (iq.security_value - iq.nationalism * (1 + iq.iran_leverage) - iq.battleground_cost
                     + iq.air_defence_value - price + iq.hedging_value - us.aid)
    assert u[IRAQ] == pytest.approx(expected_iraq)
    expected_us = (us.presence_value - us.troop_cost * (1 + us.troop_risk) - us.air_freedom_loss
                   + us.credibility - us.targeted_cost - us.influence_loss)
    assert u[US] == pytest.approx(expected_us)


def test_severe_sanctions_cost_iraq_the_fed_share_and_electricity():
    p = GameParams()
    acc = SC.outcome_payoffs(p, features(outcome("none", "restrain", "expel+status_quo", "accommodate")))[0, 0]
    sev = SC.outcome_payoffs(p, features(outcome("none", "restrain", "expel+status_quo", "severe")))[0, 0]
    loss = p.iraq.fed_share_at_risk * p.iraq.oil_revenue + p.iraq.electricity_loss + p.us.aid
    assert acc[IRAQ] - sev[IRAQ] == pytest.approx(loss)


def test_regime_classification():
    cases = {
        ("none", "restrain", "keep+status_quo", "accommodate"): "US-aligned status quo",
        ("none", "restrain", "keep+deepen", "accommodate"): "hedging",
        ("S-300", "restrain", "keep+buy", "targeted"): "Russian pivot",
        ("S-400", "pressure", "expel+buy", "accommodate"): "Russian pivot",
        ("none", "pressure", "expel+deepen", "targeted"): "managed exit",
        ("none", "restrain", "expel+status_quo", "severe"): "confrontation",
        ("S-400", "restrain", "keep+buy", "severe"): "confrontation",
        ("none", "restrain", "keep+buy", "accommodate"): "US-aligned status quo",  # nothing offered
    }
    for acts, regime in cases.items():
        assert REGIMES[classify(features(outcome(*acts)))[0]] == regime, acts


def test_every_regime_appears_somewhere_in_parameter_space():
    rng = np.random.default_rng(0)
    infos = list(iter_params(GameParams))
    cols = {i.name: rng.uniform(i.low, i.high, 4000) for i in infos}
    form, res = spe(batch(GameParams(), cols))
    seen = {REGIMES[r] for r in form.regime[res.path_leaf]}
    assert seen == set(REGIMES)


def test_simultaneous_baseline_equilibria_are_pure_nash():
    u = normal_form(SC, GameParams())[0]
    eqs = pure_nash_equilibria(u)
    assert eqs  # the baseline simultaneous game has a pure NE
    for e in eqs:
        for i in range(4):
            own = u[(i,) + e[:i] + (slice(None),) + e[i + 1:]]
            assert own[e[i]] >= own.max() - 1e-9


# --- monotonicity (hypothesis): raising the price of an action never makes its chooser
# pick it where they did not before ------------------------------------------------------

def _random_params(draw_values):
    infos = list(iter_params(GameParams))
    return replace_values(GameParams(), dict(zip((i.name for i in infos), draw_values)))


params_strategy = st.tuples(*[
    st.floats(i.low, i.high, allow_nan=False) for i in iter_params(GameParams)
]).map(_random_params)


def _choices_at(params, player, filt):
    """Choice index at each decision node of ``player`` whose history passes ``filt``."""
    tree = SC.sequential.tree
    hist = {0: ()}
    for v in range(tree.n_nodes):
        for lab, c in zip(tree.actions[v], tree.children[v]):
            hist[c] = hist[v] + (lab,)
    nodes = [v for v in range(tree.n_nodes) if tree.node_player[v] == player and filt(hist[v])]
    _, res = spe(params)
    return {v: tree.actions[v][res.choice[0, v]] for v in nodes}


@settings(max_examples=60, deadline=None)
@given(params_strategy, st.floats(0.01, 5.0))
def test_dearer_severe_sanctions_are_never_chosen_more(p, extra):
    dearer = replace_values(p, {"us.severe_cost": min(30.0, p.us.severe_cost + extra)})
    before = _choices_at(p, US, lambda h: True)
    after = _choices_at(dearer, US, lambda h: True)
    for v, a in after.items():
        if a == "severe":
            assert before[v] == "severe"


@settings(max_examples=60, deadline=None)
@given(params_strategy, st.floats(0.01, 5.0))
def test_dearer_s400_is_never_bought_more(p, extra):
    dearer = replace_values(p, {"arms.s400_price": min(10.0, p.arms.s400_price + extra)})
    offered = lambda h: h[0] == "S-400"  # noqa: E731
    before = _choices_at(p, IRAQ, offered)
    after = _choices_at(dearer, IRAQ, offered)
    for v, a in after.items():
        if a.endswith("+buy"):
            assert before[v].endswith("+buy")


@settings(max_examples=60, deadline=None)
@given(params_strategy, st.floats(0.01, 5.0))
def test_more_nationalism_never_keeps_troops_more(p, extra):
    hotter = replace_values(p, {"iraq.nationalism": min(20.0, p.iraq.nationalism + extra)})
    before = _choices_at(p, IRAQ, lambda h: True)
    after = _choices_at(hotter, IRAQ, lambda h: True)
    for v, a in after.items():
        if a.startswith("keep"):
            assert before[v].startswith("keep")
