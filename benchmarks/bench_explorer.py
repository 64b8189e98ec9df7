"""Benchmark: the explorer's answer to a slider move, measured in a real browser.

Run: ``python benchmarks/bench_explorer.py [--moves 20] [--pause 0.5]`` (needs Debian's
``chromium`` and ``pip install -e ".[test]"``; see docs/explorer.md).

Starts ``python -m sim.explore`` on a free port of 127.0.0.1, opens the page in headless
Chromium (Playwright) and clicks a slider's track ``--moves`` times, alternating between
two values whose subgame-perfect regimes differ (found with the engine, away from any
boundary), ``--pause`` seconds apart (the panels are still being redrawn, as when a user
moves on). Latency = from the ``mousedown`` to the change of the regime line, both
time-stamped inside the page (``performance.now()``). Two sliders: one on an axis of the
default slice (``iraq.nationalism``: the cached slice, only the point moves) and one off
it (``iran.pressure_cost``: the slice is solved again). Target: <= 200 ms
(issue 18). Named baseline, measured in the same run: the engine's subgame-perfect solve
of one point alone, in this process (best of 20).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _common import best_of

from sim.explore import browser as B
from sim.explore.solve import regime_at, spe_at
from sim.explore.state import defaults, group_title, point, sliders
from sim.scenarios import get_scenario

TARGET_MS = 200.0
MOVES = (("iraq.nationalism", "on the slice's x axis"), ("iran.pressure_cost", "off the slice's axes"))


def robust_pair(sc, name: str) -> tuple[tuple[float, str], tuple[float, str]]:
    """Two track fractions (and their regimes) of parameter ``name`` whose regimes differ,
    each with the same regime 2 % of the range either side (a click lands near, not on, it)."""
    s, base = sliders(sc)[name], defaults(sc)

    def regime(f: float) -> str:
        return regime_at(sc, {**base, name: s.low + f * (s.high - s.low)})

    robust = [(f, regime(f)) for f in np.linspace(0.05, 0.95, 19)
              if regime(f - 0.02) == regime(f) == regime(f + 0.02)]
    first = robust[0]
    other = next((p for p in robust if p[1] != first[1]), None)
    if other is None:
        raise SystemExit(f"{name}: one regime over its whole range at the defaults; pick another slider")
    return first, other


def run_moves(page, sc, name: str, moves: int, pause: float) -> list[float]:
    """Latencies (ms) of ``moves`` clicks alternating between :func:`robust_pair`'s values."""
    s = sliders(sc)[name]
    pair = robust_pair(sc, name)
    B.open_group(page, group_title(sc, name.partition(".")[0]))
    if page.locator(".sim-regime").inner_text() == f"Regime: {pair[0][1]}":
        pair = (pair[1], pair[0])  # the first move must change the regime too
    out = []
    for k in range(moves):
        fraction, regime = pair[k % 2]
        B.click_at(page, s.label, fraction)
        B.wait_for_regime(page, regime)
        latency = B.probe_latency(page)
        if latency is None:
            raise SystemExit("the regime line changed before the move was recorded")
        out.append(latency)
        time.sleep(pause)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=20, help="slider moves per slider")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between moves")
    args = ap.parse_args()
    if B.missing():
        raise SystemExit(f"cannot run: {B.missing()}")
    sc = get_scenario("iraq2020")
    engine_ms = 1000 * best_of(lambda: spe_at(sc, point(sc, defaults(sc))), 20)[0]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (1 min)")
    print(f"baseline: engine alone, subgame-perfect regime at one point: {engine_ms:.1f} ms")
    every = []
    with B.served() as url, B.browser() as page:
        B.open_explorer(page, url)
        B.wait_settled(page)
        B.install_probe(page)
        for name, where in MOVES:
            lat = run_moves(page, sc, name, args.moves, args.pause)
            every += lat
            print(f"{name} ({where}), {len(lat)} moves: median {statistics.median(lat):.0f} ms, "
                  f"max {max(lat):.0f} ms  (median / engine alone = {statistics.median(lat) / engine_ms:.0f}x)")
            print("  each (ms): " + " ".join(f"{x:.0f}" for x in lat))
    med, top = statistics.median(every), max(every)
    verdict = "meets" if top <= TARGET_MS else ("median meets" if med <= TARGET_MS else "misses")
    print(f"all {len(every)} moves: median {med:.0f} ms, max {top:.0f} ms; target <= {TARGET_MS:.0f} ms: {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
