"""One run: solve the configured grid and write a complete run directory.

The directory, ``results/<name>/<run-id>/``, and every file name in it are described in
:mod:`sim.store.rundir`: the tidy table, the games, the config, the figures and their
captions, and ``manifest.json`` last. It is assembled under a hidden name of this
process's own (:func:`sim.store.rundir.assembling`) and renamed into place when complete
(:func:`sim.store.rundir.publish`), so a run directory that exists is a finished run, and two
runs never share one. A run removes the ``.partial`` directories of its run id that
killed processes of this host left behind.

A run id names one config's run: given (``run_id=...``) or derived from the config
(tiled runs), it is refused, before any work, if a run of another config holds it, and
a run of the same config that is already finished is returned as it is (a notice on
stderr; nothing is redone). Of two such runs at once, the first to finish publishes and
the other drops its copy (the same bytes). An automatic id (time + config hash) that is
taken gets a suffix, ``-2``, ``-3``...

A file that cannot be written (a full disk, a quota, permissions) raises
:class:`sim.store.rundir.WriteError`, an OSError whose message is one line, the path then the
cause; the run's ``.partial`` directory is removed, so nothing that looks finished
remains.

A run whose config sets ``sensitivity`` is a sensitivity analysis instead
(:func:`run_sensitivity`): ``sensitivity.parquet``, the sample it was computed from
(``sample.parquet``) and ``sensitivity.png``/``.pdf`` (:mod:`sim.analysis.sensitivity`)
take the place of the table, games and figures.

Tiled runs (``tiles.count > 1``) solve tiles into ``results/<name>/.tiles-<run-id>/``
(:func:`sim.store.rundir.tiles_dir`; :mod:`sim.store.tiles`), one job per tile or all in turn, and
the job that finds every tile present merges them into the run directory. Their run id
is derived from the config hash, so every tile job — and a rerun after a crash — agrees
on it. Jobs hold the run's lock (:class:`sim.store.tiles.RunLock`) shared while solving and
exclusively while merging, so identical jobs, and tilings of different counts, can run
at once: one merges, the others return its run, and the tiles directory and lock file
are removed by the last to finish. With ``tiles.output=dataset`` each tile is written as
a Parquet part and the last job links the parts into ``equilibria/`` and indexes them
(:mod:`sim.store.dataset`) instead of merging their rows.

Rows go to disk a chunk at a time (``chunk_size`` points): the one-process run streams
them into ``equilibria.parquet`` as they are solved, a tile job into its tile, and the
merge from the tiles into the table, so none holds the grid's table in memory. (The
figures, drawn from the written table, and the agent-based per-run table still do.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import yaml
from tqdm import tqdm

from sim.store import dataset, rundir, tiles
from sim.figures.captions import abm_facts, baseline_changes, caption
from sim.config.validate import RunConfig, config_hash
from sim.gambit.export import export_games
from sim.store.manifest import build_manifest, sha256_file, write_json
from sim.store.memory import retain_freed_memory
from sim.engine.params import ConfigError, get_value, param_info
from sim.solvers.registry import SOLVERS
from sim.engine.sweep import iter_grid
from sim.store.rundir import WriteError, atomic_write_text, remove_stale_partials
from sim.store.table import META_KEY, ResultsError, RowGroupWriter, TableMeta, write_parquet


class TileFailed(RuntimeError):
    """A tile job raised; its error is kept beside the tiles and the others are kept."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def table_meta(cfg: RunConfig) -> TableMeta:
    """Self-description of the run's table: regimes, axes with units, baseline values, and
    what its figures say of the run (what it changed, how adaptive play was run), so they
    are drawn from the table alone."""
    cls = cfg.scenario.params_cls
    axes = []
    for a in cfg.axes:
        info = param_info(cls, a.param)
        axes.append({"param": a.param, "unit": info.unit, "doc": info.doc, "n": len(a.values)})
    baseline = {a.param: float(get_value(cfg.game, a.param)) for a in cfg.axes}
    return TableMeta(cfg.scenario.name, cfg.scenario.regimes, tuple(axes), baseline, cfg.scenario.focal_regime,
                     source=str(cfg.resolved.get("scenario") or cfg.scenario.name),
                     changes=baseline_changes(cfg), abm=abm_facts(cfg))


def run_id_of(cfg: RunConfig) -> str:
    """The run id: configured, or derived from the config (tiled runs), or time + hash."""
    chash = config_hash(cfg.resolved)
    if cfg.run_id:
        return cfg.run_id
    if cfg.tiles.count > 1:
        return f"tiled-{chash[:16]}"
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{chash[:8]}"


def solve_into(cfg: RunConfig, start: int, stop: int, progress: bool | None, desc: str,
               sink: Callable[[pa.Table], None]) -> pa.Table | None:
    """Solve grid points ``[start, stop)`` a chunk at a time, handing each chunk's table
    (``cfg.chunk_size`` rows) to ``sink``; return the per-run table of the agent-based
    model, or None."""
    run_parts: list = []
    solvers = [SOLVERS[s].bind(cfg.options_of(s), run_parts.append) for s in cfg.solvers]
    with tqdm(total=stop - start, unit="pt", desc=desc, disable=None if progress is None else not progress) as bar:
        for chunk in iter_grid(cfg.scenario, cfg.game, cfg.axes, solvers, cfg.chunk_size, bar.update, start, stop):
            sink(chunk)
    return pa.concat_tables(run_parts) if run_parts else None


def solve_range(cfg: RunConfig, start: int, stop: int, progress: bool | None, desc: str):
    """Solve grid points ``[start, stop)`` in memory: (points table, per-run table or None)."""
    parts: list[pa.Table] = []
    runs = solve_into(cfg, start, stop, progress, desc, parts.append)
    return pa.concat_tables(parts).combine_chunks(), runs


def finished_run(final: Path, config_hash_: str) -> Path | None:
    """``final`` if it is a finished run of the config with this hash; None if there is
    no such directory; ConfigError if it holds something else."""
    if not os.path.lexists(final):
        return None
    run_id, parent = final.name, final.parent
    try:
        found = json.loads((final / rundir.MANIFEST).read_text()).get("config_hash")
    except (OSError, ValueError, AttributeError):
        raise ConfigError(f"run_id={run_id}: {final} exists and is not a finished run; remove it or choose "
                          "another run_id") from None
    if found != config_hash_:
        raise ConfigError(f"run_id={run_id} is already a run of another config in {parent}; "
                          "give each config its own run_id (or leave run_id unset)")
    return final


def _parent(cfg: RunConfig) -> Path:
    """``results/<name>``, where the config's runs go."""
    return Path(cfg.results_dir) / cfg.name


def _publish(cfg: RunConfig, tmp: Path, run_id: str, unique: bool) -> Path:
    """Rename the finished ``tmp`` to the run directory. If that is taken: when
    ``unique``, try ``run_id-2``...; else keep the existing run if it is of the same
    config (then the same bytes) and drop ``tmp``, or raise ConfigError."""
    chash = config_hash(cfg.resolved)
    return rundir.publish(tmp, _parent(cfg) / run_id, "suffix" if unique else "keep",
                          check=lambda final: finished_run(final, chash))


def _already_done(run_dir: Path) -> Path:
    print(f"sim: {run_dir} is already a finished run of this config; nothing to do "
          "(give another run_id, or remove it, to run it again)", file=sys.stderr)
    return run_dir


def table_metadata(cfg: RunConfig) -> dict[bytes, bytes]:
    """The table's schema metadata: its :class:`sim.store.table.TableMeta` as JSON."""
    return {META_KEY: table_meta(cfg).to_json().encode()}


def table_writer(cfg: RunConfig, tmp: Path) -> RowGroupWriter:
    """The writer of ``tmp/equilibria.parquet`` (with ``tiles.output=dataset``, of the one
    part of ``tmp/equilibria/``; :func:`seal_table` indexes it), a chunk at a time."""
    if cfg.tiles.output == "dataset":
        path = rundir.make_dirs(tmp / rundir.TABLE_DATASET) / rundir.part_name(0, 1)
        return RowGroupWriter(path, table_metadata(cfg))
    return RowGroupWriter(tmp / rundir.TABLE, table_metadata(cfg))


def seal_table(cfg: RunConfig, tmp: Path) -> None:
    """After :func:`table_writer` closed: the dataset's ``_metadata`` and ``_manifest.json``."""
    if cfg.tiles.output == "dataset":
        _dataset_index(tmp / rundir.TABLE_DATASET, 1)


def _dataset_index(directory: Path, count: int) -> None:
    try:
        dataset.write_index(directory, count)
    except ValueError as exc:  # a part unreadable or of another schema: our own files, so not the user's doing
        raise ResultsError(str(exc)) from None


def finish(cfg: RunConfig, tmp: Path, runs: pa.Table | None, run_id: str, started: str,
           unique: bool = True, command: list[str] | None = None, seconds: dict | None = None) -> Path:
    """Write every other output of a solved grid beside ``tmp/equilibria.parquet`` (the
    figures from that file), then publish ``tmp`` as the run directory. Call it inside
    :func:`sim.store.rundir.assembling`, which removes ``tmp`` if anything fails.

    ``seconds``: wall time of the phases so far, for the manifest (``solve``, the table
    written as it was solved; or ``solve_tiles`` and ``merge``, the tiles into the table),
    which adds ``write``: this function's own, the other outputs and the figures.
    """
    t0 = time.perf_counter()
    if runs is not None:
        write_parquet(runs, tmp / rundir.RUNS_TABLE)
    export_games(cfg.scenario, cfg.game, tmp)
    for name in cfg.solvers:  # files beside the table (e.g. the QRE's path over λ at the baseline)
        if SOLVERS[name].extras is not None:
            SOLVERS[name].extras(cfg.scenario, cfg.game, cfg.options_of(name), tmp)
    if "abm" in cfg.solvers and cfg.trajectory_replicates:
        from sim.abm import trajectory

        trajectory.write(trajectory.record(cfg.scenario, cfg.game, cfg.abm, cfg.trajectory_replicates), tmp)
    atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
    from sim.figures.registry import draw_run  # matplotlib is imported only by the job that draws

    # no figure asked for: the table is not read again (at 10^8 points its figure columns are ~14 GB)
    figures = draw_run(tmp, formats=cfg.plot_formats) if cfg.plot_formats else []
    seconds = {**(seconds or {}), "write": time.perf_counter() - t0}
    _seal(cfg, tmp, figures, run_id, started, cfg.n_points, command, seconds)
    return _publish(cfg, tmp, run_id, unique)


def _seal(cfg: RunConfig, tmp: Path, figures: list[Path], run_id: str, started: str, n_points: int,
          command: list[str] | None, seconds: dict | None = None, caption_of: Callable = caption) -> None:
    """A caption beside each figure (``caption_of(cfg, stem, run_id, config_hash)``),
    ``figures.json`` and, last, ``manifest.json``."""
    chash = config_hash(cfg.resolved)
    for stem in sorted({p.stem for p in figures}):  # a caption beside each figure, from the config
        atomic_write_text(tmp / rundir.caption_name(stem), caption_of(cfg, stem, run_id, chash))
    write_json(tmp / rundir.FIGURES, {  # provenance of every figure: which run and config made it
        "run_id": run_id, "config_hash": chash, "figures": {p.name: sha256_file(p) for p in figures}})
    files = {p.relative_to(tmp).as_posix(): sha256_file(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = build_manifest(
        run_id=run_id, name=cfg.name, config=dict(cfg.resolved), config_hash=chash,
        seed=cfg.seed, started=started, finished=_now(), files=files, n_points=n_points, command=command,
        seconds=seconds,
    )
    write_json(tmp / rundir.MANIFEST, manifest)


def run_sensitivity(cfg: RunConfig, run_id: str, command: list[str] | None = None, unique: bool = True,
                    progress: bool | None = None) -> Path:
    """Run ``cfg.sensitivity`` (instead of a sweep) into a new run directory:
    ``sensitivity.parquet``, ``sample.parquet``, its figure, ``config.yaml``, caption,
    ``figures.json``, ``manifest.json`` (``n_points``: games solved); ``progress``: a
    progress bar on stderr while solving (None: when stderr is a terminal)."""
    from sim.analysis import prior, sensitivity  # SALib and matplotlib are imported on use

    method = prior if cfg.sensitivity.method == "prior" else sensitivity  # same run path and files
    started, t0 = _now(), time.perf_counter()
    analysis, _ = method.evaluate_and_analyse(cfg.scenario, cfg.sensitivity, cfg.game, cfg.chunk_size, progress)
    table = analysis.table
    t1 = time.perf_counter()
    with rundir.assembling(_parent(cfg), run_id) as tmp:
        figures = method.write_outputs(table, tmp, cfg.plot_formats, cfg.sensitivity.top, sample=analysis.sample())
        atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        n_points = json.loads(table.schema.metadata[sensitivity.META_KEY])["n_evaluations"]
        seconds = {"solve": t1 - t0, "write": time.perf_counter() - t1}
        _seal(cfg, tmp, figures, run_id, started, n_points, command, seconds)
        return _publish(cfg, tmp, run_id, unique)


def run_backtest(cfg: RunConfig, run_id: str, command: list[str] | None = None, unique: bool = True) -> Path:
    """Run ``cfg.backtest`` (instead of a sweep) into a new run directory:
    ``backtest.parquet`` (a row per quarter), with ``backtest.abm_rule`` the agents'
    ``dynamic_abm.parquet`` (a row per run and quarter), their figures, ``config.yaml``, captions,
    ``figures.json``, ``manifest.json`` (``n_points``: quarters scored)."""
    from sim.analysis import backtest

    started, t0 = _now(), time.perf_counter()
    table = backtest.run_table(cfg.scenario, cfg.game, cfg.backtest)
    fitted = json.loads(table.schema.metadata[backtest.META_KEY])["adjust_cost"]
    agents = backtest.agents_table(cfg.scenario, cfg.game, cfg.backtest, fitted, cfg.seed)
    t1 = time.perf_counter()
    with rundir.assembling(_parent(cfg), run_id) as tmp:
        write_parquet(table, tmp / rundir.BACKTEST)
        if agents is not None:
            write_parquet(agents, tmp / rundir.DYNAMIC_ABM, agents.schema.metadata)
        atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        from sim.figures.registry import draw_run

        figures = draw_run(tmp, formats=cfg.plot_formats)
        seconds = {"solve": t1 - t0, "write": time.perf_counter() - t1}
        _seal(cfg, tmp, figures, run_id, started, table.num_rows, command, seconds)
        return _publish(cfg, tmp, run_id, unique)


def run_discovery(cfg: RunConfig, run_id: str, command: list[str] | None = None, unique: bool = True,
                  progress: bool | None = None) -> Path:
    """Run ``cfg.discovery`` (instead of a sweep) into a new run directory: ``discovery.parquet``
    (PRIM's boxes and trajectories, CART's leaves and scores: :mod:`sim.analysis.discovery`),
    for a prior sample ``sample.parquet``, the figure, ``config.yaml``, caption, ``figures.json``,
    ``manifest.json`` (``n_points``: the sample's points)."""
    from sim.analysis import discovery
    from sim.figures.discovery import caption as discovery_caption

    started, t0 = _now(), time.perf_counter()
    sample = discovery.load(cfg.scenario, cfg.discovery, cfg.game, cfg.chunk_size, progress)
    t1 = time.perf_counter()
    table = discovery.analyse(cfg.scenario, sample, cfg.discovery)
    t2 = time.perf_counter()
    with rundir.assembling(_parent(cfg), run_id) as tmp:
        saved = discovery.saved_sample(cfg.scenario, sample, cfg.discovery)
        figures = discovery.write_outputs(table, tmp, cfg.plot_formats, saved)
        atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        seconds = {"solve": t1 - t0, "discover": t2 - t1, "write": time.perf_counter() - t2}
        _seal(cfg, tmp, figures, run_id, started, sample.n, command, seconds, discovery_caption)
        return _publish(cfg, tmp, run_id, unique)


def run_history_matching(cfg: RunConfig, run_id: str, command: list[str] | None = None, unique: bool = True,
                         progress: bool | None = None) -> Path:
    """Run ``cfg.history_matching`` (instead of a sweep) into a new run directory:
    ``posterior.parquet``, ``history_matching.parquet`` (:mod:`sim.analysis.history_matching_summary`),
    two figures, ``config.yaml``, captions, ``figures.json``, ``manifest.json`` (``n_points``: draws)."""
    from sim.analysis.history_matching_summary import run_tables, write_outputs
    from sim.figures.posterior import caption as posterior_caption

    started, t0 = _now(), time.perf_counter()
    posterior, summary = run_tables(cfg.scenario, cfg.history_matching, cfg.chunk_size, progress)
    t1 = time.perf_counter()
    with rundir.assembling(_parent(cfg), run_id) as tmp:
        figures = write_outputs(posterior, summary, tmp, cfg.plot_formats)
        atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        seconds = {"solve": t1 - t0, "write": time.perf_counter() - t1}
        _seal(cfg, tmp, figures, run_id, started, cfg.history_matching.n, command, seconds, posterior_caption)
        return _publish(cfg, tmp, run_id, unique)


def run_countries(cfg: RunConfig, run_id: str, command: list[str] | None = None, unique: bool = True,
                  progress: bool | None = None) -> Path:
    """Run ``cfg.countries`` (instead of a sweep) into a new run directory: ``countries.parquet``
    (a row per country, :mod:`sim.analysis.countries`), its figure, ``config.yaml``, caption,
    ``figures.json``, ``manifest.json`` (``n_points``: games solved)."""
    from sim.analysis import countries
    from sim.config.countries import TABLE
    from sim.figures.countries import caption as countries_caption
    from sim.figures.registry import draw_run

    started, t0 = _now(), time.perf_counter()
    table = countries.run_table(cfg.countries, cfg.chunk_size, progress)
    t1 = time.perf_counter()
    with rundir.assembling(_parent(cfg), run_id) as tmp:
        write_parquet(table, tmp / TABLE, table.schema.metadata)
        atomic_write_text(tmp / rundir.CONFIG, yaml.safe_dump(dict(cfg.resolved), sort_keys=True))
        figures = draw_run(tmp, formats=cfg.plot_formats)
        seconds = {"solve": t1 - t0, "write": time.perf_counter() - t1}
        _seal(cfg, tmp, figures, run_id, started, cfg.countries.games(), command, seconds, countries_caption)
        return _publish(cfg, tmp, run_id, unique)


def solve_tile(cfg: RunConfig, tdir: Path, k: int, progress: bool | None) -> bool:
    """Solve tile ``k`` into ``tdir`` unless it is there; False if it failed (its error
    is recorded beside the tiles and printed in one line; the other tiles go on)."""
    count, suffix = cfg.tiles.count, cfg.tiles.suffix
    start, stop = tiles.tile_range(cfg.n_points, count, k)
    if tiles.tile_done(tdir, count, k, stop - start, suffix):
        return True
    writer = tiles.TileWriter(tdir, count, k, suffix, table_metadata(cfg) if suffix == tiles.PARQUET else None)
    try:
        t0 = time.perf_counter()
        runs = solve_into(cfg, start, stop, progress, f"{cfg.name} tile {k + 1}/{count}", writer.write)
        writer.commit(runs, time.perf_counter() - t0)  # False: an identical job's tile came first
    except Exception as exc:
        writer.abort()
        kind = exc.kind if isinstance(exc, WriteError) else type(exc).__name__
        line = f"{kind}: {exc}".splitlines()[0] if str(exc) else kind
        tiles.record_failure(tdir, count, k, line)
        print(f"sim: tile {k} of {count} failed: {line}", file=sys.stderr)
        return False
    return True


def merge_tiles(cfg: RunConfig, tdir: Path, tmp: Path) -> None:
    """The finished points tiles in ``tdir`` as the run's table in ``tmp``: merged into
    ``equilibria.parquet`` a chunk at a time, not the whole grid; or, as a dataset, the
    Parquet tiles linked into ``equilibria/`` and indexed from their footers."""
    count = cfg.tiles.count
    if cfg.tiles.output == "dataset":
        out = rundir.make_dirs(tmp / rundir.TABLE_DATASET)
        for k in range(count):
            dataset.place_part(tiles.tile_path(tdir, count, k, suffix=tiles.PARQUET), out, k, count)
        _dataset_index(out, count)
        return
    with table_writer(cfg, tmp) as writer:
        for chunk in tiles.iter_tiles(tdir, count):
            writer.write(chunk)


def run_tiles(cfg: RunConfig, run_id: str, progress: bool | None, command: list[str] | None = None) -> Path:
    """Solve this job's missing tiles, then merge if every tile is present.

    Returns the run directory once merged (by this job or another), else the tiles
    directory. Holds the run's lock shared while solving, exclusively while merging.
    """
    parent = _parent(cfg)
    final = parent / run_id
    chash = config_hash(cfg.resolved)
    tdir = rundir.tiles_dir(parent, run_id)
    count, n, suffix = cfg.tiles.count, cfg.n_points, cfg.tiles.suffix
    sizes = [stop - start for start, stop in (tiles.tile_range(n, count, k) for k in range(count))]

    def tidy() -> None:  # by the lock's last holder: nothing else uses the run's files
        if final.is_dir():  # merged: no job of any tiling needs the tiles now
            shutil.rmtree(tdir, ignore_errors=True)
        remove_stale_partials(parent, run_id)

    lock = tiles.RunLock(rundir.lock_file(parent, run_id), tidy)
    with lock.shared():
        if finished_run(final, chash) is not None:
            return final  # merged meanwhile (by an identical job, or another tiling)
        rundir.make_dirs(tdir)
        tiles.claim(tdir, chash, run_id)
        rundir.remove_stale_temporaries(tdir)
        failed = [k for k in cfg.tiles.indices() if not solve_tile(cfg, tdir, k, progress)]
        if failed:
            raise TileFailed(f"{len(failed)} tile(s) of {count} failed ({', '.join(map(str, failed))}); "
                             f"finished tiles are kept in {tdir}; rerun the same command to finish")
        if not all(tiles.tile_done(tdir, count, k, size, suffix) for k, size in enumerate(sizes)):
            return tdir  # the last tile job to finish merges
    with lock.exclusive():  # waits for the jobs still solving, and for a merge under way
        if finished_run(final, chash) is not None:
            return final  # another job merged first
        if not all(tiles.tile_done(tdir, count, k, size, suffix) for k, size in enumerate(sizes)):
            return tdir
        remove_stale_partials(parent, run_id)  # of merges killed before this one
        started, t0 = _now(), time.perf_counter()
        with rundir.assembling(parent, run_id) as tmp:
            merge_tiles(cfg, tdir, tmp)
            runs = tiles.read_tiles(tdir, count, "runs") if "abm" in cfg.solvers else None
            seconds = {"solve_tiles": tiles.solve_seconds(tdir, count), "merge": time.perf_counter() - t0}
            return finish(cfg, tmp, runs, run_id, started, unique=False, command=command, seconds=seconds)
    # leaving the lock (the last holder) removes the tiles directory and the lock file


def run(cfg: RunConfig, progress: bool | None = None, command: list[str] | None = None) -> Path:
    """Solve ``cfg``'s grid (or this job's tiles; or run its sensitivity analysis) and
    write the run directory.

    ``progress``: show a progress bar (None = only on a terminal). ``command``: the
    command line to record (default: this process's). Returns the run directory, or for
    a tile job whose siblings are not all done, the tiles directory.

    Raises ConfigError (before any work) if the run id is taken by a run of another
    config; returns a finished run of the same config as it is.
    """
    run_id = run_id_of(cfg)
    parent = _parent(cfg)
    tiled = (cfg.tiles.count > 1 and cfg.sensitivity is None and cfg.backtest is None and cfg.countries is None
             and cfg.discovery is None and cfg.history_matching is None)
    fixed = bool(cfg.run_id) or cfg.tiles.count > 1  # an id that names one config's run
    retain_freed_memory()  # chunks reuse their arrays instead of page-faulting them in again
    rundir.make_dirs(parent)
    if fixed and finished_run(parent / run_id, config_hash(cfg.resolved)) is not None:
        if tiled:
            run_tiles(cfg, run_id, progress, command)  # returns it, and tidies what a killed merge left
        remove_stale_partials(parent, run_id)
        return _already_done(parent / run_id)
    if tiled:
        return run_tiles(cfg, run_id, progress, command)
    remove_stale_partials(parent, run_id)  # of processes killed before this one
    if cfg.sensitivity is not None:
        out = run_sensitivity(cfg, run_id, command, unique=not fixed, progress=progress)
    elif cfg.backtest is not None:
        out = run_backtest(cfg, run_id, command, unique=not fixed)
    elif cfg.countries is not None:
        out = run_countries(cfg, run_id, command, unique=not fixed, progress=progress)
    elif cfg.discovery is not None:
        out = run_discovery(cfg, run_id, command, unique=not fixed, progress=progress)
    elif cfg.history_matching is not None:
        out = run_history_matching(cfg, run_id, command, unique=not fixed, progress=progress)
    else:
        started, t0 = _now(), time.perf_counter()
        with rundir.assembling(parent, run_id) as tmp:
            with table_writer(cfg, tmp) as writer:  # rows go to the file as they are solved
                runs = solve_into(cfg, 0, cfg.n_points, progress, cfg.name, writer.write)
            seal_table(cfg, tmp)
            out = finish(cfg, tmp, runs, run_id, started, unique=not fixed, command=command,
                         seconds={"solve": time.perf_counter() - t0})
    remove_stale_partials(parent, run_id)  # of processes killed while this one ran
    return out
