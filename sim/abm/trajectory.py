"""Step-by-step records of adaptive play at one parameter point, as tidy tables.

:func:`record` runs the Mesa model at one point with ``replicates`` runs and turns its
``DataCollector`` into ``trajectory.parquet`` (one row per step x actor x action:
``share`` of runs playing it) and ``trajectory_stats.parquet`` (one row per step:
``share_at_nash``, ``mean_nash_conv``). Schema metadata ``sim`` holds the rule (and its
rationality ``lam``), the runs and steps, the shocks, the exact pure Nash equilibria at
the point (action labels), so a figure can mark them without solving, and when play
stopped changing (``settled_by``: the last step at which any run changed its profile;
``settle_window``), so a figure can show the steps that matter.

In the sequential game (``game: sequential`` in the metadata) an actor's share is that of
the runs whose current path has the action, ``share_at_nash`` the share of runs whose
strategies are subgame perfect, and ``pure_nash`` holds the one subgame-perfect path
(:func:`sim.engine.tree.backward_induction_batch_last`, ties to the first action).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.abm.solver import AbmOptions, simulate
from sim.engine.equilibrium import pure_nash_equilibria
from sim.engine.tree import backward_induction_batch_last
from sim.store.rundir import TRAJECTORY, TRAJECTORY_STATS, atomic_path
from sim.engine.scenario import Scenario, leaf_payoffs_batch_last, normal_form

SHARES = TRAJECTORY
STATS = TRAJECTORY_STATS
BASELINE_INDEX = 2**62  # stream key index of the recorded point, outside any grid


def record(sc: Scenario, params, options: AbmOptions, replicates: int) -> tuple[pa.Table, pa.Table]:
    """Simulate ``replicates`` runs at ``params`` (one point) and tabulate every step."""
    opts = AbmOptions(**{**options.__dict__, "replicates": replicates})
    model = simulate(sc, params, np.array([BASELINE_INDEX]), opts, collect=True)
    agents = model.datacollector.get_agent_vars_dataframe().reset_index()
    rows = {"step": [], "actor": [], "action": [], "share": []}
    levers = {a.role: a.levers for a in model.actors}
    for step, role, shares in zip(agents["Step"], agents["role"], agents["action_shares"]):
        for action, share in zip(levers[role], shares):
            rows["step"].append(int(step))
            rows["actor"].append(role)
            rows["action"].append(action)
            rows["share"].append(float(share))
    stats = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    nash = exact_profiles(sc, params, opts.game)
    meta = json.dumps({"game": opts.game, "rule": opts.rule, "lam": float(opts.rule_options.lam), "replicates": replicates,
                       "steps": opts.steps, "players": list(sc.players), "pure_nash": nash,
                       "shocks": [{"step": s.step, "set": dict(s.values)} for s in opts.shocks],
                       "settled_by": int(model.last_change.max()), "settle_window": opts.settle_window},
                      sort_keys=True)
    shares_table = pa.table(rows).replace_schema_metadata({b"sim": meta.encode()})
    stats_table = pa.table({
        "step": np.arange(len(stats), dtype=np.int64),
        "share_at_nash": stats["share_at_nash"].to_numpy(dtype=float),
        "mean_nash_conv": stats["mean_nash_conv"].to_numpy(dtype=float),
    }).replace_schema_metadata({b"sim": meta.encode()})
    return shares_table, stats_table


def exact_profiles(sc: Scenario, params, game: str) -> list[list[str]]:
    """Action labels of the exact pure Nash equilibria at ``params`` (one point), or in the
    sequential game of its subgame-perfect path."""
    if game == "sequential":
        form = sc.sequential
        leaf = int(backward_induction_batch_last(form.tree, leaf_payoffs_batch_last(sc, params)).path_leaf[0])
        return [[a.actions[form.outcomes[leaf, j]] for j, a in enumerate(sc.actors)]]
    return [[sc.actors[i].actions[a] for i, a in enumerate(e)] for e in pure_nash_equilibria(normal_form(sc, params)[0])]


def write(tables: tuple[pa.Table, pa.Table], directory: Path) -> list[Path]:
    """Write :func:`record`'s tables to ``directory``, each atomically; return their paths."""
    paths = [Path(directory) / SHARES, Path(directory) / STATS]
    for t, p in zip(tables, paths):
        with atomic_path(p) as tmp:
            pq.write_table(t, tmp, compression="zstd")
    return paths
