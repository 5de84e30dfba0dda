"""The ledger's numbers, exactly as DESIGN §3 defines them (issue 12, item 3)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from presence.model import Occasion, Person
from presence.people.ledger import ledger, ranked

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3) -> float:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN).timestamp()


def lunch(day: int, month: int = 3, minutes: int = 60, source: str = "calendar") -> Occasion:
    return Occasion(at(day, 12, month=month), at(day, 12, month=month) + minutes * 60, source,
                    "Lunch")


SAM = Person(1, "Sam")
NOW = at(31, 18)   # Tue 31 March 2026, 18:00


def test_numbers_of_a_fortnightly_friend():
    # every 14 days through February and March, last on 17 March; dinner planned 2 April
    occasions = [lunch(3, 2), lunch(17, 2), lunch(3), lunch(17),
                 Occasion(at(2, 19, month=4), at(2, 21, month=4), "calendar", "Dinner")]
    got = ledger(SAM, occasions, NOW, BERLIN)
    assert got.last_seen == at(17, 13)
    assert got.days_since == 14
    assert got.minutes_30d == 120.0         # 2–31 March: the lunches of 3 and 17 March
    assert got.minutes_365d == 240.0
    assert got.times_365d == 4 and got.times == 4
    assert got.cadence_days == 14.0
    assert got.status == "ok"               # 14 days is not past 1.5 × 14 = 21
    assert got.next == at(2, 19, month=4) and got.next_label == "Dinner"


def test_due_and_drifting_follow_the_usual_gap():
    base = [lunch(1, 2), lunch(8, 2), lunch(15, 2)]          # weekly, last 15 Feb
    assert ledger(SAM, base, at(25, 12, month=2), BERLIN).status == "ok"       # 10 days
    assert ledger(SAM, base, at(26, 12, month=2), BERLIN).status == "due"      # 11 > 10.5
    assert ledger(SAM, base, at(1, 12), BERLIN).status == "due"                # 14 = 2 × 7
    got = ledger(SAM, base, at(2, 12), BERLIN)
    assert (got.status, got.days_since, got.cadence_days) == ("drifting", 15, 7.0)


def test_new_under_three_occasions_unless_a_goal_is_set():
    two = [lunch(1), lunch(8)]
    got = ledger(SAM, two, NOW, BERLIN)
    assert (got.status, got.cadence_days, got.days_since) == ("new", None, 23)
    with_goal = Person(1, "Sam", goal_days=14)
    assert ledger(with_goal, two, NOW, BERLIN).status == "due"               # 23 > 14
    assert ledger(Person(1, "Sam", goal_days=10), two, NOW, BERLIN).status == "drifting"
    assert ledger(SAM, [], NOW, BERLIN).status == "new"


def test_overlapping_calendar_and_log_time_is_one_occasion():
    meeting = Occasion(at(20, 12), at(20, 13), "calendar", "Lunch")
    logged = Occasion(at(20, 12, 30), at(20, 14), "log", "and a walk")
    got = ledger(SAM, [meeting, logged], NOW, BERLIN)
    assert (got.times, got.minutes_30d, got.last_seen) == (1, 120.0, at(20, 14))


def test_time_in_progress_counts_up_to_now_and_a_median_of_gaps():
    occasions = [lunch(2), lunch(5), lunch(16), Occasion(at(31, 17), at(31, 19), "log")]
    got = ledger(SAM, occasions, NOW, BERLIN)
    # gaps 3, 11, 15 days: the median is 11
    assert got.cadence_days == 11.0
    assert got.last_seen == NOW and got.days_since == 0
    assert got.minutes_30d == 3 * 60 + 60     # the log so far: 17:00–18:00


def test_thirty_days_are_local_days_across_dst():
    # 30 local days back from 31 March (DST began 29 March) start on 2 March, 00:00
    edge = [Occasion(at(1, 23), at(1, 23, 59), "log"), Occasion(at(2, 0), at(2, 1), "log")]
    got = ledger(SAM, edge, NOW, BERLIN)
    assert got.minutes_30d == 60.0 and got.minutes_365d == 119.0


def test_most_overdue_first():
    weekly = [lunch(1), lunch(8), lunch(15)]          # last 15 March: 16 days, drifting
    fortnightly = [lunch(1, 2), lunch(15, 2), lunch(1), lunch(15)]  # 16 days of 14: ok
    monthly = [lunch(1, 1), lunch(1, 2), lunch(1)]    # 30 of 28 days: ok
    people = [ledger(Person(i, n), occ, NOW, BERLIN) for i, (n, occ) in enumerate(
        [("Ana", fortnightly), ("Ben", []), ("Cem", weekly), ("Dee", monthly)])]
    assert [(l.person.name, l.status) for l in ranked(people)] == [
        ("Cem", "drifting"), ("Ana", "ok"), ("Dee", "ok"), ("Ben", "new")]
