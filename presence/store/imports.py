"""Staging an import (ActivityWatch) in a temporary table, to read each bucket in time order.

An export lists events in no useful order (aw-server writes them newest first, and a bucket's
metadata may come after its events), so the import first stages every event in a temporary
table — outside the user's database, on disk, so memory stays flat — and reads each bucket
back sorted. Staging takes no lock on the database; writing the spans is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import ContextManager

from presence.errors import StoreError
from presence.store.db import Tables

PAGE = 20_000

# (start, end, app or status, title or package); its sequence number is its place in line
StagedRow = tuple[float, float, "str | None", "str | None"]
ORDERS = ("ascending", "descending", "unsorted")


class ImportTables(Tables):
    """The temporary `import_events` table of an import in progress on this connection.

    Events are numbered in file order (`seq`), so one bucket is a range of numbers, and a
    bucket whose events came in time order (aw-server writes newest first) reads back without
    sorting.
    """

    def start_staging(self) -> None:
        """Create the (empty) staging table, replacing any left from before."""
        # Staged rows are worth nothing after a crash: no rollback journal for them.
        self._write("PRAGMA temp.journal_mode = OFF")
        self._write("DROP TABLE IF EXISTS temp.import_events")
        self._write("CREATE TEMP TABLE import_events (seq INTEGER PRIMARY KEY, "
                    "start REAL NOT NULL, end REAL NOT NULL, app TEXT, detail TEXT)")

    def staging(self) -> ContextManager[None]:
        """One transaction around all the `stage` calls of an import (it writes only the
        temporary database, so it holds no lock on the user's)."""
        return self.transaction("cannot stage the import", write=False)

    def stage(self, rows: list[StagedRow]) -> None:
        """Stage some events; they are numbered on from the last staged (1 for the first)."""
        with self.staging():
            self._write_many("INSERT INTO temp.import_events (start, end, app, detail) "
                             "VALUES (?, ?, ?, ?)", rows)

    def staged(self, first: int, last: int,
               order: str) -> Iterator[tuple[float, float, str | None, str | None]]:
        """The staged events numbered first..last by start (then end), streamed in pages.

        Args:
            first: the first sequence number.
            last: the last sequence number.
            order: how they were staged (`ORDERS`): in time order, reversed, or neither.
        """
        sql = ("SELECT start, end, app, detail FROM temp.import_events "
               "WHERE seq BETWEEN ? AND ? ORDER BY ")
        sql += {"ascending": "seq", "descending": "seq DESC", "unsorted": "start, end"}[order]
        cursor = self._stream(sql, (first, last))
        try:
            while rows := cursor.fetchmany(PAGE):  # type: ignore[attr-defined]
                yield from rows
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read the staged import ({exc})") from exc

    def stop_staging(self) -> None:
        """Drop the staging table."""
        self._write("DROP TABLE IF EXISTS temp.import_events")
