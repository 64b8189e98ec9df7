"""Sensitivity analysis (sim.analysis.sensitivity): SALib Sobol and Morris over the regime indicators,
through SALib's ProblemSpec; the sample it keeps; the options. The figure: test_sensitivity_figure.py;
the experiment and its run directory: test_sensitivity_run.py."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

pytest.importorskip("SALib")


from sim.analysis import sensitivity as sens  # noqa: E402
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams  # noqa: E402
from sim.engine.params import ConfigError, iter_params  # noqa: E402
from sim.store.table import write_parquet  # noqa: E402

ALL = [i.name for i in iter_params(GameParams)]


def _synthetic(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0.0, 1.0]] * d, "units": ["1"] * d}


def _df(analysis):
    return analysis.table.to_pandas()


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
    assert df["regime"].tolist() == ["Y"] * 3  # SALib's ProblemSpec names a lone unnamed output "Y"
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
    table = sens.sobol(sens.problem(GameParams), sens.RegimeIndicators(SCENARIO, tuple(ALL)), 512, seed=0).table
    df = table.to_pandas()
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
        table = sens.sobol(prob, sens.RegimeIndicators(SCENARIO, tuple(prob["names"])), 128, seed=seed).table
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
    df = _df(sens.morris(sens.problem(GameParams), sens.RegimeIndicators(SCENARIO, tuple(ALL)), 20, levels=4,
                         seed=0))
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


def test_fewer_than_two_parameters_are_refused_before_any_evaluation():
    """SALib's ProblemSpec analyses two parameters or more: one is refused before any game is solved."""
    calls = []

    def evaluate(X):
        calls.append(len(X))
        return X[:, 0]

    with pytest.raises(ConfigError, match="needs at least two"):
        sens.sobol(_synthetic(1), evaluate, 16, seed=0)
    with pytest.raises(ConfigError, match="needs at least two"):
        sens.morris(_synthetic(1), evaluate, 4)
    assert calls == []


def test_the_analysis_holds_salibs_design_and_the_outcomes_evaluated_there():
    """``Analysis.spec`` is SALib's ProblemSpec: the same design as SALib's sampler with the
    seed, the outcomes ``evaluate`` gave, and the output names."""
    from SALib.sample import sobol as sobol_sample

    prob = _synthetic(3)
    done = sens.sobol(prob, lambda X: np.column_stack([X[:, 0], X[:, 1] > 0.5]).astype(float), 32, seed=4,
                      outputs=["a", "b"])
    X = sobol_sample.sample({"num_vars": 3, "names": prob["names"], "bounds": prob["bounds"]}, 32,
                            calc_second_order=False, scramble=True, seed=4)
    np.testing.assert_array_equal(done.spec.samples, X)
    np.testing.assert_array_equal(done.spec.results, np.column_stack([X[:, 0], X[:, 1] > 0.5]))
    assert done.spec["outputs"] == ["a", "b"] and list(dict.fromkeys(done.table.column("regime").to_pylist())) == ["a", "b"]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sample_table_has_a_row_per_evaluation_and_a_column_per_parameter_and_outcome(method):
    prob = sens.problem(GameParams, ["us.credibility", "iraq.nationalism", "us.aid"])
    evaluate = sens.RegimeIndicators(SCENARIO, tuple(prob["names"]))
    done = sens.sobol(prob, evaluate, 16, seed=2) if method == "sobol" else sens.morris(prob, evaluate, 6, seed=2)
    cols = sens.outcome_columns("spe", SCENARIO.regimes)
    sample = done.sample(cols)
    meta = json.loads(sample.schema.metadata[sens.META_KEY])
    assert sample.num_rows == meta["n_evaluations"] == len(done.spec.samples)
    assert sample.column_names == [*prob["names"], *cols]
    assert meta["params"] == prob["names"] and meta["outcomes"] == cols and meta["outputs"] == list(SCENARIO.regimes)
    np.testing.assert_array_equal(np.column_stack([sample.column(p).to_numpy() for p in prob["names"]]),
                                  done.spec.samples)
    np.testing.assert_array_equal(np.column_stack([sample.column(c).to_numpy() for c in cols]), done.spec.results)
    assert done.sample().column_names[3:] == list(SCENARIO.regimes)  # unnamed: the output names
    with pytest.raises(ValueError, match="distinct from the parameters"):
        done.sample(["us.aid", *cols[1:]])
    with pytest.raises(ValueError, match="5 names"):
        done.sample(cols[:2])


def test_outcome_columns_are_named_as_the_solvers_name_them():
    assert sens.outcome_columns("spe", ["US-aligned status quo", "hedging"]) == ["spe_us_aligned_status_quo",
                                                                                "spe_hedging"]
    from sim.engine.params import batch
    from sim.solvers.bayes import solve_bayes

    cols = solve_bayes(SCENARIO, batch(GameParams(), {"us.aid": np.array([1.0])}))
    assert set(sens.outcome_columns("bayes", SCENARIO.regimes)) <= set(cols)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_stderr_when_asked_or_on_a_terminal(capsys, monkeypatch):
    names = ["us.credibility", "us.aid"]
    X = np.array([[1.0, 1.0], [5.0, 2.0], [10.0, 0.5], [14.0, 3.0], [0.5, 0.1]])
    Y = sens.regime_outputs(SCENARIO, X, names, chunk_size=2, progress=True)
    err = capsys.readouterr().err
    assert "sensitivity (spe)" in err and "5/5" in err and "game" in err
    np.testing.assert_array_equal(sens.regime_outputs(SCENARIO, X, names), Y)  # stderr captured: not a terminal
    assert capsys.readouterr() == ("", "")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    sens.regime_outputs(SCENARIO, X, names, chunk_size=2)
    assert "5/5" in terminal.getvalue()
    terminal.truncate(0)
    sens.regime_outputs(SCENARIO, X, names, progress=False)
    assert terminal.getvalue() == ""


# ----------------------------------------------------------------------------- options


@pytest.mark.parametrize("opts, match", [
    (sens.SensitivityOptions(method="fast"), r"sensitivity.method='fast' is unknown; allowed: sobol, morris"),
    (sens.SensitivityOptions(concept="nash"), r"sensitivity.concept='nash' is unknown; allowed: spe, bayes"),
    (sens.SensitivityOptions(n=100), r"sensitivity.n=100 must be a power of two"),
    (sens.SensitivityOptions(n=1), r"sensitivity.n=1 must be an integer >= 2"),
    (sens.SensitivityOptions(seed=-1), r"sensitivity.seed=-1 must be an integer >= 0"),
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
