"""Re-run a finished run from its saved config and say whether it reproduced, byte for byte or numerically.

``sim-reproduce RUN_DIR`` (:mod:`sim.cli.reproduce`):

1. checks ``config.yaml`` against the sha256 in the manifest: an edited config is refused
   (re-running it would not reproduce this run), as is a malformed one;
2. checks that RUN_DIR's other files still match the manifest (a changed file is reported);
3. re-runs the config in a temporary directory (one process, no tiles: results do not
   depend on tiling; a run in dataset form, ``equilibria/``, re-runs its tiles in turn,
   one file each);
4. compares every file the manifest lists (``config.yaml``, ``figures.json`` and
   captions aside, which record where and under which id the run was written) by
   sha256, and a file whose bytes differ by what it holds: a Parquet table cell by cell
   with :func:`sim.store.compare.compare_tables` (labels exactly, floats within ``RTOL``/``ATOL``;
   its schema metadata exactly); a Gambit file (``.efg``, ``.nfg``) by the numbers in it
   (:func:`sim.store.compare.compare_text`); a figure (``.png``, ``.pdf``, ``.svg``) by the data
   it draws: figures are drawn from the run's tables alone, so one counts as reproduced
   when every table of the run does; any other file differs.

Verdicts and exit status:

* 0, ``reproduced: byte-identical``: every file has the same bytes;
* 0, ``reproduced numerically``: every label, regime, action and count equal, every
  float within the tolerance; the largest difference of each float column that differs
  is printed, with how numpy's SIMD kernels and BLAS differ from the run's (manifest);
* 1, ``not reproduced: different``: per file, the columns, how many cells, first rows;
  or a file changed on disk since the run;
* 2: RUN_DIR is not a usable run (no manifest, config.yaml malformed or edited);
* 1, after one ``sim-reproduce: error:`` line: a file cannot be read or written (the
  re-run's: ``cannot write results: <path>: <cause>``).

Runs made from a work tree with uncommitted changes say so, as does the current tree if
dirty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.store import rundir
from sim.store.compare import DIFFERENT, IDENTICAL, NUMERIC, Report, compare_tables, compare_text
from sim.store.manifest import blas_info, sha256_file, simd_dispatch
from sim.store.table import ResultsError

SKIP = {rundir.CONFIG, rundir.MANIFEST, rundir.FIGURES}  # these record where and under which id
GAMBIT = (".efg", ".nfg")
FIGURES = tuple(f".{fmt}" for fmt in rundir.FIGURE_FORMATS)


@dataclass(frozen=True)
class FileResult:
    """One file of the run. ``status``, the re-run's copy: :data:`~sim.store.compare.IDENTICAL`
    (the recorded sha256), :data:`~sim.store.compare.NUMERIC`, :data:`~sim.store.compare.DIFFERENT`
    or ``"not produced"``; ``lines`` say what differs. ``disk``, RUN_DIR's copy against
    its recorded sha256: ``"same"``, ``"differs"`` or ``"missing"``."""

    name: str
    status: str
    lines: tuple[str, ...] = ()
    disk: str = "same"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{getattr(exc, 'problem', None) or str(exc).splitlines()[0]}{where}"


def load_run(run_dir: Path) -> tuple[dict, dict]:
    """The manifest and saved config of a run. ResultsError (one line, naming the file)
    if either is missing or unreadable, or if config.yaml no longer matches the sha256
    the manifest recorded for it."""
    run_dir = Path(run_dir)
    path = run_dir / rundir.CONFIG
    try:
        manifest = json.loads((run_dir / rundir.MANIFEST).read_text())
        text = path.read_text()
    except FileNotFoundError as exc:
        raise ResultsError(f"{run_dir} is not a finished run: {Path(exc.filename).name} is missing") from None
    except ValueError as exc:
        raise ResultsError(f"{run_dir / rundir.MANIFEST} is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ResultsError(f"{run_dir / rundir.MANIFEST} is malformed: no 'files' mapping")
    recorded = manifest["files"].get(rundir.CONFIG)
    edited = recorded is not None and sha256_file(path) != recorded
    since = "; it was edited since the run (its sha256 no longer matches the manifest)" if edited else ""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ResultsError(f"{path} is not valid YAML ({_yaml_problem(exc)}){since}") from None
    if not isinstance(config, dict):
        raise ResultsError(f"{path} is malformed: not a mapping of config keys{since}")
    if edited:
        raise ResultsError(f"{path} was edited since the run (its sha256 no longer matches the manifest); "
                           "not re-running it: restore it, or run the edited config with `sim` as a new run")
    return manifest, config


def disk_status(expected: dict[str, str], directory: Path) -> dict[str, str]:
    """Per file: 'same', 'differs' or 'missing', against the expected sha256."""
    out = {}
    for name, digest in sorted(expected.items()):
        path = Path(directory) / name
        if not path.is_file():
            out[name] = "missing"
        else:
            out[name] = "same" if sha256_file(path) == digest else "differs"
    return out


def _read(path: Path) -> pa.Table:
    try:
        return pq.ParquetFile(path).read()
    except (pa.ArrowException, OSError) as exc:
        raise ResultsError(f"{path.name} is not a readable Parquet file ({str(exc).splitlines()[0]})") from None


def compare_content(old: Path, new: Path) -> tuple[str, tuple[str, ...]]:
    """(verdict, lines) of two files whose bytes differ, by what they hold: Parquet by
    table, Gambit files by their numbers; other files (figures too) are DIFFERENT."""
    if old.suffix == ".parquet":
        try:
            a, b = _read(old), _read(new)
        except ResultsError as exc:
            return DIFFERENT, (str(exc),)
        report = compare_tables(a, b)
        if (a.schema.metadata or {}) != (b.schema.metadata or {}):
            return DIFFERENT, ("schema metadata differs", *report.lines())
        return _verdict(report)
    if old.suffix in GAMBIT:
        try:
            return _verdict(compare_text(old.read_text(), new.read_text()))
        except UnicodeDecodeError as exc:
            return DIFFERENT, (f"not text ({exc.reason})",)
    return DIFFERENT, ()


def _verdict(report: Report) -> tuple[str, tuple[str, ...]]:
    # bytes differ but every cell is bit-equal (e.g. another Parquet writer): numerically equal
    return (NUMERIC if report.verdict == IDENTICAL else report.verdict), tuple(report.lines())


def compare_run(run_dir: Path, new_dir: Path, manifest: dict) -> list[FileResult]:
    """Every file the manifest lists (SKIP and captions aside): RUN_DIR's copy against its
    recorded sha256, then the re-run's in ``new_dir`` against it, by content when the
    bytes differ. Figures whose bytes differ follow the run's tables."""
    expected = {k: v for k, v in manifest["files"].items() if k not in SKIP and not k.endswith(rundir.CAPTION_SUFFIX)}
    disk = disk_status(expected, run_dir)
    out = {}
    for name, digest in sorted(expected.items()):
        new = Path(new_dir) / name
        if not new.is_file():
            out[name] = FileResult(name, "not produced", disk=disk[name])
        elif sha256_file(new) == digest:
            out[name] = FileResult(name, IDENTICAL, disk=disk[name])
        elif disk[name] != "same":  # the run's copy changed: nothing to compare the content with
            out[name] = FileResult(name, DIFFERENT, (
                "bytes differ from the recorded sha256 (content not compared: the run's copy changed)",), disk[name])
        elif name.endswith(FIGURES) or _is_footers(name):
            out[name] = None  # decided by the tables below
        else:
            out[name] = FileResult(name, *compare_content(Path(run_dir) / name, new))
    tables_ok = all(r.status in (IDENTICAL, NUMERIC) and r.disk == "same"
                    for n, r in out.items() if n.endswith(".parquet"))
    for name, result in out.items():
        if result is None:
            same, other = ("drawn from tables that reproduced", "the tables it is drawn from")
            if _is_footers(name):
                same, other = "holds the footers of parts that reproduced", "the parts whose footers it holds"
            out[name] = (FileResult(name, NUMERIC, (f"bytes differ; {same}",)) if tables_ok
                         else FileResult(name, DIFFERENT, (f"bytes differ, and so do {other}",)))
    return list(out.values())


def rerun_tiles(config: dict) -> dict:
    """The re-run's ``tiles``: one process, no tiles (results do not depend on tiling);
    but a dataset's files are one per tile, so the same count of tiles, all in turn."""
    tiles = config.get("tiles") or {}
    if tiles.get("output", "merged") == "dataset":
        return {"count": tiles.get("count", 1), "index": None, "output": "dataset"}
    return {"count": 1, "index": None}


def _is_footers(name: str) -> bool:
    """Whether ``name`` is a dataset's ``_metadata``: its parts' footers (sizes, statistics),
    which follow the parts' bytes."""
    return Path(name).name == rundir.DATASET_METADATA


def reproduce(run_dir: Path, workdir: Path) -> tuple[list[FileResult], dict]:
    """Re-run RUN_DIR's config in ``workdir`` and compare: (per-file results, manifest)."""
    from sim.config.validate import validate_run_config
    from sim.runs.run import run

    manifest, config = load_run(run_dir)
    config = {**config, "results_dir": str(workdir), "run_id": "reproduce", "tiles": rerun_tiles(config)}
    out = run(validate_run_config(config), progress=False)
    return compare_run(run_dir, out, manifest), manifest


def numeric_platform_notes(manifest: dict) -> list[str]:
    """How numpy's SIMD kernels and BLAS here differ from those the manifest recorded."""
    simd, blas = manifest.get("simd"), manifest.get("blas")
    if simd is None and blas is None:
        return ["note: the run's manifest does not record numpy's SIMD kernels or BLAS (made before they were)"]
    here_simd, here_blas = simd_dispatch(), blas_info()
    out = []
    for key in sorted(set(simd or {}) | set(here_simd)):
        if (simd or {}).get(key) != here_simd.get(key):
            out.append(f"note: numpy SIMD {key}: run {(simd or {}).get(key)}, here {here_simd.get(key)}")
    for key in ("blas", "lapack"):
        if (blas or {}).get(key) != here_blas.get(key):
            out.append(f"note: {key}: run {(blas or {}).get(key)}, here {here_blas.get(key)}")
    return out or ["note: numpy's SIMD kernels and BLAS are the same as the run's"]
