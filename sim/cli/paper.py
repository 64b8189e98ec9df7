"""Regenerate every figure of the paper: ``sim-paper [--out results/paper]``.

Runs every named experiment in ``experiments/`` at full size (the Sobol sensitivity
analysis is one of them, ``sobol_regime``), then writes to ``--out`` (default
``results/paper/``):

* ``runs/<experiment>/`` — each run directory (table, figures, manifest);
* ``figures/<experiment>--<figure>.<format>`` — every figure, flat;
* ``summary.csv`` — per sweep experiment and solution concept: the regime at the
  baseline point (nearest grid point) and the share of the grid in each regime (a
  sensitivity analysis has no grid: its table is ``runs/<experiment>/sensitivity.parquet``);
* ``manifest.json`` — the runs, their config hashes and every file's sha256.

The folder is assembled under a hidden name of this process's own
(:func:`sim.store.rundir.assembling`) and replaces ``--out`` when complete
(:func:`sim.store.rundir.publish`); a failure leaves ``--out`` as it was. Bad input exits 2, a
file that cannot be written 1, after one ``sim.cli.paper: error:`` line. An entry point
(like :mod:`sim.cli.app`), so it may use Hydra's compose API.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.store import rundir
from sim.cli.app import CONF_DIR
from sim.cli.args import OneLineParser, cli_main
from sim.config.validate import validate_run_config
from sim.solvers.registry import phase_concepts
from sim.store.manifest import build_manifest, sha256_file, write_json
from sim.resources import experiment_names
from sim.runs.run import run

SUMMARY = "summary.csv"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def experiments() -> list[str]:
    return experiment_names()


def run_experiment(name: str, runs_dir: Path, sensitivity_n: int | None = None) -> Path:
    """Compose and run one experiment into ``runs_dir/<name>/<name>``; ``sensitivity_n``
    replaces the sample size of an experiment that runs a sensitivity analysis."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[f"experiment={name}", f"results_dir={runs_dir}", f"run_id={name}"])
    data = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    if data.get("sensitivity") and sensitivity_n is not None:
        data["sensitivity"]["n"] = sensitivity_n
    return run(validate_run_config(data), progress=False)


def summarise(name: str, run_dir: Path) -> list[dict]:
    """Rows of the summary: per concept, the baseline regime and the regime shares; none
    for a run without an equilibria table (a sensitivity analysis)."""
    if not (run_dir / rundir.TABLE).exists():
        return []
    table = pq.read_table(run_dir / rundir.TABLE)
    meta = json.loads(table.schema.metadata[b"sim"])
    df = table.to_pandas()
    near = np.zeros(len(df), dtype=bool)
    dist = np.zeros(len(df))
    for ax in meta["axes"]:
        v = df[ax["param"]].to_numpy()
        span = (v.max() - v.min()) or 1.0
        dist += ((v - meta["baseline"][ax["param"]]) / span) ** 2
    near[np.argmin(dist)] = True
    rows = []
    for concept, column in ((s.name, s.regime_column) for s in phase_concepts()):
        if column not in df:
            continue
        values = df[column].astype(str)
        row = {"experiment": name, "concept": concept, "baseline_regime": values[near].iloc[0] or "no pure NE"}
        for regime in meta["regimes"]:
            share = values.str.split("|").apply(lambda names, r=regime: r in names).mean()
            row[f"share_{regime}"] = round(float(share), 6)
        rows.append(row)
    return rows


def assemble(tmp: Path, sensitivity_n: int | None) -> tuple[dict[str, str], list[dict]]:
    """Run every experiment into ``tmp/runs`` and copy its figures to ``tmp/figures``:
    (config hash per experiment, summary rows)."""
    (tmp / "figures").mkdir()
    runs, rows = {}, []
    for name in experiments():
        t = time.perf_counter()
        run_dir = run_experiment(name, tmp / "runs", sensitivity_n)
        runs[name] = json.loads((run_dir / rundir.MANIFEST).read_text())["config_hash"]
        for fig in sorted(p for p in run_dir.iterdir() if rundir.is_figure(p.name)):
            shutil.copy2(fig, tmp / "figures" / f"{name}--{fig.name}")
        rows += summarise(name, run_dir)
        print(f"{name}: {time.perf_counter() - t:.1f} s", flush=True)
    return runs, rows


def write_summary(path: Path, rows: list[dict]) -> None:
    """``summary.csv``: the rows of :func:`summarise`, written atomically."""
    with rundir.atomic_write(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["experiment", "concept", "baseline_regime"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def write_paper_manifest(tmp: Path, runs: dict[str, str], sensitivity_n: int | None, started: str) -> None:
    """``manifest.json``: the runs, their config hashes and every file's sha256."""
    files = {str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    config = {"experiments": runs, "sensitivity_n": sensitivity_n}
    manifest = build_manifest(run_id="paper", name="paper", config=config, config_hash="", seed=0, started=started,
                              finished=_now(), files=files, n_points=0)
    write_json(tmp / rundir.MANIFEST, manifest)


@cli_main("sim.cli.paper")
def main(argv=None) -> int:
    """``sim-paper``: 0 when ``--out`` is written; 2 (bad input) or 1 (a file
    cannot be written) after one line on stderr, ``--out`` left as it was."""
    ap = OneLineParser(prog="sim.cli.paper", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results/paper"))
    ap.add_argument("--sensitivity-n", type=int, default=None,
                    help="sample size of the sensitivity experiments (default: each experiment's own)")
    args = ap.parse_args(argv)
    started, t0, out = _now(), time.perf_counter(), args.out
    rundir.make_dirs(out.parent)
    rundir.remove_stale_partials(out.parent, out.name)  # of runs killed before this one
    with rundir.assembling(out.parent, out.name) as tmp:
        runs, rows = assemble(tmp, args.sensitivity_n)
        write_summary(tmp / SUMMARY, rows)
        write_paper_manifest(tmp, runs, args.sensitivity_n, started)
        rundir.publish(tmp, out, "replace")
    print(f"paper: {len(runs)} experiments in {time.perf_counter() - t0:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
