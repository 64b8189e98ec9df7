"""Run the documentation's commands for tests/test_docs.py, each in a process of its own.

``python tests/docs_runner.py JOBS.json``: JOBS is a list of ``{"module", "args", "cwd",
"dir"}``. The runner imports the package once, then runs each job like
``python -m <module> <args>`` in a child forked from that state (``runpy`` with
``run_name="__main__"``), at most ``workers`` at a time, writing ``stdout``, ``stderr``
and, last, ``rc`` (the exit status) into the job's ``dir``. Each command thus runs in a
fresh process, as from a shell, without importing numpy, pandas, pyarrow, matplotlib,
Mesa and Hydra again for every command.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from pathlib import Path


def _child(job: dict) -> None:
    d = Path(job["dir"])
    for fd, name in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(d / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    code = 0
    try:
        os.chdir(job["cwd"])
        sys.argv = [job["module"], *job["args"]]
        sys.modules.pop(job["module"], None)  # warmed as a library; ``python -m`` runs it afresh
        runpy.run_module(job["module"], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - report any crash as a failed command
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _finish(pid: int, status: int, running: dict) -> None:
    d = Path(running.pop(pid)["dir"])
    (d / "rc.tmp").write_text(str(os.waitstatus_to_exitcode(status)))
    (d / "rc.tmp").rename(d / "rc")


def main(jobs_file: str, workers: int = 2) -> None:
    jobs = json.loads(Path(jobs_file).read_text())
    # warm the imports every documented command needs, before forking
    import sim.cli.app, sim.cli.solve, sim.cli.plot, sim.figures.abm, sim.runs.reproduce, sim.runs.run, sim.analysis.sensitivity  # noqa: E401, F401

    running: dict[int, dict] = {}
    for job in jobs:
        while len(running) >= workers:
            _finish(*os.wait(), running)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(job)
        running[pid] = job
    while running:
        _finish(*os.wait(), running)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2)
