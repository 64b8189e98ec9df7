"""All pure Nash equilibria of the simultaneous variant, counted by regime."""

from __future__ import annotations

import numpy as np

from sim.engine.equilibrium import pure_nash_mask_batch_last, weak_equilibria_batch_last
from sim.engine.scenario import Scenario, normal_form_batch_last
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import Columns, regime_sets, slug


def solve_nash(sc: Scenario, params, index: np.ndarray | None = None) -> Columns:
    """All pure Nash equilibria of the simultaneous variant, counted by regime.

    Columns: ``nash_count`` (number of pure NE; 0 = none), ``nash_regimes`` (regimes of
    the pure NE, '|'-joined in regime order), ``nash_count_<regime>``, ``nash_weak``
    (some equilibrium rests on a tie: a player has another best reply there).
    """
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
