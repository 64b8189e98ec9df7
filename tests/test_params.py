"""Parameter metadata, validation, batches, and the baseline YAML's agreement with it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.scenarios.iraq2020 import GameParams
from sim.engine.params import (ConfigError, batch, from_mapping, get_value, iter_params, param, param_info, quantity,
                        replace_values, with_unit)

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_is_documented():
    infos = list(iter_params(GameParams))
    assert len(infos) >= 30
    for i in infos:
        assert i.unit and i.source and i.doc, i.name
        assert i.low <= i.default <= i.high, i.name


def test_every_shipped_parameter_has_a_short_sentence_case_label():
    """Figures name parameters by these labels (docs/parameters.md lists them)."""
    from examples.turkey.turkey2020 import TurkeyGameParams
    from examples.us_warning import WarnGameParams

    for cls in (GameParams, TurkeyGameParams, WarnGameParams):
        infos = list(iter_params(cls))
        for i in infos:
            assert isinstance(i.label, str) and i.label.strip(), i.name
            assert i.label[0].isupper() and not i.label.endswith("."), i.name  # sentence case, no full stop
            assert len(i.label) <= 52 and "." not in i.label.replace("S-", ""), i.name  # an axis's worth, no dots
        assert len({i.label for i in infos}) == len(infos), cls  # no two parameters look alike


def test_a_parameter_needs_a_label():
    with pytest.raises(TypeError, match="label"):
        param(1.0, unit="1", low=0.0, high=2.0, source="assumption", doc="d")
    with pytest.raises(ValueError, match="label"):
        param(1.0, label=" ", unit="1", low=0.0, high=2.0, source="assumption", doc="d")


def test_axis_text_and_quantities_show_no_unit_for_a_pure_number():
    nationalism = param_info(GameParams, "iraq.nationalism")
    assert nationalism.axis_text == "Iraqi nationalist cost of hosting US troops ($bn/yr)"
    assert param_info(GameParams, "us.committed_prior").axis_text == "Probability that the US is committed"
    assert with_unit("x", "1") == with_unit("x", "") == "x" and with_unit("x", "yr") == "x (yr)"
    assert quantity(0.7, "1") == "0.7" and quantity(4.0, "$bn/yr") == "4 $bn/yr"


def test_baseline_yaml_is_generated_from_the_dataclass_and_cites_sources():
    """conf/game/baseline.yaml is generated; regenerate with:
    python -m sim.cli.configdoc --baseline > conf/game/baseline.yaml"""
    from sim.cli.configdoc import baseline_yaml

    text = (ROOT / "conf/game/baseline.yaml").read_text()
    assert text == baseline_yaml()
    data = yaml.safe_load(text)
    data.pop("defaults")
    assert from_mapping(GameParams, data, "game.") == GameParams()
    value_lines = [ln for ln in text.splitlines() if re.match(r"^  \w+: [-\d.]+", ln)]
    assert len(value_lines) == len(list(iter_params(GameParams)))
    for ln in value_lines:
        assert "#" in ln and ("assumption" in ln or "article" in ln or "20" in ln), ln


def test_calibration_facts_from_the_brief():
    """Model 2's derived values (docs/calibration.md): each source figure used once."""
    p = GameParams()
    assert p.iraq.oil_revenue == 78.5
    assert p.iraq.security_value == 3.7  # the article's $3.7 bn, used once (not also as aid)
    assert p.us.aid == 0.2  # FMF ~0.2 $bn/yr (State Dept)
    assert p.us.advisory_level == pytest.approx(2500 / 5200, abs=0.005)
    assert p.us.targeted_cost == pytest.approx(23 / 17, abs=0.01)  # FMS $23 bn over 2003-2019
    assert p.us.severe_cost == pytest.approx(13.2 - 12.0)  # trade less crude
    assert p.arms.s400_price == 2.5
    assert p.russia.investment == 10.0


@pytest.mark.parametrize(
    "data, match",
    [
        ({"iraq": {"nationalism": -1.0}}, r"game\.iraq\.nationalism=-1\.0 is out of range; allowed: \[0\.0, 20\.0\]"),
        ({"iraq": {"nationalsm": 1.0}}, r"unknown parameter 'game\.iraq\.nationalsm'"),
        ({"turkey": {"x": 1.0}}, r"unknown parameter 'game\.turkey'"),
        ({"iraq": {"nationalism": "high"}}, r"is not a number"),
        ({"iraq": {"nationalism": float("nan")}}, r"out of range"),
        ({"iraq": 3.0}, r"'game\.iraq' must be a group"),
    ],
)
def test_bad_values_name_the_key(data, match):
    with pytest.raises(ConfigError, match=match):
        from_mapping(GameParams, data, "game.")


def test_param_info_and_unknown_names():
    assert param_info(GameParams, "us.credibility").unit == "$bn/yr"
    with pytest.raises(ConfigError, match="unknown parameter 'us.credibilty'"):
        param_info(GameParams, "us.credibilty")


def test_replace_and_batch():
    p = replace_values(GameParams(), {"iraq.nationalism": 5.0, "us.aid": 1.0})
    assert get_value(p, "iraq.nationalism") == 5.0 and p.us.aid == 1.0 and p.iraq.security_value == 3.7
    b = batch(GameParams(), {"iraq.nationalism": np.arange(3.0)})
    assert b.iraq.nationalism.shape == (1, 3)


def test_parameter_reference_is_current():
    """docs/parameters.md is generated; regenerate with: python -m sim.cli.paramdoc > docs/parameters.md"""
    from sim.cli.paramdoc import reference

    assert (ROOT / "docs/parameters.md").read_text() == reference()
