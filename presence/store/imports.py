"""An import (ActivityWatch): staged in a temporary table to read each bucket in time order,
then written many spans at a time.

An export lists events in no useful order (aw-server writes them newest first, and a bucket's
metadata may come after its events), so the import first stages every event in a temporary
table — outside the user's database, on disk, so memory stays flat — and reads each bucket
back sorted. Staging takes no lock on the database; writing the spans is one transaction.

Events are staged a batch to a row (a run of events as the reader decoded it, `marshal`led):
a row per event cost SQLite more than everything else the import does with an event. A
bucket whose events came in time order, or in reverse (aw-server's own export), reads back
batch by batch; only a bucket in neither order is copied to a table of one row per event for
SQLite to sort.

The spans, hundreds of thousands for a year, are written in one transaction with the per-row
seal trigger set aside (its work done once at the end), 100 rows to a statement, each row
built a column at a time; the coverage check reads what the device has stored already, so
importing the same history again adds nothing.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, islice, repeat
from operator import mul

from presence.errors import StoreError
from presence.store.activity import INSERT_AT, INSERT_SPAN, ActivityTables
from presence.store.migrations import FORGET_CACHES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any, ContextManager

PAGE = 20_000
COVERAGE_PAGE = 20_000
# INSERT_AT for this many rows in one statement: a third less of SQLite's work per row than
# a statement per row (one step, one reset, one release of the GIL for them all).
ROWS_PER_INSERT = 100
INSERT_ROWS = ("INSERT INTO spans (id, dur, app, category, device) VALUES " + ", ".join(
    f"(?{5 * k + 1}, ?{5 * k + 2} - ?{5 * k + 1}, ?{5 * k + 3}, ?{5 * k + 4}, ?{5 * k + 5})"
    for k in range(ROWS_PER_INSERT)))

# (start, end, app or status, title or package)
StagedRow = tuple[float, float, "str | None", "str | None"]
ORDERS = ("ascending", "descending", "unsorted")


class ImportTables(ActivityTables):
    """The temporary `import_batches` table of an import in progress on this connection, and
    the spans it writes.

    Batches are numbered in file order (`seq`, from 1), so one bucket is a range of numbers.
    """

    _bulk_first: float | None = None  # earliest span start (ms) inside `bulk_spans`

    @contextmanager
    def bulk_spans(self, what: str) -> Iterator[None]:
        """One write transaction around many `insert_spans` (an import of years of history).

        The seal trigger on `spans` forgets the rollups when a span lands in sealed history;
        run for each of a year's spans it costs as much as the inserts themselves. Inside this
        block it is set aside and its work done once, at the end, if any span landed before
        the seal. Nobody sees the table without it: the block is one transaction holding the
        write lock, and a failure rolls the trigger back in with everything else.

        Raises:
            StoreError: SQLite failed; nothing of the block was stored.
        """
        with self.transaction(what):
            trigger = self._read("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                 "name = 'spans_sealed_insert'")
            sealed = self._read("SELECT sealed FROM span_reach")
            if trigger:
                self._write("DROP TRIGGER spans_sealed_insert")
            self._bulk_first = float("inf")
            try:
                yield
            finally:
                first, self._bulk_first = self._bulk_first, None
            if trigger:
                self._write(trigger[0][0])
            if sealed and first < sealed[0][0] * 1000:
                for sql in FORGET_CACHES:
                    self._write(sql)

    def insert_spans(self, spans: list[tuple[Any, ...]], device: str) -> None:
        """Store many spans of `device` at once (an import, inside its transaction).

        Args:
            spans: `(start, end, app, category, title)` tuples (a `Span`'s fields).
            device: the device id they belong to.
        """
        if not spans:
            return
        code = self._code
        device_code = code("span_devices", "device", device)
        starts, ends, apps, categories, titles = zip(*spans)
        if self._bulk_first is not None:
            self._bulk_first = min(self._bulk_first, min(starts) * 1000)
        with self.transaction("could not store spans"):
            if titles.count(None) == len(titles):
                # No titles (they are opt-in): the rows are built a column at a time, with no
                # Python code run per span. Codes are made in order of first use, as below.
                app_codes = {app: None if app is None else code("apps", "name", app)
                             for app in dict.fromkeys(apps)}
                category_codes = {category: code("categories", "name", category)
                                  for category in dict.fromkeys(categories)}
                self._insert_many(list(zip(
                    map(round, map(mul, starts, repeat(1000))),
                    map(round, map(mul, ends, repeat(1000))),
                    map(app_codes.__getitem__, apps),
                    map(category_codes.__getitem__, categories), repeat(device_code))))
                return
            # (app, category) → their codes: a year of spans has a few hundred pairs
            codes: dict[tuple[str | None, str], tuple[int | None, int | None]] = {}
            plain: list[tuple[int, int, int | None, int | None, int | None]] = []
            append = plain.append
            for start, end, app, category, title in spans:
                pair = codes.get((app, category))
                if pair is None:
                    pair = codes[(app, category)] = (
                        None if app is None else code("apps", "name", app),
                        code("categories", "name", category))
                row = (round(start * 1000), round(end * 1000), *pair, device_code)
                if title is None:
                    append(row)
                    continue
                # A titled span needs its row id for the title (titles are opt-in, so the
                # slower way is rare): what came before it is written first, in order.
                self._insert_many(plain)
                plain.clear()
                row_id = self._write(INSERT_SPAN, row).lastrowid
                self._write("INSERT INTO span_titles (span_id, title) VALUES (?, ?)",
                            (row_id, title))
            self._insert_many(plain)

    def _insert_many(self, rows: list[tuple[int, int, int | None, int | None, int | None]]
                     ) -> None:
        """Insert `(start ms, end ms, app, category, device)` rows, inside a transaction."""
        if not rows:
            return
        # Nearly every span starts in a millisecond no other span holds: written as it is,
        # without SPAN_ID's look for a free one (half the cost of an import's insert). Where
        # one clashes, the batch is written again the careful way.
        self._write("SAVEPOINT insert_many")
        try:
            whole = len(rows) - len(rows) % ROWS_PER_INSERT
            if whole:
                flat = list(chain.from_iterable(islice(rows, whole)))
                width = 5 * ROWS_PER_INSERT
                self._conn.executemany(INSERT_ROWS, [flat[at:at + width]
                                                     for at in range(0, len(flat), width)])
            self._conn.executemany(INSERT_AT, rows[whole:])
        except sqlite3.IntegrityError:
            self._write("ROLLBACK TO insert_many")
            self._write_many(INSERT_SPAN, rows)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from exc
        finally:
            self._write("RELEASE insert_many")

    def covered(self, device: str, since: float) -> Iterator[tuple[float, float]]:
        """`(start, end)` of the device's spans that end after `since`, by start, in pages.

        Spans stored meanwhile may appear too when they start after the page read last.
        """
        code = self._code("span_devices", "device", device, create=False)
        longest = None if code is None else self._read(
            "SELECT max(dur) FROM spans WHERE device = ?", (code,))[0][0]
        if longest is None:
            return
        after = round(since * 1000) - longest - 1
        while True:
            rows = self._read("SELECT id, id + dur FROM spans WHERE device = ? AND id > ? "
                              "ORDER BY id LIMIT ?", (code, after, COVERAGE_PAGE))
            for start, end in rows:
                if end > since * 1000:
                    yield start / 1000, end / 1000
            if len(rows) < COVERAGE_PAGE:
                return
            after = rows[-1][0]

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
