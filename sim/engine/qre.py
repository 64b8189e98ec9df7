"""Logit quantal response equilibria (QRE), vectorised over batches of games.

A logit QRE with precision ``λ >= 0`` replaces best replies by logit replies: a player
plays action ``a`` with probability proportional to ``exp(λ · u(a))``, ``u(a)`` its
expected payoff from ``a`` given everyone's (noisy) play (McKelvey & Palfrey 1995).
``λ = 0`` is uniform play; ``λ → ∞`` approaches a Nash equilibrium. ``λ`` is in inverse
payoff units (here 1/($bn/yr)): a payoff difference ``Δ`` makes the better action
``exp(λ Δ)`` times as likely. This is Gambit's convention (``pygambit.qre``): raw
payoffs, no rescaling.

* :func:`sim.engine.qre_tree.agent_qre_tree` -- the logit *agent* QRE of a perfect-information tree
  (McKelvey & Palfrey 1998; Signorino 1999): every decision node is a separate agent of
  its player, so the QRE is found by one backward pass (logit choice at each node
  against the expected values of its children, chance nodes average) and is unique.
* :func:`logit_qre_normal_form` -- the logit QRE of simultaneous games on the
  principal branch, traced from ``λ = 0`` (uniform play, the unique QRE) to the target
  ``λ``: by default predictor-corrector continuation in arc length with Newton
  corrections (as Gambit does, so it goes round turning points), or a plain homotopy in
  ``λ`` with damped fixed-point iterations warm-started from the previous step.
* :func:`sim.engine.qre_tree.regime_probabilities_tree`, :func:`regime_probabilities_normal_form` -- the
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
from sim.engine.logit import check_lam, sum_by_regime
from sim.engine.qre_path import logit_residual, strategies_of, trace_arc_length, trace_fixed_point

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
    return logit_qre_normal_form_batch_last(u_bl, check_lam(lam, u.shape[0]), **options)


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
        z, iterations, traced = trace_arc_length(u, nu, tol, max_iter, first_step, max_accel, max_steps)
    else:
        z, iterations, traced = trace_fixed_point(u, nu, tol, max_iter, steps, damping)
    sigma = strategies_of(z, n_actions)
    residual = logit_residual(u, sigma, nu)
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
    return sum_by_regime(prof.reshape(prof.shape[0], -1), profile_regime, n_regimes)
