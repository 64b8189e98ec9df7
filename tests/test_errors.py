"""Every row of docs/errors.md: the command fails with one clear line, status 2, no
traceback and no file written; a few valid commands still run.

The rows run in-process through the console scripts' own ``main`` (tests/errors_table.py;
about 0.1 s a row); a subset, one row of each class, also runs as real subprocesses, so
nothing but the one line reaches a real terminal.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from errors_table import Row, changed_run, fixtures, message_of, rows, run_in_process, sim_argv

ROWS = rows()
MODULES = {"sim": "sim", "sim-solve": "sim.cli.solve", "sim-plot": "sim.cli.plot", "sim-reproduce": "sim.cli.reproduce"}
CLASSES = ["Values out of range or of the wrong type", "Null or empty settings",
           "Names that are not one safe path component", "Sweep axes", "Sizes beyond what fits in memory or time",
           "Unknown keys and typos", "Config groups", "Malformed overrides and non-ASCII input",
           "Multirun: one bad swept value", "Options and their order", "Extra config directory (--config-dir)",
           "Other tools"]


def test_the_table_is_complete():
    assert len(ROWS) >= 100
    assert list(dict.fromkeys(r.kind for r in ROWS)) == CLASSES
    assert len({(r.tool, r.input) for r in ROWS}) == len(ROWS), "a row is listed twice"


def files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def prepared(tmp: Path, row: Row) -> set[Path]:
    fixtures(tmp)
    if row.input == "changed_run":
        changed_run(tmp)
    return files(tmp)


def check_output(row: Row, code: int, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert code == 2, f"exit {code}: {stderr}"
    assert len(lines) == 1 and lines[0].strip() and "Traceback" not in stderr, stderr
    if row.tool == "sim":
        assert message_of(stderr, "sim") == row.message, \
            "docs/errors.md is stale: python tests/errors_table.py rewrites it"
    else:
        assert lines[0].startswith(f"{row.tool}: error: ") and row.message in lines[0]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_bad_input_gets_one_clear_line(row, tmp_path):
    before = prepared(tmp_path, row)
    code, stderr = run_in_process(row, tmp_path)
    check_output(row, code, stderr)
    assert files(tmp_path) == before  # no results directory, nothing else written


SUBPROCESS = [next(r for r in ROWS if r.kind == kind) for kind in CLASSES[:-1]] + [
    r for r in ROWS if r.input in ("-cd my_conf experiment=tabbed", "sweep.x.num=3 -m game.us.credibility=1,99",
                                   "ｓｅｅｄ=1", "abm.steps=1000000000000 solvers=[abm]", "game=null")
] + [next(r for r in ROWS if r.tool == tool) for tool in ("sim-solve", "sim-plot", "sim-reproduce")]


def _subprocess(row: Row, tmp: Path):
    args = sim_argv(row, tmp) if row.tool == "sim" else shlex.split(row.input)
    return subprocess.run([sys.executable, "-m", MODULES[row.tool], *args], cwd=tmp, capture_output=True,
                          text=True, timeout=300)


def test_real_subprocesses_print_one_line_and_write_nothing(tmp_path):
    """One row of each class as a real process: what reaches the terminal is one line."""
    dirs, before = [], []
    for k, row in enumerate(SUBPROCESS):
        d = tmp_path / str(k)
        d.mkdir()
        before.append(prepared(d, row))
        dirs.append(d)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_subprocess, SUBPROCESS, dirs))
    for row, d, files_before, r in zip(SUBPROCESS, dirs, before, results):
        assert r.stdout == "", (row.input, r.stdout)
        check_output(row, r.returncode, r.stderr)
        assert files(d) == files_before, row.input


CONTROLS = [
    "sweep.x.num=3 sweep.y.num=2 run_id=plain",  # plain
    "sweep.x.num=3 sweep.y=null -m seed=1,2",  # an option after the overrides; a multirun
    "-cd my_conf experiment=good",  # an experiment from an extra config dir
    "sweep.x.space=list sweep.x.values=[1,2] sweep.y.num=2",  # an axis field the experiment lacks
]


@pytest.mark.parametrize("args", [CONTROLS], ids=["controls"])
def test_valid_controls_still_run(args, tmp_path):
    """A few valid commands at tiny size exit 0 and write a run."""
    rows_ = [Row("sim", "control", a, "", "controls", "") for a in args]
    dirs = []
    for k, _ in enumerate(rows_):
        (tmp_path / str(k)).mkdir()
        fixtures(tmp_path / str(k))
        dirs.append(tmp_path / str(k))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_subprocess, rows_, dirs))
    for a, d, r in zip(args, dirs, results):
        assert r.returncode == 0, (a, r.stderr)
        tables = list((d / "res").rglob("equilibria.parquet"))
        assert len(tables) == (2 if " -m " in f" {a} " else 1), (a, tables)
