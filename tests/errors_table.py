"""The table of bad inputs in docs/errors.md: read it, run its rows, regenerate its messages.

Each row ``| tool | case | `input` | `message` |`` under a ``### class`` heading is one bad
input. ``sim`` rows are run in-process through :func:`sim.cli.app.main` (the console
script's own code path, argv patched) with ``results_dir=<tmp>/res`` appended unless the
row sets ``results_dir``; the other tools through their ``main(argv)``. The *message* of a
``sim`` row is the whole error line after ``sim: error: ``; of the other tools, a part
of it (their lines name temporary paths).

    python tests/errors_table.py          # rewrite the sim messages from real runs
    python tests/errors_table.py --check  # exit 1 if a message differs from the real one
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "errors.md"
ROW = re.compile(r"^\| (sim[\w.-]*) \| ([^|]+) \| `([^`]*)` \| `([^`]*)` \|$")


@dataclass(frozen=True)
class Row:
    tool: str
    case: str
    input: str
    message: str
    kind: str  # the ### heading it sits under
    line: str  # the row as written

    @property
    def id(self) -> str:
        return f"{self.tool}: {self.kind}: {self.case}"


def rows(text: str | None = None) -> list[Row]:
    """Every row of the table, with the class heading above it."""
    out, kind = [], ""
    for line in (DOC.read_text() if text is None else text).splitlines():
        if line.startswith("### "):
            kind = line[4:].strip()
        m = ROW.match(line)
        if m:
            out.append(Row(m[1], m[2].strip(), m[3], m[4], kind, line))
    return out


# --- Fixtures the rows name (relative to the working directory) -------------------------

GOOD_EXPERIMENT = """\
# @package _global_
name: good
sweep:
  x: {param: iraq.nationalism, start: 0, stop: 5, num: 3}
  y: null
"""


def fixtures(tmp: Path) -> None:
    """Files the rows refer to, created in ``tmp`` (the working directory of a row)."""
    (tmp / "bad.nfg").write_text('NFG 1 R "x" { "A" "B" } { 2 2 }\n1 2 3\n')
    (tmp / "game.txt").write_text("hello")
    (tmp / "binary.nfg").write_bytes(b"\x00\xff garbage")
    (tmp / "huge.nfg").write_text('NFG 1 R "x" { "A" "B" } { 99999999999 99999999999 }\n')
    (tmp / "empty_dir").mkdir()
    (tmp / "corrupt_run").mkdir()
    (tmp / "corrupt_run" / "equilibria.parquet").write_bytes(b"PAR1 this is not parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"iraq.nationalism": [1.0, 2.0], "spe_regime": ["hedging", "confrontation"]}),
                   tmp / "sample.parquet")
    exp = tmp / "my_conf" / "experiment"
    exp.mkdir(parents=True)
    (exp / "good.yaml").write_text(GOOD_EXPERIMENT)
    (exp / "tabbed.yaml").write_text("# @package _global_\nname: tabbed\nsweep:\n\tx: null\n")
    (exp / "broken.yaml").write_text("# @package _global_\nname: [broken\nsweep: {x: 1\n")
    (exp / "typo.yaml").write_text(GOOD_EXPERIMENT.replace("name: good", "name: typo\nsede: 3"))
    (exp / "out_of_range.yaml").write_text(GOOD_EXPERIMENT + "game:\n  iraq:\n    nationalism: 50\n")


def changed_run(tmp: Path) -> None:
    """A finished run whose table was edited afterwards (for sim-plot)."""
    from test_app import composed, tiny

    from sim.config.validate import validate_run_config
    from sim.runs.run import run

    out = run(validate_run_config(tiny(composed(), tmp / "runs", "changed")), progress=False)
    out.rename(tmp / "changed_run")
    with open(tmp / "changed_run" / "equilibria.parquet", "ab") as fh:
        fh.write(b"\0")


# --- Running a row ----------------------------------------------------------------------


def sim_argv(row: Row, tmp: Path) -> list[str]:
    argv = shlex.split(row.input)
    if not any(a.startswith("results_dir=") for a in argv):
        argv.append(f"results_dir={tmp}/res")
    return argv


def run_in_process(row: Row, tmp: Path) -> tuple[int, str]:
    """(exit status, stderr) of the row's command, run in this process from ``tmp``."""
    import os

    err = io.StringIO()
    cwd, argv = os.getcwd(), sys.argv
    os.chdir(tmp)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            if row.tool == "sim":
                from sim.cli.app import main

                sys.argv = ["sim", *sim_argv(row, tmp)]
                try:
                    main()
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
            else:
                try:
                    code = tool_main(row.tool)(shlex.split(row.input))
                except SystemExit as exc:  # argparse's usage errors exit
                    code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
        os.chdir(cwd)
    return code, err.getvalue()


def tool_main(tool: str):
    if tool == "sim-solve":
        from sim.cli.solve import main
    elif tool == "sim-plot":
        from sim.cli.plot import main
    else:
        from sim.cli.reproduce import main
    return main


def message_of(stderr: str, tool: str) -> str:
    """The message of a one-line error (the part after ``<tool>: error: ``)."""
    line = stderr.strip()
    return line.removeprefix(f"{tool}: error: ")


# --- Regenerating the table -------------------------------------------------------------


def regenerate(check: bool = False) -> int:
    """Rewrite (or with ``check`` compare) the message of every ``sim`` row from a real
    run; only the row lines change, the rest of docs/errors.md is kept as it is."""
    text = DOC.read_text()
    changed = 0
    with tempfile.TemporaryDirectory() as work:
        for k, row in enumerate(rows(text)):
            if row.tool != "sim":
                continue
            tmp = Path(work) / str(k)
            tmp.mkdir()
            fixtures(tmp)
            code, err = run_in_process(row, tmp)
            if code != 2 or len(err.strip().splitlines()) != 1:
                print(f"NOT ONE LINE (exit {code}): {row.input}\n{err}", file=sys.stderr)
                changed += 1
                continue
            message = message_of(err, "sim")
            if "`" in message or "|" in message:
                print(f"message has a backtick or bar, which the table cannot hold: {message}", file=sys.stderr)
                changed += 1
                continue
            if message != row.message:
                changed += 1
                print(f"{row.input}\n  was: {row.message}\n  now: {message}")
                text = text.replace(row.line, row.line.rsplit("| `", 1)[0] + f"| `{message}` |", 1)
    if not check:
        # re-read: only our rows change, another edit of the file meanwhile is kept
        current = DOC.read_text()
        for old, new in zip(rows(current), rows(text)):
            current = current.replace(old.line, new.line, 1)
        DOC.write_text(current)
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(regenerate(check="--check" in sys.argv[1:]))
