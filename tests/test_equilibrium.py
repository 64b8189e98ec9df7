"""Pure Nash equilibria, best replies and regret on reference games with known answers.

Payoff convention (see ``sim/engine/equilibrium.py``): ``U[i, a_1, ..., a_N]`` is player ``i``'s
payoff when player ``j`` plays ``a_j``; action indices are 0-based.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.equilibrium import (
    best_reply_mask,
    nash_conv,
    pure_nash_equilibria,
    pure_nash_mask,
    regrets,
)

# ---------------------------------------------------------------------------
# reference games
# ---------------------------------------------------------------------------

# action 0 = cooperate, 1 = defect
PRISONERS_DILEMMA = np.array(
    [
        [[3, 0], [5, 1]],  # row player
        [[3, 5], [0, 1]],  # column player
    ]
)

# row wants to match, column wants to mismatch
MATCHING_PENNIES = np.array(
    [
        [[1, -1], [-1, 1]],
        [[-1, 1], [1, -1]],
    ]
)

# action 0 = opera (row's favourite), 1 = football (column's favourite)
BATTLE_OF_THE_SEXES = np.array(
    [
        [[2, 0], [0, 1]],
        [[1, 0], [0, 2]],
    ]
)

# Gambit's contrib/games/2x2x2.nfg (McKelvey & McLennan 1997, "The maximal number of
# regular totally mixed Nash equilibria", JET 72(2)): 9 Nash equilibria, of which 4 pure.
# In the .nfg outcome list player 1's strategy varies fastest.
MCKELVEY_MCLENNAN_NFG = """\
NFG 1 R "2x2x2 Example from McKelvey-McLennan, with 9 Nash equilibria, 2 totally mixed"
{ "Player 1" "Player 2" "Player 3" }

{ { "1" "2" }
{ "1" "2" }
{ "1" "2" }
}
""

{
{ "" 9, 8, 12 }
{ "" 0, 0, 0 }
{ "" 0, 0, 0 }
{ "" 9, 8, 2 }
{ "" 0, 0, 0 }
{ "" 3, 4, 6 }
{ "" 3, 4, 6 }
{ "" 0, 0, 0 }
}
1 2 3 4 5 6 7 8
"""


def _mckelvey_mclennan() -> np.ndarray:
    u = np.zeros((3, 2, 2, 2))
    u[:, 0, 0, 0] = (9, 8, 12)
    u[:, 1, 1, 0] = (9, 8, 2)
    u[:, 1, 0, 1] = (3, 4, 6)
    u[:, 0, 1, 1] = (3, 4, 6)
    return u


MCKELVEY_MCLENNAN = _mckelvey_mclennan()
MCKELVEY_MCLENNAN_PURE_NE = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]


def all_profiles(u: np.ndarray):
    return list(itertools.product(*(range(n) for n in u.shape[1:])))


# ---------------------------------------------------------------------------
# exact answers on reference games
# ---------------------------------------------------------------------------


def test_prisoners_dilemma_unique_defect_defect():
    assert pure_nash_equilibria(PRISONERS_DILEMMA) == [(1, 1)]
    assert pure_nash_equilibria(PRISONERS_DILEMMA, atol=0) == [(1, 1)]


def test_matching_pennies_has_no_pure_equilibrium():
    assert pure_nash_equilibria(MATCHING_PENNIES) == []
    assert not pure_nash_mask(MATCHING_PENNIES[None]).any()


def test_matching_pennies_mixed_equilibrium_has_zero_nash_conv():
    half = [0.5, 0.5]
    assert nash_conv(MATCHING_PENNIES, (half, half)) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(regrets(MATCHING_PENNIES, (half, half)), [0.0, 0.0], atol=1e-12)
    for a in all_profiles(MATCHING_PENNIES):
        # exactly one player is losing 1 and could win 1 instead
        assert nash_conv(MATCHING_PENNIES, a) == pytest.approx(2.0)
        assert nash_conv(MATCHING_PENNIES, a) > 0


def test_battle_of_the_sexes_two_pure_equilibria():
    assert pure_nash_equilibria(BATTLE_OF_THE_SEXES) == [(0, 0), (1, 1)]
    # and its mixed equilibrium: row plays opera w.p. 2/3, column w.p. 1/3
    mixed = ([2 / 3, 1 / 3], [1 / 3, 2 / 3])
    assert nash_conv(BATTLE_OF_THE_SEXES, mixed) == pytest.approx(0.0, abs=1e-12)
    assert nash_conv(BATTLE_OF_THE_SEXES, (0, 1)) == pytest.approx(2.0)  # each gains 1
    assert nash_conv(BATTLE_OF_THE_SEXES, (1, 0)) == pytest.approx(4.0)  # each gains 2


def test_mckelvey_mclennan_tensor_matches_gambit_nfg():
    gbt = pytest.importorskip("pygambit")
    game = gbt.read_nfg(io.StringIO(MCKELVEY_MCLENNAN_NFG))
    arrays = np.array([np.asarray(a, dtype=float) for a in game.to_arrays()])
    np.testing.assert_array_equal(arrays, MCKELVEY_MCLENNAN)
    # Gambit's own enumpure on the shipped game
    found = []
    for eq in gbt.nash.enumpure_solve(game).equilibria:
        found.append(
            tuple(
                next(k for k, s in enumerate(p.strategies) if eq[s] == 1) for p in game.players
            )
        )
    assert sorted(found) == MCKELVEY_MCLENNAN_PURE_NE


def test_mckelvey_mclennan_pure_equilibria():
    assert pure_nash_equilibria(MCKELVEY_MCLENNAN) == MCKELVEY_MCLENNAN_PURE_NE
    assert pure_nash_equilibria(MCKELVEY_MCLENNAN, atol=0) == MCKELVEY_MCLENNAN_PURE_NE


def test_mckelvey_mclennan_regrets():
    # at (1,1,1) everyone gets 0; deviating gives 3, 4 and 2 respectively
    np.testing.assert_allclose(regrets(MCKELVEY_MCLENNAN, (1, 1, 1)), [3, 4, 2])
    assert nash_conv(MCKELVEY_MCLENNAN, (1, 1, 1)) == pytest.approx(9.0)
    for a in MCKELVEY_MCLENNAN_PURE_NE:
        assert nash_conv(MCKELVEY_MCLENNAN, a) == 0.0


# ---------------------------------------------------------------------------
# weak ties
# ---------------------------------------------------------------------------


def test_weak_tie_counts_as_best_reply():
    # row is indifferent everywhere; column strictly prefers column 0
    u = np.array(
        [
            [[1, 1], [1, 1]],
            [[2, 0], [2, 0]],
        ]
    )
    assert pure_nash_equilibria(u) == [(0, 0), (1, 0)]
    assert pure_nash_equilibria(u, atol=0) == [(0, 0), (1, 0)]
    br = best_reply_mask(u[None])[0]
    assert br[0].all()  # every row action is a best reply for the row player
    np.testing.assert_array_equal(br[1], [[True, False], [True, False]])


def test_near_tie_within_atol():
    eps = 1e-12
    u = np.array(
        [
            [[1 + eps, 0], [1, 0]],  # row 0 beats row 1 by eps against column 0
            [[1, 0], [1, 0]],
        ]
    )
    assert pure_nash_equilibria(u) == [(0, 0), (1, 0)]  # default atol 1e-9: a tie
    assert pure_nash_equilibria(u, atol=0) == [(0, 0)]  # exact: strict preference
    # a coarse tolerance turns a 0.5 gap into a tie as well
    v = np.array([[[1.0, 0.0], [0.5, 0.0]], [[1.0, 0.0], [1.0, 0.0]]])
    assert pure_nash_equilibria(v) == [(0, 0)]
    assert pure_nash_equilibria(v, atol=0.5) == [(0, 0), (1, 0)]


def test_constant_game_every_profile_is_equilibrium():
    u = np.full((3, 2, 3, 1), 7.0)
    assert pure_nash_equilibria(u) == all_profiles(u)


def test_single_action_players():
    # player 0 has one action, player 1 picks the best of three
    u = np.array([[[0, 0, 0]], [[1, 3, 2]]])
    assert pure_nash_equilibria(u) == [(0, 1)]


# ---------------------------------------------------------------------------
# batch form and validation
# ---------------------------------------------------------------------------


def test_pure_nash_mask_batch_equals_per_game():
    coordination = np.array([[[1, 0], [0, 1]], [[1, 0], [0, 1]]])
    zeros = np.zeros((2, 2, 2))
    games = [PRISONERS_DILEMMA, MATCHING_PENNIES, BATTLE_OF_THE_SEXES, coordination, zeros]
    stack = np.stack(games).astype(float)
    mask = pure_nash_mask(stack)
    assert mask.shape == (5, 2, 2)
    assert mask.dtype == bool
    for b, u in enumerate(games):
        assert [tuple(int(x) for x in i) for i in np.argwhere(mask[b])] == pure_nash_equilibria(u)
    expected = [[(1, 1)], [], [(0, 0), (1, 1)], [(0, 0), (1, 1)], all_profiles(zeros)]
    assert [pure_nash_equilibria(u) for u in games] == expected


def test_pure_nash_mask_batch_random_three_player():
    rng = np.random.default_rng(12345)
    stack = rng.integers(0, 3, size=(40, 3, 3, 2, 4)).astype(float)
    mask = pure_nash_mask(stack)
    assert mask.shape == (40, 3, 2, 4)
    for b in range(len(stack)):
        single = pure_nash_mask(stack[b : b + 1])[0]
        np.testing.assert_array_equal(mask[b], single)
        listed = pure_nash_equilibria(stack[b])
        assert listed == [tuple(int(x) for x in i) for i in np.argwhere(mask[b])]
    br = best_reply_mask(stack)
    assert br.shape == stack.shape


def test_empty_batch():
    assert pure_nash_mask(np.zeros((0, 2, 3, 2))).shape == (0, 3, 2)


@pytest.mark.parametrize(
    "shape",
    [
        (2,),  # no action axes at all
        (2, 2),  # two players, one action axis
        (3, 2, 2),  # three players, two action axes
        (2, 2, 2, 2),  # two players, three action axes
        (1, 2, 2),  # one player, two action axes
    ],
)
def test_wrong_number_of_axes_raises(shape):
    with pytest.raises(ValueError):
        pure_nash_equilibria(np.zeros(shape))
    with pytest.raises(ValueError):
        regrets(np.zeros(shape), (0,) * shape[0])


@pytest.mark.parametrize("shape", [(2,), (2, 2), (2, 2, 2), (4, 3, 2, 2)])
def test_batch_wrong_number_of_axes_raises(shape):
    # an unbatched (N, n_1, ..., n_N) array is not a valid batch
    with pytest.raises(ValueError):
        pure_nash_mask(np.zeros(shape))
    with pytest.raises(ValueError):
        best_reply_mask(np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_payoffs_raise(bad):
    u = PRISONERS_DILEMMA.astype(float)
    u[1, 0, 1] = bad
    with pytest.raises(ValueError):
        pure_nash_equilibria(u)
    with pytest.raises(ValueError):
        pure_nash_mask(u[None])
    with pytest.raises(ValueError):
        regrets(u, (0, 0))
    with pytest.raises(ValueError):
        nash_conv(u, (0, 0))


# ---------------------------------------------------------------------------
# regrets / nash_conv
# ---------------------------------------------------------------------------


def test_regrets_pure_profiles_prisoners_dilemma():
    u = PRISONERS_DILEMMA
    np.testing.assert_allclose(regrets(u, (0, 0)), [2, 2])
    np.testing.assert_allclose(regrets(u, (0, 1)), [1, 0])
    np.testing.assert_allclose(regrets(u, (1, 0)), [0, 1])
    np.testing.assert_allclose(regrets(u, (1, 1)), [0, 0])
    assert nash_conv(u, (0, 0)) == 4.0
    assert nash_conv(u, (1, 1)) == 0.0
    assert isinstance(nash_conv(u, (0, 0)), float)
    assert regrets(u, (0, 0)).shape == (2,)
    # numpy integer actions are accepted too
    assert nash_conv(u, (np.int64(1), np.int32(1))) == 0.0


def test_regrets_mixed_profiles():
    u = PRISONERS_DILEMMA
    half = [0.5, 0.5]
    # against 50/50: cooperate earns 1.5, defect 3, the mix 2.25
    np.testing.assert_allclose(regrets(u, (half, half)), [0.75, 0.75])
    # pure and mixed entries can be combined; a degenerate mix equals the pure action
    # column vs cooperate: cooperate 3, defect 5, the mix 4
    np.testing.assert_allclose(regrets(u, (0, half)), [1.5, 1.0])
    np.testing.assert_allclose(regrets(u, ([1.0, 0.0], half)), regrets(u, (0, half)))
    np.testing.assert_allclose(regrets(u, (np.array([0.0, 1.0]), 1)), [0, 0])


def test_regrets_mixed_three_player():
    u = MCKELVEY_MCLENNAN
    p = [[0.5, 0.5], [0.25, 0.75], [1.0, 0.0]]
    # brute-force expected payoffs over all profiles
    weights = np.einsum("i,j,k->ijk", *map(np.asarray, p))
    expected = []
    for i in range(3):
        value = (u[i] * weights).sum()
        best = -np.inf
        for k in range(2):
            q = [np.asarray(x, dtype=float) for x in p]
            q[i] = np.eye(2)[k]
            best = max(best, (u[i] * np.einsum("i,j,k->ijk", *q)).sum())
        expected.append(best - value)
    np.testing.assert_allclose(regrets(u, p), expected, atol=1e-12)


@pytest.mark.parametrize(
    "profile",
    [
        (0,),  # too few entries
        (0, 0, 0),  # too many entries
        (2, 0),  # action out of range
        (0, -1),  # negative action
        ([0.5, 0.6], 0),  # probabilities do not sum to 1
        ([0.5, 0.25, 0.25], 0),  # wrong length
        ([1.5, -0.5], 0),  # negative probability
        ([[0.5, 0.5]], 0),  # wrong shape
    ],
)
def test_bad_profiles_raise(profile):
    with pytest.raises(ValueError):
        regrets(PRISONERS_DILEMMA, profile)
    with pytest.raises(ValueError):
        nash_conv(PRISONERS_DILEMMA, profile)


def test_nan_mixed_profile_raises():
    with pytest.raises(ValueError):
        regrets(PRISONERS_DILEMMA, ([np.nan, np.nan], [0.5, 0.5]))


def test_fractional_pure_action_raises():
    with pytest.raises(ValueError):
        regrets(PRISONERS_DILEMMA, (0.7, 1))


# ---------------------------------------------------------------------------
# hypothesis properties
# ---------------------------------------------------------------------------


@st.composite
def int_games(draw, max_players=4, max_actions=3, lo=-3, hi=3):
    """A random game with small-integer payoffs (many ties)."""
    n_players = draw(st.integers(2, max_players))
    shape = tuple(draw(st.integers(1, max_actions)) for _ in range(n_players))
    size = n_players * int(np.prod(shape))
    values = draw(st.lists(st.integers(lo, hi), min_size=size, max_size=size))
    return np.array(values, dtype=float).reshape((n_players,) + shape)


def _ne_from_mask(mask: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in i) for i in np.argwhere(mask)]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), u=int_games())
def test_permuting_actions_permutes_equilibria(data, u):
    n_players = u.shape[0]
    i = data.draw(st.integers(0, n_players - 1), label="player")
    n_i = u.shape[1 + i]
    perm = np.array(data.draw(st.permutations(range(n_i)), label="perm"))
    # new action k of player i is old action perm[k]
    permuted = np.take(u, perm, axis=1 + i)
    inverse = np.argsort(perm)
    expected = sorted(
        a[:i] + (int(inverse[a[i]]),) + a[i + 1 :] for a in pure_nash_equilibria(u, atol=0)
    )
    assert pure_nash_equilibria(permuted, atol=0) == expected


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    u=int_games(),
    scale=st.floats(0.01, 100.0, allow_nan=False, allow_infinity=False),
    shift=st.integers(-100, 100),
)
def test_positive_affine_transform_preserves_equilibria(data, u, scale, shift):
    n_players = u.shape[0]
    i = data.draw(st.integers(0, n_players - 1), label="player")
    v = u.copy()
    v[i] = scale * v[i] + shift
    assert pure_nash_equilibria(v, atol=0) == pure_nash_equilibria(u, atol=0)
    # transforming every player at once
    w = scale * u + shift
    assert pure_nash_equilibria(w) == pure_nash_equilibria(u)


@settings(max_examples=150, deadline=None)
@given(u=int_games())
def test_nash_conv_zero_exactly_on_listed_equilibria(u):
    listed = set(pure_nash_equilibria(u))
    for a in all_profiles(u):
        nc = nash_conv(u, a)
        if a in listed:
            assert abs(nc) <= 1e-9
        else:
            assert nc > 0
            assert nc >= 1 - 1e-9  # integer payoffs: a profitable deviation gains >= 1


@settings(max_examples=100, deadline=None)
@given(data=st.data(), u=int_games(lo=0, hi=5))
def test_strictly_dominant_actions_give_unique_equilibrium(data, u):
    n_players = u.shape[0]
    dominant = tuple(
        data.draw(st.integers(0, u.shape[1 + i] - 1), label=f"dominant{i}")
        for i in range(n_players)
    )
    v = u.copy()
    for i, d in enumerate(dominant):
        index = [i] + [slice(None)] * n_players
        index[1 + i] = d
        v[tuple(index)] += 10  # d beats every other action of i by at least 5
    assert pure_nash_equilibria(v) == [dominant]
    assert pure_nash_equilibria(v, atol=0) == [dominant]
    assert nash_conv(v, dominant) == 0.0


@settings(max_examples=60, deadline=None)
@given(
    n_games=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    shape=st.lists(st.integers(1, 3), min_size=2, max_size=4),
)
def test_batch_mask_equals_per_game_property(n_games, seed, shape):
    rng = np.random.default_rng(seed)
    stack = rng.integers(-2, 3, size=(n_games, len(shape), *shape)).astype(float)
    mask = pure_nash_mask(stack)
    assert mask.shape == (n_games, *shape)
    for b in range(n_games):
        assert _ne_from_mask(mask[b]) == pure_nash_equilibria(stack[b])
