"""The trajectory figure (``sim/figures/abm_trajectory.py``) and the words it shares with
its caption (``sim/figures/abm_words.py``), on synthetic trajectory tables."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.colors import to_rgba

from figcheck import flat, label_problems, layout_problems

from sim.figures import abm as pa_, abm_trajectory as atr, abm_words as words
from sim.figures import style as figstyle


def synthetic_trajectory(shocks, pure_nash, steps=10, settled_by=None, settle_window=None, actors=None):
    """Trajectory tables of ``steps + 1`` steps (uniform shares) for actors A (a1, a2) and
    B (b1, b2, b3), with the metadata :mod:`sim.abm.trajectory` writes (``settled_by`` and
    ``settle_window`` left out when None, as in tables of older runs)."""
    actors = actors or (("A", ["a1", "a2"]), ("B", ["b1", "b2", "b3"]))
    step = np.arange(steps + 1)
    rows = {"step": [], "actor": [], "action": [], "share": []}
    for actor, actions in actors:
        for s in step:
            for act in actions:
                rows["step"].append(int(s))
                rows["actor"].append(actor)
                rows["action"].append(act)
                rows["share"].append(1.0 / len(actions))
    meta = {"rule": "fictitious_play", "replicates": 7, "steps": steps, "players": [a for a, _ in actors],
            "pure_nash": pure_nash, "shocks": shocks}
    if settled_by is not None:
        meta.update(settled_by=settled_by, settle_window=settle_window)
    shares = pa.table(rows).replace_schema_metadata({b"sim": json.dumps(meta).encode()})
    stats = pa.table({"step": step, "share_at_nash": np.linspace(0, 1, steps + 1), "mean_nash_conv": np.zeros(steps + 1)})
    return shares, stats


def legend_labels(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def panels(fig):
    return [ax for ax in fig.axes if ax.get_title(loc="left")]


def explanation(fig) -> list[str]:
    """The texts of the explanation legend (the free cell), unwrapped."""
    (ax,) = [ax for ax in fig.axes if ax.get_legend() and not ax.axison]
    return [flat(t) for t in legend_labels(ax.get_legend())]


def test_trajectory_figure_marks_shocks_and_several_equilibria():
    shocks = [{"step": 5, "set": {"iraq.nationalism": 12.0}}]
    shares, stats = synthetic_trajectory(shocks, [["a1", "b2"], ["a2", "b2"]])
    fig = atr.trajectory_figure(shares, stats)
    assert "fictitious play" in fig.get_suptitle() and "7 runs × 10 steps" in fig.get_suptitle()
    assert len(panels(fig)) == 3  # A, B, share at NE
    for ax in panels(fig):
        vlines = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
        assert [tuple(ln.get_xdata()) for ln in vlines] == [(5.0, 5.0)]
    a, b = panels(fig)[:2]
    gids = lambda ax: sorted(ln.get_gid() for ln in ax.get_lines() if (ln.get_gid() or "").startswith("ne:"))
    assert gids(a) == ["ne:A:a1:0", "ne:A:a2:1"] and gids(b) == ["ne:B:b2:0", "ne:B:b2:1"]
    assert sorted(t.get_text() for t in a.texts) == ["1", "2"]  # equilibria numbered
    guides = [ln for ln in b.get_lines() if (ln.get_gid() or "").startswith("ne_line:")]
    assert len(guides) == 2  # b2 is the action of both NE: one guide in each NE's colour, interleaved
    assert {tuple(g.get_xdata()) for g in guides} == {(0, 5.0)}  # up to the shock
    assert [to_rgba(g.get_color()) for g in guides] == [to_rgba(c) for c in atr.NE_COLOURS[:2]]
    assert any("shock at step 5: iraq.nationalism = 12" in t for t in explanation(fig))
    assert fig.get_size_inches()[0] <= figstyle.PAGE_WIDTH
    assert layout_problems(fig) == []


def test_colours_mean_the_same_in_every_panel():
    """Colour k is the action of exact pure NE k in every panel (line, marker); an action of
    no NE is grey, never an NE colour; no colour stands for two meanings."""
    ne = [["a2", "b3"], ["a1", "b3"]]
    shares, stats = synthetic_trajectory([], ne, actors=(("A", ["a1", "a2", "a3"]), ("B", ["b1", "b2", "b3", "b4"])))
    fig = atr.trajectory_figure(shares, stats)
    meaning: dict = {}  # colour -> what it stands for
    for ax, pos in zip(panels(fig)[:2], (0, 1)):
        lines = {ln.get_label(): ln for ln in ax.get_lines() if not (ln.get_gid() or "").startswith("ne")
                 and not ln.get_label().startswith("_")}
        for action, line in lines.items():
            first = next((e for e, prof in enumerate(ne) if prof[pos] == action), None)
            what = f"NE {first}" if first is not None else "no NE"
            if first is None:
                assert to_rgba(line.get_color()) in {to_rgba(g) for g in atr.OTHER_GREYS}
            meaning.setdefault(to_rgba(line.get_color()), set()).add(what)
        for m in [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("ne:")]:
            e = int(m.get_gid().split(":")[3])
            assert to_rgba(m.get_color()) == to_rgba(atr.NE_COLOURS[e])
            assert m.get_gid().split(":")[2] == ne[e][pos]
        bold = [t.get_text() for t in ax.get_legend().get_texts() if t.get_fontweight() == "bold"]
        assert sorted(bold) == sorted({prof[pos] for prof in ne})
    assert all(len(v) == 1 for v in meaning.values()), meaning
    assert {to_rgba(atr.NE_COLOURS[0]), to_rgba(atr.NE_COLOURS[1])} <= set(meaning)
    styles = atr.action_styles(["b1", "b2", "b3", "b4"], atr.ne_actions(ne, 1))
    others = [(st["color"], str(st["linestyle"])) for a, st in styles.items() if a != "b3"]
    assert len(set(others)) == 3  # b1, b2, b4: grey, told apart by shade and dashes
    assert layout_problems(fig) == []


def test_trajectories_are_cut_where_play_has_settled_plus_a_margin():
    shares, stats = synthetic_trajectory([], [["a1", "b3"]], steps=100, settled_by=30, settle_window=20)
    fig = atr.trajectory_figure(shares, stats)
    for ax in panels(fig):
        assert ax.get_xlim() == (0.0, 50.0)
        assert max(float(np.max(ln.get_xdata())) for ln in ax.get_lines() if not ln.get_gid()) == 50.0
    assert "Steps 0–50 of 100 shown: no run changed its play after step 30" in explanation(fig)
    assert "7 runs × 100 steps" in fig.get_suptitle()  # the title still gives the runs' length
    assert layout_problems(fig) == []


@pytest.mark.parametrize("meta, expected", [
    ({"steps": 100, "settled_by": 30, "settle_window": 20}, (50, 30)),
    ({"steps": 100, "settled_by": 30, "settle_window": 20, "shocks": [{"step": 60, "set": {}}]}, (80, 30)),
    ({"steps": 100, "settled_by": 85, "settle_window": 20}, (100, None)),  # still changing near the end
    ({"steps": 100, "settled_by": 75, "settle_window": 20}, (95, 75)),
    ({"steps": 100, "settled_by": 90, "settle_window": 10}, (100, None)),  # the margin reaches the end
    ({"steps": 100}, (100, None)),  # a table of an older run: every step
], ids=["settled", "shock later", "unsettled", "just settled", "to the end", "old table"])
def test_time_window(meta, expected):
    assert words.time_window(meta) == expected


def test_an_old_trajectory_table_is_drawn_whole_without_a_window_note():
    shares, stats = synthetic_trajectory([], [["a1", "b3"]], steps=40)
    fig = atr.trajectory_figure(shares, stats)
    assert all(ax.get_xlim() == (0.0, 40.0) for ax in panels(fig))
    assert not [t for t in explanation(fig) if "shown" in t]


def test_a_lone_panel_has_no_letter_and_no_equilibrium_is_said_in_words():
    shares, _ = synthetic_trajectory([], [], actors=(("A", ["a1", "a2"]),))
    fig = atr.trajectory_figure(shares)
    (ax,) = panels(fig)
    assert ax.get_title(loc="left") == "A"
    assert "no pure Nash equilibrium at this point" in explanation(fig)
    assert label_problems(fig) == []
    assert layout_problems(fig) == []


def test_words_are_shared_by_figures_and_captions():
    assert words.runs_text(10, 200, per_point=True) == "10 runs × 200 steps per grid point"
    assert words.runs_text(200, 200) == "200 runs × 200 steps"
    assert words.rule_name("logit", 5.0) == "logit (λ = 5 per $bn/yr)"
    assert words.rule_name("best_response", 5.0) == "best response"
    facts = {"rule": "logit", "lam": 1.0, "replicates": 4, "steps": 40,
             "shocks": [{"step": 20, "set": {"iraq.nationalism": 12.0}}]}
    note = words.selection_note(facts, "iraq2020")
    assert note.startswith("Adaptive play: logit (λ = 1 per $bn/yr), 4 runs × 40 steps per grid point; shock at "
                           "step 20: Iraqi nationalist")
    assert note.endswith("(exact NE: before the shock)")
    assert words.selection_note(None) is None and words.selection_note({}) is None  # an older table: no note


def test_draw_abm_writes_what_exists_and_redraws_identically(tmp_path):
    shares, stats = synthetic_trajectory([], [["a1", "b3"]])
    pq.write_table(shares, tmp_path / "trajectory.parquet")
    pq.write_table(stats, tmp_path / "trajectory_stats.parquet")
    paths = pa_.draw_abm(tmp_path, ("svg",))  # no equilibria table: trajectories only
    assert paths == [tmp_path / "trajectories.svg"]
    first = paths[0].read_bytes()
    assert first.startswith(b"<?xml")
    again = pa_.draw_abm(tmp_path, ("png", "svg"))  # another format drawn first does not shift the SVG
    assert again == [tmp_path / "trajectories.png", tmp_path / "trajectories.svg"]
    assert again[1].read_bytes() == first
    with pytest.raises(ValueError, match="jpeg"):
        pa_.draw_abm(tmp_path, ("jpeg",))
    (tmp_path / "trajectory.parquet").unlink()
    assert pa_.draw_abm(tmp_path) == []
