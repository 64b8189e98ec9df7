"""The package's identity: one version (sim/_version.py) behind ``sim.__version__``,
``sim --version``, the wheel's metadata and CITATION.cff; the package list and the
config directory that pyproject.toml and sim/resources.py agree on."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

import sim
from sim.resources import CONF_DIR, EXPERIMENTS_DIR, experiment_names

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_is_written_once():
    assert sim.__version__ == sim._version.__version__
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sim._version.__version__"}


def test_version_line():
    assert sim.version_line() == f"sim {sim.__version__}"


def test_sim_version_command():
    """``python -m sim --version`` (the console script ``sim`` runs the same ``main``)."""
    r = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True, text=True,
                       check=False, cwd=ROOT, timeout=120)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"sim {sim.__version__}\n", "")


def test_citation_cites_this_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == sim.__version__
    assert cff["license"] == PYPROJECT["project"]["license"] == "MIT"
    assert {"message", "title", "authors", "date-released"} <= cff.keys()


def test_license_is_spdx_with_its_file():
    assert PYPROJECT["project"]["license"] == "MIT"
    for pattern in PYPROJECT["project"]["license-files"]:
        assert list(ROOT.glob(pattern)), pattern


def test_every_package_is_listed():
    """pyproject.toml lists the packages (sim.conf has no directory under sim/, so they
    cannot be found); a new subpackage must be added there or the wheel lacks it."""
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == found | {"sim.conf"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"sim.conf": "conf"}


def test_conf_dir_is_the_repository_conf():
    """In a source checkout or an editable install: the repo's conf/; a wheel's is
    checked in tests/test_wheel.py."""
    assert isinstance(CONF_DIR, str) and Path(CONF_DIR).is_absolute()
    assert Path(CONF_DIR) == ROOT / "conf"
    assert (Path(CONF_DIR) / "config.yaml").is_file()
    assert EXPERIMENTS_DIR.resolve() == (ROOT / "experiments").resolve()
    assert experiment_names() == sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml"))
