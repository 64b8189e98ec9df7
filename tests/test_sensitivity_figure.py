"""The figure of a sensitivity analysis (sim.figures.sensitivity): a panel per regime reached, page or
column wide, parameters by label and unit, symbols typeset, nothing overlapping."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("SALib")

from figcheck import flat, label_problems, layout_problems  # noqa: E402

from sim.analysis import sensitivity as sens  # noqa: E402
from sim.engine.params import iter_params  # noqa: E402
from sim.figures import sensitivity as sfig  # noqa: E402
from sim.figures.style import COLUMN_WIDTH, PAGE_WIDTH  # noqa: E402
from sim.scenarios.iraq2020_v1 import SCENARIO, GameParams  # noqa: E402


def _synthetic(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0.0, 1.0]] * d, "units": ["1"] * d}


def test_figure_has_a_panel_per_reached_regime():
    def evaluate(X):
        return np.column_stack([X[:, 0] > 0.5, X[:, 1] + X[:, 0] > 1, np.zeros(len(X))]).astype(float)

    table = sens.sobol(_synthetic(4), evaluate, 64, seed=0, outputs=["a", "b", "never"]).table
    fig = sfig.figure(table, top_k=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert len(visible[0].get_yticklabels()) == 3
    assert "never" in fig._suptitle.get_text()
    assert fig.get_size_inches()[0] <= PAGE_WIDTH
    assert layout_problems(fig) == []


def test_figure_is_a_page_wide_with_many_panels_and_a_column_wide_with_one():
    names = ["us.severe_credibility_factor", "iraq.nationalism", "iraq.fed_share_at_risk", "x3", "x4", "x5"]
    problem_ = {"num_vars": 6, "names": names, "bounds": [[0.0, 1.0]] * 6, "units": ["1", "$bn/yr", "1", "1", "1", "1"]}

    def evaluate(X):  # five regimes reached (five panels, three rows of two), one never
        return np.column_stack([X[:, k] > 0.5 for k in range(5)] + [np.zeros(len(X))]).astype(float)

    outputs = ["US-aligned status quo", "hedging", "Russian pivot", "managed exit", "confrontation", "never"]
    for method, done in (("sobol", sens.sobol(problem_, evaluate, 64, seed=0, outputs=outputs)),
                         ("morris", sens.morris(problem_, evaluate, 20, levels=4, seed=0, outputs=outputs))):
        fig = sfig.figure(done.table, top_k=6)
        assert fig.get_size_inches()[0] == pytest.approx(PAGE_WIDTH), method
        assert sum(ax.get_visible() for ax in fig.axes) == 5
        assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "95% bootstrap interval"
        assert layout_problems(fig) == [], method
    one = sens.sobol(problem_, lambda X: np.column_stack([X[:, 0] > 0.5, np.zeros(len(X))]).astype(float), 64,
                     seed=0, outputs=["hedging", "never"]).table
    fig = sfig.figure(one, top_k=6)
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_WIDTH)  # one panel: a column wide
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert ax.get_title(loc="right").startswith("hedging (")  # no "(a) "
    assert label_problems(fig) == []  # the one panel carries no "(a)"
    assert layout_problems(fig) == []


def test_figure_names_parameters_by_label_and_typesets_symbols():
    """Tick labels are the scenario's labels with units (none for a pure number); Morris shows μ* and σ."""
    names = ["iraq.nationalism", "iraq.fed_share_at_risk", "us.credibility"]
    prob = sens.problem(GameParams, names)

    def evaluate(X):
        return np.column_stack([X[:, 0] > 10, X[:, 2] + 5 * X[:, 1] > 3]).astype(float)

    table = sens.morris(prob, evaluate, 20, levels=4, seed=0, outputs=["hedging", "confrontation"]).table
    meta = {**json.loads(table.schema.metadata[sens.META_KEY]), "scenario": SCENARIO.name}
    table = table.replace_schema_metadata({sens.META_KEY: json.dumps(meta).encode()})
    fig = sfig.figure(table, top_k=3)
    ticks = {flat(t.get_text()) for ax in fig.axes if ax.get_visible() for t in ax.get_yticklabels()}
    infos = {i.name: i for i in iter_params(GameParams)}
    assert ticks == {"Iraqi nationalist cost of hosting US troops (\\$bn/yr)", infos["iraq.fed_share_at_risk"].label,
                     f"{infos['us.credibility'].label} (\\$bn/yr)"}  # $ escaped from mathtext
    assert not [t for t in ticks if "[" in t or "(1)" in t or "." in t.split(" (")[0]]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == [r"$\mu^*$ (mean |elementary effect|)", r"$\sigma$ (spread)"]  # mathtext: μ*, σ
    assert not [t for t in legend if "mu*" in t.replace("\\mu^*", "") or "sigma" in t.replace("\\sigma", "")]
    assert label_problems(fig) == [] and layout_problems(fig) == []


def test_sobol_legend_typesets_the_indices_and_the_interval_follows_the_tables_level(tmp_path):
    table = sens.sobol(_synthetic(3), lambda X: X[:, 0] + X[:, 1] ** 2, 64, seed=0, conf_level=0.9).table
    fig = sfig.figure(table, top_k=3)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [r"first-order index $S_1$", r"total index $S_T$", "90% bootstrap interval"]
    assert layout_problems(fig) == []
    paths = sfig.save_figure(fig, tmp_path, ("png", "pdf"))
    assert [p.name for p in paths] == ["sensitivity.png", "sensitivity.pdf"] and all(p.stat().st_size for p in paths)


def test_a_figure_with_no_regime_to_show_says_so():
    table = sens.sobol(_synthetic(2), lambda X: np.zeros(len(X)), 16, seed=0, outputs=["never"]).table
    fig = sfig.figure(table)
    assert not [ax for ax in fig.axes if ax.get_visible()]
    assert [flat(t.get_text()) for t in fig.texts if t.get_gid() == "panel_note"] == [
        "No regime's indicator varies in the sample: no indices to show"]
