"""Reading the user's tables whole, streamed, for `presence export`."""

from __future__ import annotations

from collections.abc import Iterator

from presence.errors import StoreError
from presence.store.activity import ActivityTables
from presence.store.db import IN_RANGE

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

# The tables a user may export, each with the column that orders it in time ("" for the
# people tables, which are not in time and always exported whole); the CLI's `--table`
# choices come from here.
EXPORT_TABLES: dict[str, str] = {"activity": "start", "meetings": "start",
                                 "in_person_log": "start", "focus_windows": "start",
                                 "nudges": "at", "people": "", "person_aliases": "",
                                 "meeting_people": "", "log_people": ""}


class ExportTables(ActivityTables):
    """Whole rows of the exportable tables."""

    def export_rows(self, table: str, start: float | None = None,
                    end: float | None = None) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """The columns and, streamed, the rows of one of the user's tables.

        Rows overlapping [start, end) (nudges: decided in it), oldest first; everything when
        the bounds are None.

        Raises:
            StoreError: not an exportable table, or the read failed.
        """
        if table not in EXPORT_TABLES:
            raise StoreError(f"cannot export {table!r} (tables: {', '.join(EXPORT_TABLES)})")
        lo = -float("inf") if start is None else start
        hi = float("inf") if end is None else end
        columns = [r[1] for r in self._read(f"PRAGMA table_info({table})")]
        if not EXPORT_TABLES[table]:
            return columns, self._stream(f"SELECT {', '.join(columns)} FROM {table} "
                                         f"ORDER BY {columns[0]}, {columns[-1]}")
        if EXPORT_TABLES[table] == "at":
            where, params = "at >= ? AND at < ?", (lo, hi)
        else:
            lower = self._lower_bound(lo) if table == "activity" and start is not None else None
            where, params = f"start < ? AND end > ? AND {IN_RANGE}", (hi, lo)
            if lower is not None:
                where, params = "start >= ? AND " + where, (lower, hi, lo)
        return columns, self._stream(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {where} "
            f"ORDER BY {EXPORT_TABLES[table]}, id", params)
