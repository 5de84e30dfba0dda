"""Writing a device's snapshot: a complete, self-contained copy of what peers need.

A snapshot is a plain SQLite file of its own small schema (`FORMAT`, in `PRAGMA user_version`,
with `APPLICATION_ID` marking it as presence's): the device's activity, logged in-person
time, meetings, nudges, the device registry, the people tables where present, and a `snapshot`
table naming the device, the time and the salt of its forgotten-name hashes. It holds no calendar sources (URLs are secrets) and no
caches, so it is smaller than the database it comes from. It is written with no journal into a
file nobody else reads yet; the caller syncs and renames it into the shared folder, so a peer
never sees a live database or its WAL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from presence.errors import StoreError
from presence.frozen import frozen
from presence.store.migrations import ACTIVITY_VIEW, SPAN_TABLES
from presence.store.people import SALT_KEY

# The snapshot's own schema version: readers refuse a newer one and say so.
FORMAT = 1
APPLICATION_ID = 0x70726573  # "pres"

# Tables copied as they stand in the source, when it has them (the people wing's).
PEOPLE_TABLES = ("people", "person_aliases", "meeting_people", "log_people",
                 "forgotten_people")

# Spans in the database's own compact tables (migration 6), readable as `activity` too.
_TABLES = SPAN_TABLES + (ACTIVITY_VIEW,) + (
    "CREATE TABLE snapshot (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT, kind TEXT)",
    "CREATE TABLE in_person_log (id INTEGER PRIMARY KEY, start REAL, end REAL, note TEXT)",
    "CREATE TABLE meetings (id INTEGER PRIMARY KEY, source TEXT, uid TEXT, start REAL, "
    "end REAL, all_day INTEGER, summary TEXT, location TEXT, kind TEXT, reason TEXT)",
    "CREATE TABLE nudges (id INTEGER PRIMARY KEY, at REAL, kind TEXT, key TEXT, title TEXT, "
    "message TEXT, channel TEXT, delivered INTEGER)",
)
_SPAN_COLUMNS = ("id", "dur", "app", "category", "device")
# `SELECT *` between tables of one shape lets SQLite copy each record as it stands (its
# transfer optimisation, what VACUUM uses) instead of decoding and encoding every column:
# the year's 730,000 spans, most of a snapshot, copy in about half the time.
_COPY_SPANS = "INSERT INTO spans SELECT * FROM src.spans"
_COPIES = (
    f"INSERT INTO spans SELECT {', '.join(_SPAN_COLUMNS)} FROM src.spans",
    "INSERT INTO apps SELECT id, name FROM src.apps",
    "INSERT INTO categories SELECT id, name FROM src.categories",
    "INSERT INTO span_devices SELECT id, device FROM src.span_devices",
    "INSERT INTO span_titles SELECT span_id, title FROM src.span_titles",
    "INSERT INTO in_person_log SELECT id, start, end, note FROM src.in_person_log",
    "INSERT INTO meetings SELECT id, source, uid, start, end, all_day, summary, location, "
    "kind, reason FROM src.meetings",
    "INSERT INTO nudges SELECT id, at, kind, key, title, message, channel, delivered "
    "FROM src.nudges",
)


@frozen
class Written:
    """What a snapshot holds: its size in bytes and its number of spans."""

    bytes: int
    spans: int


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path.resolve()))}?{query}"


def _longest(conn: sqlite3.Connection) -> float:
    """The longest span: readers bound their scans with it. The source's sealed history knows
    it up to the seal (`span_reach`); only the spans since are measured (a full scan else)."""
    try:
        reach = conn.execute("SELECT sealed, longest FROM src.span_reach").fetchone()
    except sqlite3.OperationalError:
        reach = None
    if reach is None:
        return conn.execute("SELECT coalesce(max(dur), 0) / 1000.0 FROM spans").fetchone()[0]
    recent = conn.execute("SELECT max(dur) / 1000.0 FROM spans WHERE id >= ?",
                          ((reach[0] - reach[1]) * 1000,)).fetchone()[0]
    return max(reach[1], recent or 0.0)


def write_snapshot(source: Path, target: Path, meta: dict[str, str],
                   devices: list[tuple[str, str, str]]) -> Written:
    """Write a snapshot of the database at `source` into `target` (replaced if it exists).

    Args:
        source: the device's live database (read in one read transaction; the daemon goes on
            writing meanwhile).
        target: a private temporary file; the caller renames it into place.
        meta: what the `snapshot` table says (device id, name, time ...).
        devices: the device registry `(id, name, kind)` to include.

    Raises:
        StoreError: the source cannot be read or the target written.
    """
    target.unlink(missing_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        conn = sqlite3.connect(target, isolation_level=None)
        try:
            # No journal: the file is private until renamed, and a failed write is discarded.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -32768")  # 32 MiB: pages written once, in order
            conn.execute("ATTACH DATABASE ? AS src", (_uri(source, mode="ro"),))
            conn.execute("BEGIN")
            for sql in _TABLES:
                conn.execute(sql)
            shape = tuple(r[1] for r in conn.execute("PRAGMA src.table_info(spans)"))
            spans = conn.execute(_COPY_SPANS if shape == _SPAN_COLUMNS else _COPIES[0]).rowcount
            for sql in _COPIES[1:]:
                conn.execute(sql)
            for name, sql in conn.execute(
                    "SELECT name, sql FROM src.sqlite_master WHERE type = 'table' AND name IN "
                    f"({', '.join('?' * len(PEOPLE_TABLES))})", PEOPLE_TABLES).fetchall():
                conn.execute(sql)
                conn.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
            schema = conn.execute("PRAGMA src.user_version").fetchone()[0]
            # The salt of the forgotten-name hashes copied above: a peer reading them needs
            # it, so that someone forgotten here stays forgotten there (issue 17).
            salt = conn.execute("SELECT value FROM src.settings WHERE key = ?",
                                (SALT_KEY,)).fetchall()
            if salt:
                meta = dict(meta, people_salt=str(json.loads(salt[0][0])))
            longest = _longest(conn)
            conn.executemany("INSERT INTO devices (id, name, kind) VALUES (?, ?, ?)", devices)
            rows = dict(meta, format=str(FORMAT), schema=str(schema), longest=repr(longest),
                        spans=str(spans))
            conn.executemany("INSERT INTO snapshot (key, value) VALUES (?, ?)",
                             sorted(rows.items()))
            conn.execute(f"PRAGMA user_version = {FORMAT}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise StoreError(f"{source}: cannot write a snapshot to {target} ({exc})") from exc
    return Written(target.stat().st_size, spans)
