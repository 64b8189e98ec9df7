"""Tiled sweeps: same bytes as one process, resume after a real kill, failing tiles kept;
and re-running a finished run from its manifest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from test_app import composed, tiny

from sim.config.validate import validate_run_config
from sim.engine.params import ConfigError
from sim.cli.reproduce import main as reproduce_main
from sim.runs.run import TileFailed, run
from sim.store.tiles import tile_range

DATA = ("equilibria.parquet", "abm_runs.parquet", "trajectory.parquet", "baseline.efg", "phase_diagram.png")


def files(run_dir: Path) -> dict[str, bytes]:
    return {n: (run_dir / n).read_bytes() for n in DATA if (run_dir / n).exists()}


def abm_config(tmp_path, run_id, **tiles):
    data = tiny(composed(["experiment=abm_selection", "abm.steps=30", "abm.replicates=2", "abm.tail=5",
                          "abm.settle_window=3", "abm.trajectory_replicates=6"]), tmp_path, run_id)
    data["tiles"] = {"count": 1, "index": None, **tiles}
    return validate_run_config(data)


def test_tile_ranges_cover_the_grid_once():
    for n, t in [(10, 3), (7, 7), (100, 1), (101, 10)]:
        ranges = [tile_range(n, t, k) for k in range(t)]
        assert ranges[0][0] == 0 and ranges[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


@pytest.mark.parametrize("count", [3, 7])
def test_tiled_run_gives_the_same_bytes_as_one_process(tmp_path, count):
    one = run(abm_config(tmp_path, "one"), progress=False)
    tiled = run(abm_config(tmp_path, f"t{count}", count=count), progress=False)
    assert tiled.name == f"t{count}" and (tiled / "manifest.json").exists()
    assert files(tiled) == files(one)
    assert not list((tmp_path / "abm_selection").glob(".tiles-*"))  # merged and cleaned
    seconds = json.loads((tiled / "manifest.json").read_text())["seconds"]  # each tile's solve, then the merge
    assert len(seconds["solve_tiles"]) == count and all(s > 0 for s in seconds["solve_tiles"]) and seconds["write"] > 0


def test_labels_are_stored_with_their_whole_vocabulary(tmp_path):
    """Label columns keep the solvers' fixed dictionary, so a tile that holds only some
    regimes writes the same dictionary as the whole grid; read_table decodes to strings."""
    import pyarrow.parquet as pq

    from sim.store.table import read_table

    out = run(abm_config(tmp_path, "voc", count=3), progress=False)
    stored = pq.ParquetFile(out / "equilibria.parquet").read()
    regimes = stored.column("spe_regime")
    assert pa.types.is_dictionary(regimes.type)
    table, meta = read_table(out / "equilibria.parquet")
    assert regimes.chunk(0).dictionary.to_pylist() == list(meta.regimes)  # all of them, in order
    assert len(set(regimes.to_pylist())) < len(meta.regimes)  # though the grid shows fewer
    assert table.schema.field("spe_regime").type == pa.string()
    assert table.column("spe_regime").to_pylist() == regimes.to_pylist()


def test_canonical_refuses_chunk_dependent_dictionaries():
    from sim.store.table import canonical

    a = pa.DictionaryArray.from_arrays(pa.array([0, 1], pa.int32()), pa.array(["x", "y"]))
    b = pa.DictionaryArray.from_arrays(pa.array([0], pa.int32()), pa.array(["y", "x"]))
    assert canonical(pa.table({"r": pa.chunked_array([a, a])})).column("r").num_chunks == 1
    with pytest.raises(ValueError, match="'r' has a different dictionary"):
        canonical(pa.table({"r": pa.chunked_array([a, b])}))


def test_single_tile_jobs_merge_when_the_last_one_finishes(tmp_path):
    for k in (2, 0):
        out = run(abm_config(tmp_path, "jobs", count=3, index=k), progress=False)
        assert out.name == ".tiles-jobs"  # not all tiles yet
    out = run(abm_config(tmp_path, "jobs", count=3, index=1), progress=False)
    assert out.name == "jobs"
    assert files(out) == files(run(abm_config(tmp_path, "one"), progress=False))
    # rerunning a finished tiled run does nothing and returns it
    assert run(abm_config(tmp_path, "jobs", count=3, index=1), progress=False) == out


def test_two_jobs_writing_one_tile_keep_the_first(tmp_path):
    """Each job writes under a name of its own; the first to commit wins, the second
    drops its copy, and no temporary file is left."""
    from sim.store.tiles import TileWriter, tile_done, tile_path

    chunk = pa.table({"x": [1.0, 2.0, 3.0]})
    first, second = TileWriter(tmp_path, 2, 0), TileWriter(tmp_path, 2, 0)
    for w in (first, second):
        w.write(chunk)
    assert first.commit(None, 1.0) is True
    stamp = tile_path(tmp_path, 2, 0).stat().st_ino
    assert second.commit(None, 2.0) is False
    assert tile_path(tmp_path, 2, 0).stat().st_ino == stamp and tile_done(tmp_path, 2, 0, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tile-00000-of-00002.arrow", "tile-00000-of-00002.seconds"]


@pytest.mark.parametrize("tiles, match", [
    ({"count": 0}, r"tiles.count=0 must be an integer in \[1, 63\]"),
    ({"count": 64}, r"tiles.count=64"),
    ({"count": 3, "index": 3}, r"tiles.index=3 must be null \(all tiles\) or an integer in \[0, 2\]"),
    ({"count": 2, "size": 3}, r"tiles has unknown key.*\['size'\]"),
])
def test_bad_tiles_are_refused(tmp_path, tiles, match):
    data = tiny(composed(), tmp_path)
    data["tiles"] = tiles
    with pytest.raises(ConfigError, match=match):
        validate_run_config(data)


def test_failing_tile_keeps_the_others_and_the_rerun_finishes(tmp_path):
    cfg = abm_config(tmp_path, "faulty", count=4)
    tdir = tmp_path / "abm_selection" / ".tiles-faulty"
    tdir.mkdir(parents=True)
    blocker = tdir / "tile-00001-of-00004.arrow"
    blocker.mkdir()  # a disk-write failure for tile 1: its file cannot be put in place
    with pytest.raises(TileFailed, match=r"1 tile\(s\) of 4 failed \(1\)"):
        run(cfg, progress=False)
    assert sorted(p.name for p in tdir.glob("tile-0000[023]-of-00004.arrow")) == [
        "tile-00000-of-00004.arrow", "tile-00002-of-00004.arrow", "tile-00003-of-00004.arrow"]
    assert (tdir / "tile-00001-of-00004.failed").read_text() == f"IsADirectoryError: {blocker}: Is a directory\n"
    assert not (tmp_path / "abm_selection" / "faulty").exists()
    blocker.rmdir()
    out = run(cfg, progress=False)
    assert files(out) == files(run(abm_config(tmp_path, "one"), progress=False))


def _cli(tmp_path, *extra):
    return [sys.executable, "-m", "sim", f"results_dir={tmp_path}", "experiment=abm_selection",
            "sweep.x.num=60", "sweep.y.num=50", "abm.steps=120", "abm.replicates=4", "abm.trajectory_replicates=8",
            "plot.formats=[png]", *extra]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_sweep_resumes_to_the_same_bytes(tmp_path, sig):
    tiled = _cli(tmp_path, "tiles.count=12", "run_id=killed")
    tdir = tmp_path / "abm_selection" / ".tiles-killed"
    proc = subprocess.Popen(tiled, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(list(tdir.glob("tile-*-of-00012.arrow"))) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    done = sorted(tdir.glob("tile-*-of-00012.arrow"))
    assert 2 <= len(done) < 24, "the kill must land mid-sweep"
    assert not (tmp_path / "abm_selection" / "killed").exists()
    stamps = {p.name: p.stat().st_mtime_ns for p in done}

    assert subprocess.run(tiled, cwd=tmp_path, capture_output=True).returncode == 0
    out = tmp_path / "abm_selection" / "killed"
    assert (out / "manifest.json").exists()
    one = subprocess.run(_cli(tmp_path, "run_id=one"), cwd=tmp_path, capture_output=True)
    assert one.returncode == 0
    assert files(out) == files(tmp_path / "abm_selection" / "one")
    assert all(stamps)  # finished tiles were not recomputed (their files were reused, then merged)


def test_reproduce_says_reproduced_and_catches_changes(tmp_path, capsys):
    out = run(validate_run_config(tiny(composed(), tmp_path, "orig")), progress=False)
    assert reproduce_main([str(out)]) == 0
    assert "reproduced:" in capsys.readouterr().out
    (out / "baseline.nfg").write_text((out / "baseline.nfg").read_text() + " ")
    assert reproduce_main([str(out)]) == 1
    report = capsys.readouterr().out
    assert "baseline.nfg: differs" in report and "not reproduced" in report


def test_reproduce_reports_a_changed_model_and_a_dirty_tree(tmp_path, capsys):
    out = run(validate_run_config(tiny(composed(), tmp_path, "orig")), progress=False)
    m = json.loads((out / "manifest.json").read_text())
    m["git"]["dirty"] = True
    m["files"]["equilibria.parquet"] = "0" * 64  # as if the model had changed since
    (out / "manifest.json").write_text(json.dumps(m))
    assert reproduce_main([str(out)]) == 1
    report = capsys.readouterr().out
    assert "uncommitted changes" in report
    assert "equilibria.parquet: differs on re-run" in report


def test_reproduce_refuses_a_directory_that_is_not_a_run(tmp_path, capsys):
    assert reproduce_main([str(tmp_path)]) == 2
    assert "is not a finished run" in capsys.readouterr().err
