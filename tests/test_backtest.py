"""The back-test (issue 16): the record as leaf sets, the baselines by hand, the fit, the
run's contract (backtest.parquet) and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.analysis.backtest import (frequency_probabilities, model_probabilities, observation,
                                   persistence_probabilities)
from sim.config.backtest import BacktestOptions
from sim.dynamic.calendar import calendar
from sim.engine.params import ConfigError
from sim.history.record import load_record
from sim.scenarios.iraq2020 import SCENARIO as SC

RECORD = load_record()


def fake_record(cells: dict[str, list[str]], quarters=("2020Q1", "2020Q2", "2020Q3")):
    return SimpleNamespace(quarters=quarters, observed=lambda c: tuple(frozenset(x.split("|")) for x in cells[c]))


def test_a_quarter_is_the_product_of_what_each_actor_did():
    rec = fake_record({"russia": ["S-400", "S-300|S-400", "none"], "iran": ["pressure"] * 3,
                       "iraq": ["exit+status_quo|exit+deepen", "advisers+deepen", "host+status_quo"],
                       "us": ["maintain+accommodate", "advisory+accommodate|advisory+waiver", "advisory+accommodate"]})
    obs = observation(SC, rec)
    assert obs.leaf_sets.sum(axis=1).tolist() == [1 * 1 * 2 * 1, 2 * 1 * 1 * 2, 1 * 1 * 1 * 1]
    assert obs.states.tolist() == [0, 0, 1]  # maintain before, then the posture each quarter ended in


def test_a_purchase_without_an_offer_is_refused_in_one_line():
    rec = fake_record({"russia": ["none"] * 3, "iran": ["pressure"] * 3, "iraq": ["host+buy"] * 3,
                       "us": ["maintain+accommodate"] * 3})
    with pytest.raises(ConfigError, match="quarter 2020Q1 is no outcome of the game"):
        observation(SC, rec)


def test_persistence_by_hand():
    """Sets {a, b}, {b}, {c} over 4 leaves: uniform first; then (1 - ε) half of last
    quarter's set + ε / 4; then no overlap: ε / 4."""
    sets = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=bool)
    obs = SimpleNamespace(leaf_sets=sets)
    eps = 0.2
    np.testing.assert_allclose(persistence_probabilities(obs, eps), [2 / 4, 0.8 * 0.5 + 0.2 / 4, 0.2 / 4])


def test_frequency_by_hand():
    """Fit on the first two quarters: leaf counts (0.5, 1.5, 0, 0), Jeffreys 0.5 each:
    p = (1, 2, 0.5, 0.5) / 4."""
    sets = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=bool)
    obs = SimpleNamespace(leaf_sets=sets)
    np.testing.assert_allclose(frequency_probabilities(obs, np.array([True, True, False])),
                               [3 / 4, 2 / 4, 0.5 / 4])


def test_model_probabilities_are_probabilities_and_sharpen_with_rationality():
    obs = observation(SC, RECORD)
    p, _ = model_probabilities(SC, SC.params_cls(), calendar(), obs, np.array([0.0, 20.0]), np.array([0.0, 0.0]),
                               0.98)
    assert np.all((p > 0) & (p <= 1))
    # λ = 0 is uniform play at every node; the sharp model predicts the advisers quarters far better
    assert p[5, 1] > 10 * p[5, 0]


def test_options_are_checked_in_one_line():
    with pytest.raises(ConfigError, match=r"backtest.split=2023Q1 must lie in \[2020Q1, 2022Q4\)"):
        BacktestOptions(split="2023Q1")
    with pytest.raises(ConfigError, match="start=2021Q1 is after stop=2020Q4"):
        BacktestOptions(start="2021Q1", stop="2020Q4", split="2020Q4")
    with pytest.raises(ConfigError, match="backtest.initial_posture='home' is unknown"):
        BacktestOptions(initial_posture="home")
    with pytest.raises(ConfigError, match="backtest.discount"):
        BacktestOptions(discount=1.5)
    with pytest.raises(ConfigError, match="backtest.abm_rule='imitation' is unknown"):
        BacktestOptions(abm_rule="imitation")
    with pytest.raises(ConfigError, match=r"backtest.abm_steps=0 must be an integer in \[1, 10000\]"):
        BacktestOptions(abm_steps=0)


def run_sim(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True)


def test_backtest_experiment_writes_the_contract(tmp_path):
    r = run_sim("experiment=backtest", f"results_dir={tmp_path}", "run_id=t", "backtest.grid=4", "backtest.abm_replicates=3",
                "backtest.abm_steps=5", "plot.formats=[png]")
    assert r.returncode == 0, r.stderr
    run = tmp_path / "backtest" / "t"
    table = pq.read_table(run / "backtest.parquet")
    df = table.to_pandas()
    assert {"quarter", "split", "loglik_model", "loglik_persistence", "loglik_frequency"} <= set(df.columns)
    assert df.quarter.tolist() == list(calendar().quarters)
    assert df.split.tolist() == ["fit"] * 4 + ["test"] * 8
    for col in ("loglik_model", "loglik_persistence", "loglik_frequency"):
        assert (df[col] <= 0).all() and np.isfinite(df[col]).all()
    meta = json.loads(table.schema.metadata[b"sim"])
    assert meta["totals"]["model_test"] == pytest.approx(df[df.split == "test"].loglik_model.sum())
    assert (run / "backtest.png").stat().st_size > 0 and (run / "backtest.caption.txt").read_text().strip()
    agents = pq.read_table(run / "dynamic_abm.parquet").to_pandas()
    assert len(agents) == 3 * 12 and set(agents.posture) <= {"maintain", "advisory", "withdraw"}
    assert (run / "dynamic_abm.png").stat().st_size > 0


def test_backtest_replaces_the_sweep(tmp_path):
    r = run_sim("experiment=backtest", "sweep.x={param:iraq.nationalism,start:0,stop:1,num:3}",
                f"results_dir={tmp_path}")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("sim: error: sweep.x is set but so is backtest")
    assert not any(tmp_path.iterdir())


def test_a_malformed_history_file_stops_the_run_in_one_line(tmp_path):
    bad = tmp_path / "h.csv"
    text = Path(RECORD.path).read_text().splitlines(keepends=True)
    bad.write_text("".join(text[:3] + text[4:]))  # drop 2020Q3
    r = run_sim("experiment=backtest", f"backtest.history={bad}", f"results_dir={tmp_path / 'out'}")
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("sim: error: history") and "2020Q3" in last, last


def test_a_range_outside_the_file_is_refused(tmp_path):
    from sim.analysis.backtest import run_table

    short = tmp_path / "short.csv"
    short.write_text("".join(Path(RECORD.path).read_text().splitlines(keepends=True)[:9]))  # 2020Q1-2021Q4
    with pytest.raises(ConfigError, match=r"backtest: start=2020Q1, stop=2022Q4 but .* holds 2020Q1-2021Q4"):
        run_table(SC, SC.params_cls(), BacktestOptions(history=str(short)))


def test_a_later_start_begins_from_the_records_posture():
    from sim.analysis.backtest import initial_posture
    from sim.history.record import DEFAULT_HISTORY

    assert initial_posture(DEFAULT_HISTORY, BacktestOptions()) == "maintain"
    assert initial_posture(DEFAULT_HISTORY, BacktestOptions(start="2021Q1", split="2021Q4")) == "advisory"
    assert initial_posture(DEFAULT_HISTORY, BacktestOptions(start="2021Q1", split="2021Q4",
                                                            initial_posture="withdraw")) == "withdraw"
