"""Backward induction on perfect-information trees (``sim/engine/tree.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.tree import (
    CHANCE,
    TERMINAL,
    Chance,
    Decision,
    backward_induction,
    spe_path_labels,
    tree_from_rule,
)


def tree_from_dict(players, spec):
    """A tree from ``{history: Decision | Chance}``; missing histories are leaves."""
    return tree_from_rule(players, lambda h: spec.get(h))


def reference_solve(tree, leaf_payoffs, atol=1e-9):
    """Plain recursive backward induction of one game (first best action wins).

    Returns (values (n_nodes, N), choice (n_nodes,), tie (n_nodes,)).
    """
    n = tree.n_nodes
    values = np.zeros((n, tree.n_players))
    choice = np.full(n, -1)
    tie = np.zeros(n, dtype=bool)

    def solve(v):
        kind = tree.node_player[v]
        if kind == TERMINAL:
            values[v] = leaf_payoffs[tree.leaf_index[v]]
            return
        for c in tree.children[v]:
            solve(c)
        kid_vals = np.array([values[c] for c in tree.children[v]])
        if kind == CHANCE:
            values[v] = np.asarray(tree.probs[v]) @ kid_vals
            return
        own = kid_vals[:, kind]
        best = own.max()
        ties = [k for k, x in enumerate(own) if x >= best - atol]
        choice[v] = ties[0]
        tie[v] = len(ties) > 1
        values[v] = kid_vals[ties[0]]

    solve(0)
    return values, choice, tie


# ---------------------------------------------------------------------------
# entry deterrence and other hand-solved trees
# ---------------------------------------------------------------------------

ENTRY = tree_from_dict(
    ["Entrant", "Incumbent"],
    {
        (): Decision(0, ("stay out", "enter")),
        ("enter",): Decision(1, ("fight", "accommodate")),
    },
)
# leaves in preorder: stay out, fight, accommodate;  payoffs (Entrant, Incumbent)
ENTRY_PAYOFFS = np.array([[0.0, 2.0], [-1.0, -1.0], [1.0, 1.0]])


def test_entry_tree_structure():
    t = ENTRY
    assert t.n_nodes == 5
    assert t.n_players == 2
    assert t.n_leaves == 3
    np.testing.assert_array_equal(t.node_player, [0, TERMINAL, 1, TERMINAL, TERMINAL])
    np.testing.assert_array_equal(t.leaf_index, [-1, 0, -1, 1, 2])
    np.testing.assert_array_equal(t.leaves, [1, 3, 4])
    np.testing.assert_array_equal(t.depth(), [0, 1, 1, 2, 2])
    assert t.children == ((1, 2), (), (3, 4), (), ())
    assert t.leaf_histories() == [("stay out",), ("enter", "fight"), ("enter", "accommodate")]


def test_entry_deterrence_threat_not_credible():
    bi = backward_induction(ENTRY, ENTRY_PAYOFFS)
    assert bi.values.shape == (1, 5, 2)
    np.testing.assert_array_equal(bi.choice[0], [1, -1, 1, -1, -1])
    assert spe_path_labels(ENTRY, bi.choice[0]) == ["enter", "accommodate"]
    assert bi.path_leaf.tolist() == [2]
    np.testing.assert_array_equal(bi.root_payoffs, [[1.0, 1.0]])
    np.testing.assert_array_equal(bi.values[0, 2], [1.0, 1.0])
    assert not bi.tie.any()
    assert bi.tie_on_path.tolist() == [False]
    assert bi.tie_anywhere.tolist() == [False]


def test_entry_deterrence_when_fighting_pays():
    # the incumbent likes fighting: the entrant stays out
    payoffs = np.array([[0.0, 2.0], [-1.0, 3.0], [1.0, 1.0]])
    bi = backward_induction(ENTRY, payoffs)
    assert spe_path_labels(ENTRY, bi.choice[0]) == ["stay out"]
    assert bi.path_leaf.tolist() == [0]
    assert bi.choice[0, 2] == 0  # the off-path plan: fight
    np.testing.assert_array_equal(bi.root_payoffs[0], [0.0, 2.0])


def test_three_player_three_level_tree():
    # A picks L/M/R; after L, B picks x/y; after (L, x), C picks p/q; M, R end the game
    t = tree_from_dict(
        ["A", "B", "C"],
        {
            (): Decision(0, ("L", "M", "R")),
            ("L",): Decision(1, ("x", "y")),
            ("L", "x"): Decision(2, ("p", "q")),
        },
    )
    # leaves: Lxp, Lxq, Ly, M, R
    payoffs = np.array(
        [
            [5, 1, 0],  # L x p
            [0, 4, 1],  # L x q   <- C prefers q, so B gets 4 from x
            [3, 2, 9],  # L y
            [2, 0, 0],  # M
            [1, 9, 9],  # R
        ],
        dtype=float,
    )
    bi = backward_induction(t, payoffs)
    # C: q (1 > 0); B: x (4 > 2) -> A gets 0 from L, 2 from M, 1 from R -> M
    assert spe_path_labels(t, bi.choice[0]) == ["M"]
    assert bi.path_leaf.tolist() == [3]
    np.testing.assert_array_equal(bi.values[0, 0], [2, 0, 0])
    np.testing.assert_array_equal(bi.values[0, 1], [0, 4, 1])  # value of the L subgame
    # A prefers L when the value of L x q rises
    payoffs[1, 0] = 2.5
    bi = backward_induction(t, payoffs)
    assert spe_path_labels(t, bi.choice[0]) == ["L", "x", "q"]
    assert bi.path_leaf.tolist() == [1]


# ---------------------------------------------------------------------------
# tie-break and tie flags
# ---------------------------------------------------------------------------

# A: out / in; after in, B chooses x / y.  Leaves: out, in-x, in-y.
OUT_IN = tree_from_dict(
    ["A", "B"],
    {(): Decision(0, ("out", "in")), ("in",): Decision(1, ("x", "y"))},
)


def test_off_path_tie():
    # B is indifferent between x and y (5 each): takes x (the first), leaving A 1 < 2;
    # had B broken the tie towards y, A would have entered (3 > 2).
    payoffs = np.array([[2.0, 0.0], [1.0, 5.0], [3.0, 5.0]])
    bi = backward_induction(OUT_IN, payoffs)
    assert bi.choice[0, 2] == 0
    assert bi.tie[0].tolist() == [False, False, True, False, False]
    assert spe_path_labels(OUT_IN, bi.choice[0]) == ["out"]
    assert bi.path_leaf.tolist() == [0]
    assert bi.tie_on_path.tolist() == [False]
    assert bi.tie_anywhere.tolist() == [True]


def test_on_path_tie():
    payoffs = np.array([[0.0, 0.0], [1.0, 5.0], [3.0, 5.0]])
    bi = backward_induction(OUT_IN, payoffs)
    assert spe_path_labels(OUT_IN, bi.choice[0]) == ["in", "x"]
    assert bi.path_leaf.tolist() == [1]
    np.testing.assert_array_equal(bi.root_payoffs[0], [1.0, 5.0])
    assert bi.tie_on_path.tolist() == [True]
    assert bi.tie_anywhere.tolist() == [True]


def test_root_tie_first_action_wins():
    payoffs = np.array([[1.0, 0.0], [1.0, 7.0], [0.0, 3.0]])  # out = in = 1 for A
    bi = backward_induction(OUT_IN, payoffs)
    assert spe_path_labels(OUT_IN, bi.choice[0]) == ["out"]
    assert bi.tie[0, 0]
    assert bi.tie_on_path.tolist() == [True]
    # reversing the order of A's actions reverses the choice
    rev = tree_from_dict(
        ["A", "B"],
        {(): Decision(0, ("in", "out")), ("in",): Decision(1, ("x", "y"))},
    )
    # leaves: in-x, in-y, out
    bi_rev = backward_induction(rev, payoffs[[1, 2, 0]])
    assert spe_path_labels(rev, bi_rev.choice[0]) == ["in", "x"]


def test_no_tie_flags_when_strict():
    payoffs = np.array([[2.0, 0.0], [1.0, 5.0], [3.0, 4.0]])
    bi = backward_induction(OUT_IN, payoffs)
    assert not bi.tie_anywhere[0] and not bi.tie_on_path[0]


def test_tie_tolerance():
    payoffs = np.array([[2.0, 0.0], [1.0, 5.0], [3.0, 5.0 + 1e-12]])
    bi = backward_induction(OUT_IN, payoffs)  # default atol: a tie, first action wins
    assert bi.choice[0, 2] == 0 and bi.tie[0, 2]
    bi = backward_induction(OUT_IN, payoffs, atol=0.0)  # exact: y is strictly better
    assert bi.choice[0, 2] == 1 and not bi.tie[0, 2]
    assert spe_path_labels(OUT_IN, bi.choice[0]) == ["in", "y"]
    assert not bi.tie_anywhere[0]


# ---------------------------------------------------------------------------
# chance nodes
# ---------------------------------------------------------------------------

GAMBLE = tree_from_dict(
    ["A"],
    {
        (): Decision(0, ("safe", "gamble")),
        ("gamble",): Chance(("win", "lose"), (0.5, 0.5)),
    },
)


def test_decision_then_chance():
    assert GAMBLE.node_player.tolist() == [0, TERMINAL, CHANCE, TERMINAL, TERMINAL]
    assert GAMBLE.probs[2] == (0.5, 0.5)
    # safe 1; gamble 0.5 * 3 + 0.5 * (-0.5) = 1.25
    bi = backward_induction(GAMBLE, np.array([[1.0], [3.0], [-0.5]]))
    assert spe_path_labels(GAMBLE, bi.choice[0]) == ["gamble"]
    assert bi.path_leaf.tolist() == [-1]  # the path meets a chance node
    assert bi.root_payoffs[0, 0] == pytest.approx(1.25)
    assert bi.values[0, 2, 0] == pytest.approx(1.25)
    assert bi.choice[0, 2] == -1  # no choice at chance nodes
    # gamble 0.5 * 3 + 0.5 * (-2) = 0.5 < 1
    bi = backward_induction(GAMBLE, np.array([[1.0], [3.0], [-2.0]]))
    assert spe_path_labels(GAMBLE, bi.choice[0]) == ["safe"]
    assert bi.path_leaf.tolist() == [0]
    assert bi.root_payoffs[0, 0] == pytest.approx(1.0)
    # equal expected value: a tie, the first action (safe) wins
    bi = backward_induction(GAMBLE, np.array([[1.0], [3.0], [-1.0]]))
    assert spe_path_labels(GAMBLE, bi.choice[0]) == ["safe"]
    assert bi.tie_on_path[0]


def test_chance_root_expected_values():
    # nature: heads (1/4) or tails (3/4); then A picks, then game ends
    t = tree_from_dict(
        ["A", "B"],
        {
            (): Chance(("heads", "tails"), (0.25, 0.75)),
            ("heads",): Decision(0, ("a", "b")),
            ("tails",): Decision(1, ("c", "d")),
        },
    )
    # leaves: heads-a, heads-b, tails-c, tails-d
    payoffs = np.array([[4.0, 0.0], [8.0, 4.0], [0.0, 2.0], [4.0, 2.0]])
    bi = backward_induction(t, payoffs)
    # heads: A picks b -> (8, 4); tails: B ties (2 = 2) and picks c -> (0, 2)
    np.testing.assert_allclose(bi.root_payoffs[0], [0.25 * 8 + 0.75 * 0, 0.25 * 4 + 0.75 * 2])
    assert bi.choice[0].tolist() == [-1, 1, -1, -1, 0, -1, -1]
    assert bi.path_leaf.tolist() == [-1]
    assert spe_path_labels(t, bi.choice[0]) == []
    # the tie after tails is below the chance node, so not on the (empty) path
    assert bi.tie_on_path.tolist() == [False]
    assert bi.tie_anywhere.tolist() == [True]


# ---------------------------------------------------------------------------
# batches
# ---------------------------------------------------------------------------


def _mixed_tree():
    """Two players, depth 4, uneven branching, one chance node below the root."""
    return tree_from_dict(
        ["P0", "P1"],
        {
            (): Decision(0, ("a", "b", "c")),
            ("a",): Decision(1, ("a1", "a2")),
            ("a", "a1"): Decision(0, ("u", "v", "w")),
            ("a", "a2"): Chance(("lo", "hi"), (0.3, 0.7)),
            ("a", "a2", "hi"): Decision(1, ("s", "t")),
            ("b",): Decision(1, ("b1", "b2", "b3")),
            ("b", "b2"): Decision(0, ("y", "z")),
        },
    )


def test_batch_equals_each_game_alone_and_reference():
    t = _mixed_tree()
    rng = np.random.default_rng(2024)
    # small integers: many ties, in both players and at every depth
    payoffs = rng.integers(0, 3, size=(200, t.n_leaves, t.n_players)).astype(float)
    bi = backward_induction(t, payoffs)
    assert bi.values.shape == (200, t.n_nodes, 2)
    assert bi.choice.shape == bi.tie.shape == (200, t.n_nodes)
    assert bi.path_leaf.shape == bi.tie_on_path.shape == bi.tie_anywhere.shape == (200,)
    assert bi.tie_anywhere.any() and not bi.tie_anywhere.all()
    assert (bi.path_leaf == -1).any() and (bi.path_leaf >= 0).any()
    for b in range(len(payoffs)):
        one = backward_induction(t, payoffs[b])
        np.testing.assert_array_equal(one.values[0], bi.values[b])
        np.testing.assert_array_equal(one.choice[0], bi.choice[b])
        np.testing.assert_array_equal(one.tie[0], bi.tie[b])
        assert one.path_leaf[0] == bi.path_leaf[b]
        assert one.tie_on_path[0] == bi.tie_on_path[b]
        assert one.tie_anywhere[0] == bi.tie_anywhere[b]
        values, choice, tie = reference_solve(t, payoffs[b])
        np.testing.assert_allclose(bi.values[b], values, atol=1e-12)
        np.testing.assert_array_equal(bi.choice[b], choice)
        np.testing.assert_array_equal(bi.tie[b], tie)
        labels = spe_path_labels(t, bi.choice[b])
        if bi.path_leaf[b] >= 0:
            assert tuple(labels) == t.leaf_histories()[bi.path_leaf[b]]
        else:
            assert labels[:2] == ["a", "a2"]  # the only route to the chance node


def test_batch_float_payoffs_reference():
    t = _mixed_tree()
    rng = np.random.default_rng(7)
    payoffs = rng.normal(size=(100, t.n_leaves, t.n_players))
    bi = backward_induction(t, payoffs)
    assert not bi.tie_anywhere.any()
    for b in range(len(payoffs)):
        values, choice, _ = reference_solve(t, payoffs[b])
        np.testing.assert_allclose(bi.values[b], values, atol=1e-12)
        np.testing.assert_array_equal(bi.choice[b], choice)


def test_two_dim_payoffs_equal_batch_of_one():
    a = backward_induction(ENTRY, ENTRY_PAYOFFS)
    b = backward_induction(ENTRY, ENTRY_PAYOFFS[None])
    for name in ("values", "choice", "tie", "path_leaf", "tie_on_path", "tie_anywhere"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        (3,),  # 1-D
        (3, 3),  # wrong number of players
        (2, 2),  # wrong number of leaves
        (1, 4, 2),  # wrong number of leaves, batched
        (1, 3, 1),  # wrong number of players, batched
        (1, 1, 3, 2),  # 4-D
    ],
)
def test_leaf_payoff_shape_validation(shape):
    with pytest.raises(ValueError):
        backward_induction(ENTRY, np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_leaf_payoffs_raise(bad):
    payoffs = ENTRY_PAYOFFS.copy()
    payoffs[1, 1] = bad
    with pytest.raises(ValueError):
        backward_induction(ENTRY, payoffs)


@pytest.mark.parametrize(
    "spec",
    [
        {(): Decision(0, ())},  # no actions
        {(): Decision(2, ("a", "b"))},  # unknown player
        {(): Decision(-1, ("a", "b"))},  # negative player index
        {(): Chance(("a", "b"), (0.5, 0.6))},  # probabilities do not sum to 1
        {(): Chance(("a", "b"), (1.5, -0.5))},  # negative probability
        {(): Chance(("a", "b"), (1.0,))},  # length mismatch
        {(): Chance((), ())},  # no actions
    ],
)
def test_tree_from_rule_validation(spec):
    with pytest.raises(ValueError):
        tree_from_dict(["A", "B"], spec)


def test_nan_chance_probabilities_raise():
    with pytest.raises(ValueError):
        tree_from_dict(["A"], {(): Chance(("a", "b"), (float("nan"), float("nan")))})


def test_single_leaf_tree():
    t = tree_from_rule(["A"], lambda h: None)
    bi = backward_induction(t, np.array([[1.0]]))
    assert bi.path_leaf.tolist() == [0]
    assert spe_path_labels(t, bi.choice[0]) == []


# ---------------------------------------------------------------------------
# Drezner (1998): the coercion game as a sequential tree
# ---------------------------------------------------------------------------

SENDER, TARGET = 0, 1


def coercion_tree():
    return tree_from_dict(
        ["Sender", "Target"],
        {
            (): Decision(SENDER, ("no demand", "demand")),
            ("demand",): Decision(TARGET, ("acquiesce", "stand firm")),
            ("demand", "stand firm"): Decision(SENDER, ("back down", "impose sanctions")),
        },
    )


def coercion_payoffs(D, c_s, c_t, sigma, beta_s, beta_t):
    """Leaf utilities U_i = beta_i P_i + (1 - beta_i)(P_i - P_j) over the raw outcomes.

    Leaves in preorder: no demand (status quo ante), acquiesce, back down (status
    quo), impose sanctions (deadlock).
    """
    raw = np.array(
        [
            [sigma, sigma],  # status quo ante
            [D, -D],  # acquiescence
            [0.0, 0.0],  # status quo
            [-c_s, -c_t],  # deadlock
        ]
    )
    beta = np.array([beta_s, beta_t])
    other = raw[:, ::-1]  # P_j: the other player's raw payoff
    return beta * raw + (1 - beta) * (raw - other)


DREZNER_CASES = [
    # (D, c_s, c_t, sigma, beta_S, beta_T), expected SPE path
    ((1.0, 1.0, 3.0, 0.1, 1.0, 1.0), ["no demand"]),
    ((0.8, 1.0, 3.0, 0.1, 0.0, 0.0), ["demand", "acquiesce"]),
    ((1.2, 1.0, 3.0, 0.1, 0.0, 0.0), ["demand", "stand firm", "impose sanctions"]),
]


def test_coercion_tree_leaves():
    t = coercion_tree()
    assert t.leaf_histories() == [
        ("no demand",),
        ("demand", "acquiesce"),
        ("demand", "stand firm", "back down"),
        ("demand", "stand firm", "impose sanctions"),
    ]


def test_coercion_payoff_formula():
    # absolute gains (beta = 1): utilities are the raw payoffs
    np.testing.assert_allclose(
        coercion_payoffs(1, 1, 3, 0.1, 1, 1), [[0.1, 0.1], [1, -1], [0, 0], [-1, -3]]
    )
    # relative gains (beta = 0): P_i - P_j
    np.testing.assert_allclose(
        coercion_payoffs(0.8, 1, 3, 0.1, 0, 0), [[0, 0], [1.6, -1.6], [0, 0], [2, -2]]
    )


@pytest.mark.parametrize("params, path", DREZNER_CASES)
def test_drezner_coercion_spe(params, path):
    t = coercion_tree()
    bi = backward_induction(t, coercion_payoffs(*params))
    assert spe_path_labels(t, bi.choice[0]) == path
    assert bi.path_leaf[0] == t.leaf_histories().index(tuple(path))
    assert not bi.tie_anywhere[0]


def test_drezner_cases_as_one_batch():
    t = coercion_tree()
    payoffs = np.stack([coercion_payoffs(*p) for p, _ in DREZNER_CASES])
    bi = backward_induction(t, payoffs)
    assert [spe_path_labels(t, c) for c in bi.choice] == [path for _, path in DREZNER_CASES]
    assert bi.path_leaf.tolist() == [0, 1, 3]
