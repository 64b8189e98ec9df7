"""Grids: axis specs, C-order points, and results independent of the chunk size."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams
from sim.engine.params import ConfigError
from sim.solvers.registry import SOLVERS
from sim.engine.sweep import axis_values, grid_columns, make_axis, solve_grid


def axes(nx=13, ny=7):
    return [
        make_axis("sweep.x", GameParams, dict(param="iraq.nationalism", start=0, stop=20, num=nx)),
        make_axis("sweep.y", GameParams, dict(param="us.credibility", start=0, stop=6, num=ny)),
    ]


def test_axis_spaces():
    assert axis_values("k", "linspace", 0, 1, 3) == (0.0, 0.5, 1.0)
    assert axis_values("k", "logspace", 1, 100, 3) == pytest.approx((1.0, 10.0, 100.0))
    assert axis_values("k", "list", values=[3, 1]) == (3.0, 1.0)
    assert axis_values("k", "linspace", 2, 2, 1) == (2.0,)


@pytest.mark.parametrize(
    "spec, match",
    [
        (dict(space="grid", start=0, stop=1, num=3), r"sweep\.x\.space='grid' is unknown"),
        (dict(start=1, stop=0, num=3), r"start=1 must be < stop=0"),
        (dict(start=0, stop=1, num=0), r"sweep\.x\.num=0 must be an integer >= 1"),
        (dict(start=0, stop=1, num=2.5), r"num=2\.5 must be an integer"),
        (dict(start=0, stop=float("inf"), num=3), r"stop=inf must be a finite number"),
        (dict(space="logspace", start=0, stop=1, num=3), r"must be > 0 for logspace"),
        (dict(space="list", values=[]), r"non-empty list"),
        (dict(start=0, stop=50, num=3), r"sweeps to 50\.0, outside its range \[0\.0, 20\.0\]"),
        (dict(start=0, stop=1, num=3, step=1), r"unknown keys \['step'\]"),
    ],
)
def test_bad_axis_specs_name_the_key(spec, match):
    with pytest.raises(ConfigError, match=match):
        make_axis("sweep.x", GameParams, {"param": "iraq.nationalism", **spec})


def test_unknown_axis_parameter():
    with pytest.raises(ConfigError, match="unknown parameter 'iraq.pride'"):
        make_axis("sweep.x", GameParams, dict(param="iraq.pride", start=0, stop=1, num=2))


def test_grid_is_c_order():
    cols = grid_columns(axes(3, 2), 0, 6)
    np.testing.assert_array_equal(cols["iraq.nationalism"], [0, 0, 10, 10, 20, 20])
    np.testing.assert_array_equal(cols["us.credibility"], [0, 6, 0, 6, 0, 6])


@pytest.mark.parametrize("chunk", [1, 5, 64, 10_000])
def test_results_do_not_depend_on_chunk_size(chunk):
    solvers = [SOLVERS["spe"].bind(), SOLVERS["nash"].bind()]
    ref = solve_grid(SCENARIO, GameParams(), axes(), solvers, chunk_size=91)
    got = solve_grid(SCENARIO, GameParams(), axes(), solvers, chunk_size=chunk)
    assert got.equals(ref)


def test_progress_counts_every_point():
    seen = []
    solve_grid(SCENARIO, GameParams(), axes(), [SOLVERS["spe"].bind()], chunk_size=20, progress=seen.append)
    assert sum(seen) == 13 * 7


def test_nash_columns_are_consistent():
    t = solve_grid(SCENARIO, GameParams(), axes(), [SOLVERS["nash"].bind()], chunk_size=50).to_pandas()
    per_regime = t[[c for c in t.columns if c.startswith("nash_count_")]].sum(axis=1)
    np.testing.assert_array_equal(per_regime, t["nash_count"])
    for regs, n in zip(t["nash_regimes"], t["nash_count"]):
        assert (regs == "") == (n == 0)


@pytest.mark.parametrize("solver", ["spe", "nash"])
def test_sweeping_a_parameter_no_payoff_uses_still_gives_a_row_per_point(solver):
    """Found by the property tests: us.committed_prior enters only the bayes solver."""
    ax = [make_axis("sweep.x", GameParams, dict(param="us.committed_prior", start=0, stop=1, num=5))]
    t = solve_grid(SCENARIO, GameParams(), ax, [SOLVERS[solver].bind()], chunk_size=2)
    assert t.num_rows == 5
