"""The lazy subgame-perfect solver (``sim/engine/lazy_tree.py``) gives bit-identical
results to full backward induction on every scenario's leaf payoffs.

Every comparison is exact (``==`` on every element, payoffs included): the lazy solver
evaluates the same payoff terms with the same floating-point operations, only at fewer
leaves, and applies the same tie rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import lazy_tree
from sim.engine.lazy_tree import solve_spe_lazy, supports
from sim.engine.params import batch, iter_params, param, replace_values
from sim.engine.scenario import Actor, Scenario, actor_payoff_batch_last, leaf_payoffs_batch_last
from sim.engine.sweep import grid_columns, grid_size, make_axis
from sim.engine.tree import Chance, Decision, backward_induction_batch_last, tree_from_rule
from sim.scenarios import get_scenario
from sim.solvers import spe as spe_module
from sim.solvers.spe import solve_spe

SCENARIOS = ["iraq2020", "iraq2020_v1"]
FIELDS = ("choice", "tie", "path_leaf", "tie_on_path", "tie_anywhere", "root_payoffs")


def reference(sc: Scenario, params, plain: bool = False):
    """Full backward induction on every player's payoff at every leaf (``plain``: every
    term evaluated at every leaf, without the scenario's plan of distinct rows)."""
    if plain:
        return backward_induction_batch_last(sc.sequential.tree, sc.payoffs_batch_last(params, sc.sequential.features))
    return backward_induction_batch_last(sc.sequential.tree, leaf_payoffs_batch_last(sc, params))


def assert_identical(sc: Scenario, params, plain: bool = False, **kwargs) -> object:
    """The lazy solver's every field equals the full solver's, element for element."""
    ref, lazy = reference(sc, params, plain), solve_spe_lazy(sc, params, full=True, **kwargs)
    for name in FIELDS:
        want, got = getattr(ref, name), getattr(lazy, name)
        assert got.shape == want.shape, name
        assert np.array_equal(got, want), f"{sc.name}: {name} differs at {np.argwhere(got != want)[:5].tolist()}"
    return ref


def default_axes(sc: Scenario, n: int = 200):
    """The default experiment's axes: Iraqi nationalism 0-20 x US credibility 0-6."""
    return [make_axis("sweep.x", sc.params_cls, {"param": "iraq.nationalism", "start": 0, "stop": 20, "num": n}),
            make_axis("sweep.y", sc.params_cls, {"param": "us.credibility", "start": 0, "stop": 6, "num": n})]


def uniform_points(sc: Scenario, n: int, seed: int, lattice: int | None = None) -> dict[str, np.ndarray]:
    """``n`` points drawn uniformly in every parameter's documented range, or on a
    ``lattice``-point grid of each range (equal payoffs, hence ties, become common)."""
    rng = np.random.default_rng(seed)
    out = {}
    for info in iter_params(sc.params_cls):
        if lattice is None:
            out[info.name] = rng.uniform(info.low, info.high, n)
        else:
            out[info.name] = info.low + (info.high - info.low) * rng.integers(0, lattice, n) / (lattice - 1)
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_default_grid_is_bit_identical(name):
    sc = get_scenario(name)
    axes = default_axes(sc)
    for lo in range(0, grid_size(axes), 8192):  # the chunks a run solves
        assert_identical(sc, batch(sc.params_cls(), grid_columns(axes, lo, min(grid_size(axes), lo + 8192))))


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("lattice", [None, 5])
def test_random_points_in_documented_ranges_are_bit_identical(name, lattice):
    sc = get_scenario(name)
    ref = assert_identical(sc, batch(sc.params_cls(), uniform_points(sc, 3000, seed=7, lattice=lattice)))
    assert len(np.unique(ref.path_leaf)) > 20  # many different equilibria were compared
    if lattice:
        assert ref.tie_on_path.any() and not ref.tie_anywhere.all()  # ties and unique SPEs both met


def point_strategy(sc: Scenario):
    """One parameter point: each value anywhere in its range, or at an end or middle."""
    def value(info):
        ends = st.sampled_from([info.low, info.high, (info.low + info.high) / 2])
        return st.one_of(ends, st.floats(info.low, info.high, allow_nan=False))
    return st.fixed_dictionaries({info.name: value(info) for info in iter_params(sc.params_cls)})


@pytest.mark.parametrize("name", SCENARIOS)
def test_hypothesis_points_are_bit_identical(name):
    sc = get_scenario(name)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(point_strategy(sc))
    def check(values):
        assert_identical(sc, replace_values(sc.params_cls(), values))  # scalar parameters: B = 1

    check()


@pytest.mark.parametrize("name", SCENARIOS)
def test_spe_solver_columns_are_unchanged(name, monkeypatch):
    sc = get_scenario(name)
    params = batch(sc.params_cls(), uniform_points(sc, 2000, seed=3, lattice=5))
    new = solve_spe(sc, params)
    monkeypatch.setattr(spe_module, "supports", lambda tree: False)  # the full solver
    old = solve_spe(sc, params)
    assert list(new) == list(old)
    for key in old:
        if isinstance(old[key], pa.Array):
            assert new[key].equals(old[key]), key
        else:
            assert new[key].dtype == old[key].dtype and np.array_equal(new[key], old[key]), key


@pytest.mark.parametrize("name", SCENARIOS)
def test_inner_chunks_do_not_change_the_result(name):
    sc = get_scenario(name)
    params = batch(sc.params_cls(), uniform_points(sc, 500, seed=11, lattice=3))
    whole = solve_spe_lazy(sc, params, full=True)
    assert_identical(sc, params, inner_chunk=37)
    parts = solve_spe_lazy(sc, params, full=True, inner_chunk=37)
    for name_ in FIELDS:
        assert np.array_equal(getattr(parts, name_), getattr(whole, name_))


@pytest.mark.parametrize("name", SCENARIOS)
def test_one_actors_payoff_matches_the_full_payoffs(name):
    sc = get_scenario(name)
    params = batch(sc.params_cls(), uniform_points(sc, 300, seed=5))
    full = leaf_payoffs_batch_last(sc, params)  # (n_leaves, N, B)
    for j, actor in enumerate(sc.actors):
        one = actor_payoff_batch_last(sc, params, actor.name, sc.sequential.features)
        assert np.array_equal(np.broadcast_to(one, full[:, j].shape), full[:, j]), actor.name


# --- a toy scenario whose payoff terms read different features at different values ---

@dataclass(frozen=True)
class ToyParams:
    x: float = param(1.0, label="Toy weight", unit="1", low=-2.0, high=2.0, source="assumption: a test",
                     doc="x, the weight of the toy payoffs")


def _toy_features(outcomes):
    return {"a1": (outcomes[:, 0] == 1).astype(float), "b": outcomes[:, 1].astype(float),
            "c": (outcomes[:, 1] == 2).astype(float)}


def _second_mover(p, f):
    """Reads feature ``b`` when every x is positive, else ``c`` and ``a1``."""
    if np.all(np.asarray(p.x) > 0):
        return np.asarray(p.x) * f["b"]
    return np.asarray(p.x) * f["c"] + f["a1"]


TOY = Scenario(
    name="toy", actors=(Actor("First", ("a0", "a1")), Actor("Second", ("b0", "b1", "b2"))), move_order=(0, 1),
    available=lambda i, history: (("b0", "b1") if history.get("First") == "a0" else ("b0", "b1", "b2"))
    if i == 1 else ("a0", "a1"),
    features=_toy_features,
    terms={"First": (lambda p, f: np.asarray(p.x) * f["a1"] - f["b"],), "Second": (_second_mover,)},
    regimes=("low", "high"), classify=lambda f: (f["b"] > 0).astype(int), params_cls=ToyParams)


def test_toy_scenario_with_padding_and_terms_that_change_what_they_read():
    """The deepest level merges equal rows of the features the mover read on first use;
    a term that reads others at other parameter values makes it fall back, not err."""
    assert supports(TOY.sequential.tree)
    lazy_tree._MERGES.clear()
    assert_identical(TOY, batch(ToyParams(), {"x": np.array([0.5, 1.0, 2.0])}), plain=True)  # merged on b
    assert any(m is not None and m.keys == {"b"} for m in lazy_tree._MERGES.values())
    ref = assert_identical(TOY, batch(ToyParams(), {"x": np.array([1e-12, 4e-10, 2e-9])}), plain=True)
    assert ref.tie_anywhere.tolist() == [True, True, False]  # payoffs within ATOL = 1e-9 of the best tie
    assert_identical(TOY, batch(ToyParams(), {"x": np.array([-1.0, 0.0, 1.0])}), plain=True)  # reads c
    assert [m for key, m in lazy_tree._MERGES.items() if key[0] is TOY.sequential.tree] == [None]  # no merge now
    assert_identical(TOY, batch(ToyParams(), {"x": np.linspace(-2, 2, 9)}), plain=True)
    assert_identical(TOY, ToyParams(x=0.0), plain=True)


def test_trees_it_cannot_take_are_refused():
    uneven = tree_from_rule(["A", "B"], lambda h: {(): Decision(0, ("out", "in")),
                                                   ("in",): Decision(1, ("x", "y"))}.get(h))
    chance = tree_from_rule(["A"], lambda h: {(): Chance(("l", "r"), (0.5, 0.5)),
                                              ("l",): Decision(0, ("x", "y")), ("r",): Decision(0, ("x", "y"))}.get(h))
    mixed = tree_from_rule(["A", "B"], lambda h: {(): Decision(0, ("l", "r")), ("l",): Decision(0, ("x", "y")),
                                                  ("r",): Decision(1, ("x", "y"))}.get(h))
    assert not supports(uneven) and not supports(chance) and not supports(mixed)
    assert all(supports(get_scenario(name).sequential.tree) for name in SCENARIOS)
