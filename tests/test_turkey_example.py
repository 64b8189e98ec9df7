"""The plug-in examples of docs/how-to/add-an-actor.md: a fifth actor (Turkey) and a new
action (a US warning), added by modules and YAML under examples/ without editing sim/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `examples` is a top-level package of the repository, not installed
    sys.path.append(str(ROOT))

from examples import us_warning  # noqa: E402
from examples.turkey import turkey2020  # noqa: E402
from examples.turkey.turkey2020 import SCENARIO as TURKEY, TurkeyGameParams  # noqa: E402
from sim.cli.app import CONF_DIR  # noqa: E402
from sim.config.validate import validate_run_config  # noqa: E402
from sim.engine.equilibrium import pure_nash_mask  # noqa: E402
from sim.scenarios.iraq2020_v1 import SCENARIO as IRAQ, GameParams  # noqa: E402
from sim.engine.params import ConfigError, batch, from_mapping, iter_params  # noqa: E402
from sim.scenarios import get_scenario  # noqa: E402
from sim.runs.run import run  # noqa: E402
from sim.engine.scenario import leaf_payoffs, normal_form  # noqa: E402
from sim.solvers.nash import solve_nash
from sim.solvers.spe import solve_spe  # noqa: E402

PATH = "examples.turkey.turkey2020:SCENARIO"
EXAMPLE_CONF = ROOT / "examples/turkey/conf"
B = 64


def random_columns(cls, rng, n, fixed=None):
    """Every parameter of ``cls`` drawn uniformly in its range (n points), some fixed."""
    cols = {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(cls)}
    cols.update({k: np.full(n, v) for k, v in (fixed or {}).items()})
    return cols


def iraq_part(cols):
    return {k: v for k, v in cols.items() if not k.startswith(("turkey.", "warn."))}


def labels(cols, key):
    return cols[key].to_pylist()


# --- the five-actor game -----------------------------------------------------------------

def test_five_player_shapes_and_tree():
    assert TURKEY.players == ("Russia", "Iran", "Iraq", "US", "Turkey")
    assert TURKEY.players[TURKEY.move_order[-1]] == "US"  # the US still moves last
    tree = TURKEY.sequential.tree
    assert tree.n_leaves == 2 * IRAQ.sequential.tree.n_leaves == 192
    assert tree.n_nodes == 1 + 2 * IRAQ.sequential.tree.n_nodes
    hist = tree.leaf_histories()
    assert {h[0] for h in hist} == {"none", "buy_s400"}  # Turkey moves first
    assert not any(h[1] == "none" and h[3].endswith("+buy") for h in hist)  # Iraq-2020's rule kept
    p = batch(TurkeyGameParams(), {"turkey.precedent": np.linspace(0, 5, 7)})
    assert normal_form(TURKEY, p).shape == (7, 5, 3, 2, 6, 3, 2)
    assert leaf_payoffs(TURKEY, p).shape == (7, 192, 5)
    assert TURKEY.simultaneous.outcomes.shape == (216, 5)


def test_params_extend_iraq2020_with_a_documented_turkey_group():
    names = [i.name for i in iter_params(TurkeyGameParams)]
    assert names[: len(list(iter_params(GameParams)))] == [i.name for i in iter_params(GameParams)]
    turkey = [i for i in iter_params(TurkeyGameParams) if i.name.startswith("turkey.")]
    assert len(turkey) == 7
    for i in turkey:
        assert i.unit and i.doc and i.source and i.low <= i.default <= i.high, i.name
    assert TurkeyGameParams().turkey.s400_price == 2.5  # BRIEF §4: Turkey's 2017 contract


def test_reuses_iraq2020_terms_and_classifier():
    for actor in ("Russia", "Iran", "Iraq", "US"):
        assert turkey2020.TERMS[actor][: len(IRAQ.terms[actor])] == IRAQ.terms[actor]
    assert TURKEY.classify is IRAQ.classify and TURKEY.regimes == IRAQ.regimes


def test_solvers_run_on_a_batch_and_the_baseline_is_hedging_with_turkey_buying():
    rng = np.random.default_rng(0)
    p = batch(TurkeyGameParams(), random_columns(TurkeyGameParams, rng, B))
    spe, nash = solve_spe(TURKEY, p), solve_nash(TURKEY, p)
    assert len(labels(spe, "spe_turkey")) == B and spe["spe_payoff_turkey"].shape == (B,)
    assert set(labels(spe, "spe_regime")) <= set(TURKEY.regimes)
    assert nash["nash_count"].shape == (B,)
    base = solve_spe(TURKEY, TurkeyGameParams())
    assert labels(base, "spe_regime") == ["hedging"] and labels(base, "spe_turkey") == ["buy_s400"]
    assert labels(base, "spe_iraq") == ["keep+deepen"] and base["spe_unique"][0]


@pytest.mark.parametrize("seed", [1, 2])
def test_without_the_precedent_the_four_actors_play_iraq2020(seed):
    """precedent = 0: Turkey's choice changes no one else's payoff differences, so the
    four original actors' SPE (path, regime) is Iraq-2020's at the same parameters, and
    their payoffs differ only by Turkey's constant side effects."""
    rng = np.random.default_rng(seed)
    cols = random_columns(TurkeyGameParams, rng, B, {"turkey.precedent": 0.0})
    p5, p4 = batch(TurkeyGameParams(), cols), batch(GameParams(), iraq_part(cols))
    five, four = solve_spe(TURKEY, p5), solve_spe(IRAQ, p4)
    for key in ("spe_regime", "spe_russia", "spe_iran", "spe_iraq", "spe_us"):
        assert labels(five, key) == labels(four, key), key
    buys = np.array(labels(five, "spe_turkey")) == "buy_s400"
    assert 0 < buys.sum() < B  # both of Turkey's choices occur in the sample
    tk = {k.removeprefix("turkey."): v for k, v in cols.items() if k.startswith("turkey.")}
    yearly_price = tk["s400_price"] / cols["arms.amortisation_years"]
    net = tk["air_defence_value"] + tk["autonomy_value"] - yearly_price - tk["sanction_cost"] - tk["f35_loss"]
    np.testing.assert_array_equal(buys, net > 1e-9)
    np.testing.assert_allclose(five["spe_payoff_turkey"], np.where(buys, net, 0.0), atol=1e-12)
    np.testing.assert_allclose(five["spe_payoff_russia"],
                               four["spe_payoff_russia"] + buys * cols["russia.margin"] * yearly_price, atol=1e-12)
    np.testing.assert_allclose(five["spe_payoff_us"],
                               four["spe_payoff_us"] - buys * tk["us_interoperability_loss"], atol=1e-12)
    for key in ("spe_payoff_iran", "spe_payoff_iraq"):
        np.testing.assert_allclose(five[key], four[key], atol=1e-12)


def test_without_the_precedent_pure_nash_equilibria_are_iraq2020s_times_turkeys_best_reply():
    rng = np.random.default_rng(3)
    cols = random_columns(TurkeyGameParams, rng, B, {"turkey.precedent": 0.0})
    u5 = normal_form(TURKEY, batch(TurkeyGameParams(), cols))
    u4 = normal_form(IRAQ, batch(GameParams(), iraq_part(cols)))
    for t in (0, 1):  # the four players' payoffs: Iraq-2020's plus a constant per Turkish action
        diff = u5[:, :4, ..., t] - u4  # (B, 4, 3, 2, 6, 3)
        np.testing.assert_allclose(diff, np.broadcast_to(diff[:, :, :1, :1, :1, :1], diff.shape), atol=1e-12)
    best_t = (u5[:, 4, 0, 0, 0, 0, 1] > u5[:, 4, 0, 0, 0, 0, 0] + 1e-9).astype(int)
    expected = pure_nash_mask(u4)[..., None] & (np.arange(2) == best_t[:, None, None, None, None, None])
    np.testing.assert_array_equal(pure_nash_mask(u5), expected)


def test_the_precedent_runs_through_turkeys_purchase():
    """At high Iraqi nationalism Iraq-2020 gives a Russian pivot; Turkey's precedent
    deters the purchase (managed exit) — but only if Turkey actually bought."""
    def regime(**values):
        out = solve_spe(TURKEY, batch(TurkeyGameParams(), {k: [v] for k, v in values.items()}))
        return labels(out, "spe_regime")[0], labels(out, "spe_turkey")[0]

    assert regime(**{"iraq.nationalism": 10.0, "turkey.precedent": 0.0}) == ("Russian pivot", "buy_s400")
    assert regime(**{"iraq.nationalism": 10.0, "turkey.precedent": 2.0}) == ("managed exit", "buy_s400")
    assert regime(**{"iraq.nationalism": 10.0, "turkey.precedent": 2.0, "turkey.f35_loss": 5.0}) \
        == ("Russian pivot", "none")


# --- configuration: import path, YAML, run ----------------------------------------------

def tiny_config(tmp_path, **extra):
    game = yaml.safe_load((EXAMPLE_CONF / "game/turkey_baseline.yaml").read_text())
    cfg = {"name": "turkey_tiny", "scenario": PATH, "game": game, "results_dir": str(tmp_path), "run_id": "r",
           "plot": {"formats": ["png"]}, "sweep": {
               "x": {"param": "iraq.nationalism", "start": 0.0, "stop": 20.0, "num": 4},
               "y": {"param": "turkey.precedent", "start": 0.0, "stop": 5.0, "num": 3}}}
    cfg.update(extra)
    return cfg


def test_game_yaml_holds_the_defaults_and_iraq2020s_baseline():
    data = yaml.safe_load((EXAMPLE_CONF / "game/turkey_baseline.yaml").read_text())
    assert from_mapping(TurkeyGameParams, data, "game.") == TurkeyGameParams()
    base = yaml.safe_load((ROOT / "conf/game/baseline_v1.yaml").read_text())
    base.pop("defaults")
    assert {k: v for k, v in data.items() if k != "turkey"} == base


def test_import_path_resolves_to_the_scenario():
    assert get_scenario(PATH) is TURKEY
    assert get_scenario("iraq2020_v1") is IRAQ


def test_config_with_the_import_path_parses_and_runs(tmp_path):
    spec = validate_run_config(tiny_config(tmp_path, solvers=["spe", "nash", "bayes"]))
    assert spec.scenario is TURKEY and isinstance(spec.game, TurkeyGameParams)
    out = run(spec, progress=False)
    table = pq.read_table(out / "equilibria.parquet")
    assert table.num_rows == 12
    assert set(table.column("spe_turkey").to_pylist()) <= {"none", "buy_s400"}
    assert (out / "phase_diagram.png").exists()


def test_the_experiment_composes_through_an_added_search_path():
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["experiment=turkey", f"hydra.searchpath=[file://{EXAMPLE_CONF}]"])
    spec = validate_run_config(OmegaConf.to_container(cfg, resolve=True))
    assert spec.scenario is TURKEY and spec.game == TurkeyGameParams()
    assert [a.param for a in spec.axes] == ["iraq.nationalism", "turkey.precedent"]


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("examples.turkey.no_such_module:SCENARIO", "cannot import module 'examples.turkey.no_such_module'"),
        ("examples.turkey.turkey2020:NOPE", "has no attribute 'NOPE'"),
        ("examples.turkey.turkey2020:TurkeyGameParams", "is a type, not a sim.engine.scenario.Scenario"),
        ("examples.turkey.turkey2020:", "is not an import path"),
    ],
)
def test_bad_import_paths_give_one_line_errors_naming_them(path, fragment, tmp_path):
    with pytest.raises(ConfigError) as err:
        validate_run_config(tiny_config(tmp_path, scenario=path))
    msg = str(err.value)
    assert "\n" not in msg and f"scenario={path!r}" in msg and fragment in msg, msg
    assert not (tmp_path / "turkey_tiny").exists()


def test_a_plugin_game_value_out_of_range_names_the_key(tmp_path):
    cfg = tiny_config(tmp_path)
    cfg["game"]["turkey"]["precedent"] = 9
    with pytest.raises(ConfigError, match=r"game\.turkey\.precedent=9 is out of range; allowed: \[0\.0, 5\.0\]"):
        validate_run_config(cfg)


def test_the_documented_command_runs(tmp_path):
    """docs/how-to/add-an-actor.md's command, from the repository root, on a tiny grid."""
    r = subprocess.run(
        [sys.executable, "-m", "sim", "--config-dir", "examples/turkey/conf", "experiment=turkey",
         f"results_dir={tmp_path}", "run_id=cli", "sweep.x.num=5", "sweep.y.num=4", "plot.formats=[png]"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "turkey_precedent" / "cli"
    assert (out / "phase_diagram.png").exists() and (out / "manifest.json").exists()
    assert pq.read_table(out / "equilibria.parquet").num_rows == 20


# --- the "add an action" recipe: a US warning ---------------------------------------------

def test_new_action_shapes():
    sc = us_warning.SCENARIO
    assert sc.actors[3].actions == ("accommodate", "warn", "targeted", "severe")
    assert sc.sequential.tree.n_leaves == 2 * 4 * 4 + 2 * 2 * 6 * 4 == 128
    assert normal_form(sc, us_warning.WarnGameParams()).shape == (1, 4, 3, 2, 6, 4)


def test_a_useless_warning_changes_nothing():
    rng = np.random.default_rng(4)
    cols = random_columns(us_warning.WarnGameParams, rng, B, {"warn.credibility": 0.0, "warn.cost": 1.0})
    new = solve_spe(us_warning.SCENARIO, batch(us_warning.WarnGameParams(), cols))
    old = solve_spe(IRAQ, batch(GameParams(), iraq_part(cols)))
    for key in ("spe_regime", "spe_russia", "spe_iran", "spe_iraq", "spe_us"):
        assert labels(new, key) == labels(old, key), key


def test_at_the_baseline_the_warning_deters_hedging():
    out = solve_spe(us_warning.SCENARIO, us_warning.WarnGameParams())
    assert labels(out, "spe_regime") == ["US-aligned status quo"]
    assert labels(out, "spe_iraq") == ["keep+status_quo"]
