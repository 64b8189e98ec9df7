"""Regenerate every figure of the paper: ``python -m sim.paper [--out results/paper]``.

Runs every named experiment in ``experiments/`` at full size (the Sobol sensitivity
analysis is one of them, ``sobol_regime``), then writes to ``--out`` (default
``results/paper/``):

* ``runs/<experiment>/`` — each run directory (table, figures, manifest);
* ``figures/<experiment>--<figure>.png|pdf`` — every figure, flat;
* ``summary.csv`` — per sweep experiment and solution concept: the regime at the
  baseline point (nearest grid point) and the share of the grid in each regime (a
  sensitivity analysis has no grid: its table is ``runs/<experiment>/sensitivity.parquet``);
* ``manifest.json`` — the runs, their config hashes and every file's sha256.

The folder is assembled under a temporary name and replaces ``--out`` when complete.
An entry point (like :mod:`sim.app`), so it may use Hydra's compose API.
"""

from __future__ import annotations

import argparse
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

from sim.cliargs import OneLineParser
from sim.app import CONF_DIR
from sim.resources import experiment_names
from sim.config import parse_run_config
from sim.manifest import build_manifest, sha256_file, write_json
from sim.params import ConfigError
from sim.plot import GAMES
from sim.run import run

def experiments() -> list[str]:
    return experiment_names()


def run_experiment(name: str, runs_dir: Path, sensitivity_n: int | None = None) -> Path:
    """Compose and run one experiment into ``runs_dir/<name>/<name>``; ``sensitivity_n``
    replaces the sample size of an experiment that runs a sensitivity analysis."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=[f"experiment={name}", f"results_dir={runs_dir}", f"run_id={name}"])
    data = OmegaConf.to_container(cfg, resolve=True)
    if data.get("sensitivity") and sensitivity_n is not None:
        data["sensitivity"]["n"] = sensitivity_n
    return run(parse_run_config(data), progress=False)


def summarise(name: str, run_dir: Path) -> list[dict]:
    """Rows of the summary: per concept, the baseline regime and the regime shares; none
    for a run without an equilibria table (a sensitivity analysis)."""
    if not (run_dir / "equilibria.parquet").exists():
        return []
    table = pq.read_table(run_dir / "equilibria.parquet")
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
    for concept, (column, title) in GAMES.items():
        if column not in df:
            continue
        values = df[column].astype(str)
        row = {"experiment": name, "concept": concept, "baseline_regime": values[near].iloc[0] or "no pure NE"}
        for regime in meta["regimes"]:
            share = values.str.split("|").apply(lambda names, r=regime: r in names).mean()
            row[f"share_{regime}"] = round(float(share), 6)
        rows.append(row)
    return rows


def main(argv=None) -> int:
    ap = OneLineParser(prog="sim.paper", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results/paper"))
    ap.add_argument("--sensitivity-n", type=int, default=None,
                    help="sample size of the sensitivity experiments (default: each experiment's own)")
    args = ap.parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "figures").mkdir(parents=True)
    rows, runs = [], {}
    try:
        for name in experiments():
            t = time.perf_counter()
            run_dir = run_experiment(name, tmp / "runs", args.sensitivity_n)
            runs[name] = json.loads((run_dir / "manifest.json").read_text())["config_hash"]
            for fig in sorted(run_dir.glob("*.p[dn][fg]")):
                shutil.copy2(fig, tmp / "figures" / f"{name}--{fig.name}")
            rows += summarise(name, run_dir)
            print(f"{name}: {time.perf_counter() - t:.1f} s", flush=True)
    except ConfigError as exc:
        print(f"sim.paper: error: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        return 2
    with open(tmp / "summary.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["experiment", "concept", "baseline_regime"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    files = {str(p.relative_to(tmp)): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = build_manifest(run_id="paper", name="paper", config={"experiments": runs, "sensitivity_n": args.sensitivity_n},
                              config_hash="", seed=0, started=started,
                              finished=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                              files=files, n_points=0)
    write_json(tmp / "manifest.json", manifest)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    print(f"paper: {len(runs)} experiments in {time.perf_counter() - t0:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
