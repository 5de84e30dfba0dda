"""The condensed history of people (migrations 9 and 11) changes no number: whatever changes
the time stored with someone — a log added or removed, a calendar synced again, a merge, a
rename, a forget, an edit in plain SQL, an old database migrated, another device, another
day — `people` says what their whole history says (issue 12's benchmark)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from presence.cli.main import main
from presence.model import Meeting, Named
from presence.people import render
from presence.people.directory import Resolver, everyone, store_meetings
from presence.people.ledger import condense_before, ledger, ranked
from presence.store import SCHEMA_VERSION, Store
from tests.support import database_at_schema, sql_rows

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-09-01T12:00:00+02:00"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def meeting(uid: str, begin: datetime, minutes: int, title: str, *names: str) -> Meeting:
    return Meeting("years.ics", uid, title, begin, begin + timedelta(minutes=minutes), False,
                   "Café Central", "in_person", "place in LOCATION",
                   tuple(Named(n) for n in names))


def build(db: Path) -> None:
    """Three and a half years with Priya (every Tuesday), Sam (every third Saturday, some of
    it logged on top of the calendar), Ben (monthly, 2023–2024) and Jo (twice in 2024), and a
    stretch with Sam across the moment a history is condensed before."""
    store = Store.open(db)
    meetings = []
    day = date(2023, 1, 3)
    while day < date(2026, 8, 30):
        meetings.append(meeting(f"priya-{day}", local(day, 12, 30), 60, "Lunch with Priya",
                                "Priya Patel"))
        day += timedelta(days=7)
    day = date(2023, 1, 7)
    while day < date(2026, 8, 30):
        meetings.append(meeting(f"sam-{day}", local(day, 19), 150, "Dinner with Sam", "Sam"))
        day += timedelta(days=21)
    for month in range(24):
        day = date(2023 + month // 12, month % 12 + 1, 15)
        meetings.append(meeting(f"ben-{day}", local(day, 18), 90, "Drinks with Ben", "Ben"))
    for day in (date(2024, 1, 10), date(2024, 1, 24)):
        meetings.append(meeting(f"jo-{day}", local(day, 13), 45, "Coffee w/ Jo", "Jo"))
    # across the condensing moment: a meeting from 23:00 the day before, a log on top after
    split = condense_before(ts(NOW), BERLIN)
    eve = datetime.fromtimestamp(split - 3600, BERLIN)
    meetings.append(meeting("sam-late", eve, 90, "Late dinner with Sam", "Sam"))
    store_meetings(store, "years.ics", meetings, BERLIN, since=ts("2023-01-01T00:00:00+01:00"))
    resolver = Resolver(store)
    sam = resolver.person_ids([Named("Sam")])
    store.add_in_person(split + 1800, split + 7200, "night walk", sam)
    day = date(2023, 1, 28)
    while day < date(2026, 8, 1):  # logged on top of a dinner: one occasion, not two
        store.add_in_person(local(day, 20).timestamp(), local(day, 23).timestamp(), "dinner",
                            sam)
        day += timedelta(days=63)
    store.close()


@pytest.fixture
def home(presence_home: Path) -> Path:
    presence_home.mkdir()
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    build(presence_home / "presence.db")
    return presence_home


def cli(*args: str, at: str = NOW) -> tuple[int, str]:
    with freeze_time(at):
        result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def listed(at: str = NOW) -> list[dict]:
    """`people --json --all`, as a user reads it (through the condensed history)."""
    code, out = cli("people", "--json", "--all", at=at)
    assert code == 0, out
    return json.loads(out)


def whole(home: Path, at: str = NOW, tz: ZoneInfo = BERLIN) -> list[dict]:
    """What every occasion ever says, one person at a time (the ledger of `people show`)."""
    store = Store.open(home / "presence.db", create=False)
    try:
        items = ranked(ledger(p, store.occasions(p.id).get(p.id, []), ts(at), tz)
                       for p in store.people())
        return [render.ledger_json(i) for i in items]
    finally:
        store.close()


def times(home: Path, at: str = NOW, tz: ZoneInfo = BERLIN) -> dict[str, int]:
    """Occasions ever per person through the condensed history, and from every occasion."""
    store = Store.open(home / "presence.db", create=False)
    try:
        fast = {i.person.name: i.times for i in everyone(store, ts(at), tz, include_all=True)}
        slow = {p.name: len(ledger(p, store.occasions(p.id).get(p.id, []), ts(at), tz).past)
                for p in store.people()}
        assert fast == slow
        return fast
    finally:
        store.close()


def by_name(items: list[dict]) -> dict[str, dict]:
    return {p["name"]: p for p in items}


def condensed(home: Path) -> dict[str, int]:
    """Whose condensed history is stored: name → occasions before the condensing moment."""
    return dict(sql_rows(home / "presence.db", "SELECT p.name, r.times FROM people_rollup r "
                                               "JOIN people p ON p.id = r.person_id"))


def test_the_condensed_history_says_what_the_whole_one_says(home):
    first = listed()
    assert first == whole(home)
    # the condensed histories were stored for everyone, before today's local midnight
    reach = sql_rows(home / "presence.db", "SELECT zone, upto FROM people_rollup_reach")
    assert reach == [("Europe/Berlin", condense_before(ts(NOW), BERLIN))]
    assert set(condensed(home)) == {"Priya Patel", "Sam", "Ben", "Jo"}
    people = by_name(first)
    assert (people["Jo"]["status"], people["Jo"]["cadence_days"]) == ("new", None)
    assert (people["Ben"]["status"], people["Ben"]["last_seen"]) == (
        "drifting", "2024-12-15T18:30:00Z")
    assert people["Priya Patel"]["cadence_days"] == 7.0
    # Ben and Jo are all condensed; the stretch across the moment is one occasion with Sam
    assert times(home) == {"Priya Patel": 191, "Sam": 65, "Ben": 24, "Jo": 2}
    # a second read uses what the first stored, and says the same
    assert listed() == first
    # forty days on the moment no longer fits: condensed again, before that day
    later = "2026-10-11T09:00:00+02:00"
    assert listed(later) == whole(home, later)
    assert sql_rows(home / "presence.db", "SELECT upto FROM people_rollup_reach") == [
        (condense_before(ts(later), BERLIN),)]
    # another zone: other local days, condensed again in that zone
    (home / "config.toml").write_text('timezone = "America/New_York"\n', "utf-8")
    york = ZoneInfo("America/New_York")
    assert listed(later) == whole(home, later, york)
    assert sql_rows(home / "presence.db", "SELECT zone FROM people_rollup_reach") == [
        ("America/New_York",)]


def test_old_logged_time_added_and_removed(home):
    assert by_name(listed())["Jo"]["status"] == "new"
    code, out = cli("log", "2h", "--at", "2024-02-07T12:00", "--with", "Jo")
    assert code == 0, out
    assert "Jo" not in condensed(home)  # Jo's old time changed: theirs is made again
    jo = by_name(listed())["Jo"]
    assert (jo["status"], jo["cadence_days"]) == ("drifting", 14.0)
    assert listed() == whole(home) and times(home)["Jo"] == 3
    log_id = out.rsplit("(id ", 1)[1].split(")")[0]
    assert cli("log", "remove", log_id)[0] == 0
    assert "Jo" not in condensed(home)
    assert by_name(listed())["Jo"]["status"] == "new"
    assert listed() == whole(home) and times(home)["Jo"] == 2


ANA = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//presence tests//EN
BEGIN:VEVENT
UID:ana-lunch-2025@example.org
DTSTAMP:20250201T090000Z
DTSTART;TZID=Europe/Berlin:20250304T123000
DTEND;TZID=Europe/Berlin:20250304T133000
RRULE:FREQ=WEEKLY;COUNT={count}
SUMMARY:Lunch with Ana
LOCATION:Markthalle Neun
END:VEVENT
END:VCALENDAR
"""


def test_a_calendar_synced_again_over_condensed_time(home):
    ics = home / "personal.ics"
    ics.write_text(ANA.format(count=4), "utf-8")
    (home / "config.toml").write_text(
        f'timezone = "Europe/Berlin"\n[calendar]\nsources = ["{ics}"]\n', "utf-8")
    march = "2025-03-01T06:00:00+01:00"  # the sync that stored March 2025
    assert cli("calendar", "sync", at=march)[0] == 0
    ana = by_name(listed())["Ana"]
    assert (ana["status"], ana["cadence_days"], ana["last_seen"]) == (
        "drifting", 7.0, "2025-03-25T12:30:00Z")
    assert "Ana" in condensed(home)
    # the series was shortened and synced again: what was condensed of it is made again
    ics.write_text(ANA.format(count=2), "utf-8")
    assert cli("calendar", "sync", at=march)[0] == 0
    assert "Ana" not in condensed(home)
    ana = by_name(listed())["Ana"]
    assert (ana["status"], ana["cadence_days"], ana["last_seen"]) == (
        "new", None, "2025-03-11T12:30:00Z")
    assert listed() == whole(home) and times(home)["Ana"] == 2


def test_merge_rename_and_forget(home):
    listed()
    ids = dict(sql_rows(home / "presence.db", "SELECT name, id FROM people"))
    # a new display name changes no time together: the condensed history stays
    assert cli("people", "rename", "Ben", "Ben Okafor")[0] == 0
    assert condensed(home)["Ben Okafor"] == 24
    assert listed() == whole(home)
    # Jo was Priya all along: Jo's condensed history goes, Priya's is made again
    assert cli("people", "merge", "Priya Patel", "Jo")[0] == 0
    assert set(condensed(home)) == {"Sam", "Ben Okafor"}
    assert listed() == whole(home) and times(home)["Priya Patel"] == 193
    # forgetting Sam leaves no row of Sam's in the condensed histories either
    code, out = cli("people", "forget", "Sam")
    assert code == 0, out
    assert "Sam" not in by_name(listed())
    assert listed() == whole(home)
    assert sql_rows(home / "presence.db", "SELECT person_id FROM people_rollup "
                                          "WHERE person_id = ?", (ids["Sam"],)) == []
    assert sorted(r[0] for r in sql_rows(home / "presence.db",
                                         "SELECT person_id FROM people_rollup")) == sorted(
        r[0] for r in sql_rows(home / "presence.db", "SELECT id FROM people"))


def test_old_rows_edited_in_plain_sql(home):
    def edit(sql: str) -> None:
        conn = sqlite3.connect(home / "presence.db")
        with conn:
            conn.execute(sql)
        conn.close()

    listed()
    # a user moves an old dinner with Sam by a day
    edit("UPDATE meetings SET start = start - 86400, end = end - 86400 WHERE uid = "
         "(SELECT min(uid) FROM meetings WHERE uid LIKE 'sam-2024-%')")
    assert "Sam" not in condensed(home)
    assert listed() == whole(home)
    # deletes an old logged stretch
    edit("DELETE FROM in_person_log WHERE id = (SELECT min(id) FROM in_person_log "
         "WHERE note = 'dinner')")
    assert "Sam" not in condensed(home)
    assert listed() == whole(home)
    # and Ben's first drinks were someone else's
    edit("DELETE FROM meeting_people WHERE meeting_id = (SELECT id FROM meetings "
         "WHERE uid = 'ben-2023-01-15')")
    assert set(condensed(home)) == {"Priya Patel", "Sam", "Jo"}
    assert listed() == whole(home)
    assert times(home)["Ben"] == 23


def schema_8(db: Path) -> None:
    """A database as presence wrote it before migration 9, with people in it (plain SQL)."""
    conn = database_at_schema(db, 8)
    conn.executemany("INSERT INTO people (id, name) VALUES (?, ?)", [(1, "Priya"), (2, "Sam")])
    conn.executemany("INSERT INTO person_aliases (alias, person_id) VALUES (?, ?)",
                     [("priya", 1), ("sam", 2)])
    day = date(2024, 1, 2)
    while day < date(2026, 8, 25):
        start = local(day, 12).timestamp()
        row = conn.execute(
            "INSERT INTO meetings (source, uid, start, end, all_day, summary, location, kind, "
            "reason) VALUES ('old.ics', ?, ?, ?, 0, 'Lunch with Priya', 'Café', 'in_person', "
            "'place in LOCATION')", (f"p-{day}", start, start + 3600)).lastrowid
        conn.execute("INSERT INTO meeting_people VALUES (?, 1)", (row,))
        if day.toordinal() % 3 == 0:
            log = conn.execute("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, "
                               "'walk')", (start + 7200, start + 9000)).lastrowid
            conn.execute("INSERT INTO log_people VALUES (?, 2)", (log,))
        day += timedelta(days=10)
    conn.commit()
    conn.close()


def test_a_database_from_before_migration_9(presence_home):
    presence_home.mkdir()
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    db = presence_home / "presence.db"
    schema_8(db)
    tables = ("people", "person_aliases", "meetings", "meeting_people", "in_person_log",
              "log_people")
    before = {t: sql_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in tables}
    got = listed()
    assert sql_rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]  # migrated on to the latest
    assert {t: sql_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in tables} == before
    assert got == whole(presence_home) and len(got) == 2
    assert set(condensed(presence_home)) == {"Priya", "Sam"}
    assert by_name(got)["Priya"]["cadence_days"] == 10.0


def test_one_condensed_history_serves_a_whole_day_and_the_next_makes_its_own(home):
    reach = "SELECT upto FROM people_rollup_reach"
    assert listed("2026-09-01T00:20:00+02:00") == whole(home, "2026-09-01T00:20:00+02:00")
    midnight = sql_rows(home / "presence.db", reach)
    assert midnight == [(ts("2026-09-01T00:00:00+02:00"),)]
    before = sql_rows(home / "presence.db", "SELECT * FROM people_rollup ORDER BY 1")
    # the night walk with Sam that began before midnight counts up to now, whenever now is
    sam = by_name(listed("2026-09-01T01:00:00+02:00"))["Sam"]
    assert sam == by_name(whole(home, "2026-09-01T01:00:00+02:00"))["Sam"]
    # time logged today leaves the condensed rows as they are, and counts at once
    code, out = cli("log", "1h30m", "--at", "2026-09-01T09:00", "--with", "Jo",
                    at="2026-09-01T11:00:00+02:00")
    assert code == 0, out
    assert sql_rows(home / "presence.db", "SELECT * FROM people_rollup ORDER BY 1") == before
    evening = "2026-09-01T23:30:00+02:00"
    jo = by_name(listed(evening))["Jo"]
    assert (jo["days_since"], jo["minutes_30d"], jo["minutes_365d"], jo["times_365d"]) == (
        0, 90.0, 90.0, 1)
    assert listed(evening) == whole(home, evening)
    assert sql_rows(home / "presence.db", reach) == midnight
    # the next day has its own windows: condensed again before its midnight, Jo's log in it
    morning = "2026-09-02T07:00:00+02:00"
    assert listed(morning) == whole(home, morning)
    assert sql_rows(home / "presence.db", reach) == [(ts("2026-09-02T00:00:00+02:00"),)]
    assert condensed(home)["Jo"] == 3


def test_a_database_condensed_before_migration_11(presence_home):
    presence_home.mkdir()
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    db = presence_home / "presence.db"
    schema_8(db)
    from presence.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db)
    for migrate in MIGRATIONS[8:10]:
        migrate(conn)
    # what presence at schema 10 kept: Priya condensed 13 months back (no windows then)
    conn.execute("INSERT INTO people_rollup_reach (id, zone, upto) VALUES "
                 "(1, 'Europe/Berlin', ?)", (ts("2025-07-03T00:00:00+02:00"),))
    conn.execute("INSERT INTO people_rollup VALUES (1, 55, ?, ?, '739000,738990')",
                 (ts("2025-06-30T12:00:00+02:00"), ts("2025-06-30T13:00:00+02:00")))
    conn.execute("PRAGMA user_version = 10")
    conn.commit()
    conn.close()
    got = listed()
    assert sql_rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert got == whole(presence_home)
    assert sql_rows(db, "SELECT upto FROM people_rollup_reach") == [
        (ts("2026-09-01T00:00:00+02:00"),)]
    # the row kept from before was made again: every lunch with Priya before midnight
    lunches = sql_rows(db, "SELECT count(*) FROM meetings WHERE start < ?",
                       (ts("2026-09-01T00:00:00+02:00"),))[0][0]
    assert condensed(presence_home)["Priya"] == lunches != 55


def test_another_devices_time_counts_beside_the_condensed_history(home, tmp_path):
    from presence.devices.snapshot import write

    listed()  # this device's history is condensed
    # the phone logged an old coffee with Jo (on top of one here) and a new one
    phone = tmp_path / "phone.db"
    store = Store.open(phone)
    jo = Resolver(store).person_ids([Named("Jo")])
    store.add_in_person(local(date(2024, 1, 24), 13, 30).timestamp(),
                        local(date(2024, 1, 24), 14, 30).timestamp(), None, jo)
    store.add_in_person(local(date(2024, 2, 7), 13).timestamp(),
                        local(date(2024, 2, 7), 14).timestamp(), None, jo)
    store.close()
    folder = tmp_path / "sync"
    write(phone, folder, "00000000000000f1", "phone", [("00000000000000f1", "phone", "this")],
          ts(NOW) - 60)
    (home / "config.toml").write_text(
        f'timezone = "Europe/Berlin"\n[devices]\nfolder = "{folder}"\nname = "laptop"\n',
        "utf-8")
    jo = by_name(listed())["Jo"]
    # three occasions (the coffee on 24 January once): a rhythm of two weeks, long overdue
    assert (jo["status"], jo["cadence_days"], jo["minutes_365d"]) == ("drifting", 14.0, 0.0)
    assert jo["last_seen"] == "2024-02-07T13:00:00Z"
    assert by_name(listed())["Priya Patel"] == by_name(whole(home))["Priya Patel"]


def test_a_week_long_ago_shows_its_twelve_weeks_of_people(home):
    listed()  # condensed
    code, out = cli("summary", "2024-01-28", "--week", "--json")
    assert code == 0, out
    section = json.loads(out)["totals"]["people_section"]
    timeline = {r["name"]: r["minutes"] for r in section["timeline"]}
    # the twelve weeks before that Sunday: lunch with Priya every week, Sam every third
    assert timeline["Priya Patel"] == [60.0] * 12
    assert sum(1 for m in timeline["Sam"] if m) == 4
    assert sql_rows(home / "presence.db", "SELECT count(*) FROM people_rollup") == [(4,)]
