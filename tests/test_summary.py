"""The presence summary: exact minutes on awkward days, from real SQLite databases."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

import pytest
from summary_data import BERLIN, add_meetings, add_nudge, add_span, at, home, meeting

from presence.reports import history
from presence.model import Span
from presence.store import Store
from presence.store.migrations import MIGRATIONS, SCHEMA_VERSION
from presence.reports.summary import cells_by_day, hour_marks, streak
from presence.timeline import day_bounds, merge_intervals
from presence.reports.render import (
    WIDTH,
    day_json,
    period_json,
    render_day,
    render_period,
)

SPRING = date(2026, 3, 29)   # Europe/Berlin: 02:00 CET → 03:00 CEST, a 23-hour day
AUTUMN = date(2026, 10, 25)  # Europe/Berlin: 03:00 CEST → 02:00 CET, a 25-hour day
DESIGN_KEYS = {"date", "timezone", "virtual_minutes", "in_person_minutes", "categories", "apps",
               "meetings", "phubbing_minutes", "nudges"}


def end_of(day: date) -> float:
    return day_bounds(day, BERLIN)[1]


# pure parts


@pytest.mark.parametrize(("day", "hours", "clock"), [
    (SPRING, 23, [0, 1, 3, 4]),
    (AUTUMN, 25, [0, 1, 2, 2, 3]),
    (date(2026, 6, 1), 24, [0, 1, 2, 3]),
])
def test_hour_marks_follow_the_local_clock(day, hours, clock):
    marks = hour_marks(day, BERLIN)
    assert len(marks) == hours
    assert [h for _, h in marks[:len(clock)]] == clock
    assert all(b[0] - a[0] == 3600 for a, b in itertools.pairwise(marks))


def test_a_span_across_midnight_is_split_between_the_days():
    span = Span(at("2026-06-01T23:40"), at("2026-06-02T00:25"), "slack", "messaging")
    cells = cells_by_day([span], date(2026, 6, 1), date(2026, 6, 2), BERLIN)
    assert cells[date(2026, 6, 1)] == {(23, "slack", "messaging"): 20 * 60}
    assert cells[date(2026, 6, 2)] == {(0, "slack", "messaging"): 25 * 60}


def test_cells_leave_out_away_and_stop_at_until():
    spans = [Span(at("2026-06-01T10:00"), at("2026-06-01T11:00"), None, "away"),
             Span(at("2026-06-01T11:00"), at("2026-06-01T12:00"), "code", "other")]
    cells = cells_by_day(spans, date(2026, 6, 1), date(2026, 6, 1), BERLIN,
                         until=at("2026-06-01T11:15"))
    assert cells == {date(2026, 6, 1): {(11, "code", "other"): 15 * 60}}


def test_merge_intervals_counts_overlaps_once():
    assert merge_intervals([(5, 9), (0, 3), (2, 4), (9, 10), (20, 20)]) == [(0, 4), (5, 10)]


def test_every_json_time_is_utc_to_the_second_with_z():
    # DESIGN §2: one format; a time a hair before a whole second is that second's (as
    # datetime rounds it), never the one before
    from presence.timeline import iso_utc

    assert iso_utc(0.0) == "1970-01-01T00:00:00Z"
    assert iso_utc(1773169200.0) == "2026-03-10T19:00:00Z"
    assert iso_utc(1773169199.9999996) == "2026-03-10T19:00:00Z"
    assert iso_utc(1773169199.999) == "2026-03-10T18:59:59Z"
    assert iso_utc(253402300799.0) == "9999-12-31T23:59:59Z"


def test_a_running_day_does_not_break_the_streak_before_it_is_over():
    days = {date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3)}
    assert streak(days, date(2026, 6, 4), complete=False) == 3
    assert streak(days, date(2026, 6, 4), complete=True) == 0
    assert streak(days | {date(2026, 6, 4)}, date(2026, 6, 4), complete=False) == 4


# exact minutes from real databases


def test_spring_dst_day_has_23_hours_and_exact_minutes(tmp_path):
    store, config = home(tmp_path)
    add_span(store, "2026-03-28T23:30", "2026-03-29T00:30", "slack", "messaging")
    add_span(store, "2026-03-29T01:30", "2026-03-29T03:30", "firefox", "other")  # 1 h real
    add_span(store, "2026-03-29T03:30", "2026-03-29T04:00", None, "away")
    s = day_json(history.day_summary(store, config, SPRING, end_of(SPRING) + 86400))
    assert DESIGN_KEYS <= set(s)
    assert (s["date"], s["timezone"], s["hours"], s["complete"]) == (
        "2026-03-29", "Europe/Berlin", 23, True)
    assert s["virtual_minutes"] == 30.0
    assert s["categories"] == {"other": 60.0, "messaging": 30.0}
    assert s["apps"] == [{"app": "firefox", "category": "other", "minutes": 60.0},
                         {"app": "slack", "category": "messaging", "minutes": 30.0}]
    assert s["virtual_by_hour"][0] == 30.0 and s["virtual_by_hour"][2] == 0.0
    before = day_json(history.day_summary(store, config, SPRING - timedelta(days=1),
                                          end_of(SPRING) + 86400))
    assert before["virtual_minutes"] == 30.0 and before["hours"] == 24


def test_autumn_dst_day_has_25_hours_and_the_repeated_hour_counts_twice(tmp_path):
    store, config = home(tmp_path)
    add_span(store, "2026-10-24T23:30+02:00", "2026-10-25T00:30+02:00", "slack", "messaging")
    add_span(store, "2026-10-25T02:30+02:00", "2026-10-25T02:30+01:00", "discord", "messaging")
    add_span(store, "2026-10-25T23:00+01:00", "2026-10-26T01:00+01:00", "firefox", "other")
    s = day_json(history.day_summary(store, config, AUTUMN, end_of(AUTUMN) + 3 * 86400))
    assert s["hours"] == 25
    assert s["virtual_minutes"] == 90.0
    assert s["categories"] == {"messaging": 90.0, "other": 60.0}
    assert s["virtual_by_hour"][0] == 30.0 and s["virtual_by_hour"][2] == 60.0
    nxt = day_json(history.day_summary(store, config, AUTUMN + timedelta(days=1),
                                       end_of(AUTUMN) + 3 * 86400))
    assert nxt["categories"] == {"other": 60.0}


def test_overlapping_meetings_and_logged_time_count_once(tmp_path):
    store, config = home(tmp_path)
    add_meetings(store,
                 meeting("Brunch", "2026-06-06T11:00", "2026-06-06T13:00"),
                 meeting("Walk", "2026-06-06T12:30", "2026-06-06T14:00"),
                 meeting("Call with Ana", "2026-06-06T16:00", "2026-06-06T17:00", "virtual"),
                 meeting("Lunch block", "2026-06-06T12:00", "2026-06-06T13:00", "excluded"))
    store.add_in_person(at("2026-06-06T13:30"), at("2026-06-06T15:00"), "coffee")
    store.add_in_person(at("2026-06-06T18:00"), at("2026-06-06T18:30"), None)
    add_span(store, "2026-06-06T12:00", "2026-06-06T12:10", "slack", "messaging")
    add_span(store, "2026-06-06T13:50", "2026-06-06T14:05", "twitter", "social")
    add_span(store, "2026-06-06T14:30", "2026-06-06T14:40", "signal", "messaging")  # logged
    add_span(store, "2026-06-06T16:10", "2026-06-06T16:20", "slack", "messaging")  # virtual
    add_nudge(store, "2026-06-06T13:55", "phubbing", "Walk")
    add_nudge(store, "2026-06-06T20:00", "daily_summary", "Your day", delivered=False)
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-07T12:00")))
    assert s["in_person_minutes"] == 270.0  # 11:00–15:00 and 18:00–18:30
    assert s["virtual_minutes"] == 45.0
    # chat during in-person meetings, not during logged time or a virtual meeting
    assert s["phubbing_minutes"] == 20.0
    assert [(m["summary"], m["kind"], m["minutes"], m["phubbing_minutes"])
            for m in s["meetings"]] == [("Brunch", "in_person", 120.0, 10.0),
                                        ("Walk", "in_person", 90.0, 10.0),
                                        ("Call with Ana", "virtual", 60.0, None)]
    assert s["meetings"][0]["start"] == "2026-06-06T09:00:00Z"
    assert [(n["at"], n["kind"], n["delivered"]) for n in s["nudges"]] == [
        ("2026-06-06T11:55:00Z", "phubbing", True),
        ("2026-06-06T18:00:00Z", "daily_summary", False)]
    assert set(s["nudges"][0]) >= {"at", "kind", "title", "message"}


def test_chat_across_two_meetings_counts_once_per_minute(tmp_path):
    store, config = home(tmp_path)
    add_meetings(store, meeting("Coffee", "2026-06-06T10:00", "2026-06-06T10:30"),
                 meeting("Walk", "2026-06-06T10:40", "2026-06-06T11:00"))
    add_span(store, "2026-06-06T10:20", "2026-06-06T10:50", "slack", "messaging")
    s = history.day_summary(store, config, date(2026, 6, 6), at("2026-06-07T12:00"))
    assert s.phubbing_minutes == 20.0
    assert [m.phubbing_minutes for m in s.meetings] == [10.0, 10.0]


def test_a_meeting_across_midnight_counts_in_each_day(tmp_path):
    store, config = home(tmp_path)
    add_meetings(store, meeting("Party", "2026-06-06T22:00", "2026-06-07T01:30"))
    now = at("2026-06-08T12:00")
    first = history.day_summary(store, config, date(2026, 6, 6), now)
    second = history.day_summary(store, config, date(2026, 6, 7), now)
    assert (first.in_person_minutes, second.in_person_minutes) == (120.0, 90.0)
    assert (first.meetings[0].minutes, second.meetings[0].minutes) == (120.0, 90.0)
    assert second.streak_days == 2


def test_a_stay_that_began_days_before_counts_among_many_short_meetings(tmp_path):
    # what overlaps a day is searched from the longest stay's length before it: a week away
    # with friends, logged by hand, and a three-day retreat in the calendar still count on
    # their last day, among a year of short meetings; a shorter one ending before does not
    store, config = home(tmp_path)
    last = date(2026, 6, 9)
    short = [meeting(f"Coffee {n}", f"{last - timedelta(days=n)}T08:00",
                     f"{last - timedelta(days=n)}T08:30") for n in range(1, 365)]
    add_meetings(store, meeting("Retreat", "2026-06-06T20:00", "2026-06-09T00:20"), *short)
    store.add_in_person(at("2026-06-01T12:00"), at("2026-06-09T00:30"), "a week away")
    store.add_in_person(at("2026-06-02T12:00"), at("2026-06-08T23:00"), "ended before")
    s = history.day_summary(store, config, last, at("2026-06-10T12:00"))
    assert s.in_person_minutes == 30.0
    assert [m.summary for m in s.meetings] == ["Retreat"]
    assert s.meetings[0].minutes == 20.0
    # shorter rows stored later do not narrow the search below the longest
    store.add_in_person(at("2026-06-09T07:00"), at("2026-06-09T07:10"), None)
    s = history.day_summary(store, config, last, at("2026-06-10T12:00"))
    assert s.in_person_minutes == 40.0


def test_empty_day_and_empty_database(tmp_path):
    store, config = home(tmp_path)
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-07T12:00")))
    assert {k: s[k] for k in DESIGN_KEYS} == {
        "date": "2026-06-06", "timezone": "Europe/Berlin", "virtual_minutes": 0.0,
        "in_person_minutes": 0.0, "categories": {}, "apps": [], "meetings": [],
        "phubbing_minutes": 0.0, "nudges": []}
    assert s["trend"] is None and s["streak_days"] == 0
    add_span(store, "2026-06-05T10:00", "2026-06-05T11:00", "slack", "messaging")
    add_span(store, "2026-06-07T10:00", "2026-06-07T11:00", "slack", "messaging")
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-09T12:00")))
    assert s["virtual_minutes"] == 0.0 and s["categories"] == {}
    text = render_day(history.day_summary(store, config, date(2026, 6, 6),
                                          at("2026-06-09T12:00")), BERLIN)
    assert "nothing recorded this day" in text


def test_today_counts_only_what_has_happened(tmp_path):
    store, config = home(tmp_path)
    add_meetings(store, meeting("Dinner", "2026-06-06T19:00", "2026-06-06T21:00"))
    store.add_in_person(at("2026-06-06T09:00"), at("2026-06-06T10:00"), "breakfast")
    add_span(store, "2026-06-06T11:00", "2026-06-06T11:40", "slack", "messaging")
    s = history.day_summary(store, config, date(2026, 6, 6), at("2026-06-06T19:30"))
    assert not s.complete
    assert s.in_person_minutes == 90.0  # breakfast and the first half hour of dinner
    assert s.meetings[0].minutes == 120.0  # the meeting as planned
    assert s.virtual_minutes == 40.0


def test_trend_compares_with_the_days_before_since_presence_started(tmp_path):
    store, config = home(tmp_path)
    add_span(store, "2026-06-03T10:00", "2026-06-03T11:00", "slack", "messaging")
    add_span(store, "2026-06-04T10:00", "2026-06-04T10:30", "slack", "messaging")
    add_span(store, "2026-06-06T10:00", "2026-06-06T11:30", "slack", "messaging")
    for day in (3, 4, 5):
        store.add_in_person(at(f"2026-06-0{day}T18:00"), at(f"2026-06-0{day}T19:00"), None)
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-06T12:00")))
    assert s["trend"] == {"days": 3, "virtual_minutes_per_day": 30.0,
                          "in_person_minutes_per_day": 60.0, "virtual_change_minutes": 60.0,
                          "in_person_change_minutes": -60.0}
    assert s["streak_days"] == 3  # today may still bring someone


def test_a_streak_longer_than_the_trend_window_is_counted_whole(tmp_path):
    # the summary reads in-person time from the trend's first day, and further back only
    # when a streak runs that far: a 40-day streak, then one broken 10 days back
    store, config = home(tmp_path)
    first = date(2026, 6, 6) - timedelta(days=39)
    for n in range(40):
        day = (first + timedelta(days=n)).isoformat()
        store.add_in_person(at(f"{day}T18:00"), at(f"{day}T19:00"), None)
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-06T20:00")))
    assert s["streak_days"] == 40
    week = history.period_summary(store, config, date(2026, 6, 6), 7, at("2026-06-06T20:00"))
    assert [d.streak_days for d in week.days] == list(range(34, 41))
    store.remove_in_person(store.in_person_entries(at("2026-05-27T00:00"),
                                                   at("2026-05-28T00:00"))[0][0])
    s = day_json(history.day_summary(store, config, date(2026, 6, 6), at("2026-06-06T20:00")))
    assert s["streak_days"] == 10


@pytest.mark.parametrize("days", [7, 8, 13, 14, 15, 29, 200])
def test_a_streak_is_counted_whole_however_far_back_it_runs(tmp_path, days):
    # a streak running back past the trend's week is read back further, twice as far each
    # time: the lengths around each step count in full, and a day off before them ends it
    store, config = home(tmp_path)
    last = date(2026, 6, 6)
    store.add_in_person(at("2025-01-01T18:00"), at("2025-01-01T19:00"), None)
    for n in range(days):
        day = (last - timedelta(days=n)).isoformat()
        store.add_in_person(at(f"{day}T18:00"), at(f"{day}T19:00"), None)
    s = history.day_summary(store, config, last, at("2026-06-06T20:00"))
    assert s.streak_days == days


def test_a_streak_since_the_first_day_presence_can_show_is_counted_whole(tmp_path):
    # every day from 1 January 1970 (the earliest time stored) has in-person time
    store, config = home(tmp_path)
    first = date(1970, 1, 1)
    for n in range(60):
        day = (first + timedelta(days=n)).isoformat()
        store.add_in_person(at(f"{day}T18:00"), at(f"{day}T19:00"), None)
    s = history.day_summary(store, config, first + timedelta(days=59), at("1970-03-02T20:00"))
    assert s.streak_days == 60


def test_week_is_seven_days_with_totals(tmp_path):
    store, config = home(tmp_path)
    for day in range(1, 15):
        add_span(store, f"2026-06-{day:02d}T10:00", f"2026-06-{day:02d}T10:{day:02d}", "slack",
                 "messaging")
    add_meetings(store, meeting("Dinner", "2026-06-13T19:00", "2026-06-13T21:00"))
    week = period_json(history.period_summary(store, config, date(2026, 6, 14), 7,
                                              at("2026-06-20T12:00")))
    assert [d["date"] for d in week["days"]] == [f"2026-06-{d:02d}" for d in range(8, 15)]
    totals = week["totals"]
    assert totals["virtual_minutes"] == sum(range(8, 15))
    assert totals["in_person_minutes"] == 120.0
    assert totals["trend"]["days"] == 7
    assert totals["trend"]["virtual_minutes_per_day"] == sum(range(1, 8)) / 7
    assert (totals["from"], totals["to"], totals["meetings"]) == ("2026-06-08", "2026-06-14", 1)
    assert totals["streak_days"] == 0


# rollups: same numbers, kept exact when history changes


def test_rollups_give_the_same_numbers_as_the_spans(tmp_path):
    store, config = home(tmp_path)
    add_span(store, "2026-10-24T22:00", "2026-10-25T01:00", "slack", "messaging")
    add_span(store, "2026-10-25T02:10+02:00", "2026-10-25T02:50+01:00", "x", "social")
    add_span(store, "2026-10-25T12:00", "2026-10-25T12:01", "code", "other")
    live = day_json(history.day_summary(store, config, AUTUMN, end_of(AUTUMN) + 60))
    # the autumn day itself is still live: only the day before it is rolled up
    assert store.rollup_days("Europe/Berlin") == (AUTUMN - timedelta(days=1),) * 2
    rolled = day_json(history.day_summary(store, config, AUTUMN, end_of(AUTUMN) + 5 * 86400))
    # five days on, every complete day up to the one before is rolled up, the autumn day too
    assert store.rollup_days("Europe/Berlin") == (AUTUMN - timedelta(days=1),
                                                  AUTUMN + timedelta(days=4))
    assert rolled == live


def test_per_app_totals_of_a_period_are_its_days_summed_rolled_up_or_live(tmp_path):
    """`history.app_totals` (one aggregate over the rollups, plus the live days' spans)
    tells the numbers of the period summary, across a DST day and the live day."""
    store, config = home(tmp_path)
    add_span(store, "2026-10-24T22:00", "2026-10-25T01:00", "slack", "messaging")
    add_span(store, "2026-10-25T02:10+02:00", "2026-10-25T02:50+01:00", "x", "social")
    add_span(store, "2026-10-26T09:00", "2026-10-26T11:15", "code", "other")
    add_span(store, "2026-10-28T09:00", "2026-10-28T09:20", "slack", "messaging")
    add_span(store, "2026-10-29T08:00", "2026-10-29T08:45", "slack", "messaging")
    now = at("2026-10-29T09:00")  # the 29th is live, the days before are rolled up
    first, last = AUTUMN - timedelta(days=1), date(2026, 10, 29)
    period = history.period_summary(store, config, last, (last - first).days + 1, now)
    assert store.rollup_days("Europe/Berlin")[1] == date(2026, 10, 28)
    totals = history.app_totals(store, BERLIN, first, last, now)
    assert {(a.app, a.category): a.minutes for a in period.apps} == {
        key: seconds / 60 for key, seconds in totals.items()}
    assert totals[("slack", "messaging")] == (3 * 60 + 20 + 45) * 60  # from 22:00 on the 24th
    assert totals[("x", "social")] == 100 * 60  # 02:10 CEST to 02:50 CET
    # a range inside the rolled-up days alone, and one of the live day alone
    assert history.app_totals(store, BERLIN, date(2026, 10, 26), date(2026, 10, 26), now) == {
        ("code", "other"): 135 * 60}
    assert history.app_totals(store, BERLIN, last, last, now) == {("slack", "messaging"): 2700}
    # a span stored late into sealed history is counted: the day totals went with the rollups
    add_span(store, "2026-10-26T12:00", "2026-10-26T12:30", "signal", "messaging")
    assert history.app_totals(store, BERLIN, date(2026, 10, 26), date(2026, 10, 26), now) == {
        ("code", "other"): 135 * 60, ("signal", "messaging"): 30 * 60}


def test_changing_sealed_history_drops_the_rollups(tmp_path):
    store, config = home(tmp_path)
    add_span(store, "2026-06-01T10:00", "2026-06-01T11:00", "slack", "messaging")
    now = at("2026-06-10T12:00")
    assert history.day_summary(store, config, date(2026, 6, 1), now).virtual_minutes == 60
    assert store.rollup_days("Europe/Berlin") is not None
    # a span stored late (a clock that jumped back) lands in sealed history
    add_span(store, "2026-06-01T12:00", "2026-06-01T12:30", "signal", "messaging")
    assert store.rollup_days("Europe/Berlin") is None and store.span_reach() is None
    assert history.day_summary(store, config, date(2026, 6, 1), now).virtual_minutes == 90
    with sqlite3.connect(store.path) as other:  # another program editing the user's data
        other.execute("DELETE FROM activity WHERE app = 'slack'")
    assert history.day_summary(store, config, date(2026, 6, 1), now).virtual_minutes == 30


def test_the_open_span_running_past_the_seal_keeps_the_rollups(tmp_path):
    store, config = home(tmp_path)
    row = store.insert_span(Span(at("2026-06-01T10:00"), at("2026-06-10T08:59"), "zoom",
                                 "calls"), "laptop")
    history.day_summary(store, config, date(2026, 6, 1), at("2026-06-10T09:00"))
    sealed, longest = store.span_reach()
    assert sealed == at("2026-06-10T08:00") and longest == sealed - at("2026-06-01T10:00")
    store.extend_span(row, at("2026-06-10T09:00"))  # the daemon flushing the open span
    assert store.rollup_days("Europe/Berlin") is not None
    # a long span is still found from any day it covers, through the sealed reach
    s = history.day_summary(store, config, date(2026, 6, 5), at("2026-06-10T09:00"))
    assert s.categories == {"calls": 24 * 60.0}
    assert store.spans(at("2026-06-10T08:30"), at("2026-06-10T08:31"))[0].app == \
        "zoom"


def test_a_database_of_schema_1_is_migrated_with_nothing_lost(tmp_path):
    path = tmp_path / "presence.db"
    conn = sqlite3.connect(path)
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO activity (start, end, app, category, title, device) VALUES "
                 "(?, ?, 'slack', 'messaging', NULL, 'old')",
                 (at("2026-06-01T10:00"), at("2026-06-01T10:45")))
    conn.execute("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, 'lunch')",
                 (at("2026-06-01T12:00"), at("2026-06-01T13:00")))
    conn.execute("INSERT INTO nudges (at, kind, key, title, message, channel, delivered, error) "
                 "VALUES (?, 'crowding_out', 'k', 'Chat', 'm', 'dbus', 1, NULL)",
                 (at("2026-06-01T11:00"),))
    conn.execute("INSERT INTO settings (key, value) VALUES ('snooze_until', '5')")
    conn.commit()
    before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
              for t in ("activity", "in_person_log", "nudges", "settings", "meetings")}
    conn.close()
    (tmp_path / "config.toml").write_text('timezone = "Europe/Berlin"\n')
    from presence.config import load

    store = Store.open(path, create=False)
    after = sqlite3.connect(path)
    assert after.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    for table, rows in before.items():
        # later migrations may add columns (NULL for old rows); the old ones keep their data
        kept = [row[:len(rows[0])] for row in
                after.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()] if rows else []
        if table == "activity":
            # A span's id became its start in milliseconds (migration 6); the rest is kept.
            assert [row[0] for row in kept] == [round(row[1] * 1000) for row in rows]
            kept, rows = [row[1:] for row in kept], [row[1:] for row in rows]
        assert kept == rows
    assert after.execute("SELECT response, responded_at, followed FROM nudges").fetchall() == \
        [(None, None, None)]
    after.close()
    s = history.day_summary(store, load(tmp_path / "config.toml"), date(2026, 6, 1),
                            at("2026-06-03T12:00"))
    assert (s.virtual_minutes, s.in_person_minutes, len(s.nudges)) == (45.0, 60.0, 1)


# text and the command line


def test_text_fits_80_columns(tmp_path):
    store, config = home(tmp_path)
    add_meetings(store, meeting("A very long meeting title that goes on and on and on forever",
                                "2026-06-06T11:00", "2026-06-06T13:00"))
    add_span(store, "2026-06-06T11:00", "2026-06-06T11:20", "an-app-with-a-very-long-name-x",
             "messaging")
    for minute in range(0, 50, 5):
        add_span(store, f"2026-06-06T15:{minute:02d}", f"2026-06-06T15:{minute + 4:02d}",
                 f"app{minute}", ["social", "messaging", "other", "calls"][minute % 4])
    add_nudge(store, "2026-06-06T11:10", "phubbing", "You are with people " * 8)
    add_span(store, "2026-05-30T08:00", "2026-05-30T19:00", "slack", "messaging")  # a trend
    now = at("2026-06-07T12:00")
    day = render_day(history.day_summary(store, config, date(2026, 6, 6), now), BERLIN)
    week = render_period(history.period_summary(store, config, date(2026, 6, 6), 7, now),
                         BERLIN)
    for text in (day, week):
        assert max(len(line) for line in text.splitlines()) <= WIDTH, text
    assert "chat 20 min" in day and "44 min   −50 min vs 7-day average" in day


def run(tmp_path, *args):
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path), PYTHONIOENCODING="utf-8")
    env.pop("PRESENCE_DB", None)
    env.pop("PRESENCE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_summary_command_json_and_text(tmp_path):
    store, _ = home(tmp_path)
    add_span(store, "2026-03-29T01:30", "2026-03-29T03:30", "slack", "messaging")
    store.close()
    result = run(tmp_path, "summary", "2026-03-29", "--json")
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert (s["date"], s["virtual_minutes"], s["hours"]) == ("2026-03-29", 60.0, 23)
    week = json.loads(run(tmp_path, "summary", "2026-03-29", "--week", "--json").stdout)
    assert len(week["days"]) == 7 and week["totals"]["virtual_minutes"] == 60.0
    text = run(tmp_path, "summary", "2026-03-29")
    assert text.returncode == 0 and "Sunday 29 March 2026" in text.stdout
    assert "a 23-hour day" in text.stdout and "1 h" in text.stdout


def test_summary_command_errors_are_one_line(tmp_path):
    bad = run(tmp_path, "summary", "someday")
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("presence: 'someday' is not a day; write today, yesterday or "
                                  "a date like 2026-03-29")
    missing = run(tmp_path, "summary")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert "no database yet" in missing.stderr


def test_summary_imports_only_what_it_needs(tmp_path):
    store, _ = home(tmp_path)
    store.close()
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "presence", "summary",
                             "--json"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    heavy = {"sqlite_utils", "icalendar", "recurring_ical_events", "psutil", "plyer",
             "jeepney", "presence.daemon", "presence.service", "presence.calendar.expand",
             "presence.nudges.policy", "presence.reports.html"}
    assert not heavy & imported


def test_nothing_in_front_is_no_app_and_nothing_draws_a_bar_for_0_min(tmp_path):
    # Issue 13: "(nothing in front)" was the top app with a full bar, and a 20 s app drew a
    # full bar for "0 min"
    store, _ = home(tmp_path)
    add_span(store, "2026-03-10T09:00", "2026-03-10T11:00", None, "other")
    add_span(store, "2026-03-10T11:00", "2026-03-10T11:00:20", "signal", "messaging")
    add_span(store, "2026-03-10T12:00", "2026-03-10T12:30", "slack", "messaging")
    store.close()
    day = json.loads(run(tmp_path, "summary", "2026-03-10", "--json").stdout)
    assert [a["app"] for a in day["apps"]] == ["slack", "signal"]
    assert day["categories"]["other"] == 120.0  # the time still counts where it belongs
    text = run(tmp_path, "summary", "2026-03-10").stdout
    assert "nothing in front" not in text and "signal" not in text
    [slack] = [line for line in text.splitlines() if "slack" in line]
    assert slack.split()[:2] == ["slack", "messaging"] and slack.endswith("30 min")
    week = run(tmp_path, "summary", "2026-03-10", "--week").stdout
    assert "nothing in front" not in week
    assert "  per day: virtual 4 min, in person 0 min" in week.splitlines()
    page = tmp_path / "r.html"
    assert run(tmp_path, "report", "--until", "2026-03-10", "--out", str(page)).returncode == 0
    assert "nothing in front" not in page.read_text()
