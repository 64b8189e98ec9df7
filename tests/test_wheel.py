"""The wheel works on its own: built from the source, installed into a fresh virtual
environment, run from a directory that is not the repository.

The venv borrows the test interpreter's installed dependencies (a ``.pth`` line appends
its site-packages, after the venv's own) and gets the wheel with ``--no-deps``, which
saves minutes of installing from the index. A ``.pth`` path line does not run the
``.pth`` files of the directory it adds, so an editable install of ``sim`` there is not
activated; the tests check that ``sim`` is imported from the wheel's copy.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
# not needed to build the wheel, and large or changing under other processes
IGNORE = shutil.ignore_patterns(".git", ".venv*", "venv", "results", "outputs", "multirun", "build", "dist",
                                "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".benchmarks")


def _isolation_flags() -> list[str]:
    """Build without isolation (offline, fast) where the installed setuptools can build
    this pyproject.toml (PEP 639 license: 77); else let pip fetch the build requirements."""
    try:
        ok = int(version("setuptools").split(".")[0]) >= 77
    except Exception:  # noqa: BLE001 - not installed or an odd version string
        ok = False
    return ["--no-build-isolation"] if ok else []


def _env() -> dict[str, str]:
    """The environment without anything that could put the repository on sys.path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}


@dataclass(frozen=True)
class WheelEnv:
    wheel: Path
    venv: Path
    work: Path  # a directory outside the repository to run in
    build_log: str = field(repr=False)

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        """Run a program of the venv in ``work``."""
        return subprocess.run([str(self.venv / "bin" / program), *args], capture_output=True, text=True,
                              check=False, cwd=self.work, env=_env(), timeout=600)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory) -> WheelEnv:
    """The wheel built from a copy of the work tree and installed into a new venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy, so the build writes no build/ or egg-info into the work tree
    shutil.copytree(ROOT, src, symlinks=True, ignore=IGNORE)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-v",
                            "-w", str(tmp / "dist"), *_isolation_flags()],
                           capture_output=True, text=True, check=False, cwd=tmp, env=_env(), timeout=600)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (whl,) = (tmp / "dist").glob("sim-*.whl")

    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    venv_site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    ours = dict.fromkeys(site.getsitepackages())  # where this interpreter's dependencies are
    Path(venv_site, "_sim_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--quiet",
                    str(whl)], check=True, cwd=tmp, env=_env(), timeout=600)
    work = tmp / "work"
    work.mkdir()
    return WheelEnv(whl, env_dir, work, build.stdout + build.stderr)


def test_wheel_contents_and_metadata(wheel_env):
    assert "DeprecationWarning" not in wheel_env.build_log
    with zipfile.ZipFile(wheel_env.wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"sim-{sim.__version__}.dist-info/METADATA").decode()
    conf = {str(p.relative_to(ROOT / "conf")) for p in (ROOT / "conf").rglob("*.yaml")}  # follows the link
    assert {f"sim/conf/{p}" for p in conf} <= names
    assert {f"sim/conf/experiment/{p.name}" for p in (ROOT / "experiments").glob("*.yaml")} <= names
    assert f"sim-{sim.__version__}.dist-info/licenses/LICENSE" in names
    assert f"Version: {sim.__version__}\n" in meta
    assert "License-Expression: MIT\n" in meta


def test_wheel_is_imported_not_the_repository(wheel_env):
    r = wheel_env.run("python", "-c", "import sim, sim.resources as r; from importlib.metadata import version; "
             "print(sim.__file__); print(r.CONF_DIR); print(sim.__version__, version('sim'))")
    assert r.returncode == 0, r.stderr
    file, conf, versions = r.stdout.splitlines()
    installed = next(wheel_env.venv.glob("lib/python3*/site-packages"))
    assert Path(file) == installed / "sim" / "__init__.py"
    assert Path(conf) == installed / "sim" / "conf"
    assert versions == f"{sim.__version__} {sim.__version__}"


def test_wheel_runs_the_default_experiment(wheel_env):
    out = wheel_env.work / "results"
    r = wheel_env.run("sim", "sweep.x.num=5", "sweep.y.num=5", f"results_dir={out}")
    assert r.returncode == 0, r.stderr[-3000:]
    (run_dir,) = (out / "nationalism_credibility").iterdir()
    assert (run_dir / "phase_diagram.png").stat().st_size > 0
    assert (run_dir / "equilibria.parquet").stat().st_size > 0


def test_wheel_runs_a_users_experiment(wheel_env):
    """A user's own experiments directory, added with --config-dir (docs/usage.md)."""
    mine = wheel_env.work / "my-experiments" / "experiment"
    mine.mkdir(parents=True)
    (mine / "myexp.yaml").write_text("# @package _global_\nname: myexp\nsweep:\n  x:\n    param: iraq.nationalism\n"
                                     "    space: linspace\n    start: 0.0\n    stop: 20.0\n    num: 4\n")
    out = wheel_env.work / "results"
    r = wheel_env.run("sim", "--config-dir", str(mine.parent), "experiment=myexp", f"results_dir={out}",
             "plot.formats=[png]")
    assert r.returncode == 0, r.stderr[-3000:]
    (run_dir,) = (out / "myexp").iterdir()
    assert (run_dir / "equilibria.parquet").stat().st_size > 0


def test_wheel_sim_version(wheel_env):
    """Needs sim/cli/app.py's main() to answer --version with sim.version_line()."""
    r = wheel_env.run("sim", "--version")
    assert (r.returncode, r.stdout) == (0, f"sim {sim.__version__}\n")
