"""Rows whose times presence cannot show: counted for `presence doctor`, skipped by readers.

Older versions accepted `log 999999999d` and `focus add --for 999999999d`; such a row stays in
the user's database. Every reader filters on `IN_RANGE` (store/db.py), so none of them
crashes on it, and doctor says how many there are and where.
"""

from __future__ import annotations

from presence.store.db import IN_RANGE, Tables

# The tables with a start and an end, the ones a user's commands write.
_TIMED = ("activity", "meetings", "in_person_log", "focus_windows")


class RangeTables(Tables):
    """Counting rows out of range."""

    def out_of_range(self) -> dict[str, int]:
        """How many rows of each timed table lie outside 1970–9000 (or end before they
        start); tables with none are left out."""
        found = {}
        for table in _TIMED:
            count = self._read(f"SELECT count(*) FROM {table} WHERE NOT ({IN_RANGE}) "
                               "OR start IS NULL OR end IS NULL")[0][0]
            if count:
                found[table] = count
        return found
