"""Calibration by history matching (sim.analysis.history_matching, its summaries and figures,
sim.config.history_matching): priors and their errors, draws independent of the tiling, the
distance against the record, the simulator against the generic dynamic-game solver, the
tables' consistency, byte-identical outputs for 1 and 4 tiles, and a run end to end."""

from __future__ import annotations

import io
import json
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from figcheck import label_problems, layout_problems
from sim.analysis import history_matching as hm
from sim.analysis.backtest import scenario_calendar
from sim.analysis.history_matching_summary import KS_MIN, parameter_rows, run_tables
from sim.config.history_matching import (ADJUST_COST, HistoryMatchingOptions, documented_priors, resolve_priors,
                                         validate_history_matching)
from sim.dynamic.game import POSTURES, solve_dynamic
from sim.engine.params import ConfigError, iter_params
from sim.history.record import load_record
from sim.scenarios.iraq2020 import SCENARIO, GameParams

SMALL = dict(n=4000, tolerance=8, tiles=2, threads=1)  # ~170 accepted draws in about a second


@pytest.fixture(scope="module")
def small():
    """(options, posterior table, summary table) of a small run."""
    opts = HistoryMatchingOptions(**SMALL)
    return (opts, *run_tables(SCENARIO, opts, progress=False))


def rows_of(summary: pa.Table, kind: str) -> list[dict]:
    return [r for r in summary.to_pylist() if r["kind"] == kind]


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


# ----------------------------------------------------------------------------- priors


def test_documented_priors_are_every_parameter_and_the_adjustment_cost():
    priors = documented_priors(GameParams)
    assert list(priors)[:-1] == [i.name for i in iter_params(GameParams)]
    assert list(priors)[-1] == ADJUST_COST and (priors[ADJUST_COST].low, priors[ADJUST_COST].high) == (0.0, 5.0)
    cred = priors["us.credibility"]
    assert (cred.low, cred.high) == (0.0, 15.0) and cred.unit == "$bn/yr"


@pytest.mark.parametrize("given", [{"us.credibility": [1, 5]}, {"us": {"credibility": [1, 5]}}])
def test_a_prior_is_narrowed_flat_or_nested(given):
    priors = {p.name: p for p in resolve_priors(GameParams, given)}
    assert (priors["us.credibility"].low, priors["us.credibility"].high) == (1.0, 5.0)
    assert (priors["us.aid"].low, priors["us.aid"].high) == (0.1, 1.35)


@pytest.mark.parametrize("given, words", [
    ({"us.credibilty": [0, 5]}, "unknown parameter 'us.credibilty' (did you mean 'us.credibility'?)"),
    ({"us.credibility": [5, 0]}, "is inverted (low > high); write it [0, 5]"),
    ({"us.credibility": [3, 3]}, "is an empty range (low = high)"),
    ({"us.credibility": []}, "=[] is an empty range"),
    ({"us.credibility": [0, 20]}, "leaves the documented range [0, 15] $bn/yr"),
    ({"us.credibility": [0, "x"]}, "must be [low, high], two finite numbers"),
    ({"us.credibility": 3}, "must be [low, high]"),
    ({ADJUST_COST: [0, 6]}, "leaves the documented range [0, 5] $bn"),
])
def test_bad_priors_get_one_line(given, words):
    with pytest.raises(ConfigError) as err:
        resolve_priors(GameParams, given)
    assert words in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("data, words", [
    ({"tolerance": 17}, "tolerance=17 is more than the 16 (quarter, actor) cells"),
    ({"split": "2022Q4"}, "split=2022Q4 must be a quarter of the record before its last"),
    ({"split": "2020Q5"}, "history_matching.split: quarter '2020Q5' is malformed"),
    ({"n": 0}, "history_matching.n=0 must be an integer"),
    ({"n": 10, "tiles": 11}, "history_matching.tiles=11 must be an integer in [1, 10]"),
    ({"n": 10**6}, "more than max_points=1,000"),
    ({"discount": 1.5}, "history_matching.discount=1.5 must be a number in [0, 1]"),
    ({"toleranse": 3}, "unknown key(s) ['toleranse'] (did you mean 'tolerance'?)"),
])
def test_bad_options_get_one_line(data, words):
    with pytest.raises(ConfigError) as err:
        validate_history_matching(SCENARIO, data, {}, 1000, False)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_the_block_refuses_a_game_override_and_another_analysis():
    with pytest.raises(ConfigError, match="game.* is not used"):
        validate_history_matching(SCENARIO, {}, {}, 1000, True)
    with pytest.raises(ConfigError, match="history_matching and backtest are both set"):
        validate_history_matching(SCENARIO, {}, {"backtest": object()}, 1000, False)
    assert validate_history_matching(SCENARIO, None, {}, 1000, False) is None


# ----------------------------------------------------------------------------- draws


def test_draws_do_not_depend_on_how_they_are_cut():
    priors = resolve_priors(GameParams, None)
    whole = hm.draw(priors, 7, 0, hm.BLOCK + 300)
    cuts = [0, 5, hm.BLOCK - 1, hm.BLOCK + 2, hm.BLOCK + 300]
    pieces = np.concatenate([hm.draw(priors, 7, a, b) for a, b in zip(cuts, cuts[1:])], axis=1)
    assert whole.shape == (len(priors), hm.BLOCK + 300) and np.array_equal(whole, pieces)
    assert not np.array_equal(whole, hm.draw(priors, 8, 0, hm.BLOCK + 300))


def test_draws_lie_in_their_priors_and_narrowing_one_moves_only_its_row():
    wide = resolve_priors(GameParams, None)
    narrow = resolve_priors(GameParams, {"us.credibility": [2, 3]})
    a, b = hm.draw(wide, 1, 0, 5000), hm.draw(narrow, 1, 0, 5000)
    lows, highs = np.array([[p.low] for p in narrow]), np.array([[p.high] for p in narrow])
    assert ((b >= lows) & (b <= highs)).all()
    j = [p.name for p in wide].index("us.credibility")
    assert np.array_equal(np.delete(a, j, 0), np.delete(b, j, 0))
    assert np.allclose((b[j] - 2.0) / 1.0, (a[j] - 0.0) / 15.0)  # the same uniforms, rescaled


# ----------------------------------------------------------------------------- distance and simulator


def record_target(opts=None):
    opts = opts or HistoryMatchingOptions()
    return hm.target(SCENARIO, load_record(opts.record_path), opts)


def test_the_record_itself_is_at_distance_zero_and_each_wrong_cell_counts_once():
    tg = record_target()
    acts = np.stack([np.array([np.flatnonzero(tg.allowed[j][t])[0] for j in range(4)]) for t in range(12)])
    acts = np.repeat(acts[:, :, None], 3, axis=2).astype(np.int8)  # three copies of a path on the record
    us = tg.actors.index("US")
    acts[0, us, 1] = SCENARIO.actors[us].actions.index("withdraw+accommodate")  # one fit cell wrong
    acts[1, :, 2] = [np.flatnonzero(~tg.allowed[j][1])[0] for j in range(4)]  # a whole fit quarter wrong
    acts[5, us, 0] = SCENARIO.actors[us].actions.index("withdraw+accommodate")  # a test cell: not counted
    assert hm.distance(tg, hm.matches(tg, acts)).tolist() == [0, 1, 4]
    assert tg.n_cells == 16 and tg.quarters[tg.n_fit] == "2021Q1"


def test_the_simulated_path_is_the_generic_solvers_from_the_records_first_posture():
    opts = HistoryMatchingOptions(n=40)
    priors = resolve_priors(GameParams, None)
    X = hm.draw(priors, 3, 0, 40)
    record = load_record()
    cal = scenario_calendar(SCENARIO, record.quarters[0], record.quarters[-1])
    acts = hm.path_actions(SCENARIO, priors, X, cal, opts)
    params, adjust = hm.game_params(SCENARIO, priors, X)
    dyn = solve_dynamic(SCENARIO, params, cal, lam=None, discount=opts.discount, adjust_cost=adjust)
    state, cols = np.full(40, POSTURES.index("maintain")), np.arange(40)
    for t in range(cal.n):
        leaf = dyn.leaf[t, state, cols]
        assert np.array_equal(acts[t].T, SCENARIO.sequential.outcomes[leaf])
        state = dyn.posture_of_leaf[leaf]


def test_a_tolerance_that_accepts_nothing_says_what_would_pass():
    opts = HistoryMatchingOptions(n=300, tolerance=0, tiles=1)
    with pytest.raises(ConfigError) as err:
        hm.run_abc(SCENARIO, opts, progress=False)
    msg = str(err.value)
    assert msg.startswith("history_matching.tolerance=0 accepts none of the 300 draws") and "\n" not in msg
    assert "would accept" in msg


# ----------------------------------------------------------------------------- tables


def test_the_tables_agree_with_each_other(small):
    opts, posterior, summary = small
    meta_rows = rows_of(summary, "tolerance")
    assert [r["tolerance"] for r in meta_rows] == list(range(17)) and meta_rows[-1]["n_pass"] == opts.n
    assert np.all(np.diff([r["n_pass"] for r in meta_rows]) >= 0)
    accepted = meta_rows[opts.tolerance]["n_pass"]
    assert posterior.num_rows == accepted > 0
    assert max(posterior.column("distance").to_pylist()) <= opts.tolerance
    draws = posterior.column("draw").to_numpy()
    assert np.all(np.diff(draws) > 0) and draws.max() < opts.n
    regimes = rows_of(summary, "regime")
    assert sum(r["p_posterior"] for r in regimes) == pytest.approx(1.0)
    counts = {r: posterior.column("spe_regime").to_pylist().count(r) for r in SCENARIO.regimes}
    assert [r["p_posterior"] * accepted for r in regimes] == pytest.approx([counts[r["regime"]] for r in regimes])


def test_the_predictions_are_the_posterior_tables_paths(small):
    _, posterior, summary = small
    record = load_record()
    for row in rows_of(summary, "prediction"):
        if row["split"] != "test" or row["actor"] == "all":
            continue
        column = f"{row['quarter']}_{row['actor'].lower()}"
        allowed = record.observed(row["actor"])[record.quarters.index(row["quarter"])]
        share = np.mean([a in allowed for a in posterior.column(column).to_pylist()])
        assert row["p_posterior"] == pytest.approx(share)
        assert row["ci_low"] <= row["p_posterior"] <= row["ci_high"]


def test_the_metadata_states_acceptance_and_ess(small):
    opts, posterior, summary = small
    meta = json.loads(summary.schema.metadata[b"sim.history_matching"])
    assert meta["ess"] == meta["accepted"] == posterior.num_rows and meta["n"] == opts.n
    assert meta["acceptance"] == pytest.approx(posterior.num_rows / opts.n) and "weight 1" in meta["ess_note"]
    assert meta["fit_quarters"] == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"] and len(meta["test_quarters"]) == 8


def synthetic_abc(X: np.ndarray):
    priors = resolve_priors(GameParams, None)[:2]
    return hm.ABC(priors, None, X.shape[1], 0, np.zeros(1), np.zeros((1, 1)), np.arange(X.shape[1]), X,
                  np.zeros(X.shape[1]), np.zeros((1, 1, X.shape[1])))


def test_the_rule_tells_an_informed_parameter_from_an_uninformed_one():
    rng = np.random.default_rng(0)
    p0, p1 = resolve_priors(GameParams, None)[:2]
    uniform = p0.low + (p0.high - p0.low) * rng.random(2000)
    squeezed = p1.low + (p1.high - p1.low) * rng.beta(2, 5, 2000)  # mass pulled to the low end
    rows = parameter_rows(synthetic_abc(np.vstack([uniform, squeezed])))
    assert [r["informed"] for r in rows] == [False, True]
    assert rows[0]["ks"] < KS_MIN <= rows[1]["ks"] and rows[1]["sd_ratio"] < 1
    assert rows[0]["prior_sd"] == pytest.approx((p0.high - p0.low) / np.sqrt(12))
    assert rows[1]["hdi_low"] < rows[1]["mean"] < rows[1]["hdi_high"]


def test_one_tile_and_four_tiles_give_the_same_bytes():
    one = run_tables(SCENARIO, HistoryMatchingOptions(n=3000, tolerance=8, tiles=1, threads=1), progress=False)
    four = run_tables(SCENARIO, HistoryMatchingOptions(n=3000, tolerance=8, tiles=4, threads=2), progress=False)
    assert one[0].num_rows > 0
    for a, b in zip(one, four):
        assert parquet_bytes(a) == parquet_bytes(b)


# ----------------------------------------------------------------------------- figures and the run


def test_the_figures_are_laid_out_and_labelled(small):
    from sim.figures.posterior import posterior_figure, predictive_figure, shown_parameters

    _, posterior, summary = small
    for fig in (posterior_figure(summary, posterior), predictive_figure(summary)):
        assert layout_problems(fig) == [] and label_problems(fig) == []
    shown, informed = shown_parameters(rows_of(summary, "parameter"))
    assert informed and all(r["informed"] for r in shown)
    flat = [{**r, "informed": False} for r in rows_of(summary, "parameter")]
    assert len(shown_parameters(flat)[0]) == 4 and not shown_parameters(flat)[1]


def test_a_run_writes_its_tables_figures_and_captions(tmp_path):
    from sim.config.validate import validate_run_config
    from sim.runs.run import run

    cfg = validate_run_config({"name": "hm", "sweep": {"x": None, "y": None, "z": None}, "results_dir": str(tmp_path),
                               "run_id": "r", "plot": {"formats": ["png"]},
                               "history_matching": {"n": 2000, "tolerance": 8, "tiles": 2}})
    out = run(cfg, progress=False)
    names = {p.name for p in out.iterdir()}
    assert names == {"posterior.parquet", "history_matching.parquet", "posterior.png", "predictive.png",
                     "posterior.caption.txt", "predictive.caption.txt", "config.yaml", "figures.json",
                     "manifest.json"}
    assert "at most 8 (quarter, actor) cells" in (out / "posterior.caption.txt").read_text()
    assert pq.read_table(out / "posterior.parquet").num_rows > 0



def test_the_benchmark_runs_tiny(capsys):
    """benchmarks/bench_history_matching.py at 2,000 draws (the 10^6 run is not a test)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_history_matching.py"
    spec = importlib.util.spec_from_file_location("bench_history_matching", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--n", "2000", "--tiles", "2", "--tolerance", "8", "--baseline", "500"]) == 0
    out = capsys.readouterr().out
    assert "peak RSS after each tile" in out and out.count(",") >= 2 and "draws passing at each tolerance" in out
    assert bench.hm.solve_tile.__name__ == "solve_tile"  # the measuring wrapper is removed again
