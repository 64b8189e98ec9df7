"""Scenario discovery (sim.analysis.discovery): PRIM boxes and CART leaves found where a
target is known, the box chosen on the trajectory, samples read from every saved form,
and one-line errors for a bad target or option."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("ema_workbench")
pytest.importorskip("sklearn")

from sim.analysis import discovery as disc  # noqa: E402
from sim.analysis.discovery_sample import Sample, label_columns, read_sample, sample_table, target  # noqa: E402
from sim.config.discovery import DiscoveryOptions, validate_discovery  # noqa: E402
from sim.engine.params import ConfigError  # noqa: E402
from sim.figures.discovery import META_KEY, table_meta  # noqa: E402
from sim.figures.sensitivity import META_KEY as SAMPLE_KEY  # noqa: E402
from sim.scenarios import get_scenario  # noqa: E402

SC = get_scenario("iraq2020")
PARAMS = ["iraq.nationalism", "us.credibility", "us.aid", "iran.pressure_cost"]


def unit_sample(n: int = 4000, seed: int = 3) -> tuple[pd.DataFrame, dict]:
    """``n`` points uniform over [0, 1]^4 named like parameters, ranges [0, 1]."""
    x = pd.DataFrame(np.random.default_rng(seed).random((n, 4)), columns=PARAMS)
    return x, {p: (0.0, 1.0) for p in PARAMS}


def sample_of(x: pd.DataFrame, labels: np.ndarray, ranges: dict) -> Sample:
    return Sample(x, {"spe_regime": labels}, ranges, {p: "1" for p in x.columns}, "test sample")


# ----------------------------------------------------------------------------- choosing a box


def test_the_box_taken_is_the_widest_that_reaches_the_threshold():
    traj = pd.DataFrame({"coverage": [1.0, 0.9, 0.8, 0.5], "density": [0.3, 0.7, 0.85, 0.95]})
    assert disc.choose_step(traj, 0.8) == (2, True)  # steps 2 and 3 reach 80 %; 2 covers more
    assert disc.choose_step(traj, 0.99) == (3, False)  # none reaches 99 %: the densest, flagged
    tied = pd.DataFrame({"coverage": [0.5, 0.5], "density": [0.9, 0.9]})
    assert disc.choose_step(tied, 0.8) == (0, True)  # a tie: the earlier step


def test_prim_searches_the_parameters_cart_scores_highest_in_their_order():
    names = ["a", "b", "c", "d"]
    assert disc.searched(names, np.array([0.1, 0.5, 0.0, 0.4]), 2) == ["b", "d"]
    assert disc.searched(names, np.array([0.0, 0.0, 0.0, 0.0]), 2) == ["a", "b"]  # ties: in order
    assert disc.searched(names, np.zeros(4), None) == names and disc.searched(names, np.zeros(4), 9) == names


# ----------------------------------------------------------------------------- known boxes


def test_prim_and_cart_find_a_planted_box():
    """y = 1 exactly in nationalism > 0.6 and credibility < 0.3: PRIM's box restricts those two
    parameters, near those limits, with the other sides at the range ends; CART's densest
    leaf is the same box; CART scores those two parameters only."""
    x, ranges = unit_sample()
    y = ((x["iraq.nationalism"] > 0.6) & (x["us.credibility"] < 0.3)).to_numpy().astype(int)
    opts = DiscoveryOptions(threshold=0.9, mass_min=0.01, max_params=None)
    (box,) = disc.prim_boxes(x, y, opts, ranges)
    assert set(box.limits) == {"iraq.nationalism", "us.credibility"} and box.meets
    lo, hi = box.limits["iraq.nationalism"]
    assert abs(lo - 0.6) < 0.03 and hi == 1.0
    lo, hi = box.limits["us.credibility"]
    assert lo == 0.0 and abs(hi - 0.3) < 0.03
    assert box.stats["coverage"] > 0.9 and box.stats["density"] >= 0.9 and box.stats["res_dim"] == 2
    assert abs(box.stats["mass"] - 0.4 * 0.3) < 0.02
    assert box.trajectory["coverage"].iloc[0] == 1.0 and box.trajectory["res_dim"].iloc[0] == 0
    assert box.qp["iraq.nationalism"][0] < 1e-6 and np.isnan(box.qp["iraq.nationalism"][1])  # upper side free
    (leaf,), scores = disc.cart_view(x, y, opts, ranges)
    assert leaf.stats["density"] == 1.0 and leaf.stats["coverage"] > 0.98  # depth 4: a few stray points
    assert set(leaf.limits) == {"iraq.nationalism", "us.credibility"}
    assert scores[2] == scores[3] == 0.0 and abs(scores.sum() - 1) < 1e-12


def test_the_trajectory_is_ema_workbench_s_own():
    """The wrapper changes only which box of the trajectory is taken: EMA's PRIM used as its
    documentation shows (its own threshold) peels and pastes through the same boxes."""
    from ema_workbench.analysis import prim

    x, ranges = unit_sample(3000, seed=11)
    y = ((x["us.aid"] > 0.5) & (x["iran.pressure_cost"] > 0.4)).to_numpy().astype(int)
    opts = DiscoveryOptions(threshold=0.8, mass_min=0.05, max_params=None)
    (box,) = disc.prim_boxes(x, y, opts, ranges)
    with disc._quiet():
        ema = prim.Prim(x, y, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05).find_box()
    pd.testing.assert_frame_equal(box.trajectory, ema.peeling_trajectory[list(disc.STATS)].reset_index(drop=True),
                                  check_dtype=False)


def test_two_boxes_for_a_regime_in_two_places_and_the_next_box_skips_the_first():
    x, ranges = unit_sample(6000, seed=5)
    a = (x["iraq.nationalism"] > 0.75) & (x["us.credibility"] > 0.75)
    b = (x["us.aid"] < 0.25) & (x["iran.pressure_cost"] < 0.25)
    y = (a | b).to_numpy().astype(int)
    boxes = disc.prim_boxes(x, y, DiscoveryOptions(threshold=0.9, mass_min=0.01, max_boxes=2, max_params=None),
                            ranges)
    assert [b.number for b in boxes] == [1, 2] and all(b.meets for b in boxes)
    planted = [{"iraq.nationalism", "us.credibility"}, {"us.aid", "iran.pressure_cost"}]
    first = 0 if planted[0] <= set(boxes[0].limits) else 1
    assert planted[first] <= set(boxes[0].limits) and planted[1 - first] <= set(boxes[1].limits)
    assert sum(b.stats["coverage"] for b in boxes) > 0.9  # coverage: of every target point, both boxes together


def test_a_box_below_the_threshold_is_flagged_and_ends_the_search():
    """Noise caps the density at 60 %: the densest box is reported, flagged, and no second one."""
    x, ranges = unit_sample(5000, seed=7)
    rng = np.random.default_rng(8)
    y = ((x["iraq.nationalism"] > 0.5) & (rng.random(len(x)) < 0.6)).to_numpy().astype(int)
    boxes = disc.prim_boxes(x, y, DiscoveryOptions(threshold=0.95, mass_min=0.02, max_boxes=3, max_params=None),
                            ranges)
    assert len(boxes) == 1 and not boxes[0].meets
    assert boxes[0].stats["density"] == boxes[0].trajectory["density"].max()


def test_the_table_holds_every_box_limit_step_and_score_of_each_target():
    x, ranges = unit_sample()
    labels = np.where(x["iraq.nationalism"] > 0.7, "confrontation",  # hedging: nationalism <= 0.7 and aid < 0.5
                      np.where(x["us.aid"] < 0.5, "hedging", "managed exit")).astype(object)
    opts = DiscoveryOptions(regimes=("confrontation", "hedging"), mass_min=0.01, max_params=2, threshold=0.9)
    table = disc.analyse(SC, sample_of(x, labels, ranges), opts)
    df = table.to_pandas()
    assert table.column_names == list(disc.COLUMNS)
    assert set(df["kind"]) == {"box", "limit", "trajectory", "score"}
    for regime, params in (("confrontation", ["iraq.nationalism"]), ("hedging", ["iraq.nationalism", "us.aid"])):
        sub = df[df["regime"] == regime]
        box = sub[(sub["kind"] == "box") & (sub["method"] == "prim")].iloc[0]
        assert bool(box["meets_threshold"]) and box["coverage"] > 0.9
        assert list(sub.loc[(sub["kind"] == "limit") & (sub["method"] == "prim"), "param"]) == params
        scores = sub[sub["kind"] == "score"]
        # max_params = 2: the two of largest score (confrontation: a tie at 0 for the second, in column order)
        second = "us.credibility" if regime == "confrontation" else "us.aid"
        assert len(scores) == 4 and list(scores.loc[scores["selected"], "param"]) == ["iraq.nationalism", second]
        assert set(scores.sort_values("score").iloc[-len(params):]["param"]) == set(params)
        assert sub.loc[sub["kind"] == "trajectory", "selected"].sum() == 1
    meta = table_meta(table)
    assert meta["counts"] == {"confrontation": int((labels == "confrontation").sum()),
                              "hedging": int((labels == "hedging").sum())}
    assert meta["ema_workbench"].startswith("2.5") and meta["targets"] == ["confrontation", "hedging"]


def test_a_regime_in_every_row_is_the_whole_space():
    x, ranges = unit_sample(200)
    table = disc.analyse(SC, sample_of(x, np.full(200, "hedging", dtype=object), ranges),
                         DiscoveryOptions(regimes=("hedging",)))
    boxes = table.to_pandas().query("kind == 'box'")
    assert list(boxes["method"]) == ["prim", "cart"] and (boxes["coverage"] == 1).all() and (boxes["res_dim"] == 0).all()


def test_same_sample_same_bytes(tmp_path):
    x, ranges = unit_sample(3000)
    labels = np.where(x["us.credibility"] < 0.4, "Russian pivot", "hedging").astype(object)
    opts = DiscoveryOptions(regimes=("Russian pivot",), mass_min=0.01)
    for name in ("a.parquet", "b.parquet"):
        table = disc.analyse(SC, sample_of(x.copy(), labels.copy(), ranges), opts)
        pq.write_table(table, tmp_path / name)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


# ----------------------------------------------------------------------------- samples


def test_a_sensitivity_sample_gives_label_columns_from_its_indicators(tmp_path):
    regimes = SC.regimes
    rng = np.random.default_rng(0)
    codes = rng.integers(0, len(regimes), 50)
    data = {"iraq.nationalism": rng.random(50) * 20, "us.credibility": rng.random(50) * 15}
    data.update({f"spe_{s}": (codes == k).astype(float) for k, s in enumerate(
        ["us_aligned_status_quo", "hedging", "negotiated_drawdown", "russian_pivot", "managed_exit", "confrontation"])})
    path = tmp_path / "sample.parquet"
    pq.write_table(pa.table(data), path)
    sample = read_sample(SC, tmp_path)  # a directory with a sample.parquet
    assert list(sample.x.columns) == ["iraq.nationalism", "us.credibility"] and sample.source == str(path)
    assert list(sample.labels["spe_regime"]) == [regimes[c] for c in codes]
    assert sample.ranges["iraq.nationalism"] == (0.0, 20.0) and sample.units["us.credibility"] == "$bn/yr"
    assert len(sample.sha256) == 64
    probs = pd.DataFrame({"bayes_prob_a": [0.2, 0.7], "bayes_prob_b": [0.8, 0.3], "spe_a": [1.0, 0.0],
                          "spe_regime": ["a", None]})  # a text column wins over the group spe_*
    labels = label_columns(probs, ["a", "b"])
    assert list(labels) == ["bayes_regime", "spe_regime"] and list(labels["bayes_regime"]) == ["b", "a"]
    assert list(labels["spe_regime"]) == ["a", None]


def test_a_saved_prior_sample_reads_back_the_same(tmp_path):
    x, ranges = unit_sample(30)
    labels = np.where(x["us.aid"] < 0.5, "hedging", "managed exit").astype(object)
    sample = Sample(x, {"spe_regime": labels}, {p: (0.0, 20.0) for p in PARAMS}, {p: "1" for p in PARAMS}, "prior")
    pq.write_table(sample_table(sample, {"seed": 1}), tmp_path / "s.parquet")
    back = read_sample(SC, tmp_path / "s.parquet")
    assert back.x.equals(x) and list(back.labels["spe_regime"]) == list(labels)
    assert b"spe_regime" in pq.read_schema(tmp_path / "s.parquet").metadata[SAMPLE_KEY]


def test_only_parameter_columns_that_vary_are_searched(tmp_path):
    df = pd.DataFrame({"iraq.nationalism": [1.0, 2.0, 3.0], "us.aid": [0.5, 0.5, 0.5], "not_a_param": [1, 2, 3],
                       "spe_regime": ["hedging", "confrontation", "hedging"]})
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "t.parquet")
    assert list(read_sample(SC, tmp_path / "t.parquet").x.columns) == ["iraq.nationalism"]
    with pytest.raises(ConfigError, match=r"discovery.params: 'us.credibility' is not a parameter column of .*t.parquet; "
                                          r"its parameter columns: iraq.nationalism, us.aid"):
        read_sample(SC, tmp_path / "t.parquet", ["us.credibility"])


# ----------------------------------------------------------------------------- errors


def test_a_target_column_that_is_not_there_is_named_with_the_columns_there_are():
    x, ranges = unit_sample(20)
    sample = Sample(x, {"spe_regime": np.full(20, "hedging", dtype=object),
                        "nash_regime": np.full(20, "hedging", dtype=object)}, ranges, {}, "s.parquet")
    with pytest.raises(ConfigError) as err:
        target(sample, "qre_regime", "hedging")
    assert str(err.value) == ("discovery.outcome='qre_regime' is not an outcome column of s.parquet; its outcome "
                              "columns: nash_regime, spe_regime")


def test_a_regime_no_row_has_is_one_line_with_the_regimes_there_are():
    x, ranges = unit_sample(20)
    labels = np.array(["hedging"] * 15 + ["managed exit"] * 5, dtype=object)
    with pytest.raises(ConfigError) as err:
        target(sample_of(x, labels, ranges), "spe_regime", "confrontation")
    assert str(err.value) == ("discovery.regimes: no row of test sample has spe_regime = 'confrontation' (0 of 20); "
                              "regimes there: hedging (15), managed exit (5)")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("data, message", [
    ({"regimes": ["confrontaton"]}, "discovery.regimes: 'confrontaton' is not a regime of iraq2020 (did you mean "
                                    "'confrontation'?)"),
    ({"regimes": []}, "discovery.regimes=[] is empty"),
    ({"n": 1}, "discovery.n=1 must be an integer >= 2"),
    ({"threshold": 0}, "discovery.threshold=0 must be a number in (0, 1]"),
    ({"peel_alpha": 0.6}, "discovery.peel_alpha=0.6 must be a number in (0, 0.5]"),
    ({"mass_min": "x"}, "discovery.mass_min='x' must be a number in (0, 0.5]"),
    ({"max_boxes": 11}, "discovery.max_boxes=11 must be an integer >= 1 and <= 10"),
    ({"max_params": 0}, "discovery.max_params=0 must be an integer >= 1"),
    ({"outcome": "nash_regime"}, "discovery.outcome='nash_regime' is not an outcome of a prior sample; allowed: "
                                 "spe_regime, bayes_regime"),
    ({"params": ["us.pride"]}, "discovery.params: unknown parameter 'us.pride'"),
    ({"source": "no/such/run"}, "discovery.source='no/such/run': no such file or directory"),
    ({"n": 10**6}, "discovery solves n=1,000,000 games, more than max_points=1,000"),
    ({"bogus": 1}, "discovery has unknown key(s) ['bogus']"),
])
def test_bad_options_are_one_line_naming_the_key(data, message):
    with pytest.raises(ConfigError) as err:
        validate_discovery(SC, data, {}, 1000)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_saved_sample_is_checked_from_its_schema_before_any_work(tmp_path):
    df = pd.DataFrame({"iraq.nationalism": [1.0, 2.0], "spe_regime": ["hedging", "confrontation"]})
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "sample.parquet")
    ok = validate_discovery(SC, {"source": str(tmp_path)}, {}, 1000)
    assert ok.source == str(tmp_path)
    with pytest.raises(ConfigError) as err:
        validate_discovery(SC, {"source": str(tmp_path), "outcome": "qre_regime"}, {}, 1000)
    assert str(err.value) == (f"discovery.outcome='qre_regime' is not an outcome column of {tmp_path / 'sample.parquet'}; "
                              "its outcome columns: spe_regime")
    with pytest.raises(ConfigError, match="discovery.params: 'us.aid' is not a parameter column of .*; its parameter "
                                          "columns: iraq.nationalism"):
        validate_discovery(SC, {"source": str(tmp_path), "params": ["us.aid"]}, {}, 1000)
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match="discovery.source=.*junk.parquet' is not a readable Parquet table"):
        validate_discovery(SC, {"source": str(tmp_path / "junk.parquet")}, {}, 1000)


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ema_workbench.analysis", None)  # an import of it now fails
    monkeypatch.setitem(sys.modules, "sklearn.tree", None)
    for need in (disc._ema_prim, disc._tree_classifier):
        with pytest.raises(ConfigError) as err:
            need()
        assert str(err.value) == "scenario discovery needs EMA Workbench and scikit-learn: pip install -e '.[analysis]'"


def test_discovery_replaces_the_sweep_alone():
    with pytest.raises(ConfigError, match="discovery and sensitivity are both set"):
        validate_discovery(SC, {}, {"sensitivity": object()}, 1000)
    assert validate_discovery(SC, None, {}, 1000) is None
    assert table_meta(pa.table({"a": [1]})) == {} and META_KEY == b"sim.analysis.discovery"
