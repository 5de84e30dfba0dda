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


# Append only: a migration that has shipped is never edited, so old databases upgrade in order.
MIGRATIONS: tuple[Callable[[Any], None], ...] = (_m1_initial,)
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

    def spans(self, start: float, end: float) -> list[Span]:
        """Stored spans overlapping [start, end), oldest first."""
        rows = self._read(
            "SELECT start, end, app, category, title FROM activity "
            "WHERE start < ? AND end > ? ORDER BY start", (end, start))
        return [Span(*row) for row in rows]

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

    def integrity_ok(self) -> bool:
        """Whether `PRAGMA integrity_check` passes."""
        return self._read("PRAGMA integrity_check")[0][0] == "ok"

    # meetings

    def replace_meetings(self, source: str, meetings: list[Meeting], tz: tzinfo) -> None:
        """Replace the stored instances of one source (all-day dates at local midnight)."""
        def ts(value: datetime | date) -> float:
            if isinstance(value, datetime):
                return value.timestamp()
            return datetime.combine(value, time(0), tzinfo=tz).timestamp()

        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("DELETE FROM meetings WHERE source = ?", (source,))
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
