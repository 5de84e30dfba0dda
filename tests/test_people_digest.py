"""The per-person reconnect digest, decided by the pure policy (issue 12, item 4)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from presence.model import Nudge
from presence.nudges.people_digest import Due, last_named
from presence.nudges.policy import PolicyState, decide

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2026, 3, 2)


def at(hh: int, mm: int = 0, day: int = 2) -> float:
    return datetime(2026, 3, day, hh, mm, tzinfo=BERLIN).timestamp()


SAM = Due(1, "Sam", 45, 14.0, None, at(19, day=5), "Dinner with Sam")
ANA = Due(2, "Ana", 22, 7.0, None, None, None)
BEN = Due(3, "Ben", 30, None, 14, None, None)
CEM = Due(4, "Cem", 12, 7.0, None, None, None)


def state(**kw) -> PolicyState:
    # in person yesterday, so the general reconnect has nothing to say
    return PolicyState(category="other", app="code", last_in_person=at(20, day=1),
                       in_person_log=[(at(9), at(9, 30))], **kw)


def test_names_at_most_three_with_true_numbers(berlin):
    [nudge] = decide(at(10), state(people_due=[SAM, ANA, BEN, CEM]), berlin)
    assert nudge.kind == "reconnect"
    assert nudge.key == "reconnect:people:2026-03-02:1-2-3"
    assert "Sam, Ana and Ben" in nudge.title
    assert ("You haven't seen Sam in person for 6 weeks — you usually meet every 2 weeks. "
            "Dinner with Sam is planned for Thursday.") in nudge.message
    assert "You haven't seen Ana in person for 3 weeks — you usually meet every week." \
        in nudge.message
    assert "You haven't seen Ben in person for 4 weeks — you wanted to meet every 2 weeks." \
        in nudge.message
    assert "Cem" not in nudge.message


def test_one_digest_a_day_and_each_name_once_a_week(berlin):
    [first] = decide(at(10), state(people_due=[SAM]), berlin)
    assert decide(at(16), state(people_due=[SAM, ANA], past_nudges=[first]), berlin) == []
    named = last_named([(first.key, first.at)])
    # the next day Sam was named less than a week ago: only Ana
    [second] = decide(at(10, day=3), state(people_due=[SAM, ANA], people_named=named), berlin)
    assert "Ana" in second.message and "Sam" not in second.message
    # a week later Sam may be named again
    assert "Sam" in decide(at(10, day=9), state(people_due=[SAM], people_named=named),
                           berlin)[0].message


def test_quiet_hours_snooze_and_the_daily_cap_apply(berlin):
    assert decide(at(7, 30), state(people_due=[SAM]), berlin) == []
    assert decide(at(23), state(people_due=[SAM]), berlin) == []
    assert decide(at(10), state(people_due=[SAM], snoozed_until=at(11)), berlin) == []
    four = [Nudge(at(8, 10 + i), "crowding_out", f"c{i}", "t", "m") for i in range(4)]
    assert decide(at(10), state(people_due=[SAM], past_nudges=four), berlin) == []


def test_nobody_planned_for_today_and_no_general_reconnect_the_same_day(berlin):
    today = Due(5, "Dee", 40, 7.0, None, at(19), "Dinner")
    assert decide(at(10), state(people_due=[today]), berlin) == []
    # days without anyone: the digest comes first, the general nudge stays silent that day
    lonely = PolicyState(category="other", app="code", last_in_person=at(20, day=1) - 5 * 86400)
    [digest] = decide(at(10), PolicyState(**{**lonely.__dict__, "people_due": [ANA]}), berlin)
    assert digest.key.startswith("reconnect:people:")
    assert decide(at(15), PolicyState(**{**lonely.__dict__, "past_nudges": [digest]}), berlin) == []
