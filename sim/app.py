"""Hydra entry point: ``sim [overrides]`` or ``python -m sim [overrides]``.

A thin wrapper: Hydra composes ``conf/``; the composed config becomes plain data, is
validated by :func:`sim.config.parse_run_config` before any work, and
:func:`sim.run.run` does the work. User errors print one line and exit with status 2.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.config import parse_run_config
from sim.params import ConfigError
from sim.registry import SCENARIOS
from sim.resources import CONF_DIR
from sim.run import TileFailed
from sim.table import ResultsError



def mutable_schema(cls: type) -> type:
    """A non-frozen twin of a frozen parameter dataclass (OmegaConf makes frozen
    dataclasses read-only, so YAML could not set them); nested groups are converted too."""
    fields = []
    for f in dataclasses.fields(cls):
        if "unit" in f.metadata:
            fields.append((f.name, float, dataclasses.field(default=f.default)))
        else:
            sub = mutable_schema(f.default_factory)
            fields.append((f.name, sub, dataclasses.field(default_factory=sub)))
    return dataclasses.make_dataclass(cls.__name__, fields)


def register_configs() -> None:
    """Register each scenario's parameters as the typed schema of the ``game/`` group."""
    cs = ConfigStore.instance()
    for name, sc in SCENARIOS.items():
        cs.store(group="game", name=f"{name}_schema", node=mutable_schema(sc.params_cls))


def run_from_config(cfg: DictConfig) -> Path:
    """Validate then run; returns the run directory."""
    from sim.run import run

    data = OmegaConf.to_container(cfg, resolve=True)
    hydra_cfg = HydraConfig.get()
    if not Path(data.get("results_dir", "results")).is_absolute():
        # workers of remote launchers (Ray, SLURM) start elsewhere: anchor to the launch dir
        data["results_dir"] = str(Path(hydra_cfg.runtime.cwd) / data.get("results_dir", "results"))
    spec = parse_run_config(data)
    out = run(spec, command=["python", "-m", "sim", *hydra_cfg.overrides.task])
    print(out)
    return out


register_configs()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        run_from_config(cfg)
    except (ConfigError, ResultsError) as exc:
        print(f"sim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (TileFailed, OSError) as exc:
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            raise  # let the launcher record the failure and run the other jobs
        what = "cannot write results: " if isinstance(exc, OSError) else ""
        print(f"sim: error: {what}{exc}", file=sys.stderr)
        sys.exit(1)


_VALUE_FLAGS = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
                "--config-dir", "-cd", "--info", "-i", "--shell-completion", "-sc", "--experimental-rerun"}
_INFO_FLAGS = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i", "--shell-completion",
               "-sc", "--experimental-rerun", "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd"}


def _overrides(argv: list[str]) -> list[str] | None:
    """The override arguments, or None when a Hydra flag asks for something else."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _INFO_FLAGS:
            return None
        elif arg.startswith("-"):
            skip = arg in _VALUE_FLAGS
        else:
            out.append(arg)
    return out


def _one_line(exc: Exception) -> str:
    """A Hydra/OmegaConf error as one line naming the key."""
    from hydra.errors import MissingConfigException, OverrideParseException

    if isinstance(exc, OverrideParseException):
        lines = str(exc).splitlines()
        return f"malformed override: {lines[0].removeprefix('Error parsing override ')}" + (
            f" ({lines[1]})" if len(lines) > 1 and not lines[1].startswith("See ") else "")
    if isinstance(exc, MissingConfigException):
        text = str(exc)
        head = text.splitlines()[0].removeprefix("In 'config': ")
        listing = text.split("Available options", 1)[-1].split("Config search path", 1)[0]
        options = [ln.strip() for ln in listing.splitlines()[1:] if ln.startswith("\t")] \
            if "Available options" in text else []
        return head + (f"; available: {', '.join(options)}" if options else "")
    for e in (exc, exc.__cause__):
        if e is not None and getattr(e, "full_key", None):
            return f"{e.full_key}: {str(e).splitlines()[0]}"
    return str(exc).splitlines()[0]


def precheck(argv: list[str]) -> str | None:
    """Compose and validate the config the command line asks for, before Hydra runs.

    Returns a one-line error, or None. For a multirun, every value of each swept
    override is checked with the other overrides at their first value.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Override
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    args = _overrides(argv)
    if args is None:
        return None
    try:
        parsed = OverridesParser.create().parse_overrides(args)
        if any(o.is_sweep_override() for o in parsed) and not {"-m", "--multirun"} & set(argv):
            swept = next(o.input_line for o in parsed if o.is_sweep_override())
            return f"'{swept}' is a sweep; add -m (--multirun) to sweep it, or quote or bracket the value"
        def line(o, value):
            return f"{o.get_key_element()}={Override._get_value_element_as_str(value)}"

        first = [line(o, next(iter(o.sweep_iterator()))) if o.is_sweep_override() else o.input_line
                 for o in parsed]
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            cfg = compose("config", overrides=first)
            parse_run_config(OmegaConf.to_container(cfg, resolve=True))
            for k, o in enumerate(parsed):
                if not o.is_sweep_override() or o.get_key_element().startswith(("hydra", "+", "~")):
                    continue
                key = o.get_key_element()
                for v in list(o.sweep_iterator())[1:]:
                    if (Path(CONF_DIR) / key).is_dir():  # a config group: compose that choice
                        alt = compose("config", overrides=first[:k] + [line(o, v)] + first[k + 1:])
                    else:  # a value: set it in the composed config (typed, as Hydra would)
                        alt = cfg.copy()
                        OmegaConf.update(alt, key, v, merge=False)
                    parse_run_config(OmegaConf.to_container(alt, resolve=True))
    except (HydraException, OmegaConfBaseException) as exc:
        return _one_line(exc)
    except ConfigError as exc:
        return str(exc)
    return None


def main() -> None:
    """Console-script entry point: one-line errors for bad input, then Hydra."""
    error = precheck(sys.argv[1:])
    if error is not None:
        print(f"sim: error: {error}", file=sys.stderr)
        sys.exit(2)
    _hydra_main()


if __name__ == "__main__":
    main()
