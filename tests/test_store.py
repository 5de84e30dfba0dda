"""The SQLite store: schema, privacy, concurrent readers."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from presence.errors import CorruptDatabase, StoreError
from presence.model import FocusWindow, Span
from presence.store import SCHEMA_VERSION, Store, open_or_recover
from tests.support import database_at_schema, sealed_env


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_and_folder_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        db = tmp_path / "data" / "presence.db"
        store = Store.open(db)
        store.insert_span(Span(0, 5, "slack", "messaging"), "laptop")
    finally:
        os.umask(old)
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    for suffix in ("-wal", "-shm"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            assert mode(side) & 0o077 == 0, suffix
    store.close()


def test_schema_matches_the_design(tmp_path):
    Store.open(tmp_path / "p.db").close()
    conn = sqlite3.connect(tmp_path / "p.db")
    # `activity` is a view over the compact span tables (migration 6): the same columns.
    tables = {r[0]: [c[1] for c in conn.execute(f"PRAGMA table_info({r[0]})")]
              for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN "
                                    "('table', 'view')")}
    assert tables["activity"] == ["id", "start", "end", "app", "category", "title", "device"]
    assert tables["meetings"] == ["id", "source", "uid", "start", "end", "all_day", "summary",
                                  "location", "kind", "reason"]
    assert tables["nudges"] == ["id", "at", "kind", "key", "title", "message", "channel",
                                "delivered", "error", "response", "responded_at", "followed"]
    assert tables["settings"] == ["key", "value"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_schema_1_is_what_sqlite_utils_made_of_it_and_a_new_database_needs_it_not(tmp_path):
    """The first migration writes sqlite-utils' own statements (so every later migration
    finds what it always found), without importing it: a replay's or a first start's new
    database costs no 64 ms import."""
    import sqlite_utils

    from presence.store.migrations import MIGRATIONS

    made = sqlite3.connect(tmp_path / "made.db")
    MIGRATIONS[0](made)
    reference = sqlite3.connect(tmp_path / "reference.db")
    db = sqlite_utils.Database(reference, recursive_triggers=False, execute_plugins=False)
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
    schema = "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid"
    assert made.execute(schema).fetchall() == reference.execute(schema).fetchall()
    assert len(made.execute(schema).fetchall()) == 13

    code = ("import sys\nfrom pathlib import Path\nfrom presence.store import Store\n"
            "Store.open(Path(sys.argv[1])).close()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlite_utils'))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "new.db")],
                          env=sealed_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    conn = sqlite3.connect(tmp_path / "new.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == 0


def test_open_span_is_extended_in_place(tmp_path):
    store = Store.open(tmp_path / "p.db")
    row = store.insert_span(Span(100, 105, "slack", "messaging"), "laptop")
    store.extend_span(row, 160)
    assert store.spans(0, 1000) == [Span(100, 160, "slack", "messaging")]
    assert store.spans(160, 200) == []
    assert store.spans(159, 200) == [Span(100, 160, "slack", "messaging")]


def test_a_failed_flush_stores_nothing_and_the_next_one_names_its_app(tmp_path):
    store = Store.open(tmp_path / "p.db")
    reader = Store.open(tmp_path / "p.db", create=False)
    signal = Span(100, 130, "signal", "messaging")  # an app the database has not seen yet
    with pytest.raises(StoreError):
        # the heartbeat cannot be stored: the whole flush goes, the new app's name with it
        store.flush_spans([], signal, None, "laptop", (("daemon", {"not": "text"}),))
    assert reader.spans(0, 1000) == []
    row = store.flush_spans([], signal, None, "laptop", (("daemon", '{"at": 130.0}'),))
    store.flush_spans([(row, Span(100, 140, "signal", "messaging"))],
                      Span(140, 150, "code", "other"), None, "laptop")
    assert reader.spans(0, 1000) == [Span(100, 140, "signal", "messaging"),
                                     Span(140, 150, "code", "other")]
    assert reader.get_setting("daemon") == {"at": 130.0}


def test_a_flushed_span_starting_with_another_devices_keeps_both(tmp_path):
    store = Store.open(tmp_path / "p.db")
    store.insert_spans([(100.0, 160.0, "whatsapp", "messaging", None)], "phone")
    store.flush_spans([], Span(100, 130, "code", "other"), None, "laptop")
    assert sorted((s.app, s.start, s.end) for s in store.spans(0, 1000)) == [
        ("code", 100.001, 130.0), ("whatsapp", 100.0, 160.0)]


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "p.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer presence"):
        Store.open(db)


def test_missing_database_without_create(tmp_path):
    with pytest.raises(StoreError, match="no database yet"):
        Store.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_not_a_database_is_a_clear_error(tmp_path):
    db = tmp_path / "p.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorruptDatabase, match="the database is damaged"):
        Store.open(db)


def test_a_file_that_is_not_a_database_is_moved_aside_never_deleted(tmp_path):
    db = tmp_path / "p.db"
    garbage = b"this is not sqlite" * 100
    db.write_bytes(garbage)
    store, moved = open_or_recover(db, "20260302-080000")
    assert moved == tmp_path / "p.db.corrupt-20260302-080000"
    assert moved.read_bytes() == garbage
    store.insert_span(Span(0, 5, "slack", "messaging"), "laptop")
    assert store.integrity_ok()


def test_a_damaged_page_is_detected_and_moved_aside(tmp_path):
    db = tmp_path / "p.db"
    store = Store.open(db)
    for i in range(3000):
        store.insert_span(Span(i, i + 1, "slack", "messaging"), "laptop")
    store.close()  # the last connection to close checkpoints the WAL into the file
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 3, page * 6, 7):  # scribble over a few b-tree pages
        data[offset] = 0xA5
    db.write_bytes(bytes(data))
    fresh, moved = open_or_recover(db, "x")
    assert moved is not None and moved.read_bytes() == bytes(data)
    assert fresh.spans(0, 10_000) == []


def test_a_healthy_database_is_left_where_it_is(tmp_path):
    db = tmp_path / "p.db"
    Store.open(db).insert_span(Span(0, 5, "slack", "messaging"), "laptop")
    store, moved = open_or_recover(db, "x")
    assert moved is None and len(store.spans(0, 10)) == 1


WRITER = textwrap.dedent("""
    import sys
    from presence.store import Store
    from presence.model import Span
    store = Store.open(sys.argv[1])
    print("ready", flush=True)
    row = None
    for i in range(1500):
        if i % 50 == 0:
            row = store.insert_span(Span(i, i + 1, "slack", "messaging"), "laptop")
        else:
            store.extend_span(row, i + 1)
        store.set_setting("daemon", {"at": i})
    print("done", flush=True)
""")


def test_reader_never_sees_locked_database_while_daemon_writes(tmp_path):
    db = tmp_path / "p.db"
    Store.open(db).close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE,
                              text=True, cwd=os.getcwd())
    assert writer.stdout.readline().strip() == "ready"
    reads = 0
    while writer.poll() is None:
        reader = Store.open(db, create=False)
        spans = reader.spans(0, 10_000)
        assert all(s.end > s.start for s in spans)
        reader.get_setting("daemon")
        reader.close()
        reads += 1
    assert writer.wait(timeout=60) == 0
    assert reads > 5
    final = Store.open(db, create=False)
    assert len(final.spans(0, 10_000)) == 30
    assert final.integrity_ok()


def test_an_existing_shared_folder_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    Store.open(shared / "presence.db").close()
    assert mode(shared) == 0o1777
    assert mode(shared / "presence.db") == 0o600


def test_a_reader_never_races_the_daemon_to_create_the_schema(tmp_path):
    from presence.lock import InstanceLock
    from presence.paths import lock_file

    db = tmp_path / "presence.db"
    daemon = InstanceLock(lock_file(db))
    daemon.acquire()
    db.touch()  # the daemon has created the file and not yet the schema
    try:
        with pytest.raises(StoreError, match=r"no database yet \(the daemon is creating it\)"):
            Store.open(db, create=False)
    finally:
        daemon.release()
    assert db.stat().st_size == 0
    # with no daemon on it, an empty file is no database in the making
    with pytest.raises(StoreError, match="no presence data in this file"):
        Store.open(db, create=False)
    assert db.stat().st_size == 0


def test_a_failed_replacement_of_auto_focus_windows_keeps_the_old_ones(tmp_path):
    store = Store.open(tmp_path / "p.db")
    old = FocusWindow(None, 1000.0, 2000.0, "Dinner", "auto")
    store.replace_auto_focus([old], after=0)
    # the second window cannot be stored (a value SQLite does not take): nothing of the
    # replacement may remain, and yesterday's window must still be there
    broken = FocusWindow(None, 3000.0, object(), "Lunch", "auto")
    with pytest.raises(StoreError, match="write failed"):
        store.replace_auto_focus([FocusWindow(None, 2500.0, 2600.0, "Tea", "auto"), broken],
                                 after=0)
    assert [(w.start, w.label) for w in store.focus_windows(0, 10_000)] == [(1000.0, "Dinner")]
    store.replace_auto_focus([FocusWindow(None, 2500.0, 2600.0, "Tea", "auto")], after=0)
    assert [w.label for w in store.focus_windows(0, 10_000)] == ["Tea"]


def test_removing_a_calendar_source_removes_its_meetings_too(tmp_path):
    from datetime import datetime, timezone

    from presence.model import Meeting

    store = Store.open(tmp_path / "p.db")
    start = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    end = datetime(2026, 3, 2, 13, tzinfo=timezone.utc)
    for source in ("a.ics", "b.ics"):
        store.add_calendar_source(source, 0.0)
        store.replace_meetings(source, [Meeting(source, "u", "Lunch", start, end, False, "Café",
                                                "in_person", "location")], timezone.utc, 0.0)
    assert store.remove_calendar_source("a.ics") is True
    assert store.calendar_sources() == ["b.ics"]
    assert [m.source for m in store.meetings(0, 2e9, timezone.utc)] == ["b.ics"]
    assert store.remove_calendar_source("a.ics") is False


def test_doctor_reads_the_database_health_from_the_store(tmp_path):
    from presence.doctor import check_database

    db = tmp_path / "data" / "presence.db"
    store = Store.open(db)
    store.insert_span(Span(0, 5, "slack", "messaging"), "laptop")
    store.insert_span(Span(5, 9, "code", "work"), "laptop")
    assert store.health().intact and store.health().spans == 2
    store.close()
    check = check_database(db)
    assert (check.status, check.detail) == ("ok", f"{db} (2 spans)")


def _presence(home, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=sealed_env(home))


def test_a_copy_without_its_wal_says_so(tmp_path):
    # Issue 13: such a copy was "no database yet (the daemon is creating it)"
    live = Store.open(tmp_path / "presence.db")  # open: the schema is still in the WAL
    live.insert_span(Span(0, 5, "slack", "messaging"), "laptop")
    copy = tmp_path / "copy.db"
    shutil.copy(tmp_path / "presence.db", copy)
    assert (tmp_path / "presence.db-wal").exists() and not copy.with_name("copy.db-wal").exists()
    done = _presence(tmp_path, "--db", str(copy), "summary")
    live.close()
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"presence: {copy}: no presence data in this file: a copy made while presence ran "
        "leaves the data in the -wal file beside the original; copy copy.db together with its "
        "-wal file, or copy with: sqlite3 ORIGINAL.db \".backup COPY.db\""]


def test_a_database_of_another_program_is_named_and_never_migrated(tmp_path):
    foreign = tmp_path / "places.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    for args in (("summary",), ("run", "--probe", "none"), ("calendar", "list")):
        done = _presence(tmp_path, "--db", str(foreign), *args)
        assert done.returncode == 1, args
        assert (f"presence: {foreign}: a SQLite database, but not presence's (its tables: "
                "moz_places); give presence's own database with --db, or leave --db out") \
            in done.stderr.splitlines(), done.stderr
    assert foreign.read_bytes() == before


def test_a_year_of_spans_moves_to_the_compact_table_with_every_row_kept(tmp_path):
    """Migration 6 on a year-old database of schema 5: every span, title and device kept."""
    path = tmp_path / "presence.db"
    conn = database_at_schema(path, 5)
    conn.execute("INSERT INTO devices (id, name, kind, origin, added) VALUES "
                 "('laptop-id', 'laptop', 'this', NULL, 0)")
    start = 1_750_000_000.0
    rows = []
    for i in range(20_000):  # a span every 26 minutes for a year, a few on top of each other
        begin = start + i * 1577.25 + (i % 7) * 0.001
        rows.append((begin, begin + 10 + i % 900, ["slack", "code", None, "firefox"][i % 4],
                     ["messaging", "other", "away", "social"][i % 4],
                     f"title {i}" if i % 10 == 0 else None,
                     "laptop-id" if i % 5 else "old-host"))
    rows.append((rows[100][0], rows[100][1], "signal", "messaging", None, "phone"))  # same start
    conn.executemany("INSERT INTO activity (start, end, app, category, title, device) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    before = sorted(conn.execute("SELECT start, end, app, category, title, device "
                                 "FROM activity"), key=lambda r: (r[0], r[5]))
    conn.close()

    Store.open(path, create=False).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'activity'").fetchone() \
        == ("view",)
    after = sorted(conn.execute("SELECT start, end, app, category, title, device "
                                "FROM activity"), key=lambda r: (r[0], r[5]))
    assert len(after) == len(before) == 20_001
    for old, new in zip(before, after):
        assert new[2:] == old[2:]
        # Times keep their milliseconds; the one span sharing a start moved by one.
        assert abs(new[0] - old[0]) <= 0.0015 and abs(new[1] - old[1]) <= 0.0015
    assert conn.execute("SELECT device FROM span_devices WHERE id = 0").fetchone() == \
        ("laptop-id",)
    conn.close()


def test_rollups_of_schema_6_gain_their_day_totals_and_keep_every_row(tmp_path):
    """Migration 7 on a database whose history schema 6 had rolled up: the day totals come
    from the stored cells, the cells and spans stay, and a late span forgets both."""
    from datetime import date

    path = tmp_path / "presence.db"
    conn = database_at_schema(path, 6)
    conn.execute("INSERT INTO activity (start, end, app, category, title, device) VALUES "
                 "(1000, 4600, 'slack', 'messaging', NULL, NULL)")
    cells = [("UTC", "1970-01-01", 0, "slack", "messaging", 2600.0),
             ("UTC", "1970-01-01", 1, "slack", "messaging", 1000.0),
             ("UTC", "1970-01-01", 1, None, "other", 5.0)]
    conn.executemany("INSERT INTO rollups VALUES (?, ?, ?, ?, ?, ?)", cells)
    conn.execute("INSERT INTO rollup_days VALUES ('UTC', '1970-01-01', '1970-01-01')")
    conn.execute("INSERT INTO span_reach VALUES (1, 86400, 3600)")
    conn.commit()
    conn.close()

    store = Store.open(path, create=False)
    day = date(1970, 1, 1)
    assert set(store.rollup_totals("UTC", day, day)) == {
        (None, "other", 5.0), ("slack", "messaging", 3600.0)}
    assert len(store.rollups("UTC", day, day)) == 3
    assert [(s.start, s.end) for s in store.spans(0, 86400)] == [(1000, 4600)]
    store.insert_span(Span(5000, 5060, "code", "other"), "laptop")  # into sealed history
    assert store.rollup_totals("UTC", day, day) == [] and store.rollup_days("UTC") is None
    store.close()


def test_lookup_tables_lose_their_indexes_and_keep_every_row_and_each_name_once(tmp_path):
    """Migration 8 on a database of schema 7: every span, title, device and code kept, no
    index beside the lookup tables, and a name written again (by the store or by plain SQL
    on the view) still gets its one code."""
    path = tmp_path / "presence.db"
    conn = database_at_schema(path, 7)
    rows = [(1000.0 + i * 60, 1030.5 + i * 60, ["slack", "code", None][i % 3],
             ["messaging", "other", "away"][i % 3], "general" if i % 4 == 0 else None,
             ["laptop", "phone"][i % 2]) for i in range(300)]
    conn.executemany("INSERT INTO activity (start, end, app, category, title, device) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    tables = ("apps", "categories", "span_devices")

    def stored(c: sqlite3.Connection) -> tuple:
        return (c.execute("SELECT id, start, end, app, category, title, device FROM activity "
                          "ORDER BY id").fetchall(),
                *(c.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables))

    before = stored(conn)
    conn.close()

    store = Store.open(path, create=False)
    assert store.insert_span(Span(90_000, 90_060, "slack", "messaging"), "laptop") == 90_000_000
    store.close()
    conn = sqlite3.connect(path)
    after = stored(conn)
    assert after[0][:-1] == before[0] and after[1:] == before[1:]
    assert after[0][-1] == (90_000_000, 90_000, 90_060, "slack", "messaging", None, "laptop")
    assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                        "(?, ?, ?)", tables).fetchall() == []
    conn.execute("INSERT INTO activity (start, end, app, category, title, device) VALUES "
                 "(95000, 95060, 'code', 'other', NULL, 'phone'), "
                 "(96000, 96060, 'signal', 'messaging', NULL, 'tablet')")
    conn.commit()
    for table, column in (("apps", "name"), ("categories", "name"), ("span_devices", "device")):
        names = [r[0] for r in conn.execute(f"SELECT {column} FROM {table}")]
        assert len(names) == len(set(names)), table
    assert [r[0] for r in conn.execute("SELECT name FROM apps ORDER BY id")] == \
        ["slack", "code", "signal"]
    assert conn.execute("SELECT app, device FROM activity WHERE start >= 95000 ORDER BY id") \
        .fetchall() == [("code", "phone"), ("signal", "tablet")]
    conn.close()


def test_plain_sql_on_the_activity_view_reaches_the_compact_tables(tmp_path):
    store = Store.open(tmp_path / "p.db")
    row = store.insert_span(Span(100.25, 105.5, "slack", "messaging", "general"), "laptop")
    store.close()
    conn = sqlite3.connect(tmp_path / "p.db")
    assert conn.execute("SELECT id, start, end, app, category, title, device FROM activity") \
        .fetchall() == [(row, 100.25, 105.5, "slack", "messaging", "general", "laptop")]
    conn.execute("INSERT INTO activity (start, end, app, category, title, device) "
                 "VALUES (200, 260, 'signal', 'messaging', NULL, 'phone')")
    conn.execute("UPDATE activity SET title = NULL, end = 110 WHERE id = ?", (row,))
    conn.commit()
    conn.close()
    store = Store.open(tmp_path / "p.db")
    assert store.spans(0, 1000) == [Span(100.25, 110, "slack", "messaging"),
                                    Span(200, 260, "signal", "messaging")]
    conn = sqlite3.connect(tmp_path / "p.db")
    conn.execute("DELETE FROM activity WHERE app = 'signal'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM spans").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM span_titles").fetchone() == (0,)
