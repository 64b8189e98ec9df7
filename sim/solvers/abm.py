"""Adaptive play by Mesa agents (:mod:`sim.abm`) of the simultaneous or the sequential game
(``abm.game``), as a concept: selection frequencies per grid point, a table of runs and,
at the baseline, trajectories. Mesa is imported only when a run simulates."""

from __future__ import annotations


from sim.abm.options import AbmOptions
from sim.engine.scenario import Scenario
from sim.solvers.spec import Column, SolverSpec


def _solve(sc: Scenario, params, index, options: AbmOptions, runs_sink):
    from sim.abm.solver import solve_abm  # Mesa costs about a second to import

    return solve_abm(sc, params, index, options, runs_sink=runs_sink)


SPEC = SolverSpec(
    name="abm",
    title="Adaptive play (agent-based): most often selected regime",
    short_title="Adaptive play",
    band_label="Adaptive\nplay",
    caption="adaptive play by Mesa agents (abm.game: the simultaneous or the sequential game)",
    note=lambda o: (f"The agents played the {o.game} game"
                    + ("; each learns a pure action at every node it owns, and a run has settled when its "
                       "strategies are subgame perfect and unchanged." if o.game == "sequential" else ".")),
    solve=_solve,
    columns=(
        Column("abm_freq_{regime}", "float64", "share of runs whose long-run play is mostly in the regime"),
        Column("abm_modal_regime", "label", "the regime selected most often"),
        Column("abm_settled_share", "float64", "share of runs that settled on a pure Nash equilibrium"),
        Column("abm_final_ne_share", "float64", "share of runs whose final profile is a pure NE"),
        Column("abm_mean_settle_step", "float64", "mean step from which settled runs stayed put (NaN if none)"),
    ),
    options=AbmOptions,
)
