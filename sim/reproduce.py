"""Re-run a finished run from its saved config and compare every file's sha256.

``python -m sim.reproduce RUN_DIR`` (or ``sim-reproduce RUN_DIR``):

1. checks that RUN_DIR's files still match its manifest (a changed file is reported);
2. re-runs the saved ``config.yaml`` in a temporary directory (one process, no tiles:
   results do not depend on tiling);
3. compares the sha256 of every file the manifest lists (``config.yaml``,
   ``figures.json`` and captions aside, which record where and under which id the run
   was written)
   and prints ``reproduced`` or a per-file summary.

Exit status: 0 reproduced, 1 differences, 2 unusable RUN_DIR. Runs made from a work tree
with uncommitted changes say so, as does the current tree if dirty.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

from sim.manifest import git_state, sha256_file
from sim.params import ConfigError
from sim.table import ResultsError

SKIP = {"config.yaml", "manifest.json", "figures.json"}  # these record where and under which id


def load_run(run_dir: Path) -> tuple[dict, dict]:
    """The manifest and saved config of a run; ResultsError if either is unusable."""
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text())
        config = yaml.safe_load((run_dir / "config.yaml").read_text())
    except FileNotFoundError as exc:
        raise ResultsError(f"{run_dir} is not a finished run: {Path(exc.filename).name} is missing") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise ResultsError(f"{run_dir}: unreadable manifest or config ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not isinstance(config, dict):
        raise ResultsError(f"{run_dir}: malformed manifest.json or config.yaml")
    return manifest, config


def compare(expected: dict[str, str], directory: Path) -> dict[str, str]:
    """Per file: 'same', 'differs' or 'missing', against the expected sha256."""
    out = {}
    for name, digest in sorted(expected.items()):
        path = Path(directory) / name
        if not path.is_file():
            out[name] = "missing"
        else:
            out[name] = "same" if sha256_file(path) == digest else "differs"
    return out


def reproduce(run_dir: Path, workdir: Path) -> tuple[dict[str, str], dict[str, str], dict]:
    """(status of RUN_DIR's own files, status of the re-run's files, manifest)."""
    from sim.config import parse_run_config
    from sim.run import run

    manifest, config = load_run(run_dir)
    expected = {k: v for k, v in manifest["files"].items() if k not in SKIP and not k.endswith(".caption.txt")}
    own = compare(expected, run_dir)
    config = {**config, "results_dir": str(workdir), "run_id": "reproduce", "tiles": {"count": 1, "index": None}}
    out = run(parse_run_config(config), progress=False)
    return own, compare(expected, out), manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="sim-reproduce", description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    args = ap.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="sim-reproduce-") as work:
            own, new, manifest = reproduce(args.run_dir, Path(work))
    except (ResultsError, ConfigError) as exc:
        print(f"sim-reproduce: error: {exc}", file=sys.stderr)
        return 2
    git = manifest.get("git") or {}
    if git.get("dirty"):
        print(f"note: the run was made from a work tree with uncommitted changes (commit {git.get('commit')})")
    if git_state().get("dirty"):
        print("note: the current work tree has uncommitted changes")
    changed = {k: v for k, v in own.items() if v != "same"}
    for name, status in changed.items():
        print(f"{name}: {status} in {args.run_dir} since the run (manifest sha256 no longer matches)")
    diffs = {k: v for k, v in new.items() if v != "same"}
    for name, status in diffs.items():
        print(f"{name}: {'not produced' if status == 'missing' else 'differs'} on re-run")
    if diffs or changed:
        print(f"not reproduced: {len(diffs)} of {len(new)} files differ on re-run, {len(changed)} changed on disk")
        return 1
    print(f"reproduced: {len(new)} files identical ({', '.join(new)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
