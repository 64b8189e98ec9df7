"""One game, three countries: the calibrations (sim.scenarios.countries), the comparison
(sim.analysis.countries) and the experiment that writes countries.parquet."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.analysis.countries import COLUMNS, calibrated, design, run_table
from sim.cli.app import CONF_DIR
from sim.cli.configdoc import baseline_yaml
from sim.config import schema
from sim.config.countries import TABLE, CountriesOptions
from sim.config.validate import validate_run_config
from sim.engine.params import ConfigError, iter_params
from sim.runs.run import run
from sim.scenarios import BASELINE_FILES, SCENARIOS
from sim.scenarios.countries import CALIBRATIONS, get_calibration, observed_regime
from sim.scenarios.iraq2020 import SCENARIO as MODEL2
from sim.solvers.spe import solve_spe

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ("country", "observed_regime", "model_regime", "p_observed")
N = 300  # draws per country in these tests: a second or two


def composed(overrides=()):
    schema.register()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose("config", overrides=["experiment=three_countries", *overrides])
    return OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)


def config(tmp_path, run_id="r", **countries):
    data = composed()
    data["countries"].update(n=N, **countries)
    data.update(results_dir=str(tmp_path), run_id=run_id, plot={"formats": []})
    return validate_run_config(data)


@pytest.fixture(scope="module")
def table():
    return run_table(CountriesOptions(n=N), progress=False)


# --- the calibrations -----------------------------------------------------------------


@pytest.mark.parametrize("cal", CALIBRATIONS.values(), ids=list(CALIBRATIONS))
def test_each_calibration_has_model2s_parameters_under_the_buyers_name(cal):
    groups = [f.name for f in dataclasses.fields(cal.scenario.params_cls)]
    assert groups == [cal.buyer.lower(), "us", "russia", "iran", "arms"]
    for mine, theirs in zip(groups, ("iraq", "us", "russia", "iran", "arms")):
        fields = [f.name for f in dataclasses.fields(getattr(cal.scenario.params_cls(), mine))]
        assert fields == [f.name for f in dataclasses.fields(getattr(MODEL2.params_cls(), theirs))]
    point = cal.scenario.params_cls()
    assert point.iraq is getattr(point, groups[0])  # the name Model 2's payoff terms read


@pytest.mark.parametrize("cal", CALIBRATIONS.values(), ids=list(CALIBRATIONS))
def test_every_parameter_is_in_its_range_and_carries_a_source(cal):
    for info in iter_params(cal.scenario.params_cls):
        assert math.isfinite(info.default) and info.low <= info.default <= info.high, info.name
        cited = r"assumption|derived|article|\b(19|20)\d\d\b|Model 2|no US troops"
        assert re.search(cited, info.source), (info.name, info.source)
        assert info.unit and info.doc and info.label[0].isupper() and len(info.label) <= 52, info.name  # an axis's worth
    labels = [i.label for i in iter_params(cal.scenario.params_cls)]
    assert len(set(labels)) == len(labels)  # no two parameters look alike in a figure


@pytest.mark.parametrize("cal", CALIBRATIONS.values(), ids=list(CALIBRATIONS))
def test_the_game_is_model2s_with_the_buyer_renamed(cal):
    sc = cal.scenario
    assert [a.actions for a in sc.actors] == [a.actions for a in MODEL2.actors]
    assert [a.name for a in sc.actors] == ["Russia", "Iran", cal.buyer, "US"]
    assert sc.terms[cal.buyer] is MODEL2.terms["Iraq"] and sc.terms["US"] is MODEL2.terms["US"]
    assert sc.regimes == MODEL2.regimes and sc.classify is MODEL2.classify and sc.move_order == MODEL2.move_order
    assert SCENARIOS[sc.name] is sc
    assert (ROOT / "conf" / "game" / f"{BASELINE_FILES[sc.name]}.yaml").read_text() == baseline_yaml(sc.name)


@pytest.mark.parametrize("cal", CALIBRATIONS.values(), ids=list(CALIBRATIONS))
def test_the_observed_path_classifies_to_the_observed_regime(cal):
    assert observed_regime(cal.scenario, cal.observed.path) == cal.observed.regime
    us = cal.observed.path["US"]
    assert us.split("+")[1] == cal.observed.coercion


@pytest.mark.parametrize("cal", [c for c in CALIBRATIONS.values() if c.held], ids=lambda c: c.country)
def test_held_parameters_exist_and_leave_iran_restrained(cal):
    names = {i.name for i in iter_params(cal.scenario.params_cls)}
    assert set(cal.held) <= names and cal.held_reason
    assert solve_spe(cal.scenario, cal.scenario.params_cls())["spe_iran"].to_pylist() == ["restrain"]
    drawn, _ = design(cal, held=False)
    assert not set(drawn) & set(cal.held)


def test_records_are_mapped_as_the_brief_reads_them():
    obs = {c: (cal.observed.regime, cal.observed.coercion) for c, cal in CALIBRATIONS.items()}
    assert obs == {"Iraq": ("negotiated drawdown", "accommodate"), "Turkey": ("Russian pivot", "targeted"),
                   "India": ("Russian pivot", "accommodate")}


# --- the table ------------------------------------------------------------------------


def test_the_table_has_the_contract_columns_and_consistent_numbers(table):
    assert set(CONTRACT) <= set(table.column_names) and list(table.column_names[:len(COLUMNS)]) == list(COLUMNS)
    rows = table.to_pylist()
    assert [r["country"] for r in rows] == list(CALIBRATIONS)
    for r in rows:
        cal = CALIBRATIONS[r["country"]]
        assert r["observed_regime"] == cal.observed.regime
        assert r["model_regime"] == calibrated(cal)["model_regime"]
        for p in ("p_observed", "p_observed_outcome", "p_observed_iran_varied"):
            assert 0 <= r[f"{p}_low"] <= r[p] <= r[f"{p}_high"] <= 1
        shares = [v for k, v in r.items() if k.startswith("share_")]
        assert len(shares) == len(cal.scenario.regimes) and np.isclose(sum(shares), 1.0)
        assert r["p_observed"] == r[f"share_{r['observed_regime'].lower().replace(' ', '_').replace('-', '_')}"]
        assert r["p_observed_outcome"] <= r["p_observed"] and r["n"] == N


def test_iraq_and_india_do_not_depend_on_the_iranian_channel(table):
    """Iraq holds nothing; India's Iran moves no payoff without US troops: with common random
    numbers the share with the channel drawn is exactly the same."""
    rows = {r["country"]: r for r in table.to_pylist()}
    for country in ("Iraq", "India"):
        assert rows[country]["p_observed_iran_varied"] == rows[country]["p_observed"]


def test_a_country_row_depends_neither_on_the_others_nor_on_chunking(table):
    alone = run_table(CountriesOptions(countries=["Turkey"], n=N), chunk_size=37, progress=False).to_pylist()[0]
    assert alone == table.to_pylist()[1]


# --- the experiment -------------------------------------------------------------------


def test_the_experiment_writes_the_table_and_same_seed_gives_same_bytes(tmp_path):
    a = run(config(tmp_path, "a", countries=["Turkey"]), progress=False)  # the country with both passes
    b = run(config(tmp_path, "b", countries=["Turkey"]), progress=False)
    assert (a / TABLE).read_bytes() == (b / TABLE).read_bytes()
    table = pq.read_table(a / TABLE)
    assert set(CONTRACT) <= set(table.column_names) and table.column("country").to_pylist() == ["Turkey"]
    other = run(config(tmp_path, "c", countries=["Turkey"], seed=1), progress=False)
    assert pq.read_table(other / TABLE).column("p_observed").to_pylist() != table.column("p_observed").to_pylist()


def test_the_experiment_draws_its_figure_and_caption(tmp_path):
    data = composed()
    data["countries"].update(n=50, countries=["India"])
    data.update(results_dir=str(tmp_path), run_id="f", plot={"formats": ["png"]})
    out = run(validate_run_config(data), progress=False)
    names = {p.name for p in out.iterdir()}
    assert {"countries.parquet", "countries.png", "countries.caption.txt", "manifest.json"} <= names
    assert "India" in (out / "countries.caption.txt").read_text()


@pytest.mark.parametrize("override, key", [
    ({"countries": ["France"]}, "countries.countries"),
    ({"countries": ["turkey"]}, "countries.countries"),
    ({"countries": []}, "countries.countries"),
    ({"n": 3}, "countries.n"),
    ({"seed": -1}, "countries.seed"),
    ({"bogus": 1}, "countries"),
])
def test_bad_options_get_one_line_naming_the_key(override, key, tmp_path):
    data = composed()
    data["countries"].update(override)
    data.update(results_dir=str(tmp_path))
    with pytest.raises(ConfigError) as err:
        validate_run_config(data)
    message = str(err.value)
    assert "\n" not in message and message.startswith(key)


def test_an_unknown_country_names_the_allowed_ones():
    with pytest.raises(ConfigError, match=r"'France' is unknown; allowed: Iraq, Turkey, India$"):
        CountriesOptions(countries=["France"])
    with pytest.raises(ConfigError, match=r"country='Atlantis' is unknown; allowed: Iraq, Turkey, India"):
        get_calibration("Atlantis")


@pytest.mark.parametrize("overrides, words", [
    (["game.iraq.nationalism=5"], "game.* is not used"),
    (["sweep.x.param=iraq.nationalism", "sweep.x.start=0", "sweep.x.stop=1", "sweep.x.num=3"], "replaces the sweep"),
    (["tiles.count=2"], "tiles.count=2"),
    (["max_points=1000"], "max_points=1,000"),
])
def test_the_comparison_refuses_what_it_would_ignore(overrides, words, tmp_path):
    data = composed(overrides)
    data.update(results_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=re.escape(words)):
        validate_run_config(data)
