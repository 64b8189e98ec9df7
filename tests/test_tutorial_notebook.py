"""docs/tutorial-notebook.md runs: its ```python blocks, in order, in one namespace.

As in IPython, a line that starts with ``!`` is a shell command (``python`` is this
interpreter); it must succeed. The blocks run in a fresh directory, without a display
(matplotlib's Agg backend), and the last expression of each block is evaluated, as a
notebook cell's is, so its repr is exercised too.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial-notebook.md"


def cells(text: str) -> list[str]:
    """The ```python blocks of ``text``, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def run_shell(line: str, cwd: Path) -> None:
    """``!command``: run it (``python`` as this interpreter); fail with its output if it fails."""
    argv = shlex.split(line[1:])
    if argv and argv[0] == "python":
        argv[0] = sys.executable
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{line}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def run_python(code: str, namespace: dict, name: str) -> None:
    """Run ``code``; evaluate its last expression and take its repr (and HTML repr), as Jupyter shows it."""
    tree = ast.parse(code, name)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
        repr(value)
        if hasattr(value, "_repr_html_"):
            value._repr_html_()


def run_cell(cell: str, namespace: dict, cwd: Path, name: str) -> None:
    """A cell: its ``!`` lines as shell commands, the Python between them as code."""
    chunk: list[str] = []
    for line in cell.splitlines() + ["!"]:
        if line.startswith("!"):
            if chunk:
                run_python("\n".join(chunk), namespace, name)
                chunk = []
            if line.strip() != "!":
                run_shell(line, cwd)
        else:
            chunk.append(line)


def test_the_tutorial_has_cells():
    found = cells(TUTORIAL.read_text())
    assert len(found) >= 10
    assert any(c.startswith("!python -m sim -m") for c in found)


def test_the_tutorial_runs(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__tutorial__"}
    for k, cell in enumerate(cells(TUTORIAL.read_text())):
        run_cell(cell, namespace, tmp_path, f"<tutorial cell {k + 1}>")
    assert (tmp_path / "phase_diagram.png").is_file() and (tmp_path / "game_tree.png").is_file()
    assert (tmp_path / "multirun" / "tutorial" / "multirun_index.parquet").is_file()


@pytest.mark.parametrize("cell, shell, python", [
    ("x = 1\n!echo hi\ny = x + 1", ["!echo hi"], ["x = 1", "y = x + 1"]),
    ("!echo a", ["!echo a"], []),
])
def test_cells_split_shell_from_python(cell, shell, python, monkeypatch, tmp_path):
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(sys.modules[__name__], "run_shell", lambda line, cwd: seen.append(("sh", line)))
    monkeypatch.setattr(sys.modules[__name__], "run_python", lambda code, ns, name: seen.append(("py", code)))
    run_cell(cell, {}, tmp_path, "t")
    assert [s for kind, s in seen if kind == "sh"] == shell
    assert [s for kind, s in seen if kind == "py"] == python
