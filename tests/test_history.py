"""The 2020-2022 record (data/history_iraq_2020_2022.csv) and its loader sim.history.record.

The expected values are derived here from the dated facts of docs/history.md (troop
levels, waiver grants, changes of government), not read back from the file; the error
tests corrupt a copy of the shipped file one defect at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from sim.engine.params import ConfigError
from sim.history import DEFAULT_HISTORY, load_record, quarter_index, quarter_name, quarters_between
from sim.scenarios.iraq2020.scenario import ACTORS

DATA = ("government", "us_troops", "waiver_days", "sanctions", "russia", "iran", "iraq", "us", "events")
HEADER = ["quarter"] + [c for d in DATA for c in (d, f"{d}_source")]
QUARTERS = [f"{y}Q{q}" for y in (2020, 2021, 2022) for q in (1, 2, 3, 4)]
LABELS = {"russia": ACTORS[0].actions, "iran": ACTORS[1].actions, "iraq": ACTORS[2].actions,
          "us": ACTORS[3].actions}


def quarter_end(q: str) -> dt.date:
    year, n = int(q[:4]), int(q[-1])
    return dt.date(year + (n == 4), 1 if n == 4 else 3 * n + 1, 1) - dt.timedelta(days=1)


def quarter_start(q: str) -> dt.date:
    return dt.date(int(q[:4]), 3 * int(q[-1]) - 2, 1)


@pytest.fixture(scope="module")
def record():
    return load_record()


@pytest.fixture(scope="module")
def raw():
    with open(DEFAULT_HISTORY, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


# ---- the shipped file ---------------------------------------------------------------

def test_the_shipped_file_has_the_documented_columns_in_order(raw):
    header, rows = raw
    assert header == HEADER
    assert all(len(r) == len(HEADER) for r in rows)


def test_the_shipped_file_covers_2020q1_to_2022q4(record, raw):
    assert list(record.quarters) == QUARTERS
    assert [r[0] for r in raw[1]] == QUARTERS
    assert all(len(cells) == 12 for cells in record.columns.values())


def test_every_source_cell_is_filled(raw):
    header, rows = raw
    for col in (c for c in header if c.endswith("_source")):
        k = header.index(col)
        assert header[k - 1] + "_source" == col  # right after its data column
        empty = [r[0] for r in rows if not r[k].strip()]
        assert not empty, f"{col} empty in {empty}"


def test_every_action_cell_is_a_set_of_model2_labels(record):
    for col, labels in LABELS.items():
        for q, cell in zip(record.quarters, record.observed(col)):
            assert cell and cell <= set(labels), (col, q, cell)


def test_observed_accepts_the_actor_name_and_the_column(record):
    assert record.observed("Iran") == record.observed("iran") == record.observed("IRAN")
    with pytest.raises(ConfigError, match="'Turkey' is unknown"):
        record.observed("Turkey")


def test_troops_follow_the_documented_path(record):
    troops = dict(zip(record.quarters, record.columns["us_troops"]))
    assert troops["2020Q1"] == troops["2020Q2"] == 5200  # ~5,200 until the Sept 2020 cut
    assert troops["2020Q3"] == 3000  # cut to 3,000 during September 2020
    assert troops["2020Q4"] in (3000, 2500)  # 2,500 ordered by 15 Jan 2021
    assert all(troops[q] == 2500 for q in QUARTERS[4:])


def test_the_us_posture_matches_the_troop_count(record):
    for troops, us in zip(record.columns["us_troops"], record.observed("us")):
        posture = {label.split("+")[0] for label in us}
        assert posture == ({"maintain"} if troops == 5200 else {"advisory"})


def test_the_waivers_fall_in_their_quarters(record):
    # the grants listed in docs/history.md: (date, days); renewals of 120 days after March 2021
    grants = [(dt.date(2020, 2, 15), 45), (dt.date(2020, 3, 27), 30), (dt.date(2020, 4, 26), 30),
              (dt.date(2020, 5, 7), 120), (dt.date(2020, 9, 23), 60), (dt.date(2020, 11, 20), 45),
              (dt.date(2021, 3, 31), 120)]
    for q, days in zip(record.quarters, record.columns["waiver_days"]):
        latest = [d for when, d in grants if when <= quarter_end(q)][-1]
        assert days == latest, q


def test_no_sanctions_and_no_coercion_in_any_quarter(record):
    assert set(record.columns["sanctions"]) == {"none"}
    assert all(label.endswith("+accommodate") for us in record.observed("us") for label in us)


def test_iraq_never_buys_and_its_demand_follows_the_record(record):
    demands = [{label.split("+")[0] for label in cell} for cell in record.observed("iraq")]
    assert demands[0] == {"exit"}  # Jan 2020: the caretaker PM asks for a withdrawal mechanism
    assert all(d == {"advisers"} for d in demands[1:])  # from the June 2020 strategic dialogue
    assert not any(label.endswith("+buy") for cell in record.observed("iraq") for label in cell)


def test_the_government_is_the_one_in_office_most_of_the_quarter(record):
    took_office = [(dt.date(2019, 12, 1), "caretaker_abdul_mahdi"), (dt.date(2020, 5, 7), "kadhimi"),
                   (dt.date(2021, 10, 10), "kadhimi_caretaker"), (dt.date(2022, 10, 27), "sudani")]
    for q, gov in zip(record.quarters, record.columns["government"]):
        days = {}
        day = quarter_start(q)
        while day <= quarter_end(q):
            holder = [g for since, g in took_office if since <= day][-1]
            days[holder] = days.get(holder, 0) + 1
            day += dt.timedelta(days=1)
        assert gov == max(days, key=days.get), q


# ---- slicing and quarter helpers ------------------------------------------------------

@pytest.mark.parametrize("start, stop, expected", [
    ("2021Q1", "2021Q4", QUARTERS[4:8]),
    ("2022Q3", None, QUARTERS[10:]),
    (None, "2020Q2", QUARTERS[:2]),
    ("2019Q1", "2020Q1", QUARTERS[:1]),
    ("2020Q3", "2020Q3", ["2020Q3"]),
])
def test_start_and_stop_select_quarters_inclusively(record, start, stop, expected):
    part = load_record(start=start, stop=stop)
    assert list(part.quarters) == expected
    first = QUARTERS.index(expected[0])
    assert part.columns["us_troops"] == record.columns["us_troops"][first:first + len(expected)]


def test_quarter_index_counts_quarters_across_years():
    assert quarter_index("2021Q2", "2020Q1") == 5
    assert quarter_index("2020Q1", "2020Q1") == 0
    assert quarter_index("2021Q1") - quarter_index("2020Q4") == 1
    assert quarter_name(quarter_index("1999Q4")) == "1999Q4"
    assert quarters_between("2020Q3", "2021Q2") == ("2020Q3", "2020Q4", "2021Q1", "2021Q2")
    assert quarters_between("2021Q1", "2020Q4") == ()


@pytest.mark.parametrize("bad", ["2020Q5", "20Q1", "2020q1", "2020Q0", 2020])
def test_quarter_index_rejects_a_malformed_quarter(bad):
    with pytest.raises(ConfigError, match="malformed"):
        quarter_index(bad)


def test_custom_action_labels_replace_model2s():
    assert load_record(actions={"iran": ("restrain", "pressure", "escalate")}).observed("iran")
    with pytest.raises(ConfigError) as err:
        load_record(actions={"iran": ("restrain",)})
    assert "'pressure'" in str(err.value) and "'iran'" in str(err.value)
    with pytest.raises(ConfigError, match="'turkey' is not an action column"):
        load_record(actions={"turkey": ("none",)})


# ---- a corrupted copy: one defect, one line naming it ---------------------------------

def write_copy(tmp_path: Path, edit) -> Path:
    with open(DEFAULT_HISTORY, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows) or rows
    path = tmp_path / "history.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def set_cell(quarter: str, column: str, value: str):
    def edit(rows):
        rows[QUARTERS.index(quarter) + 1][HEADER.index(column)] = value
    return edit


def error_of(path, **kwargs) -> str:
    with pytest.raises(ConfigError) as err:
        load_record(path, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    assert f"history {path}" in message
    return message


def test_a_dropped_row_is_a_missing_quarter(tmp_path):
    path = write_copy(tmp_path, lambda rows: rows.pop(QUARTERS.index("2020Q4") + 1) and None)
    assert "quarter 2020Q4 is missing between 2020Q3 and 2021Q1" in error_of(path)


def test_two_dropped_rows_are_named_as_a_range(tmp_path):
    path = write_copy(tmp_path, lambda rows: rows[:4] + rows[6:])
    assert "quarters 2020Q4-2021Q1 are missing between 2020Q3 and 2021Q2" in error_of(path)


def test_swapped_rows_are_out_of_order(tmp_path):
    def swap(rows):
        rows[2], rows[3] = rows[3], rows[2]  # 2020Q2 <-> 2020Q3
    message = error_of(write_copy(tmp_path, swap))
    assert "line 4: quarter 2020Q2 comes after 2020Q3" in message and "date order" in message


def test_a_repeated_quarter(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2021Q2", "quarter", "2021Q1")))
    assert "quarter 2021Q1 repeats" in message


@pytest.mark.parametrize("bad", ["2020Q5", "20Q1"])
def test_a_malformed_quarter(tmp_path, bad):
    message = error_of(write_copy(tmp_path, set_cell("2020Q3", "quarter", bad)))
    assert f"'{bad}'" in message and "'quarter'" in message and "malformed" in message and "YYYYQn" in message


def test_a_misspelt_action_names_label_column_and_choices(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2020Q3", "iran", "presure")))
    assert "(2020Q3)" in message and "column 'iran'" in message and "'presure'" in message
    assert "did you mean 'pressure'" in message and "restrain, pressure" in message


def test_a_bad_label_inside_a_set(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2022Q2", "russia", "none|S-500")))
    assert "(2022Q2)" in message and "'S-500'" in message and "none, S-300, S-400" in message


def test_a_non_integer_troop_count(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2021Q1", "us_troops", "abc")))
    assert "(2021Q1)" in message and "'us_troops'" in message and "'abc'" in message and "whole number" in message


def test_a_non_integer_waiver(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2020Q2", "waiver_days", "120.5")))
    assert "(2020Q2)" in message and "'waiver_days'" in message and "'120.5'" in message


def test_an_empty_source(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2021Q3", "iran_source", "  ")))
    assert "(2021Q3)" in message and "'iran_source' is empty" in message and "assumption" in message


def test_an_unknown_government(tmp_path):
    message = error_of(write_copy(tmp_path, set_cell("2022Q4", "government", "sudany")))
    assert "(2022Q4)" in message and "'government'" in message and "did you mean 'sudani'" in message


def test_a_missing_column(tmp_path):
    k = HEADER.index("waiver_days_source")
    message = error_of(write_copy(tmp_path, lambda rows: [r[:k] + r[k + 1:] for r in rows]))
    assert "column 'waiver_days_source' is missing" in message


def test_a_misspelt_column(tmp_path):
    def rename(rows):
        rows[0][HEADER.index("government")] = "goverment"
    message = error_of(write_copy(tmp_path, rename))
    assert "column 'government' is missing (did you mean 'goverment'?)" in message


def test_an_empty_range(tmp_path):
    assert ("the range 2023Q1-2023Q4 holds no quarter; the file covers 2020Q1-2022Q4"
            in error_of(DEFAULT_HISTORY, start="2023Q1", stop="2023Q4"))
    assert "start 2022Q1 is after stop 2021Q1" in error_of(DEFAULT_HISTORY, start="2022Q1", stop="2021Q1")
    assert "start '2021Q7' is malformed" in error_of(DEFAULT_HISTORY, start="2021Q7")


def test_an_unreadable_or_empty_file(tmp_path):
    assert "cannot read the file" in error_of(tmp_path / "nowhere.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert "the file is empty" in error_of(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(HEADER) + "\n")
    assert "no quarter" in error_of(header_only)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00quarter")
    assert "cannot read the file" in error_of(binary)


def test_a_row_with_too_few_cells(tmp_path):
    message = error_of(write_copy(tmp_path, lambda rows: rows[3].pop() and None))
    assert "line 4 has 18 cells where the header has 19" in message
