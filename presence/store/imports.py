"""Importing history (ActivityWatch): staging events, reading a device's coverage, writing spans.

An export lists events in no useful order (aw-server writes them newest first, and a bucket's
metadata may come after its events), so the import first stages every event in a temporary
table (outside the user's database, on disk: memory stays flat) and reads each bucket back in
time order. Staging takes no lock on the database; writing the spans is one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from presence.errors import StoreError
from presence.model import Span
from presence.store.db import Store

PAGE = 20_000

# (bucket index, start, end, app or status, title or package)
StagedRow = tuple[int, float, float, "str | None", "str | None"]


class Staging:
    """A temporary table of staged events on a store's connection, dropped on `close()`."""

    def __init__(self, store: Store):
        """Create the (empty) staging table."""
        self.store = store
        self._conn = store.conn
        try:
            self._conn.execute("DROP TABLE IF EXISTS temp.import_events")
            self._conn.execute("CREATE TEMP TABLE import_events (bucket INTEGER NOT NULL, "
                               "start REAL NOT NULL, end REAL NOT NULL, app TEXT, detail TEXT)")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{store.path}: cannot stage the import ({exc})") from exc
        self._indexed = False

    def add(self, rows: Iterable[StagedRow]) -> None:
        """Stage some events."""
        try:
            self._conn.execute("BEGIN")  # touches only the temporary database: no lock
            self._conn.executemany("INSERT INTO temp.import_events VALUES (?, ?, ?, ?, ?)", rows)
            self._conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise StoreError(f"{self.store.path}: cannot stage the import ({exc})") from exc

    def events(self, bucket: int) -> Iterator[tuple[float, float, str | None, str | None]]:
        """The staged events of one bucket, by start (then end), streamed."""
        try:
            if not self._indexed:
                self._conn.execute("CREATE INDEX temp.import_events_order "
                                   "ON import_events (bucket, start, end)")
                self._indexed = True
            cursor = self._conn.execute(
                "SELECT start, end, app, detail FROM temp.import_events WHERE bucket = ? "
                "ORDER BY start, end", (bucket,))
            while rows := cursor.fetchmany(PAGE):
                yield from rows
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.store.path}: cannot read the staged import ({exc})") from exc

    def close(self) -> None:
        """Drop the staging table."""
        try:
            self._conn.execute("DROP TABLE IF EXISTS temp.import_events")
        except sqlite3.DatabaseError:
            pass  # it goes with the connection anyway


@contextmanager
def import_transaction(store: Store) -> Iterator[None]:
    """One write transaction for a whole import: all of it is stored, or none."""
    conn = store.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"{store.path}: the import was not stored ({exc})") from exc
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def covered(store: Store, device: str, since: float) -> Iterator[tuple[float, float]]:
    """`(start, end)` of the device's stored spans that end after `since`, by start, streamed
    in pages (spans written meanwhile, later than the page read, may appear too)."""
    conn = store.conn
    try:
        longest = conn.execute("SELECT max(end - start) FROM activity WHERE device = ?",
                               (device,)).fetchone()[0]
        if longest is None:
            return
        after, after_id = since - longest, -1
        while True:
            rows = conn.execute(
                "SELECT start, end, id FROM activity WHERE device = ? AND (start > ? OR "
                "(start = ? AND id > ?)) ORDER BY start, id LIMIT ?",
                (device, after, after, after_id, PAGE)).fetchall()
            for start, end, _ in rows:
                if end > since:
                    yield start, end
            if len(rows) < PAGE:
                return
            after, _, after_id = rows[-1]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{store.path}: read failed ({exc})") from exc


def insert_spans(store: Store, spans: Iterable[Span], device: str) -> None:
    """Store spans of `device` (inside the caller's transaction)."""
    try:
        store.conn.executemany(
            "INSERT INTO activity (start, end, app, category, title, device) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((s.start, s.end, s.app, s.category, s.title, device) for s in spans))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{store.path}: write failed ({exc})") from exc
