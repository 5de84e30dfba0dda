"""Staging an import (ActivityWatch) in a temporary table, to read each bucket in time order.

An export lists events in no useful order (aw-server writes them newest first, and a bucket's
metadata may come after its events), so the import first stages every event in a temporary
table — outside the user's database, on disk, so memory stays flat — and reads each bucket
back sorted. Staging takes no lock on the database; writing the spans is one transaction.

Events are staged a batch to a row (a run of events as the reader decoded it, `marshal`led):
a row per event cost SQLite more than everything else the import does with an event. A
bucket whose events came in time order, or in reverse (aw-server's own export), reads back
batch by batch; only a bucket in neither order is copied to a table of one row per event for
SQLite to sort.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterator
from itertools import chain

from presence.errors import StoreError
from presence.store.db import Tables

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import ContextManager

PAGE = 20_000

# (start, end, app or status, title or package)
StagedRow = tuple[float, float, "str | None", "str | None"]
ORDERS = ("ascending", "descending", "unsorted")


class ImportTables(Tables):
    """The temporary `import_batches` table of an import in progress on this connection.

    Batches are numbered in file order (`seq`, from 1), so one bucket is a range of numbers.
    """

    def start_staging(self) -> None:
        """Create the (empty) staging tables, replacing any left from before."""
        # Staged rows are worth nothing after a crash: no rollback journal for them.
        self._write("PRAGMA temp.journal_mode = OFF")
        self.stop_staging()
        self._write("CREATE TEMP TABLE import_batches (seq INTEGER PRIMARY KEY, "
                    "events BLOB NOT NULL)")

    def staging(self) -> ContextManager[None]:
        """One transaction around all the `stage` calls of an import (it writes only the
        temporary database, so it holds no lock on the user's)."""
        return self.transaction("cannot stage the import", write=False)

    def stage(self, rows: list[StagedRow]) -> int:
        """Stage a batch of events (in file order); returns its number."""
        with self.staging():
            return int(self._write("INSERT INTO temp.import_batches (events) VALUES (?)",
                                   (marshal.dumps(rows),)).lastrowid)

    def staged(self, first: int, last: int, order: str) -> Iterator[StagedRow]:
        """The events of batches first..last by start (then end), streamed.

        Args:
            first: the first batch number.
            last: the last batch number.
            order: how the events came (`ORDERS`): in time order, reversed, or neither.
        """
        if order == "unsorted":
            return self._sorted(first, last)
        # The events are chained in C: no Python code runs per event here.
        return chain.from_iterable(self._batches(first, last, order == "descending"))

    def _batches(self, first: int, last: int, descending: bool) -> Iterator[list[StagedRow]]:
        for seq in range(last, first - 1, -1) if descending else range(first, last + 1):
            rows = self._read("SELECT events FROM temp.import_batches WHERE seq = ?", (seq,))
            if rows:
                batch = marshal.loads(rows[0][0])
                if descending:
                    batch.reverse()
                yield batch

    def _sorted(self, first: int, last: int) -> Iterator[StagedRow]:
        """A bucket in no order: its events one to a row, read back sorted by SQLite."""
        table = f"temp.import_sorted_{first}"  # one per bucket: buckets are read side by side
        self._write(f"DROP TABLE IF EXISTS {table}")
        self._write(f"CREATE TABLE {table} (start REAL NOT NULL, end REAL NOT NULL, app TEXT, "
                    "detail TEXT)")
        with self.staging():
            for seq in range(first, last + 1):
                for (events,) in self._read("SELECT events FROM temp.import_batches "
                                            "WHERE seq = ?", (seq,)):
                    self._write_many(f"INSERT INTO {table} VALUES (?, ?, ?, ?)",
                                     marshal.loads(events))
        cursor = self._stream(f"SELECT start, end, app, detail FROM {table} ORDER BY start, end")
        try:
            while rows := cursor.fetchmany(PAGE):  # type: ignore[attr-defined]
                yield from rows
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read the staged import ({exc})") from exc

    def stop_staging(self) -> None:
        """Drop the staging tables."""
        tables = self._read("SELECT name FROM temp.sqlite_master WHERE type = 'table' AND "
                            "(name = 'import_batches' OR name LIKE 'import_sorted_%')")
        for (name,) in tables:
            self._write(f"DROP TABLE temp.{name}")
