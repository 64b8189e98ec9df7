"""The explorer's parts that need no browser: sliders from parameter metadata, typed input,
the answers at a point and on the slice, the Mesa model, the figures, the worker, the
command line. tests/test_explorer_browser.py drives the page itself."""

from __future__ import annotations

import dataclasses
import socket
import threading

import numpy as np
import pytest

from sim.engine.params import ConfigError, iter_params
from sim.explore import agents, jobs, panels, solve, state
from sim.explore.server import main as serve_main, parse_args
from sim.resources import EXPERIMENTS_DIR
from sim.scenarios import get_scenario
from sim.solvers.spe import solve_spe

SC = get_scenario("iraq2020")
PNG = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- state


def test_every_parameter_has_one_slider_in_its_actors_group():
    names = [s.name for g in state.groups(SC) for s in g.sliders]
    assert names == [p.name for p in iter_params(SC.params_cls)]
    titles = {g.key: g.title for g in state.groups(SC)}
    assert titles == {"iraq": "Iraq", "us": "US", "russia": "Russia", "iran": "Iran", "arms": "Arms"}


@pytest.mark.parametrize("name", ["iraq2020", "iraq2020_v1", "iraq2020_blocs"])
def test_each_default_lies_on_its_sliders_grid(name):
    """A browser slider rounds its value to its grid when it appears: a default off the grid
    would move the point before the user touches anything."""
    for s in state.sliders(get_scenario(name)).values():
        k = (s.default - s.low) / s.step
        assert abs(k - round(k)) < 1e-6, s
        assert s.low <= s.default <= s.high
        assert (s.high - s.low) / s.step >= 100  # fine enough to move across a regime
        assert s.label and s.text.startswith(s.label)


def test_slider_text_has_the_unit_unless_a_pure_number():
    sl = state.sliders(SC)
    assert sl["iraq.nationalism"].text == "Iraqi nationalist cost of hosting US troops ($bn/yr)"
    assert sl["us.committed_prior"].text == "Probability that the US is committed"


def test_snap_rounds_what_a_browser_sends():
    s = state.sliders(SC)["iraq.nationalism"]
    assert state.snap(s, 2.3000000000000003) == 2.3
    assert state.snap(s, 25.0) == s.high


def test_typed_input_is_checked_like_a_config():
    assert state.parse_assignment(SC, "iraq.nationalism = 3") == ("iraq.nationalism", 3.0)
    assert state.parse_assignment(SC, "us.credibility: 2.5") == ("us.credibility", 2.5)
    cases = {
        "iraq.nationalsm=3": "did you mean 'iraq.nationalism'",
        "iraq.nationalism=25": "iraq.nationalism=25 is out of range; allowed: [0.0, 20.0] $bn/yr",
        "iraq.nationalism=lots": "is not a number; allowed: [0.0, 20.0] $bn/yr",
        "nationalism": "type a parameter and a value",
    }
    for text, message in cases.items():
        with pytest.raises(ConfigError, match=message.replace("$", r"\$").replace("[", r"\[")) as info:
            state.parse_assignment(SC, text)
        assert "\n" not in str(info.value)


def test_default_slice_is_the_default_experiments(tmp_path):
    x, y = state.default_axes(SC)
    assert (x.param, y.param) == ("iraq.nationalism", "us.credibility")
    assert state.experiment_axes(SC, directory=EXPERIMENTS_DIR) == (x, y)
    assert state.experiment_axes(SC, "no_such_experiment") is None
    (tmp_path / "other.yaml").write_text("sweep:\n  x: {param: nobody.knows, start: 0, stop: 1}\n")
    assert state.experiment_axes(SC, "other", tmp_path) is None
    with pytest.raises(ConfigError, match="two different parameters"):
        state.check_axes(x, x)


def test_point_changes_only_what_moved():
    p = state.point(SC, {**state.defaults(SC), "iraq.nationalism": 3.0})
    assert p.iraq.nationalism == 3.0 and p.us == SC.params_cls().us
    assert state.point(SC, {}) == SC.params_cls()


# ----------------------------------------------------------------------------- solve


@pytest.mark.parametrize("nationalism", [0.0, 2.0, 7.5, 20.0])
def test_regime_at_a_point_is_the_solvers(nationalism):
    params = state.point(SC, {"iraq.nationalism": nationalism})
    cols = solve_spe(SC, params)
    answer = solve.spe_at(SC, params)
    assert answer.regime == cols["spe_regime"].to_pylist()[0]
    assert answer.actions[2] == ("Iraq", cols["spe_iraq"].to_pylist()[0])
    assert answer.payoffs[3] == cols["spe_payoff_us"][0]


def test_distributions_are_probabilities():
    params = SC.params_cls()
    for probs in (solve.qre_at(SC, params, 1.0), solve.bayes_at(SC, params)):
        assert probs.shape == (len(SC.regimes),) and np.isclose(probs.sum(), 1.0) and (probs >= 0).all()
    uniform = solve.qre_at(SC, params, 0.0)
    assert not np.allclose(uniform, solve.qre_at(SC, params, 5.0))
    assert solve.bayes_at(dataclasses.replace(SC, types=None), params) is None


def test_slice_agrees_with_the_point_and_is_cached():
    x, y = state.default_axes(SC)
    values = state.defaults(SC)
    cache = solve.SliceCache()
    sl = cache.get(SC, values, x, y, n=12)
    assert sl.codes.shape == (12, 12)
    for i, j in [(0, 0), (3, 7), (11, 2), (6, 11)]:
        here = {**values, x.param: sl.xs[i], y.param: sl.ys[j]}
        assert SC.regimes[sl.codes[j, i]] == solve.regime_at(SC, here)
    assert len(set(sl.codes.ravel())) > 1
    cache.get(SC, {**values, x.param: 7.0, y.param: 3.0}, x, y, n=12)  # the point moves along the axes
    assert cache.misses == 1
    cache.get(SC, {**values, "iran.pressure_cost": 2.0}, x, y, n=12)  # another parameter: a new slice
    assert cache.misses == 2


# ----------------------------------------------------------------------------- agents


def test_point_model_is_reproducible_and_reports_shares():
    a = agents.trajectory("iraq2020", {"iraq.nationalism": 3.0}, runs=20, steps=15, seed=4)
    b = agents.trajectory("iraq2020", {"iraq.nationalism": 3.0}, runs=20, steps=15, seed=4)
    assert a.equals(b) and len(a) == 16
    assert np.allclose(a[list(SC.regimes)].sum(axis=1), 1.0)
    assert a[agents.AT_NASH].between(0, 1).all()


def test_point_model_rebuilds_from_keywords_only_and_stops():
    m = agents.PointModel(values=(("iraq.nationalism", 3.0),), runs=10, steps=3)
    while m.running:
        m.step()
    assert m.steps == 3
    for bad in ({"runs": 0}, {"steps": True}, {"lam": -1.0}, {"rule": "guess"}):
        with pytest.raises(ConfigError):
            agents.PointModel(**bad)


# ----------------------------------------------------------------------------- figures and the worker


def test_panels_are_pngs():
    x, y = state.default_axes(SC)
    sl = solve.solve_slice(SC, state.defaults(SC), x, y, n=8)
    assert panels.slice_png(SC, sl, 2.0, 1.0).startswith(PNG)
    assert panels.distribution_png(SC, solve.qre_at(SC, SC.params_cls(), 1.0), None, 1.0, "").startswith(PNG)
    tree = panels.tree_png(SC, SC.params_cls())
    assert (tree is None) == (panels.tree_builder() is None)
    assert tree is None or tree.startswith(PNG)


def test_worker_draws_and_a_cancelled_panel_stops_waiting():
    try:
        x, y = state.default_axes(SC)
        pairs = tuple(sorted(state.defaults(SC).items()))
        assert jobs.run(jobs.slice_job, ("iraq2020", pairs, x, y), debounce=0.0).startswith(PNG)
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(jobs.Cancelled):
            jobs.run(jobs.tree_job, ("iraq2020", ()), cancel)
        with pytest.raises(ConfigError):  # the job's own error comes back
            jobs.run(jobs.trajectory_job, ("iraq2020", (), "guess", 10, 10), debounce=0.0)
    finally:
        jobs.shutdown()


# ----------------------------------------------------------------------------- command line


def test_command_line_checks_its_arguments(capsys):
    assert parse_args(["--port", "8000"]).port == 8000
    for argv, message in ((["--port", "70000"], "--port=70000 is out of range"), (["--bogus"], "unknown argument"),
                          (["--port", "x"], "invalid int value"), (["--scenario", "atlantis"], "scenario='atlantis'")):
        assert serve_main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_a_port_in_use_is_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve_main(["--port", str(port)]) == 2
    assert f"127.0.0.1:{port} is in use" in capsys.readouterr().err


def test_sim_explore_dispatches_here(capsys):
    from sim.cli.explore import main

    assert main(["--port", "-1"]) == 2
    assert "out of range" in capsys.readouterr().err


def test_app_has_both_pages():
    pytest.importorskip("solara", reason='the app needs Solara: pip install "sim[explore]"')
    from sim.explore import app

    assert [r.path for r in app.routes] == ["/", "agents"]
    assert app.one_line(ConfigError("x=1 is out of range")) == "x=1 is out of range"
    assert app.one_line(ValueError("bad\nsecond line")) == "ValueError: bad"
