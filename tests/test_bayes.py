"""Uncertain US resolve: the deferred-chance tree, reductions and probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.bayes import bayes_form, type_params
from sim.solvers.bayes import solve_bayes
from sim.scenarios.iraq2020_v1 import REGIMES, SCENARIO, GameParams
from sim.engine.params import batch, iter_params, take_points
from sim.solvers.spe import solve_spe
from sim.store.columns import slug

SC = SCENARIO


def random_points(n, seed=0, **fixed):
    rng = np.random.default_rng(seed)
    cols = {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(GameParams)}
    cols.update({k: np.full(n, v) for k, v in fixed.items()})
    return batch(GameParams(), cols)


def probs(cols):
    return np.stack([np.asarray(cols[f"bayes_prob_{slug(r)}"]) for r in REGIMES], axis=1)


def test_tree_puts_nature_just_before_the_us():
    form = bayes_form(SC, SC.types)
    assert form.tree.n_leaves == 2 * 96
    for h in form.tree.leaf_histories():
        assert h[3] in ("committed", "bluffing") and len(h) == 5


def test_prior_one_is_the_complete_information_game():
    p = random_points(3000, 1, **{"us.committed_prior": 1.0})
    got = solve_bayes(SC, p)
    ref = solve_spe(SC, p)
    np.testing.assert_array_equal(np.asarray(got["bayes_modal_regime"]), np.asarray(ref["spe_regime"]))
    pr = probs(got)
    assert np.all(np.isin(pr, [0.0, 1.0]))  # no uncertainty left


def test_prior_zero_is_the_game_against_the_bluffing_type():
    p = random_points(2000, 2, **{"us.committed_prior": 0.0})
    got = solve_bayes(SC, p)
    ref = solve_spe(SC, type_params(p, SC.types, 1))  # credibility := bluff_credibility
    np.testing.assert_array_equal(np.asarray(got["bayes_modal_regime"]), np.asarray(ref["spe_regime"]))


def test_probabilities_sum_to_one_and_confrontation_needs_a_committed_type():
    p = random_points(3000, 3)
    pr = probs(solve_bayes(SC, p))
    np.testing.assert_allclose(pr.sum(axis=1), 1.0)
    # severe sanctions are imposed only by a type that values punishing: with a bluffing
    # type worth 0 the probability of confrontation is at most the prior
    zero_bluff = random_points(3000, 4, **{"us.bluff_credibility": 0.0})
    conf = probs(solve_bayes(SC, zero_bluff))[:, REGIMES.index("confrontation")]
    assert np.all(conf <= zero_bluff.us.committed_prior.ravel() + 1e-12)


def test_uncertainty_puts_confrontation_on_the_path():
    """A nationalist Iraq gambles that the US is bluffing: sanctions are imposed with the
    prior probability — the confrontation the complete-information game rarely shows."""
    pis = np.linspace(0.05, 0.95, 19)
    p = batch(GameParams(), {"us.committed_prior": pis, "iraq.nationalism": np.full(19, 19.0),
                             "us.credibility": np.full(19, 5.0)})
    conf = probs(solve_bayes(SC, p))[:, REGIMES.index("confrontation")]
    np.testing.assert_allclose(conf, pis)


@pytest.mark.parametrize("chunk", [1, 7])
def test_batches_equal_single_points(chunk):
    p = random_points(21, 5)
    whole = probs(solve_bayes(SC, p))
    parts = [probs(solve_bayes(SC, take_points(p, slice(i, i + chunk)))) for i in range(0, 21, chunk)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
