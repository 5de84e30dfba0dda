"""The nudge policy: table tests with explicit zone-aware times and real TOML configs."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from hypothesis import given, strategies as st

from presence.frozen import replace
from presence.nudges import text as nudge_text
from presence.nudges import view
from presence.model import FocusWindow, Meeting, Nudge, Span
from presence.nudges.policy import HEADS_UP_PREFIX, PolicyState, decide, in_quiet_hours

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: date, hh: int, mm: int = 0, ss: int = 0, tz: ZoneInfo = BERLIN) -> float:
    """UNIX seconds of a local wall-clock time."""
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=tz).timestamp()


MON = date(2026, 3, 2)  # an ordinary Monday in winter time


def t(hh: int, mm: int = 0, ss: int = 0) -> float:
    return at(MON, hh, mm, ss)


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def meeting(summary: str, start: float, end: float, kind: str = "in_person",
            uid: str = "m1") -> Meeting:
    return Meeting("cal.ics", uid, summary, utc(start), utc(end), False, "Café Blau", kind,
                   "physical location")


def chat(start: float, end: float, app: str = "slack", category: str = "messaging") -> Span:
    return Span(start, end, app, category)


def past(when: float, kind: str, key: str) -> Nudge:
    return Nudge(when, kind, key, "t", "m")


LUNCH = meeting("Lunch with Priya", t(12), t(13), uid="lunch-1")


def lunch_state(chat_from: float, now: float, **kw) -> PolicyState:
    """Slack in front since `chat_from` during lunch."""
    return PolicyState(spans=[chat(t(11), chat_from, "code", "other"), chat(chat_from, now)],
                       category="messaging", app="slack", meetings=[LUNCH], **kw)


# phubbing

def test_phubbing_fires_after_the_grace_naming_the_meeting_and_the_app(berlin):
    now = t(12, 11, 5)
    [nudge] = decide(now, lunch_state(t(12, 10), now), berlin)
    assert nudge.kind == "phubbing"
    assert nudge.at == now
    assert nudge.key == f"phubbing:lunch-1:{int(t(12))}:1"
    assert "Lunch with Priya" in nudge.title + nudge.message
    assert "1 min in Slack" in nudge.message


@pytest.mark.parametrize("chat_from, now, fires", [
    (t(12, 10), t(12, 10, 59), False),   # within the 60 s grace
    (t(12, 10), t(12, 11, 0), False),    # exactly the grace is not longer than it
    (t(12, 10), t(12, 11, 1), True),
    (t(11, 50), t(12, 0, 50), False),    # chat before the meeting does not count
    (t(11, 50), t(12, 1, 5), True),
    (t(12, 10), t(13, 0, 0), False),     # the meeting is over (end exclusive)
])
def test_phubbing_grace_counts_only_chat_inside_the_meeting(berlin, chat_from, now, fires):
    nudges = decide(now, lunch_state(chat_from, now), berlin)
    assert [n.kind for n in nudges] == (["phubbing"] if fires else [])


def test_phubbing_counts_continuous_chat_across_chat_apps(berlin):
    now = t(12, 11, 5)
    spans = [chat(t(12, 10), t(12, 10, 30), "slack"),
             chat(t(12, 10, 30), t(12, 11, 5), "whatsapp")]
    state = PolicyState(spans=spans, category="messaging", app="whatsapp", meetings=[LUNCH])
    [nudge] = decide(now, state, berlin)
    assert "WhatsApp and Slack" in nudge.message
    assert "1 min" in nudge.message


@pytest.mark.parametrize("middle", [
    chat(t(12, 10, 30), t(12, 10, 40), "code", "other"),       # back to work in between
    chat(t(12, 10, 30), t(12, 10, 40), "zoom", "calls"),       # a call in between
    chat(t(12, 10, 30), t(12, 10, 40), None, "away"),          # away in between
])
def test_phubbing_run_breaks_on_anything_but_chat(berlin, middle):
    now = t(12, 11, 5)
    spans = [chat(t(12, 10), t(12, 10, 30)), middle, chat(t(12, 10, 40), now)]
    state = PolicyState(spans=spans, category="messaging", app="slack", meetings=[LUNCH])
    assert decide(now, state, berlin) == []


def test_phubbing_run_breaks_on_a_gap_longer_than_the_pulse(berlin):
    now = t(12, 11, 5)
    spans = [chat(t(12, 9), t(12, 10)), chat(t(12, 10, 30), now)]  # 30 s unobserved
    state = PolicyState(spans=spans, category="messaging", app="slack", meetings=[LUNCH])
    assert decide(now, state, berlin) == []


def test_phubbing_at_most_max_per_meeting_and_spaced(berlin):
    first = past(t(12, 11, 5), "phubbing", f"phubbing:lunch-1:{int(t(12))}:1")
    soon = t(12, 15)
    assert decide(soon, lunch_state(t(12, 10), soon, past_nudges=[first]), berlin) == []
    later = t(12, 25)
    [second] = decide(later, lunch_state(t(12, 10), later, past_nudges=[first]), berlin)
    assert second.key == f"phubbing:lunch-1:{int(t(12))}:2"
    # the time since the first reminder is what the text reports
    assert "14 min" in second.message
    done = t(12, 50)
    assert decide(done, lunch_state(t(12, 10), done,
                                    past_nudges=[first, second]), berlin) == []


def test_phubbing_needs_an_in_person_timed_meeting(berlin):
    now = t(12, 11, 5)
    virtual = meeting("Standup", t(12), t(13), kind="virtual")
    state = replace(lunch_state(t(12, 10), now), meetings=[virtual])
    assert decide(now, state, berlin) == []


def test_phubbing_wins_over_focus_inside_a_focus_window(berlin):
    now = t(12, 11, 5)
    window = FocusWindow(1, t(11, 30), t(13), "Lunch with Priya", "auto")
    [nudge] = decide(now, lunch_state(t(12, 10), now, focus_windows=[window]), berlin)
    assert nudge.kind == "phubbing"


def test_phubbing_disabled(config_with):
    config = config_with("[nudges.phubbing]\nenabled = false\n")
    now = t(12, 11, 5)
    window = FocusWindow(1, t(11, 30), t(13), "Lunch", "manual")
    # inside a meeting the focus nudge stays away even when phubbing is off
    assert decide(now, lunch_state(t(12, 10), now, focus_windows=[window]), config) == []


# never: calls, away, snooze, quiet hours

def over_budget_state(now: float, **kw) -> PolicyState:
    """100 min of chat today: 60 in Slack and 40 in Discord, nothing in person."""
    spans = [chat(t(9), t(10), "slack"), chat(t(10), t(10, 40), "discord"),
             chat(t(10, 40), now, "code", "other")]
    return PolicyState(spans=spans, category="other", app="code", **kw)


@pytest.mark.parametrize("category, app", [("calls", "slack"), ("calls", "zoom"),
                                           ("away", None), ("paused", None)])
def test_never_during_a_call_while_away_or_paused(berlin, category, app):
    now = t(12, 11, 5)
    spans = [chat(t(12, 10), now, app, category)]
    in_meeting = PolicyState(spans=spans, category=category, app=app, meetings=[LUNCH])
    assert decide(now, in_meeting, berlin) == []
    late = t(20, 30)
    assert decide(late, replace(over_budget_state(late), category=category, app=app),
                  berlin) == []


def test_snooze_silences_everything_until_it_ends(berlin):
    now = t(12, 11, 5)
    assert decide(now, lunch_state(t(12, 10), now, snoozed_until=now + 1), berlin) == []
    assert [n.kind for n in decide(now, lunch_state(t(12, 10), now, snoozed_until=now),
                                   berlin)] == ["phubbing"]


@pytest.mark.parametrize("start, end, clock, quiet", [
    ("22:00", "08:00", (23, 30), True),
    ("22:00", "08:00", (2, 0), True),
    ("22:00", "08:00", (7, 59), True),
    ("22:00", "08:00", (8, 0), False),
    ("22:00", "08:00", (21, 59), False),
    ("22:00", "08:00", (22, 0), True),
    ("13:00", "14:00", (13, 30), True),
    ("13:00", "14:00", (14, 0), False),
    ("22:00", "22:00", (23, 0), False),   # equal times: no quiet hours
])
def test_quiet_hours_may_span_midnight(config_with, start, end, clock, quiet):
    config = config_with(f'[quiet_hours]\nstart = "{start}"\nend = "{end}"\n')
    assert in_quiet_hours(t(*clock), config) is quiet


def test_quiet_hours_silence_even_phubbing_and_nothing_is_saved_up(config_with):
    config = config_with('[quiet_hours]\nstart = "22:00"\nend = "08:00"\n')
    late = meeting("Drinks with Ana", t(21, 30), t(23, 30), uid="drinks")
    quiet = t(22, 30)
    state = PolicyState(spans=[chat(t(22, 0), quiet)], category="messaging", app="slack",
                        meetings=[late])
    assert decide(quiet, state, config) == []
    # next morning: the meeting is over, so the phubbing moment has passed for good
    morning = at(date(2026, 3, 3), 8, 0, 5)
    morning_state = replace(state, spans=[chat(at(date(2026, 3, 3), 7, 59), morning)])
    assert decide(morning, morning_state, config) == []


def test_crowding_out_fires_once_after_quiet_hours_if_still_true(config_with):
    config = config_with('[quiet_hours]\nstart = "12:00"\nend = "14:00"\n')
    for now in (t(12, 30), t(13, 59)):
        assert decide(now, over_budget_state(now), config) == []
    after = t(14, 0, 5)
    [nudge] = decide(after, over_budget_state(after), config)
    assert nudge.kind == "crowding_out"
    again = after + 5
    assert decide(again, over_budget_state(again, past_nudges=[nudge]), config) == []


# focus

def manual_window(start: float = t(18), end: float = t(22), label: str = "Dinner") -> FocusWindow:
    return FocusWindow(3, start, end, label, "manual")


def test_focus_fires_after_the_grace_inside_a_window(berlin):
    now = t(18, 31, 5)
    state = PolicyState(spans=[chat(t(18, 30), now, "discord")], category="messaging",
                        app="discord", focus_windows=[manual_window()])
    [nudge] = decide(now, state, berlin)
    assert (nudge.kind, nudge.key) == ("focus", f"focus:{int(t(18))}:1")
    assert nudge.title == "Focus time: Dinner"
    assert "1 min in Discord" in nudge.message and "22:00" in nudge.message


@pytest.mark.parametrize("chat_from, now, fires", [
    (t(18, 30), t(18, 30, 59), False),   # grace
    (t(17, 50), t(18, 0, 30), False),    # chat before the window does not count
    (t(17, 50), t(18, 1, 5), True),
    (t(18, 50), t(19, 0, 5), False),     # the window is over
])
def test_focus_grace_and_window_edges(berlin, chat_from, now, fires):
    state = PolicyState(spans=[chat(chat_from, now)], category="messaging", app="slack",
                        focus_windows=[manual_window(end=t(19))])
    assert [n.kind for n in decide(now, state, berlin)] == (["focus"] if fires else [])


@pytest.mark.parametrize("minutes_ago, fires", [(10, False), (14, False), (15, True), (40, True)])
def test_focus_cooldown(berlin, minutes_ago, fires):
    now = t(19, 0)
    earlier = past(now - minutes_ago * 60, "focus", f"focus:{int(t(18))}:1")
    state = PolicyState(spans=[chat(t(18, 30), now)], category="messaging", app="slack",
                        focus_windows=[manual_window()], past_nudges=[earlier])
    nudges = decide(now, state, berlin)
    assert [n.key for n in nudges] == ([f"focus:{int(t(18))}:2"] if fires else [])
    if fires:  # chat since the last reminder, or since it began, is what the text reports
        assert f"{min(minutes_ago, 30)} min" in nudges[0].message


def test_focus_disabled(config_with):
    config = config_with("[nudges.focus]\nenabled = false\n")
    now = t(18, 31, 5)
    state = PolicyState(spans=[chat(t(18, 30), now)], category="messaging", app="slack",
                        focus_windows=[manual_window()])
    assert decide(now, state, config) == []


DINNER = meeting("Dinner with Sam", t(19), t(21), uid="dinner-7")
AUTO = FocusWindow(9, t(18, 30), t(21), "Dinner with Sam", "auto")


def test_heads_up_when_an_auto_window_opens(berlin):
    now = t(18, 30, 5)
    state = PolicyState(spans=[chat(t(18), now, "code", "other")], category="other", app="code",
                        meetings=[DINNER], focus_windows=[AUTO])
    [nudge] = decide(now, state, berlin)
    assert nudge.kind == "focus"
    assert nudge.key == f"{HEADS_UP_PREFIX}{int(t(18, 30))}"
    assert nudge.title == "Dinner with Sam starts in 30 min"
    # once per window, also after a restart that reloads it
    assert decide(now + 5, replace(state, past_nudges=[nudge]), berlin) == []


def test_heads_up_is_not_held_back_by_the_focus_cooldown_nor_starts_one(berlin):
    stop = past(t(18, 25), "focus", f"focus:{int(t(18))}:1")
    now = t(18, 30, 5)
    state = PolicyState(spans=[chat(t(18, 29), now)], category="messaging", app="slack",
                        meetings=[DINNER], focus_windows=[AUTO], past_nudges=[stop])
    [heads_up] = decide(now, state, berlin)
    assert heads_up.key.startswith(HEADS_UP_PREFIX)
    # chatting on: the first minutes after the heads-up are for wrapping up
    wrapping = t(18, 35)
    state = replace(state, spans=[chat(t(18, 29), wrapping)],
                    past_nudges=[past(t(18, 10), "focus", f"focus:{int(t(18))}:1"), heads_up])
    assert decide(wrapping, state, berlin) == []
    # then the focus grace runs; the heads-up started no cooldown (the stop nudge is 26 min old)
    later = t(18, 36, 10)
    state = replace(state, spans=[chat(t(18, 29), later)],
                    past_nudges=[past(t(18, 10), "focus", f"focus:{int(t(18))}:1"), heads_up])
    [nudge] = decide(later, state, berlin)
    assert nudge.key == f"focus:{int(t(18, 30))}:1"
    # the title names the dinner, the message does not say it again
    assert nudge.title == "Dinner with Sam starts in 24 min"
    assert "Dinner" not in nudge.message
    assert "1 min in Slack" in nudge.message


@pytest.mark.parametrize("window, extra, now", [
    (FocusWindow(9, t(18, 30), t(21), "Dinner", "manual"), "", t(18, 30, 5)),  # manual
    (AUTO, "[nudges.focus]\nheads_up = false\n", t(18, 30, 5)),               # switched off
    (AUTO, "", t(19, 0, 5)),                                                  # too late
])
def test_no_heads_up(config_with, window, extra, now):
    state = PolicyState(spans=[chat(t(18), now, "code", "other")], category="other", app="code",
                        meetings=[DINNER], focus_windows=[window])
    assert decide(now, state, config_with(extra)) == []


def test_heads_up_counts_minutes_from_now_when_the_user_returns_late(berlin):
    now = t(18, 48)
    state = PolicyState(spans=[chat(t(18, 47), now, "code", "other")], category="other",
                        app="code", meetings=[DINNER], focus_windows=[AUTO])
    [nudge] = decide(now, state, berlin)
    assert nudge.title == "Dinner with Sam starts in 12 min"
    assert nudge.at == now


# crowding out

def test_crowding_out_numbers_and_names_are_true(berlin):
    now = t(11)
    [nudge] = decide(now, over_budget_state(now), berlin)
    assert nudge.kind == "crowding_out"
    assert nudge.key == "crowding_out:2026-03-02:1"
    assert nudge.message.startswith("1 h 40 min in Slack and Discord today, none in person yet")


@pytest.mark.parametrize("log, meetings, fires, in_person", [
    # 90 min meeting + 30 min logged, 10 of them overlapping: 110 min in person > 100 virtual
    ([(t(8, 20), t(8, 50))], [meeting("Breakfast with Jo", t(7), t(8, 30))], False, None),
    ([(t(8, 0), t(8, 20))], [], True, "20 min in person"),
    # a meeting later today does not count yet, but the text looks forward to it
    ([], [meeting("Dinner with Sam", t(19), t(21))], True, "none in person yet. "),
    ([], [meeting("Dinner with Sam", t(19), t(21))], True, "Dinner with Sam at 19:00"),
    # neither do virtual meetings
    ([], [meeting("Call", t(7), t(9), kind="virtual")], True, "none in person yet"),
])
def test_crowding_out_against_in_person_time(berlin, log, meetings, fires, in_person):
    now = t(11)
    state = replace(over_budget_state(now), in_person_log=log, meetings=meetings)
    nudges = decide(now, state, berlin)
    assert [n.kind for n in nudges] == (["crowding_out"] if fires else [])
    if fires:
        assert in_person in nudges[0].message


def test_crowding_out_needs_the_budget(config_with):
    now = t(11)
    assert decide(now, over_budget_state(now), config_with(
        "[nudges.crowding_out]\nbudget_minutes = 101\n")) == []
    assert [n.kind for n in decide(now, over_budget_state(now), config_with(
        "[nudges.crowding_out]\nbudget_minutes = 100\n"))] == ["crowding_out"]


@pytest.mark.parametrize("minutes_ago, fires", [(60, False), (119, False), (120, True)])
def test_crowding_out_cooldown(berlin, minutes_ago, fires):
    now = t(12)
    earlier = past(now - minutes_ago * 60, "crowding_out", "crowding_out:2026-03-02:1")
    nudges = decide(now, over_budget_state(now, past_nudges=[earlier]), berlin)
    assert [n.key for n in nudges] == (["crowding_out:2026-03-02:2"] if fires else [])


# reconnect

@pytest.mark.parametrize("last, first_seen, fires, words", [
    (at(date(2026, 2, 27), 21), None, True, "3 days"),            # Friday evening → Monday
    (at(date(2026, 2, 28), 10), None, False, None),               # 2 days
    (None, at(date(2026, 2, 20), 9), True, "10 days"),            # nothing on record
    (None, at(date(2026, 3, 1), 9), False, None),                 # watching for 1 day only
    (None, None, False, None),
    (at(date(2026, 2, 10), 21), None, True, "10 February"),
])
def test_reconnect(berlin, last, first_seen, fires, words):
    now = t(10)
    state = PolicyState(spans=[chat(t(9), now, "code", "other")], category="other", app="code",
                        last_in_person=last, first_seen=first_seen)
    nudges = decide(now, state, berlin)
    assert [n.kind for n in nudges] == (["reconnect"] if fires else [])
    if fires:
        assert nudges[0].key == "reconnect:2026-03-02"
        assert words in nudges[0].title + " " + nudges[0].message


@pytest.mark.parametrize("change", [
    {"meetings": [meeting("Dinner with Sam", t(19), t(21))]},    # someone later today
    {"in_person_log": [(t(8), t(8, 30))]},                       # someone this morning
    {"past_nudges": [past(t(9), "reconnect", "reconnect:2026-03-02")]},  # once a day
])
def test_no_reconnect(berlin, change):
    now = t(10)
    state = PolicyState(spans=[chat(t(9), now, "code", "other")], category="other", app="code",
                        last_in_person=at(date(2026, 2, 20), 21), **change)
    assert decide(now, state, berlin) == []


# daily summary, the daily cap, spacing

def test_daily_summary_at_its_time_with_true_numbers(berlin):
    spans = [chat(t(9), t(10), "slack"), chat(t(10), t(10, 40), "discord")]
    meetings = [LUNCH, DINNER]
    state = PolicyState(spans=spans, category="other", app="code", meetings=meetings,
                        in_person_log=[(t(17), t(17, 15))])
    assert decide(t(20, 30), state, berlin) == []  # dinner is on: only phubbing may speak
    # chat is ahead, but crowding_out spoke at 19:00 and is cooling down
    state = replace(state, meetings=[LUNCH],
                    past_nudges=[past(t(19), "crowding_out", "crowding_out:2026-03-02:1")])
    assert decide(t(19, 59, 59), state, berlin) == []
    [nudge] = decide(t(20), state, berlin)
    assert (nudge.kind, nudge.key) == ("daily_summary", "daily_summary:2026-03-02")
    assert "1 h 40 min in Slack and Discord" in nudge.message
    assert "1 h 15 min in person (Lunch with Priya)" in nudge.message
    assert decide(t(20, 0, 5), replace(state, past_nudges=[*state.past_nudges, nudge]),
                  berlin) == []


def test_daily_cap_spares_only_the_daily_summary(berlin):
    four = [past(t(9 + i), "focus", f"focus:1:{i}") for i in range(4)]
    now = t(20, 30)
    capped = lunch_state(t(12, 10), t(12, 11, 5), past_nudges=four)
    assert decide(t(12, 11, 5), capped, berlin) == []
    [nudge] = decide(now, over_budget_state(now, past_nudges=four), berlin)
    assert nudge.kind == "daily_summary"
    # yesterday's nudges do not count towards today's cap
    yesterday = [replace(n, at=n.at - 86400) for n in four]
    assert [n.kind for n in decide(t(12, 11, 5), lunch_state(
        t(12, 10), t(12, 11, 5), past_nudges=yesterday), berlin)] == ["phubbing"]


@pytest.mark.parametrize("cap, expected", [(0, []), (1, ["phubbing"])])
def test_daily_cap_from_config(config_with, cap, expected):
    config = config_with(f"[nudges]\nmax_per_day = {cap}\n")
    now = t(12, 11, 5)
    assert [n.kind for n in decide(now, lunch_state(t(12, 10), now), config)] == expected


def test_no_burst_when_several_come_true_together(config_with):
    config = config_with('[quiet_hours]\nstart = "18:00"\nend = "20:30"\n')
    state = over_budget_state(t(20, 30), last_in_person=at(date(2026, 2, 20), 21))
    said: list[Nudge] = []
    now = t(20, 30)
    while now < t(21, 30):
        state = replace(state, past_nudges=list(said))
        said += decide(now, state, config)
        now += 5
    assert [n.kind for n in said] == ["daily_summary", "crowding_out", "reconnect"]
    gaps = [b.at - a.at for a, b in zip(said, said[1:], strict=False)]
    assert all(gap >= 600 for gap in gaps)


# days and zones

SPRING_BERLIN = date(2026, 3, 29)  # 23 hours: 02:00 → 03:00


def test_dst_day_counts_real_time_from_local_midnight(berlin):
    day = SPRING_BERLIN
    start = at(date(2026, 3, 28), 23, 30)   # began the evening before
    now = at(day, 5)
    state = PolicyState(spans=[chat(start, now)], category="messaging", app="slack")
    [nudge] = decide(at(day, 8), replace(state, category="other", app="code"), berlin)
    assert nudge.key == "crowding_out:2026-03-29:1"
    assert nudge.message.startswith("4 h in Slack today")  # 00:00–05:00 local is 4 h


def test_dst_day_daily_summary_and_quiet_hours_in_local_time(berlin):
    day = SPRING_BERLIN
    state = PolicyState(spans=[chat(at(day, 9), at(day, 9, 30))], category="other", app="code")
    assert decide(at(day, 7, 59), state, berlin) == []
    assert decide(at(day, 19, 59), state, berlin) == []
    [nudge] = decide(at(day, 20), state, berlin)
    assert nudge.key == "daily_summary:2026-03-29"
    assert utc(nudge.at).hour == 18  # CEST: UTC+2


def test_new_york_evening_is_the_next_utc_day(config_with):
    config = config_with(tz="America/New_York")
    day = date(2026, 3, 8)  # DST starts in New York
    state = PolicyState(spans=[chat(at(day, 9, tz=NEW_YORK), at(day, 10, tz=NEW_YORK))],
                        category="other", app="code")
    now = at(day, 20, tz=NEW_YORK)
    assert utc(now).date() == date(2026, 3, 9)
    [nudge] = decide(now, state, config)
    assert nudge.key == "daily_summary:2026-03-08"
    assert "1 h in Slack" in nudge.message and "no time in person" in nudge.message


def test_new_york_fall_back_day_has_25_hours(config_with):
    day = date(2026, 11, 1)
    now = at(day, 21, 30, tz=NEW_YORK)  # 22.5 h after local midnight today, 21.5 h on most days
    state = PolicyState(spans=[chat(at(day, 0, tz=NEW_YORK), now)], category="other", app="code")
    config = config_with('[nudges.crowding_out]\nbudget_minutes = 1330\n'
                         '[nudges.daily_summary]\nenabled = false\n', tz="America/New_York")
    [nudge] = decide(now, state, config)
    assert nudge.kind == "crowding_out"
    assert nudge.message.startswith("22 h 30 min in Slack today")


@freeze_time("2026-03-02 11:11:05+01:00")
def test_decide_reads_no_clock(berlin):
    # frozen wall clock far from `now`: the policy must go by its argument alone
    now = t(12, 11, 5)
    assert [n.kind for n in decide(now, lunch_state(t(12, 10), now), berlin)] == ["phubbing"]


# restart and a whole day

def test_restart_with_reloaded_nudges_never_repeats(berlin):
    now = t(12, 11, 5)
    state = lunch_state(t(12, 10), now)
    [first] = decide(now, state, berlin)
    for later in (now + 5, now + 60):
        reloaded = replace(lunch_state(t(12, 10), later), past_nudges=[first])
        assert decide(later, reloaded, berlin) == []


def test_a_whole_day_keys_are_unique_and_counts_bounded(berlin):
    spans: list[Span] = []
    said: list[Nudge] = []
    focus = FocusWindow(9, t(18, 30), t(21), "Dinner with Sam", "auto")
    now = t(7)
    while now < t(23, 30):
        # chat all day, every 20 minutes 5 minutes of work
        minute = datetime.fromtimestamp(now, BERLIN).minute
        category, app = ("other", "code") if minute % 20 < 5 else ("messaging", "slack")
        if spans and spans[-1].category == category and spans[-1].end == now - 5:
            spans[-1] = replace(spans[-1], end=now)
        else:
            spans.append(Span(now - 5, now, app, category))
        state = PolicyState(spans=list(spans), category=category, app=app,
                            meetings=[LUNCH, DINNER], focus_windows=[focus],
                            past_nudges=list(said), last_in_person=at(date(2026, 2, 20), 20))
        said += decide(now, state, berlin)
        now += 5
    keys = [n.key for n in said]
    assert len(keys) == len(set(keys))
    assert all(not in_quiet_hours(n.at, berlin) for n in said)
    # two crowding-out levels and two phubbings reach the cap of 4 (the focus window in the
    # evening stays silent), and the day's one summary is not counted against it
    assert [(n.kind, datetime.fromtimestamp(n.at, BERLIN).strftime("%H:%M")) for n in said] == [
        ("crowding_out", "08:19"), ("crowding_out", "10:19"), ("phubbing", "12:06"),
        ("phubbing", "12:16"), ("daily_summary", "21:00")]


# wording

@pytest.mark.parametrize("app, title, name", [
    ("slack", None, "Slack"),
    ("ms-teams", None, "Teams"),
    ("telegram-desktop", None, "Telegram"),
    ("google-chrome", "(3) WhatsApp — Google Chrome", "WhatsApp"),
    ("firefox", "Some article — Mozilla Firefox", "Firefox"),
    ("slack", "general | Acme - Discord notes", "Slack"),
    ("fancy-chat", None, "Fancy Chat"),
])
def test_app_display_names(app, title, name):
    assert nudge_text.app_name(app, title) == name


def test_wording_is_reproducible_and_varies():
    messages = {nudge_text.crowding_out(f"crowding_out:2026-03-{d:02d}:1", 6000, 0, ["Slack"])[1]
                for d in range(1, 29)}
    assert len(messages) > 1
    again = {nudge_text.crowding_out(f"crowding_out:2026-03-{d:02d}:1", 6000, 0, ["Slack"])[1]
             for d in range(1, 29)}
    assert messages == again
    assert all(m.startswith("1 h 40 min in Slack today, none in person yet") for m in messages)


@pytest.mark.parametrize("names, text", [
    ([], "chat"), (["Slack"], "Slack"), (["Slack", "Discord"], "Slack and Discord"),
    (["A", "B", "C"], "A, B and C"), (["A", "B", "C", "D"], "A, B and 2 other apps"),
])
def test_join_names(names, text):
    assert nudge_text.join_names(names) == text


@pytest.mark.parametrize("seconds, text", [(45, "45 s"), (65, "1 min"), (6000, "1 h 40 min"),
                                           (7200, "2 h")])
def test_durations_in_texts(seconds, text):
    assert nudge_text.duration(seconds) == text


# the daemon's running total of closed chat time

@given(st.lists(st.tuples(st.integers(1, 600), st.booleans()), min_size=1, max_size=60))
def test_a_running_total_of_closed_chat_gives_the_same_nudges(steps):
    """The daemon passes its running total; the policy must agree with a fresh count."""
    virtual = frozenset({"messaging"})
    day_start = t(0)
    spans: list[Span] = []
    now = t(0) - 300  # the first span began before midnight
    running = 0.0
    for length, is_chat in steps:
        if spans and spans[-1].category in virtual:
            running += max(0.0, spans[-1].end - max(spans[-1].start, day_start))
        category = "messaging" if is_chat else "other"
        spans.append(Span(now, now + length, "slack", category))
        now += length
        expected = sum(max(0.0, min(s.end, now) - max(s.start, day_start))
                       for s in spans if s.category in virtual)
        assert view.virtual_seconds(spans, virtual, day_start, now) == pytest.approx(expected)
        assert view.virtual_seconds(spans, virtual, day_start, now, running) == \
            pytest.approx(expected)
