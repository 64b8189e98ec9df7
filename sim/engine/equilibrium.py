"""Pure Nash equilibria and regret of normal-form games, vectorised over batches.

Payoff-tensor convention (used everywhere in this package)
----------------------------------------------------------
A normal-form game with ``N`` players, player ``i`` having ``n_i`` actions, is the
array ``U`` of shape ``(N, n_1, ..., n_N)``::

    U[i, a_1, ..., a_N] = payoff to player i when player j plays action a_j.

A batch of ``B`` games of the same shape is ``U`` of shape ``(B, N, n_1, ..., n_N)``.
Action indices are 0-based, in the order the game lists them.

A pure profile ``a`` is a Nash equilibrium when, for every player ``i``,
``U[i, a] >= max_b U[i, b, a_-i] - atol``: an action that ties the best reply (within
``atol``, default ``1e-9``; payoffs here are $bn per year, so ties closer than a dollar
are ties) counts as a best reply. With ``atol=0`` this is Gambit's ``enumpure`` on
exact payoffs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ATOL = 1e-9


def check_payoffs(payoffs: np.ndarray, batched: bool) -> np.ndarray:
    u = np.asarray(payoffs, dtype=float)
    lead = 1 if batched else 0
    if u.ndim < lead + 2:
        raise ValueError(f"payoffs must have shape {'(B, ' if batched else '('}N, n_1, ..., n_N); got {u.shape}")
    n_players = u.shape[lead]
    if u.ndim != lead + 1 + n_players:
        raise ValueError(
            f"payoffs with {n_players} players need {n_players} action axes; got shape {u.shape}"
        )
    if not np.all(np.isfinite(u)):
        raise ValueError("payoffs must be finite")
    return u


def best_reply_mask(payoffs: np.ndarray, atol: float = ATOL) -> np.ndarray:
    """Where each player's action is a (weak) best reply, for a batch of games.

    Parameters
    ----------
    payoffs : array, shape (B, N, n_1, ..., n_N)
    atol : actions within ``atol`` of the best reply count as best replies.

    Returns
    -------
    bool array, shape (B, N, n_1, ..., n_N): ``[b, i, a]`` is True when ``a_i`` is a best
    reply of player ``i`` to ``a_-i`` in game ``b``.
    """
    u = check_payoffs(payoffs, batched=True)
    n_players = u.shape[1]
    mask = np.empty(u.shape, dtype=bool)
    for i in range(n_players):  # a loop over players, never over games
        ui = u[:, i]
        best = ui.max(axis=1 + i, keepdims=True)
        mask[:, i] = ui >= best - atol
    return mask


def pure_nash_mask(payoffs: np.ndarray, atol: float = ATOL) -> np.ndarray:
    """Boolean mask of pure Nash equilibria for a batch of games.

    Parameters
    ----------
    payoffs : array, shape (B, N, n_1, ..., n_N)

    Returns
    -------
    bool array, shape (B, n_1, ..., n_N): True at every pure Nash equilibrium.
    """
    u = check_payoffs(payoffs, batched=True)
    return np.moveaxis(pure_nash_mask_batch_last(np.moveaxis(u, 0, -1), atol), -1, 0)


def pure_nash_mask_batch_last(payoffs: np.ndarray, atol: float = ATOL) -> np.ndarray:
    """Kernel of :func:`pure_nash_mask` on batch-last tensors (no input checks).

    Parameters
    ----------
    payoffs : array, shape (N, n_1, ..., n_N, B); contiguous for speed.

    Returns
    -------
    bool array, shape (n_1, ..., n_N, B).
    """
    mask = np.ones(payoffs.shape[1:], dtype=bool)
    for i in range(payoffs.shape[0]):  # a loop over players, never over games
        ui = payoffs[i]
        mask &= ui >= ui.max(axis=i, keepdims=True) - atol
    return mask


def weak_equilibria_batch_last(payoffs: np.ndarray, mask: np.ndarray, atol: float = ATOL) -> np.ndarray:
    """Games with a *weak* pure Nash equilibrium: at some equilibrium of ``mask`` a player
    has another best reply within ``atol`` (a tie the equilibrium rests on).

    Parameters
    ----------
    payoffs : shape (N, n_1, ..., n_N, B), batch-last tensors.
    mask : bool, shape (n_1, ..., n_N, B), as :func:`pure_nash_mask_batch_last` returns.

    Returns
    -------
    bool array, shape (B,). Only the equilibria are looked at (a few per game), each
    player's payoffs along its own axis gathered there.
    """
    n_players, n_batch = payoffs.shape[0], payoffs.shape[-1]
    weak = np.zeros(n_batch, dtype=bool)
    eq = np.nonzero(mask)  # (profile index per axis ..., game)
    if eq[0].size == 0:
        return weak
    for i in range(n_players):
        index = list(eq)
        index[i] = slice(None)
        own = payoffs[i][tuple(index)]
        # numpy keeps adjacent advanced indices in place ((n_i, n_eq) when i == 0) and puts
        # advanced indices separated by the slice first ((n_eq, n_i) otherwise)
        own = own.T if i == 0 else own
        n_best = (own >= own.max(axis=1, keepdims=True) - atol).sum(axis=1)
        np.logical_or.at(weak, eq[-1], n_best > 1)
    return weak


def pure_nash_equilibria(payoffs: np.ndarray, atol: float = ATOL) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium of one game, as sorted tuples of action indices.

    Parameters
    ----------
    payoffs : array, shape (N, n_1, ..., n_N)

    Returns
    -------
    list of tuples ``(a_1, ..., a_N)`` of 0-based action indices, ascending.

    Examples
    --------
    Prisoner's dilemma (action 0 = cooperate, 1 = defect):

    >>> import numpy as np
    >>> u = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> pure_nash_equilibria(u)
    [(1, 1)]
    """
    u = check_payoffs(payoffs, batched=False)
    mask = pure_nash_mask(u[None], atol)[0]
    return [tuple(int(x) for x in idx) for idx in np.argwhere(mask)]


def _expected_payoffs(payoffs: np.ndarray, profile: Sequence[np.ndarray]) -> np.ndarray:
    """Payoff of each player for each own action against the others' mixed profile.

    Returns a list (length N) of arrays of shape (n_i,).
    """
    n_players = payoffs.shape[0]
    out = []
    for i in range(n_players):
        ui = payoffs[i]
        # contract every opponent axis, from the last so axis numbers stay valid
        for j in reversed(range(n_players)):
            if j != i:
                ui = np.tensordot(ui, profile[j], axes=([j], [0]))
        out.append(ui)
    return out


def as_mixed_profile(profile, n_actions: Sequence[int]) -> list[np.ndarray]:
    """A pure profile (tuple of ints) or mixed profile (sequence of vectors) as vectors."""
    if len(profile) != len(n_actions):
        raise ValueError(f"profile has {len(profile)} entries; the game has {len(n_actions)} players")
    vectors = []
    for i, (s, n) in enumerate(zip(profile, n_actions)):
        if np.ndim(s) == 0:
            if isinstance(s, (bool, np.bool_)) or not float(s).is_integer():
                raise ValueError(f"player {i} pure action {s!r} must be an integer index")
            k = int(s)
            if not 0 <= k < n:
                raise ValueError(f"player {i} action {k} out of range 0..{n - 1}")
            v = np.zeros(n)
            v[k] = 1.0
        else:
            v = np.asarray(s, dtype=float)
            ok = v.shape == (n,) and np.all(np.isfinite(v)) and np.all(v >= -1e-12)
            if not ok or not abs(v.sum() - 1.0) <= 1e-9:
                raise ValueError(f"player {i} strategy must be {n} probabilities summing to 1")
        vectors.append(v)
    return vectors


def regrets(payoffs: np.ndarray, profile) -> np.ndarray:
    """Each player's gain from their best unilateral deviation from ``profile``.

    Parameters
    ----------
    payoffs : array, shape (N, n_1, ..., n_N)
    profile : pure profile (N ints) or mixed profile (N probability vectors).

    Returns
    -------
    array, shape (N,), non-negative (up to rounding), in payoff units.
    """
    u = check_payoffs(payoffs, batched=False)
    sigma = as_mixed_profile(profile, u.shape[1:])
    values = _expected_payoffs(u, sigma)
    return np.array([v.max() - v @ s for v, s in zip(values, sigma)])


def nash_conv(payoffs: np.ndarray, profile) -> float:
    """Sum over players of the gain from their best deviation (0 at a Nash equilibrium).

    >>> import numpy as np
    >>> u = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> nash_conv(u, (0, 0))   # both gain 2 by defecting
    4.0
    """
    return float(regrets(payoffs, profile).sum())
