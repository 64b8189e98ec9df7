"""Shared set-up of the benchmark scripts (run as ``python benchmarks/<name>.py``, which
puts this directory on ``sys.path``)."""

from __future__ import annotations

import time

from sim.scenarios.iraq2020 import GameParams
from sim.engine.sweep import make_axis


def best_of(fn, repeat: int):
    """(fastest wall time in s of ``repeat`` calls of ``fn()``, the last call's result)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def default_axes(n: int):
    """The default experiment's axes at ``n`` points each (nationalism x US credibility)."""
    return [
        make_axis("sweep.x", GameParams, {"param": "iraq.nationalism", "start": 0, "stop": 20, "num": n}),
        make_axis("sweep.y", GameParams, {"param": "us.credibility", "start": 0, "stop": 6, "num": n}),
    ]
