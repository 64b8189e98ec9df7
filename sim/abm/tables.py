"""Lookup tables of a segment's stage games, built once per segment for the model's gathers.

The model plays ``P`` stage games (batch-last payoff tensors of shape (N, n_1, ..., n_N, P))
over ``R`` runs. Within a segment everything a run needs about its game is a function of
(game, pure profile), so it is tabulated here once and looked up per step, per player
over that player's ``G`` distinct games (:func:`distinct_games`):

* :func:`own_values`: player ``i``'s payoff of each own action against each profile of
  the others, shape (n_i, G * n_others_i), game-major. A row ``k`` is contiguous, so the
  values of every run are ``n_i`` one-dimensional takes with one index array;
* :func:`others_of_profile`: that index's others' part (C order, own axis removed) of each
  full profile, shape (n_profiles,);
* :func:`regret_table`: each own action's regret (its value minus the current action's)
  at each (game, full profile), float64, (n_i, G * n_profiles), the regret-matching
  memory increment, used when all players' fit in ``REGRET_TABLE_BYTES``;
* :func:`best_reply_table`: the best reply of player ``i`` at each (game, full profile)
  (the current action kept on ties, :func:`sim.abm.rules.best_reply`), int8, shape
  (G * n_profiles,), game-major: indexed by ``game * n_profiles + flat profile``.

Every entry is an exact copy of a payoff (or of the rule's own function of them), so a
run's trajectory is bit-identical to computing the same quantities step by step.
"""

from __future__ import annotations

import numpy as np

from sim.abm.rules import best_reply, pick

CHUNK = 1 << 20  # (game, profile) cells per block: bounds the temporary (n_i, CHUNK) floats
REGRET_TABLE_BYTES = 1 << 24  # regret tables (all players) up to this size stay in cache: use them


def distinct_games(ui: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One player's distinct payoff tables among the P games.

    ui : shape (n_1, ..., n_N, P), the player's batch-last payoffs. Returns the G distinct
    tables (byte for byte), shape (n_1, ..., n_N, G), and the index of each game's
    table, shape (P,). On a grid a player's payoffs often depend on few of the swept
    parameters (or none), so G << P and the lookup tables stay in cache.
    """
    n_games = ui.shape[-1]
    cols = np.ascontiguousarray(ui.reshape(-1, n_games).T)  # (P, n_profiles)
    keys = cols.view(np.dtype((np.void, cols.shape[1] * cols.itemsize))).reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return ui[..., first], inverse.reshape(-1)


def own_values(ui: np.ndarray, i: int) -> np.ndarray:
    """Player ``i``'s payoff of each own action per (game, others' profile), (n_i, G * n_others).

    ui : shape (n_1, ..., n_N, G), player ``i``'s batch-last payoffs.
    """
    t = np.moveaxis(ui, [i, ui.ndim - 1], [0, 1])  # (n_i, G, others...)
    return np.ascontiguousarray(t).reshape(t.shape[0], -1)


def others_of_profile(shape: tuple[int, ...], i: int) -> np.ndarray:
    """The others' profile index (C order, own axis removed) of each full profile, (n_profiles,) int64."""
    profiles = np.unravel_index(np.arange(int(np.prod(shape))), shape)
    rest = [j for j in range(len(shape)) if j != i]
    return np.ravel_multi_index([profiles[j] for j in rest], [shape[j] for j in rest]).astype(np.int64)


def _by_profile(own: np.ndarray, i: int, shape: tuple[int, ...]):
    """Blocks of games: (cells slice, own values (n_i, cells), own action (cells,)) per block.

    A cell is (game, full profile), game-major; blocks hold at most ``CHUNK`` cells.
    """
    n_prof = int(np.prod(shape))
    n_oth = n_prof // shape[i]
    own_action = np.unravel_index(np.arange(n_prof), shape)[i]  # (n_prof,)
    others = others_of_profile(shape, i)
    n_games = own.shape[1] // n_oth
    per = max(1, CHUNK // n_prof)
    for lo in range(0, n_games, per):
        g = np.arange(lo, min(n_games, lo + per))
        cols = (g[:, None] * n_oth + others[None, :]).ravel()  # (games * n_prof,)
        yield slice(lo * n_prof, (lo + len(g)) * n_prof), np.take(own, cols, axis=1), np.tile(own_action, len(g))


def best_reply_table(own: np.ndarray, i: int, shape: tuple[int, ...]) -> np.ndarray:
    """Best reply of player ``i`` at every (game, full profile), int8, (G * n_profiles,).

    own : :func:`own_values` of player ``i``, shape (n_i, G * n_others).
    """
    out = np.empty(own.size, dtype=np.int8 if shape[i] <= 127 else np.int64)  # G * n_profiles
    for cells, values, current in _by_profile(own, i, shape):
        out[cells] = best_reply(values, current)
    return out


def regret_table(own: np.ndarray, i: int, shape: tuple[int, ...]) -> np.ndarray:
    """Regret of each own action at every (game, full profile), (n_i, G * n_profiles).

    Entry ``[k, cell]`` is ``value(k) - value(own action)`` against the others' actions
    of the cell's profile, by the same float subtraction as the step-by-step update.
    """
    out = np.empty((shape[i], own.size))  # own.size = n_i * G * n_others = G * n_profiles
    for cells, values, current in _by_profile(own, i, shape):
        out[:, cells] = values - pick(values, current)
    return out
