"""The daemon's write: a flush of its spans and records as one transaction, in one call.

A day of one-second samples brings a few thousand of these (one per change of span, one per
`flush_seconds` of the same span), so the statements are few and fixed, and nothing is built
per call that one of them did not need (issue 18: ingest).
"""

from __future__ import annotations

import sqlite3

from presence.model import Span
from presence.store.activity import EXTEND_SPAN, INSERT_AT, INSERT_SPAN, ActivityTables

# One statement for the records the daemon keeps in `settings` (the "now" record and its
# heartbeat), by how many it writes at once.
_UPSERT = {count: "INSERT INTO settings (key, value) VALUES "
                  + ", ".join(["(?, ?)"] * count)
                  + " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
           for count in (1, 2)}


class FlushTables(ActivityTables):
    """The daemon's flush (`presence/flushing.py` decides what goes in one)."""

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
            records: `(key, JSON text)` settings to store with them (at most two).

        Returns:
            The open span's row id (None without one).

        Raises:
            StoreError: SQLite failed; nothing of the flush was stored.
        """
        conn = self._conn
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
            if records:
                conn.execute(_UPSERT[len(records)], [v for record in records for v in record])
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
