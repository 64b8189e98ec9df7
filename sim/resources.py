"""Where the shipped Hydra configs live: one place for every module and test.

``CONF_DIR`` is the primary config directory (``config.yaml`` and the groups ``game/``,
``solver/``, ``dynamics/``, ``experiment/``, ``hydra/launcher/``), an absolute path string
as Hydra's ``config_path`` and ``initialize_config_dir`` want; ``EXPERIMENTS_DIR`` holds
the named experiments (the ``experiment/`` group).

The configs are edited in the repository's top-level ``conf/`` and ``experiments/``
(``conf/experiment`` links to ``experiments/``). An installed wheel carries a copy of
them as the package data ``sim/conf`` (pyproject.toml); a source checkout or an editable
install has no ``sim/conf`` and reads the repository's ``conf/``.
"""

from __future__ import annotations

from pathlib import Path


def _conf_dir() -> Path:
    # a wheel is always unpacked on install, so the package data is a real directory,
    # which Hydra needs (importlib.resources would add nothing here)
    here = Path(__file__).resolve().parent
    packaged = here / "conf"
    return packaged if (packaged / "config.yaml").is_file() else here.parent / "conf"


CONF_DIR = str(_conf_dir())
EXPERIMENTS_DIR = Path(CONF_DIR) / "experiment"


def experiment_names() -> list[str]:
    """The named experiments, sorted."""
    return sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))
