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
from pathlib import Path
from typing import Any, Callable, Iterator

from presence.errors import StoreError
from presence.model import Span
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


# Append only: a migration that has shipped is never edited, so old databases upgrade in order.
MIGRATIONS: tuple[Callable[[Any], None], ...] = (_m1_initial,)
SCHEMA_VERSION = len(MIGRATIONS)


def _create_private_file(path: Path) -> None:
    # Create the file 0600 before SQLite does, whatever the umask (SQLite creates the -wal
    # and -shm files with the database file's permissions).
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


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
