"""DAY, TIME, DURATION and window bounds as users type them (presence/timeparse.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from presence.errors import InputError
from presence.timeline import day_bounds, local_day, merge_intervals, union_seconds
from presence.timeparse import parse_bound, parse_day, parse_duration, parse_time, parse_window

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 28)  # the Saturday before the spring change (Sunday 02:00 → 03:00)


def in_berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize("text, day", [
    ("today", TODAY), ("Yesterday", TODAY - timedelta(days=1)), (" 2026-02-01 ", date(2026, 2, 1)),
])
def test_a_day(text, day):
    assert parse_day(text, TODAY) == day


@pytest.mark.parametrize("text", ["tomorrow", "last week", "2026-13-01", ""])
def test_not_a_day(text):
    with pytest.raises(InputError, match="is not a day; write today, yesterday or a date"):
        parse_day(text, TODAY)


@pytest.mark.parametrize("text, seconds", [("45s", 45), ("90m", 5400), ("2h", 7200),
                                           ("1h30m", 5400), ("1d", 86400)])
def test_a_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text, bound, end", [
    ("yesterday", in_berlin(2026, 3, 27), False),
    ("yesterday", in_berlin(2026, 3, 28), True),
    ("today", in_berlin(2026, 3, 28), False),
    # the end of the 23-hour day is the next local midnight, not 24 hours on
    ("2026-03-29", in_berlin(2026, 3, 30), True),
    ("2026-03-29T12:00", in_berlin(2026, 3, 29, 12), True),
    ("18:30", in_berlin(2026, 3, 28, 18, 30), False),
    ("2026-03-29T10:00Z", datetime.fromisoformat("2026-03-29T12:00+02:00"), False),
])
def test_a_window_bound(text, bound, end):
    assert parse_bound(text, BERLIN, TODAY, end=end) == bound


def test_a_bound_that_is_neither_time_nor_day_names_the_forms():
    with pytest.raises(InputError, match="is not a time; write ISO 8601"):
        parse_bound("next tuesday", BERLIN, TODAY)


@pytest.mark.parametrize("night, hours", [(date(2026, 3, 28), 5), (date(2026, 10, 24), 7)])
def test_a_window_across_midnight_ends_at_the_wall_clock_time_on_both_dst_nights(night, hours):
    start, end = parse_window("22:00", "04:00", BERLIN, night)
    assert start == in_berlin(night.year, night.month, night.day, 22)
    assert end.astimezone(BERLIN).replace(tzinfo=None) == datetime.combine(
        night + timedelta(days=1), datetime.min.time()).replace(hour=4)
    assert end.timestamp() - start.timestamp() == hours * 3600


def test_a_window_end_with_a_date_is_taken_as_written():
    with pytest.raises(InputError, match="ends"):
        parse_window("2026-03-28T22:00", "2026-03-28T04:00", BERLIN, TODAY)


def test_hh_mm_needs_a_day_to_fall_on():
    with pytest.raises(InputError, match="give a date too"):
        parse_time("18:30", BERLIN)


def test_day_bounds_and_local_day_on_the_dst_days():
    spring = day_bounds(date(2026, 3, 29), BERLIN)
    autumn = day_bounds(date(2026, 10, 25), BERLIN)
    assert spring[1] - spring[0] == 23 * 3600 and autumn[1] - autumn[0] == 25 * 3600
    assert local_day(spring[1] - 1, BERLIN) == date(2026, 3, 29)
    assert local_day(spring[1], BERLIN) == date(2026, 3, 30)


def test_interval_union_counts_overlaps_once_and_leaves_the_input_alone():
    intervals = [(5.0, 9.0), (0.0, 3.0), (2.0, 4.0), (9.0, 10.0), (20.0, 20.0), (30.0, 25.0)]
    before = list(intervals)
    assert merge_intervals(intervals) == [(0.0, 4.0), (5.0, 10.0)]
    assert union_seconds(intervals) == 9.0
    assert intervals == before
