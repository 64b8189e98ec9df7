"""The Python API for notebooks: scenarios, points, results, sweeps, runs and multiruns.

::

    import sim
    sc = sim.load("iraq2020")                                  # Scenario, at its baseline
    r = sc.at(**{"iraq.nationalism": 3}).solve("spe")          # Result: .regime .path .payoffs .table()
    df = sc.sweep(x=("iraq.nationalism", 0, 6, 41),
                  y=("us.credibility", 0, 4, 21)).solve(["spe", "nash"])   # tidy DataFrame
    df.sim.plot()                                              # the phase diagram
    run = sim.open_run("results/<name>/<run-id>")              # .table .config .manifest .figures
    table = sim.open_multirun("results/multirun/<time>")       # every run of a multirun, one table

Everything goes through the same validation and solvers as ``python -m sim``; bad input
raises :class:`sim.engine.params.ConfigError` with one line naming what is wrong and what is
allowed. The reference is docs/api.md (``python -m sim.api.doc``), the tutorial
docs/tutorial-notebook.md.
"""

from sim.api import frame as _frame  # noqa: F401  (registers the DataFrame accessor ``df.sim``)
from sim.api.multirun import open_multirun, read_index
from sim.api.result import Result
from sim.api.run import Run, open_run
from sim.api.scenario import Point, Scenario, load
from sim.api.sweep import Sweep
from sim.engine.params import ConfigError

__all__ = ["load", "open_run", "open_multirun", "read_index", "Scenario", "Point", "Result", "Sweep", "Run",
           "ConfigError"]
