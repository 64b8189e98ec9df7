"""Tracing the principal branch of a normal-form logit QRE (the kernels behind
:func:`sim.engine.qre.logit_qre_normal_form`).

Payoffs are scaled to range 1, ``nu = λ S``, and ``z`` stacks every player's log-odds
against its first action, shape (D, B). Two tracers: predictor-corrector continuation in
arc length with Newton corrections (as Gambit does, so it goes round turning points),
and a plain homotopy in λ with damped fixed-point iterations.
"""

from __future__ import annotations

import numpy as np

from sim.engine.logit import softmax

# --- the two tracers; payoffs scaled to range 1, nu = λ S, z stacked log-odds (D, B)

_PATH_TOL = 1e-8  # max |H| of points on the traced path (the target is solved to `tol`)
_MAX_CORRECTION = 0.3  # largest first Newton correction of an accepted step
_MIN_STEP = 1e-9  # a game whose step falls below this has lost the path
_MIN_COS = 0.95  # smallest cosine between the tangents at the two ends of a step


def trace_arc_length(u, nu, tol, max_iter, first_step, max_accel, max_steps):
    """Arc-length continuation of the principal branch up to ``nu`` (shape (B,)).

    Returns (z at the target, iterations, traced); points are ``x = (z, nu)``, shape
    (D + 1, B). All games still tracing take one step per pass, vectorised.
    """
    n_batch = nu.shape[0]
    dim = sum(u.shape[1:-1]) - u.shape[0]
    x = np.zeros((dim + 1, n_batch))
    start = np.zeros((dim + 1, n_batch))
    start[dim] = 1.0
    tangent = _tangent(_branch(u, x)[1], start)
    h = np.full(n_batch, float(first_step))
    z_out = np.zeros((dim, n_batch))
    done = nu <= 0  # λ = 0: uniform play, exactly
    lost = np.zeros(n_batch, dtype=bool)
    iterations = np.zeros(n_batch, dtype=np.int64)
    for _ in range(max_steps):
        g = np.flatnonzero(~done & ~lost)
        if g.size == 0:
            break
        ug, xg, t = u[..., g], x[:, g], tangent[:, g]
        x_new, jac, used, ok = _correct(ug, xg + h[g] * t, t, max_iter, np.minimum(_MAX_CORRECTION, h[g] / 2))
        iterations[g] += used
        t_new = np.zeros_like(t)
        if ok.any():  # the branch must not turn sharply within one step
            t_new[:, ok] = _tangent(jac[ok], t[:, ok])
            ok &= (t_new * t).sum(axis=0) >= _MIN_COS
        h[g[~ok]] /= 2
        lost[g[~ok]] = h[g[~ok]] < _MIN_STEP
        acc = g[ok]
        x_old, x_new = xg[:, ok], x_new[:, ok]
        x[:, acc], tangent[:, acc] = x_new, t_new[:, ok]
        h[acc] *= max_accel
        cross = x_new[dim] >= nu[acc]  # the branch reached the target: interpolate
        if cross.any():
            a, b, c = x_old[:, cross], x_new[:, cross], acc[cross]
            w = (nu[c] - a[dim]) / (b[dim] - a[dim])
            z_out[:, c] = a[:dim] + w * (b[:dim] - a[:dim])
            done[c] = True
    lost |= ~done
    z_out[:, lost] = x[:dim, lost]  # best effort: correct from the last point on the path
    solve = np.flatnonzero(nu > 0)
    z_out[:, solve], used, _ = _newton(u[..., solve], z_out[:, solve], nu[solve], tol, max_iter)
    iterations[solve] += used
    return z_out, iterations, ~lost


def _branch(u, x):
    """H(x) = z - nu·gaps(σ(z)) (shape (D, b)) and its Jacobian in (z, nu), (b, D, D + 1)."""
    dim = x.shape[0] - 1
    jac_z, gaps = _jacobian_and_gaps(u, strategies_of(x[:dim], u.shape[1:-1]), x[dim])
    return x[:dim] - x[dim] * gaps, np.concatenate([jac_z, -gaps.T[:, :, None]], axis=2)


def _tangent(jac, previous):
    """Unit tangent of the branch (kernel of ``jac``, shape (b, D, D + 1)), oriented
    along ``previous`` (shape (D + 1, b)); shape (D + 1, b)."""
    a = np.concatenate([jac, previous.T[:, None, :]], axis=1)  # (b, D + 1, D + 1)
    rhs = np.zeros(a.shape[:2])
    rhs[:, -1] = 1.0  # t·previous = 1 > 0 keeps the direction
    t = _solve(a, rhs).T
    return t / np.linalg.norm(t, axis=0)


def _correct(u, x_pred, t, max_iter, max_correction):
    """Newton's method on ``H(x) = 0, t·(x - x_pred) = 0`` from x_pred, per game.

    Returns (x, Jacobian of H at x (b, D, D + 1), iterations, ok): ok where
    max|H| <= _PATH_TOL within ``max_iter`` iterations and the first correction is at
    most ``max_correction`` (shape (b,)).
    """
    x = x_pred.copy()
    n, dim = x.shape[1], x.shape[0] - 1
    jac_out = np.zeros((n, dim, dim + 1))
    used = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    first = np.zeros(n)
    active = np.arange(n)
    for it in range(max_iter + 1):
        xa = x[:, active]
        ha, jac = _branch(u[..., active], xa)
        jac_out[active] = jac
        close = np.abs(ha).max(axis=0, initial=0.0) <= _PATH_TOL
        ok[active[close]] = True
        active, xa, ha, jac = active[~close], xa[:, ~close], ha[:, ~close], jac[~close]
        if active.size == 0 or it == max_iter:
            break
        ta = t[:, active]
        f = np.concatenate([ha, (ta * (xa - x_pred[:, active])).sum(axis=0, keepdims=True)])
        dx = _solve(np.concatenate([jac, ta.T[:, None, :]], axis=1), -f.T).T
        if it == 0:
            first[active] = np.linalg.norm(dx, axis=0)
        x[:, active] = xa + dx
        used[active] += 1
    return x, jac_out, used, ok & (first <= max_correction)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``a x = b`` (a: (b, n, n), b: (b, n)); pseudo-inverse if one is singular."""
    try:
        return np.linalg.solve(a, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return (np.linalg.pinv(a) @ b[:, :, None])[:, :, 0]


def trace_fixed_point(u, nu, tol, max_iter, steps, damping):
    """λ homotopy with damped fixed-point correctors; returns (z, iterations, traced)."""
    n_batch = nu.shape[0]
    z = np.zeros((sum(u.shape[1:-1]) - u.shape[0], n_batch))
    iterations = np.zeros(n_batch, dtype=np.int64)
    for k in range(1, steps + 1):
        nu_k = nu if k == steps else np.expm1(k / steps * np.log1p(nu))
        z, used, _ = _fixed_point(u, z, nu_k, tol, max_iter, damping)
        iterations += used
    return z, iterations, np.ones(n_batch, dtype=bool)


def _offsets(n_actions) -> list[slice]:
    """Rows of each player's log-odds in the stacked (sum(n_i - 1), B) array."""
    ends = np.cumsum([n - 1 for n in n_actions])
    return [slice(int(e) - (n - 1), int(e)) for n, e in zip(n_actions, ends)]


def strategies_of(z: np.ndarray, n_actions) -> list[np.ndarray]:
    """Mixed strategies (list of (n_i, B)) from stacked log-odds z (sum(n_i - 1), B)."""
    out = []
    for s in _offsets(n_actions):
        zi = np.concatenate([np.zeros((1, z.shape[1])), z[s]])
        out.append(softmax(zi, axis=0))
    return out


def _log_odds(sigma: list[np.ndarray]) -> np.ndarray:
    """Inverse of :func:`_strategies` (probabilities floored at the smallest float)."""
    tiny = np.finfo(float).tiny
    return np.concatenate([np.log(np.maximum(s[1:], tiny)) - np.log(np.maximum(s[:1], tiny)) for s in sigma])


def _contract(t: np.ndarray, sigma: list[np.ndarray], keep: tuple[int, ...]) -> np.ndarray:
    """Contract the action axes of ``t`` (shape (n_1, ..., n_N, B)) not in ``keep``
    with the players' mixed strategies; the result has axes ``(*keep, B)``."""
    n = len(sigma)
    operands = [t, [*range(n), n]]
    for j in range(n):
        if j not in keep:
            operands += [sigma[j], [j, n]]
    return np.einsum(*operands, [*keep, n])


def action_values(payoffs: np.ndarray, sigma: list[np.ndarray]) -> list[np.ndarray]:
    """Each player's expected payoff of each own action against the others' mixed play.

    Parameters
    ----------
    payoffs : shape (N, n_1, ..., n_N, B) (batch-last).
    sigma : list of N arrays, shape (n_i, B).

    Returns
    -------
    list of N arrays, shape (n_i, B).
    """
    return [_contract(payoffs[i], sigma, (i,)) for i in range(len(sigma))]


def logit_residual(payoffs: np.ndarray, sigma: list[np.ndarray], lam: np.ndarray) -> np.ndarray:
    """max over players and actions of |σ - softmax(λ u(σ))|, shape (B,)."""
    vals = action_values(payoffs, sigma)
    return np.max([np.abs(s - softmax(lam * v, axis=0)).max(axis=0) for s, v in zip(sigma, vals)], axis=0)


def _gaps(payoffs: np.ndarray, sigma: list[np.ndarray]) -> np.ndarray:
    """Stacked u_ia(σ) - u_i0(σ) for a >= 1, shape (sum(n_i - 1), B)."""
    return np.concatenate([v[1:] - v[:1] for v in action_values(payoffs, sigma)])


def _newton(payoffs, z, lam, tol, max_iter):
    """Damped Newton's method for ``G(z) = z - λ·gaps(σ(z)) = 0`` at fixed λ (shape (B,)).

    Iterates on the games whose residual exceeds ``tol``; a step is halved (up to 30
    times) until it lowers max|G|. Returns (z, iterations per game, final residual).
    """
    n_actions = payoffs.shape[1:-1]
    z = z.copy()
    used = np.zeros(z.shape[1], dtype=np.int64)
    residual = np.zeros(z.shape[1])
    active = np.arange(z.shape[1])
    for it in range(max_iter + 1):
        u, za, la = payoffs[..., active], z[:, active], lam[active]
        sigma = strategies_of(za, n_actions)
        residual[active] = logit_residual(u, sigma, la)
        todo = residual[active] > tol
        if it == max_iter or not todo.any():
            break
        active, u, za, la = active[todo], u[..., todo], za[:, todo], la[todo]
        sigma = [s[:, todo] for s in sigma]
        jac, gaps = _jacobian_and_gaps(u, sigma, la)
        g = za - la * gaps
        step = _solve(jac, -g.T).T  # (D, b)
        z[:, active] = _backtrack(u, za, step, la, np.abs(g).max(axis=0))
        used[active] += 1
    return z, used, residual


def _backtrack(payoffs, z, step, lam, merit, halvings: int = 30):
    """z + t·step with t = 1, 1/2, ... the first that lowers max|G| (else the last t)."""
    n_actions = payoffs.shape[1:-1]
    out = z + step
    todo = np.arange(z.shape[1])
    t = 1.0
    for _ in range(halvings):
        trial = out[:, todo]
        g = trial - lam[todo] * _gaps(payoffs[..., todo], strategies_of(trial, n_actions))
        todo = todo[~(np.abs(g).max(axis=0) < merit[todo])]  # also catches NaN
        if todo.size == 0:
            break
        t /= 2
        out[:, todo] = z[:, todo] + t * step[:, todo]
    return out


def _jacobian_and_gaps(payoffs: np.ndarray, sigma: list[np.ndarray], lam: np.ndarray):
    """Jacobian of ``G(z) = z - λ·gaps(σ(z))`` in z, shape (B, D, D), D = sum(n_i - 1),
    and the gaps ``u_ia(σ) - u_i0(σ)`` (a >= 1), shape (D, B).

    Block (i, j), j != i: ``-λ σ_jb (Δ_ij[a, b] - gap_i[a])`` with
    ``Δ_ij[a, b] = M_ij[a, b] - M_ij[0, b]``, ``M_ij`` = player i's payoff for own action
    a and j's action b against the others' mixed play; diagonal blocks: identity.
    """
    n_players, n_batch = len(sigma), payoffs.shape[-1]
    offs = _offsets(payoffs.shape[1:-1])
    size = offs[-1].stop
    jac = np.zeros((n_batch, size, size))
    jac[:, np.arange(size), np.arange(size)] = 1.0
    gaps = np.zeros((size, n_batch))
    for i in range(n_players):
        if offs[i].stop == offs[i].start:
            continue
        for j, m in _pair_payoffs(payoffs[i], sigma, i):  # m: (n_i, n_j, B)
            delta = m[1:] - m[:1]  # (n_i - 1, n_j, B)
            gap = np.einsum("abz,bz->az", delta, sigma[j])  # the same for every j
            gaps[offs[i]] = gap
            if offs[j].stop > offs[j].start:
                block = -lam * sigma[j][None, 1:] * (delta[:, 1:] - gap[:, None])  # (n_i-1, n_j-1, B)
                jac[:, offs[i], offs[j]] = block.transpose(2, 0, 1)
        if n_players == 1:
            gaps[offs[i]] = payoffs[i][1:] - payoffs[i][:1]
    return jac, gaps


def _pair_payoffs(ui: np.ndarray, sigma: list[np.ndarray], i: int):
    """Yield ``(j, M_ij)`` for every j != i: ``M_ij`` (shape (n_i, n_j, B)) is ``ui``
    (shape (n_1, ..., n_N, B)) contracted with every other player's mixed strategy.

    Shares work: the last opponents are contracted once, in a running suffix.
    """
    others = [j for j in range(len(sigma)) if j != i]
    suffix = ui  # ui contracted over the opponents after the current one
    for k in reversed(range(len(others))):
        j = others[k]
        keep = sorted((i, *others[: k + 1]))  # players whose axes `suffix` still has
        n = len(keep)
        pos = {p: a for a, p in enumerate(keep)}
        operands = [suffix, [*range(n), n]]
        for p in others[:k]:
            operands += [sigma[p], [pos[p], n]]
        yield j, np.einsum(*operands, [pos[i], pos[j], n])
        if k:  # contract j out of the suffix for the next (earlier) opponent
            rest = [a for a in range(n + 1) if a != pos[j]]
            suffix = np.einsum(suffix, [*range(n), n], sigma[j], [pos[j], n], rest)


def _fixed_point(payoffs, z, lam, tol, max_iter, damping):
    """Damped fixed-point iteration at one λ: σ <- (1 - α) σ + α softmax(λ u(σ)).

    Returns (z, iterations per game, final residual per game).
    """
    n_actions = payoffs.shape[1:-1]
    sigma = strategies_of(z, n_actions)
    used = np.zeros(z.shape[1], dtype=np.int64)
    active = np.ones(z.shape[1], dtype=bool)
    for _ in range(max_iter):
        target = [softmax(lam * v, axis=0) for v in action_values(payoffs, sigma)]
        gap = np.max([np.abs(s - t).max(axis=0) for s, t in zip(sigma, target)], axis=0)
        active &= gap > tol
        if not active.any():
            break
        sigma = [np.where(active, (1 - damping) * s + damping * t, s) for s, t in zip(sigma, target)]
        used += active
    return _log_odds(sigma), used, logit_residual(payoffs, sigma, lam)

