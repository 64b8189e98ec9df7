"""Golden references: a coarse version of every experiment, solved and kept as text.

``python tests/golden.py`` (re)writes ``tests/data/golden/<experiment>.csv`` (the
equilibria table of a coarse grid, or for a sensitivity experiment the table of the
analysis at a small sample size, :data:`COARSE_SENSITIVITY`); the test
``tests/test_golden.py`` re-solves each coarse experiment and compares the data with
:func:`sim.store.compare.compare_tables`: floats (written with ``repr``, which round-trips, and
parsed back) within its tolerance ``RTOL``/``ATOL``, since numpy's SIMD kernels differ in
the last bits between CPUs; every other column (labels, regimes, actions, counts) exactly.
A model change that changes results must regenerate these deliberately and say why in
docs/changelog.md.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pyarrow as pa
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim.cli.app  # noqa: E402,F401  registers the game/ schemas the configs name
from sim.resources import CONF_DIR, experiment_names  # noqa: E402
from sim.config.validate import unset_axis, validate_run_config  # noqa: E402
from sim.runs.run import solve_range  # noqa: E402
from sim.analysis.sensitivity import analyse  # noqa: E402
from sim.analysis import backtest, countries, prior  # noqa: E402

GOLDEN = ROOT / "tests" / "data" / "golden"
#: Model versions whose experiments keep references: subfolder of GOLDEN -> the folder of
#: experiments/ they come from. Version 1 (``iraq2020_v1``, the published v1 figures):
#: experiments/v1/, frozen copies pinned to it, references in GOLDEN / "v1".
VERSIONS = {"": "", "v1": "v1/"}
COARSE = {"x": 6, "y": 5, "z": 3}
COARSE_SENSITIVITY = {"n": 16, "resamples": 10}
EXPERIMENTS = experiment_names()


def experiments_of(version: str) -> list[str]:
    """The experiments of the model ``version`` (a key of :data:`VERSIONS`): Model 2's are
    every named experiment; version 1's the frozen copies in experiments/v1/."""
    if not VERSIONS[version]:
        return EXPERIMENTS
    return sorted(p.stem for p in (Path(CONF_DIR) / "experiment" / VERSIONS[version]).glob("*.yaml"))


def coarse_config(experiment: str, version: str = ""):
    """The experiment's config (of the model ``version``, a key of :data:`VERSIONS`) with
    every axis shrunk, the agent-based runs short and the sensitivity sample small."""
    overrides = [f"experiment={VERSIONS[version]}{experiment}"]
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        data = OmegaConf.to_container(compose("config", overrides=overrides), resolve=True,
                                      enum_to_str=True)
    for key, spec in data["sweep"].items():
        if not unset_axis(spec) and spec.get("space", "linspace") != "list":
            spec["num"] = COARSE[key]
    data["abm"].update(steps=40, replicates=3, tail=10, settle_window=5, trajectory_replicates=0)
    if data.get("sensitivity"):
        data["sensitivity"].update(COARSE_SENSITIVITY)
    if data.get("backtest"):
        data["backtest"].update(grid=4)
    if data.get("countries"):
        data["countries"].update(n=200)
    if data.get("discovery"):
        data["discovery"].update(n=2000, max_params=4, mass_min=0.05, peel_alpha=0.1)
    if data.get("history_matching"):
        data["history_matching"].update(n=2000, tolerance=8)
    return validate_run_config(data)


def table_text(table) -> str:
    """The table as CSV text: floats by repr (exact), everything else by str."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(table.column_names)
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        w.writerow([repr(v) if isinstance(v, float) else v for v in row])
    return out.getvalue()


#: how ``repr`` writes a float: with a point or an exponent, or nan/inf ('' is a null)
FLOAT = re.compile(r"-?(?:\d+\.\d*(?:e[-+]\d+)?|\d+e[-+]\d+|nan|inf)|")


def golden_table(text: str) -> pa.Table:
    """CSV text written by :func:`table_text` as a table: a column whose every cell is
    written like a float (:data:`FLOAT`, at least one not empty) is float64, every other
    column is kept as strings (compared exactly)."""
    header, *rows = list(csv.reader(io.StringIO(text)))
    cols = dict(zip(header, map(list, zip(*rows)))) if rows else {h: [] for h in header}

    def column(cells):
        if any(cells) and all(FLOAT.fullmatch(c) for c in cells):
            return pa.array([float(c) if c else None for c in cells], pa.float64())
        return pa.array(cells, pa.string())
    return pa.table({name: column(cells) for name, cells in cols.items()})


def solve(experiment: str, version: str = "") -> str:
    cfg = coarse_config(experiment, version)
    if cfg.sensitivity is not None and cfg.sensitivity.method == "prior":  # shares and robustness rows
        return table_text(prior.evaluate_and_analyse(cfg.scenario, cfg.sensitivity, cfg.game, cfg.chunk_size, False)[0].table)
    if cfg.sensitivity is not None:
        table, _ = analyse(cfg.scenario, cfg.sensitivity, cfg.game, cfg.chunk_size)
        return table_text(table)
    if cfg.backtest is not None:
        return table_text(backtest.run_table(cfg.scenario, cfg.game, cfg.backtest))
    if cfg.countries is not None:
        return table_text(countries.run_table(cfg.countries, cfg.chunk_size, False))
    if cfg.discovery is not None:
        from sim.analysis import discovery
        sample = discovery.load(cfg.scenario, cfg.discovery, cfg.game, cfg.chunk_size, False)
        return table_text(discovery.analyse(cfg.scenario, sample, cfg.discovery))
    if cfg.history_matching is not None:  # the accepted draws (the summary is computed from them)
        from sim.analysis.history_matching_summary import run_tables
        return table_text(run_tables(cfg.scenario, cfg.history_matching, cfg.chunk_size, False)[0])
    table, _ = solve_range(cfg, 0, cfg.n_points, False, experiment)
    return table_text(table)


if __name__ == "__main__":
    # python tests/golden.py [version ...]: rewrite the references of those versions (default: all)
    for version in sys.argv[1:] or VERSIONS:
        (GOLDEN / version).mkdir(parents=True, exist_ok=True)
        for exp in experiments_of(version):
            (GOLDEN / version / f"{exp}.csv").write_text(solve(exp, version))
            print(GOLDEN / version / f"{exp}.csv")
