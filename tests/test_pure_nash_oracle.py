"""Oracle test: ``pure_nash_equilibria`` against Gambit's ``enumpure`` (pygambit 16.x).

Gambit works on exact numbers: integer games are passed as Python ints, float games are
rounded to a fixed number of decimals and passed as ``Decimal`` strings (exact in
Gambit), and our function receives the same rounded values as floats.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from sim.engine.equilibrium import pure_nash_equilibria, pure_nash_mask

gbt = pytest.importorskip("pygambit")

N_GAMES = 300
MAX_PROFILES = 200
SEED = 20240607


def _random_shape(rng: np.random.Generator) -> tuple[int, ...]:
    while True:
        n_players = int(rng.integers(2, 6))  # 2..5
        shape = tuple(int(x) for x in rng.integers(1, 5, size=n_players))  # 1..4 actions
        if int(np.prod(shape)) <= MAX_PROFILES:
            return shape


def _make_games():
    rng = np.random.default_rng(SEED)
    games = []
    for k in range(N_GAMES):
        shape = _random_shape(rng)
        size = (len(shape),) + shape
        if k % 2 == 0:
            games.append(("int", rng.integers(0, 3, size=size), None))
        else:
            # mostly 6 decimals; every third float game coarsely rounded to force ties
            decimals = 1 if k % 3 == 0 else 6
            x = rng.normal(scale=2.0, size=size)
            # the float nearest to each decimal string that Gambit will receive
            x = np.vectorize(lambda v: float(f"{v:.{decimals}f}"))(x)
            games.append(("float", x, decimals))
    return games


GAMES = _make_games()


def _gambit_game(u: np.ndarray, kind: str, decimals: int | None):
    if kind == "int":
        arrays = [np.asarray(u[i]).astype(object) for i in range(u.shape[0])]  # Python ints
    else:
        to_dec = np.frompyfunc(lambda x: Decimal(f"{x:.{decimals}f}"), 1, 1)
        arrays = [to_dec(u[i]).astype(object) for i in range(u.shape[0])]
    return gbt.Game.from_arrays(*arrays)


def _gambit_pure_equilibria(game) -> list[tuple[int, ...]]:
    players = list(game.players)
    out = []
    for eq in gbt.nash.enumpure_solve(game).equilibria:
        profile = []
        for p in players:
            probs = [eq[s] for s in p.strategies]
            assert sorted(probs) == [0] * (len(probs) - 1) + [1], probs  # a pure profile
            profile.append(probs.index(1))
        out.append(tuple(profile))
    return sorted(out)


def test_game_sample_is_varied():
    n_players = {len(u.shape) - 1 for _, u, _ in GAMES}
    assert n_players == {2, 3, 4, 5}
    assert all(u.shape[1:] and np.prod(u.shape[1:]) <= MAX_PROFILES for _, u, _ in GAMES)
    counts = [len(pure_nash_equilibria(u.astype(float), atol=0)) for _, u, _ in GAMES]
    assert min(counts) == 0 and max(counts) >= 5  # games without and with many NE


@pytest.mark.parametrize("k", range(N_GAMES))
def test_matches_gambit_enumpure(k):
    kind, u, decimals = GAMES[k]
    game = _gambit_game(u, kind, decimals)
    # sanity: the Gambit game has our payoff tensor (axis i = player i's strategy)
    back = np.array([np.asarray(a, dtype=float) for a in game.to_arrays()])
    np.testing.assert_array_equal(back, u)
    expected = _gambit_pure_equilibria(game)
    if kind == "int":
        assert pure_nash_equilibria(u, atol=0) == expected
        assert pure_nash_equilibria(u) == expected  # integer gaps >= 1 >> atol
    else:
        assert pure_nash_equilibria(u) == expected
        assert pure_nash_equilibria(u, atol=0) == expected  # the same rounded floats


def test_batched_mask_matches_gambit_by_shape():
    # group the games by shape and solve every group in one batched call
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, (_, u, _) in enumerate(GAMES):
        groups.setdefault(u.shape, []).append(k)
    n_batched = 0
    for shape, ks in groups.items():
        if len(ks) < 2:
            continue
        stack = np.stack([GAMES[k][1].astype(float) for k in ks])
        mask = pure_nash_mask(stack, atol=0)
        for row, k in enumerate(ks):
            kind, u, decimals = GAMES[k]
            got = [tuple(int(x) for x in idx) for idx in np.argwhere(mask[row])]
            assert got == _gambit_pure_equilibria(_gambit_game(u, kind, decimals))
            n_batched += 1
    assert n_batched > 0
