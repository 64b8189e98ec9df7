"""Agent-based figures drawn from a run's saved files (``sim/figures/abm*.py``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from matplotlib.collections import LineCollection, PatchCollection, QuadMesh
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.legend import Legend
from matplotlib.text import Text
from omegaconf import OmegaConf

from figcheck import flat, label_problems, layout_problems, type3_fonts

from sim.cli import plot as plot_cli
from sim.figures import axes as figaxes, registry as figures, style as figstyle
from sim.figures import abm as pa_, abm_data as ad, abm_panels as ap, abm_selection as asel
from sim.figures import abm_trajectory as atr
from sim.cli.app import CONF_DIR
from sim.config.validate import validate_run_config
from sim.scenarios.iraq2020 import SCENARIO, GameParams
from sim.engine.params import param_info
from sim.runs.run import run
from sim.store.table import ResultsError, TableMeta, read_table, write_table

X, Y = "iraq.nationalism", "us.credibility"
NX, NY = 8, 6
ABM = ["abm.steps=40", "abm.replicates=4", "abm.trajectory_replicates=20", "abm.tail=10", "abm.settle_window=5",
       "plot.formats=[png]"]


def make_run(tmp_path: Path, overrides, run_id="r") -> Path:
    """Compose the Hydra config (no Hydra app), shrink it, run it; returns the run directory."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    data = OmegaConf.to_container(cfg, resolve=True)
    data.update(results_dir=str(tmp_path), run_id=run_id)
    return run(validate_run_config(data), progress=False)


@pytest.fixture(scope="module")
def abm_run(tmp_path_factory) -> Path:
    # noisy play (logit, low rationality) so that learning and equilibrium partly disagree
    return make_run(tmp_path_factory.mktemp("abm"), ["solvers=[nash,abm]", f"sweep.x.num={NX}",
                                                     f"sweep.y.num={NY}", "dynamics=logit", "dynamics.lam=1.0",
                                                     *ABM])


@pytest.fixture(scope="module")
def table2d(abm_run):
    return read_table(abm_run / "equilibria.parquet")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def meshes(ax, gid=None):
    return [c for c in ax.collections if isinstance(c, QuadMesh) and (gid is None or c.get_gid() == gid)]


def legend_labels(legend) -> list[str]:
    """The legend's texts, long ones unwrapped (the figure wraps them onto two lines)."""
    return [t.get_text().replace("\n", " ") for t in legend.get_texts()]


def covered_cells(collection, xs, ys) -> set[tuple[int, int]]:
    """(i, j) of the grid cells whose centre lies inside one of the collection's rectangles."""
    boxes = [p.get_extents() for p in collection.get_paths()]
    return {(i, j) for b in boxes for i in range(len(xs)) for j in range(len(ys))
            if b.x0 < xs[i] < b.x1 and b.y0 < ys[j] < b.y1}


def min_font(fig) -> float:
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    return min(sizes)


# ----------------------------------------------------------------------------- grids


def test_selection_grid_is_the_modal_regime_pivot(table2d):
    table, meta = table2d
    codes, freq = ad.selection_grid(table, meta)
    assert codes.shape == freq.shape == (NY, NX)  # rows = 2nd axis, columns = 1st (as figaxes.regime_grid)
    df = table.to_pandas()
    df["modal"] = df["abm_modal_regime"].astype(str)
    df["modal_freq"] = [row[f"abm_freq_{slug(row['modal'])}"] for _, row in df.iterrows()]
    pivot = df.pivot(index=Y, columns=X, values="modal")
    np.testing.assert_array_equal(codes, np.vectorize(meta.regimes.index)(pivot.to_numpy()))
    np.testing.assert_array_equal(freq, df.pivot(index=Y, columns=X, values="modal_freq").to_numpy())
    assert len(np.unique(codes)) > 1 and freq.min() < 1.0  # noisy play: several regimes, split runs
    # the modal regime is the most frequent one
    fcols = np.stack([df[f"abm_freq_{slug(r)}"] for r in meta.regimes], axis=1)
    assert np.allclose(df["modal_freq"], fcols.max(axis=1))


def test_selection_colours_fade_from_the_regime_colour_to_white(table2d):
    _, meta = table2d
    colours = figstyle.regime_colours(meta.regimes)
    n = len(meta.regimes)
    codes = np.arange(n)
    full = ad.selection_colours(codes, np.ones(n), meta)
    np.testing.assert_allclose(full, [to_rgb(colours[r]) for r in meta.regimes])  # unanimous: palette colour
    weakest = ad.selection_colours(codes, np.full(n, 1 / n), meta)
    half = ad.selection_colours(codes, np.full(n, 0.6), meta)
    assert np.all(weakest >= half - 1e-12) and np.all(half >= full - 1e-12)  # lighter as the share falls
    assert np.all(weakest.mean(axis=1) > 0.8)  # close to white at 1/n


def test_selection_map_draws_the_grid_on_phase_diagram_axes(table2d):
    table, meta = table2d
    fig = asel.selection_map(table, meta)
    ax = fig.axes[0]
    (mesh,) = meshes(ax, "selection")
    codes, freq = ad.selection_grid(table, meta)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(NY, NX, 3),
                               ad.selection_colours(codes, freq, meta))
    coords = mesh.get_coordinates()
    xs, ys = figaxes.axis_values(table, meta)
    np.testing.assert_allclose(0.5 * (coords[0, 1:, 0] + coords[0, :-1, 0]), xs)  # x along columns
    np.testing.assert_allclose(0.5 * (coords[1:, 0, 1] + coords[:-1, 0, 1]), ys)  # y along rows
    assert flat(ax.get_xlabel()) == f"{param_info(GameParams, X).label} ($bn/yr)"  # the parameter's metadata
    assert flat(ax.get_ylabel()) == f"{param_info(GameParams, Y).label} ($bn/yr)"
    assert label_problems(fig) == []
    (star,) = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (meta.baseline[X], meta.baseline[Y])
    key = fig.axes[1]  # one key row per regime shown, named after it
    shown = [meta.regimes[k] for k in sorted(set(codes.ravel().tolist()))]
    assert [t.get_text() for t in key.get_yticklabels()] == shown
    assert fig.get_size_inches()[0] <= figstyle.COLUMN_WIDTH  # one panel: a column wide, the key below it
    assert [leg for leg in fig.findobj(Legend) if legend_labels(leg) == ["baseline"]]
    assert layout_problems(fig) == []
    assert min_font(fig) >= 8


def test_disagreement_matches_an_independent_computation(table2d):
    table, meta = table2d
    df = table.to_pandas()
    expected = np.array([str(m) not in str(n).split("|") for m, n in zip(df["abm_modal_regime"], df["nash_regimes"])])
    np.testing.assert_array_equal(ad.disagreement(table, meta), expected)
    assert 0 < expected.sum() < len(expected)  # both agreement and disagreement occur
    grid = ad.disagreement_grid(table, meta)
    np.testing.assert_array_equal(grid, df.assign(d=expected).pivot(index=Y, columns=X, values="d").to_numpy())
    # rows without a pure NE disagree; a modal regime among several NE agrees
    count = table.column("nash_count").to_numpy().copy()
    regimes = table.column("nash_regimes").to_numpy(zero_copy_only=False).astype(object)
    modal = df["abm_modal_regime"].astype(str).to_numpy()
    count[0], regimes[0] = 0, ""
    other = next(r for r in meta.regimes if r != modal[1])
    count[1], regimes[1] = 2, "|".join(r for r in meta.regimes if r in (modal[1], other))
    edited = table.set_column(table.column_names.index("nash_count"), "nash_count", pa.array(count))
    edited = edited.set_column(edited.column_names.index("nash_regimes"), "nash_regimes",
                               pa.array(regimes, type=pa.string()))
    mask = ad.disagreement(edited, meta)
    assert mask[0] and not mask[1]
    share = ad.nash_share(edited, meta)
    assert np.isnan(share[0])
    assert np.isclose(share[1], df.loc[1, f"abm_freq_{slug(modal[1])}"] + df.loc[1, f"abm_freq_{slug(other)}"])


# ----------------------------------------------------------------------------- comparison figure


def test_comparison_figure_panels(table2d):
    table, meta = table2d
    fig = asel.comparison_figure(table, meta)
    a, b, c = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title()[:3] for ax in (a, b, c)] == ["(a)", "(b)", "(c)"]
    assert a.get_shared_x_axes().joined(a, c) and a.get_shared_y_axes().joined(a, b)
    # (a) is the exact pure-NE map
    (mesh_a,) = meshes(a)
    np.testing.assert_array_equal(np.asarray(mesh_a.get_array()).reshape(NY, NX),
                                  figaxes.regime_grid(table, meta, "nash_regimes"))
    # (b) is the selection map
    codes, freq = ad.selection_grid(table, meta)
    (mesh_b,) = meshes(b, "selection")
    np.testing.assert_allclose(np.asarray(mesh_b.get_array()).reshape(NY, NX, 3),
                               ad.selection_colours(codes, freq, meta))
    # (c): share of runs in an exact-NE regime; disagreeing cells hatched and outlined
    (mesh_c,) = meshes(c, "agreement")
    share = ad.nash_share(table, meta).reshape(NX, NY).T
    np.testing.assert_allclose(np.ma.filled(mesh_c.get_array(), np.nan).reshape(NY, NX), share)
    (hatch,) = [h for h in c.collections if isinstance(h, PatchCollection) and h.get_gid() == "disagreement"]
    xs, ys = figaxes.axis_values(table, meta)
    mask = ad.disagreement_grid(table, meta)
    assert covered_cells(hatch, xs, ys) == {(i, j) for j, i in zip(*np.nonzero(mask))}
    assert [ln for ln in c.collections if isinstance(ln, LineCollection) and ln.get_gid() == "disagreement_outline"]
    for ax in (a, b, c):  # baseline marked in every panel
        assert [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    labels = [" ".join(t.split()) for leg in fig.findobj(Legend) for t in legend_labels(leg)]  # wrapped lines
    assert ap.DISAGREE_LABEL in labels and "baseline" in labels
    assert fig.get_size_inches()[0] <= figstyle.PAGE_WIDTH
    assert label_problems(fig) == []
    assert not [t for t in c.texts if t.get_gid() == "panel_note"]  # (c) has something to show here
    assert min_font(fig) >= 8


def test_an_agreement_panel_that_is_white_everywhere_says_so(table2d):
    """Where every run ends in an exact NE regime, panel (c) would be blank white: it says so."""
    table, meta = table2d
    first = [r.split("|")[0] for r in table.column("nash_regimes").to_pylist()]
    agreed = table.set_column(table.column_names.index("abm_modal_regime"), "abm_modal_regime", pa.array(first))
    for r in meta.regimes:
        col = f"abm_freq_{slug(r)}"
        agreed = agreed.set_column(agreed.column_names.index(col), col,
                                   pa.array([1.0 if f == r else 0.0 for f in first]))
    assert np.all(ad.nash_share(agreed, meta) == 1.0)
    fig = asel.comparison_figure(agreed, meta)
    c = [ax for ax in fig.axes if ax.get_title().startswith("(c)")][0]
    (note,) = [t for t in c.texts if t.get_gid() == "panel_note"]
    assert flat(note.get_text()) == ap.AGREE_EVERYWHERE
    assert layout_problems(fig) == []


def bottom_row(fig):
    """The comparison figure's legends, colour key and colour bar."""
    (key,) = [ax for ax in fig.axes if ax.get_gid() == "frequency_key"]
    (cbar,) = [ax for ax in fig.axes if ax.get_gid() == "agreement_colorbar"]
    return key, cbar, [leg for leg in fig.findobj(Legend) if leg.get_visible()]


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "abm only"])
def test_comparison_figure_fits_a_page_without_overlaps(table2d, exact):
    table, meta = table2d
    if not exact:  # an agent-based run without the exact solver: (a) and the regime legend go
        table = table.drop_columns([c for c in table.column_names if c.startswith("nash_")])
    fig = asel.comparison_figure(table, meta, "Adaptive play: logit, 4 runs x 40 steps per point; shock at step 20: "
                                "iraq.nationalism = 12 (exact NE: before the shock)")
    assert fig.get_size_inches()[0] <= figstyle.PAGE_WIDTH
    key, cbar, legends = bottom_row(fig)
    assert len(legends) == (2 if exact else 1)  # regimes under (a); hatching (or baseline) under the colour bar
    assert [t.get_text() for t in key.get_yticklabels()]  # the key names its regimes
    assert layout_problems(fig) == []
    # the check sees a collision: put the key onto the colour bar, as a 7-in layout of 3 panels did
    fig.set_layout_engine("none")
    key.set_position(cbar.get_window_extent().transformed(key.figure.transSubfigure.inverted()))
    assert any("frequency_key" in p and "agreement_colorbar" in p for p in layout_problems(fig))


def test_one_axis_run_draws_strips(tmp_path):
    out = make_run(tmp_path, ["experiment=nationalism_strip", "solvers=[nash,abm]", "sweep.x.num=12",
                              "dynamics=logit", "dynamics.lam=1.0", *ABM, "plot.formats=[]"])
    table, meta = read_table(out / "equilibria.parquet")
    fig = asel.comparison_figure(table, meta)
    band = fig.axes[0]
    (ne_band,) = [m for m in meshes(band) if m.get_gid() != "selection"]
    (abm_band,) = meshes(band, "selection")
    np.testing.assert_array_equal(np.asarray(ne_band.get_array()).ravel(),
                                  figaxes.regime_codes(table, meta, "nash_regimes"))
    codes, freq = ad.modal_selection(table, meta)
    np.testing.assert_allclose(np.asarray(abm_band.get_array()).reshape(-1, 3),
                               ad.selection_colours(codes, freq, meta))
    line_ax = fig.axes[1]
    settled = [ln for ln in line_ax.get_lines() if ln.get_label() == "runs settled on a pure NE"]
    assert len(settled) == 1
    np.testing.assert_allclose(settled[0].get_ydata(), table.column("abm_settled_share").to_numpy())
    spans = [p for p in line_ax.patches if p.get_gid() == "disagreement"]  # one span per run of disagreeing points
    mask = ad.disagreement(table, meta)
    assert len(spans) == int(np.sum(np.diff(np.concatenate([[0], mask.astype(int), [0]])) == 1))
    assert fig.get_size_inches()[0] <= figstyle.PAGE_WIDTH
    assert layout_problems(fig) == []
    assert min_font(fig) >= 8


# ----------------------------------------------------------------------------- trajectories


def test_trajectory_figure_lines_legends_and_ne_markers(abm_run):
    shares = pq.read_table(abm_run / "trajectory.parquet")
    stats = pq.read_table(abm_run / "trajectory_stats.parquet")
    meta = json.loads(shares.schema.metadata[b"sim"])
    assert meta["pure_nash"], "precondition: the baseline has a pure NE"
    fig = atr.trajectory_figure(shares, stats, SCENARIO, lam=1.0)
    assert "logit (λ = 1 per $bn/yr)" in fig.get_suptitle() and "20 runs" in fig.get_suptitle()
    df = shares.to_pandas()
    panels = {ax.get_title(loc="left")[4:]: ax for ax in fig.axes if ax.get_title(loc="left")}
    for p, actor in enumerate(meta["players"]):
        ax = panels[actor]
        actions = list(dict.fromkeys(df.loc[df["actor"] == actor, "action"]))
        words = [SCENARIO.action_names[actor][a] for a in actions]  # actions in words, not codes
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        assert [ln.get_label().replace("\n", " ") for ln in lines] == words  # one line per action
        assert legend_labels(ax.get_legend()) == words
        assert not [w for w in words if "+" in w or "_" in w]
        end = ax.get_xlim()[1]  # the steps shown (every step unless all runs settled early)
        for ln, act in zip(lines, actions):
            rows = df[(df["actor"] == actor) & (df["action"] == act) & (df["step"] <= end)].sort_values("step")
            np.testing.assert_allclose(ln.get_ydata(), rows["share"])
        colour = {a: ln.get_color() for a, ln in zip(actions, lines)}
        markers = [ln for ln in ax.get_lines() if (ln.get_gid() or "").startswith("ne:")]
        expected = [e[p] for e in meta["pure_nash"]]
        assert [m.get_gid().split(":")[2] for m in markers] == expected
        for e, (m, act) in enumerate(zip(markers, expected)):  # NE e's colour, in every panel
            assert to_rgba(m.get_color()) == to_rgba(atr.NE_COLOURS[e]) and m.get_ydata()[0] == 1.0
            assert to_rgba(colour[act]) == to_rgba(atr.NE_COLOURS[expected.index(act)])
        bold = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts() if t.get_fontweight() == "bold"]
        assert bold == [w for a, w in zip(actions, words) if a in expected]
    codes = atr.trajectory_figure(shares, stats)  # without the scenario: the codes
    assert legend_labels([ax for ax in codes.axes if ax.get_title(loc="left") == "(c) Iraq"][0].get_legend())[0] \
        == "host+status_quo"
    (nash_ax,) = [ax for ax in fig.axes if "pure Nash" in ax.get_title(loc="left")]
    shown = nash_ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(shown, stats.column("share_at_nash").to_numpy()[:len(shown)])
    assert fig.get_size_inches()[0] <= figstyle.PAGE_WIDTH
    assert layout_problems(fig) == []
    assert min_font(fig) >= 8


# ----------------------------------------------------------------------------- files


def test_plot_cli_redraws_abm_figures_byte_identically(abm_run, capsys):
    written = {p: p.read_bytes() for p in (abm_run / "abm_selection.png", abm_run / "trajectories.png")}
    assert all(written.values())  # drawn by the run itself (via sim.figures.registry.draw_run -> draw_abm)
    assert not (abm_run / "phase_diagram.png").exists()  # no SPE columns: the NE map is in abm_selection
    for p in written:
        p.unlink()
    assert plot_cli.main([str(abm_run), "--format", "png"]) == 0
    paths = [Path(p) for p in capsys.readouterr().out.split()]
    assert paths == [abm_run / "abm_selection.png", abm_run / "trajectories.png"]
    assert {p: p.read_bytes() for p in paths} == written
    assert not [p for p in abm_run.iterdir() if p.name.startswith(".")]  # no temp files


def test_drawn_run_figures_speak_words_and_embed_truetype(abm_run, tmp_path):
    """draw_abm finds the run's scenario: actions in words, axes by label; PDFs without Type 3 fonts."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(abm_run, copy)
    paths = pa_.draw_abm(copy, ("pdf", "svg"))
    assert [p.name for p in paths] == ["abm_selection.pdf", "abm_selection.svg", "trajectories.pdf",
                                       "trajectories.svg"]
    for p in paths[::2]:
        assert not type3_fonts(p.read_bytes()), p.name
    svg = (copy / "trajectories.svg").read_text()
    assert "host US troops, deepen ties" in svg and "host+deepen" not in svg
    assert "(λ = 1 per $bn/yr)" in svg  # the logit rule's rationality, as λ
    selection = (copy / "abm_selection.svg").read_text()
    assert "<!-- Iraqi nationalist" in selection and "iraq.nationalism" not in selection  # SVG text: comments


def test_figures_are_drawn_from_the_table_not_from_config_yaml(abm_run, tmp_path):
    """What the figures say about the run travels in the table's metadata: a config.yaml
    that says otherwise, or none at all, changes no byte."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(abm_run, copy)
    drawn = {p.name: p.read_bytes() for p in (copy / "abm_selection.png", copy / "trajectories.png")}
    (copy / "config.yaml").write_text("scenario: nowhere\ngame: {us: {credibility: 4.0}}\n"
                                      "abm: {replicates: 999, steps: 1}\ndynamics: {rule: regret_matching}\n")
    assert {p.name: p.read_bytes() for p in pa_.draw_abm(copy, ("png",))} == drawn
    (copy / "config.yaml").unlink()
    assert {p.name: p.read_bytes() for p in pa_.draw_abm(copy, ("png",))} == drawn
    _, meta = read_table(copy / "equilibria.parquet")
    assert meta.abm["replicates"] == 4 and meta.abm["steps"] == 40 and meta.abm["rule"] == "logit"
    assert meta.changes == () and meta.source == "iraq2020"


def test_an_older_table_without_the_new_metadata_gets_no_note(abm_run, tmp_path):
    """A table written before ``abm``/``changes``/``source`` were stored: no note, the plain
    baseline label, and still not a word from config.yaml."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(abm_run, copy)
    table = pq.read_table(copy / "equilibria.parquet")
    old = {k: v for k, v in json.loads(table.schema.metadata[b"sim"]).items() if k not in ("abm", "changes", "source")}
    pq.write_table(table.replace_schema_metadata({b"sim": json.dumps(old).encode()}), copy / "equilibria.parquet")
    (copy / "config.yaml").write_text("scenario: iraq2020\ngame: {us: {credibility: 4.0}}\n")
    _, meta = read_table(copy / "equilibria.parquet")
    assert (meta.abm, meta.changes, meta.source) == (None, (), None)
    (sel, build), _ = pa_.figure_builders(copy)
    fig = build()
    assert sel == "abm_selection" and fig.get_suptitle() == ""
    labels = [flat(t) for leg in fig.findobj(Legend) for t in legend_labels(leg)]
    assert "baseline" in labels and not [t for t in labels if "credibility" in t]
    assert figstyle.run_changes(copy) == ()


def test_titles_and_captions_agree_on_run_counts(abm_run):
    """The selection figure counts runs per grid point, the trajectories the runs recorded at
    the baseline; each caption says what its figure's title says, in the same words."""
    count = re.compile(r"\d+ runs × \d+ steps(?: per grid point)?")
    titles = {name: build().get_suptitle() for name, build in pa_.figure_builders(abm_run)}
    assert count.findall(flat(titles["abm_selection"])) == ["4 runs × 40 steps per grid point"]
    assert count.findall(flat(titles["trajectories"])) == ["20 runs × 40 steps"]
    for name, title in titles.items():
        caption = (abm_run / f"{name}.caption.txt").read_text()
        assert count.findall(caption) == count.findall(flat(title)), name
    assert "Steps shown: up to 5 steps after the last step" in (abm_run / "trajectories.caption.txt").read_text()


def test_an_agreement_panel_without_any_pure_ne_says_so(table2d):
    table, meta = table2d
    n = table.num_rows
    none = table.set_column(table.column_names.index("nash_regimes"), "nash_regimes", pa.array([""] * n))
    none = none.set_column(none.column_names.index("nash_count"), "nash_count", pa.array(np.zeros(n, dtype=np.int64)))
    fig = asel.comparison_figure(none, meta)
    c = [ax for ax in fig.axes if ax.get_title().startswith("(c)")][0]
    (note,) = [t for t in c.texts if t.get_gid() == "panel_note"]
    assert flat(note.get_text()) == ap.NO_NE_EVERYWHERE
    assert layout_problems(fig) == []


def test_run_without_abm_has_no_abm_figures(tmp_path):
    out = make_run(tmp_path, ["solvers=[spe,nash]", f"sweep.x.num={NX}", f"sweep.y.num={NY}", "plot.formats=[]"])
    assert pa_.draw_abm(out) == []
    assert figures.draw_run(out, ("png",)) == [out / "phase_diagram.png"]
    names = {p.name for p in out.iterdir()}
    assert not names & {"abm_selection.png", "abm_selection.pdf", "trajectories.png", "trajectories.pdf"}


def test_table_without_abm_columns_is_refused_by_the_comparison(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    table = pa.table({X: np.repeat([0.0, 1.0], 2), Y: np.tile([0.0, 1.0], 2), "nash_count": np.ones(4, dtype=np.int64),
                      "nash_regimes": ["hedging"] * 4})
    meta = TableMeta("s", ("hedging", "confrontation"), ({"param": X, "n": 2}, {"param": Y, "n": 2}), {})
    write_table(table, meta, out / "equilibria.parquet")
    assert pa_.draw_abm(out) == []
    with pytest.raises(ResultsError, match="abm_modal_regime"):
        asel.comparison_figure(table, meta)


def test_module_imports_neither_hydra_nor_pyplot():
    code = ("import sys, sim.figures.abm, sim.figures.abm_selection, sim.figures.abm_strip, "
            "sim.figures.abm_trajectory, sim.figures.abm_words; "
            "print(sorted(m for m in ('hydra', 'matplotlib.pyplot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
