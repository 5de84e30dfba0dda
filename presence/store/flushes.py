"""The daemon's write (a flush of its spans, in one call) and what readers take from it.

A day of one-second samples brings a few thousand flushes (one per change of span, one per
`flush_seconds` of the same span), so each writes only the page of the spans it moves: the
open span's end (one statement), or at a switch the closed span's end and the new span (one
transaction; issue 18: ingest). What is in front now and when the daemon last flushed are
not written apart: they are its latest span (`in_front`, `daemon_record`). Its record in
`settings` (pid, probe, notifier...) is written only when one of those changes.
"""

from __future__ import annotations

import json
import sqlite3

from presence.errors import StoreError
from presence.model import LATEST, Span
from presence.store.activity import EXTEND_SPAN, INSERT_AT, INSERT_SPAN, ActivityTables

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

# The settings key of the daemon's record (`daemon_record`).
DAEMON_KEY = "daemon"

_UPSERT = ("INSERT INTO settings (key, value) VALUES (?, ?) "
           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
# The latest span of a device that began between two times (`in_front`): the table is
# ordered by start, so this reads back from the newest row, past other devices' rows only.
_LATEST = ("SELECT s.id, s.dur, a.name, c.name FROM spans s LEFT JOIN apps a ON a.id = s.app "
           "JOIN categories c ON c.id = s.category WHERE s.id >= ? AND s.id <= ? AND s.device "
           "= (SELECT id FROM span_devices WHERE device = ?) ORDER BY s.id DESC LIMIT 1")


class FlushTables(ActivityTables):
    """The daemon's flush (`presence/flushing.py` decides what goes in one), and the readers
    of what it leaves: what is in front and the daemon's record."""

    def flush_spans(self, closed: list[tuple[int | None, Span]], open_span: Span | None,
                    open_row: int | None, device: str,
                    records: tuple[tuple[str, str], ...] = ()) -> int | None:
        """Write a flush: all of it or none.

        Args:
            closed: spans that ended, each with its row id when an earlier flush stored it
                open (its end is moved; a span ended at its start then is removed) or None
                (it is inserted whole).
            open_span: the span still going on, as far as it went, or None.
            open_row: its row id when stored before (its end is moved), else None (inserted).
            device: the device id the inserted spans belong to.
            records: `(key, JSON text)` settings to store with them.

        Returns:
            The open span's row id (None without one).

        Raises:
            StoreError: SQLite failed; nothing of the flush was stored.
        """
        conn = self._conn
        if not closed and not records and open_row is not None and open_span is not None \
                and not conn.in_transaction:
            # nearly every flush that is no switch: the open span's end moved, one statement
            # (its own transaction) writing one page
            try:
                conn.execute(EXTEND_SPAN, (round(open_span.end * 1000), open_row))
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: cannot store the spans ({exc})") from exc
            return open_row
        with self.transaction("cannot store the spans"):
            for row, span in closed:
                if row is None:
                    self._insert_open(span, device)
                elif span.end > span.start:
                    conn.execute(EXTEND_SPAN, (round(span.end * 1000), row))
                else:
                    # stored when it began, it ended there (one sample, then a gap): the
                    # daemon keeps no span of no length
                    conn.execute("DELETE FROM spans WHERE id = ?", (row,))
            if open_span is not None:
                if open_row is None:
                    open_row = self._insert_open(open_span, device)
                else:
                    conn.execute(EXTEND_SPAN, (round(open_span.end * 1000), open_row))
            for record in records:
                conn.execute(_UPSERT, record)
        return open_row

    def _insert_open(self, span: Span, device: str) -> int:
        """Insert one span inside the flush's transaction; its row id."""
        conn = self._conn
        row = (round(span.start * 1000), round(span.end * 1000),
               *self._span_codes(span.app, span.category, device))
        try:
            # a span starting in a millisecond no other span holds (nearly all) is written
            # as it is, without the look for a free one
            row_id = int(conn.execute(INSERT_AT, row).lastrowid)
        except sqlite3.IntegrityError:
            row_id = int(conn.execute(INSERT_SPAN, row).lastrowid)
        if span.title is not None:
            conn.execute("INSERT INTO span_titles (span_id, title) VALUES (?, ?)",
                         (row_id, span.title))
        return row_id

    def in_front(self, now: float = LATEST) -> tuple[float, float, str | None, str] | None:
        """`(start, end, app, category)` of the latest span the daemon (the one that wrote
        the daemon's record) stored in its run, begun by `now`: what was in front at its
        latest sample when it flushed (it stores a new span at every switch); the end is
        when it flushed last. None without one. (Spans stored before the clock was set back
        begin after `now`: they are not what is in front.)"""
        with self.transaction("read failed", write=False):
            return self._latest(self._record(), now)

    def daemon_record(self, now: float = LATEST) -> dict[str, Any] | None:
        """What the daemon says of itself (`presence status`): its pid, probe, notifier,
        interval, device... as it wrote them when they changed, and `at`, when it flushed
        last (the end of its latest span begun by `now`). None when no daemon ever wrote
        one."""
        with self.transaction("read failed", write=False):
            record = self._record()
            if record is None:
                return None
            latest = self._latest(record, now)
        record.pop("at", None)  # a daemon from before kept it there
        if latest is not None:
            record["at"] = latest[1]
        return record

    def _record(self) -> dict[str, Any] | None:
        rows = self._read("SELECT value FROM settings WHERE key = ?", (DAEMON_KEY,))
        record = json.loads(rows[0][0]) if rows else None
        return record if isinstance(record, dict) else None

    def _latest(self, record: dict[str, Any] | None, now: float
                ) -> tuple[float, float, str | None, str] | None:
        if record is None or not isinstance(record.get("device"), str):
            return None
        since = record.get("since")
        since = since if isinstance(since, (int, float)) else 0
        rows = self._read(_LATEST, (round(since * 1000), round(now * 1000), record["device"]))
        if not rows:
            return None
        key, length, app, category = rows[0]
        return key / 1000, (key + length) / 1000, app, category
