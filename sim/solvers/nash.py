"""All pure Nash equilibria of the simultaneous variant, counted by regime."""

from __future__ import annotations

import numpy as np

from sim.engine.equilibrium import pure_nash_mask_batch_last, weak_equilibria_batch_last
from sim.engine.params import batch_size, take_points
from sim.engine.scenario import Scenario, normal_form_batch_last
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import Columns, regime_sets, slug


#: Games whose normal forms are built at once (648 profiles x 4 players x 8 B each for
#: Model 2: 2048 games = 42 MB, which stays in cache better than a whole chunk; measured on
#: the default 200 x 200 grid: 0.67-0.78 s at 2048 against 1.05-1.19 s at 8192).
BLOCK = 2048


def solve_nash(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """All pure Nash equilibria of the simultaneous variant, counted by regime.

    Columns: ``nash_count`` (number of pure NE; 0 = none), ``nash_regimes`` (regimes of
    the pure NE, '|'-joined in regime order), ``nash_count_<regime>``, ``nash_weak``
    (some equilibrium rests on a tie: a player has another best reply there). Solved in
    blocks of :data:`BLOCK` games (each game on its own: the blocks change no result).
    """
    n = batch_size(params)
    if n > BLOCK:
        parts = [_solve_block(sc, take_points(params, slice(s, s + BLOCK))) for s in range(0, n, BLOCK)]
        return {k: concat([part[k] for part in parts]) for k in parts[0]}
    return _solve_block(sc, params)


def _solve_block(sc: Scenario, params) -> Columns:
    form = sc.simultaneous
    payoffs = normal_form_batch_last(sc, params)
    full = pure_nash_mask_batch_last(payoffs)
    mask = full.reshape(len(form.regime), -1)
    counts = np.stack([mask[form.regime == k].sum(axis=0) for k in range(len(sc.regimes))], axis=1)  # (B, R)
    out: Columns = {"nash_count": counts.sum(axis=1), "nash_regimes": regime_sets(counts > 0, sc.regimes)}
    for k, name in enumerate(sc.regimes):
        out[f"nash_count_{slug(name)}"] = counts[:, k]
    out["nash_weak"] = weak_equilibria_batch_last(payoffs, full)
    return out


def concat(values: list):
    """Columns of consecutive blocks joined (numpy arrays or pyarrow arrays)."""
    if isinstance(values[0], np.ndarray):
        return np.concatenate(values)
    import pyarrow as pa

    return pa.concat_arrays(values)


SPEC = SolverSpec(
    name="nash",
    title="Simultaneous game: pure Nash equilibria",
    short_title="Simultaneous game",
    band_label="Simultaneous\n(pure NE)",
    caption="the pure Nash equilibria of the simultaneous game (hatched: several; grey: none)",
    solve=lambda sc, params, index, options, runs_sink: solve_nash(sc, params, index),
    columns=(
        Column("nash_count", "int64", "number of pure Nash equilibria (0: none)"),
        Column("nash_regimes", "label", "regimes of the pure NE, '|'-joined in regime order"),
        Column("nash_count_{regime}", "int64", "pure NE in that regime"),
        Column("nash_weak", "bool", "some pure NE is weak: a player has another best reply there (a tie)"),
    ),
    regime_column="nash_regimes",
    several=True,
)
