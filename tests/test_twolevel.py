"""The two-level Iraq (issue 15): components, the unitary limit, the January 2020 back-test,
Kadhimi, bad input, and a real run with its figures."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.bargain.two_level import leaf_components_batch_last, solve_two_level
from sim.engine.params import ConfigError, batch, iter_params, replace_values
from sim.engine.scenario import leaf_payoffs_batch_last
from sim.scenarios.iraq2020_blocs import SCENARIO as SC
from sim.scenarios.iraq2020_blocs.domestic import clout, weights
from sim.scenarios.iraq2020_blocs.parliament import BLOCS, SEATS_2021, SEATS_TOTAL, Bloc
from sim.solvers.spe import solve_spe
from sim.solvers.twolevel import TwoLevelOptions, columns_of, solve_twolevel

IRAQ = SC.players.index("Iraq")
BASE = SC.params_cls()
#: A statesman with all the weight: the prime minister maximises the state's payoff alone.
UNITARY = {"parliament.executive_weight": 1.0, "executive.partisanship": 0.0}


def random_points(n: int, seed: int = 0):
    """``n`` points drawn uniformly over every parameter's documented range."""
    rng = np.random.default_rng(seed)
    return batch(BASE, {i.name: rng.uniform(i.low, i.high, n) for i in iter_params(SC.params_cls)})


def at(**values):
    return replace_values(BASE, {k.replace("__", "."): v for k, v in values.items()})


def test_seats_add_up_to_the_parliament_in_2018_and_2021():
    assert sum(b.seats for b in BLOCS) == SEATS_TOTAL
    assert sum(SEATS_2021.values()) == SEATS_TOTAL
    assert set(SEATS_2021) == {b.key for b in BLOCS}


def test_components_sum_to_iraqs_unitary_payoff_at_every_leaf():
    p = random_points(500)
    comps = leaf_components_batch_last(SC.domestic, SC.sequential.features, p)  # (n_leaves, C, B)
    payoff = leaf_payoffs_batch_last(SC, p)[:, IRAQ]  # (n_leaves, B)
    np.testing.assert_allclose(comps.sum(axis=1), payoff, rtol=1e-12, atol=1e-9)


def test_clout_sums_to_one_and_follows_seats():
    p = random_points(200, seed=1)
    c = clout(p)
    np.testing.assert_allclose(c.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(c[:, -1], np.asarray(p.parliament.executive_weight).ravel())
    # two blocs' clouts are in the ratio of their seats
    np.testing.assert_allclose(c[:, 0] * np.asarray(p.parliament.seats_fatah).ravel(),
                               c[:, 1] * np.asarray(p.parliament.seats_sairoon).ravel(), rtol=1e-9, atol=1e-12)


def test_a_statesman_weighs_every_component_as_the_state_does():
    w = weights(at(**{"executive.partisanship": 0.0}))
    np.testing.assert_array_equal(w[0, -1], np.ones(w.shape[-1]))


def test_unitary_limit_reproduces_the_spe_over_random_points():
    """Executive weight 1, partisanship 0: one actor with Iraq's payoff decides, so the
    two-level game is the subgame-perfect equilibrium (up to the PCE's 1e-8 floor)."""
    p = replace_values(random_points(400, seed=2), UNITARY)
    spe = solve_spe(SC, p)
    cols = columns_of(SC, solve_two_level(SC, p))
    decisive = ~np.asarray(spe["spe_tie_on_path"])
    assert decisive.mean() > 0.9
    spe_regime = np.asarray(spe["spe_regime"].indices)
    probs = np.stack([cols[f"twolevel_prob_{r}"] for r in
                      ("us_aligned_status_quo", "hedging", "negotiated_drawdown", "russian_pivot", "managed_exit",
                       "confrontation")], axis=1)
    # a near-tie for Iraq (payoffs within ~1e-6) leaves the PCE mixing: compare where Iraq's margin is clear
    clear = decisive & (probs.max(axis=1) > 0.999)
    assert clear.mean() > 0.85
    np.testing.assert_array_equal(probs[clear].argmax(axis=1), spe_regime[clear])
    np.testing.assert_allclose(cols["twolevel_payoff_iraq"][clear], np.asarray(spe["spe_payoff_iraq"])[clear],
                               atol=1e-4)


def test_the_limit_is_approached_as_the_executive_weight_goes_to_one():
    base = replace_values(BASE, {"executive.partisanship": 0.0})
    spe_iraq = solve_spe(SC, base)["spe_iraq"][0].as_py()
    gaps = []
    for w in (0.5, 0.9, 0.99, 0.999, 1.0):
        cols = columns_of(SC, solve_two_level(SC, replace_values(base, {"parliament.executive_weight": w})))
        gaps.append(1.0 - cols[f"twolevel_p_{spe_iraq.replace('+', '_')}"][0])
    assert all(b <= a + 1e-12 for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < 1e-6


def test_batched_solve_equals_point_by_point():
    p = random_points(64, seed=3)
    whole = solve_twolevel(SC, p)
    for b in (0, 17, 63):
        one = solve_twolevel(SC, replace_values(BASE, {i.name: float(np.asarray(
            p_value(p, i.name)).ravel()[b]) for i in iter_params(SC.params_cls)}))
        for key, value in whole.items():
            np.testing.assert_allclose(np.asarray(one[key])[0], np.asarray(value)[b], rtol=1e-12, atol=1e-12,
                                       err_msg=key)


def p_value(p, name):
    obj = p
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# --- the January 2020 back-test (docs/discussion.md §5) ----------------------------------------

def test_january_2020_parliament_passes_the_resolution_and_the_executive_keeps_the_troops():
    """The 2018 parliament, with the Kurdish and Sunni blocs absent, passes the non-binding
    exit resolution (its principle: troops gone, all else unchanged) by a majority of those
    present; the caretaker executive does not implement it: Iraq keeps US troops (hosts
    them or asks for advisers) with high probability."""
    cols = solve_twolevel(SC, BASE)
    assert cols["twolevel_resolution_passes"][0] == 1.0
    assert cols["twolevel_vote_principle"][0] > 0.5
    assert cols["twolevel_p_exit"][0] < 0.05


def test_weighing_the_us_answer_the_resolution_would_fail():
    """The finding docs/discussion.md §5 reports: had the blocs voted on what follows in
    equilibrium (the US answers an exit demand by revoking the energy waiver), only the
    Iran-aligned blocs would have voted for it: Fatah 48 + State of Law 25 of 212 present."""
    cols = solve_twolevel(SC, BASE)
    np.testing.assert_allclose(cols["twolevel_vote_consequence"][0], (48 + 25) / (54 + 48 + 42 + 25 + 19 + 24))


def keep(cols) -> float:
    """P(Iraq keeps US troops and does not buy): host or advisers, status quo or deepen."""
    return sum(float(cols[f"twolevel_p_{d}_{t}"][0]) for d in ("host", "advisers") for t in ("status_quo", "deepen"))


def test_kadhimi_raises_the_probability_of_keeping_the_troops():
    """Kadhimi (May 2020; executive.lean +0.5) against Abdul-Mahdi (-0.5)."""
    abdul_mahdi = solve_twolevel(SC, BASE)
    kadhimi = solve_twolevel(SC, at(executive__lean=0.5))
    assert keep(kadhimi) > keep(abdul_mahdi)
    assert kadhimi["twolevel_p_exit"][0] < abdul_mahdi["twolevel_p_exit"][0]


def test_more_iran_aligned_seats_raise_the_vote_for_the_resolution_on_its_consequences():
    low = solve_twolevel(SC, at(parliament__seats_fatah=20.0))
    high = solve_twolevel(SC, at(parliament__seats_fatah=100.0))
    assert high["twolevel_vote_consequence"][0] > low["twolevel_vote_consequence"][0]


# --- bad input -----------------------------------------------------------------------------

def test_a_bloc_without_alignment_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="bloc 'new' has no alignment") as exc:
        Bloc("new", "New bloc", 10, {}, 1.0, "test")
    assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="unknown alignment 'kurdish'"):
        Bloc("new", "New bloc", 10, {"kurdish": 1}, 1.0, "test")
    with pytest.raises(ConfigError, match="seats=-2 is negative"):
        Bloc("new", "New bloc", -2, {"us": 1}, 1.0, "test")


def test_no_one_to_bargain_is_refused():
    zero = {f"parliament.seats_{b.key}": 0.0 for b in BLOCS}
    zero["parliament.executive_weight"] = 0.0
    with pytest.raises(ConfigError, match="no one decides Iraq's move"):
        solve_twolevel(SC, replace_values(BASE, zero))


def test_options_are_checked():
    with pytest.raises(ConfigError, match="twolevel.model='borda' is unknown"):
        TwoLevelOptions(model="borda")
    with pytest.raises(ConfigError, match="twolevel.lam"):
        TwoLevelOptions(lam=-1.0)


def test_quantal_outer_players_mix_and_converge_to_best_replies():
    soft = solve_twolevel(SC, BASE, TwoLevelOptions(response="quantal", lam=0.5))
    sharp = solve_twolevel(SC, BASE, TwoLevelOptions(response="quantal", lam=1e5))
    best = solve_twolevel(SC, BASE)
    assert 0.0 < soft["twolevel_prob_negotiated_drawdown"][0] < best["twolevel_prob_negotiated_drawdown"][0]
    np.testing.assert_allclose(sharp["twolevel_prob_negotiated_drawdown"][0],
                               best["twolevel_prob_negotiated_drawdown"][0], atol=1e-9)


# --- a real run ------------------------------------------------------------------------------

def run_sim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def test_parliament_experiment_writes_its_tables_and_figures(tmp_path):
    r = run_sim("experiment=parliament", "sweep.x.num=6", "sweep.y.num=5", f"results_dir={tmp_path}", "run_id=t",
                "plot.formats=[png]")
    assert r.returncode == 0, r.stderr
    run = tmp_path / "parliament" / "t"
    for name in ("phase_diagram.png", "parliament_map.png", "parliament.png", "parliament.caption.txt"):
        assert (run / name).stat().st_size > 0, name
    members = pq.read_table(run / "parliament.parquet").to_pandas()
    assert len(members) == 2 * len(SC.domestic.members)
    absent = members[members.vote_principle == "absent"].member
    assert {"KDP", "PUK", "Iraqi Decision (Sunni)"} <= set(absent)
    table = pq.read_table(run / "equilibria.parquet").to_pandas()
    assert len(table) == 30
    probs = table.filter(like="twolevel_prob_").sum(axis=1)
    np.testing.assert_allclose(probs, 1.0, atol=1e-12)


def test_twolevel_needs_a_scenario_with_a_parliament(tmp_path):
    r = run_sim("solvers=[twolevel]", f"results_dir={tmp_path}")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1] == ("sim: error: solvers include twolevel but scenario 'iraq2020' "
                                                 "declares no domestic level; use scenario=iraq2020_blocs")
    assert not any(tmp_path.iterdir())


def test_parliament_table_at_a_node_with_six_options():
    """Russia offering nothing leaves Iraq 6 options: the table reads only those (review fix)."""
    from sim.solvers.twolevel import parliament_tables

    p = replace_values(BASE, {"russia.offer_value": 0.0, "russia.margin": 0.0, "russia.influence": -1.0})
    members, _ = parliament_tables(SC, p, TwoLevelOptions())
    best = set(members.column("best_option").to_pylist())
    assert best and not any(b.endswith("+buy") for b in best)
    members, _ = parliament_tables(SC, BASE, TwoLevelOptions(response="quantal", lam=0.0))
    assert members.num_rows == 2 * len(SC.domestic.members)


def test_no_member_present_gives_no_vote_rather_than_a_vote_of_zero():
    absent = {f"parliament.seats_{k}": 0.0 for k in ("sairoon", "fatah", "nasr", "state_of_law", "hikma", "rest")}
    cols = solve_twolevel(SC, replace_values(BASE, absent))
    assert np.isnan(cols["twolevel_vote_principle"][0]) and np.isnan(cols["twolevel_resolution_passes"][0])
    assert cols["twolevel_p_exit"][0] >= 0  # the bargain itself still runs (the absent blocs still have clout)
