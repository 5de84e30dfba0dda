"""Properties of the policy over whole simulated days (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
from support import load_config

from presence.model import FocusWindow, Meeting, Span
from presence.nudges.policy import PolicyState, decide, in_quiet_hours

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime(2026, 3, 28, tzinfo=BERLIN)  # the day before the EU DST change
START = DAY.timestamp()

categories = st.sampled_from(["messaging", "social", "other", "calls", "away"])
blocks = st.lists(st.tuples(st.integers(5, 180), categories), min_size=1, max_size=40)
meetings = st.lists(st.tuples(st.integers(0, 23 * 60), st.integers(15, 180)), max_size=3)
windows = st.lists(st.tuples(st.integers(0, 23 * 60), st.integers(15, 240),
                             st.sampled_from(["manual", "auto"])), max_size=3)


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


@settings(max_examples=40, deadline=None)
@given(blocks, meetings, windows, st.integers(1, 6), st.sampled_from(
    [("22:00", "08:00"), ("13:00", "14:00"), ("00:00", "00:00"), ("23:30", "06:15")]))
def test_never_in_quiet_hours_never_beyond_the_daily_cap(tmp_path_factory, day_blocks,
                                                          day_meetings, day_windows, cap,
                                                          quiet):
    cfg = load_config(tmp_path_factory.mktemp("cfg"), f"""
        timezone = "Europe/Berlin"
        [nudges]
        max_per_day = {cap}
        [quiet_hours]
        start = "{quiet[0]}"
        end = "{quiet[1]}"
        [nudges.phubbing]
        grace_seconds = 30
        [nudges.focus]
        grace_seconds = 30
        cooldown_minutes = 5
        [nudges.crowding_out]
        budget_minutes = 20
        cooldown_minutes = 10
    """)
    spans, t = [], START
    for minutes, category in day_blocks:
        app = None if category == "away" else {"messaging": "slack", "social": "firefox",
                                               "calls": "zoom"}.get(category, "code")
        spans.append(Span(t, t + minutes * 60, app, category))
        t += minutes * 60
    cal = [Meeting("c.ics", f"m{i}", f"Meeting {i}", utc(START + s * 60),
                   utc(START + (s + d) * 60), False, "Room 1", "in_person", "room")
           for i, (s, d) in enumerate(day_meetings)]
    focus = [FocusWindow(i, START + s * 60, START + (s + d) * 60, f"Focus {i}", origin)
             for i, (s, d, origin) in enumerate(day_windows)]
    sent = []
    now = START
    while now < t:
        current = next(s for s in spans if s.start <= now < s.end)
        upto = [s for s in spans if s.start < now][:-1] + [Span(current.start, now, current.app,
                                                                current.category)]
        state = PolicyState(spans=upto, category=current.category, app=current.app,
                            meetings=cal, focus_windows=[w for w in focus
                                                         if w.start <= now < w.end],
                            past_nudges=list(sent))
        for nudge in decide(now, state, cfg):
            assert not in_quiet_hours(now, cfg), nudge
            assert current.category not in ("away", "calls"), nudge
            assert nudge.key not in {n.key for n in sent}
            sent.append(nudge)
        now += 60
    per_day = Counter(datetime.fromtimestamp(n.at, BERLIN).date() for n in sent
                      if n.kind != "daily_summary")
    assert all(count <= cap for count in per_day.values()), per_day
