"""A Hydra multirun as one table: :func:`open_multirun`.

``python -m sim -m game.us.credibility=1,2 ...`` writes, in its sweep directory, the index
:data:`sim.cli.multirun_index.INDEX` (a row per job: ``job``, ``overrides``, ``run_dir``,
``status``, ``error``). :func:`open_multirun` reads it and every finished run's table
(:attr:`sim.api.run.Run.table`) into one DataFrame: a column ``job``, a column per
override key (``game.us.credibility``; values parsed as YAML, so numbers are numbers),
``run_dir``, then the run's columns. Jobs that share a run directory (the tiles of one
tiled run) give its rows once, under the first job.
"""

from __future__ import annotations

import shlex
import warnings
from pathlib import Path

import pandas as pd
import yaml

from sim.api.run import open_run
from sim.cli.multirun_index import INDEX
from sim.engine.params import ConfigError


def read_index(sweep_dir) -> pd.DataFrame:
    """The multirun's index: a row per job (``job``, ``overrides``, ``run_dir``, ``status``, ``error``).

    Raises
    ------
    ConfigError
        If ``sweep_dir`` holds no index (not a multirun's sweep directory, or one run
        without the ``multirun_index`` callback).
    """
    path = Path(sweep_dir) / INDEX
    if not path.is_file():
        raise ConfigError(f"{str(sweep_dir)!r} has no {INDEX}: give the sweep directory of a multirun "
                          "(`python -m sim -m ...`, hydra.sweep.dir)")
    return pd.read_parquet(path)


def parse_override(text: str) -> tuple[str, object]:
    """``"game.us.credibility=2"`` as ``("game.us.credibility", 2.0)``: the key without
    Hydra's ``+``/``++``/``~`` prefix, the value parsed as YAML (a list or mapping is kept as
    its text; a deletion ``~key`` gives None)."""
    key, _, value = text.partition("=")
    key = key.lstrip("+~")
    if not _:
        return key, None
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return key, value
    return key, (value if isinstance(parsed, (list, dict)) else parsed)


def override_columns(index: pd.DataFrame) -> pd.DataFrame:
    """A row per job: ``job``, then a column per override key in order of first use."""
    rows = [{"job": int(job), **dict(parse_override(o) for o in shlex.split(str(text)))}
            for job, text in zip(index["job"], index["overrides"].fillna(""))]
    return pd.DataFrame(rows)


def open_multirun(sweep_dir) -> pd.DataFrame:
    """Every run of a multirun as one table, with its job's overrides as columns.

    Parameters
    ----------
    sweep_dir : path
        The multirun's sweep directory (``hydra.sweep.dir``; by default
        ``results/multirun/<time>``), which holds ``multirun_index.parquet``.

    Returns
    -------
    pandas.DataFrame
        ``job``, a column per override key, ``run_dir``, then the columns of each run's
        table (:attr:`sim.api.run.Run.table`), its rows in order; jobs in job order.
        Failed jobs, and jobs whose run directory is gone, are left out with a warning.
    """
    index = read_index(sweep_dir)
    overrides = override_columns(index).set_index("job")
    parts, seen, missing = [], set(), []
    for job, run_dir, status in zip(index["job"], index["run_dir"], index["status"]):
        if status != "completed" or not run_dir or not (Path(run_dir) / "manifest.json").is_file():
            missing.append(int(job))
            continue
        if run_dir in seen:
            continue
        seen.add(run_dir)
        table = open_run(run_dir).table
        head = pd.DataFrame({"job": int(job), **overrides.loc[int(job)].to_dict(), "run_dir": run_dir},
                            index=table.index)
        parts.append(pd.concat([head, table.drop(columns=[c for c in head if c in table])], axis=1))
    if missing:
        warnings.warn(f"multirun {sweep_dir}: job(s) {', '.join(map(str, missing))} left out (failed, or no "
                      "finished run directory)", stacklevel=2)
    if not parts:
        return pd.DataFrame(columns=["job", *overrides.columns, "run_dir"])
    return pd.concat(parts, ignore_index=True)
