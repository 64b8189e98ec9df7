"""Logit choice: the small numerical pieces every QRE kernel shares (pure numpy)."""

from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """Numerically stable softmax along ``axis`` (entries of -inf get probability 0)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_lam(lam, n_batch: int) -> np.ndarray:
    """λ as an array of shape (B,); a float or shape (B,), finite and >= 0."""
    arr = np.asarray(lam, dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (n_batch,)):
        raise ValueError(f"lam must be a float or have shape ({n_batch},); got shape {arr.shape}")
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        raise ValueError("lam must be finite and >= 0")
    return np.broadcast_to(arr, (n_batch,))


def sum_by_regime(prob: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
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
