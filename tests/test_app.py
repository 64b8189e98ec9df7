"""The Hydra app end to end: run directories, determinism, experiments, user errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.app import CONF_DIR
from sim.resources import experiment_names
from sim.config import schema
from sim.config.validate import unset_axis, validate_run_config
from sim.store.manifest import sha256_file
from sim.runs.run import run

EXPERIMENTS = experiment_names()
TINY = {"x": 9, "y": 7, "z": 3}
TINY_SENSITIVITY = {"n": 8, "resamples": 10}  # a power of two (Sobol) or trajectories (Morris)


def composed(overrides=()):
    schema.register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def tiny(data, tmp_path, run_id="r"):
    """Shrink every axis (or the sensitivity sample) of a composed config; write under tmp_path."""
    for key, spec in data["sweep"].items():
        if not unset_axis(spec) and spec.get("space", "linspace") != "list":
            spec["num"] = TINY[key]
    if data.get("sensitivity"):
        data["sensitivity"].update(TINY_SENSITIVITY)
    if data.get("backtest"):
        data["backtest"].update(grid=3, abm_replicates=2, abm_steps=3)
    if data.get("countries"):
        data["countries"].update(n=50)
    if data.get("discovery"):
        data["discovery"].update(n=2000, max_params=4, mass_min=0.05, peel_alpha=0.1)
    if data.get("history_matching"):
        data["history_matching"].update(n=2000, tolerance=8)
    data.update(results_dir=str(tmp_path), run_id=run_id)
    return data


def sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_experiments_exist():
    assert "nationalism_credibility" in EXPERIMENTS and len(EXPERIMENTS) >= 3


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_runs_tiny(experiment, tmp_path):
    cfg = validate_run_config(tiny(composed([f"experiment={experiment}"]), tmp_path))
    out = run(cfg, progress=False)
    assert out == tmp_path / experiment / "r"
    names = {p.name for p in out.iterdir()}
    if cfg.sensitivity is not None:  # an analysis instead of a sweep
        assert names == {"sensitivity.parquet", "sample.parquet", "config.yaml", "manifest.json", "figures.json",
                         "sensitivity.caption.txt", *(f"sensitivity.{f}" for f in cfg.plot_formats)}
        table = pq.read_table(out / "sensitivity.parquet")
        assert list(dict.fromkeys(table.column("regime").to_pylist())) == list(cfg.scenario.regimes)
        return
    if cfg.history_matching is not None:  # calibration by history matching instead of a sweep
        assert names == {"posterior.parquet", "history_matching.parquet", "config.yaml", "manifest.json",
                         "figures.json", "posterior.caption.txt", "predictive.caption.txt",
                         *(f"{stem}.{f}" for f in cfg.plot_formats for stem in ("posterior", "predictive"))}
        assert pq.read_table(out / "posterior.parquet").num_rows > 0
        return
    if cfg.discovery is not None:  # scenario discovery instead of a sweep
        assert names == {"discovery.parquet", "sample.parquet", "config.yaml", "manifest.json", "figures.json",
                         "discovery.caption.txt", *(f"discovery.{f}" for f in cfg.plot_formats)}
        table = pq.read_table(out / "discovery.parquet")
        assert list(dict.fromkeys(table.column("regime").to_pylist())) == list(cfg.discovery.regimes)
        return
    if cfg.countries is not None:  # the country comparison instead of a sweep
        assert names == {"countries.parquet", "config.yaml", "manifest.json", "figures.json", "countries.caption.txt",
                         *(f"countries.{f}" for f in cfg.plot_formats)}
        assert pq.read_table(out / "countries.parquet").column("country").to_pylist() == list(cfg.countries.countries)
        return
    if cfg.backtest is not None:  # the back-test instead of a sweep
        assert names == {"backtest.parquet", "config.yaml", "manifest.json", "figures.json", "backtest.caption.txt",
                         "dynamic_abm.parquet", "dynamic_abm.caption.txt",
                         *(f"{stem}.{f}" for f in cfg.plot_formats for stem in ("backtest", "dynamic_abm"))}
        table = pq.read_table(out / "backtest.parquet")
        assert table.column("quarter").to_pylist()[0] == cfg.backtest.start
        return
    assert {"equilibria.parquet", "config.yaml", "manifest.json", "baseline.nfg", "baseline.efg",
            "phase_diagram.png", "phase_diagram.pdf"} <= names
    table = pq.read_table(out / "equilibria.parquet")
    assert table.num_rows == cfg.n_points
    if "qre" in cfg.solvers:
        assert {"qre_path.parquet", "qre_path.png"} <= names
    assert set(table.column("spe_regime").to_pylist()) <= set(cfg.scenario.regimes)


def test_manifest_records_provenance_and_hashes(tmp_path):
    out = run(validate_run_config(tiny(composed(), tmp_path)), progress=False)
    m = json.loads((out / "manifest.json").read_text())
    for key in ("config", "config_hash", "seed", "git", "packages", "python", "cpu_count", "started", "finished"):
        assert key in m, key
    assert set(m["git"]) == {"commit", "dirty"}
    assert m["packages"]["numpy"] and m["packages"]["hydra-core"]
    assert m["files"]  # every file written before the manifest, with its sha256
    for name, digest in m["files"].items():
        assert sha256_file(out / name) == digest
    assert set(m["seconds"]) == {"solve", "write"} and all(v > 0 for v in m["seconds"].values())


def test_no_partial_directories_left(tmp_path):
    run(validate_run_config(tiny(composed(), tmp_path)), progress=False)
    leftovers = [p for p in (tmp_path / "nationalism_credibility").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_two_runs_never_share_a_directory(tmp_path):
    """Automatic run ids (timestamp and config hash) get a suffix when they collide; an
    explicit run id names one run (tests/test_faults.py: reused or refused)."""
    a = run(validate_run_config(tiny(composed(), tmp_path, None)), progress=False)
    b = run(validate_run_config(tiny(composed(), tmp_path, None)), progress=False)
    assert a != b and a.is_dir() and b.is_dir()


def test_cli_default_run_is_byte_identical_across_runs(tmp_path):
    args = ["sweep.x.num=15", "sweep.y.num=11", f"results_dir={tmp_path}"]
    r1 = sim(*args, "run_id=one", cwd=tmp_path)
    r2 = sim(*args, "run_id=two", "chunk_size=7", cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    base = tmp_path / "nationalism_credibility"
    for name in ("equilibria.parquet", "baseline.nfg", "baseline.efg", "phase_diagram.png"):
        assert (base / "one" / name).read_bytes() == (base / "two" / name).read_bytes(), name


def test_baseline_point_is_a_negotiated_drawdown(tmp_path):
    """Model 2's baseline (docs/model.md §7): Iran presses, Iraq asks for advisers only and
    deepens ties, the US draws down to advisers and accommodates."""
    data = composed(["experiment=nationalism_strip"])
    data["sweep"]["x"] = {"param": "iraq.nationalism", "space": "list", "values": [2.0]}
    out = run(validate_run_config(tiny(data, tmp_path)), progress=False)
    row = pq.read_table(out / "equilibria.parquet").to_pylist()[0]
    assert row["spe_regime"] == "negotiated drawdown"
    assert (row["spe_iran"], row["spe_iraq"], row["spe_us"]) == ("pressure", "advisers+deepen", "advisory+accommodate")
    assert row["spe_tie_on_path"] is False


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("game.iraq.nationalism=-1", "game.iraq.nationalism=-1.0 is out of range; allowed: [0.0, 20.0] $bn/yr"),
        ("sweep.x.num=0", "sweep.x.num=0 must be an integer >= 1"),
        ("sweep.x.param=iraq.pride", "unknown parameter 'iraq.pride'"),
        ("sweep.y.stop=99", "sweep.y: us.credibility sweeps to 99.0, outside its range"),
        ("solvers=[qre2]", "solvers=['qre2']: 'qre2' is unknown (did you mean 'qre'?)"),
        ("max_points=10", "more than max_points=10"),
        ("scenario=turkey", "scenario='turkey' is unknown"),
    ],
)
def test_bad_input_one_line_error_and_no_results(override, fragment, tmp_path):
    r = sim(f"results_dir={tmp_path}/res", override, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: error: ") and fragment in lines[0], r.stderr
    assert not (tmp_path / "res").exists()


def test_abm_run_writes_per_run_and_trajectory_tables(tmp_path):
    data = tiny(composed(["experiment=abm_selection", "abm.steps=40", "abm.replicates=3", "abm.tail=10",
                          "abm.settle_window=5", "abm.trajectory_replicates=12"]), tmp_path)
    cfg = validate_run_config(data)
    out = run(cfg, progress=False)
    runs = pq.read_table(out / "abm_runs.parquet").to_pandas()
    assert len(runs) == cfg.n_points * 3
    assert sorted(runs["point"].unique().tolist()) == list(range(cfg.n_points))
    table = pq.read_table(out / "equilibria.parquet").to_pandas()
    settled = runs.groupby("point")["settled"].mean().to_numpy()
    assert settled.tolist() == table["abm_settled_share"].tolist()
    traj = pq.read_table(out / "trajectory.parquet").to_pandas()
    assert traj["step"].max() == 40 and set(traj["actor"]) == set(cfg.scenario.players)
    shares = traj.groupby(["step", "actor"])["share"].sum()
    assert np.allclose(shares, 1.0)
    m = json.loads((out / "manifest.json").read_text())
    assert {"abm_runs.parquet", "trajectory.parquet", "trajectory_stats.parquet"} <= set(m["files"])


def test_each_figure_has_a_caption_from_its_config(tmp_path):
    data = tiny(composed(["experiment=nationalism_sanction_bite"]), tmp_path)
    out = run(validate_run_config(data), progress=False)
    text = (out / "phase_diagram.caption.txt").read_text()
    assert "iraq.nationalism" in text and "iraq.fed_share_at_risk" in text
    assert "us.credibility = 4 $bn/yr" in text  # the experiment's change from the baseline
    figures = json.loads((out / "figures.json").read_text())
    assert figures["run_id"] == "r" and set(figures["figures"]) == {"phase_diagram.png", "phase_diagram.pdf"}
