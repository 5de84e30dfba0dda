"""One source's read, parse and expansion end at its deadline; it fails alone (issue 14, item 1).

The repro: a feed of thousands of daily series took icalendar 4–13 s to parse, past the
per-source deadline, and nothing stopped it. Here such feeds are real .ics files synced by the
real `presence calendar sync` and by a real daemon's sync child, beside a good calendar that
must still be synced; the parser's own checks are driven by a scripted steady clock.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from desktop_helpers import wait_for
from support import read_store, sealed_env

from presence.calendar.expand import CalendarSettings, parse_calendar
from presence.calendar.limits import MAX_COMPONENT_BYTES, MAX_EVENTS, Deadline
from presence.errors import CalendarDeadline, CalendarError

SETTINGS = CalendarSettings.shipped(timezone.utc)
WINDOW = (datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc))


def daily_series(count: int) -> bytes:
    """`count` daily series: icalendar needs about half a millisecond for each on this
    machine kind, so the largest calendar presence accepts takes several seconds."""
    body = "".join(f"BEGIN:VEVENT\r\nUID:series-{n}@t\r\nDTSTART:20260302T090000Z\r\n"
                   f"DURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nSUMMARY:Standup {n}\r\nEND:VEVENT\r\n"
                   for n in range(count))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n" \
        .encode()


def one_dinner(when: datetime) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:dinner@t\r\nDTSTART:{when:%Y%m%dT190000Z}\r\nDURATION:PT2H\r\n"
            "SUMMARY:Dinner with Ana\r\nLOCATION:Cafe Central\\, Main St 1\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def ticking(step: float = 1.0):
    """A steady clock that moves `step` seconds each time it is read."""
    ticks = itertools.count()
    return lambda: next(ticks) * step


def presence(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], env=sealed_env(home),
                          capture_output=True, text=True, timeout=300, cwd=home)


def slow_and_good(home: Path) -> tuple[Path, Path]:
    slow, good = home / "slow.ics", home / "good.ics"
    slow.write_bytes(daily_series(MAX_EVENTS))
    good.write_bytes(one_dinner(datetime.now(timezone.utc) + timedelta(days=1)))
    (home / "config.toml").write_text(
        f"[calendar]\nsources = {json.dumps([str(slow), str(good)])}\ndeadline_seconds = 1\n"
        "[daemon]\nflush_seconds = 1\n", encoding="utf-8")
    return slow, good


def test_the_parse_looks_at_the_deadline_between_batches_of_events():
    # every look at the clock costs a second: the first batch of 100 series takes 110 looks
    # (one before its parse, two while its series are built, one per series expanded, one per
    # 512 of its 3,000 instances classified), so a 111-second deadline stops at the look
    # between the first batch and the parse of the second
    parsed = parse_calendar(daily_series(2000), "slow.ics", SETTINGS)
    with pytest.raises(CalendarDeadline) as caught:
        parsed.instances(*WINDOW, Deadline.after(111, ticking()))
    message = str(caught.value)
    assert message.startswith("slow.ics: not read within the 111 s deadline (stopped after "
                              "parsing 100 of 2,000 components)")
    assert "\n" not in message and message.endswith("raise [calendar] deadline_seconds")


def test_the_expansion_looks_at_the_deadline_series_by_series():
    parsed = parse_calendar(daily_series(50), "slow.ics", SETTINGS)
    assert len(parsed.instances(*WINDOW).meetings) == 50 * 30  # no deadline: all of them
    with pytest.raises(CalendarDeadline, match=r"^slow\.ics: not read within the 3 s deadline "
                                               r"\(stopped while expanding"):
        parsed.instances(*WINDOW, Deadline.after(3, ticking()))


def test_an_event_too_large_to_parse_in_one_piece_is_skipped_and_the_rest_read():
    crowd = "".join(f"ATTENDEE;CN=Person {n}:mailto:p{n}@example.com\r\n"
                    for n in range(MAX_COMPONENT_BYTES // 40))
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:crowd@t\r\n"
            f"DTSTART:20260310T090000Z\r\nDURATION:PT1H\r\nSUMMARY:All hands\r\n{crowd}"
            "END:VEVENT\r\n").encode() + one_dinner(datetime(2026, 3, 11)).split(
        b"VERSION:2.0\r\nPRODID:-//t//EN\r\n", 1)[1]
    result = parse_calendar(data, "big.ics", SETTINGS).instances(*WINDOW)
    assert [m.summary for m in result.meetings] == ["Dinner with Ana"]
    assert result.warnings == ("big.ics: line 3: event crowd@t skipped: it is larger than "
                               "256 KiB",)


def test_a_time_zone_too_large_to_parse_in_one_piece_fails_its_file_in_one_line():
    transitions = "".join("BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n"
                          "TZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
                          for _ in range(MAX_COMPONENT_BYTES // 80))
    data = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Custom\r\n{transitions}"
            "END:VTIMEZONE\r\nEND:VCALENDAR\r\n").encode()
    with pytest.raises(CalendarError) as caught:
        parse_calendar(data, "zones.ics", SETTINGS)
    assert str(caught.value) == ("zones.ics: line 3: a VTIMEZONE is larger than 256 KiB; not a "
                                 "calendar presence reads")


def test_a_source_past_its_deadline_fails_alone_in_sync_list_status_and_doctor(tmp_path):
    slow, good = slow_and_good(tmp_path)
    synced = presence(tmp_path, "calendar", "sync")
    assert synced.returncode == 1, synced.stdout + synced.stderr
    assert "Traceback" not in synced.stdout + synced.stderr
    lines = synced.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"FAIL {slow}: not read within the 1 s deadline (stopped ")
    assert lines[1] == f"ok   {good}: 1 instances"
    for command in (["calendar", "list"], ["status"], ["doctor"]):
        result = presence(tmp_path, *command)
        text = result.stdout + result.stderr
        assert "Traceback" not in text, command
        named = [line for line in text.splitlines() if "not read within the 1 s deadline" in line]
        assert len(named) == 1 and str(slow) in named[0], (command, text)
    ahead = (datetime.now(timezone.utc) + timedelta(days=3)).date().isoformat()
    events = presence(tmp_path, "calendar", "events", "--from", "today", "--to", ahead)
    assert "Dinner with Ana" in events.stdout
    assert f"presence: {slow}: not read within the 1 s deadline" in events.stderr


def test_the_daemon_syncs_the_good_source_beside_one_past_its_deadline(tmp_path):
    slow, good = slow_and_good(tmp_path)
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                               "--interval", "0.5"], env=sealed_env(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def synced() -> dict | None:
        status = read_store(tmp_path / "presence.db",
                            lambda store: store.get_setting("calendar_sync")) or {}
        return status if str(slow) in status and str(good) in status else None

    try:
        status = wait_for(synced, "the daemon's first calendar sync", timeout=240)
        assert "not read within the 1 s deadline" in status[str(slow)]["error"]
        assert status[str(good)]["error"] is None and status[str(good)]["instances"] == 1
        assert daemon.poll() is None
        shown = presence(tmp_path, "status")
        assert shown.returncode == 0 and "not read within the 1 s deadline" in shown.stdout
        assert "the calendar sync" not in shown.stdout  # the child itself did not die
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    assert daemon.returncode == 0, daemon.stderr.read() if daemon.stderr else ""
