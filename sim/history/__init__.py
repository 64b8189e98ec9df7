"""The 2020-2022 record of the US-Russia-Iran-Iraq contest as data (docs/history.md).

:mod:`sim.history.record` reads ``data/history_iraq_2020_2022.csv`` (one row per quarter,
every cell with its source), checks it and returns a :class:`~sim.history.record.Record`
whose action columns are sets of Model 2's labels, ready for a likelihood.
"""

from sim.history.record import (
    DEFAULT_HISTORY,
    Record,
    load_record,
    quarter_index,
    quarter_name,
    quarters_between,
)

__all__ = ["DEFAULT_HISTORY", "Record", "load_record", "quarter_index", "quarter_name", "quarters_between"]
