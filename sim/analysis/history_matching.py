"""Calibration by history matching: rejection ABC with the dynamic game as the simulator
(docs/how-to/calibrate-by-history-matching.md; ``python -m sim experiment=history_matching``).

* **Prior.** Every parameter of the scenario is uniform over its documented range
  (``scipy.stats.uniform``), and so is the US's cost of moving its troop level,
  :data:`~sim.config.history_matching.ADJUST_COST`, over [0, 5] $bn (the back-test's
  search range); ``history_matching.priors`` narrows any of them
  (:func:`sim.config.history_matching.resolve_priors`).
* **Draws.** Draw i is row ``i mod 65,536`` of block ``i // 65,536``, drawn from the
  stream ``SeedSequence(seed, spawn_key=(block,))`` (:func:`draw`); the draws, and so every
  output, are the same whatever the number of tiles or threads (tested: 1 and 4 tiles give
  the same bytes).
* **Simulator.** Each tile of draws is solved by :func:`sim.dynamic.fast.solve_mpe_fast`
  (the Markov perfect equilibrium, δ = ``discount``) over the record's quarters; the path
  starts from the record's posture before its first quarter (maintain, 5,200 troops in
  December 2019) and each quarter's leaf gives each actor's action.
* **Distance.** The number of (quarter, actor) cells of the fit quarters (up to
  ``split``; 4 x 4 = 16 by default) where the model's action is not in the record's set
  (:meth:`sim.history.record.Record.observed`). A draw is accepted when its distance is at
  most ``tolerance``. Every accepted draw has weight 1, so the effective sample size is
  the number accepted.

The outputs, as tables (:mod:`sim.analysis.history_matching_summary`): the accepted draws
(``posterior.parquet``) and the summaries (``history_matching.parquet``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from scipy import stats
from tqdm import tqdm

from sim.analysis.backtest import ACTOR_COLUMNS, scenario_calendar
from sim.config.history_matching import ADJUST_COST, HistoryMatchingOptions, Prior, fit_quarters, resolve_priors
from sim.dynamic.fast import solve_mpe_fast
from sim.dynamic.game import POSTURES
from sim.engine.params import ConfigError, batch
from sim.engine.scenario import Scenario
from sim.history.record import Record, load_record

BLOCK = 65_536  #: draws per seeded stream; fixed, so the draws do not depend on the tiling
CHUNK = 4096  #: draws solve_mpe_fast solves at once (its fastest here; results do not depend on it)
INITIAL_POSTURE = "maintain"  #: the US posture before 2020Q1: 5,200 troops in December 2019


# ----------------------------------------------------------------------------- draws


def draw(priors: tuple[Prior, ...], seed: int, start: int, stop: int) -> np.ndarray:
    """Draws ``[start, stop)`` from the priors, shape (D, B) (row j: ``priors[j]``'s values,
    in its unit; contiguous rows, as the solvers read them). Draw i is row ``i % BLOCK`` of
    block ``i // BLOCK``, drawn whole by ``scipy.stats.uniform(low, width).rvs`` from the
    stream ``SeedSequence(seed, spawn_key=(block,))``, so a draw never depends on which
    other draws are made (the tiling), and narrowing one prior moves only its own row."""
    low = np.array([p.low for p in priors])
    width = np.array([p.high - p.low for p in priors])
    parts = []
    for k in range(start // BLOCK, -(-stop // BLOCK)):
        gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        block = stats.uniform.rvs(loc=low, scale=width, size=(BLOCK, len(priors)), random_state=gen)
        parts.append(block[max(start - k * BLOCK, 0): stop - k * BLOCK])
    if not parts:
        return np.empty((len(priors), 0))
    return np.ascontiguousarray(np.concatenate(parts).T)


def game_params(sc: Scenario, priors: tuple[Prior, ...], X: np.ndarray):
    """(the scenario's parameter batch of the draws ``X`` (D, B), the US's adjustment cost (B,))."""
    names = [p.name for p in priors]
    cols = {name: X[j] for j, name in enumerate(names) if name != ADJUST_COST}
    return batch(sc.params_cls(), cols), X[names.index(ADJUST_COST)]


# ----------------------------------------------------------------------------- the record and the distance


@dataclass(frozen=True)
class Target:
    """The record as the distance reads it.

    Attributes
    ----------
    quarters : the record's T quarters. n_fit : how many of them are fitted (the first).
    actors : the scenario's N actors, in its order. allowed : per actor, (T, n_actions)
    bool, the actions the record allows each quarter. cells : per actor, the record's cell
    of each quarter (labels joined by ``|``).
    """

    quarters: tuple[str, ...]
    n_fit: int
    actors: tuple[str, ...]
    allowed: tuple[np.ndarray, ...]
    cells: tuple[tuple[str, ...], ...]

    @property
    def n_cells(self) -> int:
        """(quarter, actor) cells the distance counts."""
        return self.n_fit * len(self.actors)


def target(sc: Scenario, record: Record, opts: HistoryMatchingOptions) -> Target:
    """The :class:`Target` of ``record`` for ``sc``, fitted up to ``opts.split``."""
    n_fit = fit_quarters(opts, record.quarters)
    allowed, cells = [], []
    for actor in sc.actors:
        observed = record.observed(ACTOR_COLUMNS[actor.name])
        allowed.append(np.array([[a in cell for a in actor.actions] for cell in observed]))
        cells.append(tuple(record.columns[ACTOR_COLUMNS[actor.name]]))
    return Target(tuple(record.quarters), n_fit, tuple(a.name for a in sc.actors), tuple(allowed), tuple(cells))


def path_actions(sc: Scenario, priors: tuple[Prior, ...], X: np.ndarray, cal, opts: HistoryMatchingOptions) -> np.ndarray:
    """Each actor's action (index into its actions) each quarter on the MPE path of each
    draw ``X`` (D, B) from the record's initial posture: shape (T, N, B), int8."""
    params, adjust = game_params(sc, priors, X)
    mpe = solve_mpe_fast(sc, params, cal, discount=opts.discount, adjust_cost=adjust, chunk=CHUNK,
                         start_state=POSTURES.index(INITIAL_POSTURE), threads=opts.threads)
    return np.ascontiguousarray(sc.sequential.outcomes[mpe.path_leaf].astype(np.int8).transpose(0, 2, 1))


def matches(tg: Target, acts: np.ndarray) -> np.ndarray:
    """Whether each action of ``acts`` (T, N, B) is in the record's set: (T, N, B) bool."""
    t = np.arange(len(tg.quarters))[:, None]
    return np.stack([tg.allowed[j][t, acts[:, j]] for j in range(len(tg.actors))], axis=1)


def distance(tg: Target, match: np.ndarray) -> np.ndarray:
    """Cells of the fit quarters where the path misses the record, (B,) int8, from ``match`` (T, N, B)."""
    return (~match[: tg.n_fit]).sum(axis=(0, 1)).astype(np.int8)


# ----------------------------------------------------------------------------- tiles


@dataclass(frozen=True)
class Tile:
    """What a tile of draws leaves once solved: counts over all its draws, and its accepted draws.

    Attributes
    ----------
    hist : (cells + 1,) int64, draws at each distance. prior_match : (T, N + 1) int64,
    draws whose action matches the record, per quarter and actor, last column all actors.
    index : (a,) int64, the accepted draws' numbers. X : (D, a) their parameters.
    distance : (a,) int8. acts : (T, N, a) int8 their actions.
    """

    hist: np.ndarray
    prior_match: np.ndarray
    index: np.ndarray
    X: np.ndarray
    distance: np.ndarray
    acts: np.ndarray


def match_counts(match: np.ndarray) -> np.ndarray:
    """(T, N + 1) draws matching the record per quarter and actor (last: all actors) from (T, N, B)."""
    return np.concatenate([match.sum(axis=2), match.all(axis=1).sum(axis=1)[:, None]], axis=1).astype(np.int64)


def solve_tile(sc: Scenario, priors: tuple[Prior, ...], tg: Target, cal, opts: HistoryMatchingOptions,
               start: int, stop: int) -> Tile:
    """Draws ``[start, stop)``: drawn, solved, scored against the record, the accepted kept."""
    X = draw(priors, opts.seed, start, stop)
    acts = path_actions(sc, priors, X, cal, opts)
    match = matches(tg, acts)
    dist = distance(tg, match)
    keep = np.flatnonzero(dist <= opts.tolerance)
    return Tile(np.bincount(dist, minlength=tg.n_cells + 1).astype(np.int64), match_counts(match),
                keep.astype(np.int64) + start, np.ascontiguousarray(X[:, keep]), dist[keep],
                np.ascontiguousarray(acts[:, :, keep]))


def tile_range(n: int, count: int, k: int) -> tuple[int, int]:
    """Draws ``[start, stop)`` of tile ``k`` of ``count``: contiguous, sizes differing by at most 1."""
    return k * n // count, (k + 1) * n // count


@dataclass(frozen=True)
class ABC:
    """Rejection ABC done: the tiles' counts summed and their accepted draws in draw order.

    ``priors`` (D,), ``target``, ``n`` draws, ``hist`` (cells + 1,), ``prior_match``
    (T, N + 1), and the accepted draws' ``index`` (a,), ``X`` (D, a), ``distance`` (a,),
    ``acts`` (T, N, a)."""

    priors: tuple[Prior, ...]
    target: Target
    n: int
    tolerance: int
    hist: np.ndarray
    prior_match: np.ndarray
    index: np.ndarray
    X: np.ndarray
    distance: np.ndarray
    acts: np.ndarray

    @property
    def accepted(self) -> int:
        """Draws accepted; also the effective sample size (every weight is 1)."""
        return int(self.index.size)


def no_draw_accepted(hist: np.ndarray, tolerance: int, n: int) -> ConfigError:
    """The one-line error of a tolerance that accepts no draw: how many would pass at the
    nearest tolerances that accept some."""
    passing = np.cumsum(hist)
    first = int(np.flatnonzero(passing)[0])
    offers = ", ".join(f"tolerance={t} would accept {int(passing[t]):,} ({passing[t] / n:.3%})"
                       for t in range(first, min(first + 3, len(hist))))
    return ConfigError(f"history_matching.tolerance={tolerance} accepts none of the {n:,} draws (the nearest path "
                       f"misses the record in {first} cells): {offers}; raise history_matching.tolerance or n")


def run_abc(sc: Scenario, opts: HistoryMatchingOptions, progress: bool | None = None) -> ABC:
    """Rejection ABC of ``opts`` on ``sc``, tile by tile; ConfigError (one line, before
    anything is written) if the tolerance accepts no draw."""
    priors = resolve_priors(sc.params_cls, opts.priors)
    record = load_record(opts.record_path)
    tg = target(sc, record, opts)
    cal = scenario_calendar(sc, record.quarters[0], record.quarters[-1])
    tiles = []
    with tqdm(total=opts.n, unit="draw", desc="history matching", file=sys.stderr,
              disable=None if progress is None else not progress) as bar:
        for k in range(opts.tiles):
            start, stop = tile_range(opts.n, opts.tiles, k)
            tiles.append(solve_tile(sc, priors, tg, cal, opts, start, stop))
            bar.update(stop - start)
    hist = np.sum([t.hist for t in tiles], axis=0)
    if not hist[: opts.tolerance + 1].any():
        raise no_draw_accepted(hist, opts.tolerance, opts.n)
    return ABC(priors, tg, opts.n, opts.tolerance, hist, np.sum([t.prior_match for t in tiles], axis=0),
               np.concatenate([t.index for t in tiles]), np.concatenate([t.X for t in tiles], axis=1),
               np.concatenate([t.distance for t in tiles]), np.concatenate([t.acts for t in tiles], axis=2))
