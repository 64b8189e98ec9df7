"""One run: solve the configured grid and write a complete run directory.

``results/<name>/<run-id>/`` holds ``equilibria.parquet`` (the tidy table; with the
agent-based model also ``abm_runs.parquet``, one row per run, and the baseline's
``trajectory*.parquet``),
``config.yaml`` (the composed config), ``baseline.nfg`` / ``baseline.efg`` (the baseline
games, for Gambit), the figures, and ``manifest.json`` (written last). The directory is
built under a hidden ``.partial`` name and renamed into place when complete, so a run
directory that exists is a finished run, and two runs never share one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from tqdm import tqdm

from functools import partial

from sim.abm import trajectory
from sim.abm.solver import solve_abm
from sim.config import RunConfig, config_hash
from sim.export import export_games
from sim.manifest import build_manifest, sha256_file, write_json
from sim.params import get_value, param_info
from sim.plot import draw_run
from sim.solvers import SOLVERS
from sim.sweep import solve_grid
from sim.table import TableMeta, write_table

TABLE = "equilibria.parquet"
RUNS_TABLE = "abm_runs.parquet"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def table_meta(cfg: RunConfig) -> TableMeta:
    """Self-description of the run's table: regimes, axes with units, baseline values."""
    cls = cfg.scenario.params_cls
    axes = []
    for a in cfg.axes:
        info = param_info(cls, a.param)
        axes.append({"param": a.param, "unit": info.unit, "doc": info.doc, "n": len(a.values)})
    baseline = {a.param: float(get_value(cfg.game, a.param)) for a in cfg.axes}
    return TableMeta(cfg.scenario.name, cfg.scenario.regimes, tuple(axes), baseline)


def _publish(tmp: Path, parent: Path, run_id: str) -> Path:
    """Rename the finished ``tmp`` directory to ``parent/run_id`` (or ``run_id-2``...)."""
    for k in range(1, 100):
        final = parent / (run_id if k == 1 else f"{run_id}-{k}")
        try:
            os.rename(tmp, final)  # fails if final exists and is not empty
            return final
        except OSError:
            if not final.exists():
                raise
    raise FileExistsError(f"too many runs named {run_id} in {parent}")


def run(cfg: RunConfig, progress: bool | None = None) -> Path:
    """Solve ``cfg``'s grid and write its run directory; returns the directory.

    ``progress``: show a progress bar (None = only on a terminal).
    """
    started = _now()
    chash = config_hash(cfg.resolved)
    run_id = cfg.run_id or f"{dt.datetime.now():%Y%m%d-%H%M%S}-{chash[:8]}"
    parent = Path(cfg.results_dir) / cfg.name
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_id}.", suffix=".partial", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a published run is not
    try:
        run_parts: list = []
        solvers = [partial(solve_abm, options=cfg.abm, runs_sink=run_parts.append) if s == "abm" else SOLVERS[s]
                   for s in cfg.solvers]
        with tqdm(total=cfg.n_points, unit="pt", desc=cfg.name, disable=None if progress is None else not progress) as bar:
            table = solve_grid(cfg.scenario, cfg.game, cfg.axes, solvers, cfg.chunk_size, bar.update)
        write_table(table, table_meta(cfg), tmp / TABLE)
        if run_parts:
            pq.write_table(pa.concat_tables(run_parts), tmp / RUNS_TABLE, compression="zstd")
        export_games(cfg.scenario, cfg.game, tmp)
        if "abm" in cfg.solvers and cfg.trajectory_replicates:
            tables = trajectory.record(cfg.scenario, cfg.game, cfg.abm, cfg.trajectory_replicates)
            trajectory.write(tables, tmp)
        (tmp / "config.yaml").write_text(yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        draw_run(tmp, formats=cfg.plot_formats)
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        manifest = build_manifest(
            run_id=run_id, name=cfg.name, config=dict(cfg.resolved), config_hash=chash, seed=cfg.seed,
            started=started, finished=_now(), files=files, n_points=cfg.n_points,
        )
        write_json(tmp / "manifest.json", manifest)
        return _publish(tmp, parent, run_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
