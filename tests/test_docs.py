"""Every code example in the documentation runs (docs/*.md, docs/how-to/*.md, README.md).

One test per fenced block or command, named ``<file>:<line>``, so a failure names the
example. What is run, and how:

* ```` ```python ```` blocks are executed in a fresh namespace, in a temporary working
  directory, with the repository root on ``sys.path``. A block preceded by the line
  ``<!-- excerpt: PATH -->`` is an excerpt of the source file PATH (the how-to's
  step-by-step walk through a worked example): instead of running it, the test checks
  that it compiles and that its lines, apart from ``...``, appear in PATH in the same
  order, so the excerpt cannot drift from the code it shows.
* Shell blocks (```` ```bash ````, ```` ```sh ````) and ``$ `` transcripts in unlabelled or
  ```` ```text ```` blocks: each command (``\\`` continuations joined, ``&&`` chains split)
  is run in a process of its own from the repository root, with the same Python as the
  tests:
  ``python -m sim...`` as written, ``sim`` / ``sim-solve`` / ``sim-reproduce`` as
  ``python -m sim`` / ``sim.cli.solve`` / ``sim.runs.reproduce`` (their console-script targets
  in pyproject.toml). To keep them fast and out of the work tree (:func:`adapt`):

  - a ``sim`` run gets ``results_dir=<tmp>`` and, for each axis its experiment sweeps,
    ``sweep.<axis>.num=5`` (appended, so they win over the command's own values); an
    agent-based run also ``abm.replicates=2 abm.trajectory_replicates=4``; an experiment
    that runs a sensitivity analysis ``sensitivity.n=16 sensitivity.resamples=10``;
    ``--cfg`` commands (which only print the config) run unchanged;
  - the placeholder run directory ``results/<experiment>/<run-id>`` becomes a tiny run
    made for the test, and the Gambit files ``game.nfg``/``game.efg`` its baseline files.

  A run must exit 0 and write its results; a transcript's output lines must appear in
  the command's output. The commands run in the background, two at a time, from the
  first test that needs one, each in a process of its own forked from an interpreter
  that has already imported the package (tests/docs_runner.py: ``runpy`` as
  ``python -m`` does), which saves importing the libraries again for every command.

* Commands that cannot run here are skipped by the rules in :data:`SKIP` (each skip says
  which rule), never silently; a command that matches neither a rule nor a known program
  fails, so a new kind of example needs a decision here. A command identical to an earlier
  one is run once, at its first occurrence.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "docs/how-to").glob("*.md")) + [ROOT / "README.md"]
SHELL = {"bash", "sh", "shell", "console"}
TRANSCRIPT = {"", "text"}
EXCERPT = re.compile(r"^<!-- excerpt: (\S+) -->$")
PROGRAMS = {"sim": "sim", "sim-solve": "sim.cli.solve", "sim-reproduce": "sim.cli.reproduce"}
RUN_PLACEHOLDER = re.compile(r"results/[\w.-]+/<run-id>")
SMALL = 5  # points per swept axis
TIMEOUT = 300  # seconds a command may take, counted from when a test starts waiting for it
WORKERS = max(1, min(2, os.cpu_count() or 1))  # commands run at once

#: (rule, predicate on the command: its words ``w`` and its transcript output ``out``).
#: The first rule that matches skips the command.
SKIP: tuple[tuple[str, object], ...] = (
    ("installs packages: the tests run in the installed environment",
     lambda w, out: w[:2] == ["pip", "install"]),
    ("runs the test suite itself", lambda w, out: w[0] == "pytest"),
    ("starts, stops or queries a Ray cluster's daemons; tests/test_launchers.py runs the Ray launcher "
     "against a local cluster", lambda w, out: w[0] == "ray"),
    ("launches jobs on a SLURM or Ray cluster (or starts one); tests/test_launchers.py runs these "
     "launchers locally and compares the bytes",
     lambda w, out: "--cfg" not in w and any(re.fullmatch(r"hydra/launcher=(submitit_\w+|ray\w*)", x) for x in w)),
    ("reads the reader's own files in their home directory", lambda w, out: any(x.startswith("~") for x in w)),
    ("regenerates every figure of the paper (minutes); tests/test_paper.py runs it small",
     lambda w, out: w[:3] == ["python", "-m", "sim.cli.paper"]),
)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the block's first content line
    lang: str
    lines: list[str]
    excerpt_of: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class Command:
    where: str
    words: list[str]
    expect: list[str] = field(default_factory=list)  # transcript output lines
    skip: str | None = None


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file."""
    out, lines, i = [], path.read_text().splitlines(), 0
    while i < len(lines):
        m = re.match(r"^\s*```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while not lines[j].strip().startswith("```"):
            j += 1
        prev = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
        excerpt = EXCERPT.match(prev)
        out.append(Block(path, i + 2, m.group(1), lines[i + 1:j], excerpt.group(1) if excerpt else None))
        i = j + 1
    return out


def all_blocks() -> list[Block]:
    return [b for p in DOC_FILES for b in blocks(p)]


def shell_commands(block: Block) -> list[Command]:
    """The commands of a shell block, or of the ``$ `` lines of a transcript."""
    logical, expect, transcript = [], [], block.lang in TRANSCRIPT
    for k, raw in enumerate(block.lines):
        if transcript:
            if raw.startswith("$ "):
                logical.append([block.line + k, raw[2:], []])
            elif logical and raw.strip():
                logical[-1][2].append(raw.strip())
            continue
        if logical and logical[-1][1].endswith("\\"):
            logical[-1][1] = logical[-1][1][:-1] + " " + raw.strip()
        elif raw.strip():
            logical.append([block.line + k, raw.strip(), []])
    out = []
    for line, text, expect in logical:
        words = shlex.split(text, comments=True)
        parts, cur = [], []
        for w in words + ["&&"]:
            if w == "&&":
                parts.append(cur)
                cur = []
            else:
                cur.append(w)
        for n, part in enumerate(p for p in parts if p):
            suffix = f"#{n + 1}" if len(parts) > 1 else ""
            out.append(Command(f"{block.path.relative_to(ROOT)}:{line}{suffix}", part, expect))
    return out


def all_commands() -> list[Command]:
    """Every documented command, with its skip reason if any."""
    cmds, seen = [], {}
    for b in all_blocks():
        if b.lang in SHELL or (b.lang in TRANSCRIPT and any(ln.startswith("$ ") for ln in b.lines)):
            cmds += shell_commands(b)
    for c in cmds:
        for rule, match in SKIP:
            if match(c.words, c.expect):
                c.skip = f"skip rule: {rule}"
                break
        key = (tuple(c.words), tuple(c.expect))
        if c.skip is None and key in seen:
            c.skip = f"same command as {seen[key]}, run there"
        seen.setdefault(key, c.where)
    return cmds


# --- running a command ---------------------------------------------------------------


def module_of(words: list[str]) -> tuple[str, list[str]]:
    """The Python module a command runs and its arguments; ValueError if unknown."""
    if words[:2] == ["python", "-m"] and len(words) > 2:
        return words[2], words[3:]
    if words[0] in PROGRAMS:
        return PROGRAMS[words[0]], words[1:]
    raise ValueError(f"no rule for the command {shlex.join(words)!r}: add one to SKIP or PROGRAMS in {__file__}")


def swept_axes(args: list[str]) -> dict[str, dict]:
    """The axes (linspace/logspace or list) the composed config of a ``sim`` command sweeps,
    with its ``solvers`` and ``sensitivity`` entries."""
    conf_dirs = [ROOT / "conf"]
    for k, a in enumerate(args):
        if a == "--config-dir":
            conf_dirs.insert(0, ROOT / args[k + 1])
    experiment = next((a.split("=", 1)[1] for a in args if a.startswith("experiment=")), "nationalism_credibility")
    path = next(d / "experiment" / f"{experiment}.yaml" for d in conf_dirs if (d / "experiment" / f"{experiment}.yaml").exists())
    data = yaml.safe_load(path.read_text())
    axes = {k: v for k, v in (data.get("sweep") or {}).items() if v is not None}
    for a in args:
        m = re.fullmatch(r"sweep\.([xyz])=null", a)
        if m:
            axes.pop(m.group(1), None)
    return axes | {"solvers": data.get("solvers", []), "sensitivity": data.get("sensitivity"),
                   "discovery": data.get("discovery"), "history_matching": data.get("history_matching")}


def adapt(words: list[str], tmp: Path, run_dir: Path) -> tuple[list[str], Path | None]:
    """The argv to run (see the module docstring) and where it must write results (or None)."""
    module, args = module_of(words)
    run = str(run_dir)
    args = [RUN_PLACEHOLDER.sub(run, a) for a in args]
    args = [str(run_dir / f"baseline{Path(a).suffix}") if a in ("game.nfg", "game.efg") else a for a in args]
    out = None
    if module == "sim" and "--cfg" not in args:
        info = swept_axes(args)
        solvers = info.pop("solvers")
        extra = [f"results_dir={tmp}"]
        if info.pop("sensitivity"):
            extra += ["sensitivity.n=16", "sensitivity.resamples=10"]
        if info.pop("discovery"):
            extra += ["discovery.n=2000", "discovery.max_params=4", "discovery.mass_min=0.05", "discovery.peel_alpha=0.1"]
        if info.pop("history_matching"):
            extra += ["history_matching.n=2000", "history_matching.tolerance=8"]
        extra += [f"sweep.{k}.num={SMALL}" for k, spec in info.items() if spec.get("space", "linspace") != "list"]
        if "abm" in solvers or any(a.startswith("solvers=") and "abm" in a for a in args):
            extra += ["abm.replicates=2", "abm.trajectory_replicates=4"]
        args, out = args + extra, tmp
    return module, args, out


COMMANDS = all_commands()
#: Docs whose python blocks are not run one by one here: the notebook tutorial's blocks build on
#: each other and run in order in tests/test_tutorial_notebook.py; api.md is generated from the
#: docstrings, whose examples name placeholder run directories.
SEQUENTIAL_DOCS = ("docs/tutorial-notebook.md", "docs/api.md")
PYTHON_BLOCKS = [b for b in all_blocks() if b.lang == "python" and not b.where.startswith(SEQUENTIAL_DOCS)]


@pytest.fixture(scope="session")
def example_run(tmp_path_factory) -> Path:
    """A tiny run of the default experiment, standing for ``results/<experiment>/<run-id>``."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.cli.app import CONF_DIR
    from sim.config.validate import validate_run_config
    from sim.runs.run import run

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        data = OmegaConf.to_container(compose("config"), resolve=True)
    data["sweep"]["x"]["num"] = data["sweep"]["y"]["num"] = SMALL
    data.update(results_dir=str(tmp_path_factory.mktemp("example-run")), run_id="example")
    return run(validate_run_config(data), progress=False)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    out: Path | None


@pytest.fixture(scope="session")
def launched(request, tmp_path_factory, example_run):
    """Start every selected command in the background (tests/docs_runner.py, two at a
    time); returns ``wait(where) -> Result``."""
    wanted = {item.callspec.params["cmd"].where for item in request.session.items
              if getattr(item, "originalname", "") == "test_doc_command"}
    base = tmp_path_factory.mktemp("doc-commands")
    jobs, outs = [], {}
    for k, c in enumerate(COMMANDS):
        if c.skip is None and c.where in wanted:
            d = base / f"{k:03d}"
            (d / "results").mkdir(parents=True)
            module, args, out = adapt(c.words, d / "results", example_run)
            jobs.append({"module": module, "args": args, "cwd": str(ROOT), "dir": str(d)})
            outs[c.where] = (d, out)
    (base / "jobs.json").write_text(json.dumps(jobs))
    runner = subprocess.Popen([sys.executable, str(ROOT / "tests/docs_runner.py"), str(base / "jobs.json"), str(WORKERS)],
                              cwd=ROOT, env=dict(os.environ, MPLBACKEND="Agg"), start_new_session=True)

    def wait(where: str) -> Result:
        d, out = outs[where]
        deadline = time.monotonic() + TIMEOUT
        while not (d / "rc").exists():
            if runner.poll() is not None and not (d / "rc").exists():
                pytest.fail(f"{where}: the runner exited ({runner.returncode}) before this command finished")
            if time.monotonic() > deadline:
                pytest.fail(f"{where}: not finished after {TIMEOUT} s")
            time.sleep(0.05)
        return Result(int((d / "rc").read_text()), (d / "stdout").read_text(), (d / "stderr").read_text(), out)

    yield wait
    if runner.poll() is None:
        os.killpg(runner.pid, signal.SIGKILL)
    runner.wait()


# --- the tests -----------------------------------------------------------------------


def test_the_docs_have_examples_of_each_kind():
    assert len(PYTHON_BLOCKS) >= 3 and len(COMMANDS) >= 20
    assert sum(c.skip is None for c in COMMANDS) >= 15
    assert any(b.excerpt_of for b in PYTHON_BLOCKS)


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c.where)
def test_doc_command(cmd, launched):
    if cmd.skip:
        pytest.skip(cmd.skip)
    proc = launched(cmd.where)
    out = proc.out
    text = proc.stdout + proc.stderr
    if cmd.expect:  # a transcript: the shown output, whatever the exit status it documents
        for line in cmd.expect:
            assert line in text, f"{cmd.where}: expected {line!r} in the output of {shlex.join(cmd.words)}:\n{text}"
        return
    assert proc.returncode == 0, f"{cmd.where}: {shlex.join(cmd.words)} exited {proc.returncode}:\n{text[-3000:]}"
    if out is not None:
        written = [p for p in out.rglob("*") if p.name in ("manifest.json", "sensitivity.parquet")]
        assert written, f"{cmd.where}: {shlex.join(cmd.words)} wrote no results under {out}:\n{text[-2000:]}"
    elif "--cfg" in cmd.words:
        assert proc.stdout.strip(), f"{cmd.where}: printed no config"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.where)
def test_doc_python_block(block, tmp_path, monkeypatch, request):
    code = "\n".join(block.lines) + "\n"
    if block.excerpt_of:
        compile(code, block.where, "exec")
        source = (ROOT / block.excerpt_of).read_text().splitlines()
        pos = 0
        for ln in block.lines:
            if not ln.strip() or ln.strip() == "...":
                continue
            try:
                pos = source.index(ln, pos) + 1
            except ValueError:
                pytest.fail(f"{block.where}: line {ln!r} is not in {block.excerpt_of} (in this order)")
        return
    if RUN_PLACEHOLDER.search(code):
        code = RUN_PLACEHOLDER.sub(str(request.getfixturevalue("example_run")), code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    exec(compile(code, block.where, "exec"), {"__name__": "__doc_example__"})
