"""The explorer's figures, drawn in a worker process so the page's server stays quick.

A panel's figure costs 0.2-1 s of Python (solving a slice, simulating agents, drawing with
matplotlib). Drawn in the server's own threads it would hold the interpreter lock while
the next slider move waits to be answered. Drawn here, in one worker process (started
with ``spawn``, run at a lower CPU priority, ended with the server), it leaves the server
to solve the regime line (about 2 ms) and send the page its update. Each job takes plain,
picklable inputs (the scenario's name and ``(name, value)`` pairs) and returns PNG bytes
(or None where a figure is not available); errors come back as the exception the job
raised. The worker keeps its own slice cache (:data:`sim.explore.solve.SLICES`).

:func:`run` waits for a job while watching the panel's cancel event: a panel whose inputs
change waits :data:`DEBOUNCE` seconds before submitting, so a slider dragged across its
range asks for one figure, not fifty."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable

from sim.abm.rules import RuleOptions
from sim.explore import panels
from sim.explore.agents import trajectory
from sim.explore.solve import SLICES, bayes_at, qre_at
from sim.explore.state import AxisRange, point
from sim.figures.abm_words import rule_name, runs_text
from sim.scenarios import get_scenario

DEBOUNCE = 0.15  #: seconds a panel waits for its inputs to stop changing before drawing
POLL = 0.05  #: seconds between looks at the cancel event while a job runs
NICE = 10  #: how much lower the worker's CPU priority is than the server's
JOB_TIMEOUT = 300.0  #: seconds after which a figure is given up (its worker died or hangs)

Pairs = tuple[tuple[str, float], ...]


class Cancelled(Exception):
    """The panel's inputs changed: its result is no longer wanted."""


# ----------------------------------------------------------------------------- the jobs (in the worker)


def warm_up() -> bool:
    """Import everything a job needs (run once at start, so the first figure is not late)."""
    return True


def slice_job(scenario: str, values: Pairs, x: AxisRange, y: AxisRange) -> bytes:
    """PNG of the phase-diagram slice with the point ``values`` starred."""
    sc, vals = get_scenario(scenario), dict(values)
    found = SLICES.get(sc, vals, x, y)
    return panels.slice_png(sc, found, vals[x.param], vals[y.param])


def distribution_job(scenario: str, pairs: Pairs, lam: float, prior_text: str) -> bytes:
    """PNG of the regime distributions under logit QRE (``lam``) and uncertain resolve."""
    sc = get_scenario(scenario)
    params = point(sc, dict(pairs))
    return panels.distribution_png(sc, qre_at(sc, params, lam), bayes_at(sc, params), lam, prior_text)


def trajectory_job(scenario: str, pairs: Pairs, rule: str, runs: int, steps: int) -> bytes:
    """PNG of adaptive play at the point (the simultaneous game)."""
    sc = get_scenario(scenario)
    frame = trajectory(scenario, dict(pairs), rule=rule, runs=runs, steps=steps)
    title = f"{rule_name(rule, RuleOptions().lam).capitalize()}, {runs_text(runs, steps)}"
    return panels.trajectory_png(sc, frame, title)


def tree_job(scenario: str, pairs: Pairs) -> bytes | None:
    """PNG of the game tree at the point, or None if the game-tree figure is not available."""
    sc = get_scenario(scenario)
    return panels.tree_png(sc, point(sc, dict(pairs)))


# ----------------------------------------------------------------------------- the pool (in the server)

_POOL = None
_POOL_LOCK = threading.Lock()


def _watch_parent(parent: int) -> None:
    """End this worker once the server that started it is gone (even killed outright)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _init_worker(parent: int) -> None:
    """In the worker: a lower CPU priority than the server's (on a busy machine the answer
    to a slider move goes first, the figures after), and a watch on the server."""
    if hasattr(os, "nice"):
        os.nice(NICE)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def pool():
    """The one worker process (a daemon, started with ``spawn`` on first use and warmed up)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            ctx = multiprocessing.get_context("spawn")
            _POOL = ctx.Pool(processes=1, initializer=_init_worker, initargs=(os.getpid(),))
            _POOL.apply_async(warm_up)
        return _POOL


def run(job: Callable, args: tuple, cancel: threading.Event | None = None, debounce: float = DEBOUNCE,
        timeout: float = JOB_TIMEOUT):
    """``job(*args)`` in the worker; the result (or the job's exception). Raises
    :class:`Cancelled` if ``cancel`` is set during the debounce or while the job runs, and
    TimeoutError if the worker has not answered in ``timeout`` seconds."""
    if cancel is not None and cancel.wait(debounce):
        raise Cancelled()
    pending = pool().apply_async(job, args)
    deadline = time.monotonic() + timeout
    while not pending.ready():
        if cancel is not None and cancel.is_set():
            raise Cancelled()  # the worker finishes it; the result is dropped
        if time.monotonic() > deadline:
            raise TimeoutError(f"the figure took more than {timeout:g} s")
        pending.wait(POLL)
    return pending.get()


def shutdown() -> None:
    """Stop the worker (the server calls this when it stops)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.terminate()
            _POOL.join()
            _POOL = None
