"""The spans (`spans` and its lookup tables, read as the `activity` view) and `span_reach`,
the seal that bounds span queries.

Migration 6 stores a span in about 20 bytes: its start in milliseconds is its row id, so the
table is ordered by start and needs no index; app, category and device are small integers.
The writers and readers here use those tables directly; users and other tools read (and
write) the `activity` view with UNIX-second times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from presence.errors import StoreError
from presence.model import AWAY, EARLIEST, LATEST, Span
from presence.store.db import Tables
from presence.store.migrations import SPAN_ID

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

# The most spans a follower's tail hands back (a daemon adds one or two between two looks).
TAIL_ROWS = 50

_TAIL = ("SELECT s.id, s.dur, c.name, s.device FROM spans s "
         "JOIN categories c ON c.id = s.category ")

_SELECT = ("SELECT s.id / 1000.0, (s.id + s.dur) / 1000.0, a.name, c.name, t.title FROM spans s "
           "LEFT JOIN apps a ON a.id = s.app JOIN categories c ON c.id = s.category "
           "LEFT JOIN span_titles t ON t.span_id = s.id")
# IN_RANGE (store/db.py) on the compact table: rows presence cannot show are skipped.
_IN_RANGE = (f"s.id >= {int(EARLIEST * 1000)} AND s.id + s.dur <= {int(LATEST * 1000)} "
             "AND s.dur >= 0")
INSERT_AT = ("INSERT INTO spans (id, dur, app, category, device) "
              "VALUES (?1, ?2 - ?1, ?3, ?4, ?5)")
EXTEND_SPAN = "UPDATE spans SET dur = ? - id WHERE id = ?"
INSERT_SPAN = ("INSERT INTO spans (id, dur, app, category, device) "
               f"VALUES ({SPAN_ID.format(ms='?1')}, ?2 - {SPAN_ID.format(ms='?1')}, ?3, ?4, ?5)")


class ActivityTables(Tables):
    """Spans: written by the daemon and imports, read by summaries, reports, status, export."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn, path)
        # Lookup rows are never renumbered, so what this connection learnt stays true.
        self._codes: dict[tuple[str, str], int] = {}
        # (app, category, device) → their three codes: the daemon's insert, a few dozen pairs
        self._triples: dict[tuple[str | None, str, str], tuple[int | None, int, int]] = {}

    def _code(self, table: str, column: str, value: str, create: bool = True) -> int | None:
        """The small integer standing for `value` in a lookup table (made on first use)."""
        key = (table, value)
        codes = self._codes
        code = codes.get(key)
        if code is None:
            if create:
                self._write(f"INSERT OR IGNORE INTO {table} (id, {column}) VALUES "
                            f"((SELECT coalesce(max(id) + 1, 0) FROM {table}), ?)", (value,))
            rows = self._read(f"SELECT id FROM {table} WHERE {column} = ?", (value,))
            if not rows:
                return None
            code = codes[key] = rows[0][0]
        return code

    def _rolled_back(self) -> None:
        # a lookup row made inside the transaction is gone with it: learn the codes again
        self._codes.clear()
        self._triples.clear()

    def _span_codes(self, app: str | None, category: str,
                    device: str) -> tuple[int | None, int, int]:
        """The codes standing for a span's app, category and device (made on first use)."""
        key = (app, category, device)
        codes = self._triples.get(key)
        if codes is None:
            found = (None if app is None else self._code("apps", "name", app),
                     self._code("categories", "name", category),
                     self._code("span_devices", "device", device))
            codes = self._triples[key] = found  # type: ignore[assignment]
        return codes  # type: ignore[return-value]

    def _row(self, start: float, end: float, app: str | None, category: str,
             device: str) -> tuple[int, int, int | None, int, int]:
        return (round(start * 1000), round(end * 1000),
                None if app is None else self._code("apps", "name", app),
                self._code("categories", "name", category),
                self._code("span_devices", "device", device))

    def insert_span(self, span: Span, device: str) -> int:
        """Store a span and return its row id (to extend it later)."""
        with self.transaction("could not store a span"):
            row_id = int(self._write(INSERT_SPAN, self._row(span.start, span.end, span.app,
                                                        span.category, device)).lastrowid)
            if span.title is not None:
                self._write("INSERT INTO span_titles (span_id, title) VALUES (?, ?)",
                            (row_id, span.title))
        return row_id

    def extend_span(self, row_id: int, end: float) -> None:
        """Move the end of a stored span (the open span, flushed again)."""
        self._write(EXTEND_SPAN, (round(end * 1000), row_id))

    def device_seconds(self, start: float, end: float) -> list[tuple[str, str, float]]:
        """`(device, category, seconds)` of the spans inside [start, end), per device id."""
        with self.transaction("read failed", write=False):  # one snapshot: reach and spans
            lower = self._lower_bound(start)
            bound = "s.id >= ? AND " if lower is not None else ""
            params = ((lower * 1000,) if lower is not None else ()) + (end * 1000, start * 1000)
            rows = self._read(
                "SELECT d.device, c.name, SUM(MIN(s.id + s.dur, ?) - MAX(s.id, ?)) FROM spans s "
                "JOIN categories c ON c.id = s.category JOIN span_devices d ON d.id = s.device "
                f"WHERE {bound}s.id < ? AND s.id + s.dur > ? AND {_IN_RANGE} "
                "GROUP BY s.device, s.category",
                (end * 1000, start * 1000) + params)
        return [(device, category, ms / 1000) for device, category, ms in rows]

    def app_seconds(self, start: float, end: float) -> list[tuple[str | None, str, float]]:
        """`(app, category, seconds)` of the spans inside [start, end), clipped to it, with
        `away` left out as a summary's cells leave it: one aggregate, no `Span` per row."""
        with self.transaction("read failed", write=False):  # one snapshot: reach and spans
            lower = self._lower_bound(start)
            bound = "" if lower is None else "s.id >= ? AND "
            rows = self._read(
                "SELECT a.name, c.name, SUM(MIN(s.id + s.dur, ?) - MAX(s.id, ?)) FROM spans s "
                "LEFT JOIN apps a ON a.id = s.app JOIN categories c ON c.id = s.category "
                f"WHERE {bound}s.id < ? AND s.id + s.dur > ? AND c.name != ? AND {_IN_RANGE} "
                "GROUP BY s.app, s.category",
                (end * 1000, start * 1000, *(() if lower is None else (lower * 1000,)),
                 end * 1000, start * 1000, AWAY))
        return [(app, category, ms / 1000) for app, category, ms in rows]

    def first_activity(self) -> float | None:
        """Start of the earliest stored span: since when presence has been watching."""
        first = self._read("SELECT min(id) FROM spans")[0][0]
        return None if first is None else first / 1000

    def span_tail(self, start: float, since: int | None = None
                  ) -> tuple[int, int | None, tuple[tuple[int, int, str, int | None], ...]] | None:
        """How the spans from `start` on stand, cheaply: `(count, others_end, rows)` — how
        many start there, the latest end (ms) of a span from another device than the last
        span's, and `(key, length, category, device)` (start and length in ms) of every span
        whose key is at least `since` (without `since`: of the last span). A follower
        compares two of these to tell what the spans in front grew by. None when more than
        `TAIL_ROWS` spans start at `since` or later (then the day is better read whole)."""
        with self.transaction("read failed", write=False):
            if since is None:
                rows = self._read(_TAIL + "ORDER BY s.id DESC LIMIT 1")
            else:
                rows = self._read(_TAIL + "WHERE s.id >= ? ORDER BY s.id LIMIT ?",
                                  (since, TAIL_ROWS + 1))
                if len(rows) > TAIL_ROWS:
                    return None
            device = rows[-1][3] if rows else None
            count, others = self._read(
                "SELECT count(*), max(CASE WHEN device IS NOT ? THEN id + dur END) FROM spans "
                "WHERE id >= ?", (device, start * 1000))[0]
        return count, others, tuple(tuple(row) for row in rows)

    def last_span(self) -> Span | None:
        """The most recently started span, if any."""
        rows = self._read(f"{_SELECT} WHERE {_IN_RANGE} ORDER BY s.id DESC LIMIT 1")
        return Span(*rows[0]) if rows else None

    def iter_activity(self) -> Iterator[tuple[Any, ...]]:
        """Every activity row as the `activity` view shows it, for checks and export."""
        yield from self._read("SELECT id, start, end, app, category, title, device "
                              "FROM activity ORDER BY id")

    def span_count(self) -> int:
        """How many spans are stored."""
        return self._read("SELECT count(*) FROM spans")[0][0]

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
                found = self._read("SELECT MAX(MIN(id + dur, ?) - id) FROM spans "
                                   "WHERE id < ?", (until * 1000, until * 1000))[0][0]
                longest = max((found or 0.0) / 1000, 0.0)
            else:
                found = self._read(
                    "SELECT MAX(MIN(id + dur, ?) - id) FROM spans WHERE id >= ? AND id < ?",
                    (until * 1000, (reach[0] - reach[1]) * 1000, until * 1000))[0][0]
                longest = max(reach[1], (found or 0.0) / 1000)
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
        with self.transaction("read failed", write=False):
            lower = self._lower_bound(start)
            bound = "" if lower is None else "s.id >= ? AND "
            skip = None if besides is None else self._code("span_devices", "device", besides,
                                                           create=False)
            others = "" if skip is None else " AND s.device IS NOT ?"
            # the categories' codes looked up once, not joined on every row
            rows = self._read(
                f"SELECT max(s.id, ?) / 1000.0, min(s.id + s.dur, ?) / 1000.0 FROM spans s "
                f"WHERE {bound}s.id < ? AND s.id + s.dur > ? AND s.category IN (SELECT id "
                f"FROM categories WHERE name IN ({marks})) AND {_IN_RANGE}{others} ORDER BY s.id",
                (start * 1000, end * 1000, *(() if lower is None else (lower * 1000,)),
                 end * 1000, start * 1000, *sorted(categories),
                 *(() if skip is None else (skip,))))
        return rows

    def chat_mark(self, start: float, end: float,
                  categories: frozenset[str]) -> tuple[int, int, int]:
        """A fingerprint of the spans of some categories overlapping [start, end): how many,
        and the sums of their starts and lengths (ms). A span added, removed or changed
        changes it, so a cache of what those spans add up to can be keyed on it."""
        marks = ", ".join("?" * len(categories))
        with self.transaction("read failed", write=False):
            lower = self._lower_bound(start)
            bound = "" if lower is None else "s.id >= ? AND "
            row = self._read(
                f"SELECT count(*), coalesce(sum(s.id), 0), coalesce(sum(s.dur), 0) FROM spans s "
                f"WHERE {bound}s.id < ? AND s.id + s.dur > ? AND s.category IN (SELECT id "
                f"FROM categories WHERE name IN ({marks})) AND {_IN_RANGE}",
                (*(() if lower is None else (lower * 1000,)), end * 1000, start * 1000,
                 *sorted(categories)))[0]
        return int(row[0]), int(row[1]), int(row[2])

    def span_mark(self, start: float, end: float) -> tuple[int, ...]:
        """A fingerprint of every span overlapping [start, end): how many, and the sums of
        their starts, lengths, apps, categories and devices. A span added, removed, moved or
        reclassified changes it (a cache of what the spans add up to is keyed on it)."""
        with self.transaction("read failed", write=False):
            lower = self._lower_bound(start)
            bound = "" if lower is None else "s.id >= ? AND "
            row = self._read(
                "SELECT count(*), coalesce(sum(s.id), 0), coalesce(sum(s.dur), 0), "
                "coalesce(sum(s.app), 0), coalesce(sum(s.category), 0), "
                f"coalesce(sum(s.device), 0) FROM spans s WHERE {bound}s.id < ? "
                f"AND s.id + s.dur > ? AND {_IN_RANGE}",
                (*(() if lower is None else (lower * 1000,)), end * 1000, start * 1000))[0]
        return tuple(int(value) for value in row)

    def sealed_mark(self, end: float) -> tuple[str, int] | None:
        """A fingerprint of every span before `end` without a scan, once `end` is sealed:
        the count of changes to sealed history (migration 10), which every span inserted,
        deleted or reshaped before the seal moves. None when `end` is past the seal or
        nothing is sealed: `span_mark` and `chat_mark` say it then."""
        with self.transaction("read failed", write=False):  # the seal and the count as one
            reach = self.span_reach()
            if reach is None or end > reach[0]:
                return None
            rows = self._read("SELECT changes FROM span_changes")
        return ("sealed", int(rows[0][0])) if rows else None

    def spans(self, start: float, end: float) -> list[Span]:
        """Stored spans overlapping [start, end), oldest first.

        Once the history is sealed, the scan is bounded on the start index from both sides,
        so a day a year ago costs what today costs.
        """
        with self.transaction("read failed", write=False):  # one snapshot: reach and spans
            lower = self._lower_bound(start)
            if lower is None:
                where, params = "s.id < ? AND s.id + s.dur > ?", (end * 1000, start * 1000)
            else:
                where = "s.id >= ? AND s.id < ? AND s.id + s.dur > ?"
                params = (lower * 1000, end * 1000, start * 1000)
            if self._read("SELECT EXISTS (SELECT 1 FROM span_titles)")[0][0]:
                rows = self._read(f"{_SELECT} WHERE {where} AND {_IN_RANGE} ORDER BY s.id",
                                  params)
                return [Span(*row) for row in rows]
            # Without titles (the default), the few app and category names are looked up in
            # Python rather than joined on every row: a day of 2,000 spans reads in 2/3 the
            # time, and a summary over peers reads a day of each.
            rows = self._read(f"SELECT s.id / 1000.0, (s.id + s.dur) / 1000.0, s.app, "
                              f"s.category FROM spans s WHERE {where} AND {_IN_RANGE} "
                              "ORDER BY s.id", params)
            apps = dict(self._read("SELECT id, name FROM apps"))
            categories = dict(self._read("SELECT id, name FROM categories"))
        app = apps.get
        return [Span(s, e, app(a), categories[c]) for s, e, a, c in rows if c in categories]
