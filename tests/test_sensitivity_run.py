"""The sensitivity experiment (``python -m sim experiment=sobol_regime``), the one entry point
of a sensitivity analysis: its run directory, its sample (``sample.parquet``), redrawing,
reproducing and refusing bad options."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

pytest.importorskip("SALib")

from sim.analysis import sensitivity as sens  # noqa: E402
from sim.engine.params import replace_values  # noqa: E402
from sim.scenarios.iraq2020 import SCENARIO, GameParams  # noqa: E402
from sim.store import rundir  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

TINY = {"n": 16, "params": ["us.credibility", "iraq.nationalism", "us.aid"], "seed": 5, "resamples": 10}
TINY_OVERRIDES = ["experiment=sobol_regime", "sensitivity.n=16", "sensitivity.seed=5", "sensitivity.resamples=10",
                  "sensitivity.params=[us.credibility,iraq.nationalism,us.aid]"]
TINY_OPTIONS = sens.SensitivityOptions(n=16, seed=5, resamples=10, params=tuple(TINY["params"]))
OUTPUTS = ("sensitivity.parquet", "sensitivity.png", "sensitivity.pdf")


def manifest_points(run_dir):
    return json.loads((run_dir / "manifest.json").read_text())["n_points"]


def _sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_experiment_writes_a_run_directory_with_the_analysis_table(tmp_path):
    """``python -m sim experiment=sobol_regime`` (tiny) writes a complete run directory whose
    table and figure are byte for byte those :func:`analyse` and :func:`write_outputs` give
    in-process with the same options; the same config gives the same bytes (whatever the
    chunk size); no progress bar when stderr is not a terminal."""
    r1 = _sim(*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=one", cwd=tmp_path)
    r2 = _sim(*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=two", "chunk_size=7", cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    one, two = tmp_path / "sobol_regime" / "one", tmp_path / "sobol_regime" / "two"
    assert r1.stdout.strip().splitlines()[-1] == str(one)
    assert "sensitivity (spe)" not in r1.stderr  # the progress bar stays off when stderr is a pipe
    assert sorted(p.name for p in one.iterdir()) == sorted([
        "config.yaml", "figures.json", "manifest.json", "sample.parquet", "sensitivity.caption.txt", *OUTPUTS])
    sample = pq.read_table(one / rundir.SAMPLE)  # a row per game solved: the run's own sample
    assert sample.num_rows == manifest_points(one) and sample.column_names[:3] == TINY["params"]
    assert not [p for p in (tmp_path / "sobol_regime").iterdir() if p.name.startswith(".")]
    manifest = json.loads((one / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.name for p in one.iterdir()} - {"manifest.json"}
    assert manifest["n_points"] == 16 * (3 + 2) and manifest["config"]["sensitivity"]["n"] == 16
    assert manifest["command"][3:] == [*TINY_OVERRIDES, f"results_dir={tmp_path}", "run_id=one"]
    caption = (one / "sensitivity.caption.txt").read_text()
    assert "Sobol indices" in caption and "3 parameters" in caption and "N = 16" in caption and "80 games" in caption
    table = pq.read_table(one / "sensitivity.parquet")
    df = table.to_pandas()
    assert set(df["param"]) == set(TINY["params"]) and list(dict.fromkeys(df["regime"])) == list(SCENARIO.regimes)
    meta = json.loads(table.schema.metadata[sens.META_KEY])
    assert meta["concept"] == "spe" and meta["scenario"] == "iraq2020" and meta["salib"]

    api = tmp_path / "api"
    api.mkdir()
    sens.write_outputs(sens.analyse(SCENARIO, TINY_OPTIONS)[0], api)
    for name in OUTPUTS:
        assert (one / name).read_bytes() == (api / name).read_bytes(), name
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
    assert "reproduced: byte-identical (4 files" in capsys.readouterr().out


@pytest.mark.parametrize("override, message", [
    ("sensitivity.n=100", "sensitivity.n=100 must be a power of two"),
    ("sensitivity.concept=nash", "sensitivity.concept='nash' is unknown; allowed: spe, bayes"),
    ("sensitivity.method=fast", "sensitivity.method='fast' is unknown; allowed: sobol, morris"),
    ("tiles.count=2", "tiles.count=2: a sensitivity analysis runs in one job"),
])
def test_experiment_bad_option_one_line_exit_2_nothing_written(override, message, tmp_path):
    r = _sim("experiment=sobol_regime", override, f"results_dir={tmp_path}/res", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: ") and message in lines[0], r.stderr
    assert r.stdout == ""
    assert not (tmp_path / "res").exists() and not (tmp_path / "results").exists()


@pytest.mark.parametrize("method, concept", [("sobol", "spe"), ("morris", "bayes")])
def test_sample_parquet_reads_back_and_its_rows_reevaluate_to_its_outcomes(method, concept, tmp_path):
    """``sample.parquet``, written as a run writes it: a row per game solved, a column per
    parameter varied and per outcome; a few rows re-solved from the file alone (the values
    of the parameters not varied are in its metadata) give the outcomes it holds."""
    opts = dataclasses.replace(TINY_OPTIONS, method=method, concept=concept, n=16 if method == "sobol" else 4)
    game = replace_values(GameParams(), {"iraq.hedging_value": 3.0, "us.severe_cost": 9.0})  # not the defaults
    done, _ = sens.evaluate_and_analyse(SCENARIO, opts, game, chunk_size=7)
    sens.write_outputs(done.table, tmp_path, ("png",), sample=done.sample())
    sample = pq.read_table(tmp_path / rundir.SAMPLE)
    meta = json.loads(sample.schema.metadata[sens.META_KEY])
    cols = sens.outcome_columns(concept, SCENARIO.regimes)
    assert sample.num_rows == meta["n_evaluations"] == opts.evaluations(3)
    assert sample.column_names == [*TINY["params"], *cols]
    assert meta["params"] == TINY["params"] and meta["outcomes"] == cols and meta["outputs"] == list(SCENARIO.regimes)
    assert meta["base"]["iraq.hedging_value"] == 3.0 and "us.aid" not in meta["base"]
    rows = [0, 5, sample.num_rows // 2, sample.num_rows - 1]
    X = np.column_stack([sample.column(p).to_numpy()[rows] for p in meta["params"]])
    base = replace_values(GameParams(), meta["base"])
    Y = sens.regime_outputs(SCENARIO, X, meta["params"], meta["concept"], base)
    np.testing.assert_array_equal(Y, np.column_stack([sample.column(c).to_numpy()[rows] for c in cols]))


def test_the_experiment_is_the_one_entry_point():
    """No second command line: the module has no ``main``/``run``, no console script names it."""
    assert not hasattr(sens, "main") and not hasattr(sens, "run")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert not [target for target in scripts.values() if "sensitivity" in target]
    r = subprocess.run([sys.executable, "-m", "sim.analysis.sensitivity"], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout == "" and r.stderr == ""  # importing it runs nothing
