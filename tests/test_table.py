"""sim.store.table: the equilibria table's deterministic Parquet files, written whole or piece by piece."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sim.store.table import ROW_GROUP, RowGroupWriter, read_parquet, write_parquet

META = {b"sim": b'{"note": "test"}'}


def _table(n: int) -> pa.Table:
    rng = np.random.default_rng(n)
    labels = pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 3, n).astype(np.int32)),
                                            pa.array(["hedging", "Russian pivot", "confrontation"]))
    return pa.table({"x": rng.random(n), "regime": labels, "count": rng.integers(0, 4, n),
                     "unique": rng.random(n) < 0.5})


@pytest.mark.parametrize("piece", [1000, 8192, ROW_GROUP, ROW_GROUP + 1, 10**6])
def test_pieces_give_the_bytes_of_the_whole(tmp_path, piece):
    table = _table(3 * ROW_GROUP + 777)
    write_parquet(table, tmp_path / "whole.parquet", META)
    with RowGroupWriter(tmp_path / "pieces.parquet", META) as writer:
        for lo in range(0, table.num_rows, piece):
            writer.write(table.slice(lo, piece))
    assert (tmp_path / "pieces.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert read_parquet(tmp_path / "pieces.parquet").column("regime").to_pylist() == \
        table.column("regime").to_pylist()


def test_a_failed_write_leaves_no_file(tmp_path):
    table = _table(2 * ROW_GROUP)
    with pytest.raises(RuntimeError), RowGroupWriter(tmp_path / "t.parquet", META) as writer:
        writer.write(table)  # a row group is on disk (under the temporary name) by now
        raise RuntimeError("the solve failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("before", [0, ROW_GROUP])  # refused in the first row group, or after one is written
def test_pieces_with_another_dictionary_are_refused(tmp_path, before):
    table = _table(100)
    other = pa.DictionaryArray.from_arrays(pa.array(np.zeros(100, np.int32)), pa.array(["x", "y", "z"]))
    with pytest.raises(ValueError, match="'regime' has a different dictionary"), \
            RowGroupWriter(tmp_path / "t.parquet", META) as writer:
        if before:
            writer.write(_table(before))
        writer.write(table)
        writer.write(table.set_column(1, "regime", other))
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_table_names_its_path_and_leaves_nothing(tmp_path):
    from sim.store.rundir import WriteError

    path = tmp_path / "gone" / "t.parquet"
    with pytest.raises(WriteError, match=r"/gone/t\.parquet: No such file or directory$"):
        write_parquet(_table(10), path, META)
    with pytest.raises(WriteError, match=r"/gone/t\.parquet: No such file or directory$"), \
            RowGroupWriter(path, META) as writer:
        writer.write(_table(ROW_GROUP))
    (tmp_path / "gone").mkdir()
    with pytest.raises(ValueError, match="nothing was written"), RowGroupWriter(path, META):
        pass
    assert list(tmp_path.rglob("*")) == [tmp_path / "gone"]


# ----------------------------------------------------------------------------- metadata


def _meta(**extra):
    from sim.store.table import TableMeta

    return TableMeta("iraq2020", ("hedging", "confrontation"), ({"param": "x", "unit": "1", "n": 2},),
                     {"x": 0.5}, "confrontation", **extra)


def test_metadata_round_trips_what_figures_say_about_the_run(tmp_path):
    from sim.store.table import read_meta, read_table, write_table

    meta = _meta(source="pkg.mod:SCENARIO", changes=("us.credibility = 4 $bn/yr",),
                 abm={"rule": "logit", "lam": 1.0, "replicates": 4, "steps": 40, "shocks": []})
    write_table(pa.table({"x": [0.0, 1.0]}), meta, tmp_path / "t.parquet")
    assert read_meta(tmp_path / "t.parquet") == meta
    assert read_table(tmp_path / "t.parquet")[1] == meta


def test_metadata_of_an_older_file_reads_its_missing_keys_as_defaults(tmp_path):
    """Files written before ``source``, ``changes`` and ``abm`` (or ``focal``) were stored."""
    import json

    from sim.store.table import read_meta

    old = {"scenario": "iraq2020", "regimes": ["hedging", "confrontation"], "axes": [{"param": "x", "n": 2}],
           "baseline": {"x": 0.5}}
    write_parquet(pa.table({"x": [0.0, 1.0]}), tmp_path / "old.parquet", {b"sim": json.dumps(old).encode()})
    meta = read_meta(tmp_path / "old.parquet")
    assert (meta.focal, meta.source, meta.changes, meta.abm) == (None, None, (), None)
    assert meta.regimes == ("hedging", "confrontation")


@pytest.mark.parametrize("raw", [b'{"scenario": "s"}', b'{"scenario": "s", "regimes": [], "axes": [], '
                                 b'"baseline": {}, "abm": [1, 2]}', b"not json"],
                         ids=["keys missing", "abm not a mapping", "not json"])
def test_malformed_metadata_is_a_results_error(tmp_path, raw):
    from sim.store.table import ResultsError, read_meta

    write_parquet(pa.table({"x": [0.0]}), tmp_path / "bad.parquet", {b"sim": raw})
    with pytest.raises(ResultsError, match="malformed sim metadata"):
        read_meta(tmp_path / "bad.parquet")
    with pytest.raises(ResultsError, match="no results table"):
        read_meta(tmp_path / "missing.parquet")
