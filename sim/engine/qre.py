"""Logit quantal response equilibria (QRE), vectorised over batches of games.

A logit QRE with precision ``λ >= 0`` replaces best replies by logit replies: a player
plays action ``a`` with probability proportional to ``exp(λ · u(a))``, ``u(a)`` its
expected payoff from ``a`` given everyone's (noisy) play (McKelvey & Palfrey 1995).
``λ = 0`` is uniform play; ``λ → ∞`` approaches a Nash equilibrium. ``λ`` is in inverse
payoff units (here 1/($bn/yr)): a payoff difference ``Δ`` makes the better action
``exp(λ Δ)`` times as likely. This is Gambit's convention (``pygambit.qre``): raw
payoffs, no rescaling.

* :func:`agent_qre_tree` -- the logit *agent* QRE of a perfect-information tree
  (McKelvey & Palfrey 1998; Signorino 1999): every decision node is a separate agent of
  its player, so the QRE is found by one backward pass (logit choice at each node
  against the expected values of its children, chance nodes average) and is unique.
* :func:`logit_qre_normal_form` -- the logit QRE of simultaneous games on the
  principal branch, traced from ``λ = 0`` (uniform play, the unique QRE) to the target
  ``λ``: by default predictor-corrector continuation in arc length with Newton
  corrections (as Gambit does, so it goes round turning points), or a plain homotopy in
  ``λ`` with damped fixed-point iterations warm-started from the previous step.
* :func:`regime_probabilities_tree`, :func:`regime_probabilities_normal_form` -- the
  probability of each regime under the QRE.

Shapes follow :mod:`sim.engine.equilibrium` and :mod:`sim.engine.tree`: public functions take and
return batch-first arrays (``(B, n_leaves, N)``, ``(B, N, n_1, ..., n_N)``); the
``*_batch_last`` kernels, used by the solver, take batch-last arrays. No loop runs over
games: loops run over tree depths, players, outcomes and homotopy/iteration steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.equilibrium import check_payoffs
from sim.engine.tree import CHANCE, Tree, Level, depth_levels

# ------------------------------------------------------------------------- helpers


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """Numerically stable softmax along ``axis`` (entries of -inf get probability 0)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _check_lam(lam, n_batch: int) -> np.ndarray:
    """λ as an array of shape (B,); a float or shape (B,), finite and >= 0."""
    arr = np.asarray(lam, dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (n_batch,)):
        raise ValueError(f"lam must be a float or have shape ({n_batch},); got shape {arr.shape}")
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        raise ValueError("lam must be finite and >= 0")
    return np.broadcast_to(arr, (n_batch,))


# ------------------------------------------------------------ agent QRE of a tree


@dataclass(frozen=True)
class AgentQRE:
    """Logit agent QRE of a batch of ``B`` games sharing one tree.

    Attributes
    ----------
    probs : shape (B, n_nodes, k_max); at a decision node the mover's probability of each
        action, at a chance node the chance probabilities, zero at leaves and in the
        padding (``k_max`` = the most children of any node).
    values : shape (B, n_nodes, N); expected payoff of each node to each player when
        everyone plays ``probs`` below it.
    reach : shape (B, n_nodes); probability that play reaches each node.
    leaf_reach : shape (B, n_leaves); probability of each leaf (rows sum to 1).
    """

    probs: np.ndarray
    values: np.ndarray
    reach: np.ndarray
    leaf_reach: np.ndarray

    @property
    def root_payoffs(self) -> np.ndarray:
        """Expected payoffs, shape (B, N)."""
        return self.values[:, 0]


def agent_qre_tree(tree: Tree, leaf_payoffs: np.ndarray, lam) -> AgentQRE:
    """Logit agent quantal response equilibrium of a batch of perfect-information games.

    At each decision node the mover plays action ``a`` with probability
    ``∝ exp(λ · V_mover(child a))``, where ``V`` are expected values under these
    probabilities further down the tree; chance nodes average over their probabilities.
    This is the agent QRE of McKelvey & Palfrey (1998) (the statistical backward
    induction of Signorino 1999); for perfect information it is unique.

    Parameters
    ----------
    tree : the shared game tree.
    leaf_payoffs : array, shape (B, n_leaves, N) (or (n_leaves, N) for one game).
    lam : float, or array of shape (B,) (one λ per game, e.g. for λ sweeps); finite,
        >= 0, in inverse payoff units. ``λ = 0`` gives uniform play at every node.

    Returns
    -------
    AgentQRE (see its attributes). The loop runs over tree depths, never over games.

    Examples
    --------
    >>> from sim.engine.tree import Decision, tree_from_rule
    >>> t = tree_from_rule(("A",), lambda h: Decision(0, ("x", "y")) if not h else None)
    >>> res = agent_qre_tree(t, [[0.0], [1.0]], lam=np.log(3))
    >>> res.leaf_reach.round(6)
    array([[0.25, 0.75]])
    """
    lp = np.asarray(leaf_payoffs, dtype=float)
    if lp.ndim == 2:
        lp = lp[None]
    if lp.ndim != 3 or lp.shape[1:] != (tree.n_leaves, tree.n_players):
        raise ValueError(f"leaf_payoffs must have shape (B, {tree.n_leaves}, {tree.n_players}); got {lp.shape}")
    if not np.all(np.isfinite(lp)):
        raise ValueError("leaf payoffs must be finite")
    return agent_qre_tree_batch_last(tree, lp.transpose(1, 2, 0), _check_lam(lam, lp.shape[0]))


def agent_qre_tree_batch_last(tree: Tree, leaf_payoffs: np.ndarray, lam) -> AgentQRE:
    """Kernel of :func:`agent_qre_tree` on leaf payoffs of shape (n_leaves, N, B).

    ``lam``: float or shape (B,). No input checks. Works batch-last; the returned
    arrays are batch-first views.
    """
    n_batch, n_nodes, n_players = leaf_payoffs.shape[2], tree.n_nodes, tree.n_players
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (n_batch,))
    levels = depth_levels(tree)
    k_max = max(1, max(len(c) for c in tree.children))
    values = np.zeros((n_nodes + 1, n_players, n_batch))  # last node: padding
    values[tree.leaves] = leaf_payoffs
    probs = np.zeros((n_nodes + 1, k_max, n_batch))
    for level in levels:  # deepest first
        kid_vals = values[level.kids]  # (m, k, N, B)
        p = _level_probs(level, kid_vals, lam)  # (m, k, B)
        probs[level.nodes, : p.shape[1]] = p
        values[level.nodes] = (p[:, :, None, :] * kid_vals).sum(axis=1)
    reach = _reach(levels, probs, n_nodes)
    return AgentQRE(
        probs=probs[:n_nodes].transpose(2, 0, 1),
        values=values[:n_nodes].transpose(2, 0, 1),
        reach=reach.T,
        leaf_reach=reach[tree.leaves].T,
    )


def _level_probs(level: Level, kid_vals: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Action probabilities at the nodes of one level, shape (m, k, B).

    Decision nodes: logit choice of the mover over its own child values
    (``kid_vals`` shape (m, k, N, B)); chance nodes: their fixed probabilities.
    """
    m, k, _, n_batch = kid_vals.shape
    p = np.empty((m, k, n_batch))
    is_chance = level.mover == CHANCE
    if is_chance.any():
        p[is_chance] = level.probs[is_chance][:, :, None]
    dec = np.flatnonzero(~is_chance)
    if dec.size:
        own = kid_vals[dec[:, None], np.arange(k)[None, :], level.mover[dec][:, None]]  # (md, k, B)
        z = own * lam
        z[~level.valid[dec]] = -np.inf
        p[dec] = _softmax(z, axis=1)
    return p


def _reach(levels: list[Level], probs: np.ndarray, n_nodes: int) -> np.ndarray:
    """Probability of reaching each node, shape (n_nodes, B), root first."""
    reach = np.zeros((n_nodes + 1, probs.shape[-1]))
    reach[0] = 1.0
    for level in reversed(levels):  # shallowest first
        k = level.kids.shape[1]
        reach[level.kids] = reach[level.nodes][:, None, :] * probs[level.nodes, :k]
    return reach[:n_nodes]  # padded children all land on the dummy slot n_nodes


def regime_probabilities_tree(leaf_reach: np.ndarray, leaf_regime: np.ndarray, n_regimes: int) -> np.ndarray:
    """Probability of each regime, from the probability of each leaf.

    Parameters
    ----------
    leaf_reach : shape (B, n_leaves); e.g. :attr:`AgentQRE.leaf_reach`.
    leaf_regime : shape (n_leaves,); regime index of each leaf, in ``0..n_regimes-1``.
    n_regimes : number of regimes R.

    Returns
    -------
    array, shape (B, R); rows sum to the rows of ``leaf_reach`` (1).
    """
    return _sum_by_regime(np.asarray(leaf_reach, dtype=float), leaf_regime, n_regimes)


def _sum_by_regime(prob: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """``out[b, k] = sum of prob[b, o] over outcomes o with codes[o] == k``, shape (B, n).

    Adds the outcomes one at a time, in order, so every game's sums are bitwise the same
    whatever the batch (a matrix product may change its summation order with B).
    """
    codes = np.asarray(codes, dtype=int).ravel()
    if codes.shape != (prob.shape[1],):
        raise ValueError(f"need one regime index per outcome ({prob.shape[1]}); got {codes.size}")
    if codes.size and (codes.min() < 0 or codes.max() >= n):
        raise ValueError(f"regime indices must lie in 0..{n - 1}")
    out = np.zeros((prob.shape[0], n))
    for o, k in enumerate(codes):  # a loop over outcomes, never over games
        out[:, k] += prob[:, o]
    return out


# ------------------------------------------------------- normal-form logit QRE


@dataclass(frozen=True)
class QREResult:
    """Logit QRE of a batch of ``B`` normal-form games.

    Attributes
    ----------
    strategies : list of N arrays, shape (B, n_i); player i's mixed strategy.
    lam : shape (B,); the precision each game was solved at.
    converged : shape (B,) bool; the branch was traced to ``lam`` and the final residual
        is at most ``tol``. False flags a failure: the strategies are then a best effort
        (the last iterate), not necessarily a QRE on the principal branch.
    iterations : shape (B,); Newton (or fixed-point) iterations, summed over the path.
    residual : shape (B,); ``max |σ - softmax(λ u(σ))|`` over players and actions.
    """

    strategies: list[np.ndarray]
    lam: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray


METHODS = ("newton", "fixed_point")


def logit_qre_normal_form(
    payoffs: np.ndarray,
    lam,
    *,
    tol: float = 1e-10,
    max_iter: int = 20,
    method: str = "newton",
    steps: int = 30,
    damping: float = 0.5,
    first_step: float = 0.03,
    max_accel: float = 1.1,
    max_steps: int = 5000,
) -> QREResult:
    """Logit QRE ``σ_i = softmax(λ · u_i(·, σ_-i))`` of a batch of simultaneous games.

    The QRE is traced from ``λ = 0``, where uniform play is the unique QRE, to the
    target ``λ`` (a homotopy), each game with its own ``λ``. Internally payoffs are
    divided by the game's largest payoff range ``S`` and ``λ`` multiplied by it (the QRE
    is unchanged), so step sizes mean the same in every game. Two methods:

    * ``method="newton"`` (default): predictor-corrector continuation in arc length
      along the branch ``{(z, λ S): z = λ (u_i(σ) - u_i0(σ))}``, in log-odds coordinates
      ``z_ia = log(σ_ia / σ_i0)``: an Euler step of length ``h`` along the tangent, then
      Newton's method back onto the branch (batched linear solves). A step is accepted
      when Newton converges within ``max_iter`` iterations and its first correction is
      small (at most ``min(0.3, h / 2)``) and the tangent turned by less than ~18°,
      else halved; accepted steps grow by the factor ``max_accel``.
      Arc length lets the path go round turning points, where ``λ`` falls back: this is
      the principal branch as Gambit traces it (``pygambit.qre.logit_solve_lambda``),
      and the answer is the first point where the branch reaches the target ``λ``
      (interpolated, then corrected by Newton at exactly ``λ``).
    * ``method="fixed_point"``: a plain homotopy in ``λ``, ``steps`` values
      evenly spaced in ``log(1 + λ S)``, at each a damped fixed-point iteration
      ``σ <- (1 - damping) σ + damping · softmax(λ u(σ))`` warm-started from the
      previous step. Simple, but its map expands at rate ~``λ·S`` near a mixed QRE
      (inspection or matching-pennies games), where no fixed damping converges once
      ``λ·S`` is more than a few; and a homotopy in ``λ`` cannot go round a turning
      point, so past one it jumps to another branch or fails.

    Several branches: the result follows the principal branch from ``λ = 0`` only
    approximately in games with several QRE. The fixed-point method cannot follow it
    round turning points; the Newton method can, but a step can still land on a nearby
    branch where branches pass close to each other (the step control makes this rare,
    not impossible). ``converged=False`` flags a failure (the path was lost, ran out of
    ``max_steps``, or the final residual exceeds ``tol``); a converged result is always
    a QRE of the game at its ``λ``.

    Parameters
    ----------
    payoffs : array, shape (B, N, n_1, ..., n_N) (``u[None]`` for one game).
    lam : float, or array of shape (B,); finite, >= 0, inverse payoff units.
    tol : convergence tolerance on the residual ``max |σ - softmax(λ u(σ))|``.
    max_iter : maximum corrector iterations per step (and at the target).
    method : "newton" or "fixed_point".
    steps : number of λ steps of the fixed-point homotopy.
    damping : step weight of the fixed-point iteration, in (0, 1].
    first_step : first arc-length step of the Newton method (in units of ``z`` and ``λS``).
    max_accel : growth factor of the arc-length step after an accepted step (Gambit's
        default, 1.1; larger is faster but more likely to cut across to another branch).
    max_steps : most arc-length steps (accepted or not) before a game counts as failed.

    Returns
    -------
    QREResult; ``strategies[i]`` has shape (B, n_i).

    Examples
    --------
    Prisoner's dilemma (0 = cooperate, 1 = defect): defecting gains 1 + P(cooperate).

    >>> u = np.array([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> res = logit_qre_normal_form(u[None], lam=1.0)
    >>> res.strategies[0].round(4), bool(res.converged[0])
    (array([[0.2268, 0.7732]]), True)
    """
    u = check_payoffs(payoffs, batched=True)
    u_bl = np.ascontiguousarray(np.moveaxis(u, 0, -1))
    options = dict(tol=tol, max_iter=max_iter, method=method, steps=steps, damping=damping,
                   first_step=first_step, max_accel=max_accel, max_steps=max_steps)
    return logit_qre_normal_form_batch_last(u_bl, _check_lam(lam, u.shape[0]), **options)


def logit_qre_normal_form_batch_last(
    payoffs: np.ndarray,
    lam,
    *,
    tol: float = 1e-10,
    max_iter: int = 20,
    method: str = "newton",
    steps: int = 30,
    damping: float = 0.5,
    first_step: float = 0.03,
    max_accel: float = 1.1,
    max_steps: int = 5000,
) -> QREResult:
    """Kernel of :func:`logit_qre_normal_form` on payoffs of shape (N, n_1, ..., n_N, B).

    ``lam``: float or shape (B,). Light checks only; strategies are returned batch-first.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is unknown; allowed: {', '.join(METHODS)}")
    if not (tol > 0 and max_iter >= 1 and steps >= 1 and 0 < damping <= 1 and first_step > 0
            and max_accel >= 1 and max_steps >= 1):
        raise ValueError("need tol > 0, max_iter >= 1, steps >= 1, 0 < damping <= 1, first_step > 0, "
                         "max_accel >= 1, max_steps >= 1")
    n_batch, n_actions = payoffs.shape[-1], payoffs.shape[1:-1]
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (n_batch,))
    scale = _payoff_scale(payoffs)
    u, nu = payoffs / scale, lam * scale  # the same QRE; λ S is dimensionless
    if method == "newton":
        z, iterations, traced = _trace_arc_length(u, nu, tol, max_iter, first_step, max_accel, max_steps)
    else:
        z, iterations, traced = _trace_fixed_point(u, nu, tol, max_iter, steps, damping)
    sigma = _strategies(z, n_actions)
    residual = _residual(u, sigma, nu)
    return QREResult(
        strategies=[s.T for s in sigma],
        lam=np.array(lam),
        converged=(residual <= tol) & traced,
        iterations=iterations,
        residual=residual,
    )


def _payoff_scale(payoffs: np.ndarray) -> np.ndarray:
    """Largest payoff range of any player, shape (B,) (1 where all payoffs are equal)."""
    flat = payoffs.reshape(payoffs.shape[0], -1, payoffs.shape[-1])
    scale = (flat.max(axis=1) - flat.min(axis=1)).max(axis=0)
    return np.where(scale > 0, scale, 1.0)


# --- the two tracers; payoffs scaled to range 1, nu = λ S, z stacked log-odds (D, B)

_PATH_TOL = 1e-8  # max |H| of points on the traced path (the target is solved to `tol`)
_MAX_CORRECTION = 0.3  # largest first Newton correction of an accepted step
_MIN_STEP = 1e-9  # a game whose step falls below this has lost the path
_MIN_COS = 0.95  # smallest cosine between the tangents at the two ends of a step


def _trace_arc_length(u, nu, tol, max_iter, first_step, max_accel, max_steps):
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
    jac_z, gaps = _jacobian_and_gaps(u, _strategies(x[:dim], u.shape[1:-1]), x[dim])
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


def _trace_fixed_point(u, nu, tol, max_iter, steps, damping):
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


def _strategies(z: np.ndarray, n_actions) -> list[np.ndarray]:
    """Mixed strategies (list of (n_i, B)) from stacked log-odds z (sum(n_i - 1), B)."""
    out = []
    for s in _offsets(n_actions):
        zi = np.concatenate([np.zeros((1, z.shape[1])), z[s]])
        out.append(_softmax(zi, axis=0))
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


def _residual(payoffs: np.ndarray, sigma: list[np.ndarray], lam: np.ndarray) -> np.ndarray:
    """max over players and actions of |σ - softmax(λ u(σ))|, shape (B,)."""
    vals = action_values(payoffs, sigma)
    return np.max([np.abs(s - _softmax(lam * v, axis=0)).max(axis=0) for s, v in zip(sigma, vals)], axis=0)


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
        sigma = _strategies(za, n_actions)
        residual[active] = _residual(u, sigma, la)
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
        g = trial - lam[todo] * _gaps(payoffs[..., todo], _strategies(trial, n_actions))
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
    sigma = _strategies(z, n_actions)
    used = np.zeros(z.shape[1], dtype=np.int64)
    active = np.ones(z.shape[1], dtype=bool)
    for _ in range(max_iter):
        target = [_softmax(lam * v, axis=0) for v in action_values(payoffs, sigma)]
        gap = np.max([np.abs(s - t).max(axis=0) for s, t in zip(sigma, target)], axis=0)
        active &= gap > tol
        if not active.any():
            break
        sigma = [np.where(active, (1 - damping) * s + damping * t, s) for s, t in zip(sigma, target)]
        used += active
    return _log_odds(sigma), used, _residual(payoffs, sigma, lam)


def profile_probabilities(strategies: list[np.ndarray]) -> np.ndarray:
    """Probability of each pure profile under independent mixed strategies.

    Parameters
    ----------
    strategies : list of N arrays, shape (B, n_i).

    Returns
    -------
    array, shape (B, n_1, ..., n_N).
    """
    out = np.asarray(strategies[0], dtype=float)
    for s in strategies[1:]:
        s = np.asarray(s, dtype=float)
        out = out[..., None] * s.reshape(s.shape[0], *([1] * (out.ndim - 1)), s.shape[1])
    return out


def regime_probabilities_normal_form(
    strategies: list[np.ndarray], profile_regime: np.ndarray, n_regimes: int
) -> np.ndarray:
    """Probability of each regime under independent mixed strategies.

    Parameters
    ----------
    strategies : list of N arrays, shape (B, n_i).
    profile_regime : regime index of each pure profile, shape (n_1 * ... * n_N,) in C
        order (or shape (n_1, ..., n_N)).
    n_regimes : number of regimes R.

    Returns
    -------
    array, shape (B, R).
    """
    prof = profile_probabilities(strategies)
    return _sum_by_regime(prof.reshape(prof.shape[0], -1), profile_regime, n_regimes)
