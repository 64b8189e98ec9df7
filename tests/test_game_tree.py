"""The game tree drawn at a point (sim/figures/game_tree.py) and ``sim-plot --tree``.

The path drawn is the ``spe`` solver's; every folded option shows the best replies that
really follow it (checked against the leaf payoffs, not the drawing code's own solver);
the figure's texts neither overlap nor leave the page; the command writes a PNG.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from sim.cli import plot as plot_cli
from sim.engine.params import replace_values
from sim.engine.scenario import leaf_payoffs
from sim.figures import game_tree
from sim.figures.style import PAGE_WIDTH, action_name, save_formats
from sim.scenarios import get_scenario
from sim.solvers.spe import solve_spe
from sim.store.columns import slug

matplotlib.use("Agg")

SC = get_scenario("iraq2020")
POINTS = {
    "baseline": {},  # negotiated drawdown
    "nationalist": {"iraq.nationalism": 8.0},  # hedging, with Iran restraining
    "no offer": {"russia.offer_value": 0.0},  # a tie on the path
}


def params_at(values: dict):
    return replace_values(SC.params_cls(), values)


def spe(values: dict) -> tuple[list[tuple[str, str]], str]:
    """The spe solver's path, ``(actor, action code)`` each, and its regime."""
    cols = solve_spe(SC, params_at(values))
    return [(a, cols[f"spe_{slug(a)}"][0].as_py()) for a in SC.players], cols["spe_regime"][0].as_py()


def drawn_path(fig) -> tuple[list[tuple[str, str]], str]:
    """The path the figure highlights: its bold option texts (gid ``path:<actor>:<code>``)
    in drawing order, and the text at the path's end."""
    texts = [t for t in fig.findobj(Text) if (t.get_gid() or "").startswith("path:")]
    steps = [tuple(t.get_gid().split(":")[1:]) for t in texts if t.get_gid() != "path:leaf"]
    for t in texts:
        if t.get_gid() != "path:leaf":
            actor, code = t.get_gid().split(":")[1:]
            assert " ".join(t.get_text().split()) == action_name(SC, actor, code)
            assert t.get_fontweight() == "bold"
    leaf = next(t for t in texts if t.get_gid() == "path:leaf")
    return steps, " ".join(leaf.get_text().split())


@pytest.mark.parametrize("name", list(POINTS))
def test_the_highlighted_path_is_the_spe_path(name):
    fig = game_tree.game_tree_figure(SC, params_at(POINTS[name]))
    assert drawn_path(fig) == spe(POINTS[name])


def test_a_point_where_the_regime_changes_changes_the_path():
    base, moved = spe(POINTS["baseline"]), spe(POINTS["nationalist"])
    assert base[1] != moved[1] and base[0] != moved[0]
    assert drawn_path(game_tree.game_tree_figure(SC, params_at(POINTS["nationalist"]))) == moved


def _leaf(history: tuple[str, ...]) -> int:
    return SC.sequential.tree.leaf_histories().index(history)


@pytest.mark.parametrize("name", ["baseline", "nationalist"])
def test_folded_options_show_the_best_replies_that_follow(name):
    """Each option's value is the mover's payoff at the leaf its shown continuation
    reaches; the path takes the best option at every node; and at every folded option
    the last mover's shown reply is its best one there (the threat is credible)."""
    lp = leaf_payoffs(SC, params_at(POINTS[name]))[0]
    rows = game_tree.tree_rows(SC, params_at(POINTS[name]))
    path = tuple(r.code for r in rows if r.kind == "option" and r.on_path)
    last = SC.move_order[-1]
    for r in (r for r in rows if r.kind == "option"):
        depth = r.level
        i = SC.players.index(r.actor)
        if r.on_path:
            siblings = [s.value for s in rows if s.kind in ("option", "others") and s.level == depth]
            assert r.value == max(siblings)
            continue
        history = path[:depth] + (r.code,) + tuple(c for _, c in r.follow)
        leaf = _leaf(history)
        assert r.value == lp[leaf, i]
        assert SC.regimes[SC.sequential.regime[leaf]] == SC.regimes[r.regime]
        replies = [lp[_leaf(history[:-1] + (a,)), last] for a in SC.actors[last].actions]
        assert lp[leaf, last] == max(replies)
    leaf = next(r for r in rows if r.kind == "leaf")
    np.testing.assert_array_equal(leaf.payoffs, lp[_leaf(path)])


def test_a_tie_on_the_path_is_marked_and_explained():
    fig = game_tree.game_tree_figure(SC, params_at(POINTS["no offer"]))
    assert any(t.get_gid() == "tie" for t in fig.findobj(Text))
    assert any(game_tree.TIE_NOTE == " ".join(t.get_text().split()) for t in fig.findobj(Text))
    plain = game_tree.game_tree_figure(SC, params_at(POINTS["baseline"]))
    assert not any(t.get_gid() == "tie" for t in plain.findobj(Text))


@pytest.mark.parametrize("name", ["baseline", "nationalist"])
def test_texts_neither_overlap_nor_leave_the_page(name):
    fig = game_tree.game_tree_figure(SC, params_at(POINTS[name]))
    assert fig.get_figwidth() == PAGE_WIDTH
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text) if t.get_text().strip()]
    page = fig.bbox
    for text, box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text
    for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
        overlap = min(ba.x1, bb.x1) - max(ba.x0, bb.x0), min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        assert min(overlap) <= 0.5, f"{a!r} overlaps {b!r}"


def test_the_title_names_the_point_in_words():
    fig = game_tree.game_tree_figure(SC, params_at({"iraq.nationalism": 8.0}))
    title = next(" ".join(t.get_text().split()) for t in fig.findobj(Text) if t.get_text().startswith("Sequential"))
    assert title == "Sequential game at Iraqi nationalist cost of hosting US troops = 8 $bn/yr: " \
                    "the subgame-perfect path ends in hedging"


def test_one_point_only():
    batch = replace_values(SC.params_cls(), {"iraq.nationalism": np.array([[1.0, 2.0]])})
    with pytest.raises(ValueError, match="one parameter point"):
        game_tree.game_tree_figure(SC, batch)


def test_same_point_same_bytes(tmp_path):
    first, second = (save_formats(game_tree.game_tree_figure(SC, params_at({})), tmp_path, stem, ["png"])[0]
                     for stem in ("a", "b"))
    assert first.read_bytes() == second.read_bytes()


def test_sim_plot_tree_writes_a_png(tmp_path, capsys):
    out = tmp_path / "tree.png"
    assert plot_cli.main(["--tree", "--at", "iraq.nationalism=8", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == round(PAGE_WIDTH * 200) and height > width  # 200 dpi, a page tall


@pytest.mark.parametrize("args, message", [
    (["--tree", "--at", "iraq.nationalsm=8"], "did you mean 'iraq.nationalism'?"),
    (["--tree", "--at", "iraq.nationalism=99"], "out of range; allowed: [0.0, 20.0] $bn/yr"),
    (["--tree", "--out", "tree.gif"], "the suffix gives the format"),
    (["--at", "iraq.nationalism=8"], "--at goes with --tree"),
])
def test_sim_plot_tree_bad_input_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    try:
        status = plot_cli.main(args)
    except SystemExit as exc:  # argparse's usage errors exit from inside
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sim-plot: error: ") and message in err, err
    assert not list(tmp_path.iterdir())
