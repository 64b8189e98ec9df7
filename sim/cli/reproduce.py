"""``sim-reproduce RUN_DIR`` (or ``python -m sim.cli.reproduce``): re-run a finished run and
print the verdict; the exit status and verdicts are :mod:`sim.runs.reproduce`'s.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sim.cli.args import OneLineParser, cli_main
from sim.runs import reproduce as _r
from sim.runs.reproduce import numeric_platform_notes, reproduce
from sim.store.compare import ATOL, DIFFERENT, IDENTICAL, NUMERIC, RTOL
from sim.store.manifest import git_state

reproduce_doc = _r.__doc__.splitlines()[0]


@cli_main("sim-reproduce")
def main(argv=None) -> int:
    """``sim-reproduce RUN_DIR``: the exit status of the verdict (module docstring); 2
    (bad input) or 1 (a file cannot be read or written) after one line on stderr."""
    ap = OneLineParser(prog="sim-reproduce", description=reproduce_doc)
    ap.add_argument("run_dir", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sim-reproduce-") as work:
        results, manifest = reproduce(args.run_dir, Path(work))
    git = manifest.get("git") or {}
    if git.get("dirty"):
        print(f"note: the run was made from a work tree with uncommitted changes (commit {git.get('commit')})")
    if git_state().get("dirty"):
        print("note: the current work tree has uncommitted changes")
    for r in results:
        if r.disk != "same":
            print(f"{r.name}: {r.disk} in {args.run_dir} since the run (manifest sha256 no longer matches)")
        if r.status == "not produced":
            print(f"{r.name}: not produced on re-run")
        elif r.status != IDENTICAL:
            what = "differs on re-run" if r.status == DIFFERENT else "numerically equal on re-run (bytes differ)"
            print(f"{r.name}: {what}", *(f"\n  {line}" for line in r.lines), sep="")
    n, count = len(results), {s: sum(r.status == s for r in results) for s in (IDENTICAL, NUMERIC)}
    changed = sum(r.disk != "same" for r in results)
    if count[IDENTICAL] < n:
        print(*numeric_platform_notes(manifest), sep="\n")
    if count[IDENTICAL] == n and not changed:
        print(f"reproduced: byte-identical ({n} files: {', '.join(r.name for r in results)})")
        return 0
    if count[IDENTICAL] + count[NUMERIC] == n and not changed:
        print(f"reproduced numerically: {count[IDENTICAL]} of {n} files byte-identical, {count[NUMERIC]} numerically "
              f"equal (labels equal, floats within rtol={RTOL:g}, atol={ATOL:g})")
        return 0
    print(f"not reproduced: different: {n - count[IDENTICAL] - count[NUMERIC]} of {n} files differ on re-run, "
          f"{changed} changed on disk since the run")
    return 1


if __name__ == "__main__":
    sys.exit(main())
