"""The discovery experiment (``python -m sim experiment=discovery``): its run directory, the
same bytes from the same config, any saved sample as the source, redrawing, reproducing,
the figure's layout and one-line errors from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

pytest.importorskip("ema_workbench")
pytest.importorskip("sklearn")

from figcheck import label_problems, layout_problems, type3_fonts  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from sim.analysis import discovery as disc  # noqa: E402
from sim.config import schema  # noqa: E402
from sim.config.discovery import DiscoveryOptions  # noqa: E402
from sim.config.validate import validate_run_config  # noqa: E402
from sim.figures.discovery import figure, table_meta  # noqa: E402
from sim.figures.registry import draw_run  # noqa: E402
from sim.resources import CONF_DIR  # noqa: E402
from sim.runs.reproduce import reproduce  # noqa: E402
from sim.runs.run import run  # noqa: E402
from sim.store.compare import IDENTICAL  # noqa: E402

TINY = {"n": 2000, "max_params": 4, "mass_min": 0.05, "peel_alpha": 0.1}  # few PRIM steps: fast
FILES = {"discovery.parquet", "sample.parquet", "discovery.png", "discovery.pdf", "discovery.caption.txt",
         "config.yaml", "figures.json", "manifest.json"}


def composed(overrides=()) -> dict:
    schema.register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["experiment=discovery", *overrides])
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def tiny_run(tmp_path: Path, run_id: str, **changes) -> Path:
    data = composed()
    data["discovery"].update({**TINY, **changes.pop("discovery", {})})
    data.update(results_dir=str(tmp_path), run_id=run_id, **changes)
    return run(validate_run_config(data), progress=False)


def frame(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


@pytest.fixture(scope="module")
def one(tmp_path_factory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("runs"), "one")


def test_a_run_writes_its_table_sample_figure_and_caption(one):
    assert {p.name for p in one.iterdir()} == FILES
    manifest = json.loads((one / "manifest.json").read_text())
    assert manifest["n_points"] == TINY["n"] and set(manifest["seconds"]) == {"solve", "discover", "write"}
    df = frame(one / "discovery.parquet")
    assert list(dict.fromkeys(df["regime"])) == ["confrontation", "Russian pivot"]
    assert set(df.loc[df["kind"] == "box", "method"]) == {"prim", "cart"}
    assert (df.loc[df["kind"] == "score"].groupby("regime")["selected"].sum() == TINY["max_params"]).all()
    sample = pq.read_table(one / "sample.parquet")
    assert sample.num_rows == TINY["n"] and sample.column_names[-1] == "spe_regime" and sample.num_columns == 41
    caption = (one / "discovery.caption.txt").read_text()
    assert "Where each regime happens" in caption and "2,000 points" in caption and "'Russian pivot'" in caption


def test_the_same_config_gives_the_same_bytes_whatever_the_chunk_size(one, tmp_path):
    two = tiny_run(tmp_path, "two", chunk_size=333)
    for name in ("discovery.parquet", "sample.parquet", "discovery.png", "discovery.pdf"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_a_saved_sample_gives_the_boxes_the_prior_run_found(one, tmp_path):
    """discovery.source=<the prior run's directory> reads its sample.parquet back: the same rows."""
    again = tiny_run(tmp_path, "again", discovery={"source": str(one)})
    assert {p.name for p in again.iterdir()} == FILES - {"sample.parquet"}
    pd.testing.assert_frame_equal(frame(again / "discovery.parquet"), frame(one / "discovery.parquet"))
    meta = table_meta(pq.read_table(again / "discovery.parquet"))
    assert meta["source"] == str(one / "sample.parquet") and len(meta["source_sha256"]) == 64


def test_an_equilibria_table_is_a_sample_too(tmp_path):
    """A sweep's table: its swept parameters are searched, its spe_regime is the outcome."""
    data = composed(["experiment=nationalism_credibility"])
    data["sweep"]["x"]["num"], data["sweep"]["y"]["num"] = 30, 30
    data.update(results_dir=str(tmp_path), run_id="sweep", discovery=None, plot={"formats": []})
    sweep = run(validate_run_config(data), progress=False)
    regimes = pd.Series(pq.read_table(sweep / "equilibria.parquet").column("spe_regime").to_pylist())
    common = regimes.value_counts().index[0]
    out = tiny_run(tmp_path, "from-sweep", discovery={"source": str(sweep), "regimes": [common]},
                   plot={"formats": ["png"]})
    scores = frame(out / "discovery.parquet").query("kind == 'score'")
    assert sorted(scores["param"]) == ["iraq.nationalism", "us.credibility"]
    box = frame(out / "discovery.parquet").query("kind == 'box' and method == 'prim'").iloc[0]
    assert box["n"] > 0 and 0 < box["coverage"] <= 1


def test_sim_plot_redraws_the_same_figure(one, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(one, copy)
    (copy / "discovery.png").unlink()
    assert [p.name for p in draw_run(copy, ["png"])] == ["discovery.png"]
    assert (copy / "discovery.png").read_bytes() == (one / "discovery.png").read_bytes()


def test_a_discovery_run_reproduces_byte_for_byte(one, tmp_path):
    results, _ = reproduce(one, tmp_path)
    assert {r.name: r.status for r in results if r.status != IDENTICAL} == {}


def test_the_figure_is_laid_out_and_labelled(one, tmp_path):
    table = pq.read_table(one / "discovery.parquet")
    fig = figure(table)
    assert layout_problems(fig) == [] and label_problems(fig) == []
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert not any("." in lab.split("(")[0] and " " not in lab for lab in labels if lab)  # words, not dotted names
    assert not type3_fonts((one / "discovery.pdf").read_bytes())
    x = pd.DataFrame(np.random.default_rng(1).random((3000, 3)), columns=["iraq.nationalism", "us.aid", "us.credibility"])
    labels = np.where((x["us.aid"] < 0.3) | (x["iraq.nationalism"] > 0.8), "hedging", "managed exit").astype(object)
    from sim.analysis.discovery_sample import Sample
    from sim.scenarios import get_scenario

    sample = Sample(x, {"spe_regime": labels}, {c: (0.0, 1.0) for c in x}, {c: "1" for c in x}, "test")
    two_boxes = disc.analyse(get_scenario("iraq2020"), sample,
                             DiscoveryOptions(regimes=("hedging",), max_boxes=2, mass_min=0.05, peel_alpha=0.1,
                                              threshold=0.9))
    fig = figure(two_boxes)
    assert layout_problems(fig) == [] and label_problems(fig) == []
    assert any(t.get_text() == "PRIM box 2" for leg in fig.legends for t in leg.get_texts())


def _sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_command_line_refuses_a_target_column_that_is_not_there(one, tmp_path):
    r = _sim("experiment=discovery", f"discovery.source={one}", "discovery.outcome=nash_regime",
             f"results_dir={tmp_path}", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"sim: error: discovery.outcome='nash_regime' is not an outcome column of {one / 'sample.parquet'}; its "
        "outcome columns: spe_regime"]


@pytest.mark.slow
def test_the_command_line_runs_the_experiment(tmp_path):
    r = _sim("experiment=discovery", "discovery.n=3000", "discovery.max_params=4", f"results_dir={tmp_path}",
             "run_id=cli", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "discovery" / "cli"
    assert r.stdout.strip().splitlines()[-1] == str(out) and {p.name for p in out.iterdir()} == FILES


@pytest.mark.slow
def test_the_default_experiment_finds_where_the_russian_pivot_happens(tmp_path):
    """10^5 prior draws: the Russian pivot has a box (density >= 80 %) that asks for an S-400
    worth something to Iraq and severe sanctions little more credible than targeted ones;
    confrontation is rare (about 0.5 %) and has none."""
    data = composed()
    data.update(results_dir=str(tmp_path), run_id="full")
    df = frame(run(validate_run_config(data), progress=False) / "discovery.parquet")
    boxes = df.query("kind == 'box' and method == 'prim'").set_index("regime")
    assert bool(boxes.loc["Russian pivot", "meets_threshold"]) and boxes.loc["Russian pivot", "coverage"] > 0.3
    assert not bool(boxes.loc["confrontation", "meets_threshold"])
    limits = df.query("kind == 'limit' and method == 'prim' and regime == 'Russian pivot'").set_index("param")
    assert limits.loc["iraq.air_defence_value", "low"] > 0 and limits.loc["us.severe_credibility_factor", "high"] < 3
