"""A solution concept added from this file alone is validated, run, tabled, drawn and
captioned: the registry is the only place the layers above the engine learn of concepts.

The toy concept is the utilitarian outcome: the leaf of the sequential game with the
largest weighted sum of payoffs (a social planner's choice, not an equilibrium). It has
one option, the weight of the United States, checked when its options are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli import app
from sim.cli.configdoc import reference
from sim.config import schema
from sim.config.validate import validate_run_config
from sim.engine.params import check_number, replace_values
from sim.engine.scenario import leaf_payoffs_batch_last
from sim.resources import CONF_DIR
from sim.runs.run import run
from sim.solvers.registry import SOLVERS, register, unregister
from sim.solvers.spec import Column, SolverSpec
from sim.store.columns import labels


@dataclass(frozen=True)
class PlannerOptions:
    """The planner's weight on the United States' payoff (1 = every actor counts alike)."""

    us_weight: float = field(default=1.0, metadata={"allowed": "`[0, 10]`",
                                                    "doc": "weight of the US payoff in the planner's sum"})

    def __post_init__(self):
        object.__setattr__(self, "us_weight", check_number("planner.us_weight", self.us_weight, 0, 10))


def solve_planner(sc, params, index, options: PlannerOptions, runs_sink):
    """Regime of the leaf with the largest weighted payoff sum, per point: (B,) labels."""
    pay = leaf_payoffs_batch_last(sc, params)  # (n_leaves, N, B)
    w = np.array([options.us_weight if a.name == "US" else 1.0 for a in sc.actors])
    leaf = np.einsum("lnb,n->lb", pay, w).argmax(axis=0)
    return {"planner_regime": labels(sc.sequential.regime[leaf], sc.regimes)}


PLANNER = SolverSpec(
    name="planner",
    title="Social planner: utilitarian outcome",
    short_title="Social planner",
    band_label="Planner",
    caption="the outcome a utilitarian planner would choose",
    solve=solve_planner,
    columns=(Column("planner_regime", "label", "regime of the outcome with the largest weighted payoff sum"),),
    options=PlannerOptions,
    regime_column="planner_regime",
)


@pytest.fixture
def planner():
    register(PLANNER)
    schema.register()
    yield PLANNER
    unregister(PLANNER.name)
    schema.register()


def composed(overrides):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


GRID = ["sweep.x.num=4", "sweep.y.num=3", "plot.formats=[png]"]


def test_the_toy_is_validated_by_hydra_and_the_validator(planner):
    assert app.precheck(["solvers=[spe,planner]", "planner.us_weight=2", *GRID]) is None
    assert app.precheck(["solvers=[spe,planner]", "planner.us_weight=11", *GRID]) == \
        "planner.us_weight=11.0 is out of range; allowed: [0, 10]"
    assert "did you mean 'planner'" in app.precheck(["solvers=[planer]", *GRID])
    assert "planner.us_weight" in reference() and "utilitarian planner" in reference()


def test_without_registration_the_toy_is_unknown():
    assert "planner" not in SOLVERS
    message = app.precheck(["solvers=[planner]", *GRID])
    assert message.startswith("solvers=['planner']: 'planner' is unknown")


def test_the_toy_is_run_tabled_drawn_and_captioned(planner, tmp_path):
    data = composed(["solvers=[spe,planner]", "planner.us_weight=3", *GRID, f"results_dir={tmp_path}", "run_id=toy"])
    cfg = validate_run_config(data)
    assert cfg.options_of("planner") == PlannerOptions(3.0)
    out = run(cfg, progress=False)
    table = pq.read_table(out / "equilibria.parquet").to_pandas()
    assert len(table) == 12 and set(table["planner_regime"]) <= set(cfg.scenario.regimes)
    # the column is what the concept computes: recompute each point on its own
    for _, row in table.iterrows():
        point = replace_values(cfg.game, {a.param: row[a.param] for a in cfg.axes})
        assert solve_planner(cfg.scenario, point, None, PlannerOptions(3.0), None)["planner_regime"][0].as_py() == \
            row["planner_regime"]
    assert table["planner_regime"].nunique() > 1  # the weight of 3 moves the planner across the grid
    png = out / "phase_diagram.png"
    assert png.stat().st_size > 10_000
    caption = (out / "phase_diagram.caption.txt").read_text()
    assert "the subgame-perfect equilibrium of the sequential game; the outcome a utilitarian planner" in caption
