"""The equilibria table as a partitioned Parquet dataset: one file per tile.

With ``tiles.output=dataset`` a run directory holds, instead of ``equilibria.parquet``,
the directory ``equilibria/`` (:data:`sim.store.rundir.TABLE_DATASET`):

* ``part-<k>-of-<T>.parquet`` (:func:`sim.store.rundir.part_name`): tile ``k``'s rows, grid
  points ``[k*n//T, (k+1)*n//T)`` in C order, written as ``equilibria.parquet`` is (same
  schema and ``sim`` metadata, label columns dictionary-encoded with their whole
  vocabulary, row groups of :data:`sim.store.table.ROW_GROUP` rows counted from the part's
  first row), so the same tile gives the same bytes whoever solves it;
* ``_metadata`` (:data:`sim.store.rundir.DATASET_METADATA`): every part's footer (row
  groups, statistics, its file's name) in one file, with the table's schema and its
  key-value metadata, as ``pyarrow.parquet.write_metadata`` writes it;
* ``_manifest.json`` (:data:`sim.store.rundir.DATASET_INDEX`): the parts in row order, each
  with its rows and first row, and the total.

Dataset discovery in pyarrow and pandas skips names that begin with ``_``, and the part
names sort into row order, so ``pandas.read_parquet("equilibria")``,
``pyarrow.dataset.dataset("equilibria")`` and DuckDB's
``read_parquet('equilibria/*.parquet')`` read the parts as one table, the rows of
``equilibria.parquet`` in its order. sim reads it with :func:`sim.store.table.read_table`.

This module knows the layout and writes the index files; it raises ValueError (one line
naming the file) for a dataset that is not whole, which :mod:`sim.store.table` reports as
:class:`sim.store.table.ResultsError`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.store.rundir import (DATASET_INDEX, DATASET_METADATA, atomic_path, atomic_write_json, make_dirs, part_name,
                              writing)

INDEX_FORMAT = "sim.dataset/1"  #: the ``format`` of ``_manifest.json``; another is refused


def index_data(parts: Sequence[tuple[str, int]]) -> dict:
    """``_manifest.json``'s content for ``parts``, (file name, rows) in row order::

        {"format": "sim.dataset/1", "rows": int,
         "parts": [{"file": str, "rows": int, "first_row": int}, ...]}
    """
    out, first = [], 0
    for name, rows in parts:
        out.append({"file": name, "rows": int(rows), "first_row": first})
        first += int(rows)
    return {"format": INDEX_FORMAT, "rows": first, "parts": out}


def read_index(directory: Path) -> list[tuple[Path, int]]:
    """The parts of the dataset in ``directory``, (path, rows) in row order, from its
    ``_manifest.json``. ValueError naming the file if that is missing or malformed, or a
    part it lists is missing."""
    path = Path(directory) / DATASET_INDEX
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{path} is missing: {directory} is not a dataset written by sim") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is unreadable ({' '.join(str(exc).split())})") from None
    try:
        if data["format"] != INDEX_FORMAT:
            raise ValueError(f"format {data['format']!r}, not {INDEX_FORMAT!r}")
        parts = [(Path(directory) / Path(p["file"]).name, int(p["rows"])) for p in data["parts"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is malformed ({exc})") from None
    for part, _ in parts:
        if not part.is_file():
            raise ValueError(f"{part} is missing (listed in {path})")
    return parts


def _footer(path: Path) -> pq.FileMetaData:
    try:
        return pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path} is not a readable Parquet file: {str(exc).splitlines()[0]}") from None


def write_index(directory: Path, count: int) -> int:
    """Write ``_metadata`` and ``_manifest.json`` for the parts ``part-<k>-of-<count>``
    in ``directory`` (every ``k``), from their footers alone; return the total rows.

    Raises ValueError naming the first part that is unreadable, or whose schema differs
    from part 0's (the parts of one table share one)."""
    directory = Path(directory)
    paths = [directory / part_name(k, count) for k in range(count)]
    footers = [_footer(p) for p in paths]
    for path, footer in zip(paths, footers):
        if not footer.schema.equals(footers[0].schema):
            raise ValueError(f"{path} has another schema than {paths[0].name}: not a part of the same table")
        footer.set_file_path(path.name)
    schema = pq.read_schema(paths[0])  # with the table's key-value metadata (``sim``)
    with atomic_path(directory / DATASET_METADATA) as tmp:
        pq.write_metadata(schema, tmp, metadata_collector=footers)
    data = index_data([(p.name, f.num_rows) for p, f in zip(paths, footers)])
    atomic_write_json(directory / DATASET_INDEX, data)
    return data["rows"]


def place_part(source: Path, directory: Path, k: int, count: int) -> Path:
    """Put the finished Parquet file ``source`` in ``directory`` as part ``k`` of
    ``count``: a hard link (no bytes copied; ``source`` is never rewritten in place), or
    a copy where the file system has none. WriteError naming the part if neither works."""
    target = Path(directory) / part_name(k, count)
    with writing(target):
        try:
            os.link(source, target)
        except OSError:
            if target.exists():
                raise
            with atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
    return target


def assemble(sources: Sequence[Path], directory: Path) -> int:
    """Make the dataset ``directory`` from ``sources``, the parts' files in row order
    (:func:`place_part`, then :func:`write_index`); return its rows."""
    make_dirs(directory)
    for k, source in enumerate(sources):
        place_part(source, directory, k, len(sources))
    return write_index(directory, len(sources))
