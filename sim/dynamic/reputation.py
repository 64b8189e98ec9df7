"""The dynamic game with the US's reputation as a state (docs/model.md §9, "Reputation").

Nature draws the US's type once, before 2020: *committed* (it values punishing a
violation at ``us.credibility``) or *bluffing* (at ``us.bluff_credibility``), the scenario's
:class:`sim.engine.bayes.TypeSpec`. The type never changes and only the US knows it. The
others' belief that the US is committed, π, is a state next to the troop posture s: each
quarter they watch what the US does at the node play reached and update π by Bayes' rule,

    π'(n, a) = π σ_c(a | n) / (π σ_c(a | n) + (1 - π) σ_b(a | n)),

where σ_θ(· | n) is type θ's logit choice at US node n. Enforcing after a violation is
what the committed type does more often, so enforcing raises π and accommodating lowers
it; where both types act alike, π stays.

The equilibrium is the logit agent QRE of this game of incomplete information, Markov in
(quarter, posture, belief), found by backward induction over the quarters. Continuation
values V_{t+1}(s, π | θ) to every player, conditional on the true type, are kept on a grid
of G beliefs and interpolated linearly in π. At a US node both types' choices and the
posterior they induce are a fixed point (each type weighs the reputation its action will
earn: signalling), solved by damped iteration to ``tol``. Above the US (Russia, Iran,
Iraq) the movers value a US node at π W(n | committed) + (1 - π) W(n | bluffing) and play
the logit agent QRE of the stage tree cut at the US's nodes.

The probability of an observed quarter is a mixture over types at the belief the record
leads to, and the product over quarters is the exact likelihood of a persistent type
(the belief is the posterior). With the QRE's full support every action has a
probability, so the posterior is defined after every history.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from sim.dynamic.calendar import Calendar
from sim.dynamic.game import POSTURES, QUARTER_SHARE, moves, posture_codes, stage_params
from sim.engine.bayes import type_params
from sim.engine.logit import softmax
from sim.engine.params import batch_size
from sim.engine.qre_tree import agent_qre_tree_batch_last
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last
from sim.engine.tree import Decision, Tree, tree_from_rule

BELIEFS = 11  #: points of the belief grid, 0, 0.1, ..., 1
DAMPING = 0.5  #: weight of the new reply in the fixed-point iteration at the US's nodes
TOL = 1e-12  #: the fixed point stops when no choice probability moves more than this
MAX_ITER = 2000


@dataclass(frozen=True)
class StageForm:
    """The stage tree cut at the US's move.

    Attributes
    ----------
    upper : the tree of the movers before the US; its leaves are the US's M nodes.
    kids : (M, A) the leaf number of US action a at US node m.
    posture : (A,) the posture index each US action ends in (the same at every node).
    node_of_leaf, action_of_leaf : (L,) the US node and action of each leaf.
    """

    upper: Tree
    kids: np.ndarray
    posture: np.ndarray
    node_of_leaf: np.ndarray
    action_of_leaf: np.ndarray


_FORMS: dict = {}


def _stage_form(sc: Scenario) -> StageForm:
    us = sc.players.index("US")
    if sc.move_order[-1] != us:
        raise ValueError("the reputation game needs the US to move last in the stage game")
    depth = len(sc.move_order)

    def rule(h):
        if len(h) >= depth - 1:
            return None
        i = sc.move_order[len(h)]
        return Decision(i, tuple(sc.available(i, {sc.actors[j].name: a for j, a in zip(sc.move_order, h)})))

    upper = tree_from_rule(sc.players, rule)
    node = {h: m for m, h in enumerate(upper.leaf_histories())}
    hist = sc.sequential.tree.leaf_histories()
    node_of_leaf = np.array([node[h[:-1]] for h in hist])
    actions = sc.actors[us].actions
    action_of_leaf = np.array([actions.index(h[-1]) for h in hist])
    kids = np.full((len(node), len(actions)), -1)
    kids[node_of_leaf, action_of_leaf] = np.arange(len(hist))
    if (kids < 0).any():
        raise ValueError("the reputation game needs the US to have every action at every node")
    posture = posture_codes(sc)[kids]
    if not (posture == posture[0]).all():
        raise ValueError("a US action must end in the same posture at every node")
    return StageForm(upper, kids, posture[0], node_of_leaf, action_of_leaf)


def stage_form(sc: Scenario) -> StageForm:
    """The stage tree of ``sc`` cut at the US's move (cached per scenario)."""
    key = (sc.name, id(sc.sequential.tree))
    if key not in _FORMS:
        _FORMS[key] = _stage_form(sc)
    return _FORMS[key]


def type_payoffs(sc: Scenario, params, cal: Calendar, t: int, n_batch: int) -> np.ndarray:
    """Quarter ``t``'s stage payoffs under each US type, shape (Θ, M, A, N, B) ($bn a
    quarter): a quarter of the yearly leaf payoffs, arranged by US node and action."""
    form, spec = stage_form(sc), sc.types
    p = stage_params(params, cal, t)
    out = [QUARTER_SHARE * np.broadcast_to(leaf_payoffs_batch_last(sc, type_params(p, spec, k)),
                                           (sc.sequential.tree.n_leaves, len(sc.players), n_batch))
           for k in range(len(spec.names))]
    return np.stack(out)[:, form.kids]


def continuation(v_next: np.ndarray, post: np.ndarray, posture: np.ndarray, players) -> np.ndarray:
    """δ-free continuation values at the posteriors, shape (Θ, K, M, A, B): player
    ``players[k]``'s V_{t+1}(posture(a), π'(m, a) | θ), linear in π between grid points.

    ``v_next`` (S, G, Θ, N, B) on the grid linspace(0, 1, G); ``post`` (M, A, B) in [0, 1]."""
    n_s, n_g, n_t, _, n_b = v_next.shape
    n_k = len(players)
    flat = np.ascontiguousarray(v_next[:, :, :, players].transpose(0, 2, 3, 4, 1)).reshape(-1)  # (S,Θ,K,B,G)
    x = post * (n_g - 1)
    i = np.minimum(x.astype(np.int64), n_g - 2)  # x >= 0
    w = x - i
    base = ((((posture[None, None, :, None] * n_t + np.arange(n_t)[:, None, None, None]) * n_k
              + np.arange(n_k)[None, :, None, None]) * n_b + np.arange(n_b)) * n_g)  # (Θ, K, A, B)
    idx = base[:, :, None] + i  # (Θ, K, M, A, B)
    lo = flat.take(idx)
    return lo + w * (flat.take(idx + 1) - lo)


def posterior(pi: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Bayes' rule: the belief in the committed type after each US action, (M, A, B),
    from the prior ``pi`` (B,) and the types' choices ``sigma`` (2, M, A, B)."""
    num = pi * sigma[0]
    den = num + (1.0 - pi) * sigma[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(np.where(den > 0, num / np.where(den > 0, den, 1.0), pi), 0.0, 1.0)


@dataclass(frozen=True)
class Stage:
    """One quarter's stage solved at a batch of beliefs.

    Attributes
    ----------
    sigma : (Θ, M, A, B) each type's choice at each US node.
    post : (M, A, B) the belief after each US action at each node.
    reach : (M, B) probability of reaching each US node.
    values : (Θ, N, B) each player's value of the quarter on, given the true type ($bn).
    residual : (B,) the fixed point's last change (0 without a future).
    """

    sigma: np.ndarray
    post: np.ndarray
    reach: np.ndarray
    values: np.ndarray
    residual: np.ndarray

    def leaf_probs(self, form: StageForm) -> np.ndarray:
        """(Θ, L, B) probability of each stage leaf under each type."""
        return self.reach[form.node_of_leaf][None] * self.sigma[:, form.node_of_leaf, form.action_of_leaf]


def us_fixed_point(q0: np.ndarray, pi: np.ndarray, cont_us, lam: np.ndarray, *, tol: float = TOL,
                   max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both types' logit choices at the US's nodes and the posterior they induce.

    ``q0`` (Θ, M, A, B): the US's stage payoff less its cost of moving; ``cont_us(post)``
    -> (Θ, M, A, B): δ V^US_{t+1} at the posterior (None: the last quarter). Returns
    (sigma, post, residual)."""
    sigma = softmax(lam * q0, axis=2) if cont_us is None else softmax(
        lam * (q0 + cont_us(np.broadcast_to(pi, q0.shape[1:]))), axis=2)
    post = posterior(pi, sigma)
    residual = np.zeros(q0.shape[-1])
    if cont_us is None:
        return sigma, post, residual
    for _ in range(max_iter):
        new = softmax(lam * (q0 + cont_us(post)), axis=2)
        residual = np.abs(new - sigma).max(axis=(0, 1, 2))
        sigma = DAMPING * new + (1.0 - DAMPING) * sigma
        post = posterior(pi, sigma)
        if residual.max() <= tol:
            break
    return sigma, post, residual


def solve_stage(form: StageForm, pay: np.ndarray, cost: np.ndarray, pi: np.ndarray, v_next, lam, discount: float,
                us: int, *, tol: float = TOL) -> Stage:
    """The stage at beliefs ``pi`` (B,): ``pay`` (Θ, M, A, N, B) from :func:`type_payoffs`,
    ``cost`` (M, A, B) the US's cost of moving from this quarter's state, ``v_next`` (S, G,
    Θ, N, B) or None after the last quarter, ``lam`` (B,) logit rationality."""
    q0 = pay[:, :, :, us] - cost
    cont_us = None if v_next is None else (
        lambda post: discount * continuation(v_next, post, form.posture, [us])[:, 0])
    sigma, post, residual = us_fixed_point(q0, pi, cont_us, lam, tol=tol)
    lp = pay.copy()  # (Θ, M, A, N, B)
    lp[:, :, :, us] -= cost
    if v_next is not None:
        lp += discount * continuation(v_next, post, form.posture, range(pay.shape[3])).transpose(0, 2, 3, 1, 4)
    w = np.einsum("tmab,tmanb->tmnb", sigma, lp)  # (Θ, M, N, B): each US node's value given the type
    mixed = pi * w[0] + (1.0 - pi) * w[1]  # what the movers above expect, (M, N, B)
    reach = agent_qre_tree_batch_last(form.upper, mixed, lam).leaf_reach.T  # (M, B)
    values = np.einsum("mb,tmnb->tnb", reach, w)
    return Stage(sigma, post, reach, values, residual)


@dataclass(frozen=True)
class Reputation:
    """The dynamic game with reputation solved on B parameter points.

    Attributes
    ----------
    values : (T, S, G, Θ, N, B) each player's value from quarter t in state (s, grid[g])
        given the true type ($bn).
    grid : (G,) the beliefs of the grid.
    residual : (B,) the largest fixed-point change left at any (t, s, belief).
    """

    values: np.ndarray
    grid: np.ndarray
    residual: np.ndarray


def _setup(sc: Scenario, params, lam, adjust_cost):
    n_batch = max(batch_size(params), np.size(lam), np.size(adjust_cost))
    lam = np.broadcast_to(np.asarray(lam, dtype=float).reshape(-1), (n_batch,))
    adjust = np.broadcast_to(np.asarray(adjust_cost, dtype=float).reshape(-1), (n_batch,))
    form = stage_form(sc)
    move = moves(params, posture_codes(sc), n_batch)[form.kids]  # (M, A, S, B)
    return n_batch, lam, adjust * move, form


def solve_reputation(sc: Scenario, params, cal: Calendar, *, lam, discount: float = 0.98, adjust_cost=0.5,
                     beliefs: int = BELIEFS, tol: float = TOL) -> Reputation:
    """Backward induction over ``cal``'s quarters, postures and a grid of ``beliefs``
    beliefs (module docstring). ``lam`` (1/$bn) and ``adjust_cost`` ($bn per unit of troop
    level) are floats or shape (B,); ``params`` leaves floats or rows (1, B)."""
    n_batch, lam, cost, form = _setup(sc, params, lam, adjust_cost)
    us, grid = sc.players.index("US"), np.linspace(0.0, 1.0, beliefs)
    n_s = len(POSTURES)
    values = np.zeros((cal.n, n_s, beliefs, len(sc.types.names), len(sc.players),
                       n_batch))
    residual = np.zeros(n_batch)
    tiled_lam = np.tile(lam, beliefs)
    pi = np.repeat(grid, n_batch)  # belief grid[g] at b' = g B + b
    for t in reversed(range(cal.n)):
        pay = np.tile(type_payoffs(sc, params, cal, t, n_batch), beliefs)
        v_next = None if t == cal.n - 1 else np.tile(values[t + 1], beliefs)
        for s in range(n_s):
            st = solve_stage(form, pay, np.tile(cost[:, :, s], beliefs), pi, v_next, tiled_lam, discount, us, tol=tol)
            values[t, s] = st.values.reshape(st.values.shape[:2] + (beliefs, n_batch)).transpose(2, 0, 1, 3)
            residual = np.maximum(residual, st.residual.reshape(beliefs, n_batch).max(axis=0))
    return Reputation(values, grid, residual)


def path_stages(sc: Scenario, params, cal: Calendar, rep: Reputation, states, leaf_sets, prior, *, lam,
                discount: float = 0.98, adjust_cost=0.5, tol: float = TOL):
    """Play the quarters along an observed path of states, the belief following Bayes'
    rule on what is observed.

    ``states`` (T,) the posture each quarter starts from; ``leaf_sets`` (T, L) bool, the
    leaves each quarter's observation allows; ``prior`` (P,) beliefs before the first
    quarter. Returns (prob (T, P, B) of each quarter's observation, belief (T, P, B) at
    its start, leaf (T, P, L, B) each leaf's probability)."""
    n_batch, lam, cost, form = _setup(sc, params, lam, adjust_cost)
    us, prior = sc.players.index("US"), np.asarray(prior, dtype=float).reshape(-1)
    n_p, n_t = len(prior), len(states)
    pi = np.repeat(prior, n_batch)
    prob, belief = np.zeros((n_t, n_p * n_batch)), np.zeros((n_t, n_p * n_batch))
    leaf = np.zeros((n_t, n_p * n_batch, leaf_sets.shape[1]))
    for t in range(n_t):
        pay = np.tile(type_payoffs(sc, params, cal, t, n_batch), n_p)
        v_next = None if t == cal.n - 1 else np.tile(rep.values[t + 1], n_p)
        st = solve_stage(form, pay, np.tile(cost[:, :, states[t]], n_p), pi, v_next, np.tile(lam, n_p), discount,
                         us, tol=tol)
        by_type = np.einsum("tlb,l->tb", st.leaf_probs(form), leaf_sets[t].astype(float))  # (Θ, B')
        belief[t], prob[t] = pi, pi * by_type[0] + (1.0 - pi) * by_type[1]
        leaf[t] = (pi * st.leaf_probs(form)[0] + (1.0 - pi) * st.leaf_probs(form)[1]).T
        pi = posterior(pi, by_type[:, None, None, :])[0, 0]
    shape = (n_t, n_p, n_batch)
    return prob.reshape(shape), belief.reshape(shape), leaf.reshape(n_t, n_p, n_batch, -1).transpose(0, 1, 3, 2)
