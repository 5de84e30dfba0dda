"""The only module that speaks SQL.

One SQLite file (WAL, busy timeout) shared by the daemon, which writes, and the CLI, which
mostly reads. The schema is created and changed by numbered migrations (sqlite-utils), tracked
in `PRAGMA user_version`; once a database is current, opening it imports nothing but sqlite3,
which keeps read commands fast. Times are UNIX seconds (UTC, REAL); SQL never computes "now".
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import date, datetime, time, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Iterator

from presence.errors import CorruptDatabase, StoreError
from presence.model import FocusWindow, Meeting, Nudge, Span
from presence.paths import make_private_dir

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def _m1_initial(db: Any) -> None:
    db["activity"].create({"id": int, "start": float, "end": float, "app": str,
                           "category": str, "title": str, "device": str}, pk="id")
    db["activity"].create_index(["start"])
    db["activity"].create_index(["end"])
    db["meetings"].create({"id": int, "source": str, "uid": str, "start": float, "end": float,
                           "all_day": int, "summary": str, "location": str, "kind": str,
                           "reason": str}, pk="id")
    db["meetings"].create_index(["start"])
    db["in_person_log"].create({"id": int, "start": float, "end": float, "note": str}, pk="id")
    db["focus_windows"].create({"id": int, "start": float, "end": float, "label": str,
                                "origin": str}, pk="id")
    db["nudges"].create({"id": int, "at": float, "kind": str, "key": str, "title": str,
                         "message": str, "channel": str, "delivered": int, "error": str},
                        pk="id")
    db["nudges"].create_index(["at"])
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["calendar_sources"].create({"source": str, "added": float}, pk="source")


def _m2_rollups(db: Any) -> None:
    """Daily rollups for summaries and reports, and the reach of sealed spans (issue 5).

    `rollups` holds seconds per (zone, local day, clock hour, app, category) of complete days;
    `rollup_days` the range of days each zone has rolled up. `span_reach` seals the history
    before `sealed`: no span that starts before it reaches further back than `longest` seconds
    from it (spans clipped at `sealed`), which bounds every span query by the start index.
    Both are caches: the triggers drop them whenever sealed history changes (a span inserted,
    deleted or reshaped before `sealed`), and readers rebuild them.
    """
    db.execute("CREATE TABLE rollups (zone TEXT NOT NULL, day TEXT NOT NULL, "
               "hour INTEGER NOT NULL, app TEXT, category TEXT NOT NULL, seconds REAL NOT NULL)")
    db.execute("CREATE INDEX idx_rollups_zone_day ON rollups (zone, day)")
    db.execute("CREATE TABLE rollup_days (zone TEXT PRIMARY KEY, first TEXT NOT NULL, "
               "last TEXT NOT NULL)")
    db.execute("CREATE TABLE span_reach (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "sealed REAL NOT NULL, longest REAL NOT NULL)")
    forget = ("BEGIN DELETE FROM span_reach; DELETE FROM rollups; DELETE FROM rollup_days; "
              "END")
    sealed = "(SELECT sealed FROM span_reach)"
    db.execute(f"CREATE TRIGGER activity_sealed_insert AFTER INSERT ON activity "
               f"WHEN NEW.start < {sealed} {forget}")
    db.execute(f"CREATE TRIGGER activity_sealed_delete AFTER DELETE ON activity "
               f"WHEN OLD.start < {sealed} {forget}")
    # The daemon extends its open span every flush: that only matters when the part before
    # `sealed` changes, never for a span that merely runs on past it.
    db.execute(f"CREATE TRIGGER activity_sealed_update AFTER UPDATE ON activity "
               f"WHEN MIN(OLD.start, NEW.start) < {sealed} AND ("
               f"OLD.start IS NOT NEW.start OR OLD.app IS NOT NEW.app "
               f"OR OLD.category IS NOT NEW.category "
               f"OR MIN(OLD.end, {sealed}) IS NOT MIN(NEW.end, {sealed})) {forget}")


# Append only: a migration that has shipped is never edited, so old databases upgrade in order.
MIGRATIONS: tuple[Callable[[Any], None], ...] = (_m1_initial, _m2_rollups)
SCHEMA_VERSION = len(MIGRATIONS)


def _create_private_file(path: Path) -> None:
    # Create the file 0600 before SQLite does, whatever the umask (SQLite creates the -wal
    # and -shm files with the database file's permissions).
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def open_or_recover(path: Path, stamp: str) -> tuple["Store", Path | None]:
    """Open the daemon's database; a damaged one is moved aside (never deleted) and a fresh
    one started.

    Args:
        path: the database file.
        stamp: what to append to the moved file's name (a time, from the caller's clock).

    Returns:
        The open store and where the damaged file went (None when it was fine).
    """
    try:
        store = Store.open(path)
        if store.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok":
            return store, None
        store.close()
    except CorruptDatabase:
        pass
    except sqlite3.DatabaseError as exc:
        if not _is_corruption(exc):
            raise StoreError(f"{path}: cannot check the database ({exc})") from exc
    moved = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(moved.with_name(moved.name + suffix))
    return Store.open(path), moved


class Store:
    """A connection to the presence database."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> "Store":
        """Open (and create or migrate) the database at `path`.

        Raises:
            StoreError: the file is missing (with `create=False`), unreadable, not a
                database, or from a newer presence.
        """
        path = Path(path)
        try:
            if not path.exists():
                if not create:
                    raise StoreError(f"{path}: no database yet (start the daemon with "
                                     "`presence run`, or pass --db)")
                make_private_dir(path.parent)
                _create_private_file(path)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and not create:
                # An empty file: the daemon is creating it right now. A reader must not race
                # it to set up the schema.
                conn.close()
                raise StoreError(f"{path}: no database yet (the daemon is creating it)")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            if _is_corruption(exc):
                raise CorruptDatabase(f"{path}: the database is damaged ({exc})") from exc
            raise StoreError(f"{path}: cannot open the database ({exc})") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from exc
        store = cls(conn, path)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path}: made by a newer presence (schema {version}, this one "
                             f"knows {SCHEMA_VERSION}); upgrade presence")
        if version < SCHEMA_VERSION:
            store._migrate(version)
        return store

    def _migrate(self, version: int) -> None:
        import sqlite_utils

        db = sqlite_utils.Database(self.conn)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            # Another process may have migrated while we waited for the write lock.
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version, SCHEMA_VERSION):
                log.info("migrating %s to schema %d", self.path, number + 1)
                MIGRATIONS[number](db)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self.conn.execute("ROLLBACK") if self.conn.in_transaction else None
            raise StoreError(f"{self.path}: migrating the database failed ({exc})") from exc

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from exc

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: read failed ({exc})") from exc

    # activity

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

    def first_activity(self) -> float | None:
        """Start of the earliest stored span: since when presence has been watching."""
        return self._read("SELECT min(start) FROM activity")[0][0]

    def last_span(self) -> Span | None:
        """The most recently started span, if any."""
        rows = self._read("SELECT start, end, app, category, title FROM activity "
                          "ORDER BY start DESC LIMIT 1")
        return Span(*rows[0]) if rows else None

    def iter_activity(self) -> Iterator[tuple[Any, ...]]:
        """Every activity row as stored, for checks and export."""
        yield from self._read("SELECT id, start, end, app, category, title, device "
                              "FROM activity ORDER BY start")

    # settings

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under `key`."""
        self._write("INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)))

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The value stored under `key`, or `default`."""
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def delete_setting(self, key: str) -> None:
        """Forget `key`."""
        self._write("DELETE FROM settings WHERE key = ?", (key,))

    def data_version(self) -> int:
        """A number that changes when another connection commits (PRAGMA data_version)."""
        return self._read("PRAGMA data_version")[0][0]

    def integrity_ok(self) -> bool:
        """Whether `PRAGMA integrity_check` passes."""
        return self._read("PRAGMA integrity_check")[0][0] == "ok"

    # meetings

    def replace_meetings(self, source: str, meetings: list[Meeting], tz: tzinfo,
                         since: float) -> None:
        """Replace one source's instances that end after `since` (earlier ones stay as
        history); all-day dates are stored at local midnight."""
        def ts(value: datetime | date) -> float:
            if isinstance(value, datetime):
                return value.timestamp()
            return datetime.combine(value, time(0), tzinfo=tz).timestamp()

        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("DELETE FROM meetings WHERE source = ? AND end > ?",
                              (source, since))
            self.conn.executemany(
                "INSERT INTO meetings (source, uid, start, end, all_day, summary, location, "
                "kind, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(source, m.uid, ts(m.start), ts(m.end), int(m.all_day), m.summary, m.location,
                  m.kind, m.reason) for m in meetings])
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: could not store meetings ({exc})") from exc

    def meetings(self, start: float, end: float, tz: tzinfo,
                 kind: str | None = None) -> list[Meeting]:
        """Stored instances overlapping [start, end), optionally of one kind."""
        sql = ("SELECT source, uid, summary, start, end, all_day, location, kind, reason "
               "FROM meetings WHERE start < ? AND end > ?")
        params: tuple[Any, ...] = (end, start)
        if kind is not None:
            sql += " AND kind = ?"
            params += (kind,)
        out = []
        for source, uid, summary, s, e, all_day, location, kind_, reason in self._read(
                sql + " ORDER BY start", params):
            if all_day:
                begin = datetime.fromtimestamp(s, tz).date()
                finish = datetime.fromtimestamp(e, tz).date()
            else:
                begin = datetime.fromtimestamp(s, timezone.utc)
                finish = datetime.fromtimestamp(e, timezone.utc)
            out.append(Meeting(source, uid, summary, begin, finish, bool(all_day), location,
                               kind_, reason))
        return out

    def last_in_person(self, before: float) -> float | None:
        """End of the latest in-person time (timed meeting or logged) that ended by `before`."""
        rows = self._read(
            "SELECT max(e) FROM (SELECT max(end) AS e FROM meetings WHERE kind = 'in_person' "
            "AND all_day = 0 AND end <= ? UNION ALL SELECT max(end) FROM in_person_log "
            "WHERE end <= ?)", (before, before))
        return rows[0][0]

    # calendar sources added on the command line

    def add_calendar_source(self, source: str, now: float) -> bool:
        """Remember a source; False when it was already there."""
        cur = self._write("INSERT OR IGNORE INTO calendar_sources (source, added) VALUES (?, ?)",
                          (source, now))
        return cur.rowcount == 1

    def calendar_sources(self) -> list[str]:
        """Sources added with `presence calendar add`, oldest first."""
        return [r[0] for r in self._read("SELECT source FROM calendar_sources ORDER BY added")]

    def remove_calendar_source(self, source: str) -> bool:
        """Forget a source and its stored instances; False when it was not there."""
        cur = self._write("DELETE FROM calendar_sources WHERE source = ?", (source,))
        self._write("DELETE FROM meetings WHERE source = ?", (source,))
        return cur.rowcount == 1

    # in-person time logged by hand

    def add_in_person(self, start: float, end: float, note: str | None) -> int:
        """Log in-person time that no calendar shows."""
        return int(self._write("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, ?)",
                               (start, end, note)).lastrowid)

    def in_person_log(self, start: float, end: float) -> list[tuple[float, float, str | None]]:
        """Logged stretches overlapping [start, end)."""
        return [tuple(r) for r in self._read(
            "SELECT start, end, note FROM in_person_log WHERE start < ? AND end > ? "
            "ORDER BY start", (end, start))]

    # focus windows

    def add_focus(self, window: FocusWindow) -> int:
        """Store a focus window and return its id."""
        return int(self._write(
            "INSERT INTO focus_windows (start, end, label, origin) VALUES (?, ?, ?, ?)",
            (window.start, window.end, window.label, window.origin)).lastrowid)

    def focus_windows(self, start: float, end: float) -> list[FocusWindow]:
        """Focus windows overlapping [start, end), earliest first."""
        return [FocusWindow(*r) for r in self._read(
            "SELECT id, start, end, label, origin FROM focus_windows "
            "WHERE start < ? AND end > ? ORDER BY start", (end, start))]

    def remove_focus(self, window_id: int) -> bool:
        """Delete a focus window; False when no window has that id."""
        return self._write("DELETE FROM focus_windows WHERE id = ?", (window_id,)).rowcount == 1

    def replace_auto_focus(self, windows: list[FocusWindow], after: float) -> None:
        """Replace the automatic focus windows that end after `after` (past ones stay)."""
        self._write("DELETE FROM focus_windows WHERE origin = 'auto' AND end > ?", (after,))
        for window in windows:
            self.add_focus(window)

    # nudges

    def insert_nudge(self, nudge: Nudge) -> int:
        """Record a decided nudge before delivery, so a restart never repeats it."""
        return int(self._write(
            "INSERT INTO nudges (at, kind, key, title, message, channel, delivered, error) "
            "VALUES (?, ?, ?, ?, ?, NULL, 0, 'pending')",
            (nudge.at, nudge.kind, nudge.key, nudge.title, nudge.message)).lastrowid)

    def record_delivery(self, row_id: int, channel: str, delivered: bool,
                        error: str | None) -> None:
        """Record what became of a nudge: where it went, whether it was shown, why not."""
        self._write("UPDATE nudges SET channel = ?, delivered = ?, error = ? WHERE id = ?",
                    (channel, int(delivered), error, row_id))

    def nudges(self, start: float, end: float) -> list[tuple[Nudge, str | None, bool]]:
        """Nudges decided in [start, end), with their channel and whether they were shown."""
        return [(Nudge(at, kind, key, title, message), channel, bool(delivered))
                for at, kind, key, title, message, channel, delivered in self._read(
                    "SELECT at, kind, key, title, message, channel, delivered FROM nudges "
                    "WHERE at >= ? AND at < ? ORDER BY at", (start, end))]

    # summaries, reports and export: sealed history and daily rollups (issue 5)

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
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            row = self.conn.execute("SELECT sealed, longest FROM span_reach").fetchone()
            if row is not None and row[0] >= until:
                self.conn.execute("COMMIT")
                return row[0], row[1]
            if row is None:
                # `+start`: a full table scan beats the index when reading nearly every row.
                found = self.conn.execute("SELECT MAX(MIN(end, ?) - start) FROM activity "
                                          "WHERE +start < ?", (until, until)).fetchone()[0]
                longest = max(found or 0.0, 0.0)
            else:
                found = self.conn.execute(
                    "SELECT MAX(MIN(end, ?) - start) FROM activity WHERE start >= ? "
                    "AND start < ?", (until, row[0] - row[1], until)).fetchone()[0]
                longest = max(row[1], found or 0.0)
            self.conn.execute("INSERT OR REPLACE INTO span_reach (id, sealed, longest) "
                              "VALUES (1, ?, ?)", (until, longest))
            self.conn.execute("COMMIT")
            return until, longest
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: could not seal the history ({exc})") from exc

    def _lower_bound(self, start: float) -> float | None:
        reach = self.conn.execute("SELECT sealed, longest FROM span_reach").fetchone()
        return None if reach is None else min(start, reach[0]) - reach[1]

    def spans(self, start: float, end: float) -> list[Span]:
        """Stored spans overlapping [start, end), oldest first.

        Once the history is sealed, the scan is bounded on the start index from both sides,
        so a day a year ago costs what today costs.
        """
        try:
            self.conn.execute("BEGIN")  # one snapshot for the reach and the spans
            lower = self._lower_bound(start)
            if lower is None:
                rows = self.conn.execute(
                    "SELECT start, end, app, category, title FROM activity "
                    "WHERE start < ? AND end > ? ORDER BY start", (end, start)).fetchall()
            else:
                rows = self.conn.execute(
                    "SELECT start, end, app, category, title FROM activity WHERE start >= ? "
                    "AND start < ? AND end > ? ORDER BY start", (lower, end, start)).fetchall()
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: read failed ({exc})") from exc
        return [Span(*row) for row in rows]

    def rollup_days(self, zone: str) -> tuple[date, date] | None:
        """First and last local day (inclusive) rolled up for `zone`, or None."""
        rows = self._read("SELECT first, last FROM rollup_days WHERE zone = ?", (zone,))
        if not rows:
            return None
        return date.fromisoformat(rows[0][0]), date.fromisoformat(rows[0][1])

    def rollups(self, zone: str, first: date,
                last: date) -> list[tuple[date, int, str | None, str, float]]:
        """Rolled-up cells `(day, hour, app, category, seconds)` of days first..last."""
        return [(date.fromisoformat(d), h, app, cat, secs) for d, h, app, cat, secs in self._read(
            "SELECT day, hour, app, category, seconds FROM rollups WHERE zone = ? AND day >= ? "
            "AND day <= ?", (zone, first.isoformat(), last.isoformat()))]

    def add_rollups(self, zone: str, first: date, last: date,
                    cells: list[tuple[date, int, str | None, str, float]], sealed: float) -> bool:
        """Store the cells of days first..last, computed from the history sealed at `sealed`.

        The days must follow on from what `zone` has rolled up already (or start it).

        Returns:
            False, storing nothing, when the sealed history or the rollups changed meanwhile.
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            reach = self.conn.execute("SELECT sealed FROM span_reach").fetchone()
            have = self.conn.execute("SELECT first, last FROM rollup_days WHERE zone = ?",
                                     (zone,)).fetchone()
            follows = have is None or date.fromisoformat(have[1]).toordinal() + 1 == first.toordinal()
            if reach is None or reach[0] != sealed or not follows:
                self.conn.execute("ROLLBACK")
                return False
            self.conn.executemany(
                "INSERT INTO rollups (zone, day, hour, app, category, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(zone, d.isoformat(), h, app, cat, secs) for d, h, app, cat, secs in cells])
            self.conn.execute("INSERT OR REPLACE INTO rollup_days (zone, first, last) "
                              "VALUES (?, ?, ?)",
                              (zone, have[0] if have else first.isoformat(), last.isoformat()))
            self.conn.execute("COMMIT")
            return True
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: could not store rollups ({exc})") from exc

    def export_rows(self, table: str, start: float | None = None,
                    end: float | None = None) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """The columns and, streamed, the rows of one of the user's tables.

        Rows overlapping [start, end) (nudges: decided in it), oldest first; everything when
        the bounds are None.

        Raises:
            StoreError: not an exportable table, or the read failed.
        """
        timed = {"activity": "start", "meetings": "start", "in_person_log": "start",
                 "focus_windows": "start", "nudges": "at"}
        if table not in timed:
            raise StoreError(f"cannot export {table!r} (tables: {', '.join(timed)})")
        lo = -float("inf") if start is None else start
        hi = float("inf") if end is None else end
        columns = [r[1] for r in self._read(f"PRAGMA table_info({table})")]
        if table == "nudges":
            where, params = "at >= ? AND at < ?", (lo, hi)
        else:
            lower = self._lower_bound(lo) if table == "activity" and start is not None else None
            where, params = "start < ? AND end > ?", (hi, lo)
            if lower is not None:
                where, params = "start >= ? AND " + where, (lower, hi, lo)
        sql = (f"SELECT {', '.join(columns)} FROM {table} WHERE {where} "
               f"ORDER BY {timed[table]}, id")
        try:
            cursor = self.conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: read failed ({exc})") from exc
        return columns, iter(cursor)
