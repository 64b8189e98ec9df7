"""sim: a game-theoretic and agent-based simulator of the US-Russia-Iran-Iraq contest.

The notebook API (:mod:`sim.api`) is reached from here, imported on first use so that
``import sim`` stays light::

    import sim
    sim.load("iraq2020").at(**{"iraq.nationalism": 3}).solve("spe")
    sim.open_run(RUN_DIR)
    sim.open_multirun(SWEEP_DIR)
"""

from sim._version import __version__, version_line

__all__ = ["__version__", "version_line", "load", "open_run", "open_multirun"]

_API = ("load", "open_run", "open_multirun")


def __getattr__(name: str):
    """``sim.load``, ``sim.open_run``, ``sim.open_multirun``: :mod:`sim.api`, imported on first use."""
    if name in _API:
        import sim.api

        return getattr(sim.api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
