"""The prior-predictive analysis (``sensitivity.method=prior``, ``experiment=prior_predictive``):
regime shares with their intervals, the robustness of the calibrated regime, its run
directory through the real Hydra app, and one line for bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.analysis import prior
from sim.analysis.sensitivity import regime_outputs
from sim.config.sensitivity import ROBUSTNESS_POINTS, SensitivityOptions
from sim.engine.params import replace_values
from sim.figures.sensitivity import META_KEY
from sim.scenarios.iraq2020 import SCENARIO, GameParams

PARAMS = ("iran.pressure_cost", "us.presence_value", "iraq.nationalism", "us.credibility", "iraq.oil_revenue")


def _sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small prior run through the real app (``python -m sim experiment=prior_predictive``)."""
    tmp = tmp_path_factory.mktemp("prior")
    r = _sim("experiment=prior_predictive", "sensitivity.n=3000", "sensitivity.seed=3",
             f"sensitivity.params=[{','.join(PARAMS)}]", f"results_dir={tmp}", "run_id=r", cwd=tmp)
    assert r.returncode == 0, r.stderr
    return tmp / "prior_predictive" / "r"


def _table(run_dir):
    return pq.read_table(run_dir / "sensitivity.parquet").to_pandas()


def test_shares_sum_to_one_and_equal_a_direct_count_of_the_sample(run_dir):
    df = _table(run_dir)
    shares = df[df["kind"] == "share"]
    sample = pq.read_table(run_dir / "sample.parquet")
    meta = json.loads(sample.schema.metadata[META_KEY])
    assert sample.num_rows == 3000 and list(shares["regime"]) == list(SCENARIO.regimes)
    assert shares["share"].sum() == pytest.approx(1.0, abs=1e-12)
    counts = {c: int(sample.column(c).to_numpy().sum()) for c in meta["outcomes"]}
    assert sum(counts.values()) == 3000  # one regime per draw
    for (_, row), col in zip(shares.iterrows(), meta["outcomes"]):
        assert row["share"] == counts[col] / 3000
        assert row["ci_low"] <= row["share"] <= row["ci_high"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["n_points"] == 3000 + ROBUSTNESS_POINTS * len(PARAMS) + 1


def test_wilson_interval_against_a_hand_computation():
    # k = 30 of n = 100, z = 1.959964: p = 0.3, z^2 = 3.841459
    # centre = (0.3 + 3.841459/200) / (1 + 3.841459/100) = 0.319207 / 1.038415 = 0.307399
    # half = 1.959964 * sqrt(0.0021 + 3.841459/40000) / 1.038415 = 1.959964 * 0.0468619 / 1.038415 = 0.088450
    # (the textbook value for 30/100: [0.2189, 0.3958])
    lo, hi = prior.wilson(30, 100)
    assert lo == pytest.approx(0.307399 - 0.088450, abs=2e-6)
    assert hi == pytest.approx(0.307399 + 0.088450, abs=2e-6)
    assert prior.wilson(0, 50)[0] == 0.0 and prior.wilson(50, 50)[1] == pytest.approx(1.0)


def test_the_draws_are_seeded_uniform_over_the_ranges():
    X = prior.draw([[0, 1], [40, 120]], 5000, seed=4)
    assert X.shape == (5000, 2) and (X[:, 1] >= 40).all() and (X[:, 1] < 120).all()
    assert (X == prior.draw([[0, 1], [40, 120]], 5000, seed=4)).all()
    assert abs(X[:, 0].mean() - 0.5) < 0.02


def _regime(name, value):
    """The SPE regime code at the calibrated point with ``name`` set to ``value``."""
    return int(regime_outputs(SCENARIO, np.array([[value]]), [name], "spe", GameParams()).argmax())


def test_robustness_changes_are_where_the_regime_changes(run_dir):
    """Moving a parameter by its reported change (plus a hair) changes the regime (to the
    reported one); by one grid step less it does not."""
    df = _table(run_dir)
    rob = df[df["kind"] == "robustness"]
    r0 = SCENARIO.regimes.index(json.loads(pq.read_schema(run_dir / "sensitivity.parquet").metadata[META_KEY])
                                ["calibrated_regime"])
    assert _regime("us.credibility", GameParams().us.credibility) == r0
    changed = rob[rob["status"] == "changes"]
    assert len(changed) >= 4 and rob[rob["param"] == "iraq.oil_revenue"]["change"].isna().all()
    for _, row in changed.iterrows():
        v0, step = row["value"], (row["high"] - row["low"]) / (ROBUSTNESS_POINTS - 1)
        sign = 1 if row["direction"] == "up" else -1
        assert row["changed_value"] == pytest.approx(v0 * (1 + row["change"]))
        assert SCENARIO.regimes[_regime(row["param"], row["changed_value"])] == row["to_regime"] != SCENARIO.regimes[r0]
        hair = row["changed_value"] + sign * 1e-9
        if row["low"] <= hair <= row["high"]:
            assert _regime(row["param"], hair) != r0
        assert _regime(row["param"], row["changed_value"] - sign * step) == r0
    holds = rob[rob["status"] == "holds in range"]
    for _, row in holds.iterrows():  # the far end of the range keeps the regime
        end = row["high"] if row["direction"] == "up" else row["low"]
        assert end == row["value"] or _regime(row["param"], end) == r0


def test_known_margins_of_the_v1_calibrated_point():
    """Version 1's measured margins (issue 14): hedging ends at -35 % iraq.security_value,
    -38 % iraq.hedging_value, +43 % iraq.nationalism, -50 % us.credibility (grid resolution)."""
    from sim.scenarios.iraq2020_v1 import SCENARIO
    opts = SensitivityOptions(method="prior", n=100, params=("iraq.security_value", "iraq.hedging_value",
                                                              "iraq.nationalism", "us.credibility"))
    done, _ = prior.evaluate_and_analyse(SCENARIO, opts, progress=False)
    rob = done.table.to_pandas().query("kind == 'robustness' and status == 'changes'")
    got = dict(zip(zip(rob["param"], rob["direction"]), rob["change"]))
    want = {("iraq.security_value", "down"): -0.35, ("iraq.hedging_value", "down"): -0.38,
            ("iraq.nationalism", "up"): 0.43, ("us.credibility", "down"): -0.5}
    assert got.keys() == want.keys()
    for key, value in want.items():  # within one grid step (range / 2000) of the boundary
        assert got[key] == pytest.approx(value, abs=0.01), key


def test_known_margins_of_the_model2_calibrated_point():
    """Model 2's thin margins (docs/model.md §7): the negotiated drawdown ends at +8 %
    iran.pressure_cost (hedging), -2.7 % us.presence_value and +2.7 % us.troop_cost
    (managed exit), -43.5 % iraq.nationalism (hedging); grid resolution."""
    opts = SensitivityOptions(method="prior", n=100, params=("iran.pressure_cost", "us.presence_value",
                                                              "us.troop_cost", "iraq.nationalism"))
    done, _ = prior.evaluate_and_analyse(SCENARIO, opts, progress=False)
    rob = done.table.to_pandas().query("kind == 'robustness' and status == 'changes'")
    got = {(p, d): (c, r) for p, d, c, r in zip(rob["param"], rob["direction"], rob["change"], rob["to_regime"])}
    assert got[("iran.pressure_cost", "up")] == (pytest.approx(0.08, abs=0.006), "hedging")
    assert got[("us.presence_value", "down")] == (pytest.approx(-0.027, abs=0.003), "managed exit")
    assert got[("us.troop_cost", "up")] == (pytest.approx(0.027, abs=0.003), "managed exit")
    assert got[("iraq.nationalism", "down")] == (pytest.approx(-0.435, abs=0.002), "hedging")


def test_bayes_uses_normal_intervals_and_probabilities_sum_to_one():
    base = replace_values(GameParams(), {"us.committed_prior": 0.6, "us.bluff_credibility": 0.5})
    opts = SensitivityOptions(method="prior", n=400, concept="bayes", params=("us.credibility", "us.severe_cost"))
    done, _ = prior.evaluate_and_analyse(SCENARIO, opts, base, progress=False)
    shares = done.table.to_pandas().query("kind == 'share'")
    assert shares["share"].sum() == pytest.approx(1.0)
    assert json.loads(done.table.schema.metadata[META_KEY])["interval"] == "normal"
    for k, (_, row) in enumerate(shares.iterrows()):
        y = done.Y[:, k]
        half = prior.Z * y.std(ddof=1) / math.sqrt(len(y))
        assert row["ci_high"] == pytest.approx(min(1.0, y.mean() + half))


def test_figure_is_redrawn_by_the_registry(run_dir):
    from sim.figures.registry import draw_run

    before = (run_dir / "sensitivity.png").read_bytes()
    (run_dir / "sensitivity.png").unlink()
    draw_run(run_dir, ("png",))
    assert (run_dir / "sensitivity.png").read_bytes() == before


def test_prior_with_second_order_gets_one_line(tmp_path):
    r = _sim("experiment=prior_predictive", "sensitivity.second_order=true", f"results_dir={tmp_path}/res",
             cwd=tmp_path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert lines[0] == "sim: error: sensitivity.second_order applies only when sensitivity.method is sobol"
    assert not (tmp_path / "res").exists()
