"""Phase diagrams drawn from a saved equilibria table (``sim/figures/phase.py``)."""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from matplotlib.collections import PatchCollection, QuadMesh
from matplotlib.colors import to_rgba
from figcheck import flat, label_problems, type3_fonts
from matplotlib.text import Text

from sim.cli import plot as plot_cli
from sim.figures import axes as figaxes, phase, registry as figures, style as figstyle
from sim.store import rundir
from sim.scenarios.iraq2020 import SCENARIO as S
from sim.scenarios.iraq2020 import GameParams
from sim.engine.params import get_value, iter_params, param_info
from sim.solvers.registry import SOLVERS
from sim.engine.sweep import make_axis, solve_grid
from sim.store.table import ResultsError, TableMeta, read_table, write_table

X, Y = "iraq.nationalism", "us.credibility"
NX, NY = 30, 20


def make_run(run_dir: Path, specs: list[dict], edit=None) -> Path:
    """Solve a small grid and write ``run_dir/equilibria.parquet`` (``edit`` may alter columns)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    axes = [make_axis(f"sweep.{k}", GameParams, spec) for k, spec in zip("xyz", specs)]
    table = solve_grid(S, GameParams(), axes, [SOLVERS["spe"].bind(), SOLVERS["nash"].bind()], 8192)
    meta = TableMeta(
        S.name,
        S.regimes,
        tuple(
            {"param": a.param, "unit": param_info(GameParams, a.param).unit,
             "doc": param_info(GameParams, a.param).doc, "n": len(a.values)}
            for a in axes
        ),
        {a.param: get_value(GameParams(), a.param) for a in axes},
    )
    if edit is not None:
        table = edit(table)
    write_table(table, meta, run_dir / "equilibria.parquet")
    return run_dir


SPEC_2D = [dict(param=X, start=0, stop=20, num=NX), dict(param=Y, start=0, stop=6, num=NY)]

# rows (C order, y fastest) overwritten to exercise the simultaneous game's special cases
NO_NE_ROWS = np.arange(0, 5)  # x index 0, y index 0..4
SEVERAL_ROWS = np.arange(5 * NY + 10, 5 * NY + 16)  # x index 5, y index 10..15


def with_special_nash(table: pa.Table) -> pa.Table:
    """No pure NE on NO_NE_ROWS; two NE ('hedging' and 'confrontation') on SEVERAL_ROWS."""
    count = table.column("nash_count").to_numpy().copy()
    regimes = table.column("nash_regimes").to_numpy(zero_copy_only=False).astype(object)
    count[NO_NE_ROWS], regimes[NO_NE_ROWS] = 0, ""
    count[SEVERAL_ROWS], regimes[SEVERAL_ROWS] = 2, "hedging|confrontation"
    table = table.set_column(table.column_names.index("nash_count"), "nash_count", pa.array(count))
    return table.set_column(table.column_names.index("nash_regimes"), "nash_regimes",
                            pa.array(regimes, type=pa.string()))


@pytest.fixture(scope="module")
def run2d(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("run2d"), SPEC_2D)


@pytest.fixture(scope="module")
def run2d_special(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("run2d_special"), SPEC_2D, with_special_nash)


@pytest.fixture(scope="module")
def table2d(run2d):
    return read_table(run2d / "equilibria.parquet")


def the_mesh(ax) -> QuadMesh:
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    return meshes[0]


def legend_labels(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def present_in_order(meta, names) -> list[str]:
    names = set(names)
    return [r for r in meta.regimes if r in names]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ----------------------------------------------------------------------------- grids


def test_regime_grid_matches_table_pivot(table2d):
    table, meta = table2d
    grid = figaxes.regime_grid(table, meta, "spe_regime")
    assert grid.shape == (NY, NX)  # rows = 2nd axis (y), columns = 1st axis (x)
    df = table.to_pandas()
    pivot = df.pivot(index=Y, columns=X, values="spe_regime")  # rows: y ascending, cols: x ascending
    expected = np.vectorize(meta.regimes.index)(pivot.to_numpy())
    np.testing.assert_array_equal(grid, expected)


def test_regime_grid_corners_of_non_square_grid(table2d):
    table, meta = table2d
    grid = figaxes.regime_grid(table, meta)
    df = table.to_pandas()

    def code_at(x, y):
        (name,) = df.loc[np.isclose(df[X], x) & np.isclose(df[Y], y), "spe_regime"]
        return meta.regimes.index(name)

    lower_right, upper_left = code_at(20, 0), code_at(0, 6)
    assert lower_right != upper_left  # so a transposed or flipped grid would be caught
    assert grid[0, -1] == lower_right  # y = 0 (first row), x = 20 (last column)
    assert grid[-1, 0] == upper_left
    assert grid[0, 0] == code_at(0, 0) and grid[-1, -1] == code_at(20, 6)


def test_nash_codes_take_first_regime_and_mark_none(run2d_special):
    table, meta = read_table(run2d_special / "equilibria.parquet")
    codes = figaxes.regime_codes(table, meta, "nash_regimes")
    assert np.all(codes[NO_NE_ROWS] == figstyle.NO_NE)
    assert np.all(codes[SEVERAL_ROWS] == meta.regimes.index("hedging"))  # hedging precedes confrontation
    grid = figaxes.regime_grid(table, meta, "nash_regimes")
    assert np.all(grid[0:5, 0] == figstyle.NO_NE) and np.all(grid[10:16, 5] == meta.regimes.index("hedging"))


def test_table_inconsistent_with_meta_is_a_results_error(table2d):
    table, meta = table2d
    with pytest.raises(ResultsError, match="rows"):
        figaxes.regime_grid(table.slice(0, NX * NY - 1), meta)
    bad = table.set_column(table.column_names.index("spe_regime"), "spe_regime",
                           pa.array(["no such regime"] * table.num_rows))
    with pytest.raises(ResultsError, match="no such regime"):
        figaxes.regime_grid(bad, meta)


# ----------------------------------------------------------------------------- figures


def test_phase_diagram_image_is_the_regime_grid(table2d):
    table, meta = table2d
    fig = figaxes.phase_diagram(table, meta)
    ax = fig.axes[0]
    mesh = the_mesh(ax)
    grid = figaxes.regime_grid(table, meta)
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(grid.shape), grid)
    coords = mesh.get_coordinates()  # (n_y + 1, n_x + 1, 2) cell corners
    assert coords.shape == (NY + 1, NX + 1, 2)
    xs, ys = figaxes.axis_values(table, meta)
    np.testing.assert_allclose(0.5 * (coords[0, 1:, 0] + coords[0, :-1, 0]), xs)  # x along columns
    np.testing.assert_allclose(0.5 * (coords[1:, 0, 1] + coords[:-1, 0, 1]), ys)  # y along rows
    # axes named by their parameters' labels (metadata) and units, not by dotted names
    assert flat(ax.get_xlabel()) == "Iraqi nationalist cost of hosting US troops ($bn/yr)"
    assert flat(ax.get_xlabel()) == f"{param_info(GameParams, X).label} ($bn/yr)"
    assert flat(ax.get_ylabel()) == f"{param_info(GameParams, Y).label} ($bn/yr)"
    assert label_problems(fig) == []


def test_axis_label_is_label_and_unit_and_a_pure_number_shows_no_unit():
    axis = {"param": "iraq.fed_share_at_risk", "unit": "1", "n": 3}
    label = param_info(GameParams, "iraq.fed_share_at_risk").label
    assert figstyle.axis_label(axis, S.name) == label  # no "[1]", no "(1)"
    assert figstyle.axis_label({**axis, "unit": "$bn/yr"}, S.name) == f"{label} ($bn/yr)"
    assert figstyle.axis_label({**axis, "label": "Own label"}, S.name) == "Own label"  # a table's own label wins
    assert figstyle.axis_label(axis, "no_such_scenario") == "iraq.fed_share_at_risk"  # unknown: the dotted name


def test_phase_diagram_legend_lists_exactly_the_regimes_present(table2d):
    table, meta = table2d
    fig = figaxes.phase_diagram(table, meta)
    present = present_in_order(meta, table.column("spe_regime").to_pylist())
    assert 1 < len(present) < len(meta.regimes)  # some, not all, regimes occur
    assert legend_labels(fig.axes[0].get_legend()) == [*present, "baseline"]


def test_same_regime_same_colour_everywhere(table2d):
    table, meta = table2d
    colours = figstyle.regime_colours(meta.regimes)
    assert len(set(colours.values())) == len(meta.regimes) and figstyle.NO_NE_COLOUR not in colours.values()
    for fig in (figaxes.phase_diagram(table, meta), figaxes.nash_diagram(table, meta)):
        ax = fig.axes[0]
        mesh = the_mesh(ax)
        for k, r in enumerate(meta.regimes):
            assert mesh.cmap(mesh.norm(k)) == to_rgba(colours[r])
        assert mesh.cmap(mesh.norm(figstyle.NO_NE)) == to_rgba(figstyle.NO_NE_COLOUR)
        for h in ax.get_legend().legend_handles:
            if h.get_label() in colours:
                assert h.get_facecolor() == to_rgba(colours[h.get_label()])


def test_baseline_is_marked(table2d):
    table, meta = table2d
    ax = figaxes.phase_diagram(table, meta).axes[0]
    (star,) = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (meta.baseline[X], meta.baseline[Y])


def test_nash_diagram_greys_none_and_hatches_several(run2d_special):
    table, meta = read_table(run2d_special / "equilibria.parquet")
    ax = figaxes.nash_diagram(table, meta).axes[0]
    grid = figaxes.regime_grid(table, meta, "nash_regimes")
    np.testing.assert_array_equal(np.asarray(the_mesh(ax).get_array()).reshape(grid.shape), grid)
    (hatch,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert hatch.get_hatch() == figstyle.HATCH
    xs, ys = figaxes.axis_values(table, meta)
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    boxes = [p.get_extents() for p in hatch.get_paths()]  # one rectangle per run of cells
    covered = {
        (i, j)
        for b in boxes
        for i in range(NX) for j in range(NY)
        if b.x0 < xs[i] < b.x1 and b.y0 < ys[j] < b.y1
    }
    assert covered == {(5, j) for j in range(10, 16)}
    assert np.isclose(sum(b.width * b.height for b in boxes), 6 * dx * dy)
    labels = legend_labels(ax.get_legend())
    assert labels[-3:] == [figstyle.NO_NE_LABEL, figstyle.SEVERAL_LABEL, "baseline"]
    assert labels[:-3] == present_in_order(meta, [meta.regimes[c] for c in np.unique(grid) if c >= 0])


def test_nash_diagram_without_special_cases_has_no_hatching_or_grey(table2d):
    table, meta = table2d
    assert np.all(table.column("nash_count").to_numpy() == 1)  # precondition of this test
    ax = figaxes.nash_diagram(table, meta).axes[0]
    assert not [c for c in ax.collections if isinstance(c, PatchCollection)]
    labels = legend_labels(ax.get_legend())
    assert figstyle.NO_NE_LABEL not in labels and figstyle.SEVERAL_LABEL not in labels


def test_two_panel_figure_layout_and_fonts(run2d_special):
    table, meta = read_table(run2d_special / "equilibria.parquet")
    fig = phase.run_figure(table, meta)
    assert tuple(fig.get_size_inches()) == pytest.approx((figstyle.PAGE_WIDTH, 3.9))
    a, b = fig.axes
    # two-line titles, so a panel half a page wide holds them
    assert a.get_title() == "(a) Sequential game:\nsubgame-perfect equilibrium"
    assert b.get_title() == "(b) Simultaneous game:\npure Nash equilibria"
    assert a.get_shared_x_axes().joined(a, b) and a.get_shared_y_axes().joined(a, b)
    assert a.get_legend() is None and b.get_legend() is None and len(fig.legends) == 1
    nash_first = figaxes.regime_codes(table, meta, "nash_regimes")  # the NE colour is the first NE regime
    shown = set(table.column("spe_regime").to_pylist()) | {meta.regimes[c] for c in nash_first if c >= 0}
    assert legend_labels(fig.legends[0]) == [*present_in_order(meta, shown), figstyle.NO_NE_LABEL,
                                             figstyle.SEVERAL_LABEL, "baseline"]
    fig.canvas.draw()  # ticks exist once drawn
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert sizes and min(sizes) >= 8


# ----------------------------------------------------------------------------- files and CLI


def test_draw_run_writes_nonempty_png_and_pdf(run2d):
    paths = figures.draw_run(run2d)
    assert paths == [run2d / "phase_diagram.png", run2d / "phase_diagram.pdf"]
    assert png_size(paths[0]) == (1400, 780)  # 7 x 3.9 in (a page width) at 200 dpi
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in run2d.iterdir()) == ["equilibria.parquet", "phase_diagram.pdf",
                                                       "phase_diagram.png"]  # no temp files left


def test_redrawing_gives_identical_bytes(run2d_special):
    first = [p.read_bytes() for p in figures.draw_run(run2d_special)]
    second = [p.read_bytes() for p in figures.draw_run(run2d_special)]
    assert first == second and all(first)


def test_draw_run_rejects_unknown_format(run2d):
    with pytest.raises(ValueError, match="jpeg"):
        figures.draw_run(run2d, formats=("jpeg",))


def test_main_redraws(run2d_special, capsys):
    png = run2d_special / "phase_diagram.png"
    png.unlink(missing_ok=True)
    assert plot_cli.main([str(run2d_special), "--format", "png"]) == 0
    assert png.stat().st_size > 0 and not (run2d_special / "phase_diagram.svg").exists()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("corrupt", [False, True])
def test_main_reports_missing_or_corrupt_table_in_one_line(tmp_path, capsys, corrupt):
    if corrupt:
        (tmp_path / "equilibria.parquet").write_bytes(b"not a parquet file")
    assert plot_cli.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim-plot: error: ") and err.count("\n") == 1
    assert not list(tmp_path.glob("phase_diagram*"))


def test_module_imports_neither_hydra_nor_pyplot():
    code = "import sys, sim.cli.plot; print(sorted(m for m in ('hydra', 'matplotlib.pyplot') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- 1 and 3 axes


def test_one_axis_table_draws_a_strip(tmp_path):
    run = make_run(tmp_path, [dict(param=X, start=0, stop=20, num=120)], with_special_nash)
    table, meta = read_table(run / "equilibria.parquet")
    fig = phase.regime_strip(table, meta)
    (ax,) = fig.axes
    top, bottom = [c for c in ax.collections if isinstance(c, QuadMesh)]
    spe = figaxes.regime_codes(table, meta, "spe_regime")
    nash = figaxes.regime_codes(table, meta, "nash_regimes")
    np.testing.assert_array_equal(np.asarray(top.get_array()).ravel(), spe)
    np.testing.assert_array_equal(np.asarray(bottom.get_array()).ravel(), nash)
    assert nash[0] == figstyle.NO_NE and nash[SEVERAL_ROWS[0]] == meta.regimes.index("hedging")
    assert [c for c in ax.collections if isinstance(c, PatchCollection)]  # hatching
    assert flat(ax.get_xlabel()) == f"{param_info(GameParams, X).label} ($bn/yr)"
    assert label_problems(fig) == []
    assert any(np.allclose(ln.get_xdata(), meta.baseline[X]) for ln in ax.get_lines())
    labels = legend_labels(fig.legends[0])
    assert labels[-3:] == [figstyle.NO_NE_LABEL, figstyle.SEVERAL_LABEL, "baseline"]
    paths = figures.draw_run(run)
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)


def test_three_axis_table_draws_facets(tmp_path):
    specs = [dict(param=X, start=0, stop=20, num=8), dict(param=Y, start=0, stop=6, num=6),
             dict(param="iraq.security_value", start=0, stop=15, num=5)]
    run = make_run(tmp_path, specs)
    table, meta = read_table(run / "equilibria.parquet")
    fig = phase.run_figure(table, meta)
    panels = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert len(panels) == 6  # 3 values of the 3rd axis x 2 games
    _, _, zs = figaxes.axis_values(table, meta)
    titles = [flat(ax.get_title()) for ax in panels]
    for k in figaxes.facet_values(5, 3):
        assert f"{param_info(GameParams, 'iraq.security_value').label} = {zs[k]:.3g} $bn/yr" in titles
    assert label_problems(fig) == []
    # the baseline (security value 3.7) is in no facet: no star marks a point that is not the baseline
    assert 3.7 not in zs and not [ln for ax in panels for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert "baseline" not in legend_labels(fig.legends[0])
    codes = figaxes.regime_codes(table, meta, "spe_regime").reshape(8, 6, 5)
    np.testing.assert_array_equal(np.asarray(the_mesh(panels[0]).get_array()).reshape(6, 8), codes[:, :, 0].T)
    paths = figures.draw_run(run, formats=("png",))
    assert paths == [run / "phase_diagram.png"] and paths[0].stat().st_size > 0


def test_facet_values_are_evenly_spaced_and_include_ends():
    assert list(figaxes.facet_values(4, 6)) == [0, 1, 2, 3]
    assert list(figaxes.facet_values(11, 3)) == [0, 5, 10]
    picks = figaxes.facet_values(100, 6)
    assert len(picks) == 6 and picks[0] == 0 and picks[-1] == 99


def test_geometric_axis_is_drawn_on_a_log_scale(tmp_path):
    specs = [dict(param="arms.amortisation_years", space="logspace", start=1, stop=30, num=12),
             dict(param=Y, start=0, stop=6, num=5)]
    run = make_run(tmp_path, specs)
    table, meta = read_table(run / "equilibria.parquet")
    ax = figaxes.phase_diagram(table, meta).axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    lo, hi = ax.get_xlim()
    assert 0 < lo < 1 and 30 < hi  # cells centred on the values in log space


def test_unsorted_list_axis_is_drawn_in_ascending_order(tmp_path):
    specs = [dict(param=X, space="list", values=[20.0, 0.0, 10.0]), dict(param=Y, start=0, stop=6, num=4)]
    run = make_run(tmp_path, specs)
    table, meta = read_table(run / "equilibria.parquet")
    mesh = the_mesh(figaxes.phase_diagram(table, meta).axes[0])
    assert np.all(np.diff(mesh.get_coordinates()[0, :, 0]) > 0)
    grid = figaxes.regime_grid(table, meta)  # columns in table order: x = 20, 0, 10
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(4, 3), grid[:, [1, 2, 0]])


def test_large_even_grid_is_drawn_as_an_image_of_the_same_regimes(tmp_path):
    from matplotlib.image import AxesImage

    from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
    from sim.figures.axes import IMAGE_CELLS, phase_diagram, regime_grid
    from sim.solvers.registry import SOLVERS
    from sim.engine.sweep import make_axis, solve_grid
    from sim.store.table import TableMeta

    nx, ny = 400, 260
    assert nx * ny >= IMAGE_CELLS
    axes = [make_axis("x", GameParams, dict(param="iraq.nationalism", start=0, stop=20, num=nx)),
            make_axis("y", GameParams, dict(param="us.credibility", start=0, stop=6, num=ny))]
    table = solve_grid(SCENARIO, GameParams(), axes, [SOLVERS["spe"].bind()])
    meta = TableMeta(SCENARIO.name, SCENARIO.regimes,
                     ({"param": "iraq.nationalism", "unit": "$bn/yr", "doc": "", "n": nx},
                      {"param": "us.credibility", "unit": "$bn/yr", "doc": "", "n": ny}),
                     {"iraq.nationalism": 2.0, "us.credibility": 1.0})
    fig = phase_diagram(table, meta)
    (image,) = [a for a in fig.axes[0].get_images() if isinstance(a, AxesImage)]
    np.testing.assert_array_equal(np.asarray(image.get_array()), regime_grid(table, meta))
    assert image.get_extent() == pytest.approx([-10 / (nx - 1), 20 + 10 / (nx - 1), -3 / (ny - 1), 6 + 3 / (ny - 1)])


def test_figures_read_only_the_columns_they_draw(run2d):
    """draw_run reads the axes and regime columns, not payoffs, actions or counts per regime."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(run2d / rundir.TABLE)
    _, meta = read_table(run2d / rundir.TABLE)
    cols = phase.figure_columns(schema, meta)
    assert {"spe_regime", "nash_regimes", "nash_count", *(a["param"] for a in meta.axes)} <= set(cols)
    assert not [c for c in cols if "payoff" in c or c in ("spe_iraq", "spe_us", "nash_count_hedging")]
    assert len(cols) < len(schema.names) / 2


# ----------------------------------------------------------------------------- words, letters, fonts


def test_pdf_embeds_truetype_fonts_not_type3(run2d):
    (pdf,) = figures.draw_run(run2d, ("pdf",))
    data = pdf.read_bytes()
    assert not type3_fonts(data) and b"/FontFile2" in data  # Type 42: the TrueType program embedded
    assert figstyle.STYLE["pdf.fonttype"] == 42 and figstyle.STYLE["ps.fonttype"] == 42


def test_a_single_panel_carries_no_letter(table2d):
    table, meta = table2d
    spe_only = table.drop_columns([c for c in table.column_names if c.startswith("nash_")])
    fig = phase.run_figure(spe_only, meta)
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert not ax.get_title().startswith("(")
    assert label_problems(fig) == []
    two = phase.run_figure(table, meta)
    assert [a.get_title()[:4] for a in two.axes] == ["(a) ", "(b) "]
    assert figstyle.panel_title(0, 1, "x") == "x" and figstyle.panel_title(1, 2, "x") == "(b) x"


def test_the_star_is_this_runs_baseline(run2d, tmp_path):
    """A run that sets a parameter away from the calibrated baseline says so in the legend;
    what it changed is stored in the table's metadata, never read back from config.yaml."""
    table, meta = read_table(run2d / "equilibria.parquet")
    assert figstyle.run_changes(run2d) == ()  # a table without ``changes``: nothing known to differ
    run = tmp_path / "run"
    run.mkdir()
    changes = ("us.credibility = 4 $bn/yr", "us.committed_prior = 0.7")  # a probability shows as it is
    write_table(table, dataclasses.replace(meta, changes=changes), run / "equilibria.parquet")
    (run / "config.yaml").write_text("scenario: iraq2020\ngame: {iraq: {nationalism: 9.0}}\n")  # not read
    assert figstyle.run_changes(run) == changes
    label = figstyle.baseline_text(changes)
    assert label == "baseline of this run (us.credibility = 4 $bn/yr, us.committed_prior = 0.7)"
    fig = phase.run_figure(table, meta, label)
    assert flat(legend_labels(fig.legends[0])[-1]) == label
    assert legend_labels(phase.run_figure(table, meta).legends[0])[-1] == "baseline"  # the calibrated one
    assert figstyle.baseline_text(()) == figstyle.BASELINE_LABEL
    assert figstyle.run_changes(tmp_path / "nothing") == ()  # no table at all


def _lab(colour) -> np.ndarray:
    """CIELAB (D65) of a matplotlib colour: sRGB -> linear -> XYZ -> L*a*b*."""
    from matplotlib.colors import to_rgb

    c = np.asarray(to_rgb(colour))
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    f = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(f > (6 / 29) ** 3, np.cbrt(f), f / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_the_probability_maps_mid_tone_is_not_confusable_with_a_regime_colour():
    """cividis(0.5), the middle of the probability panels' map, lies more than ΔE*ab = 15 from
    every regime colour of the scenario and from the grey of 'no pure NE' (CIE76 distance)."""
    import matplotlib

    assert np.isclose(np.linalg.norm(_lab("white") - _lab("black")), 100.0, atol=0.1)  # the conversion's scale
    mid = matplotlib.colormaps[phase.PROB_CMAP](0.5)
    colours = {**figstyle.regime_colours(S.regimes), figstyle.NO_NE_LABEL: figstyle.NO_NE_COLOUR}
    delta = {name: float(np.linalg.norm(_lab(mid) - _lab(c))) for name, c in colours.items()}
    assert min(delta.values()) > 15, delta


def test_action_names_come_from_the_scenario():
    assert figstyle.action_name(S, "Iraq", "advisers+deepen") == "demand a drawdown to advisers, deepen ties"
    assert figstyle.action_name("iraq2020_v1", "Iraq", "keep+status_quo") == "keep troops, status quo"
    assert figstyle.action_name("iraq2020_v1", "US", "severe") == "severe sanctions"
    assert figstyle.action_name("iraq2020", "US", "advisory+waiver") == "draw down to advisers, revoke the energy waiver"
    assert figstyle.action_name("iraq2020", "US", "warn") == "warn"  # no words given: the code
    assert figstyle.action_name(None, "Iraq", "keep+deepen") == "keep+deepen"


def test_captions_name_axes_by_label_and_say_whose_baseline_the_star_is():
    """The captions written beside these figures (sim.figures.captions): no unit "1", no empty
    parentheses, the λ line not called the baseline."""
    sys.path.insert(0, str(Path(__file__).parent))
    from golden import coarse_config

    from sim.figures.captions import caption

    bite = caption(coarse_config("nationalism_sanction_bite"), "phase_diagram", "r", "0" * 64)
    assert "Share of Iraqi oil revenue at risk at the NY Fed (iraq.fed_share_at_risk; 0–0.5; 5 values)" in bite
    assert "except us.presence_value = 8.8 $bn/yr, us.credibility = 4 $bn/yr, iran.pressure_cost = 0.5 $bn/yr." in bite
    assert "Star: this run's baseline (" in bite
    concepts = coarse_config("concepts")
    text = caption(concepts, "phase_diagram", "r", "0" * 64)
    assert "us.committed_prior = 0.7, " in text and " 1." not in text and " 1," not in text  # a pure number: no unit
    qre = caption(concepts, "qre_path", "r", "0" * 64)
    assert "Dashed line: this run's λ = 2 per $bn/yr." in qre and "Star" not in qre
    default = caption(coarse_config("nationalism_credibility"), "phase_diagram", "r", "0" * 64)
    assert "Star: the calibrated baseline (iraq.nationalism = 2 $bn/yr, us.credibility = 1 $bn/yr)." in default
    sobol = coarse_config("sobol_regime")
    morris = dataclasses.replace(sobol, sensitivity=dataclasses.replace(sobol.sensitivity, method="morris"))
    text = caption(morris, "sensitivity", "r", "0" * 64)
    n_params = len(list(iter_params(GameParams)))  # Morris: a trajectory solves D + 1 games
    assert f"16 trajectories ({16 * (n_params + 1)} games, seed 0)" in text and "(," not in text
    assert "μ*" in text and "σ" in text and "mu*" not in text and "sigma" not in text
