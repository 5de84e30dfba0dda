"""Summaries over several devices: a moment counts once, every bad file counts nothing."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from presence import config as config_mod
from presence.cli.main import main
from presence.devices.snapshot import write
from presence.model import Span
from presence.people import logbook
from presence.reports.history import day_summary
from presence.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
DAY = "2026-03-02"


def at(hhmm: str) -> float:
    return datetime.fromisoformat(f"{DAY}T{hhmm}").replace(tzinfo=BERLIN).timestamp()


NOW = at("23:59") + 86400


def device(tmp_path, name, spans, log=None):
    """A real database of another device, then its snapshot in the shared folder."""
    db = tmp_path / f"{name}.db"
    store = Store.open(db)
    for span in spans:
        store.insert_span(span, name)
    if log is not None:
        logbook.add(store, log[0], f"{DAY}T{log[1]}", False, log[2], None, NOW, BERLIN)
    store.close()
    return db


def publish(tmp_path, db, device_id, name, written_at=NOW - 60):
    return write(db, tmp_path / "sync", device_id, name, [(device_id, name, "this")],
                 written_at).path


@pytest.fixture
def home(tmp_path, monkeypatch):
    for key in ("PRESENCE_CONFIG", "PRESENCE_DB"):
        monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PRESENCE_HOME", str(home))
    (home / "config.toml").write_text(
        f'timezone = "Europe/Berlin"\n[devices]\nfolder = "{tmp_path / "sync"}"\n'
        'name = "laptop"\n')
    store = Store.open(home / "presence.db")
    store.insert_span(Span(at("10:00"), at("10:15"), "slack", "messaging"), "laptop")
    store.insert_span(Span(at("10:15"), at("10:40"), "code", "other"), "laptop")
    logbook.add(store, "1h", f"{DAY}T12:00", False, None, None, NOW, BERLIN)
    store.close()
    return home


def summary(home) -> dict:
    result = CliRunner().invoke(main, ["summary", DAY, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_chat_on_two_devices_at_once_counts_once_and_people_join(home, tmp_path):
    alone = summary(home)
    assert alone["categories"] == {"other": 25.0, "messaging": 15.0}
    desktop = device(tmp_path, "desktop", [
        Span(at("10:10"), at("10:20"), "discord", "messaging"),  # 5 min overlap the laptop's chat
        Span(at("10:20"), at("10:30"), "firefox", "other"),      # while the laptop shows code
        Span(at("21:00"), at("21:10"), "signal", "messaging")],
        log=("1h", "12:30", "Sam"))
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    both = summary(home)
    assert both["virtual_minutes"] == 30.0            # 10:00-10:20 once, and 21:00-21:10
    assert both["categories"] == {"messaging": 30.0, "other": 20.0}  # 10:20-10:40 counted once
    # the laptop's chat kept 10:10-10:15, its code (started first) kept 10:20-10:30
    assert {a["app"]: a["minutes"] for a in both["apps"]} == {
        "slack": 15.0, "discord": 5.0, "signal": 10.0, "code": 20.0}
    assert both["in_person_minutes"] == 90.0          # 12:00-13:30, the overlap once
    assert [p["name"] for p in both["people"]] == ["Sam"]


def test_copies_conflicts_and_broken_files_never_change_the_totals(home, tmp_path):
    desktop = device(tmp_path, "desktop", [Span(at("11:00"), at("11:30"), "discord",
                                                "messaging")])
    path = publish(tmp_path, desktop, "00000000000000d1", "desktop")
    want = summary(home)
    assert want["virtual_minutes"] == 45.0
    folder = tmp_path / "sync"
    shutil.copy(path, folder / "00000000000000d1.presence.sync-conflict-20260302-120000-X.db")
    shutil.copy(path, folder / "desktop-old.presence.db")  # a second copy of the device
    data = path.read_bytes()
    (folder / "00000000000000e1.presence.db").write_bytes(data[: len(data) // 3])  # truncated
    (folder / "00000000000000e2.presence.db").write_bytes(b"\0" * 4096)           # garbage
    (folder / "~00000000000000e3.presence.db.tmp").write_bytes(data)              # mid-write
    assert summary(home) == want


def test_status_and_the_bar_read_the_peers_too(home, tmp_path):
    cfg = config_mod.load(home / "config.toml", required=True)
    desktop = device(tmp_path, "desktop", [Span(at("11:00"), at("11:30"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    store = Store.open(home / "presence.db", create=False)
    try:
        day = day_summary(store, cfg, datetime.fromisoformat(DAY).date(), NOW)
    finally:
        store.close()
    assert day.virtual_minutes == 45.0


def test_a_peer_that_breaks_half_way_is_left_out_whole(home, tmp_path, monkeypatch):
    from presence.store.peers import PeerSnapshot
    from presence.errors import StoreError

    desktop = device(tmp_path, "desktop", [Span(at("11:00"), at("11:30"), "discord",
                                                "messaging")], log=("1h", "15:00", "Sam"))
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    alone_plus = summary(home)
    assert alone_plus["in_person_minutes"] == 120.0

    def broken(self, *args, **kwargs):
        raise StoreError(f"{self.path}: the snapshot is damaged (disk I/O error)")

    monkeypatch.setattr(PeerSnapshot, "people", broken)  # the spans were read already
    out = summary(home)
    assert out["virtual_minutes"] == 15.0 and out["in_person_minutes"] == 60.0


def test_people_seen_on_another_device_are_in_this_devices_ledger(home, tmp_path):
    store = Store.open(home / "presence.db")
    logbook.add(store, "2h", f"{DAY}T18:00", False, "Sam Lee, Priya", None, NOW, BERLIN)
    store.close()
    desktop = device(tmp_path, "desktop", [Span(at("09:00"), at("09:05"), "x", "other")],
                     log=("1h", "15:00", "Sam, Jo"))
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    result = CliRunner().invoke(main, ["people", "--json", "--all"], catch_exceptions=False)
    ledger = {p["name"]: p for p in json.loads(result.stdout)}
    # "Sam" on the desktop is the laptop's "Sam Lee" (a unique first name): one person
    assert sorted(ledger) == ["Jo", "Priya", "Sam Lee"]
    assert ledger["Sam Lee"]["minutes_365d"] == 180.0 and ledger["Sam Lee"]["times_365d"] == 2
    assert ledger["Jo"]["minutes_365d"] == 60.0
    day = summary(home)
    assert {p["name"]: p["minutes"] for p in day["people"]} == {
        "Sam Lee": 180.0, "Priya": 120.0, "Jo": 60.0}
    # forgetting Sam here leaves Sam out of what the desktop still holds, too
    forget = CliRunner().invoke(main, ["people", "forget", "Sam Lee"], catch_exceptions=False)
    assert forget.exit_code == 0, forget.output
    result = CliRunner().invoke(main, ["people", "--json", "--all"], catch_exceptions=False)
    assert sorted(p["name"] for p in json.loads(result.stdout)) == ["Jo", "Priya"]
    assert {p["name"] for p in summary(home)["people"]} == {"Priya", "Jo"}


def test_the_daily_budget_counts_chat_on_every_device_once(home, tmp_path):
    from presence.nudges import policy

    cfg = config_mod.load(home / "config.toml", required=True)
    noon = at("12:00")
    desktop = device(tmp_path, "desktop", [Span(at("09:00"), at("09:50"), "slack", "messaging"),
                                           Span(at("10:10"), at("10:20"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop", written_at=noon - 60)
    store = Store.open(home / "presence.db")
    try:
        from presence.nudges.nudger import Nudger
        from tests.support import SilentOutbox

        nudger = Nudger(cfg, store, SilentOutbox())
        nudger.refresh(noon)
        world = nudger._world
    finally:
        store.close()
    # the laptop chatted 10:00-10:15; with the desktop's 50 + 10 min (5 of them at the same
    # time) today holds 70 min of chat: over the 60-minute budget, which the laptop alone is not
    spans = [Span(at("08:00"), at("10:00"), "code", "other"),
             Span(at("10:00"), at("10:15"), "slack", "messaging"),
             Span(at("10:15"), at("11:59"), "code", "other"),
             Span(at("11:59"), noon, "slack", "messaging")]
    state = policy.PolicyState(spans=spans, category="messaging", app="slack",
                               peer_virtual=world.peer_virtual,
                               in_person_log=world.in_person_log)
    alone = policy.PolicyState(spans=spans, category="messaging", app="slack")
    kinds = [n.kind for n in policy.decide(noon, state, cfg)]
    assert "crowding_out" in kinds
    assert "crowding_out" not in [n.kind for n in policy.decide(noon, alone, cfg)]


def test_someone_forgotten_on_another_device_is_not_brought_back_here(home, tmp_path):
    store = Store.open(home / "presence.db")
    logbook.add(store, "1h", f"{DAY}T13:00", False, "Sam Lee, Priya", "lunch with Sam Lee",
                NOW, BERLIN)
    store.close()
    desktop = tmp_path / "desktop"
    desktop.mkdir()
    (desktop / "config.toml").write_text('timezone = "Europe/Berlin"\n')
    store = Store.open(desktop / "presence.db")
    store.insert_span(Span(at("09:00"), at("09:05"), "code", "other"), "desktop")
    logbook.add(store, "1h", f"{DAY}T15:00", False, "Sam Lee", None, NOW, BERLIN)
    store.close()
    publish(tmp_path, desktop / "presence.db", "00000000000000d1", "desktop")

    def shown() -> tuple[list[str], str]:
        ledger = CliRunner().invoke(main, ["people", "--json", "--all"], catch_exceptions=False)
        return sorted(p["name"] for p in json.loads(ledger.stdout)), json.dumps(summary(home))

    assert shown()[0] == ["Priya", "Sam Lee"]
    # the user forgets Sam on the desktop; the laptop has not been told
    forget = CliRunner().invoke(main, ["people", "forget", "Sam Lee"],
                                env={"PRESENCE_HOME": str(desktop)}, catch_exceptions=False)
    assert forget.exit_code == 0, forget.output
    publish(tmp_path, desktop / "presence.db", "00000000000000d1", "desktop")
    names, day = shown()
    assert names == ["Priya"]
    assert "Sam" not in day and "Priya" in day
    # with the desktop's snapshot gone, nothing here was deleted: the forget lives there
    (tmp_path / "sync" / "00000000000000d1.presence.db").unlink()
    assert shown()[0] == ["Priya", "Sam Lee"]


def test_the_bar_and_the_tray_see_a_peers_snapshot_arrive(home, tmp_path):
    from presence.glance.follow import Follower

    cfg = config_mod.load(home / "config.toml", required=True)
    follower = Follower(home / "presence.db", cfg)
    try:
        assert follower.poll(NOW).virtual_minutes == 0  # today, on this device: nothing yet
        assert follower.poll(NOW + 1) is None
        desktop = device(tmp_path, "desktop", [Span(NOW - 3600, NOW - 1800, "discord",
                                                    "messaging")])
        publish(tmp_path, desktop, "00000000000000d1", "desktop", written_at=NOW - 60)
        # nothing changed in this device's store: the folder did
        arrived = follower.poll(NOW + 2)
        assert arrived is not None and arrived.virtual_minutes == 30
        assert follower.poll(NOW + 3) is None
    finally:
        follower.close()


def test_the_trend_over_devices_follows_a_peers_past_days_when_they_change(home, tmp_path):
    def feb(day: int, hhmm: str) -> float:
        return datetime.fromisoformat(f"2026-02-{day}T{hhmm}").replace(
            tzinfo=BERLIN).timestamp()

    store = Store.open(home / "presence.db")
    store.insert_span(Span(feb(27, "09:00"), feb(27, "09:30"), "slack", "messaging"), "laptop")
    store.close()
    desktop = device(tmp_path, "desktop", [Span(feb(27, "09:15"), feb(27, "09:45"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    trend = summary(home)["trend"]
    # 09:00-09:45 on the 27th, once, over the three days since presence first saw anything
    assert (trend["days"], trend["virtual_minutes_per_day"]) == (3, 15.0)
    assert summary(home)["trend"] == trend  # the second time from what was kept
    # the desktop's past changes (an import there) and it writes a new snapshot
    store = Store.open(desktop)
    store.insert_span(Span(feb(28, "20:00"), feb(28, "20:30"), "signal", "messaging"), "desktop")
    store.close()
    publish(tmp_path, desktop, "00000000000000d1", "desktop", written_at=NOW - 30)
    assert summary(home)["trend"]["virtual_minutes_per_day"] == 25.0
    # and this device's past, too
    store = Store.open(home / "presence.db")
    store.insert_span(Span(feb(26, "20:00"), feb(26, "20:15"), "slack", "messaging"), "laptop")
    store.close()
    trend = summary(home)["trend"]
    assert (trend["days"], trend["virtual_minutes_per_day"]) == (4, 22.5)


def test_a_streak_kept_on_a_peer_counts_beyond_the_trend_window(home, tmp_path):
    # the laptop met someone on the day shown; the desktop logged the 20 evenings before it
    db = tmp_path / "desktop.db"
    store = Store.open(db)
    for back in range(1, 21):
        store.add_in_person(at("18:00") - back * 86400, at("19:00") - back * 86400, None)
    store.close()
    assert summary(home)["streak_days"] == 1
    publish(tmp_path, db, "00000000000000d2", "desktop")
    assert summary(home)["streak_days"] == 21


def test_a_past_day_over_devices_is_counted_again_when_any_of_its_spans_changes(home, tmp_path):
    desktop = device(tmp_path, "desktop", [Span(at("10:10"), at("10:20"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    first = summary(home)
    # the desktop's chat runs on past the laptop's: chat 10:00-10:20 once, code after it
    assert first["categories"] == {"messaging": 20.0, "other": 20.0}
    assert summary(home) == first  # the second time from the cells kept for the day
    store = Store.open(home / "presence.db")
    store.insert_span(Span(at("21:00"), at("21:30"), "signal", "messaging"), "laptop")
    store.close()
    assert summary(home)["categories"]["messaging"] == 50.0  # this device's day changed
    store = Store.open(desktop)
    store.insert_span(Span(at("22:00"), at("22:10"), "discord", "messaging"), "desktop")
    store.close()
    publish(tmp_path, desktop, "00000000000000d1", "desktop", written_at=NOW - 30)
    again = summary(home)  # and the desktop's, in its new snapshot
    assert again["categories"] == {"messaging": 60.0, "other": 20.0}
    assert again["virtual_minutes"] == 60.0


def test_a_kept_past_day_over_devices_says_the_same_and_a_peer_failing_later_is_left_out(
        home, tmp_path, monkeypatch):
    from summary_data import add_meetings, meeting

    from presence.errors import StoreError
    from presence.store.peers import PeerSnapshot

    alone = summary(home)
    desktop = device(tmp_path, "desktop", [
        Span(at("10:10"), at("10:20"), "discord", "messaging"),
        Span(at("10:20"), at("10:30"), "firefox", "other")])
    store = Store.open(desktop)
    add_meetings(store, meeting("Lunch with Sam", f"{DAY}T10:00", f"{DAY}T10:30"))
    store.close()
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    first = summary(home)  # counted from the union of the day, and kept
    # the desktop's meeting: chat during it on either screen, each moment once
    assert [(m["summary"], m["phubbing_minutes"]) for m in first["meetings"]] == [
        ("Lunch with Sam", 20.0)]                  # 10:00-10:20, slack then discord
    assert first["phubbing_minutes"] == 20.0
    # each device's own time, the overlap in both
    assert {d["name"]: d["minutes"] for d in first["devices"]} == {"laptop": 40.0,
                                                                   "desktop": 20.0}
    kept = summary(home)  # from the kept cells; the meeting's chat from its half hour alone
    assert kept == first
    calls = []
    real_spans = PeerSnapshot.spans

    def spans_seen(self, start, end):
        calls.append((start, end))
        return real_spans(self, start, end)

    monkeypatch.setattr(PeerSnapshot, "spans", spans_seen)
    assert summary(home) == first
    assert calls == [(at("10:00"), at("10:30"))]   # no more of the desktop's day than that

    def broken(self, *args, **kwargs):
        raise StoreError(f"{self.path}: the snapshot is damaged (disk I/O error)")

    # the desktop fails after its meetings and in-person time were read: it is left out
    # whole, its meeting too, never counted in part
    monkeypatch.setattr(PeerSnapshot, "spans", broken)
    assert summary(home) == alone


def test_a_kept_past_day_follows_another_programs_edit_of_this_devices_spans(home, tmp_path):
    import sqlite3

    desktop = device(tmp_path, "desktop", [Span(at("10:10"), at("10:20"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    first = summary(home)
    assert summary(home) == first and first["categories"]["messaging"] == 20.0  # kept
    # the user reclassifies the laptop's code as chat with sqlite-utils or Datasette
    conn = sqlite3.connect(home / "presence.db")
    conn.execute("UPDATE activity SET category = 'messaging' WHERE app = 'code'")
    conn.commit()
    conn.close()
    assert summary(home)["categories"] == {"messaging": 40.0}


def test_only_the_last_periods_are_kept_each_on_its_own(home, tmp_path):
    from support import sql_rows

    from presence.reports import shown_days

    desktop = device(tmp_path, "desktop", [Span(at("10:10"), at("10:20"), "discord",
                                                "messaging")])
    publish(tmp_path, desktop, "00000000000000d1", "desktop")
    first = summary(home)
    for n in range(shown_days.KEEP + 2):  # as many snapshots of the desktop, each counted
        publish(tmp_path, desktop, "00000000000000d1", "desktop", written_at=NOW - 50 + n)
        assert summary(home) == first
    db = home / "presence.db"
    listed = json.loads(sql_rows(db, "SELECT value FROM settings WHERE key = ?",
                                 (shown_days.SETTING,))[0][0])
    kept = [k for k, in sql_rows(db, "SELECT key FROM settings WHERE key LIKE ?",
                                 (shown_days.SETTING + ":%",))]
    assert len(listed) == shown_days.KEEP  # the oldest made room
    assert sorted(kept) == sorted(f"{shown_days.SETTING}:{k}" for k in listed)
