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
from sim.run import TileFailed
from sim.table import ResultsError

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")


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
    spec = parse_run_config(data)
    out = run(spec)
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
    except TileFailed as exc:
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            raise  # let the launcher record the failure and run the other tile jobs
        print(f"sim: error: {exc}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    """Console-script entry point."""
    _hydra_main()


if __name__ == "__main__":
    main()
