"""Where the shipped Hydra configs live: one place for every module and test.

``CONF_DIR`` is the primary config directory (``config.yaml`` and the groups ``game/``,
``solver/``, ``dynamics/``, ``experiment/``, ``hydra/launcher/``); ``EXPERIMENTS_DIR``
holds the named experiments (the ``experiment/`` group).
"""

from __future__ import annotations

from pathlib import Path

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")
EXPERIMENTS_DIR = Path(CONF_DIR) / "experiment"


def experiment_names() -> list[str]:
    """The named experiments, sorted."""
    return sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))
