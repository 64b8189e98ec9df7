"""sim.store.rundir: atomic files, unique temporary names, partial directories and publishing.

Real files and real processes; the full disk is a real kernel refusal (a file-size limit,
EFBIG) or an OSError raised where a writer would meet it.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sim.store import rundir
from sim.store.rundir import WriteError


def leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith((".tmp", ".partial")))


# ----------------------------------------------------------------------------- atomic files


def test_atomic_write_replaces_the_file_whole(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("old")
    with rundir.atomic_write(path) as fh:
        fh.write(b"new")
        assert path.read_text() == "old"  # the old file until the block ends
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["a.json"]
    rundir.atomic_write_json(path, {"b": 1, "a": [1.5]})
    assert path.read_text() == '{\n  "a": [\n    1.5\n  ],\n  "b": 1\n}\n'
    rundir.atomic_write_text(path, "λ × —\n")
    assert path.read_bytes() == "λ × —\n".encode()


def test_an_oserror_leaves_no_temporary_and_names_the_path(tmp_path):
    path = tmp_path / "phase_diagram.pdf"
    with pytest.raises(WriteError) as info, rundir.atomic_write(path) as fh:
        fh.write(b"x" * 1000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(info.value) == f"{path}: No space left on device"
    assert info.value.errno == errno.ENOSPC and info.value.kind == "OSError"
    assert os.listdir(tmp_path) == []


def test_an_oserror_hidden_in_the_context_is_surfaced(tmp_path):
    """matplotlib's PDF writer, after a full disk, raises an AttributeError on its way out."""
    path = tmp_path / "phase_diagram.pdf"
    with pytest.raises(WriteError, match=r"phase_diagram\.pdf: No space left on device$") as info, \
            rundir.atomic_path(path) as tmp:
        tmp.write_bytes(b"%PDF")
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))  # names our temporary
        except OSError:
            raise AttributeError("'Stream' object has no attribute 'pos'")  # noqa: B904 (as matplotlib does)
    assert isinstance(info.value.__cause__, AttributeError)
    assert os.listdir(tmp_path) == []


def test_other_errors_pass_unchanged(tmp_path):
    with pytest.raises(RuntimeError, match="solve failed"), rundir.atomic_write(tmp_path / "t") as fh:
        fh.write(b"x")
        raise RuntimeError("solve failed")
    with pytest.raises(ValueError), rundir.atomic_write(tmp_path / "t") as fh:
        try:
            raise OSError(errno.ENOSPC, "full")
        except OSError:
            raise ValueError("not a write error") from None  # "from None": the OSError is not the cause
    assert os.listdir(tmp_path) == []


def test_a_missing_directory_names_the_file_not_the_temporary(tmp_path):
    path = tmp_path / "gone" / "manifest.json"
    with pytest.raises(WriteError) as info:
        rundir.atomic_write_json(path, {})
    assert str(info.value) == f"{path}: No such file or directory" and info.value.kind == "FileNotFoundError"


def test_a_real_file_size_limit_is_one_line_naming_the_file(tmp_path):
    """The kernel refuses the writes (EFBIG) past RLIMIT_FSIZE; nothing is left behind."""
    code = ("import resource, signal, sys\n"
            "from sim.store.rundir import atomic_write_bytes\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
            "try:\n"
            f"    atomic_write_bytes({str(tmp_path / 'big.parquet')!r}, b'x' * 100_000)\n"
            "except OSError as exc:\n"
            "    print(type(exc).__name__, exc)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == f"WriteError {tmp_path / 'big.parquet'}: File too large", r.stderr
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- names


def _names(path: str, queue) -> None:
    queue.put((os.getpid(), [rundir.temporary_path(Path(path)).name for _ in range(100)]))


def test_temporary_names_are_unique_across_processes_and_name_their_owner(tmp_path):
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_names, args=(str(tmp_path / "t.parquet"), queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join()
    names = [name for _, batch in results for name in batch]
    assert len(set(names)) == len(names) == 400
    for pid, batch in results:
        assert all(rundir.owner_of(n) == ("t.parquet", pid, socket.gethostname()) for n in batch)
        assert all(rundir.owned_by_dead_process(n) for n in batch)  # those processes have exited
    mine = rundir.temporary_path(tmp_path / "t.parquet").name
    assert not rundir.owned_by_dead_process(mine)
    assert rundir.owner_of("t.parquet") is None and not rundir.owned_by_dead_process(".t.1@elsewhere.ab.tmp")


def test_run_directory_names():
    assert rundir.caption_name(rundir.PHASE_DIAGRAM) == "phase_diagram.caption.txt"
    assert rundir.figure_name(rundir.QRE_FIGURE, "svg") == "qre_path.svg"
    assert [rundir.is_figure(n) for n in ("a.png", "a.pdf", "a.svg", "a.parquet", "a.caption.txt")] == \
        [True, True, True, False, False]
    assert rundir.tiles_dir(Path("r"), "x") == Path("r/.tiles-x")
    assert rundir.lock_file(Path("r"), "x") == Path("r/.x.lock")
    assert set(rundir.DEFAULT_FORMATS) <= set(rundir.FIGURE_FORMATS)


# ----------------------------------------------------------------------------- directories


def test_partial_directories_follow_the_umask_and_stale_ones_are_removed(tmp_path):
    old = os.umask(0o027)
    try:
        tmp = rundir.make_partial(tmp_path, "run")
    finally:
        os.umask(old)
    assert tmp.stat().st_mode & 0o777 == 0o750
    assert rundir.owner_of(tmp.name)[:2] == ("run", os.getpid())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".run.{dead.pid}@{socket.gethostname()}.abc.partial"
    other = tmp_path / f".other.{dead.pid}@{socket.gethostname()}.abc.partial"
    for d in (stale, other):
        d.mkdir()
    rundir.remove_stale_partials(tmp_path, "run")
    assert sorted(os.listdir(tmp_path)) == sorted([tmp.name, other.name])


def test_a_failed_assembly_leaves_nothing_and_names_the_file(tmp_path):
    with pytest.raises(WriteError, match=r"/config\.yaml: Permission denied$"):
        with rundir.assembling(tmp_path, "run") as tmp:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp / "config.yaml"))
    with pytest.raises(KeyError), rundir.assembling(tmp_path, "run"):
        raise KeyError("a bug is not a write error")
    assert os.listdir(tmp_path) == []


def _assembled(parent: Path, text: str) -> Path:
    tmp = rundir.make_partial(parent, "run")
    (tmp / "manifest.json").write_text(text)
    return tmp


def test_publish_refuses_an_existing_directory(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "manifest.json").write_text("theirs")
    with pytest.raises(WriteError, match=r"/run: File exists$") as info:
        with rundir.assembling(tmp_path, "run") as tmp:
            (tmp / "manifest.json").write_text("ours")
            rundir.publish(tmp, tmp_path / "run")
    assert info.value.errno == errno.EEXIST
    assert os.listdir(tmp_path) == ["run"] and (tmp_path / "run" / "manifest.json").read_text() == "theirs"


def test_publish_takes_an_empty_directory(tmp_path):
    (tmp_path / "run").mkdir()
    assert rundir.publish(_assembled(tmp_path, "ours"), tmp_path / "run") == tmp_path / "run"
    assert os.listdir(tmp_path) == ["run"] and (tmp_path / "run" / "manifest.json").read_text() == "ours"


def test_publish_with_a_suffix(tmp_path):
    outs = [rundir.publish(_assembled(tmp_path, str(k)), tmp_path / "run", "suffix") for k in range(3)]
    assert [p.name for p in outs] == ["run", "run-2", "run-3"]
    assert [(p / "manifest.json").read_text() for p in outs] == ["0", "1", "2"]
    assert leftovers(tmp_path) == []


def test_publish_keeps_an_existing_run_after_its_check(tmp_path):
    first = rundir.publish(_assembled(tmp_path, "first"), tmp_path / "run", "keep")
    checked = []
    assert rundir.publish(_assembled(tmp_path, "second"), tmp_path / "run", "keep", check=checked.append) == first
    assert checked == [first] and (first / "manifest.json").read_text() == "first" and leftovers(tmp_path) == []

    def refuse(final):
        raise ValueError(f"{final} is another config's")

    tmp = _assembled(tmp_path, "third")
    with pytest.raises(ValueError, match="another config's"):
        rundir.publish(tmp, tmp_path / "run", "keep", check=refuse)
    assert tmp.is_dir()  # the caller's to remove (sim.store.rundir.assembling does)


def test_publish_replacing(tmp_path):
    out = tmp_path / "paper"
    out.mkdir()
    (out / "old.txt").write_text("old")
    assert rundir.publish(_assembled(tmp_path, "new"), out, "replace") == out
    assert os.listdir(out) == ["manifest.json"] and os.listdir(tmp_path) == ["paper"]
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(NotADirectoryError):
        rundir.publish(_assembled(tmp_path, "new"), tmp_path / "file", "replace")


def test_place_once_keeps_the_first(tmp_path):
    path = tmp_path / "tile.arrow"
    first, second = rundir.temporary_path(path), rundir.temporary_path(path)
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    assert rundir.place_once(first, path) and not rundir.place_once(second, path)
    assert path.read_bytes() == b"first" and os.listdir(tmp_path) == ["tile.arrow"]
    assert not rundir.create_once(path, b"third") and path.read_bytes() == b"first"
    blocked = tmp_path / "blocked.arrow"
    blocked.mkdir()  # not a file: an error, not "another writer came first"
    tmp = rundir.temporary_path(blocked)
    tmp.write_bytes(b"x")
    with pytest.raises(WriteError, match=r"/blocked\.arrow: Is a directory$"):
        rundir.place_once(tmp, blocked)
    assert sorted(os.listdir(tmp_path)) == ["blocked.arrow", "tile.arrow"]


# ----------------------------------------------------------------------------- one line to the user


def test_command_line_errors_are_one_line_with_their_status(capsys):
    from sim.cli.args import cli_errors, cli_main
    from sim.engine.params import ConfigError

    @cli_main("tool")
    def main(exc):
        raise exc

    assert main(ConfigError("seed=-1 must be >= 0")) == 2
    assert main(WriteError("/r/x.pdf", OSError(errno.ENOSPC, "full"))) == 1
    assert main(PermissionError(errno.EACCES, "Permission denied", "/r/manifest.json")) == 1
    assert capsys.readouterr().err.splitlines() == [
        "tool: error: seed=-1 must be >= 0",
        "tool: error: cannot write results: /r/x.pdf: No space left on device",
        "tool: error: /r/manifest.json: Permission denied"]
    with pytest.raises(SystemExit) as info, cli_errors("sim"):
        raise WriteError("/r/x.pdf", OSError(errno.EFBIG, "big"))
    assert info.value.code == 1
    assert capsys.readouterr().err == "sim: error: cannot write results: /r/x.pdf: File too large\n"
    with pytest.raises(OSError), cli_errors("sim", reraise=True):  # a launcher records the failure
        raise OSError(errno.ENOSPC, "full")
    with pytest.raises(ZeroDivisionError):
        main(ZeroDivisionError())  # a bug keeps its traceback
