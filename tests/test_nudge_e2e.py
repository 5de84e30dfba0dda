"""End to end: an in-person meeting in progress in a real .ics, a chat window in front on a
real X server; dunst shows the phubbing nudge and the database says it was delivered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from desktop_helpers import wait_for

from tests.support import read_store, sealed_env, sql_rows

pytestmark = pytest.mark.desktop


def ics_event(start: datetime, end: datetime) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN",
        "BEGIN:VEVENT", "UID:lunch-priya@test", f"DTSTAMP:{start:{fmt}}",
        f"DTSTART:{start:{fmt}}", f"DTEND:{end:{fmt}}", "SUMMARY:Lunch with Priya",
        "LOCATION:Café Central\\, Herrengasse 14\\, Vienna",
        "ORGANIZER;CN=Priya:mailto:priya@example.org",
        "ATTENDEE;CN=Priya;PARTSTAT=ACCEPTED:mailto:priya@example.org",
        "ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:me@example.org",
        "END:VEVENT", "END:VCALENDAR", ""])


def lunch_in_progress(home, grace_seconds: int, ends_in: timedelta = timedelta(minutes=50),
                      extra: str = "") -> None:
    """A calendar with a lunch that began 10 min ago and ends `ends_in` from now, and a config
    that reads it (`extra` is more TOML, such as a [focus] table)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    calendar = home / "lunch.ics"
    calendar.write_text(ics_event(now - timedelta(minutes=10), now + ends_in), encoding="utf-8")
    (home / "config.toml").write_text(f"""
timezone = "UTC"
[daemon]
flush_seconds = 1
[calendar]
sources = ["{calendar}"]
owner_emails = ["me@example.org"]
[nudges.phubbing]
grace_seconds = {grace_seconds}
# the day's summary is due at 20:00 of the real clock: a run after it must not see it first
[nudges.daily_summary]
enabled = false
[quiet_hours]
start = "00:00"
end = "00:00"
{extra}""", encoding="utf-8")


def nudge_rows(db):
    return read_store(db, lambda store: sql_rows(
        store.path, "SELECT kind, title, message, channel, delivered, error FROM nudges")) or []


def test_phubbing_nudge_reaches_dunst_and_is_recorded_delivered(desktop_factory, app_windows,
                                                               tmp_path):
    session = desktop_factory("openbox", "dunst")
    lunch_in_progress(tmp_path, grace_seconds=2)
    slack = app_windows(session, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                              env=sealed_env(tmp_path, base=session.env),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        dunst_log = session.rundir / "dunst.log"
        wait_for(lambda: "Priya" in dunst_log.read_text(errors="replace"),
                 "dunst to show the phubbing nudge", timeout=30)
        [row] = wait_for(lambda: [r for r in nudge_rows(db) if r[4] == 1],
                         "the nudge recorded as delivered")
        kind, title, message, channel, delivered, error = row
        assert (kind, channel, error) == ("phubbing", "dbus", None)
        assert "Priya" in title + message and "Slack" in title + message
        shown = dunst_log.read_text(errors="replace")
        assert f"summary: '{title}'" in shown and "appname: 'presence'" in shown
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    assert code == 0, daemon.stderr.read()


def heartbeat(db):
    return read_store(db, lambda store: store.daemon_record())


def test_a_hung_notification_server_never_delays_sampling(desktop_factory, app_windows,
                                                         tmp_path):
    session = desktop_factory("openbox", "dunst")
    dunst = session.pid_of("dunst")
    os.kill(dunst, signal.SIGSTOP)  # the server owns its bus name but never answers
    try:
        lunch_in_progress(tmp_path, grace_seconds=1)
        app_windows(session, "slack", "Slack", "general | Acme - Slack").activate()
        db = tmp_path / "presence.db"
        daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval",
                                   "0.2"], env=sealed_env(tmp_path, base=session.env),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            # the nudge is decided and handed to delivery, which hangs for 2 s
            wait_for(lambda: nudge_rows(db), "the phubbing nudge to be decided", timeout=30)
            first = heartbeat(db)

            def moved_on():
                # the heartbeat first, then the nudge: a heartbeat newer than `first` seen
                # while the nudge is still pending was written while delivery hung
                beat = heartbeat(db)
                rows = nudge_rows(db)
                if beat["at"] > first["at"] or rows[0][5] != "pending":
                    return beat, rows[0][5]

            beat, state = wait_for(moved_on, "a heartbeat or the delivery outcome")
            [row] = wait_for(lambda: [r for r in nudge_rows(db) if r[5] != "pending"],
                             "the delivery outcome")
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=15)
    finally:
        os.kill(dunst, signal.SIGCONT)
    assert code == 0, daemon.stderr.read()
    # sampling went on while delivery hung: a flush landed before the outcome did
    assert state == "pending" and beat["at"] > first["at"]
    kind, _title, _message, channel, delivered, error = row
    assert (kind, channel, delivered) == ("phubbing", "log", 0)
    assert "did not answer within 2 s" in error
