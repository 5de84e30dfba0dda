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


# Schema 1 as sqlite-utils wrote it (`Table.create`, `create_index`), statement for
# statement: a new database is set up without importing it (64 ms and 10 MB of a replay or a
# first start, for SQL that never changes). `tests/test_store.py` checks it against
# sqlite-utils itself.
_SCHEMA_1 = (
    ("activity", ("id", "INTEGER PRIMARY KEY"), ("start", "REAL"), ("end", "REAL"),
     ("app", "TEXT"), ("category", "TEXT"), ("title", "TEXT"), ("device", "TEXT")),
    ("meetings", ("id", "INTEGER PRIMARY KEY"), ("source", "TEXT"), ("uid", "TEXT"),
     ("start", "REAL"), ("end", "REAL"), ("all_day", "INTEGER"), ("summary", "TEXT"),
     ("location", "TEXT"), ("kind", "TEXT"), ("reason", "TEXT")),
    ("in_person_log", ("id", "INTEGER PRIMARY KEY"), ("start", "REAL"), ("end", "REAL"),
     ("note", "TEXT")),
    ("focus_windows", ("id", "INTEGER PRIMARY KEY"), ("start", "REAL"), ("end", "REAL"),
     ("label", "TEXT"), ("origin", "TEXT")),
    ("nudges", ("id", "INTEGER PRIMARY KEY"), ("at", "REAL"), ("kind", "TEXT"),
     ("key", "TEXT"), ("title", "TEXT"), ("message", "TEXT"), ("channel", "TEXT"),
     ("delivered", "INTEGER"), ("error", "TEXT")),
    ("settings", ("key", "TEXT PRIMARY KEY"), ("value", "TEXT")),
    ("calendar_sources", ("source", "TEXT PRIMARY KEY"), ("added", "REAL")),
)
_INDEXES_1 = {"activity": ("start", "end"), "meetings": ("start",), "nudges": ("at",)}


def _m1_initial(conn: sqlite3.Connection) -> None:
    for table, *columns in _SCHEMA_1:
        conn.execute(f'CREATE TABLE "{table}" (\n'
                     + ",\n".join(f'   "{name}" {kind}' for name, kind in columns) + "\n)")
        for column in _INDEXES_1.get(table, ()):
            conn.execute(f'CREATE INDEX "idx_{table}_{column}"\n    ON "{table}" ("{column}")')


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


# The compact span table of migration 6, shared with the writers in store/activity.py: a
# span's start in milliseconds is its row id (so the table is its own start index, and no
# second index is needed), its length in milliseconds, and small integers for app, category
# and device. Two spans starting within the same few milliseconds take the next free id.
SPAN_ID = ("(SELECT coalesce(max(id) + 1, {ms}) FROM spans WHERE id >= {ms} "
           "AND id < {ms} + 16)")
_MS = "CAST(round({x} * 1000) AS INTEGER)"
SPAN_TABLES = (
    "CREATE TABLE apps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "CREATE TABLE span_devices (id INTEGER PRIMARY KEY, device TEXT NOT NULL UNIQUE)",
    "CREATE TABLE spans (id INTEGER PRIMARY KEY, dur INTEGER NOT NULL, app INTEGER, "
    "category INTEGER NOT NULL, device INTEGER NOT NULL)",
    "CREATE TABLE span_titles (span_id INTEGER PRIMARY KEY, title TEXT NOT NULL)",
)
ACTIVITY_VIEW = (
    "CREATE VIEW activity (id, start, end, app, category, title, device) AS "
    "SELECT s.id, s.id / 1000.0, (s.id + s.dur) / 1000.0, a.name, c.name, t.title, d.device "
    "FROM spans s LEFT JOIN apps a ON a.id = s.app JOIN categories c ON c.id = s.category "
    "LEFT JOIN span_titles t ON t.span_id = s.id LEFT JOIN span_devices d ON d.id = s.device")


# What the seal triggers do when sealed history changes: forget the caches built on it.
FORGET_ROLLUPS = ("DELETE FROM span_reach", "DELETE FROM rollups", "DELETE FROM rollup_days")
# (An import of years sets the insert seal aside and does this once: `bulk_spans` in
# store/activity.py.)


def _m6_compact_spans(conn: sqlite3.Connection) -> None:
    """Spans in about 20 bytes instead of 90 (issue 18), every old row kept.

    `spans(id, dur, app, category, device)`: `id` is the start in UNIX milliseconds, `dur`
    the length in milliseconds; `app`, `category` and `device` point into `apps`,
    `categories` and `span_devices`; titles (only stored when the user opts in) live in
    `span_titles`. `activity` stays readable (and writable) with plain SQL as a view with
    the old columns and UNIX-second times. The rollup seal triggers move to `spans`.
    """
    for sql in SPAN_TABLES:
        conn.execute(sql)
    # This device is device 0 (stored in no bytes at all); the rest follow by how often.
    this = conn.execute("SELECT id FROM devices WHERE kind = 'this'").fetchone()
    devices = [row[0] for row in conn.execute(
        "SELECT coalesce(device, '') FROM activity GROUP BY coalesce(device, '') "
        "ORDER BY count(*) DESC")]
    if this is not None:
        devices = [this[0]] + [d for d in devices if d != this[0]]
    conn.executemany("INSERT INTO span_devices (id, device) VALUES (?, ?)",
                     list(enumerate(devices)))
    conn.execute("INSERT INTO apps (name) SELECT DISTINCT app FROM activity "
                 "WHERE app IS NOT NULL")
    conn.execute("INSERT INTO categories (name) SELECT DISTINCT category FROM activity")
    apps = dict(conn.execute("SELECT name, id FROM apps"))
    cats = dict(conn.execute("SELECT name, id FROM categories"))
    devs = {d: i for i, d in enumerate(devices)}
    last = None
    spans, titles = [], []
    for start, end, app, category, title, device in conn.execute(
            "SELECT start, end, app, category, title, coalesce(device, '') FROM activity "
            "ORDER BY start, id"):
        ms = round(start * 1000)
        # Old rows may start in the same millisecond: the next free one keeps every row.
        ms = ms if last is None or ms > last else last + 1
        last = ms
        spans.append((ms, round(end * 1000) - ms, apps.get(app), cats[category],
                      devs[device]))
        if title is not None:
            titles.append((ms, title))
        if len(spans) >= 50_000:
            conn.executemany("INSERT INTO spans VALUES (?, ?, ?, ?, ?)", spans)
            spans.clear()
    conn.executemany("INSERT INTO spans VALUES (?, ?, ?, ?, ?)", spans)
    conn.executemany("INSERT INTO span_titles VALUES (?, ?)", titles)
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER activity_sealed_{trigger}")
    conn.execute("DROP TABLE activity")
    conn.execute(ACTIVITY_VIEW)
    ms = {k: _MS.format(x=f"NEW.{k}") for k in ("start", "end")}
    new_id = f"coalesce(NEW.id, {SPAN_ID.format(ms=ms['start'])})"
    # Plain SQL keeps working on the view: an insert, an update or a delete on `activity`
    # lands in the compact tables.
    conn.execute(
        "CREATE TRIGGER activity_insert INSTEAD OF INSERT ON activity BEGIN "
        "INSERT OR IGNORE INTO apps (name) SELECT NEW.app WHERE NEW.app IS NOT NULL; "
        "INSERT OR IGNORE INTO categories (name) VALUES (NEW.category); "
        "INSERT OR IGNORE INTO span_devices (id, device) VALUES ((SELECT coalesce(max(id) + 1, 0) "
        "FROM span_devices), coalesce(NEW.device, '')); "
        f"INSERT INTO spans (id, dur, app, category, device) VALUES ({new_id}, 0, "
        "(SELECT id FROM apps WHERE name = NEW.app), "
        "(SELECT id FROM categories WHERE name = NEW.category), "
        "(SELECT id FROM span_devices WHERE device = coalesce(NEW.device, ''))); "
        f"UPDATE spans SET dur = {ms['end']} - id WHERE id = last_insert_rowid(); "
        "INSERT INTO span_titles (span_id, title) SELECT last_insert_rowid(), NEW.title "
        "WHERE NEW.title IS NOT NULL; END")
    conn.execute(
        "CREATE TRIGGER activity_update INSTEAD OF UPDATE ON activity BEGIN "
        "INSERT OR IGNORE INTO apps (name) SELECT NEW.app WHERE NEW.app IS NOT NULL; "
        "INSERT OR IGNORE INTO categories (name) VALUES (NEW.category); "
        f"UPDATE spans SET dur = {ms['end']} - id, "
        "app = (SELECT id FROM apps WHERE name = NEW.app), "
        "category = (SELECT id FROM categories WHERE name = NEW.category) WHERE id = OLD.id; "
        "DELETE FROM span_titles WHERE span_id = OLD.id AND NEW.title IS NULL; "
        "INSERT OR REPLACE INTO span_titles (span_id, title) SELECT OLD.id, NEW.title "
        "WHERE NEW.title IS NOT NULL; END")
    conn.execute(
        "CREATE TRIGGER activity_delete INSTEAD OF DELETE ON activity BEGIN "
        "DELETE FROM spans WHERE id = OLD.id; END")
    conn.execute("CREATE TRIGGER spans_titles_delete AFTER DELETE ON spans BEGIN "
                 "DELETE FROM span_titles WHERE span_id = OLD.id; END")
    # The rollup seal (migration 2), now on the compact table: `sealed` is in seconds.
    forget = f"BEGIN {'; '.join(FORGET_ROLLUPS)}; END"
    sealed = "(SELECT sealed * 1000 FROM span_reach)"
    conn.execute(f"CREATE TRIGGER spans_sealed_insert AFTER INSERT ON spans "
                 f"WHEN NEW.id < {sealed} {forget}")
    conn.execute(f"CREATE TRIGGER spans_sealed_delete AFTER DELETE ON spans "
                 f"WHEN OLD.id < {sealed} {forget}")
    conn.execute(f"CREATE TRIGGER spans_sealed_update AFTER UPDATE ON spans "
                 f"WHEN MIN(OLD.id, NEW.id) < {sealed} AND ("
                 f"OLD.id IS NOT NEW.id OR OLD.app IS NOT NEW.app "
                 f"OR OLD.category IS NOT NEW.category "
                 f"OR MIN(OLD.id + OLD.dur, {sealed}) IS NOT MIN(NEW.id + NEW.dur, {sealed})) "
                 f"{forget}")


def _m7_day_totals(conn: sqlite3.Connection) -> None:
    """Per-day totals of each app beside the rollups (issue 18): a year's per-app totals are
    one aggregate over a few thousand rows instead of sixty thousand hourly cells.

    `rollup_totals` holds seconds per (zone, local day, app, category) of the rolled-up days,
    the rollups' cells summed over the hours; filled with them, and dropped with them by the
    same triggers (a cache: nothing the user stored is in it).
    """
    conn.execute("CREATE TABLE rollup_totals (zone TEXT NOT NULL, day TEXT NOT NULL, app TEXT, "
                 "category TEXT NOT NULL, seconds REAL NOT NULL)")
    # covering: the year's aggregate reads the index alone, in day order
    conn.execute("CREATE INDEX idx_rollup_totals ON rollup_totals "
                 "(zone, day, app, category, seconds)")
    conn.execute("INSERT INTO rollup_totals (zone, day, app, category, seconds) "
                 "SELECT zone, day, app, category, SUM(seconds) FROM rollups "
                 "GROUP BY zone, day, app, category")
    # every trigger that forgets the rollups forgets the totals too
    forgets = "DELETE FROM rollup_days;"
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "AND instr(sql, ?) > 0", (forgets,)).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(sql.replace(forgets, f"{forgets} DELETE FROM rollup_totals;"))


# The lookup tables of migration 8: no UNIQUE constraint, hence no index beside each table;
# a trigger keeps every name once (a second insert of a name is ignored, as INSERT OR IGNORE
# ignored it against the UNIQUE index).
LOOKUP_TABLES = (("apps", "name"), ("categories", "name"), ("span_devices", "device"))


def _m8_lean_lookups(conn: sqlite3.Connection) -> None:
    """The lookup tables without their UNIQUE indexes (issue 18), every row and id kept.

    Each index took a page of its own for a table of a few dozen names: on one day of spans
    the three were an eighth of the span storage, and no reader looks names up in them (the
    readers join on the id; the writers keep the codes they made). A `BEFORE INSERT` trigger
    per table ignores a name already stored, so `INSERT OR IGNORE` (the writers' and the
    `activity` view's) still keeps every name once. The `activity` view and its triggers
    are made again around the rebuilt tables, unchanged.
    """
    kept = conn.execute("SELECT type, sql FROM sqlite_master WHERE (type = 'view' AND "
                        "name = 'activity') OR (type = 'trigger' AND tbl_name = 'activity') "
                        "ORDER BY type = 'trigger'").fetchall()
    conn.execute("DROP VIEW activity")  # its INSTEAD OF triggers go with it
    for table, column in LOOKUP_TABLES:
        conn.execute(f"CREATE TABLE {table}_lean (id INTEGER PRIMARY KEY, "
                     f"{column} TEXT NOT NULL)")
        conn.execute(f"INSERT INTO {table}_lean (id, {column}) SELECT id, {column} FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_lean RENAME TO {table}")
        conn.execute(f"CREATE TRIGGER {table}_once BEFORE INSERT ON {table} WHEN EXISTS "
                     f"(SELECT 1 FROM {table} WHERE {column} = NEW.{column}) "
                     "BEGIN SELECT RAISE(IGNORE); END")
    for _, sql in kept:
        conn.execute(sql)


# What the seal triggers do since migration 7 (`bulk_spans` does it once after an import).
FORGET_CACHES = (*FORGET_ROLLUPS, "DELETE FROM rollup_totals",
                 "UPDATE span_changes SET changes = changes + 1")


def _m9_people_rollup(conn: sqlite3.Connection) -> None:
    """Each person's in-person time before a moment, condensed (issue 12's benchmark): a
    `people` of five years reads one row a person and about a year of occasions (logged time
    by a new index on its start).

    `people_rollup_reach(zone, upto)` and `people_rollup(person_id, times, last_start,
    last_end, days)` (see presence/store/people_rollup.py). A cache, empty here and filled by
    readers from the source rows: the triggers drop a person's row whenever their time before
    `upto` changes, so that what is left always agrees with `meetings`, `in_person_log`,
    `meeting_people` and `log_people`.
    """
    # the year since and the plans ahead are read by the start of logged time
    conn.execute("CREATE INDEX idx_in_person_log_start ON in_person_log (start)")
    conn.execute("CREATE TABLE people_rollup_reach (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "zone TEXT NOT NULL, upto REAL NOT NULL)")
    conn.execute("CREATE TABLE people_rollup (person_id INTEGER PRIMARY KEY, "
                 "times INTEGER NOT NULL, last_start REAL, last_end REAL, days TEXT NOT NULL)")
    upto = "(SELECT upto FROM people_rollup_reach)"
    drop = "DELETE FROM people_rollup WHERE person_id"
    for source, link, ref, moved in (
            ("meetings", "meeting_people", "meeting_id", "start, end, kind, all_day"),
            ("in_person_log", "log_people", "log_id", "start, end")):
        # BEFORE: the people rows are still there (migration 4 deletes them after)
        conn.execute(f"CREATE TRIGGER {source}_rollup_delete BEFORE DELETE ON {source} "
                     f"WHEN OLD.start < {upto} BEGIN {drop} IN (SELECT person_id FROM {link} "
                     f"WHERE {ref} = OLD.id); END")
        conn.execute(f"CREATE TRIGGER {source}_rollup_update AFTER UPDATE OF id, {moved} "
                     f"ON {source} WHEN MIN(OLD.start, NEW.start) < {upto} BEGIN {drop} IN "
                     f"(SELECT person_id FROM {link} WHERE {ref} IN (OLD.id, NEW.id)); END")
        started = f"(SELECT start FROM {source} WHERE id = {{row}}.{ref})"
        conn.execute(f"CREATE TRIGGER {link}_rollup_insert AFTER INSERT ON {link} "
                     f"WHEN {started.format(row='NEW')} < {upto} "
                     f"BEGIN {drop} = NEW.person_id; END")
        conn.execute(f"CREATE TRIGGER {link}_rollup_delete AFTER DELETE ON {link} "
                     f"WHEN {started.format(row='OLD')} < {upto} "
                     f"BEGIN {drop} = OLD.person_id; END")
        conn.execute(f"CREATE TRIGGER {link}_rollup_update AFTER UPDATE ON {link} "
                     f"BEGIN {drop} IN (OLD.person_id, NEW.person_id); END")
    conn.execute(f"CREATE TRIGGER people_rollup_forget AFTER DELETE ON people "
                 f"BEGIN {drop} = OLD.id; END")


def _m10_span_changes(conn: sqlite3.Connection) -> None:
    """A count of the changes to sealed history (issue 17): `span_changes(changes)`, one row,
    counted up by every trigger that forgets the caches built on the seal (a span inserted,
    deleted or reshaped before it; an import into it).

    While the history before the seal has not changed, neither has the count, so what a
    reader made of days before the seal (the union of past days over devices) is kept under
    it without a scan of their spans; a day's spans changed, the count has moved.
    """
    conn.execute("CREATE TABLE span_changes (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "changes INTEGER NOT NULL)")
    conn.execute("INSERT INTO span_changes (id, changes) VALUES (1, 0)")
    forgets = "DELETE FROM rollup_totals;"
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "AND instr(sql, ?) > 0", (forgets,)).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(sql.replace(forgets,
                                 f"{forgets} UPDATE span_changes SET changes = changes + 1;"))


def _m11_people_rollup_windows(conn: sqlite3.Connection) -> None:
    """Each person's history condensed before today's midnight, not 13 months back (issue
    12's benchmark): a `people` reads one row a person and today's occasions. The condensed
    rows also keep the time inside the day's 30- and 365-day windows (`seconds_30d`,
    `seconds_365d`) and the occasions ending in the latter (`times_365d`), of all but the
    last. The stored rows were condensed before another moment: a cache, emptied here and
    made again by the first reader.
    """
    conn.execute("DELETE FROM people_rollup")
    conn.execute("DELETE FROM people_rollup_reach")
    for column, kind in (("seconds_30d", "REAL"), ("seconds_365d", "REAL"),
                         ("times_365d", "INTEGER")):
        conn.execute(f"ALTER TABLE people_rollup ADD COLUMN {column} {kind} NOT NULL DEFAULT 0")


def _m12_lengths(conn: sqlite3.Connection) -> None:
    """Meetings and logged time indexed by their length, so that the longest is one step
    away: a reader searches what overlaps a window from the longest length before it
    (`db.overlapping`), not from the first row ever stored."""
    for table in ("meetings", "in_person_log"):
        conn.execute(f"CREATE INDEX idx_{table}_length ON {table} (end - start)")


# Append only, in order: MIGRATIONS[n] takes a database from schema n to n + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _m1_initial,
    _m2_rollups,
    _m3_nudge_answers,
    _m4_people,
    _m5_devices,
    _m6_compact_spans,
    _m7_day_totals,
    _m8_lean_lookups,
    _m9_people_rollup,
    _m10_span_changes,
    _m11_people_rollup_windows,
    _m12_lengths,
)
SCHEMA_VERSION = len(MIGRATIONS)
