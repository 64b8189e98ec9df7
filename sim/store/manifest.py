"""Provenance of a run: what produced it, from which code, on which machine.

``manifest.json`` (:data:`sim.store.rundir.MANIFEST`) is written last into a run directory; its ``files`` entry holds the
sha256 of every data and figure file, so a run can be checked and re-run. ``simd`` and
``blas`` record what makes floats differ in the last bits between machines (numpy's
run-time choice of SIMD kernels, the BLAS/LAPACK build); ``sim-reproduce`` shows how they
differ from the current machine's when a re-run's bytes differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from sim.store.rundir import MANIFEST, atomic_write_json

PACKAGES = ("sim", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "mesa", "hydra-core", "omegaconf")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_versions(names=PACKAGES) -> dict[str, str | None]:
    """Installed versions; ``sim``'s own from :mod:`sim._version` (an editable install's
    metadata keeps the version it was installed with)."""
    from sim._version import __version__

    out = {}
    for name in names:
        if name == "sim":
            out[name] = __version__
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def simd_dispatch() -> dict[str, object]:
    """numpy's SIMD kernels: ``baseline`` (compiled in), ``dispatch`` (chosen at run
    time), ``enabled`` (the dispatch targets this CPU has, minus those disabled by the
    environment variable ``NPY_DISABLE_CPU_FEATURES``, recorded when set)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy < 2
        from numpy.core import _multiarray_umath as umath
    features = getattr(umath, "__cpu_features__", {})
    dispatch = list(getattr(umath, "__cpu_dispatch__", []))
    out = {"baseline": list(getattr(umath, "__cpu_baseline__", [])), "dispatch": dispatch,
           "enabled": [f for f in dispatch if features.get(f)]}
    if os.environ.get("NPY_DISABLE_CPU_FEATURES"):
        out["NPY_DISABLE_CPU_FEATURES"] = os.environ["NPY_DISABLE_CPU_FEATURES"]
    return out


def blas_info() -> dict[str, str | None]:
    """The BLAS and LAPACK numpy was built with, as ``"name version"`` (None if unknown)."""
    import numpy as np

    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
    except (TypeError, KeyError, ValueError):  # numpy < 1.26 has no mode="dicts"
        return {"blas": None, "lapack": None}
    return {k: " ".join(str(v) for v in (deps.get(k, {}).get("name"), deps.get(k, {}).get("version")) if v) or None
            for k in ("blas", "lapack")}


def git_state(cwd: Path | None = None) -> dict[str, object]:
    """Commit hash and dirty flag of the source tree (None where git is unavailable)."""
    root = Path(cwd or Path(__file__).resolve().parent)

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def build_manifest(*, run_id: str, name: str, config: dict, config_hash: str, seed: int,
                   started: str, finished: str, files: dict[str, str], n_points: int,
                   command: list[str] | None = None, seconds: dict | None = None) -> dict:
    """The manifest of a run. ``seconds``: wall time of its phases (e.g. ``solve``,
    ``write``), recorded when given; like ``started``, it is not part of what
    :mod:`sim.runs.reproduce` compares."""
    out = {
        "run_id": run_id,
        "name": name,
        "command": list(command) if command else list(getattr(sys, "orig_argv", sys.argv)),
        "config": config,
        "config_hash": config_hash,
        "seed": seed,
        "n_points": n_points,
        "git": git_state(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "simd": simd_dispatch(),
        "blas": blas_info(),
        "cpu_count": os.cpu_count(),
        "packages": package_versions(),
        "started": started,
        "finished": finished,
        "files": files,
    }
    if seconds is not None:
        def ms(v):
            return round(v, 3) if isinstance(v, float) else [ms(x) for x in v] if isinstance(v, list) else v

        out["seconds"] = {k: ms(v) for k, v in seconds.items()}
    return out


def verify_run(run_dir: Path, suffixes: tuple[str, ...] = (".parquet",)) -> None:
    """Check that a run's data files still match the sha256 in its manifest.

    Raises :class:`sim.store.table.ResultsError` naming the first file that is missing or
    changed. A directory without a manifest (a run being assembled) is not checked.
    """
    from sim.store.table import ResultsError

    path = Path(run_dir) / MANIFEST
    if not path.exists():
        return
    try:
        files = json.loads(path.read_text())["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(f"{path} is unreadable ({exc})") from None
    for name, digest in sorted(files.items()):
        if not name.endswith(suffixes):
            continue
        f = Path(run_dir) / name
        if not f.is_file():
            raise ResultsError(f"{f} is listed in the manifest but missing")
        if sha256_file(f) != digest:
            raise ResultsError(f"{f} no longer matches its manifest sha256 (changed or corrupted since the run)")


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (:func:`sim.store.rundir.atomic_write_json`; WriteError if it cannot)."""
    atomic_write_json(path, data)
