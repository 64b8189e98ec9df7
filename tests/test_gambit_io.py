"""Reading and writing Gambit .nfg/.efg files (sim.gambit.nfg, sim.gambit.efg)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pygambit as gbt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.gambit import (
    ExtensiveFormGame,
    GameFileError,
    NormalFormGame,
    format_efg,
    format_nfg,
    parse_efg,
    parse_nfg,
    read_efg,
    read_game,
    read_nfg,
    write_efg,
    write_nfg,
)
from sim.engine.tree import CHANCE, TERMINAL, Chance, Decision, backward_induction, tree_from_rule

# Prisoner's dilemma, strategy 0 = cooperate, 1 = defect; 3/2 and 1.5 are the same number.
PD_PAYOFF = """NFG 1 R "Prisoner's dilemma" { "Row" "Column" }
{ { "C" "D" } { "C" "D" } }
"a comment"

3/2 1.5 5 0 0 5 1 1
"""

PD_OUTCOME = """NFG 1 R "Prisoner's dilemma" { "Row" "Column" }

{ { "C" "D" }
  { "C" "D" }
}
""

{
{ "both cooperate" 1.5, 3/2 }
{ "row defects" 5, 0 }
{ "column defects" 0 5 }
{ "both defect" 1, 1 }
}
1 2 3 4
"""

PD_U = np.array([[[1.5, 0.0], [5.0, 1.0]], [[1.5, 5.0], [0.0, 1.0]]])

# Chance at the root, a personal node carrying an outcome, a reused outcome, and a
# terminal node with the null outcome.
CHANCE_EFG = """EFG 2 R "chance and inner outcomes" { "Ann" "Bob" }
"comment"

c "nature" 1 "" { "good" 1/4 "bad" 0.75 } 0
p "" 1 1 "(1,1)" { "L" "R" } 1 "bonus" { 10, -1/2 }
t "" 2 "x" { 1, 2 }
t "" 3 "y" { 3 4 }
p "" 2 1 "(2,1)" { "l" "r" } 0
t "" 2
t "" 0
"""


def _pd_check(game: NormalFormGame) -> None:
    assert game.title == "Prisoner's dilemma"
    assert game.players == ("Row", "Column")
    assert game.strategies == (("C", "D"), ("C", "D"))
    np.testing.assert_array_equal(game.payoffs, PD_U)


# ---------------------------------------------------------------- hand-written files


def test_pd_payoff_and_outcome_formats_agree():
    a, b = parse_nfg(PD_PAYOFF), parse_nfg(PD_OUTCOME)
    _pd_check(a)
    _pd_check(b)
    assert a.payoffs.shape == (2, 2, 2)


def test_first_player_varies_fastest_in_three_player_game():
    # payoff of each player = 100*a1 + 10*a2 + a3 (+ 1000*i), listed a1 fastest
    shape = (2, 3, 2)
    cells = []
    for a3 in range(2):
        for a2 in range(3):
            for a1 in range(2):
                cells += [1000 * i + 100 * a1 + 10 * a2 + a3 for i in range(3)]
    text = 'NFG 1 R "" { "1" "2" "3" } { 2 3 2 }\n' + " ".join(map(str, cells))
    g = parse_nfg(text)
    assert g.strategies == (("1", "2"), ("1", "2", "3"), ("1", "2"))
    for idx in np.ndindex(shape):
        for i in range(3):
            assert g.payoffs[(i, *idx)] == 1000 * i + 100 * idx[0] + 10 * idx[1] + idx[2]


def test_outcome_format_null_outcome_and_counts():
    text = 'NFG 1 R "t" { "A" "B" } { 2 1 } { { "o" -7/4 .25 } } 0 1'
    g = parse_nfg(text)
    np.testing.assert_array_equal(g.payoffs[:, 0, 0], [0, 0])
    np.testing.assert_array_equal(g.payoffs[:, 1, 0], [-1.75, 0.25])


def test_numbers_rationals_decimals_exponents():
    text = 'NFG 1 R "" { "A" } { 6 } 1/3 -2.5 1e2 .5 -0 12345678901234567890'
    g = parse_nfg(text)
    np.testing.assert_array_equal(g.payoffs[0], [1 / 3, -2.5, 100.0, 0.5, 0.0, 12345678901234567890.0])


def test_escaped_labels():
    g = parse_nfg('NFG 1 R "a \\"quoted\\" \\\\ title" { "P" } { { "x\ny" } } 1')
    assert g.title == 'a "quoted" \\ title'
    assert g.strategies == (("x\ny",),)


def test_efg_chance_node_and_inner_outcomes():
    g = parse_efg(CHANCE_EFG)
    t = g.tree
    assert g.title == "chance and inner outcomes"
    assert t.players == ("Ann", "Bob")
    np.testing.assert_array_equal(t.node_player, [CHANCE, 0, TERMINAL, TERMINAL, 1, TERMINAL, TERMINAL])
    assert t.children == ((1, 4), (2, 3), (), (), (5, 6), (), ())
    assert t.actions[0] == ("good", "bad") and t.actions[1] == ("L", "R") and t.actions[4] == ("l", "r")
    assert t.probs[0] == (0.25, 0.75)
    np.testing.assert_array_equal(t.leaf_index, [-1, -1, 0, 1, -1, 2, 3])
    # the "bonus" outcome at Ann's node adds (10, -1/2) to both leaves below it
    np.testing.assert_array_equal(g.leaf_payoffs, [[11, 1.5], [13, 3.5], [1, 2], [0, 0]])
    bi = backward_induction(t, g.leaf_payoffs)
    np.testing.assert_allclose(bi.root_payoffs[0], [0.25 * 13 + 0.75 * 1, 0.25 * 3.5 + 0.75 * 2])


def test_efg_single_terminal_root():
    g = parse_efg('EFG 2 R "" { "A" } t "" 1 "o" { 7 }')
    assert g.tree.n_nodes == 1 and g.tree.n_leaves == 1
    np.testing.assert_array_equal(g.leaf_payoffs, [[7]])


def test_efg_deep_tree_no_recursion_limit():
    depth = 5000
    lines = ['EFG 2 R "deep" { "A" "B" }', '""']
    for k in range(depth):
        lines.append(f'p "" {k % 2 + 1} {k + 1} "" {{ "stop" "go" }} 0')
        lines.append(f't "" {k + 1} "" {{ {k}, {-k} }}')
    lines.append('t "" 0')
    g = parse_efg("\n".join(lines))
    assert g.tree.n_nodes == 2 * depth + 1 and g.tree.n_leaves == depth + 1
    assert parse_efg(format_efg(g)).tree.children == g.tree.children


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must start with 'NFG'"),
        ('NFG 0 R "" { "A" } { 1 } 1', "unsupported NFG version '0'"),
        ('NFG 1 R "" { "A" "B" } { 2 2 } 1 2 3', "ends too early"),
        ('NFG 1 R "" { "A" } { 1 } 1 2', "unexpected '2' after the payoffs"),
        ('NFG 1 R "" { "A" } { 1 } x', "expected payoff 1 of 1 (a number)"),
        ('NFG 1 R "" { "A" } { 1 } 1/0', "divides by zero"),
        ('NFG 1 R "" { "A" } { 1 } 1e999', "too large for a float"),
        ('NFG 1 R "" { "A" } { 1 } 1e300000', "out of range"),
        ('NFG 1 R "" { "A" } { 1 } 1e308', None),
        ('NFG 1 R "" { "A" } { 1 } 9e308', "too large for a float"),
        ('NFG 1 R "" { "A" "B" } { 1 }', "2 players but strategies for 1"),
        ('NFG 1 R "" { } { }', "no players"),
        ('NFG 1 R "" { "A" } { 0 }', "player 1 has no strategies"),
        ('NFG 1 R "" { "A" "B" } { 100000000000 100000000000 } 1', "count 100000000000 is larger than the file"),
        ('NFG 1 R "" { "A" "B" } { 3 3 } 1 2 3 4 5 6 7 8 9 10', "ends too early: 18 numbers needed"),
        ('NFG 1 R "" { "A" } { 1 } { { "o" 1 } } 2', "refers to outcome 2"),
        ('NFG 1 R "" { "A" "B" } { 1 1 } { { "o" 1 } } 1', "expected 2 payoffs in outcome 1"),
        ('NFG 1 R "unterminated { "A" } { 1 } 1', "unterminated quoted label"),
    ],
)
def test_malformed_nfg(text, message):
    if message is None:
        assert parse_nfg(text).payoffs[0, 0] == 1e308
        return
    with pytest.raises(GameFileError) as err:
        parse_nfg(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


H = 'EFG 2 R "" { "A" "B" }\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('EFG 1 R "" { "A" } t "" 0', "unsupported EFG version '1'"),
        (H + 'p "" 1 1 "" { "x" "y" } 0\nt "" 0', "the tree is incomplete (1 more nodes expected)"),
        (H + 't "" 0\nt "" 0', "unexpected 't' after the last node"),
        (H + 'p "" 3 1 "" { "x" } 0 t "" 0', "player number 3 is out of range"),
        (H + 'p "" 1 1 "" { } 0', "at least one action"),
        (H + 'q "" 0', "expected a node"),
        (H + 't "" 4', "outcome 4 is used before its payoffs are given"),
        (H + 't "" 0 "o" { 1 2 }', "null outcome 0 cannot have a label or payoffs"),
        (H + 'p "" 1 1 "" { "x" "y" } 0\nt "" 1 "o" { 1 2 }\nt "" 1 "o" { 1 3 }', "redefined with different payoffs"),
        (H + 'c "" 1 "" { "x" 1/3 "y" 1/3 } 0 t "" 0 t "" 0', "sum to 2/3, not exactly 1"),
        (H + 'c "" 1 "" { "x" -1/2 "y" 3/2 } 0 t "" 0 t "" 0', "non-negative"),
        (H + 'p "" 1 1 "" 0', "has no action list"),
        (
            H + 'p "" 1 1 "" { "x" "y" } 0\np "" 2 1 "" { "l" "r" } 0\nt "" 0\nt "" 0\n'
            'p "" 2 1 0\nt "" 0\nt "" 0\n',
            "not perfect-information: player 2's information set 1 contains more than one node",
        ),
    ],
)
def test_malformed_efg(text, message):
    with pytest.raises(GameFileError) as err:
        parse_efg(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_efg_error_names_line():
    with pytest.raises(GameFileError, match=r"line 3, column 1: player number 9"):
        parse_efg(H + '""\np "" 9 1 "" { "x" } 0\nt "" 0')


def test_outcome_reuse_with_identical_payoffs_and_shared_chance_infoset():
    text = H + (
        'c "" 1 "" { "x" 1/2 "y" 1/2 } 0\n'
        'c "" 1 0\nt "" 1 "o" { 1, 2 }\nt "" 1 "o" { 1, 2 }\n'
        't "" 1\n'
    )
    g = parse_efg(text)
    assert g.tree.actions[1] == ("x", "y") and g.tree.probs[1] == (0.5, 0.5)
    np.testing.assert_array_equal(g.leaf_payoffs, [[1, 2]] * 3)


def test_missing_file_and_suffix(tmp_path):
    with pytest.raises(GameFileError, match="no such file"):
        read_nfg(tmp_path / "nope.nfg")
    with pytest.raises(GameFileError, match="no such file"):
        read_game(tmp_path / "nope.efg")
    with pytest.raises(GameFileError, match="not a file"):
        read_efg(tmp_path)
    (tmp_path / "game.txt").write_text(PD_PAYOFF)
    with pytest.raises(GameFileError, match="unsupported file type '.txt'"):
        read_game(tmp_path / "game.txt")
    (tmp_path / "pd.NFG").write_text(PD_OUTCOME)
    _pd_check(read_game(tmp_path / "pd.NFG"))
    (tmp_path / "bad.nfg").write_text("NFG 1 R")
    with pytest.raises(GameFileError, match=r"bad\.nfg: unexpected end of file"):
        read_nfg(tmp_path / "bad.nfg")


def test_read_game_dispatch(tmp_path):
    (tmp_path / "g.efg").write_text(CHANCE_EFG)
    assert isinstance(read_game(tmp_path / "g.efg"), ExtensiveFormGame)
    (tmp_path / "g.nfg").write_text(PD_PAYOFF)
    assert isinstance(read_game(str(tmp_path / "g.nfg")), NormalFormGame)


# ---------------------------------------------------------------- random games

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
payoff_values = st.one_of(finite_floats, st.integers(-10, 10).map(float))
any_label = st.text(max_size=6)
# pygambit 16.7 only accepts labels of printable ASCII without leading, trailing or double
# spaces; it mangles backslashes; it renames empty or repeated labels and rejects labels
# that are numerals clashing with its default labels "1", "2", .... Files meant for it
# therefore use distinct, non-numeric, plain labels.
gambit_label = st.from_regex(r'[A-Za-z0-9_.\-"]{1,4}( [A-Za-z0-9_.\-"]{1,3})?', fullmatch=True).filter(
    lambda s: not s.isdigit()
)


def _label_lists(labels, size, distinct):
    return st.lists(labels, min_size=size, max_size=size, unique=distinct).map(tuple)


@st.composite
def normal_form_games(draw, labels=any_label, distinct=False):
    """Random NormalFormGame: 2-4 players, 1-4 strategies each."""
    n = draw(st.integers(2, 4))
    counts = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    if np.prod(counts) > 64:
        counts = [min(c, 2) for c in counts]
    strategies = tuple(draw(_label_lists(labels, c, distinct)) for c in counts)
    payoffs = draw(arrays(float, (n, *counts), elements=payoff_values))
    players = draw(_label_lists(labels, n, distinct))
    return NormalFormGame(draw(labels), players, strategies, payoffs)


@st.composite
def extensive_form_games(draw, labels=any_label, distinct=False, max_depth=4, values=payoff_values):
    """Random perfect-information game: 1-3 players, depth <= max_depth, chance nodes."""
    n = draw(st.integers(1, 3))
    players = draw(_label_lists(labels, n, distinct))

    def rule(history):
        if len(history) >= max_depth or (history and draw(st.integers(0, 2)) == 0):
            return None
        acts = draw(_label_lists(labels, draw(st.integers(1, 3)), distinct))
        if draw(st.integers(0, 4)) == 0:
            w = np.array(draw(st.lists(st.integers(1, 6), min_size=len(acts), max_size=len(acts))))
            return Chance(acts, tuple(w / w.sum()))
        return Decision(draw(st.integers(0, n - 1)), acts)

    tree = tree_from_rule(players, rule)
    lp = draw(arrays(float, (tree.n_leaves, n), elements=values))
    return ExtensiveFormGame(draw(labels), tree, lp)


def _same_tree(a, b) -> None:
    assert a.players == b.players
    np.testing.assert_array_equal(a.node_player, b.node_player)
    assert a.children == b.children
    assert a.actions == b.actions
    assert a.probs == b.probs
    np.testing.assert_array_equal(a.leaf_index, b.leaf_index)


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(normal_form_games(), st.sampled_from(["outcome", "payoff"]))
def test_nfg_round_trip(game, fmt):
    back = parse_nfg(format_nfg(game, format=fmt))
    assert back.title == game.title
    assert back.players == game.players
    assert back.strategies == game.strategies
    assert back.payoffs.shape == game.payoffs.shape
    np.testing.assert_array_equal(back.payoffs, game.payoffs)  # identical floats


@FAST
@given(extensive_form_games())
def test_efg_round_trip(game):
    back = parse_efg(format_efg(game))
    assert back.title == game.title
    _same_tree(back.tree, game.tree)
    np.testing.assert_array_equal(back.leaf_payoffs, game.leaf_payoffs)


def test_write_read_files(tmp_path):
    g = parse_nfg(PD_PAYOFF)
    write_nfg(tmp_path / "a.nfg", g, format="payoff")
    _pd_check(read_nfg(tmp_path / "a.nfg"))
    e = parse_efg(CHANCE_EFG)
    write_efg(tmp_path / "a.efg", e)
    back = read_efg(tmp_path / "a.efg")
    _same_tree(back.tree, e.tree)
    np.testing.assert_array_equal(back.leaf_payoffs, e.leaf_payoffs)
    with pytest.raises(GameFileError, match="unknown .nfg format"):
        format_nfg(g, format="csv")


def test_irregular_chance_probabilities_are_written_summing_to_one():
    probs = (0.1234567, 0.3, 1 - 0.1234567 - 0.3)
    tree = tree_from_rule(("A",), lambda h: Chance(("a", "b", "c"), probs) if not h else None)
    back = parse_efg(format_efg(ExtensiveFormGame("", tree, np.zeros((3, 1))))).tree
    np.testing.assert_allclose(back.probs[0], probs, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- pygambit reads our files


def _gbt_nfg_payoffs(g) -> np.ndarray:
    """pygambit's payoffs as U[i, a_1..a_N] (floats)."""
    players = list(g.players)
    strats = [list(p.strategies) for p in players]
    u = np.zeros((len(players), *(len(s) for s in strats)))
    for idx in np.ndindex(*u.shape[1:]):
        outcome = g[[strats[i][a] for i, a in enumerate(idx)]]
        for i, p in enumerate(players):
            u[(i, *idx)] = 0.0 if outcome is None else float(outcome[p])
    return u


@FAST
@given(normal_form_games(labels=gambit_label, distinct=True), st.sampled_from(["outcome", "payoff"]))
def test_pygambit_reads_our_nfg(tmp_path_factory, game, fmt):
    path = tmp_path_factory.mktemp("nfg") / "g.nfg"
    write_nfg(path, game, format=fmt)
    g = gbt.read_nfg(str(path))
    assert g.title == game.title
    assert tuple(p.label for p in g.players) == game.players
    assert tuple(tuple(s.label for s in p.strategies) for p in g.players) == game.strategies
    np.testing.assert_array_equal(_gbt_nfg_payoffs(g), game.payoffs)


def _gbt_preorder(root):
    """pygambit nodes in preorder (children in action order), iteratively."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(node.children)))


def _gbt_outcome(node, players) -> list[float]:
    try:
        return [float(node.outcome[p]) for p in players]
    except KeyError:  # no outcome attached
        return [0.0] * len(players)


@FAST
@given(extensive_form_games(labels=gambit_label, distinct=True))
def test_pygambit_reads_our_efg(tmp_path_factory, game):
    path = tmp_path_factory.mktemp("efg") / "g.efg"
    write_efg(path, game)
    g = gbt.read_efg(str(path))
    players = list(g.players)
    tree = game.tree
    assert g.title == game.title
    assert tuple(p.label for p in players) == tree.players
    nodes = list(_gbt_preorder(g.root))
    assert len(nodes) == tree.n_nodes
    for v, node in enumerate(nodes):
        kind = tree.node_player[v]
        if kind == TERMINAL:
            assert node.is_terminal
            assert _gbt_outcome(node, players) == list(game.leaf_payoffs[tree.leaf_index[v]])
            continue
        assert tuple(a.label for a in node.infoset.actions) == tree.actions[v]
        assert len(node.infoset.members) == 1
        if kind == CHANCE:
            assert node.player.is_chance
            assert tuple(float(a.prob) for a in node.infoset.actions) == tree.probs[v]
        else:
            assert players.index(node.player) == kind
        assert _gbt_outcome(node, players) == [0.0] * len(players)


def test_pygambit_agrees_on_hand_written_chance_file(tmp_path):
    """Our reading of CHANCE_EFG (outcomes folded into leaves) matches pygambit's tree."""
    path = tmp_path / "c.efg"
    path.write_text(CHANCE_EFG)
    ours = read_efg(path)
    g = gbt.read_efg(str(path))
    players = list(g.players)
    leaves, acc = [], {g.root: np.array(_gbt_outcome(g.root, players))}
    for node in _gbt_preorder(g.root):
        for child in node.children:
            acc[child] = acc[node] + _gbt_outcome(child, players)
        if node.is_terminal:
            leaves.append(acc[node])
    np.testing.assert_array_equal(np.array(leaves), ours.leaf_payoffs)
    assert [Fraction(a.prob) for a in g.root.infoset.actions] == [Fraction(1, 4), Fraction(3, 4)]


# ---------------------------------------------------------------- fuzzing

VALID_TEXTS = [PD_PAYOFF, PD_OUTCOME, CHANCE_EFG, H + 'p "" 1 1 "" { "x" "y" } 0\nt "" 1 "o" { 1 2 }\nt "" 0']
VOCAB = ['"', "{", "}", ",", " ", "\n", "\\", "0", "1", "-", "/", ".", "e", "9999999999", "1/0",
         "p", "c", "t", '""', "NFG", "EFG", "R", "1e400"]


def _parse_any(text):
    """Parse as .nfg or .efg by the header; a game or GameFileError, nothing else."""
    parser = parse_efg if text.lstrip().startswith("EFG") else parse_nfg
    return parser(text)


def _check_result(text) -> None:
    try:
        game = _parse_any(text)
    except GameFileError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    if isinstance(game, NormalFormGame):
        n = len(game.players)
        assert game.payoffs.shape == (n, *(len(s) for s in game.strategies))
        assert np.all(np.isfinite(game.payoffs))
    else:
        assert game.leaf_payoffs.shape == (game.tree.n_leaves, game.tree.n_players)
        backward_induction(game.tree, game.leaf_payoffs)  # the tree is consistent


@st.composite
def mutated_texts(draw):
    text = draw(st.sampled_from(VALID_TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "delete", "insert", "replace"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        piece = draw(st.one_of(st.sampled_from(VOCAB), st.text(max_size=4)))
        if op == "truncate":
            text = text[:i]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + piece + text[i:]
        else:
            text = text[:i] + piece + text[j:]
    return text


@settings(max_examples=300, deadline=2000)
@given(mutated_texts())
def test_fuzz_mutated_files(text):
    _check_result(text)


@settings(max_examples=100, deadline=2000)
@given(st.sampled_from([b"", b"NFG 1 R ", b'EFG 2 R "" { "A" } ']), st.binary(max_size=80))
def test_fuzz_random_bytes(prefix, data):
    for parser in (parse_nfg, parse_efg):
        try:
            parser(prefix + data)
        except GameFileError:
            pass
