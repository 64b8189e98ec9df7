"""The run's table as a partitioned Parquet dataset (``tiles.output=dataset``): pandas,
pyarrow.dataset and DuckDB read it as the rows of ``equilibria.parquet``; sim's readers,
figures, manifest and sim-reproduce take it; kill and resume and tile jobs in any order
give the same bytes; a corrupt part is one line naming it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from test_app import composed, tiny

from sim.cli.plot import main as plot_main
from sim.cli.reproduce import main as reproduce_main
from sim.config.validate import config_hash, validate_run_config
from sim.engine.params import ConfigError
from sim.runs.run import run
from sim.store import dataset, rundir
from sim.store.manifest import verify_run
from sim.store.table import META_KEY, ROW_GROUP, ResultsError, TableMeta, read_meta, read_table, write_parquet
from sim.store.tiles import PARQUET, TileWriter, tile_done, tile_path, tile_range

duckdb = pytest.importorskip("duckdb", reason='DuckDB is in the test extra: pip install -e ".[test]"')

NAME = "nationalism_credibility"
META = {META_KEY: TableMeta("s", ("a", "b", "c"), ({"param": "x", "unit": "u", "doc": "d", "n": 1},),
                            {"x": 0.0}).to_json().encode()}


# --- helpers --------------------------------------------------------------------------


def column_bytes(table: pa.Table | pd.DataFrame) -> dict[str, bytes]:
    """Each column's values as bytes: numbers and flags as their machine bytes (so
    NaN, -0.0 and every last bit count), labels as their text whatever the encoding."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    out = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            out[name] = "\x00".join(col.to_pylist()).encode()
        else:
            out[name] = np.ascontiguousarray(col.to_numpy()).tobytes()
    return out


def three_readers(source: Path, glob: str) -> dict[str, dict[str, bytes]]:
    """The table read by pandas, pyarrow.dataset and DuckDB (4 threads), as column bytes."""
    con = duckdb.connect()
    con.execute("SET threads TO 4")
    return {"pandas": column_bytes(pd.read_parquet(source)),
            "pyarrow.dataset": column_bytes(ds.dataset(source, format="parquet").to_table()),
            "duckdb": column_bytes(con.sql(f"SELECT * FROM read_parquet('{glob}')").df())}


def synthetic(n: int) -> pa.Table:
    rng = np.random.default_rng(n)
    labels = pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 3, n).astype(np.int32)),
                                            pa.array(["a", "b", "c"]))
    x = rng.random(n)
    x[::97] = np.nan
    return pa.table({"x": x, "regime": labels, "count": rng.integers(0, 4, n), "unique": rng.random(n) < 0.5})


def assembled(tmp_path: Path, table: pa.Table, count: int) -> Path:
    """``table`` split as ``count`` tiles, written as Parquet tiles and assembled."""
    sources = []
    for k in range(count):
        start, stop = tile_range(table.num_rows, count, k)
        sources.append(tmp_path / "tiles" / f"t{k}.parquet")
        sources[-1].parent.mkdir(exist_ok=True)
        write_parquet(table.slice(start, stop - start), sources[-1], META)
    out = tmp_path / "equilibria"
    assert dataset.assemble(sources, out) == table.num_rows
    return out


def config(tmp_path: Path, run_id: str, *overrides: str, **tiles):
    data = tiny(composed(list(overrides)), tmp_path, run_id)
    data["sweep"]["x"]["num"], data["sweep"]["y"]["num"] = 30, 20
    data["tiles"] = {"count": 1, "index": None, **tiles}
    return validate_run_config(data)


def dataset_files(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run_dir / rundir.TABLE_DATASET).iterdir())}


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    """A one-process run of the default experiment, 30 x 20 points, ``equilibria.parquet``."""
    return run(config(tmp_path_factory.mktemp("merged"), "one"), progress=False)


@pytest.fixture(scope="module")
def tiled(tmp_path_factory) -> Path:
    """The same config in 3 tiles, in dataset form."""
    return run(config(tmp_path_factory.mktemp("dataset"), "ds", count=3, output="dataset"), progress=False)


# --- the dataset, written and read -------------------------------------------------------


@pytest.mark.parametrize("count", [1, 7])
def test_three_readers_read_the_parts_as_one_table_in_order(tmp_path, count):
    table = synthetic(3 * ROW_GROUP + 777)  # parts of several row groups; DuckDB reads them in parallel
    out = assembled(tmp_path, table, count)
    want = column_bytes(table)
    for reader, got in three_readers(out, f"{out}/*.parquet").items():
        assert got == want, reader
    assert column_bytes(read_table(out)[0]) == want


def test_metadata_holds_every_parts_footer_and_the_tables_metadata(tmp_path):
    table = synthetic(2 * ROW_GROUP + 5)
    out = assembled(tmp_path, table, 4)
    footers = pq.read_metadata(out / rundir.DATASET_METADATA)
    assert footers.num_rows == table.num_rows
    paths = [footers.row_group(i).column(0).file_path for i in range(footers.num_row_groups)]
    assert sorted(set(paths)) == [rundir.part_name(k, 4) for k in range(4)]
    assert pq.read_schema(out / rundir.DATASET_METADATA).metadata[META_KEY] == META[META_KEY]
    assert column_bytes(ds.parquet_dataset(str(out / rundir.DATASET_METADATA)).to_table()) == column_bytes(table)
    index = json.loads((out / rundir.DATASET_INDEX).read_text())
    assert [p["first_row"] for p in index["parts"]] == [tile_range(table.num_rows, 4, k)[0] for k in range(4)]


def test_a_part_is_copied_where_hard_links_fail(tmp_path, monkeypatch):
    def no_link(*_):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    table = synthetic(100)
    out = assembled(tmp_path, table, 2)
    assert (out / rundir.part_name(0, 2)).stat().st_nlink == 1
    assert column_bytes(read_table(out)[0]) == column_bytes(table)


def _garbage(path: Path) -> None:
    path.write_bytes(b"PAR1 this is not parquet")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


@pytest.mark.parametrize("spoil, says", [
    (_garbage, "is not a readable Parquet file"),
    (_truncate, "is not a readable Parquet file"),
    (Path.unlink, "is missing (listed in"),
])
def test_a_corrupt_part_is_one_line_naming_it(tmp_path, spoil, says):
    out = assembled(tmp_path, synthetic(1000), 3)
    part = out / rundir.part_name(1, 3)
    spoil(part)
    with pytest.raises(ResultsError) as err:
        read_table(out)
    assert str(part) in str(err.value) and says in str(err.value) and "\n" not in str(err.value)
    if part.exists():  # the index is written from the footers: it refuses the part too
        with pytest.raises(ValueError, match=f"{part.name} is not a readable Parquet file"):
            dataset.write_index(out, 3)


def test_a_dataset_without_its_index_or_footers_is_refused(tmp_path):
    out = assembled(tmp_path, synthetic(100), 2)
    (out / rundir.DATASET_INDEX).unlink()
    with pytest.raises(ResultsError, match=r"_manifest.json is missing: .* is not a dataset written by sim"):
        read_table(out)
    (out / rundir.DATASET_METADATA).unlink()
    with pytest.raises(ResultsError, match=r"_metadata is missing: .* is not a whole dataset"):
        read_meta(out)


def test_parts_of_another_table_are_refused(tmp_path):
    out = assembled(tmp_path, synthetic(100), 2)
    write_parquet(pa.table({"y": [1.0]}), out / rundir.part_name(1, 2), META)
    with pytest.raises(ValueError, match=f"{rundir.part_name(1, 2)} has another schema than"):
        dataset.write_index(out, 2)


def test_parquet_tile_writers_keep_the_first_and_leave_nothing_else(tmp_path):
    """As Arrow tiles: two jobs writing one tile, the first to commit wins; an aborted
    tile leaves no file."""
    chunk = synthetic(10)
    first, second, third = (TileWriter(tmp_path, 2, k, PARQUET, META) for k in (0, 0, 1))
    for w in (first, second, third):
        w.write(chunk)
    assert first.commit(None, 1.0) is True
    inode = tile_path(tmp_path, 2, 0, suffix=PARQUET).stat().st_ino
    assert second.commit(None, 2.0) is False
    third.abort()
    assert tile_path(tmp_path, 2, 0, suffix=PARQUET).stat().st_ino == inode
    assert tile_done(tmp_path, 2, 0, 10, PARQUET) and not tile_done(tmp_path, 2, 0, 11, PARQUET)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tile-00000-of-00002.parquet", "tile-00000-of-00002.seconds"]
    assert pq.read_schema(tmp_path / "tile-00000-of-00002.parquet").metadata[META_KEY] == META[META_KEY]


# --- runs in dataset form ---------------------------------------------------------------


def test_a_dataset_run_holds_the_rows_of_the_merged_file(merged, tiled):
    names = sorted(p.name for p in (tiled / rundir.TABLE_DATASET).iterdir())
    assert names == ["_manifest.json", "_metadata", *(rundir.part_name(k, 3) for k in range(3))]
    assert not (tiled / rundir.TABLE).exists()
    want = column_bytes(pq.read_table(merged / rundir.TABLE))
    source = tiled / rundir.TABLE_DATASET
    for reader, got in three_readers(source, f"{source}/*.parquet").items():
        assert got == want, reader
    for name in (tiled, tiled / rundir.TABLE, source):  # sim's reader: the run, its table's name, the directory
        table, meta = read_table(name)
        assert column_bytes(table) == column_bytes(read_table(merged / rundir.TABLE)[0])
        assert meta == read_meta(merged) == read_meta(name)
    sizes = [pq.read_metadata(source / rundir.part_name(k, 3)).num_rows for k in range(3)]
    assert sizes == [stop - start for start, stop in (tile_range(600, 3, k) for k in range(3))]
    for name in ("phase_diagram.png", "baseline.efg", "baseline.nfg"):  # drawn from the dataset
        assert (tiled / name).read_bytes() == (merged / name).read_bytes(), name


def test_the_manifest_hashes_every_part_and_sees_a_changed_one(tiled, tmp_path, capsys):
    import shutil

    files = json.loads((tiled / rundir.MANIFEST).read_text())["files"]
    assert {f"equilibria/{n}" for n in dataset_files(tiled)} <= set(files)
    copy = tmp_path / "copy"
    shutil.copytree(tiled, copy)
    part = copy / rundir.TABLE_DATASET / rundir.part_name(2, 3)
    _garbage(part)
    with pytest.raises(ResultsError, match="part-00002-of-00003.parquet no longer matches its manifest sha256"):
        verify_run(copy)
    assert plot_main([str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(part) in err
    (copy / rundir.MANIFEST).unlink()  # no manifest to check against: the part itself is refused
    assert plot_main([str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{part} is not a readable Parquet file" in err


def test_one_process_dataset_is_one_part(merged, tmp_path):
    out = run(config(tmp_path, "one-part", output="dataset"), progress=False)
    assert sorted(dataset_files(out)) == ["_manifest.json", "_metadata", rundir.part_name(0, 1)]
    assert column_bytes(read_table(out)[0]) == column_bytes(read_table(merged)[0])


def test_a_dataset_run_reproduces_byte_for_byte(tiled, capsys):
    assert reproduce_main([str(tiled)]) == 0
    out = capsys.readouterr().out
    assert "reproduced: byte-identical" in out and "equilibria/part-00001-of-00003.parquet" in out


def test_tile_jobs_in_any_order_and_a_resume_give_the_same_bytes(tiled, tmp_path):
    """What a launcher does (one job per tile, in any order), and what a killed run leaves
    (finished tiles, a dead job's temporary tile and .partial directory), end in the bytes
    of the run that solved every tile in turn; finished tiles are not solved again."""
    tdir = tmp_path / NAME / ".tiles-jobs"
    for k in (2, 0):
        assert run(config(tmp_path, "jobs", count=3, index=k, output="dataset"), progress=False) == tdir
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = f"{dead.pid}@{socket.gethostname()}"
    stale_tile = tdir / f".tile-00001-of-00003.parquet.{owner}.ab12.tmp"
    stale_tile.write_bytes(b"half a tile")
    stale_merge = tmp_path / NAME / f".jobs.{owner}.cd34.partial"
    stale_merge.mkdir()
    inodes = {k: tile_path(tdir, 3, k, suffix=PARQUET).stat().st_ino for k in (0, 2)}
    out = run(config(tmp_path, "jobs", count=3, index=1, output="dataset"), progress=False)
    assert out == tmp_path / NAME / "jobs"
    assert dataset_files(out) == dataset_files(tiled)
    assert all((out / rundir.TABLE_DATASET / rundir.part_name(k, 3)).stat().st_ino == inodes[k] for k in (0, 2))
    assert sorted(p.name for p in (tmp_path / NAME).iterdir()) == ["jobs"]  # tiles, stale files, lock: gone


def test_the_output_form_is_part_of_the_config(tmp_path):
    merged_cfg, dataset_cfg = (composed([f"tiles.output={o}"]) for o in ("merged", "dataset"))
    plain = {k: v for k, v in merged_cfg.items() if k != "tiles"}
    assert config_hash(merged_cfg) == config_hash(plain)  # merged runs keep their hashes
    assert config_hash(dataset_cfg) != config_hash(merged_cfg)  # a dataset run is a run of its own


@pytest.mark.parametrize("overrides, tiles, match", [
    ([], {"output": "parts"}, r"tiles.output='parts' must be one of merged, dataset"),
    (["experiment=sobol_regime"], {"output": "dataset"}, r"tiles.output='dataset': a sensitivity analysis writes "
                                                         "no equilibria table; set tiles.output=merged"),
])
def test_bad_outputs_are_refused(tmp_path, overrides, tiles, match):
    data = tiny(composed(overrides), tmp_path)
    data["tiles"] = {"count": 1, "index": None, **tiles}
    with pytest.raises(ConfigError, match=match):
        validate_run_config(data)


# --- real processes: a kill, and Hydra's launchers (slow) ---------------------------------


def _cli(tmp_path, *extra):
    return [sys.executable, "-m", "sim", f"results_dir={tmp_path}", "experiment=abm_selection",
            "sweep.x.num=60", "sweep.y.num=50", "abm.steps=120", "abm.replicates=4", "abm.trajectory_replicates=8",
            "plot.formats=[png]", *extra]


@pytest.mark.slow
def test_killed_dataset_sweep_resumes_to_the_rows_of_one_process(tmp_path):
    tiled_cmd = _cli(tmp_path, "tiles.count=12", "tiles.output=dataset", "run_id=killed")
    tdir = tmp_path / "abm_selection" / ".tiles-killed"
    proc = subprocess.Popen(tiled_cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(list(tdir.glob("tile-*-of-00012.parquet"))) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    done = sorted(tdir.glob("tile-*-of-00012.parquet"))
    assert 2 <= len(done) < 12, "the kill must land mid-sweep"
    inodes = {p.name: p.stat().st_ino for p in done}
    assert subprocess.run(tiled_cmd, cwd=tmp_path, capture_output=True).returncode == 0
    out = tmp_path / "abm_selection" / "killed"
    assert subprocess.run(_cli(tmp_path, "run_id=one"), cwd=tmp_path, capture_output=True).returncode == 0
    one = tmp_path / "abm_selection" / "one"
    assert column_bytes(read_table(out)[0]) == column_bytes(read_table(one)[0])
    for name in ("abm_runs.parquet", "trajectory.parquet", "phase_diagram.png"):
        assert (out / name).read_bytes() == (one / name).read_bytes(), name
    parts = out / rundir.TABLE_DATASET
    assert all((parts / f"part-{n[5:]}").stat().st_ino == inode for n, inode in inodes.items())  # kept, not redone


LAUNCHERS = {"basic": [], "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]}


@pytest.mark.slow
def test_launchers_give_the_same_dataset(tiled, tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    for launcher, overrides in LAUNCHERS.items():
        cmd = [sys.executable, "-m", "sim", "-m", f"results_dir={tmp_path}", "sweep.x.num=30", "sweep.y.num=20",
               "tiles.count=3", "tiles.index=range(3)", "tiles.output=dataset", f"run_id={launcher}",
               f"hydra.sweep.dir={tmp_path / 'multirun' / launcher}", *overrides]
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        out = tmp_path / NAME / launcher
        assert dataset_files(out) == dataset_files(tiled), launcher
        assert (out / "phase_diagram.png").read_bytes() == (tiled / "phase_diagram.png").read_bytes()
        assert not (tmp_path / NAME / f".tiles-{launcher}").exists()
