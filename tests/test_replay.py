"""`presence replay` over whole, realistic days written as real trace files."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 3, 2, tzinfo=BERLIN)  # a Monday


def trace(path, steps):
    """Write a trace: `steps` are (HH:MM, app, title, idle) — each holds until the next."""
    lines = []
    for hm, app, title, idle in steps:
        hour, minute = map(int, hm.split(":"))
        at = DAY + timedelta(hours=hour, minutes=minute)
        lines.append(json.dumps({"t": at.isoformat(), "app": app, "title": title,
                                 "idle": idle}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lunch_ics(path, summary="Lunch with Priya", location="Café Central, Herrengasse 14, Wien"):
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN",
        "BEGIN:VEVENT", "UID:lunch@test", "DTSTAMP:20260301T120000Z",
        "DTSTART;TZID=Europe/Berlin:20260302T120000",
        "DTEND;TZID=Europe/Berlin:20260302T130000",
        f"SUMMARY:{summary}", f"LOCATION:{location.replace(',', chr(92) + ',')}",
        "ORGANIZER:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org",
        "END:VEVENT", "END:VCALENDAR", ""]), encoding="utf-8")
    return path


def replay(tmp_path, trace_path, *calendars):
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n[calendar]\nowner_emails = '
                      '["me@example.org"]\n', encoding="utf-8")
    args = [sys.executable, "-m", "presence", "--config", str(config),
            "--db", str(tmp_path / "unused.db"), "replay", str(trace_path), "--json"]
    for calendar in calendars:
        args += ["--calendar", str(calendar)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def at(nudge) -> str:
    return datetime.fromisoformat(nudge["at"]).astimezone(BERLIN).strftime("%H:%M")


def test_a_chatty_morning_gets_one_crowding_out_nudge_at_the_budget(tmp_path):
    out = replay(tmp_path, trace(tmp_path / "day.jsonl", [
        ("09:00", "code", "presence - VS Code", 0),
        ("09:30", "slack", "general | Acme - Slack", 0),
        ("10:00", "discord", "#random | Friends - Discord", 0),
        ("11:10", "code", "presence - VS Code", 0),
        ("12:00", "code", "presence - VS Code", 0),
    ]))
    [nudge] = out["nudges"]
    assert nudge["kind"] == "crowding_out" and at(nudge) == "10:30"
    assert "1 h" in nudge["message"] and "none in person" in nudge["message"]
    assert "Slack" in nudge["message"] and "Discord" in nudge["message"]
    [day] = out["days"]
    assert day["date"] == "2026-03-02" and day["virtual_minutes"] == 100
    assert day["in_person_minutes"] == 0


def test_chat_during_an_in_person_lunch_is_phubbing_once_past_the_grace(tmp_path):
    out = replay(tmp_path, trace(tmp_path / "day.jsonl", [
        ("11:00", "code", "presence - VS Code", 0),
        ("12:10", "firefox", "(2) WhatsApp — Mozilla Firefox", 0),
        ("12:14", "code", "presence - VS Code", 0),
        ("13:30", "code", "presence - VS Code", 0),
    ]), lunch_ics(tmp_path / "lunch.ics"))
    heads_up, nudge = out["nudges"]
    # the automatic focus window opens 30 min before the lunch with a heads-up
    assert (heads_up["kind"], at(heads_up)) == ("focus", "11:30")
    assert heads_up["title"] == "Lunch with Priya starts in 30 min"
    assert nudge["kind"] == "phubbing" and at(nudge) == "12:11"
    assert "Lunch with Priya" in nudge["title"] + nudge["message"]
    assert "WhatsApp" in nudge["message"]
    [day] = out["days"]
    assert day["in_person_minutes"] == 60 and day["phubbing_minutes"] == 4


def times_in(value) -> list[str]:
    """Every string in a JSON document that holds a time of day."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in times_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in times_in(v)]
    return [value] if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T", value) else []


def test_every_time_in_the_replay_document_is_utc_with_z(tmp_path):
    out = replay(tmp_path, trace(tmp_path / "day.jsonl", [
        ("11:00", "code", "presence - VS Code", 0),
        ("12:10", "firefox", "(2) WhatsApp — Mozilla Firefox", 0),
        ("13:30", "code", "presence - VS Code", 0),
    ]), lunch_ics(tmp_path / "lunch.ics"))
    times = times_in(out)
    nudge_times = [n["at"] for n in out["nudges"]]
    meeting_times = [m["start"] for m in out["days"][0]["meetings"]]
    assert nudge_times and meeting_times and set(nudge_times + meeting_times) <= set(times)
    assert [t for t in times if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", t)] == []
    assert meeting_times == ["2026-03-02T11:00:00Z"]  # the lunch at 12:00 in Berlin


def test_a_video_call_at_lunch_is_never_phubbing(tmp_path):
    out = replay(tmp_path, trace(tmp_path / "day.jsonl", [
        ("11:00", "code", "presence - VS Code", 0),
        ("12:05", "teams", "Meeting with Bob | Microsoft Teams", 0),
        ("12:40", "code", "presence - VS Code", 0),
        ("13:30", "code", "presence - VS Code", 0),
    ]), lunch_ics(tmp_path / "lunch.ics"))
    assert [n["kind"] for n in out["nudges"]] == ["focus"]  # only the heads-up before lunch


def test_nothing_while_away_from_the_desk(tmp_path):
    out = replay(tmp_path, trace(tmp_path / "day.jsonl", [
        ("09:00", "slack", "general | Acme - Slack", 0),
        ("09:05", "slack", "general | Acme - Slack", 900),
        ("12:00", "slack", "general | Acme - Slack", 900),
    ]))
    assert out["nudges"] == []
    assert out["days"][0]["virtual_minutes"] == pytest.approx(5, abs=1)


def test_late_night_chat_inside_quiet_hours_stays_quiet(tmp_path):
    steps = [("22:00", "telegram-desktop", "Telegram", 0), ("23:59", "code", "x - VS Code", 0)]
    out = replay(tmp_path, trace(tmp_path / "night.jsonl", steps))
    assert out["nudges"] == []
    assert out["days"][0]["virtual_minutes"] == 119


def test_a_bad_line_names_its_number_and_exits_2(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"t": "2026-03-02T09:00:00+01:00", "app": "slack"}\n'
                    '{"t": "2026-03-02T09:01:00+01:00", "app": "code"}\n'
                    '{"t": "2026-03-02T09:02:00+01:00", "app": \n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "presence", "--db", str(tmp_path / "x.db"),
                           "replay", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"presence: {path}: line 3: not JSON")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("line, error", [
    ('{"app": "slack"}', 'a sample needs "t" and "app"'),
    ('{"t": "yesterday", "app": "slack"}', '"t" is not an ISO 8601 time'),
    ('{"t": "2026-03-02T09:00:00+01:00", "app": "slack", "idle": -1}', '"idle" must be'),
    ('{"t": "2026-03-02T09:00:00+01:00", "app": "slack", "colour": 1}', "unknown key"),
])
def test_bad_samples_are_named(tmp_path, line, error):
    from presence.errors import InputError
    from presence.replay import read_trace

    with pytest.raises(InputError, match=f"t.jsonl: line 2: .*{error[:12]}"):
        read_trace(['{"t": "2026-03-02T08:00:00+01:00", "app": "code"}', line], "t.jsonl",
                   BERLIN)


def test_replay_text_shows_the_numbers_of_its_json(tmp_path):
    # Issue 13: the text said "100 min virtual" where summary says "1 h 40 min"
    from presence.timeparse import format_minutes

    path = trace(tmp_path / "day.jsonl", [
        ("09:00", "code", "presence - VS Code", 0),
        ("09:30", "slack", "general | Acme - Slack", 0),
        ("10:00", "discord", "#random | Friends - Discord", 0),
        ("11:10", "code", "presence - VS Code", 0),
        ("12:00", "code", "presence - VS Code", 0),
    ])
    as_json = replay(tmp_path, path)
    config = tmp_path / "config.toml"
    text = subprocess.run([sys.executable, "-m", "presence", "--config", str(config), "--db",
                           str(tmp_path / "unused.db"), "replay", str(path)],
                          capture_output=True, text=True, timeout=120).stdout.splitlines()
    [day] = as_json["days"]
    assert text[-1] == (f"{day['date']}: virtual {format_minutes(day['virtual_minutes'])}, "
                        f"in person {format_minutes(day['in_person_minutes'])}")
    assert text[-1] == "2026-03-02: virtual 1 h 40 min, in person 0 min"
    [nudge] = as_json["nudges"]
    local = datetime.fromisoformat(nudge["at"].replace("Z", "+00:00")).astimezone(BERLIN)
    assert text[0].startswith(f"{local:%Y-%m-%d %H:%M}  crowding_out")


def test_keep_leaves_the_database_replay_wrote_for_sqlite_and_summary(tmp_path):
    path = trace(tmp_path / "day.jsonl", [
        ("09:00", "code", "", 0), ("10:00", "slack", "", 0), ("11:00", "code", "", 0)])
    kept = tmp_path / "day.db"
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    base = [sys.executable, "-m", "presence", "--config", str(config)]
    done = subprocess.run([*base, "--db", str(tmp_path / "unused.db"), "replay", str(path),
                           "--keep", str(kept), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    replayed = json.loads(done.stdout)["days"][0]
    assert not (tmp_path / "unused.db").exists()
    # one whole file (no -wal beside it), private, in plain SQL through the activity view
    assert kept.exists() and not Path(f"{kept}-wal").exists()
    assert kept.stat().st_mode & 0o077 == 0
    conn = sqlite3.connect(kept)
    chat = conn.execute("SELECT SUM(end - start) FROM activity WHERE app = 'slack'").fetchone()
    conn.close()
    assert chat[0] == pytest.approx(3600, abs=10)
    # the kept database reads back as the same day
    again = subprocess.run([*base, "--db", str(kept), "summary", "2026-03-02", "--json"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["virtual_minutes"] == replayed["virtual_minutes"] == 60


def test_keep_never_writes_over_a_file(tmp_path):
    path = trace(tmp_path / "day.jsonl", [("09:00", "slack", "", 0), ("09:30", "code", "", 0)])
    existing = tmp_path / "presence.db"
    existing.write_bytes(b"my real history")
    done = subprocess.run([sys.executable, "-m", "presence", "--db", str(tmp_path / "u.db"),
                           "replay", str(path), "--keep", str(existing)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"presence: {existing}: already exists; --keep writes a new database (give a new "
        "file name, or remove this one)"]
    assert existing.read_bytes() == b"my real history"


def test_a_failed_replay_keeps_no_half_database(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"t": "2026-03-02T09:00:00+01:00", "app": "slack"}\n'
                    '{"t": "2026-03-02T09:10:00+01:00", "app": 5}\n', encoding="utf-8")
    kept = tmp_path / "bad.db"
    done = subprocess.run([sys.executable, "-m", "presence", "--db", str(tmp_path / "u.db"),
                           "replay", str(path), "--keep", str(kept)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "line 2" in done.stderr
    assert not kept.exists() and not Path(f"{kept}-wal").exists()
