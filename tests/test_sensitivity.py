"""Sensitivity analysis (sim.analysis.sensitivity): SALib Sobol and Morris over the regime indicators."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

pytest.importorskip("SALib")


from figcheck import flat, label_problems, layout_problems  # noqa: E402

from sim.analysis import sensitivity as sens  # noqa: E402
from sim.figures.style import COLUMN_WIDTH, PAGE_WIDTH  # noqa: E402
from sim.scenarios.iraq2020 import SCENARIO, GameParams  # noqa: E402
from sim.engine.params import ConfigError, iter_params  # noqa: E402
from sim.store.table import write_parquet  # noqa: E402

ALL = [i.name for i in iter_params(GameParams)]


def _synthetic(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0.0, 1.0]] * d, "units": ["1"] * d}


def _df(table):
    return table.to_pandas()


def _close(value, target, conf, tol=0.05):
    return abs(value - target) <= max(tol, conf)


# ----------------------------------------------------------------------------- problem


def test_problem_defaults_to_every_parameter_with_documented_bounds():
    p = sens.problem(GameParams)
    infos = list(iter_params(GameParams))
    assert p["names"] == [i.name for i in infos]
    assert p["num_vars"] == len(infos)
    assert p["bounds"] == [[i.low, i.high] for i in infos]
    assert p["units"] == [i.unit for i in infos]


def test_problem_subset_and_narrower_ranges():
    p = sens.problem(GameParams, ["us.credibility", "iraq.nationalism"], {"iraq.nationalism": (1, 5)})
    assert p["names"] == ["us.credibility", "iraq.nationalism"]
    assert p["bounds"] == [[0.0, 15.0], [1.0, 5.0]]


@pytest.mark.parametrize("names, ranges, match", [
    (["iraq.nope"], None, "unknown parameter 'iraq.nope'"),
    (["us.aid", "us.aid"], None, "listed twice"),
    ([], None, "at least one"),
    (["us.aid"], {"us.aid": (-1, 2)}, "range of us.aid"),
    (["us.aid"], {"us.aid": (2, 2)}, "range of us.aid"),
    (["us.aid"], {"us.credibility": (0, 1)}, "not among the varied"),
])
def test_problem_refuses_bad_names_and_ranges(names, ranges, match):
    with pytest.raises(ConfigError, match=match):
        sens.problem(GameParams, names, ranges)


# ----------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("concept", ["spe", "bayes"])
def test_regime_outputs_are_indicators_or_probabilities(concept):
    p = sens.problem(GameParams)
    rng = np.random.default_rng(1)
    lo, hi = np.array(p["bounds"]).T
    X = lo + (hi - lo) * rng.random((300, p["num_vars"]))
    Y = sens.regime_outputs(SCENARIO, X, p["names"], concept, chunk_size=64)
    assert Y.shape == (300, len(SCENARIO.regimes))
    np.testing.assert_allclose(Y.sum(axis=1), 1.0)
    assert np.all((Y >= 0) & (Y <= 1))
    if concept == "spe":
        assert set(np.unique(Y)) <= {0.0, 1.0}
    # chunking does not change the result
    np.testing.assert_array_equal(Y, sens.regime_outputs(SCENARIO, X, p["names"], concept, chunk_size=1000))


# ----------------------------------------------------------------------------- Sobol


def test_sobol_indices_of_an_unused_parameter_are_zero():
    """A parameter the payoffs never see (a synthetic dummy column dropped before the
    solver) has S1 = ST = 0: its AB matrix gives exactly the outputs of A."""
    base = sens.problem(GameParams, ["us.credibility", "iraq.nationalism", "us.aid", "iraq.hedging_value"])
    prob = {**base, "num_vars": base["num_vars"] + 1, "names": base["names"] + ["dummy"],
            "bounds": base["bounds"] + [[0.0, 1.0]], "units": base["units"] + ["1"]}
    inner = sens.RegimeIndicators(SCENARIO, tuple(base["names"]))

    def evaluate(X):
        return inner(X[:, :-1])

    df = _df(sens.sobol(prob, evaluate, 256, seed=3, outputs=SCENARIO.regimes))
    dummy = df[(df["param"] == "dummy") & (df["status"] == "ok")]
    assert len(dummy) >= 3
    for col in ("S1", "ST"):
        assert np.all(np.abs(dummy[col]) < 1e-12), dummy
    # a parameter the solver gets but the SPE does not use (the prior over US types)
    full = _df(sens.sobol(sens.problem(GameParams), sens.RegimeIndicators(SCENARIO, tuple(ALL)), 64, seed=0))
    unused = full[full["param"].isin(["us.committed_prior", "us.bluff_credibility"]) & (full["status"] == "ok")]
    assert len(unused) == 2 * 5
    assert np.all(np.abs(unused[["S1", "ST"]].to_numpy()) < 1e-12)


def test_sobol_recovers_a_known_indicator():
    """Y = 1{x0 > 0.5}: x0 explains everything (S1 = ST = 1), x1 and x2 nothing."""
    df = _df(sens.sobol(_synthetic(3), lambda X: (X[:, 0] > 0.5).astype(float), 1024, seed=0))
    x0 = df[df["param"] == "x0"].iloc[0]
    assert _close(x0["S1"], 1.0, x0["S1_conf"]) and _close(x0["ST"], 1.0, x0["ST_conf"])
    for _, row in df[df["param"] != "x0"].iterrows():
        assert _close(row["S1"], 0.0, row["S1_conf"]) and _close(row["ST"], 0.0, row["ST_conf"])
    assert df["regime"].tolist() == ["y0"] * 3
    assert _close(df["share"].iloc[0], 0.5, 0.0, 0.01)


def test_sobol_recovers_analytic_indices_of_a_linear_model():
    """Y = x0 + 2 x1 (uniform): S1 = ST = (1/5, 4/5, 0)."""
    df = _df(sens.sobol(_synthetic(3), lambda X: X[:, 0] + 2 * X[:, 1], 1024, seed=1))
    for param, target in zip(("x0", "x1", "x2"), (0.2, 0.8, 0.0)):
        row = df[df["param"] == param].iloc[0]
        assert _close(row["S1"], target, row["S1_conf"], 0.03)
        assert _close(row["ST"], target, row["ST_conf"], 0.03)


def test_constant_outputs_are_skipped_and_said_so():
    def evaluate(X):
        return np.column_stack([X[:, 0] > 0.5, np.zeros(len(X)), np.ones(len(X))]).astype(float)

    df = _df(sens.sobol(_synthetic(2), evaluate, 64, seed=0, outputs=["a", "never", "always"]))
    assert df.groupby("regime", sort=False)["status"].first().to_dict() == {
        "a": "ok", "never": "never reached", "always": "always reached"}
    assert df.loc[df["regime"] != "a", ["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()
    assert df.loc[df["regime"] == "a", ["S1", "ST"]].notna().all().all()


def test_sobol_on_the_scenario_table_and_ranking():
    table = sens.sobol(sens.problem(GameParams), sens.RegimeIndicators(SCENARIO, tuple(ALL)), 512, seed=0)
    df = _df(table)
    assert tuple(df.columns) == sens.COLUMNS
    assert len(df) == len(SCENARIO.regimes) * len(ALL)
    assert not df.duplicated(["regime", "param"]).any()
    assert (df["method"] == "sobol").all()
    assert list(dict.fromkeys(df["regime"])) == list(SCENARIO.regimes)
    assert (df["status"] == "ok").all()  # every regime occurs somewhere in the ranges
    assert df[["mu", "mu_star", "mu_star_conf", "sigma"]].isna().all().all()
    assert df.loc[df["param"] == "us.credibility", "unit"].iloc[0] == "$bn/yr"
    top5 = [p for p, _, _ in sens.top_params(table, "hedging", 5)]
    assert "us.credibility" in top5 or "iraq.nationalism" in top5, top5
    meta = json.loads(table.schema.metadata[sens.META_KEY])
    assert meta["n_evaluations"] == 512 * (len(ALL) + 2)


def test_sobol_second_order_adds_pair_rows():
    df = _df(sens.sobol(_synthetic(3), lambda X: X[:, 0] * X[:, 1], 256, seed=0, calc_second_order=True))
    pairs = df[df["param2"].notna()]
    assert len(pairs) == 3 and len(df) == 6
    row = pairs[(pairs["param"] == "x0") & (pairs["param2"] == "x1")].iloc[0]
    assert row["S2"] > 0.03  # x0 * x1 has an interaction (analytic S2 = 1/7)
    assert pairs.loc[pairs["param2"] == "x2", "S2"].abs().max() < 0.05


def test_same_seed_same_bytes(tmp_path):
    def run(seed, name):
        prob = sens.problem(GameParams, ["us.credibility", "iraq.nationalism", "us.severe_cost"])
        table = sens.sobol(prob, sens.RegimeIndicators(SCENARIO, tuple(prob["names"])), 128, seed=seed)
        write_parquet(table, tmp_path / name, table.schema.metadata)
        return (tmp_path / name).read_bytes()

    a, b, c = run(7, "a.parquet"), run(7, "b.parquet"), run(8, "c.parquet")
    assert a == b
    assert a != c


def test_sobol_refuses_bad_sizes():
    with pytest.raises(ConfigError, match="power of two"):
        sens.sobol(_synthetic(2), lambda X: X[:, 0], 100, seed=0)
    with pytest.raises(ConfigError, match="n=1"):
        sens.sobol(_synthetic(2), lambda X: X[:, 0], 1, seed=0)


# ----------------------------------------------------------------------------- Morris


def test_morris_returns_mu_star_for_every_parameter():
    table = sens.morris(sens.problem(GameParams), sens.RegimeIndicators(SCENARIO, tuple(ALL)), 20, levels=4,
                        seed=0)
    df = _df(table)
    assert tuple(df.columns) == sens.COLUMNS and (df["method"] == "morris").all()
    ok = df[df["status"] == "ok"]
    assert len(ok) >= 3 * len(ALL)
    assert ok[["mu_star", "mu_star_conf", "sigma"]].notna().all().all()
    assert (ok["mu_star"] >= 0).all()
    assert df[["S1", "ST"]].isna().all().all()
    unused = ok[ok["param"].isin(["us.committed_prior", "us.bluff_credibility"])]
    assert (unused["mu_star"] == 0).all()


def test_morris_recovers_a_known_screening():
    df = _df(sens.morris(_synthetic(3), lambda X: 3 * X[:, 0], 30, levels=4, seed=2))
    mu = dict(zip(df["param"], df["mu_star"]))
    assert mu["x0"] == pytest.approx(3.0) and mu["x1"] == 0 and mu["x2"] == 0


# ----------------------------------------------------------------------------- figure and CLI


def test_figure_has_a_panel_per_reached_regime():
    def evaluate(X):
        return np.column_stack([X[:, 0] > 0.5, X[:, 1] + X[:, 0] > 1, np.zeros(len(X))]).astype(float)

    table = sens.sobol(_synthetic(4), evaluate, 64, seed=0, outputs=["a", "b", "never"])
    fig = sens.figure(table, top_k=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert len(visible[0].get_yticklabels()) == 3
    assert "never" in fig._suptitle.get_text()
    assert fig.get_size_inches()[0] <= PAGE_WIDTH
    assert layout_problems(fig) == []


def test_figure_is_a_page_wide_with_many_panels_and_a_column_wide_with_one():
    names = ["us.severe_credibility_factor", "iraq.nationalism", "iraq.fed_share_at_risk", "x3", "x4", "x5"]
    problem_ = {"num_vars": 6, "names": names, "bounds": [[0.0, 1.0]] * 6, "units": ["1", "$bn/yr", "1", "1", "1", "1"]}

    def evaluate(X):  # five regimes reached (five panels, three rows of two), one never
        return np.column_stack([X[:, k] > 0.5 for k in range(5)] + [np.zeros(len(X))]).astype(float)

    outputs = ["US-aligned status quo", "hedging", "Russian pivot", "managed exit", "confrontation", "never"]
    for method, table in (("sobol", sens.sobol(problem_, evaluate, 64, seed=0, outputs=outputs)),
                          ("morris", sens.morris(problem_, evaluate, 20, levels=4, seed=0, outputs=outputs))):
        fig = sens.figure(table, top_k=6)
        assert fig.get_size_inches()[0] == pytest.approx(PAGE_WIDTH), method
        assert sum(ax.get_visible() for ax in fig.axes) == 5
        assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "95% bootstrap interval"
        assert layout_problems(fig) == [], method
    one = sens.sobol(problem_, lambda X: np.column_stack([X[:, 0] > 0.5, np.zeros(len(X))]).astype(float), 64,
                     seed=0, outputs=["hedging", "never"])
    fig = sens.figure(one, top_k=6)
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH)  # one panel: a column wide
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_title(loc="right").startswith("hedging (")  # no "(a) "
    assert label_problems(fig) == []  # the one panel carries no "(a)"
    assert layout_problems(fig) == []


def test_figure_names_parameters_by_label_and_typesets_symbols():
    """Tick labels are the scenario's labels with units (none for a pure number); Morris shows μ* and σ."""
    names = ["iraq.nationalism", "iraq.fed_share_at_risk", "us.credibility"]
    prob = sens.problem(GameParams, names)

    def evaluate(X):
        return np.column_stack([X[:, 0] > 10, X[:, 2] + 5 * X[:, 1] > 3]).astype(float)

    table = sens.morris(prob, evaluate, 20, levels=4, seed=0, outputs=["hedging", "confrontation"])
    meta = {**json.loads(table.schema.metadata[sens.META_KEY]), "scenario": SCENARIO.name}
    table = table.replace_schema_metadata({sens.META_KEY: json.dumps(meta).encode()})
    fig = sens.figure(table, top_k=3)
    ticks = {flat(t.get_text()) for ax in fig.axes if ax.get_visible() for t in ax.get_yticklabels()}
    infos = {i.name: i for i in iter_params(GameParams)}
    assert ticks == {"Iraqi nationalist cost of hosting US troops (\\$bn/yr)", infos["iraq.fed_share_at_risk"].label,
                     f"{infos['us.credibility'].label} (\\$bn/yr)"}  # $ escaped from mathtext
    assert not [t for t in ticks if "[" in t or "(1)" in t or "." in t.split(" (")[0]]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["μ* (mean |elementary effect|)", "σ (spread)"]
    assert not [t for t in legend if "mu*" in t or "sigma" in t]
    assert label_problems(fig) == [] and layout_problems(fig) == []


def test_cli_writes_a_reproducible_run(tmp_path, capsys):
    args = ["--n", "64", "--params", "us.credibility,iraq.nationalism,us.aid", "--seed", "5"]
    assert sens.main([*args, "--out", str(tmp_path / "r1")]) == 0
    assert sens.main([*args, "--out", str(tmp_path / "r2")]) == 0
    out = capsys.readouterr().out
    assert "hedging" in out and str(tmp_path / "r2") in out
    r1, r2 = tmp_path / "r1", tmp_path / "r2"
    assert sorted(p.name for p in r1.iterdir()) == [
        "manifest.json", "sensitivity.parquet", "sensitivity.pdf", "sensitivity.png"]
    for name in ("sensitivity.parquet", "sensitivity.png", "sensitivity.pdf"):
        assert (r1 / name).read_bytes() == (r2 / name).read_bytes(), name
    manifest = json.loads((r1 / "manifest.json").read_text())
    assert manifest["config"]["params"] == ["us.credibility", "iraq.nationalism", "us.aid"]
    assert manifest["n_points"] == 64 * 5 and manifest["packages"]["SALib"]
    table = pq.read_table(r1 / "sensitivity.parquet")
    meta = json.loads(table.schema.metadata[sens.META_KEY])
    assert meta["concept"] == "spe" and meta["scenario"] == "iraq2020"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_cli_morris(tmp_path):
    assert sens.main(["--method", "morris", "--n", "4", "--params", "us.credibility,us.aid",
                      "--out", str(tmp_path / "m")]) == 0
    df = pq.read_table(tmp_path / "m" / "sensitivity.parquet").to_pandas()
    assert (df["method"] == "morris").all()


@pytest.mark.parametrize("argv", [
    ["--method", "fast"],
    ["--n", "100"],
    ["--n", "abc"],
    ["--params", "iraq.nope"],
    ["--concept", "nash"],
    ["--seed", "-1"],
    ["--method", "morris", "--levels", "3"],
    ["--bogus"],
])
def test_cli_bad_arguments_exit_2_with_one_line(argv, capsys, tmp_path):
    assert sens.main([*argv, "--out", str(tmp_path / "x")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim.analysis.sensitivity: error: "), captured.err
    assert captured.out == ""
    assert not (tmp_path / "x").exists()


def test_cli_refuses_an_existing_output(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("keep")
    assert sens.main(["--n", "4", "--params", "us.aid", "--out", str(tmp_path / "x")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "x" / "f").read_text() == "keep"


# ----------------------------------------------------------------------------- options and the experiment


@pytest.mark.parametrize("opts, match", [
    (sens.SensitivityOptions(method="fast"), r"sensitivity.method='fast' is unknown; allowed: sobol, morris"),
    (sens.SensitivityOptions(concept="nash"), r"sensitivity.concept='nash' is unknown; allowed: spe, bayes"),
    (sens.SensitivityOptions(n=100), r"sensitivity.n=100 must be a power of two"),
    (sens.SensitivityOptions(n=1), r"sensitivity.n=1 must be an integer >= 2"),
    (sens.SensitivityOptions(resamples=1.5), r"sensitivity.resamples=1.5 must be an integer >= 2"),
    (sens.SensitivityOptions(method="morris", levels=3), r"sensitivity.levels=3 must be even"),
    (sens.SensitivityOptions(method="morris", second_order=True), r"applies only when sensitivity.method is sobol"),
    (sens.SensitivityOptions(second_order="yes"), r"sensitivity.second_order='yes' must be true or false"),
])
def test_check_options_refuses_bad_values_naming_the_key(opts, match):
    with pytest.raises(ConfigError, match=match):
        sens.check_options(opts)


def test_options_size_and_evaluations_follow_the_method():
    assert sens.SensitivityOptions().size == sens.DEFAULT_SOBOL_N
    assert sens.SensitivityOptions(method="morris").size == sens.DEFAULT_TRAJECTORIES
    assert sens.SensitivityOptions(n=64).evaluations(38) == 64 * 40
    assert sens.SensitivityOptions(n=64, second_order=True).evaluations(38) == 64 * 78
    assert sens.SensitivityOptions(method="morris", n=10).evaluations(38) == 10 * 39


TINY = {"n": 16, "params": ["us.credibility", "iraq.nationalism", "us.aid"], "seed": 5, "resamples": 10}
TINY_OVERRIDES = ["experiment=sobol_regime", "sensitivity.n=16", "sensitivity.seed=5", "sensitivity.resamples=10",
                  "sensitivity.params=[us.credibility,iraq.nationalism,us.aid]"]
TINY_ARGS = ["--n", "16", "--seed", "5", "--resamples", "10", "--params", "us.credibility,iraq.nationalism,us.aid"]
OUTPUTS = ("sensitivity.parquet", "sensitivity.png", "sensitivity.pdf")


def _sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_experiment_writes_a_run_directory_with_the_clis_table(tmp_path):
    """``python -m sim experiment=sobol_regime`` (tiny) writes a complete run directory whose
    table and figure are byte for byte those of ``python -m sim.analysis.sensitivity`` with the same
    options; the same config gives the same bytes (whatever the chunk size)."""
    r1 = _sim(*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=one", cwd=tmp_path)
    r2 = _sim(*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=two", "chunk_size=7", cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    one, two = tmp_path / "sobol_regime" / "one", tmp_path / "sobol_regime" / "two"
    assert r1.stdout.strip().splitlines()[-1] == str(one)
    assert sorted(p.name for p in one.iterdir()) == [
        "config.yaml", "figures.json", "manifest.json", "sensitivity.caption.txt", *sorted(OUTPUTS)]
    assert not [p for p in (tmp_path / "sobol_regime").iterdir() if p.name.startswith(".")]
    manifest = json.loads((one / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.name for p in one.iterdir()} - {"manifest.json"}
    assert manifest["n_points"] == 16 * (3 + 2) and manifest["config"]["sensitivity"]["n"] == 16
    assert manifest["command"][3:] == [*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=one"]
    caption = (one / "sensitivity.caption.txt").read_text()
    assert "Sobol indices" in caption and "3 parameters" in caption and "N = 16" in caption and "80 games" in caption
    df = pq.read_table(one / "sensitivity.parquet").to_pandas()
    assert set(df["param"]) == set(TINY["params"]) and list(dict.fromkeys(df["regime"])) == list(SCENARIO.regimes)

    assert sens.main([*TINY_ARGS, "--out", str(tmp_path / "cli")]) == 0
    for name in OUTPUTS:
        assert (one / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_sim_plot_redraws_a_sensitivity_run(tmp_path, capsys):
    """``sim-plot RUN_DIR`` on a sensitivity run redraws its figure from the saved
    table alone, the same bytes the run wrote (``sensitivity.top`` read from config.yaml)."""
    from sim.cli.plot import main as plot_main

    r = _sim(*TINY_OVERRIDES, "sensitivity.top=2", f"results_dir={tmp_path}", "run_id=r", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run_dir = tmp_path / "sobol_regime" / "r"
    before = {n: (run_dir / n).read_bytes() for n in ("sensitivity.png", "sensitivity.pdf")}
    for n in before:
        (run_dir / n).unlink()
    assert plot_main([str(run_dir)]) == 0
    assert capsys.readouterr().out.split() == [str(run_dir / n) for n in before]
    assert {n: (run_dir / n).read_bytes() for n in before} == before


def test_a_sensitivity_run_reproduces(tmp_path, capsys):
    from sim.config.validate import validate_run_config
    from sim.cli.reproduce import main as reproduce
    from sim.runs.run import run
    from test_app import composed

    data = composed(["experiment=sobol_regime", "sensitivity.method=morris", "sensitivity.n=4"])
    data.update(results_dir=str(tmp_path), run_id="m")
    out = run(validate_run_config(data), progress=False)
    assert (pq.read_table(out / "sensitivity.parquet").column("method").to_pylist()[0]) == "morris"
    assert reproduce([str(out)]) == 0
    assert "reproduced: byte-identical (3 files" in capsys.readouterr().out


@pytest.mark.parametrize("override, message", [
    ("sensitivity.n=100", "sensitivity.n=100 must be a power of two"),
    ("sensitivity.concept=nash", "sensitivity.concept='nash' is unknown; allowed: spe, bayes"),
    ("tiles.count=2", "tiles.count=2: a sensitivity analysis runs in one job"),
])
def test_experiment_bad_option_one_line_exit_2_nothing_written(override, message, tmp_path):
    r = _sim("experiment=sobol_regime", override, f"results_dir={tmp_path}/res", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: ") and message in lines[0], r.stderr
    assert r.stdout == ""
    assert not (tmp_path / "res").exists() and not (tmp_path / "results").exists()
