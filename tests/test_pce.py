"""Probabilistic Condorcet elections (sim.bargain.pce): hand-derived cases, KTAB's worked
example, properties, and bad input.

References used here, none of them the module's own output:
* arithmetic written out in the comments (exact fractions);
* the Markov chain tree theorem for three options: the stationary mass of state i is
  proportional to the sum, over the spanning trees directed into i, of the product of the
  tree's transition rates; here the rate from j to i is p(i, j);
* KTAB's reference run ``KTAB/kmodel/20170530_ref-demomodel.txt`` (KAPSARC/KTAB, read at
  commit 3b5b063 of the fork lsyaseen/KTAB): line 11 (Square law), lines 14-23, 45-58, 87-99;
* plain-loop re-implementations of the definitions (``_ref_*``) and numpy's eigensolver.
"""

from __future__ import annotations

import sys
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.bargain import pce
from sim.bargain.pce import pce_from_coalitions
from sim.engine.params import ConfigError

VICTORIES = {"linear": 1, "square": 2, "quartic": 4, "octic": 8}
MODELS = ("conditional", "markov_uniform")
FLOOR = 1e-8


# ------------------------------------------------------------------ plain references


def _ref_coalitions(u, w):
    """c[i][j] = 1e-8 + sum over actors of the positive votes w_k (u_ki - u_kj), by loops."""
    n_act, n = len(u), len(u[0])
    c = [[FLOOR] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            for k in range(n_act):
                c[i][j] += max(0.0, w[k] * (u[k][i] - u[k][j]))
    return c


def _ref_victory(c, e):
    n = len(c)
    return [[0.5 if i == j else c[i][j] ** e / (c[i][j] ** e + c[j][i] ** e) for j in range(n)] for i in range(n)]


def _ref_conditional_exact(c, e):
    """Conditional PCE in exact rational arithmetic from the float coalitions (no underflow)."""
    q = [[F(x) ** e for x in row] for row in c]
    n = len(c)
    raw = []
    for i in range(n):
        prod = F(1, 2)
        for j in range(n):
            if j != i:
                prod *= q[i][j] / (q[i][j] + q[j][i])
        raw.append(prod)
    return _fl([x / sum(raw) for x in raw])


def _ref_markov_eig(p):
    """Stationary vector of M (M_ij = p_ij / n off the diagonal, columns sum to 1) by eig."""
    p = np.asarray(p)
    n = len(p)
    m = p / n
    np.fill_diagonal(m, 0.0)
    np.fill_diagonal(m, 1.0 - m.sum(axis=0))
    vals, vecs = np.linalg.eig(m)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    return v / v.sum()


def _tree_theorem_3(p):
    """Markov-uniform for 3 options via the Markov chain tree theorem (rate j -> i = p[i][j])."""
    r = lambda j, i: p[i][j]  # noqa: E731  rate from j to i
    pi = [r(1, 0) * r(2, 0) + r(1, 2) * r(2, 0) + r(2, 1) * r(1, 0),
          r(0, 1) * r(2, 1) + r(0, 2) * r(2, 1) + r(2, 0) * r(0, 1),
          r(0, 2) * r(1, 2) + r(0, 1) * r(1, 2) + r(1, 0) * r(0, 2)]
    return [x / sum(pi) for x in pi]


def _fl(fracs):
    return np.array([float(x) for x in fracs])


# ------------------------------------------------------------------ hand-derived cases


@pytest.mark.parametrize("model", MODELS)
def test_two_options_two_actors(model):
    # u = [[1, 0], [0, 1]], w = [3, 1]: actor 0 votes 3*(1-0) = 3 for option 0, actor 1
    # votes 1*(1-0) = 1 for option 1, so c(0,1) = 3 + f, c(1,0) = 1 + f (f = 1e-8).
    # With two options both models give P_0 = p(0,1): conditional P_0 : P_1 =
    # (1/2) p(0,1) : (1/2) p(1,0); Markov balance P_0 p(1,0)/2 = P_1 p(0,1)/2.
    u, w, f = [[1.0, 0.0], [0.0, 1.0]], [3.0, 1.0], FLOOR
    lin = (3 + f) / ((3 + f) + (1 + f))  # 3/4 up to 1e-9
    sq = (3 + f) ** 2 / ((3 + f) ** 2 + (1 + f) ** 2)  # 9/10 up to 1e-9
    np.testing.assert_allclose(pce(u, w, victory="linear", model=model), [lin, 1 - lin], rtol=0, atol=1e-15)
    np.testing.assert_allclose(pce(u, w, victory="square", model=model), [sq, 1 - sq], rtol=0, atol=1e-15)
    assert abs(lin - 0.75) < 1e-8 and abs(sq - 0.9) < 1e-8


U3 = [[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0]]
W3 = [1.0, 2.0, 3.0]
# c(0,1): actor 0 +1*1, actor 2 +3*1 -> 4;  c(1,0): actor 1 +2*2 -> 4
# c(0,2): actor 0 +1*2 -> 2;               c(2,0): actor 1 +2*1, actor 2 +3*1 -> 5
# c(1,2): actor 0 +1*1, actor 1 +2*1 -> 3; c(2,1): actor 2 +3*2 -> 6
# linear: p01 = 1/2, p02 = 2/7, p12 = 3/9 = 1/3;  square: p01 = 1/2, p02 = 4/29, p12 = 9/45 = 1/5
# (every c also carries f = 1e-8, which moves these by < 1e-8)
HAND3 = {
    # conditional linear: (1/2)(2/7) = 6/42, (1/2)(1/3) = 7/42, (5/7)(2/3) = 20/42 -> /33
    ("linear", "conditional"): [F(6, 33), F(7, 33), F(20, 33)],
    # conditional square: (1/2)(4/29) = 20/290, (1/2)(1/5) = 29/290, (25/29)(4/5) = 200/290 -> /249
    ("square", "conditional"): [F(20, 249), F(29, 249), F(200, 249)],
    # Markov linear, tree theorem: pi0 = p01 p02 + p21 p02 + p12 p01 = 1/7 + 4/21 + 1/6 = 21/42,
    # pi1 = p10 p12 + p20 p12 + p02 p10 = 1/6 + 5/21 + 1/7 = 23/42,
    # pi2 = p20 p21 + p10 p21 + p01 p20 = 10/21 + 1/3 + 5/14 = 49/42 -> /93
    ("linear", "markov_uniform"): [F(21, 93), F(23, 93), F(49, 93)],
    # Markov square: pi0 = (1/2)(4/29) + (4/5)(4/29) + (1/5)(1/2) = 81/290,
    # pi1 = (1/2)(1/5) + (25/29)(1/5) + (4/29)(1/2) = 99/290,
    # pi2 = (25/29)(4/5) + (1/2)(4/5) + (1/2)(25/29) = 441/290 -> /621
    ("square", "markov_uniform"): [F(81, 621), F(99, 621), F(441, 621)],
}


@pytest.mark.parametrize("victory,model", sorted(HAND3))
def test_three_options_three_actors(victory, model):
    np.testing.assert_allclose(pce(U3, W3, victory=victory, model=model), _fl(HAND3[victory, model]), atol=1e-8)


def test_three_options_markov_fixed_point_by_hand():
    # (21, 23, 49)/93 solves P_i = (1/3) sum_j p(i,j) (P_i + P_j) with the linear p above:
    # i = 0: (1/3) [ (1/2)(42) + (1/2)(44) + (2/7)(70) ] / 93 = (1/3)(21 + 22 + 20)/93 = 21/93
    p = [[F(1, 2), F(1, 2), F(2, 7)], [F(1, 2), F(1, 2), F(1, 3)], [F(5, 7), F(2, 3), F(1, 2)]]
    x = HAND3["linear", "markov_uniform"]
    for i in range(3):
        assert sum(p[i][j] * (x[i] + x[j]) for j in range(3)) / 3 == x[i]


U_CE = [[3.0, 0.0, 0.0], [0.0, 1.0, 5.0]]
W_CE = [3.0, 2.0]


def test_condorcet_winner_can_lose_probability_when_the_exponent_rises():
    # Weighted utility sums: option 0: 3*3 = 9, option 1: 2*1 = 2, option 2: 2*5 = 10, and with
    # proportional votes c(i,j) - c(j,i) = W_i - W_j, so option 2 is the Condorcet winner.
    # c(0,1) = 9, c(1,0) = 2; c(0,2) = 9, c(2,0) = 10; c(1,2) = f, c(2,1) = 8 + f.
    f = FLOOR
    c01, c10, c02, c20, c12, c21 = 9 + f, 2 + f, 9 + f, 10 + f, f, 8 + f
    got = {}
    for v, e in (("linear", 1), ("square", 2)):
        p01, p02 = c01**e / (c01**e + c10**e), c02**e / (c02**e + c20**e)
        p12 = c12**e / (c12**e + c21**e)
        # conditional: P0 ~ p01 p02, P1 ~ p10 p12, P2 ~ p20 p21
        raw = [p01 * p02, (1 - p01) * p12, (1 - p02) * (1 - p12)]
        want = np.array(raw) / sum(raw)
        got[v] = pce(U_CE, W_CE, victory=v, model="conditional")
        np.testing.assert_allclose(got[v], want, rtol=1e-12, atol=1e-15)
        p = [[0.5, p01, p02], [1 - p01, 0.5, p12], [1 - p02, 1 - p12, 0.5]]
        np.testing.assert_allclose(pce(U_CE, W_CE, victory=v, model="markov_uniform"), _tree_theorem_3(p),
                                   rtol=1e-10, atol=1e-15)
    # linear: (81/209) : 0 : (10/19) -> P2 = 110/191 = 0.5759;  square: P0 ~ 6561/15385,
    # P2 ~ 100/181 -> P2 = 0.5644. Option 0 gains more by crushing option 1 (9:2) than it loses
    # to option 2 (9:10), so P(Condorcet winner) falls from linear to square.
    assert abs(got["linear"][2] - 110 / 191) < 1e-8
    assert got["square"][2] < got["linear"][2] - 0.01


# ------------------------------------------------------------------ KTAB's worked example


def test_ktab_reference_run_two_options():
    # 20170530_ref-demomodel.txt line 11 (Square law) and lines 14-23 (Markov uniform):
    # c = [[0, 51.212], [19.714, 0]], prob[i>j] 0.8709 / 0.1291 and the limiting vector
    # (0.8709, 0.1291); with two options the conditional model agrees (see above).
    # Printed to 4 decimals, c to 3.
    c = [[0.0, 51.212], [19.714, 0.0]]
    for model in MODELS:
        got = pce_from_coalitions(c, victory="square", model=model)
        np.testing.assert_allclose(got, [0.8709, 0.1291], atol=6e-5)


def test_ktab_reference_run_three_options():
    # lines 45-58 (Markov uniform) and 87-99 (conditional), Square law:
    c = [[0.0, 12.099, 54.921], [10.333, 0.0, 27.079], [5.007, 55.047, 0.0]]
    np.testing.assert_allclose(pce_from_coalitions(c, victory="square", model="markov_uniform"),
                               [0.6351, 0.2148, 0.1501], atol=6e-5)
    np.testing.assert_allclose(pce_from_coalitions(c, victory="square", model="conditional"),
                               [0.8659, 0.1241, 0.0100], atol=6e-5)


# ------------------------------------------------------------------ properties


@st.composite
def problems(draw, max_actors=5, max_options=6, lo=0, hi=10):
    """Integer utilities in [lo, hi] (many ties) and integer weights 0..5, at least one > 0."""
    n_act = draw(st.integers(1, max_actors), label="actors")
    n_opt = draw(st.integers(1, max_options), label="options")
    u = draw(st.lists(st.integers(lo, hi), min_size=n_act * n_opt, max_size=n_act * n_opt))
    w = draw(st.lists(st.integers(0, 5), min_size=n_act, max_size=n_act).filter(lambda x: sum(x) > 0))
    return np.array(u, dtype=float).reshape(n_act, n_opt), np.array(w, dtype=float)


victories = st.sampled_from(sorted(VICTORIES))
models = st.sampled_from(MODELS)


@settings(max_examples=200, deadline=None)
@given(pw=problems(), victory=victories, model=models)
def test_probabilities_sum_to_one_and_match_the_plain_definitions(pw, victory, model):
    u, w = pw
    out = pce(u, w, victory=victory, model=model)
    assert out.shape == (u.shape[1],) and np.all(out >= 0)
    assert abs(out.sum() - 1) < 1e-12
    c = _ref_coalitions(u.tolist(), w.tolist())
    if model == "conditional":
        want = _ref_conditional_exact(c, VICTORIES[victory])
    else:
        want = _ref_markov_eig(_ref_victory(c, VICTORIES[victory]))
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-9)
    np.testing.assert_allclose(pce_from_coalitions(c, victory=victory, model=model), out, rtol=0, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(pw=problems(), victory=victories)
def test_markov_uniform_satisfies_its_fixed_point_equation(pw, victory):
    u, w = pw
    x = pce(u, w, victory=victory, model="markov_uniform")
    p = np.array(_ref_victory(_ref_coalitions(u.tolist(), w.tolist()), VICTORIES[victory]))
    n = len(x)
    rhs = (p * (x[:, None] + x[None, :])).sum(axis=1) / n
    np.testing.assert_allclose(rhs, x, rtol=0, atol=1e-13)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), pw=problems(), victory=victories, model=models)
def test_permuting_options_permutes_the_output(data, pw, victory, model):
    u, w = pw
    perm = np.array(data.draw(st.permutations(range(u.shape[1])), label="perm"))
    base = pce(u, w, victory=victory, model=model)
    np.testing.assert_allclose(pce(u[:, perm], w, victory=victory, model=model), base[perm], rtol=1e-9, atol=1e-14)


@settings(max_examples=150, deadline=None)
@given(pw=problems(max_actors=4), extra=st.lists(st.floats(-1e3, 1e3), min_size=6, max_size=6),
       victory=victories, model=models)
def test_a_zero_weight_actor_changes_nothing(pw, extra, victory, model):
    u, w = pw
    u2 = np.vstack([u, np.array(extra[: u.shape[1]])])
    w2 = np.append(w, 0.0)
    kw = {"victory": victory, "model": model}
    np.testing.assert_array_equal(pce(u2, w2, **kw), pce(u, w, **kw))


def _cw_bound(u, w, cw, e, model):
    """Upper bound on 1 - P(cw) when cw beats every option (c(cw,j) > c(j,cw)):
    with eps = max_j p(j, cw) and n options,
    conditional: P(j)/P(cw) <= p(j,cw) p(j,j) / (p(cw,cw) prod_{m != cw} p(cw,m)) <= eps/(1-eps)^(n-1),
        so 1 - P(cw) <= sum_j P(j)/P(cw) <= (n-1) eps / (1-eps)^(n-1);
    markov: flow out of cw <= P(cw) (n-1) eps / n, flow in >= (1 - P(cw)) (1-eps)/n,
        so 1 - P(cw) <= (n-1) eps / (1-eps)."""
    p = _ref_victory(_ref_coalitions(u.tolist(), w.tolist()), e)
    n = len(p)
    eps = max(p[j][cw] for j in range(n) if j != cw)
    return (n - 1) * eps / (1 - eps) ** ((n - 1) if model == "conditional" else 1)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), pw=problems(max_options=6), model=models)
def test_unanimous_first_choice_wins(data, pw, model):
    u, w = pw
    n = u.shape[1]
    i = data.draw(st.integers(0, n - 1), label="winner")
    gap = data.draw(st.integers(1, 3), label="gap")
    u[:, i] = u.max(axis=1) + gap  # every actor ranks i strictly first, by >= 1
    for victory, e in VICTORIES.items():
        out = pce(u, w, victory=victory, model=model)
        if n > 1:
            assert 1 - out[i] <= _cw_bound(u, w, i, e, model) + 1e-12
    # linear: c(i,j) >= 1e-8 + 1 (weights >= 1 in total, gap >= 1), c(j,i) = 1e-8, so
    # eps <= 1e-8 / 1 and 1 - P(i) <= 5e-8 / (1 - 1e-8)^5 < 1e-6 for n <= 6
    assert pce(u, w, victory="linear", model=model)[i] > 1 - 1e-6


@settings(max_examples=200, deadline=None)
@given(pw=problems(), model=models)
def test_octic_approaches_the_condorcet_winner(pw, model):
    u, w = pw
    totals = w @ u  # c(i,j) - c(j,i) = W_i - W_j: the Condorcet winner has the largest W
    order = np.argsort(totals)
    if u.shape[1] < 2 or totals[order[-1]] == totals[order[-2]]:
        return
    cw = int(order[-1])
    bounds = []  # eps = max_j p(j, cw) falls towards 0 as e grows, and the bound with it
    for victory, e in VICTORIES.items():
        bounds.append(_cw_bound(u, w, cw, e, model))
        assert 1 - pce(u, w, victory=victory, model=model)[cw] <= bounds[-1] + 1e-12


@settings(max_examples=200, deadline=None)
@given(pw=problems(max_options=2), model=models)
def test_two_options_condorcet_winner_gains_with_the_exponent(pw, model):
    # with two options P(cw) = p(cw, other) = 1 / (1 + r^e), r = c(other,cw)/c(cw,other) < 1
    u, w = pw
    totals = w @ u
    if u.shape[1] < 2 or totals[0] == totals[1]:
        return
    cw = int(np.argmax(totals))
    ps = [pce(u, w, victory=v, model=model)[cw] for v in ("linear", "square", "quartic", "octic")]
    assert all(b >= a for a, b in zip(ps, ps[1:])) and ps[-1] > ps[0] - 1e-15


@settings(max_examples=100, deadline=None)
@given(pw=problems(), scale=st.floats(0.1, 10.0), victory=victories, model=models)
def test_scaling_all_weights_changes_only_the_floor(pw, scale, victory, model):
    # c' = scale (c - f) + f: integer data make every positive vote >= 1, so the floor
    # moves each p(i,j) by at most ~ e * 10 * 1e-8
    u, w = pw
    np.testing.assert_allclose(pce(u, scale * w, victory=victory, model=model),
                               pce(u, w, victory=victory, model=model), rtol=0, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(pw=problems(), shift=st.lists(st.integers(-50, 50), min_size=5, max_size=5), model=models)
def test_shifting_an_actors_utilities_changes_nothing(pw, shift, model):
    u, w = pw
    shifted = u + np.array(shift[: u.shape[0]], dtype=float)[:, None]  # exact in floats
    np.testing.assert_array_equal(pce(shifted, w, model=model), pce(u, w, model=model))


@pytest.mark.parametrize("victory", sorted(VICTORIES))
@pytest.mark.parametrize("model", MODELS)
def test_batched_equals_a_loop_over_problems(victory, model):
    rng = np.random.default_rng(7)
    u = rng.normal(size=(64, 5, 7)) * rng.uniform(0.01, 100, size=(64, 1, 1))
    w = rng.uniform(0, 3, size=(64, 5))
    w[::5, 0] = 0.0
    batched = pce(u, w, victory=victory, model=model)
    loop = np.stack([pce(u[b], w[b], victory=victory, model=model) for b in range(len(u))])
    assert batched.shape == (64, 7)
    np.testing.assert_allclose(batched, loop, rtol=0, atol=1e-12)
    assert pce(u[:0], w[:0], victory=victory, model=model).shape == (0, 7)


@pytest.mark.parametrize("model", MODELS)
def test_blocks_do_not_change_the_result(model, monkeypatch):
    rng = np.random.default_rng(11)
    u, w = rng.normal(size=(50, 4, 6)), rng.uniform(0, 2, size=(50, 4))
    whole = pce(u, w, victory="quartic", model=model)
    module = sys.modules["sim.bargain.pce"]  # the attribute sim.bargain.pce is the function
    monkeypatch.setattr(module, "_COALITION_BLOCK", 4 * 15 * 7)  # 7 problems per block of votes
    monkeypatch.setattr(module, "_MODEL_BLOCK", 3)
    np.testing.assert_allclose(pce(u, w, victory="quartic", model=model), whole, rtol=0, atol=1e-15)


@pytest.mark.parametrize("model", MODELS)
def test_octic_with_huge_coalitions_and_many_options_stays_finite(model):
    # c ~ 1e40: c^8 = 1e320 overflows a double; the log-odds do not. At 1e10 (c^8 ~ 1e80, no
    # overflow) the answer is the same: both scales leave the 1e-8 floor below 1e-17 relative.
    rng = np.random.default_rng(3)
    u, w = rng.uniform(size=(11, 20)), rng.uniform(0.5, 1.5, size=11)
    big = pce(u * 1e40, w, victory="octic", model=model)
    assert np.all(np.isfinite(big)) and abs(big.sum() - 1) < 1e-12
    np.testing.assert_allclose(big, pce(u * 1e10, w, victory="octic", model=model), rtol=0, atol=1e-12)


def test_one_option_is_certain():
    for model in MODELS:
        np.testing.assert_array_equal(pce([[3.0], [1.0]], [1.0, 2.0], model=model), [1.0])


# ------------------------------------------------------------------ bad input


BAD = [
    ({"weights": [1.0, -0.5]}, "weights"),
    ({"weights": [0.0, 0.0]}, "weights"),
    ({"weights": [np.nan, 1.0]}, "weights"),
    ({"weights": [np.inf, 1.0]}, "weights"),
    ({"weights": [1.0, 1.0, 1.0]}, "weights shape (3,) does not match utilities shape (2, 3)"),
    ({"weights": [[1.0, 1.0]]}, "weights shape (1, 2)"),
    ({"utilities": [[1.0, np.nan, 0.0], [0.0, 1.0, 2.0]]}, "utilities"),
    ({"utilities": [[1.0, np.inf, 0.0], [0.0, 1.0, 2.0]]}, "utilities"),
    ({"utilities": [1.0, 2.0]}, "utilities"),
    ({"utilities": np.zeros((2, 0))}, "utilities"),
    ({"utilities": [["a", "b", "c"], ["d", "e", "f"]]}, "utilities"),
    ({"utilities": [[1e308, -1e308, 0.0], [0.0, 1.0, 2.0]]}, "utilities x weights"),
    ({"victory": "cubic"}, "victory must be one of linear, square, quartic, octic"),
    ({"victory": None}, "victory"),
    ({"model": "markov_incentive"}, "model must be one of conditional, markov_uniform"),
]


@pytest.mark.parametrize("change,needle", BAD)
def test_bad_input_raises_one_line_config_error(change, needle):
    kw = {"utilities": [[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]], "weights": [1.0, 2.0]} | change
    with pytest.raises(ConfigError) as err:
        pce(kw.pop("utilities"), kw.pop("weights"), **kw)
    msg = str(err.value)
    assert needle in msg and "\n" not in msg


def test_bad_batched_weights_name_the_problem():
    u = np.ones((3, 2, 4))
    w = np.ones((3, 2))
    w[2] = 0.0
    with pytest.raises(ConfigError, match="weights must sum to a positive finite number in problem 2"):
        pce(u, w)
    with pytest.raises(ConfigError, match=r"weights shape \(2,\) does not match utilities shape \(3, 2, 4\)"):
        pce(u, np.ones(2))


BAD_COALITIONS = [
    [[0.0, 1.0], [0.0, 0.0]],  # c(1,0) = 0
    [[0.0, 1.0, 2.0], [1.0, 0.0, 2.0]],  # not square
    [[0.0, np.nan], [1.0, 0.0]],
]


@pytest.mark.parametrize("c", BAD_COALITIONS)
def test_bad_coalitions_raise(c):
    with pytest.raises(ConfigError, match="coalitions"):
        pce_from_coalitions(c)
