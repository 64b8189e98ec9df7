"""The tie policy (docs/model.md §5): flags that say when the tie-break rule, not the
payoffs, decides a result, and Model 2's targets (issue 14, item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.engine.equilibrium import pure_nash_mask_batch_last, weak_equilibria_batch_last
from sim.engine.params import batch, from_mapping, replace_values
from sim.engine.scenario import leaf_payoffs
from sim.engine.tree import Decision, backward_induction, decisive_ties_on_path, tree_from_rule
import sim.cli.app  # noqa: F401  registers the game/ schemas the configs name
from sim.resources import CONF_DIR
from sim.scenarios import get_scenario
from sim.solvers.bayes import solve_bayes
from sim.solvers.nash import solve_nash
from sim.solvers.spe import solve_spe

MODEL2, V1 = get_scenario("iraq2020"), get_scenario("iraq2020_v1")


# --- the flags, on games built by hand ----------------------------------------------

def _two_stage():
    """Player 0 picks a, b or c; player 1 then picks x or y after each."""
    spec = {(): Decision(0, ("a", "b", "c"))}
    spec.update({(m,): Decision(1, ("x", "y")) for m in "abc"})
    return tree_from_rule(("P0", "P1"), lambda h: spec.get(h))


def test_a_tie_between_payoff_equivalent_actions_decides_nothing():
    tree = _two_stage()
    # leaves: ax ay bx by cx cy; P1 prefers x everywhere; P0 gets 1 after a and b (tie),
    # and the same payoffs for P1 too: a and b are payoff-equivalent
    lp = np.array([[1, 2], [0, 0], [1, 2], [0, 0], [0, 5], [0, 0]], dtype=float)
    res = backward_induction(tree, lp)
    assert res.tie_on_path[0]
    assert not decisive_ties_on_path(tree, res)[0]
    regime = np.array([0, 1, 0, 1, 2, 3])
    assert not decisive_ties_on_path(tree, res, regime=regime)[0]


def test_a_tie_that_changes_another_players_payoff_is_decisive():
    tree = _two_stage()
    lp = np.array([[1, 2], [0, 0], [1, 3], [0, 0], [0, 5], [0, 0]], dtype=float)  # P1: 2 after a, 3 after b
    res = backward_induction(tree, lp)
    assert decisive_ties_on_path(tree, res)[0]
    same_regime = np.array([0, 1, 0, 1, 2, 3])
    assert not decisive_ties_on_path(tree, res, regime=same_regime)[0]
    other_regime = np.array([0, 1, 4, 1, 2, 3])
    assert decisive_ties_on_path(tree, res, regime=other_regime)[0]


def test_an_off_path_tie_is_not_on_the_path():
    tree = _two_stage()
    lp = np.array([[3, 2], [0, 0], [1, 1], [1, 1], [0, 5], [0, 0]], dtype=float)  # P1 ties after b only
    res = backward_induction(tree, lp)
    assert res.tie_anywhere[0] and not res.tie_on_path[0]
    assert not decisive_ties_on_path(tree, res)[0]


@pytest.mark.parametrize("integer", [False, True])
def test_weak_equilibria_match_a_brute_force_check(integer):
    rng = np.random.default_rng(7)
    shape = (3, 3, 2, 4, 150)
    u = rng.integers(0, 3, size=shape).astype(float) if integer else rng.normal(size=shape)
    mask = pure_nash_mask_batch_last(u)
    expected = np.zeros(shape[-1], dtype=bool)
    for b in range(shape[-1]):
        for prof in np.argwhere(mask[..., b]):
            for i in range(shape[0]):
                line = list(prof)
                line[i] = slice(None)
                own = u[i][tuple(line) + (b,)]
                expected[b] |= (own >= own.max() - 1e-9).sum() > 1
    np.testing.assert_array_equal(weak_equilibria_batch_last(u, mask), expected)
    assert expected.any() == integer  # integer payoffs tie; continuous ones never do


# --- the flags on the scenarios ---------------------------------------------------------

def _default_grid(sc, n=200):
    x, y = np.meshgrid(np.linspace(0, 20, n), np.linspace(0, 6, n))
    return batch(sc.params_cls(), {"iraq.nationalism": x.ravel(), "us.credibility": y.ravel()})


def test_model2_default_grid_has_no_tie_that_decides_anything():
    """Issue 14's target: <= 1 % of the default grid with a tie on the SPE path. Measured:
    0 of 40,000 points for Model 2, and no weak pure NE; version 1: 14.5 %."""
    cols = solve_spe(MODEL2, _default_grid(MODEL2))
    assert np.mean(cols["spe_tie_on_path"]) <= 0.01
    assert not np.any(cols["spe_tie_regime"])
    assert not np.any(solve_nash(MODEL2, _default_grid(MODEL2, 60))["nash_weak"])
    v1 = solve_spe(V1, _default_grid(V1))
    assert 0.14 < np.mean(v1["spe_tie_on_path"]) < 0.15  # the knife edge Model 2 removed


def test_v1_ties_are_flagged_by_every_concept_at_its_knife_edge():
    """Version 1 at nationalism 12, credibility 4, severe cost 3: Iran exactly indifferent
    (3 + 1 - 1 - 3 = 0); the SPE flags it as a tie that decides the regime, and under
    uncertain resolve the tie is on the path."""
    p = replace_values(V1.params_cls(), {"iraq.nationalism": 12.0, "us.credibility": 4.0, "us.severe_cost": 3.0})
    spe = solve_spe(V1, p)
    assert spe["spe_tie_on_path"][0] and spe["spe_tie_regime"][0]
    bayes = solve_bayes(V1, replace_values(p, {"us.committed_prior": 1.0}))
    assert bayes["bayes_tie_on_path"][0]


def _resolve_experiment(name: str):
    """The experiment's calibration (its game block) and its y axis."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[f"experiment={name}"])
    data = OmegaConf.to_container(cfg, resolve=True)
    sc = get_scenario(data["scenario"])
    y = data["sweep"]["y"]
    return sc, from_mapping(sc.params_cls, data["game"], "game."), y["param"], np.linspace(y["start"], y["stop"], y["num"])


@pytest.mark.parametrize("name, limit", [("resolve_prior_cost", 0.05), ("v1/resolve_prior_cost", None)],
                         ids=["model2", "v1"])
def test_uncertain_resolve_converges_to_complete_information(name, limit):
    """As the committed prior -> 1 the Bayesian solution tends to the complete-information
    one: at every value of resolve_prior_cost's y axis, P(regime) at prior 0.999 and at 1
    differ by at most 0.05 (issue 14). Version 1 jumped by up to 0.999 (its tie)."""
    sc, base, axis, values = _resolve_experiment(name)
    probs = []
    for prior in (0.999, 1.0):
        cols = solve_bayes(sc, batch(base, {"us.committed_prior": np.full(len(values), prior), axis: values}))
        probs.append(np.stack([np.asarray(v) for k, v in sorted(cols.items()) if k.startswith("bayes_prob_")], 1))
    jump = np.abs(probs[0] - probs[1]).max(axis=1)
    if limit is not None:
        assert jump.max() <= limit
    else:
        assert jump.max() > 0.9
