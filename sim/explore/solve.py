"""What the solvers say at the explorer's point, and on its phase-diagram slice.

Every answer comes from the project's registered solvers on the vectorised engine
(:mod:`sim.solvers.spe`, :mod:`sim.solvers.qre`, :mod:`sim.solvers.bayes`), so the page
shows exactly what a run would write: the subgame-perfect regime at one point takes about
2 ms, the QRE and uncertain-resolve distributions 5-15 ms. The slice is a grid of
``n x n`` points over two parameters with every other parameter at the point's value;
it is cached on those other values, so moving the point along either axis only moves
the marker (a 100 x 100 slice takes about 0.1 s to solve).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.engine.params import ConfigError
from sim.engine.scenario import Scenario
from sim.engine.sweep import Axis, solve_grid
from sim.explore.state import AxisRange, check_axes, point
from sim.solvers.bayes import solve_bayes
from sim.solvers.qre import solve_qre
from sim.solvers.spe import solve_spe
from sim.store.columns import slug

#: Points per axis of the slice: 100 x 100 solves in about 0.1 s on one core.
SLICE_POINTS = 100
#: Slices kept (each n x n small integers): moving back to an earlier point is free.
SLICE_CACHE = 16


@dataclass(frozen=True)
class Answer:
    """The subgame-perfect equilibrium at one point.

    regime : the regime on the path (one of ``sc.regimes``).
    actions : ``(actor, action code)`` per actor on the path, in ``sc.actors`` order.
    payoffs : each actor's payoff on the path, in the scenario's unit ($bn/yr).
    tie : a tie between actions leading to different regimes decides the path (the
        tie-break of docs/model.md §5 picks the regime).
    """

    regime: str
    actions: tuple[tuple[str, str], ...]
    payoffs: tuple[float, ...]
    tie: bool


def _label(column) -> str:
    """The one label of a one-row dictionary column."""
    return str(column.dictionary[column.indices[0].as_py()])


def spe_at(sc: Scenario, params) -> Answer:
    """The subgame-perfect equilibrium of the sequential game at ``params`` (one point)."""
    cols = solve_spe(sc, params)
    actions = tuple((a.name, _label(cols[f"spe_{slug(a.name)}"])) for a in sc.actors)
    payoffs = tuple(float(cols[f"spe_payoff_{slug(a.name)}"][0]) for a in sc.actors)
    return Answer(_label(cols["spe_regime"]), actions, payoffs, bool(cols["spe_tie_regime"][0]))


def regime_at(sc: Scenario, values: Mapping[str, float]) -> str:
    """The subgame-perfect regime at the point the slider ``values`` set (dotted names)."""
    return spe_at(sc, point(sc, values)).regime


def qre_at(sc: Scenario, params, lam: float) -> np.ndarray:
    """Probability of each regime (``sc.regimes`` order, shape (R,)) under the sequential
    game's agent logit QRE at rationality ``lam`` (1/($bn/yr)), at one point."""
    cols = solve_qre(sc, params, lam=lam)
    return np.array([float(cols[f"qre_prob_{slug(r)}"][0]) for r in sc.regimes])


def bayes_at(sc: Scenario, params) -> np.ndarray | None:
    """Probability of each regime (shape (R,)) on the equilibrium path under uncertain
    resolve (nature draws the type with the scenario's prior), or None if the scenario
    declares no actor of uncertain type."""
    if sc.types is None:
        return None
    cols = solve_bayes(sc, params)
    return np.array([float(cols[f"bayes_prob_{slug(r)}"][0]) for r in sc.regimes])


@dataclass(frozen=True)
class Slice:
    """The subgame-perfect regime over a grid of two parameters.

    xs, ys : the swept values, shapes (n_x,), (n_y,), in each parameter's unit.
    codes : shape (n_y, n_x), index into ``sc.regimes`` at ``(xs[i], ys[j])`` in ``codes[j, i]``.
    """

    x: AxisRange
    y: AxisRange
    xs: np.ndarray
    ys: np.ndarray
    codes: np.ndarray


def solve_slice(sc: Scenario, values: Mapping[str, float], x: AxisRange, y: AxisRange,
                n: int = SLICE_POINTS) -> Slice:
    """Solve the slice (``n`` values on each axis, every other parameter at ``values``)."""
    check_axes(x, y)
    if not (isinstance(n, int) and 2 <= n <= 1000):
        raise ConfigError(f"slice points={n!r} must be an integer in [2, 1000]")
    xs, ys = np.linspace(x.start, x.stop, n), np.linspace(y.start, y.stop, n)
    axes = [Axis(x.param, tuple(float(v) for v in xs)), Axis(y.param, tuple(float(v) for v in ys))]
    table = solve_grid(sc, point(sc, values), axes, [lambda s, p, i: {"spe_regime": solve_spe(s, p, i)["spe_regime"]}])
    codes = table.column("spe_regime").combine_chunks().indices.to_numpy()
    return Slice(x, y, xs, ys, codes.reshape(n, n).T.copy())


class SliceCache:
    """Slices by (scenario, axes, points, every other parameter's value): a slider move
    along an axis of the slice finds its slice here. Safe to share between threads."""

    def __init__(self, size: int = SLICE_CACHE):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0

    @staticmethod
    def key(sc: Scenario, values: Mapping[str, float], x: AxisRange, y: AxisRange, n: int) -> tuple:
        """What a slice depends on: the scenario, its axes and points, every other value."""
        others = tuple(sorted((k, float(v)) for k, v in values.items() if k not in (x.param, y.param)))
        return sc.name, x, y, n, others

    def get(self, sc: Scenario, values: Mapping[str, float], x: AxisRange, y: AxisRange,
            n: int = SLICE_POINTS) -> Slice:
        """The slice for these values, solved once per key (the least recently used is dropped)."""
        k = self.key(sc, values, x, y, n)
        with self._lock:
            if k in self._items:
                self._items.move_to_end(k)
                return self._items[k]
        found = solve_slice(sc, values, x, y, n)
        with self._lock:
            self.misses += 1
            self._items[k] = found
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return found


#: The cache the app's sessions share (slices depend only on their key).
SLICES = SliceCache()
