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
