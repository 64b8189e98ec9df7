"""The quarterly record 2020Q1-2022Q4 as checked data: reader, schema check and slicing.

The file (``data/history_iraq_2020_2022.csv``, described in docs/history.md) has one row
per quarter and the columns :data:`COLUMNS`: ``quarter``, then each data column followed by
``<column>_source``, the outlet and date behind that cell (or ``assumption: <why>``).
Action columns (:data:`ACTION_COLUMNS`) hold one of Model 2's labels, or several joined by
``|`` where the record does not tell them apart; :meth:`Record.observed` returns them as
sets, so a likelihood can sum over each set.

Every defect found is raised as :class:`~sim.engine.params.ConfigError` with one line that
names the file, the line and quarter, the column and what is allowed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from sim import resources
from sim.dynamic.calendar import QUARTER, QUARTER_HINT, quarter_index, quarter_name
from sim.engine.params import ConfigError, did_you_mean
from sim.scenarios.iraq2020.scenario import ACTORS

#: The shipped record (conf/data links to the repository's data/).
DEFAULT_HISTORY = Path(resources.CONF_DIR) / "data" / "history_iraq_2020_2022.csv"

GOVERNMENTS = ("caretaker_abdul_mahdi", "kadhimi", "kadhimi_caretaker", "sudani")
#: US sanctions on Iraq beyond the energy waiver, whose length is ``waiver_days``.
SANCTIONS = ("none", "targeted", "severe")
#: Action column -> the Model 2 actor whose labels it holds.
ACTION_COLUMNS = MappingProxyType({"russia": "Russia", "iran": "Iran", "iraq": "Iraq", "us": "US"})
#: Integer columns and their units.
INT_COLUMNS = MappingProxyType({"us_troops": "US troops in Iraq at the quarter's end",
                                "waiver_days": "days of the latest energy waiver"})
DATA_COLUMNS = ("government", "us_troops", "waiver_days", "sanctions", "russia", "iran", "iraq", "us", "events")
COLUMNS = ("quarter",) + tuple(c for d in DATA_COLUMNS for c in (d, f"{d}_source"))
SET_SEPARATOR = "|"



def quarters_between(first: str, last: str) -> tuple[str, ...]:
    """Every quarter from ``first`` to ``last`` inclusive, in order; empty when ``first``
    comes after ``last``."""
    return tuple(quarter_name(i) for i in range(quarter_index(first), quarter_index(last) + 1))


def model2_actions() -> dict[str, tuple[str, ...]]:
    """Action column -> Model 2's labels of that actor (sim.scenarios.iraq2020.scenario)."""
    by_name = {a.name: a.actions for a in ACTORS}
    return {col: tuple(by_name[actor]) for col, actor in ACTION_COLUMNS.items()}


@dataclass(frozen=True)
class Record:
    """The checked record of consecutive quarters.

    ``quarters``: the quarters, e.g. ``("2020Q1", ..., "2022Q4")``, length ``T``.
    ``columns``: every column but ``quarter`` -> a tuple of ``T`` cells; ``us_troops``
    (troops) and ``waiver_days`` (days) are ints, the rest strings (an action cell keeps
    its labels joined by ``|``). ``actions``: action column -> the labels it was checked
    against. ``path``: the file read, for messages.
    """

    path: str
    quarters: tuple[str, ...]
    columns: Mapping[str, tuple]
    actions: Mapping[str, tuple[str, ...]]

    def __post_init__(self):
        object.__setattr__(self, "quarters", tuple(self.quarters))
        object.__setattr__(self, "columns", MappingProxyType({k: tuple(v) for k, v in self.columns.items()}))
        object.__setattr__(self, "actions", MappingProxyType({k: tuple(v) for k, v in self.actions.items()}))

    def __len__(self) -> int:
        return len(self.quarters)

    def observed(self, actor: str) -> tuple[frozenset[str], ...]:
        """The set of labels observed for ``actor`` in each quarter, length ``T``.

        ``actor``: an action column (``russia``, ``iran``, ``iraq``, ``us``) or the
        Model 2 actor's name (``Russia``, ``Iran``, ``Iraq``, ``US``), any case."""
        column = _action_column(actor)
        return tuple(frozenset(cell.split(SET_SEPARATOR)) for cell in self.columns[column])


def _action_column(actor: str) -> str:
    names = {col: col for col in ACTION_COLUMNS} | {a.lower(): col for col, a in ACTION_COLUMNS.items()}
    column = names.get(str(actor).lower())
    if column is None:
        raise ConfigError(f"Record.observed: actor {actor!r} is unknown{did_you_mean(actor, ACTION_COLUMNS)}; "
                          f"allowed: {', '.join(ACTION_COLUMNS)} (or {', '.join(ACTION_COLUMNS.values())})")
    return column


def load_record(path: str | Path = DEFAULT_HISTORY, *, start: str | None = None, stop: str | None = None,
                actions: Mapping[str, object] | None = None) -> Record:
    """Read, check and slice the quarterly record.

    ``path``: the CSV file. ``start``/``stop``: the first and last quarter kept, inclusive
    ("2020Q1"); None keeps the file's own ends. ``actions``: action column -> its allowed
    labels, replacing Model 2's labels for the columns it names (the others keep them).
    Raises ConfigError (one line: file, line and quarter, column, what is allowed) for an
    unreadable or empty file, a missing or unknown column, a malformed, repeated,
    out-of-order or missing quarter, a non-integer troop count or waiver, an unknown
    label, an empty cell or source, and a range that holds no quarter.
    """
    name = str(path)
    allowed = _allowed_actions(actions, name)
    header, rows = _read_table(Path(path), name)
    _check_header(header, name)
    quarters = [_row_quarter(row, line, name) for line, row in rows]
    _check_sequence(quarters, [line for line, _ in rows], name)
    cells = [_check_row(row, line, q, allowed, name) for (line, row), q in zip(rows, quarters)]
    keep = _select(quarters, start, stop, name)
    columns = {col: tuple(cells[k][col] for k in keep) for col in COLUMNS[1:]}
    return Record(name, tuple(quarters[k] for k in keep), columns, allowed)


def _allowed_actions(actions, name: str) -> dict[str, tuple[str, ...]]:
    allowed = model2_actions()
    if actions is None:
        return allowed
    if not isinstance(actions, Mapping):
        raise ConfigError(f"history {name}: actions must map an action column ({', '.join(ACTION_COLUMNS)}) "
                          f"to its allowed labels, not {type(actions).__name__}")
    for key, labels in actions.items():
        if key not in ACTION_COLUMNS:
            raise ConfigError(f"history {name}: actions key {key!r} is not an action column"
                              f"{did_you_mean(key, ACTION_COLUMNS)}; allowed: {', '.join(ACTION_COLUMNS)}")
        ok = not isinstance(labels, str) and isinstance(labels, (list, tuple, set, frozenset))
        labels = tuple(labels) if ok else ()
        if not labels or not all(isinstance(x, str) and x and SET_SEPARATOR not in x for x in labels):
            raise ConfigError(f"history {name}: actions[{key!r}] must be a non-empty list of labels "
                              f"(strings without '{SET_SEPARATOR}'), e.g. {list(allowed[key])}")
        allowed[key] = labels
    return allowed


def _read_table(path: Path, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, column -> stripped cell)]); blank lines are skipped."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, strict=True)
            table = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError(f"history {name}: cannot read the file ({reason})") from None
    table = [(line, row) for line, row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ConfigError(f"history {name}: the file is empty; its first line must be the header "
                          f"{','.join(COLUMNS)}")
    header = [cell.strip() for cell in table[0][1]]
    rows = []
    for line, row in table[1:]:
        if len(row) != len(header):
            raise ConfigError(f"history {name}: line {line} has {len(row)} cells where the header has "
                              f"{len(header)}; quote a cell that holds a comma")
        rows.append((line, {col: cell.strip() for col, cell in zip(header, row)}))
    if not rows:
        raise ConfigError(f"history {name}: the file has a header but no quarter; add one row per quarter")
    return header, rows


def _check_header(header: list[str], name: str) -> None:
    need = f"the header must hold each of {','.join(COLUMNS)} once"
    for col in header:
        if header.count(col) > 1:
            raise ConfigError(f"history {name}: column {col!r} appears {header.count(col)} times; {need}")
    extra = [col for col in header if col not in COLUMNS]
    for col in COLUMNS:
        if col not in header:
            raise ConfigError(f"history {name}: column {col!r} is missing{did_you_mean(col, extra)}; {need}")
    if extra:
        raise ConfigError(f"history {name}: column {extra[0]!r} is unknown{did_you_mean(extra[0], COLUMNS)}; "
                          f"{need}")


def _row_quarter(row: dict[str, str], line: int, name: str) -> str:
    quarter = row["quarter"]
    if QUARTER.fullmatch(quarter) is None:
        raise ConfigError(f"history {name}: line {line}: column 'quarter' holds {quarter!r}, which is "
                          f"malformed; {QUARTER_HINT}")
    return quarter


def _check_sequence(quarters: list[str], lines: list[int], name: str) -> None:
    """Order first (a swap shows as a quarter out of order, not as a gap), then gaps."""
    index = [quarter_index(q) for q in quarters]
    for k in range(1, len(index)):
        if index[k] <= index[k - 1]:
            what = "repeats" if index[k] == index[k - 1] else f"comes after {quarters[k - 1]}"
            raise ConfigError(f"history {name}: line {lines[k]}: quarter {quarters[k]} {what}; the rows "
                              "must run in date order, one per quarter")
    for k in range(1, len(index)):
        gap = index[k] - index[k - 1]
        if gap > 1:
            first, last = quarter_name(index[k - 1] + 1), quarter_name(index[k] - 1)
            what = f"quarter {first} is" if gap == 2 else f"quarters {first}-{last} are"
            raise ConfigError(f"history {name}: {what} missing between {quarters[k - 1]} and {quarters[k]}")


def _check_row(row: dict[str, str], line: int, quarter: str, allowed: Mapping[str, tuple[str, ...]],
               name: str) -> dict[str, object]:
    """Column -> checked cell (int for :data:`INT_COLUMNS`, else the stripped string)."""
    where = f"history {name}: line {line} ({quarter})"
    out: dict[str, object] = {}
    for col in COLUMNS[1:]:
        value = row[col]
        if not value:
            need = ("every cell needs its source: an outlet and date, or 'assumption: <why>'"
                    if col.endswith("_source") else f"allowed: {_allowed_text(col, allowed)}")
            raise ConfigError(f"{where}: column {col!r} is empty; {need}")
        out[col] = _check_cell(col, value, where, allowed)
    return out


def _allowed_text(col: str, allowed: Mapping[str, tuple[str, ...]]) -> str:
    if col in INT_COLUMNS:
        return f"a whole number >= 0 ({INT_COLUMNS[col]})"
    if col in ACTION_COLUMNS:
        return f"{', '.join(allowed[col])}, or several joined by '{SET_SEPARATOR}'"
    choices = {"government": GOVERNMENTS, "sanctions": SANCTIONS}.get(col)
    return ", ".join(choices) if choices else "a short text"


def _check_cell(col: str, value: str, where: str, allowed: Mapping[str, tuple[str, ...]]) -> object:
    if col in INT_COLUMNS:
        if not re.fullmatch(r"\d+", value):
            raise ConfigError(f"{where}: column {col!r} holds {value!r}; allowed: {_allowed_text(col, allowed)}")
        return int(value)
    if col in ACTION_COLUMNS:
        return _check_labels(col, value, where, allowed)
    choices = {"government": GOVERNMENTS, "sanctions": SANCTIONS}.get(col)
    if choices and value not in choices:
        raise ConfigError(f"{where}: column {col!r} holds {value!r}{did_you_mean(value, choices)}; "
                          f"allowed: {', '.join(choices)}")
    return value


def _check_labels(col: str, value: str, where: str, allowed: Mapping[str, tuple[str, ...]]) -> str:
    """The cell's labels, stripped, duplicates dropped, joined by ``|``."""
    labels = [label.strip() for label in value.split(SET_SEPARATOR)]
    for label in labels:
        if label not in allowed[col]:
            raise ConfigError(f"{where}: column {col!r} has unknown action {label!r}"
                              f"{did_you_mean(label, allowed[col])}; allowed: {_allowed_text(col, allowed)}")
    return SET_SEPARATOR.join(dict.fromkeys(labels))


def _select(quarters: list[str], start: str | None, stop: str | None, name: str) -> list[int]:
    """Positions of the rows in [start, stop], inclusive."""
    bounds = []
    for arg, value in (("start", start), ("stop", stop)):
        if value is not None and (not isinstance(value, str) or QUARTER.fullmatch(value) is None):
            raise ConfigError(f"history {name}: {arg} {value!r} is malformed; {QUARTER_HINT}, or None")
        bounds.append(None if value is None else quarter_index(value))
    lo, hi = bounds
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"history {name}: start {start} is after stop {stop}; the range is inclusive, "
                          "so start must not come after stop")
    keep = [k for k, q in enumerate(quarters)
            if (lo is None or quarter_index(q) >= lo) and (hi is None or quarter_index(q) <= hi)]
    if not keep:
        span = (f"{start}-{stop}" if start is not None and stop is not None
                else f"from {start}" if start is not None else f"up to {stop}")
        raise ConfigError(f"history {name}: the range {span} holds no quarter; the file covers "
                          f"{quarters[0]}-{quarters[-1]}")
    return keep
