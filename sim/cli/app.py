"""Hydra entry point: ``sim [options] [overrides]`` or ``python -m sim [options] [overrides]``.

A thin wrapper: Hydra composes ``conf/`` on the schema of :mod:`sim.config.schema`
(types, enums and keys checked as it composes); the composed config becomes plain data, is
validated by :func:`sim.config.validate.validate_run_config` before any work, and
:func:`sim.runs.run.run` does the work. User errors print one line and exit with status 2.

Before Hydra starts, :func:`prepare` reads the command line itself: Hydra's options may
come in any order among the ``key=value`` overrides (Hydra's own parser wants them
first), and the config is composed exactly as Hydra will compose it (the same search
path, ``--config-dir``, ``--config-path`` and ``--config-name`` included) and validated —
for a multirun, every swept value. Any bad input stops there with one line naming the
key and what to type instead (docs/errors.md).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.args import cli_errors  # bad input: exit 2; TileFailed, OSError: exit 1 (one line each)
from sim.cli.argv import CommandLine, NO_CHECK, parse_command_line
from sim.cli.hydra_errors import (composition_error, compose as compose_config, documented_keys, group_options,
                                  malformed, one_line, plain, with_value, bad_value)
from sim.config import schema
from sim.config.schema import MAX_TILES
from sim.config.validate import validate_run_config
from sim.engine.params import ConfigError
from sim.resources import CONF_DIR
from sim.runs.run import TileFailed


def run_from_config(cfg: DictConfig) -> Path:
    """Validate then run; returns the run directory."""
    from sim.runs.run import run

    data = plain(cfg)
    hydra_cfg = HydraConfig.get()
    if not Path(data.get("results_dir", "results")).is_absolute():
        # workers of remote launchers (Ray, SLURM) start elsewhere: anchor to the launch dir
        data["results_dir"] = str(Path(hydra_cfg.runtime.cwd) / data.get("results_dir", "results"))
    spec = validate_run_config(data)
    out = run(spec, command=["python", "-m", "sim", *hydra_cfg.overrides.task])
    print(out)
    return out


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN  # failures raised: the launcher records them
    with cli_errors("sim", failures=(TileFailed,), reraise=multirun):
        return run_from_config(cfg)


# --- Composing as Hydra will -----------------------------------------------------------


@contextmanager
def hydra_for(cl: CommandLine) -> Iterator:
    """A Hydra instance with the search path ``sim`` would use for this command line
    (as hydra/_internal/utils.py ``_run_hydra`` builds it: the app's config path, or
    ``--config-path``; ``--config-dir`` prepended before the structured configs)."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import (create_automatic_config_search_path,
                                       detect_calling_file_or_module_from_task_function)
    from hydra.core.config_search_path import SearchPathQuery
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

    config_path = cl.options.get("--config-path", CONF_DIR)
    search_path = create_automatic_config_search_path(
        *detect_calling_file_or_module_from_task_function(_hydra_main), config_path)
    if "--config-dir" in cl.options:
        path = os.path.abspath(cl.options["--config-dir"])
        if not os.path.isdir(path):
            raise ConfigError(f"--config-dir {cl.options['--config-dir']}: no such directory")
        search_path.prepend("command-line", f"file://{path}", anchor=SearchPathQuery(provider="schema"))
    schema.register()  # the registries as they are now (a solver registered since import counts)
    saved = get_gh_backup()
    try:
        try:
            h = Hydra.create_main_hydra2(task_name="app", config_search_path=search_path)
            h.config_loader.ensure_main_config_source_available()
        except Exception as exc:  # noqa: BLE001 (a --config-path that is not there)
            raise ConfigError(f"--config-path {config_path}: {str(exc).splitlines()[0]}") from None
        yield h
    finally:
        restore_gh_from_backup(saved)


# --- One line per bad input ------------------------------------------------------------


def _sweep_length(o) -> int:
    """Values of a discrete sweep override, without listing a range."""
    from hydra.core.override_parser.types import RangeSweep

    value = o.value()
    if isinstance(value, RangeSweep):
        if value.step == 0:
            _raise(f"'{o.input_line}': a range needs a step other than 0")
        return max(0, math.ceil((value.stop - value.start) / value.step))
    return len(list(o.sweep_iterator()))


def _parse(lines: list[str], keys: list[str]):
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser, parsed = OverridesParser.create(), []
    for line in lines:
        try:
            parsed.append(parser.parse_override(line))
        except HydraException as exc:  # OverrideParseException, or a lexer error
            raise ConfigError(malformed(line, exc, keys)) from None
    return parsed


def _group_value(h, o) -> str | None:
    """For ``group=null``: one line naming the group's options."""
    key = o.key_or_group
    if o.value() is not None or o.is_delete() or not h.config_loader.repository.group_exists(key):
        return None
    options = group_options(h, key)
    return f"{key}=null: {key} is a config group, choose one of its options: {', '.join(options)}"


def _check_sweeps(parsed, multirun: bool) -> list:
    """The sweep overrides, refused unless ``-m`` and discrete."""
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        _raise(f"'{sweeps[0].input_line}' is a sweep; add -m (--multirun) to sweep it, "
               "or quote or bracket the value")
    for o in sweeps:
        if not o.is_discrete_sweep():
            _raise(f"'{o.input_line}' is an interval sweep, which needs a sweeper plugin (Optuna, Nevergrad); "
                   "the basic sweeper takes lists a,b,c and range(start,stop)")
    return sweeps


def _check_jobs(h, parsed, sweeps) -> None:
    """Each group override names an option; the multirun has 1 to MAX_TILES jobs."""
    for o in parsed:
        o.config_loader = h.config_loader  # glob(...) sweeps list the group's options
        error = _group_value(h, o)
        if error:
            _raise(error)
    jobs = math.prod(_sweep_length(o) for o in sweeps)
    if jobs > MAX_TILES:
        _raise(f"the multirun has {jobs} jobs, more than {MAX_TILES}; sweep fewer values")
    if jobs == 0:
        _raise(f"'{next(o.input_line for o in sweeps if _sweep_length(o) == 0)}' sweeps no value")


def _line(o, value) -> str:
    from hydra.core.override_parser.types import Override

    return f"{o.get_key_element()}={Override._get_value_element_as_str(value)}"


def _check_swept_values(h, parsed, first: list[str], cfg: DictConfig, compose) -> None:
    """Validate every value of every sweep (the first is in ``cfg`` already)."""
    from omegaconf.errors import OmegaConfBaseException

    data = plain(cfg)
    for k, o in enumerate(parsed):
        if not o.is_sweep_override() or o.get_key_element().startswith(("hydra", "+", "~")):
            continue
        key = o.get_key_element()
        for v in list(o.sweep_iterator())[1:]:
            if h.config_loader.repository.group_exists(key):  # a config group: compose that choice
                alt = plain(compose(first[:k] + [_line(o, v)] + first[k + 1:]))
            elif key.startswith("game."):  # a typed value: convert it as Hydra would
                typed = cfg.copy()
                try:
                    OmegaConf.update(typed, key, v, merge=False)
                except OmegaConfBaseException as exc:
                    _raise(bad_value(key, _line(o, v), exc))
                alt = plain(typed)
            else:  # set it in the plain data (OmegaConf's copy costs 2 ms, a job of 10^4 is 20 s)
                alt = with_value(data, key.split("."), v)
            validate_run_config(alt)


def check(cl: CommandLine) -> list[str]:
    """Compose and validate what ``cl`` asks for; returns the overrides to give Hydra, or
    raises ConfigError with one line."""
    from omegaconf.errors import OmegaConfBaseException

    keys = documented_keys()
    overrides = list(cl.overrides)
    parsed = _parse(overrides, keys)
    sweeps = _check_sweeps(parsed, "--multirun" in cl.options)
    with hydra_for(cl) as h:
        groups = [g for g in h.config_loader.list_groups("") if g != "hydra"]
        _check_jobs(h, parsed, sweeps)

        def compose(lines: list[str]) -> DictConfig:
            try:
                return compose_config(h, cl, lines)
            except Exception as exc:  # noqa: BLE001 (Hydra, OmegaConf, YAML, ValueError: all one line)
                _raise(composition_error(exc, h, cl, lines, keys, groups))

        first = [_line(o, next(iter(o.sweep_iterator()))) if o.is_sweep_override() else o.input_line
                 for o in parsed]
        cfg = compose(first)
        if "--cfg" in cl.options:  # show the config as composed, valid or not
            return overrides
        try:
            validate_run_config(plain(cfg))
            _check_swept_values(h, parsed, first, cfg, compose)
        except OmegaConfBaseException as exc:
            _raise(one_line(exc))
    return overrides


def _raise(message: str):
    raise ConfigError(message)


def prepare(argv: list[str]) -> list[str]:
    """The arguments to give Hydra for ``argv``, checked; ConfigError (one line) if bad."""
    cl = parse_command_line(argv)
    if any(o in cl.options for o in NO_CHECK):
        return cl.hydra_argv()
    return cl.hydra_argv(check(cl))


def precheck(argv: list[str]) -> str | None:
    """The one-line error for ``argv``, or None if it is good to run."""
    try:
        prepare(argv)
    except ConfigError as exc:
        return str(exc)
    return None


#: ``sim <name> ...``: subcommands that are not Hydra runs, each ``module:function(argv)``.
SUBCOMMANDS = {
    "export": "sim.cli.export",
    "explore": "sim.cli.explore",
}


def subcommand(argv: list[str]):
    """The ``main(argv)`` of the subcommand ``argv[0]`` names, or None for a Hydra run."""
    if not argv or argv[0] not in SUBCOMMANDS:
        return None
    import importlib

    return importlib.import_module(SUBCOMMANDS[argv[0]]).main


def main() -> None:
    """Console-script entry point: a subcommand (:data:`SUBCOMMANDS`), or one-line errors
    for bad input, then Hydra."""
    argv = sys.argv[1:]
    command = subcommand(argv)
    if command is not None:
        sys.exit(command(argv[1:]))
    if "--version" in argv or "-V" in argv:  # sim --version: before anything else
        from sim import version_line

        print(version_line())
        sys.exit(0)
    try:
        hydra_argv = prepare(argv)
    except ConfigError as exc:
        print(f"sim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [sys.argv[0], *hydra_argv]
    _hydra_main()


if __name__ == "__main__":
    main()
