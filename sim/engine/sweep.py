"""Parameter grids (1-3 axes) solved in vectorised chunks into one tidy table.

A grid of axes with ``n_1 x ... x n_k`` values has ``n_1 * ... * n_k`` points, numbered
in C order (the last axis varies fastest). Chunks of ``chunk_size`` consecutive points
are solved as one batch, so memory is bounded by the chunk, not the grid, and the
result does not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.engine.params import ConfigError, batch, check_value, param_info
from sim.engine.scenario import Scenario

SPACES = ("linspace", "logspace", "list")
MAX_POINTS = 10_000_000


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its dotted name and its values (in its unit)."""

    param: str
    values: tuple[float, ...]


def axis_values(key: str, space: str, start=None, stop=None, num=None, values=None) -> tuple[float, ...]:
    """The values of one axis; ConfigError naming ``key`` if the spec is malformed.

    ``linspace``/``logspace`` take ``start``, ``stop`` (both > 0 for logspace; the
    values, not their logarithms) and an integer ``num >= 1``; ``list`` takes ``values``.
    """
    if space not in SPACES:
        raise ConfigError(f"{key}.space={space!r} is unknown; allowed: {', '.join(SPACES)}")
    if space == "list":
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ConfigError(f"{key}.values={values!r} must be a non-empty list of numbers")
        out = np.asarray(values, dtype=float)
    else:
        for name, v in (("start", start), ("stop", stop)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ConfigError(f"{key}.{name}={v!r} must be a finite number")
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise ConfigError(f"{key}.num={num!r} must be an integer >= 1")
        if num > 1 and not start < stop:
            raise ConfigError(f"{key}: start={start} must be < stop={stop}")
        if space == "linspace":
            out = np.linspace(start, stop, num)
        else:
            if start <= 0:
                raise ConfigError(f"{key}.start={start} must be > 0 for logspace")
            out = np.geomspace(start, stop, num)
    if not np.all(np.isfinite(out)):
        raise ConfigError(f"{key}: values must be finite")
    return tuple(float(x) for x in out)


def make_axis(key: str, params_cls, spec: Mapping) -> Axis:
    """Validate one axis spec (``param`` plus the :func:`axis_values` fields)."""
    allowed = {"param", "space", "start", "stop", "num", "values"}
    unknown = set(spec) - allowed
    if unknown:
        raise ConfigError(f"{key} has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    name = spec.get("param")
    if not isinstance(name, str):
        raise ConfigError(f"{key}.param must name a parameter, got {name!r}")
    info = param_info(params_cls, name)
    values = axis_values(
        key, spec.get("space", "linspace"), spec.get("start"), spec.get("stop"), spec.get("num"), spec.get("values")
    )
    for v in (min(values), max(values)):
        try:
            check_value(info, v)
        except ConfigError:
            raise ConfigError(
                f"{key}: {name} sweeps to {v}, outside its range [{info.low}, {info.high}] {info.unit}"
            ) from None
    return Axis(name, values)


def grid_size(axes: Sequence[Axis]) -> int:
    return int(np.prod([len(a.values) for a in axes], dtype=np.int64))


def grid_columns(axes: Sequence[Axis], start: int, stop: int) -> dict[str, np.ndarray]:
    """Swept values at grid points ``start..stop-1`` (C order), one column per axis."""
    shape = tuple(len(a.values) for a in axes)
    idx = np.unravel_index(np.arange(start, stop), shape)
    return {a.param: np.asarray(a.values)[i] for a, i in zip(axes, idx)}


def solve_chunk(sc: Scenario, base, axes: Sequence[Axis], solvers: Sequence[Callable], start: int, stop: int) -> dict:
    """Tidy columns for grid points ``start..stop-1``: swept values then solver outputs."""
    cols = grid_columns(axes, start, stop)
    params = batch(base, cols)
    index = np.arange(start, stop, dtype=np.int64)
    out = dict(cols)
    for solve in solvers:
        out.update(solve(sc, params, index))
    return out


def solve_grid(
    sc: Scenario,
    base,
    axes: Sequence[Axis],
    solvers: Sequence[Callable],
    chunk_size: int = 8192,
    progress: Callable[[int], None] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> pa.Table:
    """Solve grid points ``[start, stop)`` (default: all) in chunks; a row per point, C order."""
    return pa.concat_tables(list(iter_grid(sc, base, axes, solvers, chunk_size, progress, start, stop))).combine_chunks()


def iter_grid(
    sc: Scenario,
    base,
    axes: Sequence[Axis],
    solvers: Sequence[Callable],
    chunk_size: int = 8192,
    progress: Callable[[int], None] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[pa.Table]:
    """Solve grid points ``[start, stop)`` (default: all) a chunk at a time: yield a table
    of ``chunk_size`` rows (fewer for the last), so a caller that writes each one out holds
    one chunk, not the grid. ``progress(rows)`` is called after each chunk is consumed."""
    n = grid_size(axes) if stop is None else stop
    for lo in range(start, n, chunk_size):
        hi = min(n, lo + chunk_size)
        yield pa.table(solve_chunk(sc, base, axes, solvers, lo, hi))
        if progress is not None:
            progress(hi - lo)
