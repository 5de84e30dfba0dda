"""The schema, as numbered migrations: how a database of any age becomes the current one.

To change the schema, write `_mN_what(conn)` below and append it to `MIGRATIONS`. A migration
that has shipped is never edited, so old databases upgrade in order; each runs inside the
opening transaction, with the others, and must keep the user's data (add columns and tables,
copy rows, never drop what a user wrote). The statements that use the new tables go in the
table module of their group (see `presence/store/__init__.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _m1_initial(conn: sqlite3.Connection) -> None:
    # sqlite-utils is imported here alone: once a database exists, no command pays for it.
    import sqlite_utils

    db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
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


def _m2_rollups(conn: sqlite3.Connection) -> None:
    """Daily rollups for summaries and reports, and the reach of sealed spans (issue 5).

    `rollups` holds seconds per (zone, local day, clock hour, app, category) of complete days;
    `rollup_days` the range of days each zone has rolled up. `span_reach` seals the history
    before `sealed`: no span that starts before it reaches further back than `longest` seconds
    from it (spans clipped at `sealed`), which bounds every span query by the start index.
    Both are caches: the triggers drop them whenever sealed history changes (a span inserted,
    deleted or reshaped before `sealed`), and readers rebuild them.
    """
    conn.execute("CREATE TABLE rollups (zone TEXT NOT NULL, day TEXT NOT NULL, "
                 "hour INTEGER NOT NULL, app TEXT, category TEXT NOT NULL, "
                 "seconds REAL NOT NULL)")
    conn.execute("CREATE INDEX idx_rollups_zone_day ON rollups (zone, day)")
    conn.execute("CREATE TABLE rollup_days (zone TEXT PRIMARY KEY, first TEXT NOT NULL, "
                 "last TEXT NOT NULL)")
    conn.execute("CREATE TABLE span_reach (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "sealed REAL NOT NULL, longest REAL NOT NULL)")
    forget = ("BEGIN DELETE FROM span_reach; DELETE FROM rollups; DELETE FROM rollup_days; "
              "END")
    sealed = "(SELECT sealed FROM span_reach)"
    conn.execute(f"CREATE TRIGGER activity_sealed_insert AFTER INSERT ON activity "
                 f"WHEN NEW.start < {sealed} {forget}")
    conn.execute(f"CREATE TRIGGER activity_sealed_delete AFTER DELETE ON activity "
                 f"WHEN OLD.start < {sealed} {forget}")
    # The daemon extends its open span every flush: that only matters when the part before
    # `sealed` changes, never for a span that merely runs on past it.
    conn.execute(f"CREATE TRIGGER activity_sealed_update AFTER UPDATE ON activity "
                 f"WHEN MIN(OLD.start, NEW.start) < {sealed} AND ("
                 f"OLD.start IS NOT NEW.start OR OLD.app IS NOT NEW.app "
                 f"OR OLD.category IS NOT NEW.category "
                 f"OR MIN(OLD.end, {sealed}) IS NOT MIN(NEW.end, {sealed})) {forget}")


def _m3_nudge_answers(conn: sqlite3.Connection) -> None:
    """What the user answered to each nudge and whether it helped (issue 15).

    `response` is the button's verb, `dismissed` or `expired` (NULL: no answer yet);
    `responded_at` when; `followed` 1 / 0 once the effect is known (DESIGN §3), else NULL.
    Older nudges keep NULL in all three: nothing is invented about them.
    """
    conn.execute("ALTER TABLE nudges ADD COLUMN response TEXT")
    conn.execute("ALTER TABLE nudges ADD COLUMN responded_at REAL")
    conn.execute("ALTER TABLE nudges ADD COLUMN followed INTEGER")


def _m4_people(conn: sqlite3.Connection) -> None:
    """Who was there (issue 12): `people`, `person_aliases`, `meeting_people`, `log_people`,
    and the salted hashes of forgotten people. Deleting a meeting or a logged stretch drops
    its people rows (a sync replaces the meetings of its window)."""
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "goal_days INTEGER)")
    conn.execute("CREATE TABLE person_aliases (alias TEXT PRIMARY KEY, "
                 "person_id INTEGER NOT NULL REFERENCES people(id))")
    conn.execute("CREATE INDEX idx_person_aliases_person ON person_aliases (person_id)")
    for table, ref in (("meeting_people", "meeting_id"), ("log_people", "log_id")):
        conn.execute(f"CREATE TABLE {table} ({ref} INTEGER NOT NULL, person_id INTEGER NOT "
                     f"NULL REFERENCES people(id), PRIMARY KEY ({ref}, person_id)) "
                     "WITHOUT ROWID")
        conn.execute(f"CREATE INDEX idx_{table}_person ON {table} (person_id, {ref})")
    conn.execute("CREATE TRIGGER meetings_people_delete AFTER DELETE ON meetings BEGIN "
                 "DELETE FROM meeting_people WHERE meeting_id = OLD.id; END")
    conn.execute("CREATE TRIGGER in_person_log_people_delete AFTER DELETE ON in_person_log "
                 "BEGIN DELETE FROM log_people WHERE log_id = OLD.id; END")
    conn.execute("CREATE TABLE forgotten_people (hash TEXT PRIMARY KEY) WITHOUT ROWID")


def _m5_devices(conn: sqlite3.Connection) -> None:
    """The device registry (issue 17): this device (`kind` "this": its random id and name,
    created once) and the devices whose history was imported into this database ("imported",
    such as a phone from ActivityWatch; `origin` says from where). `activity.device` holds one
    of these ids for every span written from now on."""
    conn.execute("CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
                 "kind TEXT NOT NULL, origin TEXT, added REAL NOT NULL)")
    conn.execute("CREATE UNIQUE INDEX idx_devices_this ON devices (kind) WHERE kind = 'this'")


# Append only, in order: MIGRATIONS[n] takes a database from schema n to n + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _m1_initial,
    _m2_rollups,
    _m3_nudge_answers,
    _m4_people,
    _m5_devices,
)
SCHEMA_VERSION = len(MIGRATIONS)
