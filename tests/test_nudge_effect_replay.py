"""Effect and backoff through `presence replay`: one user puts chat away after every nudge, the
other never does. The first follows 100 % of them; for the second presence learns to speak
less, and the spacing of its nudges doubles."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 3, 2, tzinfo=BERLIN)
CONFIG = """timezone = "Europe/Berlin"
[nudges]
max_per_day = 50
[nudges.crowding_out]
budget_minutes = 60
cooldown_minutes = 30
[nudges.daily_summary]
enabled = false
[quiet_hours]
start = "00:00"
end = "00:00"
"""


def write_trace(path, steps):
    """`steps`: (minutes after 09:00, app); each holds until the next."""
    path.write_text("".join(json.dumps({"t": (DAY + timedelta(hours=9, minutes=m)).isoformat(),
                                        "app": app, "idle": 0}) + "\n"
                            for m, app in steps), encoding="utf-8")
    return path


def replay(tmp_path, trace):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "presence", "--config", str(config), "--db",
                           str(tmp_path / "unused.db"), "replay", str(trace), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["nudges"]


def minutes(nudge) -> float:
    at = datetime.fromisoformat(nudge["at"])
    return (at - (DAY + timedelta(hours=9))).total_seconds() / 60


def test_a_user_who_stops_after_each_nudge_follows_them_all(tmp_path):
    # an hour of chat, then: the nudge comes at the budget and every 30 min after; each time
    # the user closes chat within a minute and works for 9 minutes before chatting again
    steps = [(0, "slack")]
    for k in range(8):
        nudge_at = 60 + 30 * k
        steps += [(nudge_at + 1, "code"), (nudge_at + 10, "slack")]
    steps.append((60 + 30 * 8 + 20, "code"))
    nudges = replay(tmp_path, write_trace(tmp_path / "stopper.jsonl", steps))
    assert [n["kind"] for n in nudges] == ["crowding_out"] * 9
    assert [n["followed"] for n in nudges[:8]] == [True] * 8
    assert [round(minutes(n)) for n in nudges] == [60 + 30 * k for k in range(9)]


def test_a_user_who_never_stops_hears_it_half_as_often_after_ten(tmp_path):
    nudges = replay(tmp_path, write_trace(tmp_path / "chatter.jsonl",
                                          [(0, "slack"), (9 * 60, "slack")]))
    assert {n["kind"] for n in nudges} == {"crowding_out"}
    assert all(n["followed"] is False for n in nudges[:-1])
    gaps = [round(minutes(b) - minutes(a)) for a, b in zip(nudges, nudges[1:])]
    # ten nudges 30 min apart, all ignored: from then on the kind waits twice as long
    assert gaps[:9] == [30] * 9
    assert gaps[9:] and all(gap == 60 for gap in gaps[9:]), gaps
