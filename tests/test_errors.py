"""Every row of docs/errors.md: the command fails with one clear line and no traceback."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = {"sim": "sim", "sim-solve": "sim.cli_solve", "sim.plot": "sim.plot", "sim-reproduce": "sim.reproduce"}


def rows():
    out = []
    for line in (ROOT / "docs/errors.md").read_text().splitlines():
        m = re.match(r"^\| (sim[\w.-]*) \| ([^|]+) \| `([^`]*)` \| `([^`]*)` \|$", line)
        if m:
            out.append(pytest.param(m[1], m[3], m[4], id=f"{m[1]}: {m[2].strip()}"))
    return out


ROWS = rows()


def test_the_table_is_complete():
    assert len(ROWS) >= 30


def _changed_run(tmp: Path) -> None:
    from test_app import composed, tiny

    from sim.config import parse_run_config
    from sim.run import run

    out = run(parse_run_config(tiny(composed(), tmp / "runs", "changed")), progress=False)
    out.rename(tmp / "changed_run")
    with open(tmp / "changed_run" / "equilibria.parquet", "ab") as fh:
        fh.write(b"\0")


def _fixtures(tmp: Path) -> None:
    (tmp / "bad.nfg").write_text('NFG 1 R "x" { "A" "B" } { 2 2 }\n1 2 3\n')
    (tmp / "game.txt").write_text("hello")
    (tmp / "empty_dir").mkdir()
    (tmp / "corrupt_run").mkdir()
    (tmp / "corrupt_run" / "equilibria.parquet").write_bytes(b"PAR1 this is not parquet")


def _main(tool):
    if tool == "sim-solve":
        from sim.cli_solve import main
    elif tool == "sim.plot":
        from sim.plot import main
    else:
        from sim.reproduce import main
    return main


@pytest.mark.parametrize("tool, args, message", ROWS)
def test_bad_input_gets_one_clear_line(tool, args, message, tmp_path, monkeypatch, capsys):
    """In-process (fast); test_app.py runs the same path through real subprocesses."""
    from sim.app import precheck

    _fixtures(tmp_path)
    if args == "changed_run":
        _changed_run(tmp_path)
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(args)
    if tool == "sim":
        error = precheck([f"results_dir={tmp_path}/res", *argv])
        assert error is not None and "\n" not in error
        assert message in f"sim: error: {error}"
    else:
        assert _main(tool)(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("args", ["game.iraq.pride=1", "experiment=nope", "-m game.us.credibility=1,99"])
def test_cli_prints_one_line_exits_2_and_writes_nothing(args, tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", *shlex.split(args), f"results_dir={tmp_path}/res"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("sim: error: ")
    assert not (tmp_path / "res").exists() and not (tmp_path / "results").exists()
