"""The `activity` table (merged spans) and `span_reach`, the seal that bounds span queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from presence.model import Span
from presence.store.db import IN_RANGE, Tables


COVERAGE_PAGE = 20_000


class ActivityTables(Tables):
    """Spans: written by the daemon, read by summaries, reports, status and export."""

    def insert_span(self, span: Span, device: str) -> int:
        """Store a span and return its row id (to extend it later)."""
        cur = self._write(
            "INSERT INTO activity (start, end, app, category, title, device) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (span.start, span.end, span.app, span.category, span.title, device))
        return int(cur.lastrowid)

    def extend_span(self, row_id: int, end: float) -> None:
        """Move the end of a stored span (the open span, flushed again)."""
        self._write("UPDATE activity SET end = ? WHERE id = ?", (end, row_id))

    def insert_spans(self, spans: list[tuple[Any, ...]], device: str) -> None:
        """Store many spans of `device` at once (an import, inside its transaction).

        Args:
            spans: `(start, end, app, category, title)` tuples (a `Span`'s fields).
            device: the device id they belong to.
        """
        self._write_many(
            "INSERT INTO activity (start, end, app, category, title, device) "
            "VALUES (?, ?, ?, ?, ?, ?)", [(*span, device) for span in spans])

    def covered(self, device: str, since: float) -> Iterator[tuple[float, float]]:
        """`(start, end)` of the device's spans that end after `since`, by start, in pages.

        Spans stored meanwhile may appear too when they start after the page read last.
        """
        longest = self._read("SELECT max(end - start) FROM activity WHERE device = ?",
                             (device,))[0][0]
        if longest is None:
            return
        after, after_id = since - longest, -1
        while True:
            rows = self._read(
                "SELECT start, end, id FROM activity WHERE device = ? AND (start > ? OR "
                "(start = ? AND id > ?)) ORDER BY start, id LIMIT ?",
                (device, after, after, after_id, COVERAGE_PAGE))
            for start, end, _ in rows:
                if end > since:
                    yield start, end
            if len(rows) < COVERAGE_PAGE:
                return
            after, _, after_id = rows[-1]

    def device_seconds(self, start: float, end: float) -> list[tuple[str, str, float]]:
        """`(device, category, seconds)` of the spans inside [start, end), per device id."""
        with self.transaction("read failed", write=False):  # one snapshot: reach and spans
            lower = self._lower_bound(start)
            bound = "start >= ? AND " if lower is not None else ""
            params = ((lower,) if lower is not None else ()) + (end, start)
            return self._read(
                "SELECT device, category, SUM(MIN(end, ?) - MAX(start, ?)) FROM activity "
                f"WHERE {bound}start < ? AND end > ? GROUP BY device, category",
                (end, start) + params)

    def first_activity(self) -> float | None:
        """Start of the earliest stored span: since when presence has been watching."""
        return self._read("SELECT min(start) FROM activity")[0][0]

    def last_span(self) -> Span | None:
        """The most recently started span, if any."""
        rows = self._read("SELECT start, end, app, category, title FROM activity "
                          f"WHERE {IN_RANGE} ORDER BY start DESC LIMIT 1")
        return Span(*rows[0]) if rows else None

    def iter_activity(self) -> Iterator[tuple[Any, ...]]:
        """Every activity row as stored, for checks and export."""
        yield from self._read("SELECT id, start, end, app, category, title, device "
                              "FROM activity ORDER BY start")

    def span_count(self) -> int:
        """How many spans are stored."""
        return self._read("SELECT count(*) FROM activity")[0][0]

    def span_reach(self) -> tuple[float, float] | None:
        """`(sealed, longest)` of the sealed history (see migration 2), or None."""
        rows = self._read("SELECT sealed, longest FROM span_reach")
        return (rows[0][0], rows[0][1]) if rows else None

    def seal_spans(self, until: float) -> tuple[float, float]:
        """Seal the history before `until` (the seal never moves back).

        Only the spans since the last seal are read, except the first time.

        Returns:
            `(sealed, longest)` as now stored.
        """
        with self.transaction("could not seal the history"):
            reach = self.span_reach()
            if reach is not None and reach[0] >= until:
                return reach
            if reach is None:
                # `+start`: a full table scan beats the index when reading nearly every row.
                found = self._read("SELECT MAX(MIN(end, ?) - start) FROM activity "
                                   "WHERE +start < ?", (until, until))[0][0]
                longest = max(found or 0.0, 0.0)
            else:
                found = self._read(
                    "SELECT MAX(MIN(end, ?) - start) FROM activity WHERE start >= ? "
                    "AND start < ?", (until, reach[0] - reach[1], until))[0][0]
                longest = max(reach[1], found or 0.0)
            self._write("INSERT OR REPLACE INTO span_reach (id, sealed, longest) "
                        "VALUES (1, ?, ?)", (until, longest))
        return until, longest

    def _lower_bound(self, start: float) -> float | None:
        """The earliest start a span overlapping `start` can have, once the history is sealed."""
        reach = self.span_reach()
        return None if reach is None else min(start, reach[0]) - reach[1]

    def intervals(self, start: float, end: float, categories: frozenset[str], *,
                  besides: str | None = None) -> list[tuple[float, float]]:
        """`(start, end)` of the spans of some categories overlapping [start, end), clipped
        to it, oldest first: for unions over devices, without a `Span` per row.

        `besides`: only the other devices' spans than this device id (those an import
        brought into this database).
        """
        marks = ", ".join("?" * len(categories))
        others = "" if besides is None else " AND device IS NOT ?"
        with self.transaction("read failed", write=False):
            lower = self._lower_bound(start)
            bound = "" if lower is None else "start >= ? AND "
            return self._read(
                f"SELECT max(start, ?), min(end, ?) FROM activity WHERE {bound}start < ? "
                f"AND end > ? AND category IN ({marks}) AND {IN_RANGE}{others} ORDER BY start",
                (start, end, *(() if lower is None else (lower,)), end, start,
                 *sorted(categories), *(() if besides is None else (besides,))))

    def spans(self, start: float, end: float) -> list[Span]:
        """Stored spans overlapping [start, end), oldest first.

        Once the history is sealed, the scan is bounded on the start index from both sides,
        so a day a year ago costs what today costs.
        """
        with self.transaction("read failed", write=False):  # one snapshot: reach and spans
            lower = self._lower_bound(start)
            if lower is None:
                rows = self._read("SELECT start, end, app, category, title FROM activity "
                                  f"WHERE start < ? AND end > ? AND {IN_RANGE} ORDER BY start",
                                  (end, start))
            else:
                rows = self._read("SELECT start, end, app, category, title FROM activity "
                                  "WHERE start >= ? AND start < ? AND end > ? "
                                  f"AND {IN_RANGE} ORDER BY start", (lower, end, start))
        return [Span(*row) for row in rows]
