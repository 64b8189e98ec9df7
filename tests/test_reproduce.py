"""sim.store.compare (tables and texts with numbers, within RTOL/ATOL) and sim-reproduce's three
verdicts: byte-identical, numerically equal, different; edited and malformed configs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import sim.cli.app  # noqa: F401  registers the game/ schemas the configs name
from sim.store.compare import ATOL, DIFFERENT, FIRST_ROWS, IDENTICAL, NUMERIC, RTOL, compare_tables, compare_text
from sim.config.validate import validate_run_config
from sim.store.manifest import sha256_file
from sim.cli.reproduce import main as reproduce
from sim.cli.app import CONF_DIR
from sim.runs.run import run
from sim.store.table import write_parquet

AVX2_ONLY = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512_SKX"
TINY = ["experiment=concepts", "sweep.x.num=6", "sweep.y.num=5", "plot.formats=[png]"]


# --- sim.store.compare ---------------------------------------------------------------------

def test_floats_agree_within_rtol_and_atol_and_not_beyond():
    base = pa.table({"x": [1.0, 0.0, -3.0]})
    assert compare_tables(base, base).verdict == IDENTICAL
    assert compare_tables(base, pa.table({"x": [1.0 + RTOL / 2, ATOL / 2, -3.0]})).verdict == NUMERIC
    for bad in ([1.0 + 2 * RTOL, 0.0, -3.0], [1.0, 2 * ATOL, -3.0], [1.0, 0.0, 3.0]):
        report = compare_tables(base, pa.table({"x": bad}))
        assert report.verdict == DIFFERENT and report.columns[0].n_differ == 1


def test_one_ulp_is_numerically_equal_and_measured():
    a = np.linspace(0.1, 1, 7)
    b = a.copy()
    b[4] = np.nextafter(b[4], 2.0)
    col = compare_tables(pa.table({"p": a}), pa.table({"p": b})).columns[0]
    assert (col.n_differ, col.n_inexact, col.max_abs) == (0, 1, abs(b[4] - a[4])) and col.max_rel < 1e-15


def test_nan_equals_nan_in_the_same_cell_only():
    nan = float("nan")
    assert compare_tables(pa.table({"x": [nan, 1.0]}), pa.table({"x": [nan, 1.0]})).verdict == IDENTICAL
    report = compare_tables(pa.table({"x": [nan, 1.0]}), pa.table({"x": [1.0, nan]}))
    assert report.verdict == DIFFERENT and report.columns[0].rows == (0, 1) and report.columns[0].max_abs == np.inf


def test_labels_are_compared_exactly_whatever_their_encoding():
    labels = ["hedging", "confrontation", "hedging"]
    plain = pa.table({"regime": labels, "n": [1, 2, 3]})
    encoded = pa.table({"regime": pa.array(labels).dictionary_encode(), "n": [1, 2, 3]})
    assert compare_tables(plain, encoded).verdict == IDENTICAL
    frame = pd.DataFrame({"regime": pd.Categorical(labels), "n": [1, 2, 3]})
    assert compare_tables(frame, plain).verdict == IDENTICAL
    report = compare_tables(plain, pa.table({"regime": ["hedging", "hedging", "hedging"], "n": [1, 2, 4]}))
    assert report.verdict == DIFFERENT
    assert report.lines() == ["column regime: 1 of 3 cells differ (rows 1)", "column n: 1 of 3 cells differ (rows 2)"]


def test_a_float_column_that_became_a_label_differs_everywhere():
    report = compare_tables(pa.table({"x": [1.0, 2.0]}), pa.table({"x": ["1.0", "2.0"]}))
    assert report.verdict == DIFFERENT and report.columns[0].n_differ == 2


def test_column_sets_and_row_counts_must_match():
    t = pa.table({"a": [1.0, 2.0], "b": ["x", "y"]})
    report = compare_tables(t, pa.table({"a": [1.0, 2.0], "c": ["x", "y"]}))
    assert report.verdict == DIFFERENT and (report.missing, report.extra) == (("b",), ("c",))
    assert report.lines()[:2] == ["columns missing: b", "columns added: c"]
    report = compare_tables(t, t.slice(0, 1))
    assert report.verdict == DIFFERENT and report.lines() == ["rows: 1 instead of 2"]


def test_first_rows_are_listed_and_counted():
    n = FIRST_ROWS + 3
    report = compare_tables(pa.table({"x": np.zeros(n)}), pa.table({"x": np.ones(n)}))
    (col,) = report.columns
    assert (col.n_differ, col.rows) == (n, tuple(range(FIRST_ROWS))) and ", ...)" in report.lines()[0]


def test_numbers_in_text_are_compared_with_the_tolerance_and_the_rest_exactly():
    efg = 't "" 1 "S-300" { 0, 1.7000000000000002, -2.8e-05 }\n'
    assert compare_text(efg, efg).verdict == IDENTICAL
    assert compare_text(efg, efg.replace("1.7000000000000002", "1.7")).verdict == NUMERIC
    assert compare_text(efg, efg.replace("-2.8e-05", "-2.9e-05")).verdict == DIFFERENT
    assert compare_text(efg, efg.replace('"S-300"', '"S-301"')).verdict == DIFFERENT  # a label, not a number
    assert compare_text(efg, efg.replace("{ 0,", "{ 0, 0,")).verdict == DIFFERENT


# --- sim-reproduce ---------------------------------------------------------------------

def tiny_config(results_dir, run_id="r") -> dict:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[*TINY, f"results_dir={results_dir}", f"run_id={run_id}"])
    return OmegaConf.to_container(cfg, resolve=True)


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A tiny concepts run (QRE and Bayes probabilities), never modified."""
    return run(validate_run_config(tiny_config(tmp_path_factory.mktemp("runs"))), progress=False)


@pytest.fixture
def copy(original, tmp_path):
    return shutil.copytree(original, tmp_path / "run")


def _record(run_dir, name):
    """Make the manifest say ``name`` was written as it now is (as if the run made it)."""
    m = json.loads((run_dir / "manifest.json").read_text())
    m["files"][name] = sha256_file(run_dir / name)
    (run_dir / "manifest.json").write_text(json.dumps(m))


def _rewrite(run_dir, column, row, change, name="equilibria.parquet"):
    path = run_dir / name
    table = pq.ParquetFile(path).read()
    values = table.column(column).to_pylist()
    values[row] = change(values[row])
    i = table.column_names.index(column)
    table = table.set_column(i, table.field(i), pa.array(values, table.field(i).type))
    write_parquet(table, path, table.schema.metadata)
    _record(run_dir, name)


def test_the_manifest_records_simd_and_blas(original):
    m = json.loads((original / "manifest.json").read_text())
    simd = m["simd"]
    assert {"baseline", "dispatch", "enabled"} <= set(simd) and set(simd["enabled"]) <= set(simd["dispatch"])
    assert set(m["blas"]) == {"blas", "lapack"}


def test_a_run_reproduces_byte_identical(original, capsys):
    assert reproduce([str(original)]) == 0
    out = capsys.readouterr().out
    assert "reproduced: byte-identical (6 files: baseline.efg, baseline.nfg, equilibria.parquet" in out
    assert "note: numpy" not in out


def test_floats_one_ulp_apart_and_other_figure_bytes_reproduce_numerically(copy, capsys):
    _rewrite(copy, "qre_prob_confrontation", 3, lambda v: float(np.nextafter(v, 1.0)))
    (copy / "qre_path.png").write_bytes((copy / "qre_path.png").read_bytes() + b"\0")  # as drawn elsewhere
    _record(copy, "qre_path.png")
    nfg = (copy / "baseline.nfg").read_text()
    (copy / "baseline.nfg").write_text(nfg.replace("1.7000000000000002", "1.7", 1))
    _record(copy, "baseline.nfg")
    m = json.loads((copy / "manifest.json").read_text())
    m["simd"]["enabled"] = ["AS_RECORDED_ELSEWHERE"]
    (copy / "manifest.json").write_text(json.dumps(m))
    assert reproduce([str(copy)]) == 0
    out = capsys.readouterr().out
    assert ("equilibria.parquet: numerically equal on re-run (bytes differ)\n"
            "  column qre_prob_confrontation: 1 cells within the tolerance; largest difference") in out
    assert ("qre_path.png: numerically equal on re-run (bytes differ)\n"
            "  bytes differ; drawn from tables that reproduced") in out
    assert "baseline.nfg: numerically equal on re-run" in out
    assert "note: numpy SIMD enabled: run ['AS_RECORDED_ELSEWHERE'], here" in out
    assert "reproduced numerically: 3 of 6 files byte-identical, 3 numerically equal" in out


def test_a_changed_float_or_label_is_different(copy, capsys):
    _rewrite(copy, "qre_prob_confrontation", 3, lambda v: v + 1e-3)
    _rewrite(copy, "spe_regime", 0, lambda v: "hedging" if v != "hedging" else "confrontation")
    (copy / "phase_diagram.png").write_bytes(b"not the figure")
    _record(copy, "phase_diagram.png")
    assert reproduce([str(copy)]) == 1
    out = capsys.readouterr().out
    assert "equilibria.parquet: differs on re-run\n  column spe_regime: 1 of 30 cells differ (rows 0)\n" in out
    assert "column qre_prob_confrontation: 1 of 30 cells outside the tolerance (rows 3); largest difference 0.001" \
        in out
    assert "phase_diagram.png: differs on re-run\n  bytes differ, and so do the tables it is drawn from" in out
    assert "not reproduced: different: 2 of 6 files differ on re-run, 0 changed on disk" in out


def test_an_unreadable_table_recorded_in_the_manifest_is_different(copy, capsys):
    (copy / "qre_path.parquet").write_bytes(b"PAR1 not parquet")
    _record(copy, "qre_path.parquet")
    assert reproduce([str(copy)]) == 1
    out = capsys.readouterr().out
    assert "qre_path.parquet: differs on re-run\n  qre_path.parquet is not a readable Parquet file" in out


def test_a_file_changed_on_disk_is_reported(copy, capsys):
    data = bytearray((copy / "equilibria.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "equilibria.parquet").write_bytes(bytes(data))
    assert reproduce([str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"equilibria.parquet: differs in {copy} since the run (manifest sha256 no longer matches)" in out
    assert "not reproduced: different: 0 of 6 files differ on re-run, 1 changed on disk since the run" in out


def test_an_edited_config_is_refused_in_one_line(copy, capsys):
    text = (copy / "config.yaml").read_text()
    assert "\nseed: 0\n" in text
    (copy / "config.yaml").write_text(text.replace("\nseed: 0\n", "\nseed: 1\n"))
    assert reproduce([str(copy)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    edited = f"{copy / 'config.yaml'} was edited since the run (its sha256 no longer matches the manifest)"
    assert edited in captured.err


def test_a_malformed_config_gives_one_line(copy, capsys):
    (copy / "config.yaml").write_text((copy / "config.yaml").read_text() + "sweep: [1\nname: x\n")
    assert reproduce([str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"sim-reproduce: error: {copy / 'config.yaml'} is not valid YAML (")
    assert "line " in err and "edited since the run" in err


def test_a_run_made_with_other_simd_kernels_reproduces(tmp_path, capsys):
    """The run is made with numpy's AVX-512 kernels disabled; here they are not (on a CPU
    without them both are the AVX2 kernels: byte-identical)."""
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": AVX2_ONLY}
    subprocess.run([sys.executable, "-m", "sim", *TINY, f"results_dir={tmp_path}", "run_id=avx2"],
                   env=env, check=True, capture_output=True)
    run_dir = tmp_path / "concepts" / "avx2"
    assert json.loads((run_dir / "manifest.json").read_text())["simd"]["NPY_DISABLE_CPU_FEATURES"] == AVX2_ONLY
    assert reproduce([str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "reproduced: byte-identical" in out or (
        "reproduced numerically" in out and "note: numpy SIMD NPY_DISABLE_CPU_FEATURES: run" in out)
