"""The multirun index (sim/cli/multirun_index.py) and sim.open_multirun (sim/api/multirun.py).

A real multirun (Hydra's basic launcher, 2 jobs, a 3 x 2 grid) writes
``multirun_index.parquet``/``.csv`` in its sweep directory, leaves no empty job directory,
and opens as one table with the overrides as columns. The callback's failure path and its
helpers are tested directly, without Hydra.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import OmegaConf

import sim
from sim.api.multirun import override_columns, parse_override, read_index
from sim.cli.multirun_index import (INDEX, INDEX_CSV, MultirunIndex, find_run, job_row, read_rows, record,
                                    remove_empty_job_dirs, run_dir_of)
from sim.engine.params import ConfigError
from sim.resources import CONF_DIR

ROOT = Path(__file__).resolve().parents[1]
NAME = "nationalism_credibility"  # the default experiment
TINY = ["sweep.x.num=3", "sweep.y.num=2", "plot.formats=[]", "abm.trajectory_replicates=0"]


def multirun(tmp: Path, *overrides: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim", "-m", f"results_dir={tmp / 'results'}", f"hydra.sweep.dir={tmp / 'sweep'}",
           "hydra/callbacks=multirun_index", *TINY, *overrides]
    return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300, env=dict(os.environ))


@pytest.fixture(scope="module")
def two_jobs(tmp_path_factory) -> Path:
    """A finished multirun of two jobs (the US values its presence at 8 and 2 $bn/yr); its sweep directory."""
    tmp = tmp_path_factory.mktemp("multirun")
    proc = multirun(tmp, "game.us.presence_value=8,2")
    assert proc.returncode == 0, proc.stderr
    return tmp / "sweep"


def test_index_has_a_row_per_job(two_jobs):
    index = read_index(two_jobs)
    assert list(index.columns) == ["job", "overrides", "run_dir", "status", "error"]
    assert index["job"].tolist() == [0, 1]
    assert index["status"].tolist() == ["completed", "completed"]
    assert [shlex.split(o)[-1] for o in index["overrides"]] == ["game.us.presence_value=8", "game.us.presence_value=2"]
    dirs = [Path(d) for d in index["run_dir"]]
    assert len(set(dirs)) == 2 and all((d / "manifest.json").is_file() for d in dirs)
    assert all(d.parent.name == NAME for d in dirs)
    csv = pd.read_csv(two_jobs / INDEX_CSV, keep_default_na=False)
    assert csv["run_dir"].tolist() == index["run_dir"].tolist()


def test_sweep_dir_holds_no_empty_folder(two_jobs):
    assert sorted(p.name for p in two_jobs.iterdir()) == sorted([INDEX, INDEX_CSV, "multirun.yaml"])


def test_open_multirun_is_one_table_with_the_overrides_as_columns(two_jobs):
    df = sim.open_multirun(two_jobs)
    assert len(df) == 2 * 3 * 2
    assert list(df.columns[:2]) == ["job", "results_dir"]
    assert df.groupby("job")["game.us.presence_value"].unique().map(list).to_dict() == {0: [8], 1: [2]}
    for job, run_dir in read_index(two_jobs)[["job", "run_dir"]].itertuples(index=False):
        own = df[df["job"] == job]
        table = sim.open_run(run_dir).table
        pd.testing.assert_frame_equal(own[table.columns].reset_index(drop=True), table.reset_index(drop=True),
                                      check_categorical=False)
    # each job's baseline really was its override: the US's payoff differs between runs
    assert not df[df.job == 0]["spe_payoff_us"].reset_index(drop=True).equals(
        df[df.job == 1]["spe_payoff_us"].reset_index(drop=True))


def test_the_callback_is_on_by_default():
    """conf/config.yaml selects the callback, so every multirun writes its index."""
    from hydra import compose, initialize_config_dir

    from sim.config import schema

    schema.register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True)
    assert cfg.hydra.callbacks.multirun_index._target_ == "sim.cli.multirun_index.MultirunIndex"


# --- the callback and its helpers, without Hydra ---------------------------------------


def hydra_config(tmp: Path, num: int, mode: str = "MULTIRUN"):
    return OmegaConf.create({"hydra": {
        "mode": mode, "job": {"num": num}, "sweep": {"dir": str(tmp / "sweep")},
        "runtime": {"cwd": str(tmp), "output_dir": str(tmp / "sweep" / str(num))}}})


def test_a_failed_job_is_recorded_with_its_error_and_its_dir_removed(tmp_path):
    (tmp_path / "sweep" / "0").mkdir(parents=True)
    ret = JobReturn(overrides=["game.us.credibility=3"], status=JobStatus.FAILED)
    ret.return_value = IsADirectoryError("tile 1 cannot be written:\n  it is a directory")
    callback = MultirunIndex()
    callback.on_job_start(config=hydra_config(tmp_path, 0))
    callback.on_job_end(config=hydra_config(tmp_path, 0), job_return=ret)
    assert read_rows(tmp_path / "sweep") == [{
        "job": 0, "overrides": "game.us.credibility=3", "run_dir": "", "status": "failed",
        "error": "IsADirectoryError: tile 1 cannot be written: it is a directory"}]
    assert not (tmp_path / "sweep" / "0").exists()
    with pytest.warns(UserWarning, match="job\\(s\\) 0 left out"):
        assert sim.open_multirun(tmp_path / "sweep").empty


def test_a_single_run_writes_no_index(tmp_path):
    (tmp_path / "sweep").mkdir()
    ret = JobReturn(overrides=[], status=JobStatus.COMPLETED)
    ret.return_value = str(tmp_path)
    MultirunIndex().on_job_end(config=hydra_config(tmp_path, 0, mode="RUN"), job_return=ret)
    assert not (tmp_path / "sweep" / INDEX).exists()


def test_rows_are_replaced_by_job_and_kept_in_job_order(tmp_path):
    record(tmp_path, job_row(1, ["a=1"], "completed", str(tmp_path / "r1")))
    record(tmp_path, job_row(0, ["a=0"], "completed", str(tmp_path / "r0")))
    record(tmp_path, job_row(1, ["a=1"], "completed", str(tmp_path / "r1b")))
    assert [(r["job"], Path(r["run_dir"]).name) for r in read_rows(tmp_path)] == [(0, "r0"), (1, "r1b")]


def test_a_tile_job_names_the_run_it_merges_into(tmp_path):
    assert run_dir_of(tmp_path / "exp" / ".tiles-tiled-abc") == str(tmp_path / "exp" / "tiled-abc")
    assert run_dir_of(None) == "" and run_dir_of(3) == ""


def test_only_empty_job_dirs_are_removed(tmp_path):
    for name in ("0", "1", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "1" / "keep.txt").write_text("x")
    assert [p.name for p in remove_empty_job_dirs(tmp_path)] == ["0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1", "notes"]


def test_find_run_by_config_hash(tmp_path):
    """A job that returns nothing: its run is found by the config hash in the manifest."""
    from sim.config.validate import config_hash

    task = {"name": "exp", "results_dir": "results", "seed": 1}
    h = config_hash(task)
    run = tmp_path / "results" / "exp" / f"20260101-000000-{h[:8]}"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text(f'{{"config_hash": "{h}"}}')
    other = tmp_path / "results" / "exp" / f"20260101-000001-{h[:8]}"
    other.mkdir()
    (other / "manifest.json").write_text('{"config_hash": "not this one"}')
    assert find_run(task, tmp_path, 0.0) == str(run)
    assert find_run({**task, "run_id": "mine"}, tmp_path, 0.0) == str(tmp_path / "results" / "exp" / "mine")
    assert find_run({**task, "seed": 2}, tmp_path, 0.0) == ""


@pytest.mark.parametrize("text, expected", [
    ("game.us.credibility=2", ("game.us.credibility", 2)),
    ("+qre.lam=0.5", ("qre.lam", 0.5)),
    ("experiment=concepts", ("experiment", "concepts")),
    ("solvers=[spe,nash]", ("solvers", "[spe,nash]")),
    ("~abm", ("abm", None)),
])
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_overrides_with_spaces_come_back_whole():
    row = job_row(3, ["name=my run", "game.us.aid=0.5", "solvers=[spe,nash]"], "completed", None)
    assert override_columns(pd.DataFrame([row])).to_dict("records") == [
        {"job": 3, "name": "my run", "game.us.aid": 0.5, "solvers": "[spe,nash]"}]


def test_open_multirun_of_a_directory_without_index(tmp_path):
    with pytest.raises(ConfigError, match="has no multirun_index.parquet"):
        sim.open_multirun(tmp_path)
