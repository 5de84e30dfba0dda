"""The per-person reconnect digest through `presence replay` over three simulated weeks
(issue 12, item 4): one digest a day at most, the right names, each once a week, none in
quiet hours, true numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from support import sealed_env

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, tzinfo=BERLIN)  # a Monday


def series(uid: str, summary: str, first: str, hours: tuple[str, str], rule: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260301T120000Z",
            f"DTSTART;TZID=Europe/Berlin:{first}T{hours[0]}",
            f"DTEND;TZID=Europe/Berlin:{first}T{hours[1]}", f"RRULE:{rule}",
            f"SUMMARY:{summary}", "END:VEVENT"]


def test_three_weeks_of_reconnect_digests(tmp_path):
    calendar = tmp_path / "friends.ics"
    calendar.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN",
        # Sam every 2 days until Friday 6 March, Ana every 3 days until Wednesday 11 March,
        # Ben every 5 days all along (never overdue)
        *series("sam@test", "Lunch with Sam", "20260302", ("120000", "130000"),
                "FREQ=DAILY;INTERVAL=2;COUNT=3"),
        *series("ana@test", "Dinner with Ana", "20260302", ("190000", "200000"),
                "FREQ=DAILY;INTERVAL=3;COUNT=4"),
        *series("ben@test", "Coffee with Ben", "20260302", ("090000", "093000"),
                "FREQ=DAILY;INTERVAL=5;COUNT=5"),
        "END:VCALENDAR", ""]), encoding="utf-8")
    trace = tmp_path / "three-weeks.jsonl"
    hours = [START + timedelta(hours=h) for h in range(21 * 24 + 1)]
    trace.write_text("".join(json.dumps({"t": at.isoformat(), "app": "code", "idle": 0}) + "\n"
                             for at in hours), encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n[daemon]\ninterval_seconds = 60\n',
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "presence", "--config", str(config), "replay",
                           str(trace), "--calendar", str(calendar), "--json"],
                          capture_output=True, text=True, timeout=600, env=sealed_env())
    assert done.returncode == 0, done.stderr
    nudges = json.loads(done.stdout)["nudges"]
    local = [(datetime.fromisoformat(n["at"].replace("Z", "+00:00")).astimezone(BERLIN), n)
             for n in nudges]
    reconnect = [(at, n) for at, n in local if n["kind"] == "reconnect"]
    assert max(Counter(at.date() for at, _ in reconnect).values()) == 1
    assert local and all(8 <= at.hour < 22 for at, _ in local)   # quiet hours 22:00–08:00
    digests = [(at.strftime("%a %d %H:%M"), n["message"]) for at, n in reconnect
               if "haven't seen" in n["message"]]
    assert [(when, message.split(" — ")[0]) for when, message in digests] == [
        ("Tue 10 08:00", "You haven't seen Sam in person for 4 days"),
        ("Mon 16 08:00", "You haven't seen Ana in person for 5 days"),
        ("Tue 17 08:00", "You haven't seen Sam in person for 11 days")]
    assert "you usually meet every 2 days." in digests[0][1]
    assert "you usually meet every 3 days." in digests[1][1]
    assert all("Ben" not in message for _, message in digests)
