"""The count of changes to sealed history (migration 10): what a summary over devices keys
the union of past days on, so it must move whenever a span before the seal changes — by
presence, by an import, or by another program's plain SQL — and stay put otherwise."""

from __future__ import annotations

import sqlite3

from support import database_at_schema, sql_rows

from presence.model import Span
from presence.store import Store

DAY = 86400.0
T0 = 1_772_000_000.0  # a day in February 2026


def sealed_store(tmp_path):
    store = Store.open(tmp_path / "presence.db")
    for n in range(3):
        store.insert_span(Span(T0 + n * DAY, T0 + n * DAY + 600, "slack", "messaging"),
                          "laptop")
    store.seal_spans(T0 + 2 * DAY)  # the first two days sealed, the third live
    return store


def test_the_mark_moves_with_every_change_before_the_seal_and_only_then(tmp_path):
    store = sealed_store(tmp_path)
    assert store.sealed_mark(T0 + 3 * DAY) is None  # past the seal: a scan must say it
    mark = store.sealed_mark(T0 + DAY)
    assert mark is not None and store.sealed_mark(T0 + 2 * DAY) == mark
    # the daemon writing on after the seal: nothing sealed changed
    store.insert_span(Span(T0 + 2 * DAY + 900, T0 + 2 * DAY + 1200, "code", "other"), "laptop")
    assert store.sealed_mark(T0 + DAY) == mark
    store.insert_span(Span(T0 + 3600, T0 + 4000, "signal", "messaging"), "laptop")
    assert store.sealed_mark(T0 + DAY) is None  # the seal is gone with the caches
    store.seal_spans(T0 + 2 * DAY)
    moved = store.sealed_mark(T0 + DAY)
    assert moved is not None and moved != mark
    store.close()


def test_plain_sql_and_an_import_into_sealed_history_move_it_too(tmp_path):
    store = sealed_store(tmp_path)
    db = tmp_path / "presence.db"
    marks = [store.sealed_mark(T0 + DAY)]
    # another program reclassifies a sealed span through the activity view
    conn = sqlite3.connect(db)
    conn.execute("UPDATE activity SET category = 'other' WHERE start = ?", (T0,))
    conn.commit()
    conn.close()
    store.seal_spans(T0 + 2 * DAY)
    marks.append(store.sealed_mark(T0 + DAY))
    # an import of old history (the seal trigger set aside, its work done once at the end)
    with store.bulk_spans("import failed"):
        store.insert_spans([(T0 + 7200, T0 + 7300, "whatsapp", "messaging", None)], "phone")
    store.seal_spans(T0 + 2 * DAY)
    marks.append(store.sealed_mark(T0 + DAY))
    store.close()
    assert None not in marks and len(set(marks)) == 3


def test_a_database_of_schema_9_gets_the_count_and_keeps_its_spans(tmp_path):
    db = tmp_path / "presence.db"
    conn = database_at_schema(db, 9)
    conn.execute("INSERT INTO activity (start, end, app, category, device) VALUES (?, ?, "
                 "'slack', 'messaging', 'laptop')", (T0, T0 + 600))
    conn.commit()
    conn.close()
    before = sql_rows(db, "SELECT id, dur FROM spans")
    store = Store.open(db)
    store.seal_spans(T0 + DAY)
    mark = store.sealed_mark(T0 + DAY)
    store.insert_span(Span(T0 + 900, T0 + 1000, "slack", "messaging"), "laptop")
    store.seal_spans(T0 + DAY)
    assert store.sealed_mark(T0 + DAY) != mark
    store.close()
    assert sql_rows(db, "SELECT id, dur FROM spans WHERE id = ?", (int(T0 * 1000),)) == before
