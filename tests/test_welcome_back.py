"""The welcome_back nudge (pure policy) and the follow-rate backoff, with real TOML configs."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from support import load_config

from presence.model import Nudge, Span
from presence.nudges.policy import PolicyState, decide, welcome_back_stretch

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2026, 3, 2)


def t(hh: int, mm: int = 0, ss: int = 0) -> float:
    return datetime(MON.year, MON.month, MON.day, hh, mm, ss, tzinfo=BERLIN).timestamp()


def work(a: float, b: float) -> Span:
    return Span(a, b, "code", "other")


def away(a: float, b: float) -> Span:
    return Span(a, b, None, "away")


@pytest.fixture
def berlin(config_with):
    return config_with("[nudges.daily_summary]\nenabled = false\n")


def back_from_lunch(now: float, **kw) -> PolicyState:
    """Work until 12:05, away until 13:25, back at the desk since."""
    spans = [work(t(9), t(12, 5)), away(t(12, 5), t(13, 25)), work(t(13, 25), now)]
    return PolicyState(spans=spans, category="other", app="code", **kw)


def test_back_from_a_long_lunch_is_asked_once(berlin):
    now = t(13, 25, 5)
    [nudge] = decide(now, back_from_lunch(now), berlin)
    assert nudge.kind == "welcome_back"
    assert "1 h 20 min" in nudge.message and "12:05" in nudge.message
    assert welcome_back_stretch(nudge.key) == (t(12, 5), t(13, 25))
    later = t(13, 26)
    assert decide(later, back_from_lunch(later, past_nudges=[nudge]), berlin) == []


def test_not_asked_for_a_short_break_nor_long_after_the_return(berlin, tmp_path):
    spans = [work(t(9), t(12, 5)), away(t(12, 5), t(12, 40)), work(t(12, 40), t(12, 41))]
    assert decide(t(12, 41), PolicyState(spans=spans, category="other", app="code"),
                  berlin) == []
    assert decide(t(13, 40), back_from_lunch(t(13, 40)), berlin) == []  # 15 min back already
    short = load_config(tmp_path, 'timezone = "Europe/Berlin"\n'
                                  '[nudges.welcome_back]\nmin_away_minutes = 30\n')
    [nudge] = decide(t(12, 41), PolicyState(spans=spans, category="other", app="code"), short)
    assert nudge.kind == "welcome_back" and "35 min" in nudge.message


def test_a_suspended_laptop_counts_as_away(berlin):
    spans = [work(t(9), t(12)), work(t(13), t(13, 0, 10))]  # nothing recorded 12:00–13:00
    [nudge] = decide(t(13, 0, 10), PolicyState(spans=spans, category="other", app="code"), berlin)
    assert nudge.kind == "welcome_back" and "1 h" in nudge.message


def test_not_asked_when_a_meeting_or_a_log_covers_the_stretch(berlin):
    now = t(13, 25, 5)
    logged = back_from_lunch(now, in_person_log=[(t(12, 10), t(13, 20))])
    assert [n.kind for n in decide(now, logged, berlin)] == []
    a_bit = back_from_lunch(now, in_person_log=[(t(12, 10), t(12, 20))])
    assert [n.kind for n in decide(now, a_bit, berlin)] == ["welcome_back"]


def test_not_asked_across_quiet_hours(tmp_path):
    config = load_config(tmp_path, 'timezone = "Europe/Berlin"\n[quiet_hours]\n'
                                   'start = "12:30"\nend = "13:00"\n')
    now = t(13, 25, 5)
    assert decide(now, back_from_lunch(now), config) == []


def test_the_daily_cap_holds_welcome_back_too(berlin):
    now = t(13, 25, 5)
    four = [Nudge(t(9, n), "focus", f"focus:1:{n}", "t", "m") for n in range(4)]
    assert decide(now, back_from_lunch(now, past_nudges=four), berlin) == []


def test_away_or_snoozed_is_never_asked(berlin):
    now = t(13, 25, 5)
    state = back_from_lunch(now, snoozed_until=t(14))
    assert decide(now, state, berlin) == []


# backoff

def chat(a: float, b: float) -> Span:
    return Span(a, b, "slack", "messaging")


def test_a_kind_rarely_followed_waits_twice_as_long(tmp_path):
    config = load_config(tmp_path, 'timezone = "Europe/Berlin"\n[nudges.crowding_out]\n'
                                   'cooldown_minutes = 60\n[nudges.daily_summary]\n'
                                   'enabled = false\n')
    earlier = Nudge(t(10), "crowding_out", "crowding_out:2026-03-02:1", "t", "m")
    now = t(11, 0, 5)
    state = PolicyState(spans=[chat(t(8), now)], category="messaging", app="slack",
                        past_nudges=[earlier])
    [nudge] = decide(now, state, config)
    assert nudge.kind == "crowding_out"
    slower = PolicyState(spans=state.spans, category="messaging", app="slack",
                         past_nudges=[earlier], backoff={"crowding_out": 2})
    assert decide(now, slower, config) == []
    later = t(12, 0, 5)
    slower = PolicyState(spans=[chat(t(8), later)], category="messaging", app="slack",
                         past_nudges=[earlier], backoff={"crowding_out": 2})
    assert [n.kind for n in decide(later, slower, config)] == ["crowding_out"]


# through `presence replay`, over a whole recorded day

def replay_day(tmp_path, steps, *calendars):
    import json
    import subprocess
    import sys
    from datetime import timedelta

    day = datetime(2026, 3, 2, tzinfo=BERLIN)
    trace = tmp_path / "day.jsonl"
    trace.write_text("".join(
        json.dumps({"t": (day + timedelta(hours=int(hm[:2]), minutes=int(hm[3:]))).isoformat(),
                    "app": app, "idle": idle}) + "\n" for hm, app, idle in steps),
        encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Europe/Berlin"\n[calendar]\nowner_emails = '
                      '["me@example.org"]\n', encoding="utf-8")
    args = [sys.executable, "-m", "presence", "--config", str(config), "--db",
            str(tmp_path / "unused.db"), "replay", str(trace), "--json"]
    for calendar in calendars:
        args += ["--calendar", str(calendar)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["nudges"]


LONG_LUNCH = [("09:00", "slack", 0), ("10:10", "code", 0), ("12:00", "code", 0),
              ("12:04", "code", 900),       # idle: away from the desk at lunch
              ("13:20", "code", 0), ("15:00", "code", 0)]


def test_a_replayed_day_with_a_long_lunch_away_asks_once_within_the_cap(tmp_path):
    nudges = replay_day(tmp_path, LONG_LUNCH)
    [welcome] = [n for n in nudges if n["kind"] == "welcome_back"]
    assert welcome["at"].startswith("2026-03-02T12:20")  # 13:20 Berlin, as input resumes
    assert "1 h 16 min" in welcome["message"] and "12:04" in welcome["message"]
    assert len(nudges) <= 4  # [nudges] max_per_day
    # every nudge the same day gave without the time away is still there
    at_desk = [(hm, app, 0) for hm, app, _ in LONG_LUNCH]
    before = [(n["at"], n["kind"]) for n in replay_day(tmp_path, at_desk)]
    assert [(n["at"], n["kind"]) for n in nudges if n["kind"] != "welcome_back"] == before
    assert before and {kind for _, kind in before} == {"crowding_out"}


def test_a_lunch_on_the_calendar_covers_the_time_away(tmp_path):
    calendar = tmp_path / "lunch.ics"
    calendar.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN", "BEGIN:VEVENT",
        "UID:lunch@test", "DTSTAMP:20260301T120000Z",
        "DTSTART;TZID=Europe/Berlin:20260302T120500",
        "DTEND;TZID=Europe/Berlin:20260302T131500", "SUMMARY:Lunch with Priya",
        "LOCATION:Café Central\\, Herrengasse 14\\, Wien",
        "ORGANIZER:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org", "END:VEVENT", "END:VCALENDAR",
        ""]), encoding="utf-8")
    kinds = [n["kind"] for n in replay_day(tmp_path, LONG_LUNCH, calendar)]
    assert "welcome_back" not in kinds and "crowding_out" in kinds
