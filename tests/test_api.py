"""The notebook API (sim/api/): scenarios, points, results, sweeps, runs; bad input.

Answers are checked against the solvers called directly, a sweep against a run of the
same config written by ``python -m sim``'s own code, and every registered concept is
solved through the API.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.api import ConfigError, Point, Result, Scenario, Sweep
from sim.engine.params import replace_values
from sim.figures.style import action_name
from sim.solvers.registry import SOLVERS
from sim.solvers.spe import solve_spe
from sim.store.columns import slug
from sim.store.table import ResultsError

ROOT = Path(__file__).resolve().parents[1]
N3 = {"iraq.nationalism": 3.0}
ABM_SMALL = {"replicates": 2, "steps": 30, "tail": 10, "settle_window": 5}


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return sim.load("iraq2020")


def test_import_sim_stays_light():
    code = "import sim, sys; print('sim.api' in sys.modules, 'pandas' in sys.modules); print(sim.load.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False", "sim.api.scenario"]


def test_scenario_describes_itself(sc):
    assert sc.actors == ("Russia", "Iran", "Iraq", "US")
    assert "confrontation" in sc.regimes
    assert sc.solvers == ("spe", "nash", "bayes", "qre", "abm")
    assert sim.load("iraq2020_blocs").solvers[-1] == "twolevel"
    params = sc.parameters
    assert params.loc["iraq.nationalism", "unit"] == "$bn/yr"
    assert params.loc["iraq.nationalism", "value"] == params.loc["iraq.nationalism", "default"]
    assert not params["changed"].any()
    assert "Scenario 'iraq2020'" in repr(sc) and sc._repr_html_().startswith("<div")


def test_three_ways_to_name_a_point(sc):
    a, b, c = sc.at(**N3), sc.at(N3), sc.at(iraq__nationalism=3)
    assert a.changes == b.changes == c.changes == N3
    assert a.at(**{"us.credibility": 2}).changes == {**N3, "us.credibility": 2.0}
    assert a.params.iraq.nationalism == 3.0 and a.parameters.loc["iraq.nationalism", "changed"]
    assert "3 $bn/yr" in repr(a) and "2 $bn/yr" in repr(a)  # the value and the baseline


def test_spe_result_is_the_solvers_answer(sc):
    point = sc.at(**N3)
    r = point.solve("spe")
    direct = solve_spe(sc.model, replace_values(sc.model.params_cls(), N3))
    assert isinstance(r, Result) and r.regime == str(direct["spe_regime"][0])
    for j, actor in enumerate(sc.model.actors):
        code = str(direct[f"spe_{slug(actor.name)}"][0])
        assert r.path[actor.name] == action_name(sc.model, actor.name, code)
        assert r.payoffs[actor.name] == pytest.approx(direct[f"spe_payoff_{slug(actor.name)}"][0])
    assert list(r.payoffs.index) == list(sc.actors)
    table = r.table()
    assert table.loc["spe_regime", "value"] == r.regime
    assert table.loc["spe_payoff_us", "label"] == "Sequential game: US's payoff on the path ($bn/yr)"
    assert r.regime in repr(r) and r.path["Iraq"] in repr(r)
    assert r.regime in r._repr_html_()


@pytest.mark.parametrize("concept", list(SOLVERS))
def test_every_registered_concept_solves_a_point(concept):
    spec = SOLVERS[concept]
    scenario = sim.load("iraq2020_blocs" if spec.requires_domestic else "iraq2020")
    options = ABM_SMALL if concept == "abm" else {}
    r = scenario.solve(concept, **options)
    assert r.concept == concept
    assert set(r.row.index) <= set(spec.column_names(scenario.model))
    assert r.regime is not None
    assert all(part in scenario.regimes for part in r.regime.split("|") if part)
    if r.probabilities is not None:
        assert r.probabilities.sum() == pytest.approx(1.0)
        assert r.probabilities.idxmax() == r.regime
    assert len(r.table()) == len(r.row)
    assert repr(r).startswith(spec.short_title)


def test_nash_equilibria_agree_with_the_count(sc):
    for cred in (0.0, 0.2, 3.0):
        r = sc.at(**{"us.credibility": cred}).solve("nash")
        eq = r.equilibria
        assert len(eq) == int(r.row["nash_count"])
        assert set(eq["regime"]) == {p for p in r.regime.split("|") if p}
        assert (r.path is None) == (len(eq) != 1)
    several = sc.at(**{"us.credibility": 0.2}).solve("nash")
    assert len(several.equilibria) > 1 and "#" in repr(several)


def test_options_reach_the_solver(sc):
    uniform = sc.solve("qre", lam=0.0).probabilities
    sharp = sc.solve("qre", lam=50.0).probabilities
    assert uniform.max() < sharp.max()
    runs = sc.solve("abm", **ABM_SMALL).runs
    assert len(runs) == ABM_SMALL["replicates"]
    again = sc.solve("abm", seed=1, dynamics="logit", **ABM_SMALL)
    assert len(again.runs) == ABM_SMALL["replicates"]


@pytest.mark.parametrize("call, message", [
    (lambda sc: sc.at(**{"iraq.natinalism": 3}), "did you mean 'iraq.nationalism'"),
    (lambda sc: sc.at(nationalism=3), "did you mean 'iraq.nationalism'"),
    (lambda sc: sc.at(**{"iraq.nationalism": 30}), r"allowed: \[0.0, 20.0\] \$bn/yr"),
    (lambda sc: sc.at(**{"iraq.nationalism": "high"}), "is not a number"),
    (lambda sc: sc.solve("spee"), "did you mean 'spe'.*allowed: spe, nash, bayes, qre, abm, twolevel"),
    (lambda sc: sc.solve("twolevel"), "needs a domestic level.*iraq2020_blocs"),
    (lambda sc: sc.solve("qre", lamda=2), "did you mean 'lam'"),
    (lambda sc: sc.solve("spe", lam=2), "spe takes no options"),
    (lambda sc: sc.solve("abm", dynamics="logt"), "did you mean 'logit'"),
    (lambda sc: sc.sweep(x=("iraq.nationalism", 0, 60, 3)), r"sweep.x: .*outside its range \[0.0, 20.0\]"),
    (lambda sc: sc.sweep(x="iraq.nationalism"), r"give \(param, start, stop, num\)"),
    (lambda sc: sc.sweep(x=("iraq.nationalism", 0, 6, 3)).solve(["spe"], qre2={}), "did you mean 'qre'"),
    (lambda sc: sim.load("iraq202"), "did you mean 'iraq2020'"),
])
def test_bad_input_is_one_clear_error(sc, call, message):
    with pytest.raises(ConfigError, match=message) as info:
        call(sc)
    assert "\n" not in str(info.value)


def test_sweep_is_a_tidy_table_in_c_order(sc):
    sw = sc.at(**N3).sweep(x=("iraq.nationalism", 0, 6, 4), y=("us.credibility", [0.0, 1.0, 4.0]))
    assert isinstance(sw, Sweep) and sw.n_points == 12
    df = sw.solve(["spe", "nash"])
    assert len(df) == 12 and list(df.columns[:2]) == ["iraq.nationalism", "us.credibility"]
    assert df["us.credibility"].tolist()[:3] == [0.0, 1.0, 4.0]  # the last axis varies fastest
    assert isinstance(df["spe_regime"].dtype, pd.CategoricalDtype)
    assert list(df["spe_regime"].cat.categories) == list(sc.regimes)
    row = df[(df["iraq.nationalism"] == 2.0) & (df["us.credibility"] == 1.0)].iloc[0]
    point = sc.at(**{"iraq.nationalism": 2.0, "us.credibility": 1.0}).solve("spe")
    assert row["spe_regime"] == point.regime
    assert row["spe_payoff_iraq"] == pytest.approx(point.payoffs["Iraq"])
    meta = df.sim.meta
    assert meta.baseline == {"iraq.nationalism": 3.0, "us.credibility": 1.0}
    assert [a["n"] for a in meta.axes] == [4, 3]
    assert "12 points" in repr(sw)


def test_labels_are_human(sc):
    df = sc.sweep(x=("iraq.nationalism", 0, 6, 3)).solve("spe")
    labels = df.sim.labels()
    assert labels["iraq.nationalism"] == "Iraqi nationalist cost of hosting US troops ($bn/yr)"
    assert labels["spe_regime"] == "Sequential game: regime on the equilibrium path"
    assert len(set(labels.values())) == len(labels)
    labelled = sc.sweep(x=("iraq.nationalism", 0, 6, 3)).solve("spe", labels=True)
    assert list(labelled.columns) == [labels[c] for c in df.columns]


def test_plot_draws_the_phase_diagram(sc):
    sw = sc.sweep(x=("iraq.nationalism", 0, 6, 5), y=("us.credibility", 0, 4, 4))
    df = sw.solve(["spe", "nash"])
    fig = df.sim.plot()
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert any("Sequential game" in t for t in titles) and any("Simultaneous game" in t for t in titles)
    xlabels = {ax.get_xlabel() for ax in fig.axes if ax.get_xlabel()}
    assert any("Iraqi nationalist cost" in x and "($bn/yr)" in x.replace("\n", " ") for x in xlabels)
    assert isinstance(df.sim.labelled().sim.plot(), Figure)
    assert isinstance(sw.plot(), Figure)
    with pytest.raises(ResultsError, match="rows"):
        df.iloc[:7].sim.plot()


def test_a_frame_without_metadata_says_so():
    with pytest.raises(ConfigError, match="no sim table metadata"):
        pd.DataFrame({"a": [1]}).sim.meta


def test_a_written_run_has_the_rows_of_the_sweep(sc, tmp_path):
    sw = sc.at(**N3).sweep(x=("iraq.nationalism", 0, 6, 4), y=("us.credibility", 0, 4, 3))
    df = sw.solve(["spe", "nash"])
    run = sw.run(tmp_path / "results", ["spe", "nash"], name="api_test")
    assert run.dir.parent == tmp_path / "results" / "api_test"
    opened = sim.open_run(run.dir)
    pd.testing.assert_frame_equal(opened.table, df)
    assert opened.table.sim.meta == df.sim.meta
    assert opened.config["game"] == {"iraq": {"nationalism": 3.0}}
    assert opened.manifest["n_points"] == 12
    assert [p.name for p in opened.figures] == ["phase_diagram.png"] and opened.figures[0].is_file()
    assert "data:image/png;base64," in opened._repr_html_()
    assert opened.read("equilibria.parquet").shape == df.shape
    with pytest.raises(ConfigError, match="it has: equilibria.parquet"):
        opened.read("abm_runs.parquet")


def test_open_run_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        sim.open_run(tmp_path / "nothing")
    with pytest.raises(ConfigError, match="not a finished run"):
        sim.open_run(tmp_path)


def test_open_run_of_a_sensitivity_like_run_reads_its_table(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"run_id": "x"}))
    pd.DataFrame({"param": ["a"], "S1": [0.5]}).to_parquet(tmp_path / "sensitivity.parquet")
    assert sim.open_run(tmp_path).table["S1"].tolist() == [0.5]


def test_result_tree_draws_the_game_tree(sc):
    pytest.importorskip("sim.figures.game_tree", reason="the game tree figure is not in this tree yet")
    fig = sc.at(**N3).solve("spe").tree()
    assert isinstance(fig, Figure)


def test_point_is_a_point_of_its_scenario(sc):
    p = sc.at(**N3)
    assert isinstance(p, Point) and p.scenario is sc
    assert p.describe() == "iraq2020 at iraq.nationalism = 3 $bn/yr"
    assert sc.at().describe() == "iraq2020 at its baseline"
    assert np.isclose(p.params.us.credibility, sc.model.params_cls().us.credibility)
