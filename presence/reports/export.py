"""`presence export`: the user's data as CSV or JSON, streamed, theirs to take.

Times become ISO 8601 in the configured zone with its offset (unambiguous, and readable in a
spreadsheet); everything else is exported as stored. Rows are streamed, so a year of spans
never sits in memory at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any, TextIO

from presence.sanitise import block, json_text
from presence.store import EXPORT_TABLES, Store

TABLES = tuple(EXPORT_TABLES)
_TIME_COLUMNS = frozenset({"start", "end", "at"})


def _stamp(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, (int, float)) and abs(value) != float("inf"):
        return datetime.fromtimestamp(value, tz).isoformat(timespec="seconds")
    return value


def records(store: Store, table: str, start: float | None, end: float | None,
            tz: tzinfo) -> tuple[list[str], Iterator[list[Any]]]:
    """The columns and rows of `table` overlapping [start, end), times as local ISO 8601.

    Activity rows gain `seconds`, their exact length (the times are shown to the second).
    """
    columns, rows = store.export_rows(table, start, end)
    timed = [i for i, c in enumerate(columns) if c in _TIME_COLUMNS]
    extra = table == "activity"

    def convert() -> Iterator[list[Any]]:
        for row in rows:
            out = list(row)
            for i in timed:
                out[i] = _stamp(row[i], tz)
            if extra:
                out.append(round(row[columns.index("end")] - row[columns.index("start")], 3))
            yield out

    return columns + (["seconds"] if extra else []), convert()


def write_csv(out: TextIO, store: Store, table: str, start: float | None, end: float | None,
              tz: tzinfo) -> int:
    """Write one table as CSV with a header row; returns the number of rows."""
    columns, rows = records(store, table, start, end, tz)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        # titles and notes came from outside; the export often goes straight to a terminal
        writer.writerow([block(v) if isinstance(v, str) else v for v in row])
        count += 1
    return count


def write_json(out: TextIO, store: Store, tables: Iterable[str], start: float | None,
               end: float | None, tz: tzinfo, zone: str) -> int:
    """Write `{"timezone", "from", "to", table: [{column: value}, ...], ...}`, one row a line.

    Returns:
        The number of rows written.
    """
    count = 0
    out.write("{" + f'"timezone": {json.dumps(zone)}, "from": {json.dumps(_stamp(start, tz))}, '
              f'"to": {json.dumps(_stamp(end, tz))}')
    for table in tables:
        columns, rows = records(store, table, start, end, tz)
        out.write(f',\n"{table}": [')
        sep = "\n"
        for row in rows:
            out.write(sep + json_text(json.dumps(dict(zip(columns, row)), ensure_ascii=False)))
            sep = ",\n"
            count += 1
        out.write("\n]" if sep != "\n" else "]")
    out.write("}\n")
    return count
