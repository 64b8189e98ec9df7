"""Probabilistic Condorcet elections (PCE): how likely each option is to win a vote.

``pce(utilities, weights, *, victory="linear", model="conditional")`` takes the utility
``u[k, i]`` of option ``i`` to actor ``k`` (any units; shape (n_actors, n_options), or
(B, n_actors, n_options) for B problems at once) and each actor's clout ``w[k]``
(capability x salience, >= 0; shape (n_actors,) or (B, n_actors)) and returns the
probability of each option, shape (n_options,) or (B, n_options), each row summing to 1.

The steps, for one problem (a batch runs each step as one vectorised computation over
blocks of problems; nothing loops over single problems):

* proportional votes: actor k's vote for i over j is ``v_k(i,j) = w_k (u_ki - u_kj)``;
* coalition strength ``c(i,j) = 1e-8 + sum_k max(0, v_k(i,j))`` (clout x utility units);
* victory probability ``p(i,j) = x_i / (x_i + x_j)`` with ``x_i = c(i,j)^e``,
  ``x_j = c(j,i)^e`` and ``e`` = 1, 2, 4, 8 for ``victory`` = linear, square, quartic,
  octic; ``p(i,i) = 1/2``, so ``p(i,j) + p(j,i) = 1``. Computed from the log-odds
  ``d(i,j) = e (ln c(i,j) - ln c(j,i))`` as ``p = expit(d)``, so no power overflows;
* ``model="conditional"``: ``P_i`` proportional to ``prod_j p(i,j)`` (the chance that i
  beats every option, given that exactly one option does), summed as logs and normalised
  by a max-shifted softmax;
* ``model="markov_uniform"``: the fixed point ``P_i = (1/n) sum_j p(i,j) (P_i + P_j)``.
  Writing it as ``P = M P`` with ``M_ij = p(i,j)/n`` (i != j) and
  ``M_jj = (1/n)(1/2 + sum_m p(j,m))`` (m over all n options), every column of M sums to
  1 because ``p(i,j) + p(j,i) = 1``: M is the transition matrix (column j = from j) of the Markov
  chain "the standing option j is challenged by an option i drawn uniformly from all n
  (j included); the challenger takes over with probability p(i,j)". P is its stationary
  distribution, unique because every p(i,j) > 0. It is solved exactly (not iterated) by
  Grassmann-Taksar-Heyman state reduction, which uses only the off-diagonal rates and no
  subtractions, so tiny probabilities (octic) keep their relative accuracy; the loop is
  over options, every step acting on a whole block of problems. Log-odds beyond +-600
  are clipped there (p(i,j) >= 2.7e-261), which keeps the chain irreducible in floats.

Relation to KTAB (KAPSARC's Toolkit for Behavioral Analysis, MIT; read at commit
3b5b063 of the fork lsyaseen/KTAB, file ``KTAB/kmodel/libsrc/kmodel.cpp``; no code copied):

* ``Model::vote`` (line 358) with ``VotingRule::Proportional`` is the vote above. KTAB
  throws on a weight <= 0; here a zero weight is allowed (that actor simply drops out).
  KTAB's other voting rules (Binary, PropBin, PropCbc, Cubic, ASymProsp) are not offered.
* ``Model::coalitions`` (line 516): the same floor ``minC = 1e-8`` on both sides.
* ``Model::vProb`` (lines 417, 488): ``VPModel`` Linear/Square/Quartic/Octic are the four
  exponents; KTAB raises c to the power directly (overflows for c above ~1e38 at octic),
  here the log-odds are used. KTAB's ``VPModel::Binary`` (a 10 % threshold) is not offered.
* ``Model::condPCE`` (line 794) is ``model="conditional"``, the same product including
  ``p(i,i) = 1/2`` (which cancels in the normalisation).
* ``Model::markovUniformPCE`` (line 756) is ``model="markov_uniform"``. KTAB iterates
  ``P <- (P + q)/2`` from the uniform vector until no entry changes by more than 1e-6,
  so its answer agrees with the exact fixed point returned here only to about 1e-6.
  It is the same fixed point: KTAB's test printout is reproduced (tests/test_pce.py).
* ``Model::markovIncentivePCE`` ("MarkovIncentive", challenges proportional to incentive)
  and ``ThirdPartyCommit`` (third parties joining a bilateral challenge,
  ``Actor::thirdPartyVoteSU``, used by KTAB's bargaining model, not by its PCE) are not
  implemented.
* Utilities: KTAB's PCE functions use the utilities they are given; the rescaling of
  each actor's row to [0, 1] (``KBase::rescaleRows``, ``kutils/libsrc/kmatrix.cpp``) is
  done by some callers (examples comsel, pmatrix, reformpri) before the call. Here there is
  no hidden normalisation: ``pce`` uses the utilities as given. Scaling all utilities or all
  weights by a positive constant changes the result only through the 1e-8 floor.

``pce_from_coalitions`` runs the last two steps on a coalition matrix of your own (any
voting rule); it reproduces KTAB's worked example (tests/test_pce.py).

Note: ``sim.bargain`` re-exports the function ``pce``, so the attribute
``sim.bargain.pce`` is that function; import the module's other names with
``from sim.bargain.pce import ...``.
"""

from __future__ import annotations

import numpy as np

from sim.engine.params import ConfigError

VICTORY_EXPONENTS = {"linear": 1, "square": 2, "quartic": 4, "octic": 8}
MODELS = ("conditional", "markov_uniform")
COALITION_FLOOR = 1e-8  # added to every coalition strength (clout x utility units), as in KTAB
_MAX_LOG_ODDS = 600.0  # markov_uniform only: p(i,j) >= expit(-600) ~ 2.7e-261 keeps the chain irreducible
_COALITION_BLOCK = 1 << 17  # n_actors x n_pairs x problems per block of votes (1 MB per array)
_MODEL_BLOCK = 2048  # problems per block in the model step


# ------------------------------------------------------------------ validation


def _as_float_array(x, name: str) -> np.ndarray:
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be an array of numbers; got {type(x).__name__}") from None


def _check_choice(value, name: str, allowed) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _first_bad(mask: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _check_utilities(u: np.ndarray) -> None:
    if u.ndim not in (2, 3) or u.shape[-1] < 1 or u.shape[-2] < 1:
        raise ConfigError("utilities must have shape (n_actors, n_options) or (B, n_actors, n_options) "
                          f"with n_actors, n_options >= 1; got shape {u.shape}")
    bad = ~np.isfinite(u)
    if bad.any():
        raise ConfigError(f"utilities must be finite; got {u[_first_bad(bad)]} at index {_first_bad(bad)}")


def _check_weights(w: np.ndarray, u: np.ndarray) -> None:
    if w.shape != u.shape[:-1]:
        raise ConfigError(f"weights shape {w.shape} does not match utilities shape {u.shape}: "
                          f"weights must have shape {u.shape[:-1]} (one per actor)")
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise ConfigError(f"weights must be finite and >= 0; got {w[_first_bad(bad)]} at index {_first_bad(bad)}")
    with np.errstate(invalid="ignore", over="ignore"):
        total = w.sum(axis=-1)
    bad = ~(np.isfinite(total) & (total > 0))
    if bad.any():
        where = f" in problem {_first_bad(bad)[0]}" if total.ndim else ""
        raise ConfigError(f"weights must sum to a positive finite number{where}; got sum {total[bad].flat[0]}")


def _check_coalitions(c: np.ndarray) -> None:
    if c.ndim not in (2, 3) or c.shape[-1] != c.shape[-2] or c.shape[-1] < 1:
        raise ConfigError(f"coalitions must have shape (n, n) or (B, n, n) with n >= 1; got shape {c.shape}")
    off = ~np.eye(c.shape[-1], dtype=bool)
    bad = ~np.isfinite(c) | (off & ~(c > 0))
    if bad.any():
        raise ConfigError(f"coalitions must be finite and > 0 off the diagonal; got {c[_first_bad(bad)]} "
                          f"at index {_first_bad(bad)}")


# ------------------------------------------------------------------ the steps
# Inside, problems are laid out batch-last and each unordered pair of options i < j
# (numpy's triu order, m = n(n-1)/2 pairs) is one row of an (m, B) array, so every
# operation runs along the contiguous problem axis. The coalitions are summed in blocks of
# problems small enough for the (m, n_actors, block) votes to stay in cache; the models run
# in larger blocks. No step loops over single problems.


def pair_coalitions(u: np.ndarray, w: np.ndarray, iu: np.ndarray, ju: np.ndarray):
    """Coalition strengths of every pair, ``(c_ij, c_ji)``, each of shape (m, b).

    ``u`` (n_options, n_actors, b) in utility units, ``w`` (n_actors, b) >= 0 in clout
    units, ``iu``, ``ju`` (m,) the pairs i < j. With the vote ``v_k = w_k (u_ki - u_kj)``,
    ``c_ij = 1e-8 + sum_k max(0, v_k)`` and ``c_ji = 1e-8 - sum_k min(0, v_k)`` (KTAB's
    sums, no subtraction of large numbers), in clout x utility units.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        vote = u[iu] - u[ju]  # (m, n_actors, b)
        vote *= w
        pro = np.maximum(vote, 0.0)
        con = np.minimum(vote, 0.0, out=vote)
        c_ij = pro.sum(axis=1) + COALITION_FLOOR
        c_ji = COALITION_FLOOR - con.sum(axis=1)
    if not (np.isfinite(c_ij).all() and np.isfinite(c_ji).all()):
        raise ConfigError("utilities x weights overflow: coalition strengths must be finite; "
                          "rescale utilities or weights")
    return c_ij, c_ji


def coalitions_in_blocks(u: np.ndarray, w: np.ndarray, iu: np.ndarray, ju: np.ndarray):
    """``pair_coalitions`` of ``u`` (B, n_actors, n_options) and ``w`` (B, n_actors), block by block.

    Returns ``(c_ij, c_ji)``, each (m, B). Each block of problems is transposed to the
    batch-last layout and summed as one vectorised step.
    """
    n_problems, n_actors, _ = u.shape
    c_ij, c_ji = np.empty((2, len(iu), n_problems))
    step = max(1, _COALITION_BLOCK // max(1, n_actors * len(iu)))
    for s in range(0, n_problems, step):
        ub = np.ascontiguousarray(u[s : s + step].transpose(2, 1, 0))
        wb = np.ascontiguousarray(w[s : s + step].T)
        c_ij[:, s : s + step], c_ji[:, s : s + step] = pair_coalitions(ub, wb, iu, ju)
    return c_ij, c_ji


def log_odds(c_ij: np.ndarray, c_ji: np.ndarray, exponent: int) -> np.ndarray:
    """``d = exponent (ln c_ij - ln c_ji)``, shape (m, b): ``p(i, j) = expit(d)``, ``p(j, i) = expit(-d)``.

    ``expit(d) = c_ij^e / (c_ij^e + c_ji^e)`` is the victory probability, without the powers.
    """
    return exponent * (np.log(c_ij) - np.log(c_ji))


def conditional(d: np.ndarray, iu: np.ndarray, ju: np.ndarray, n: int) -> np.ndarray:
    """KTAB's conditional PCE: ``P_i`` proportional to ``prod_j p(i, j)``, shape (n, b).

    ``d`` (m, b) the pairs' log-odds. ``ln p(i, j) = min(d, 0) - ln(1 + e^-|d|)`` (and
    ``-max(d, 0) - ln(1 + e^-|d|)`` for ``p(j, i)``), summed over j with ``ln p(i, i) = -ln 2``;
    a max-shifted softmax normalises, so no product underflows.
    """
    soft = np.log1p(np.exp(-np.abs(d)))
    logp = np.full((n, n) + d.shape[1:], -np.log(2.0))
    logp[iu, ju] = np.minimum(d, 0.0) - soft
    logp[ju, iu] = -np.maximum(d, 0.0) - soft
    s = logp.sum(axis=1)
    z = np.exp(s - s.max(axis=0))
    return z / z.sum(axis=0)


def markov_uniform(d: np.ndarray, iu: np.ndarray, ju: np.ndarray, n: int) -> np.ndarray:
    """KTAB's Markov-uniform PCE: the chain's stationary distribution, shape (n, b).

    ``d`` (m, b) the pairs' log-odds. The chain moves from j to i (i != j) at rate
    ``p(i, j)`` (the common factor 1/n does not change the stationary vector). Solved
    exactly by Grassmann-Taksar-Heyman state reduction: fold states n-1, ..., 1 into the
    others, then rebuild the stationary masses upwards from state 0.
    """
    x = np.clip(d, -_MAX_LOG_ODDS, _MAX_LOG_ODDS)
    tail = np.exp(-np.abs(x))
    big, small = 1.0 / (1.0 + tail), tail / (1.0 + tail)  # expit(|x|), expit(-|x|)
    rate = np.zeros((n, n) + d.shape[1:])  # rate[j, i]: from j to i; the diagonal is never read
    rate[ju, iu] = np.where(x >= 0, big, small)  # p(i, j)
    rate[iu, ju] = np.where(x >= 0, small, big)  # p(j, i)
    for k in range(n - 1, 0, -1):  # a loop over options, never over problems
        rate[:k, k] /= rate[k, :k].sum(axis=0)  # > 0: every rate is >= expit(-600)
        rate[:k, :k] += rate[:k, k, None] * rate[k, None, :k]
    mass = np.zeros((n,) + d.shape[1:])
    mass[0] = 1.0
    for k in range(1, n):
        mass[k] = (mass[:k] * rate[:k, k]).sum(axis=0)
    return mass / mass.sum(axis=0)


_MODEL_FUNCTIONS = {"conditional": conditional, "markov_uniform": markov_uniform}


def _solve_in_blocks(d: np.ndarray, iu: np.ndarray, ju: np.ndarray, n: int, model: str) -> np.ndarray:
    """The model's probabilities, shape (B, n), from the log-odds ``d`` (m, B), block by block."""
    solve = _MODEL_FUNCTIONS[model]
    out = np.empty((d.shape[1], n))
    for s in range(0, d.shape[1], _MODEL_BLOCK):
        out[s : s + _MODEL_BLOCK] = solve(d[:, s : s + _MODEL_BLOCK], iu, ju, n).T
    return out


# ------------------------------------------------------------------ entry points


def pce(utilities, weights, *, victory: str = "linear", model: str = "conditional") -> np.ndarray:
    """Probability that each option wins a probabilistic Condorcet election.

    ``utilities`` (n_actors, n_options) or (B, n_actors, n_options), finite, any units;
    ``weights`` (n_actors,) or (B, n_actors): each actor's clout (capability x salience),
    >= 0 with a positive finite sum per problem; ``victory`` one of linear, square,
    quartic, octic (exponent 1, 2, 4, 8); ``model`` one of conditional, markov_uniform.
    Returns probabilities of shape (n_options,) or (B, n_options), each row summing to 1.
    Bad input raises ``ConfigError`` with one line naming the argument. See the module
    docstring for the formulas and their relation to KTAB.
    """
    _check_choice(victory, "victory", tuple(VICTORY_EXPONENTS))
    _check_choice(model, "model", MODELS)
    u = _as_float_array(utilities, "utilities")
    w = _as_float_array(weights, "weights")
    _check_utilities(u)
    _check_weights(w, u)
    single = u.ndim == 2
    if single:
        u, w = u[None], w[None]
    n = u.shape[2]
    iu, ju = np.triu_indices(n, 1)
    c_ij, c_ji = coalitions_in_blocks(u, w, iu, ju)
    out = _solve_in_blocks(log_odds(c_ij, c_ji, VICTORY_EXPONENTS[victory]), iu, ju, n, model)
    return out[0] if single else out


def pce_from_coalitions(coalitions, *, victory: str = "linear", model: str = "conditional") -> np.ndarray:
    """``pce`` from a coalition-strength matrix instead of utilities and weights.

    ``coalitions`` (n, n) or (B, n, n): ``c[i, j]`` the strength (any positive units) of the
    coalition for option i against j, finite and > 0 off the diagonal (the diagonal is
    ignored; ``pce`` adds the 1e-8 floor itself, this function adds nothing). Returns
    probabilities of shape (n,) or (B, n), like KTAB's ``Model::probCE2``.
    """
    _check_choice(victory, "victory", tuple(VICTORY_EXPONENTS))
    _check_choice(model, "model", MODELS)
    c = _as_float_array(coalitions, "coalitions")
    _check_coalitions(c)
    single = c.ndim == 2
    if single:
        c = c[None]
    n = c.shape[-1]
    iu, ju = np.triu_indices(n, 1)
    d = log_odds(c[:, iu, ju].T, c[:, ju, iu].T, VICTORY_EXPONENTS[victory])
    out = _solve_in_blocks(d, iu, ju, n, model)
    return out[0] if single else out
