"""The per-person half of `reconnect` (pure): someone you usually see is overdue.

DESIGN §3 Nudges: the `reconnect` nudge also names people who are `due` or `drifting` — one
digest a day at most, naming at most three people, each at most once a week, with true numbers
("You haven't seen Sam in person for 6 weeks — you usually meet every 2 weeks. Dinner with Sam
is planned for Tuesday."), and an invitation to make a plan when there is none. Quiet hours,
snooze and the daily cap apply as for every nudge (the policy checks them before any rule).

The digest's key carries the person ids it named (`reconnect:people:2026-03-02:4-17`), so the
daemon finds who was named in the last week from the stored nudges alone, and a forgotten
person leaves no name behind in a key.
"""

from __future__ import annotations

import math

from collections.abc import Mapping, Sequence
from presence.frozen import frozen
from datetime import date, datetime, tzinfo

from presence.nudges.text import join_names, pick
from presence.people.ledger import DRIFTING, DUE, Ledger
from presence.people.render import rhythm, span

PREFIX = "reconnect:people:"
MAX_NAMES = 3
WEEK_SECONDS = 7 * 86400.0


@frozen
class Due:
    """Someone overdue, as the digest names them."""

    person_id: int
    name: str
    days_since: int
    cadence_days: float | None
    goal_days: int | None
    next_at: float | None
    next_label: str | None


def due_people(ledgers: Sequence[Ledger]) -> tuple[Due, ...]:
    """The due and drifting people of a ranked ledger list, most overdue first."""
    return tuple(Due(l.person.id, l.person.name, l.days_since or 0, l.cadence_days,
                     l.person.goal_days, l.next, l.next_label)
                 for l in ledgers if l.status in (DUE, DRIFTING) and l.days_since is not None)


def named_in(key: str) -> tuple[date, tuple[int, ...]] | None:
    """The day and person ids a digest key names; None for any other key."""
    if not key.startswith(PREFIX):
        return None
    day, _, ids = key[len(PREFIX):].partition(":")
    try:
        return date.fromisoformat(day), tuple(int(i) for i in ids.split("-") if i)
    except ValueError:
        return None


def last_named(keys_at: Sequence[tuple[str, float]]) -> dict[int, float]:
    """Person id → when a digest last named them, from (key, at) of stored nudges."""
    out: dict[int, float] = {}
    for key, at in keys_at:
        found = named_in(key)
        for person_id in found[1] if found else ():
            out[person_id] = max(at, out.get(person_id, at))
    return out


def pick_people(due: Sequence[Due], named: Mapping[int, float], now: float,
                day: tuple[float, float]) -> list[Due]:
    """At most three overdue people not named in the last week and not planned for today."""
    chosen = []
    for person in due:
        if now - named.get(person.person_id, -WEEK_SECONDS) < WEEK_SECONDS:
            continue
        if person.next_at is not None and day[0] <= person.next_at < day[1]:
            continue  # they are seeing them today: nothing to say
        chosen.append(person)
        if len(chosen) == MAX_NAMES:
            break
    return chosen


def named_again(due: Sequence[Due], named: Mapping[int, float], now: float) -> float:
    """The first moment after `now` at which someone due, named in the last week, may be
    named again (`pick_people`); inf when no one waits for that."""
    return min([at + WEEK_SECONDS for person in due
                if (at := named.get(person.person_id)) is not None
                and at + WEEK_SECONDS > now] + [math.inf])


def key_for(today: date, chosen: Sequence[Due]) -> str:
    """The digest's key: the day and the ids it names."""
    return f"{PREFIX}{today.isoformat()}:{'-'.join(str(p.person_id) for p in chosen)}"


def _when(at: float, now: float, tz: tzinfo) -> str:
    day = datetime.fromtimestamp(at, tz)
    ahead = (day.date() - datetime.fromtimestamp(now, tz).date()).days
    if ahead == 1:
        return "tomorrow"
    if ahead < 7:
        return day.strftime("%A")
    return f"{day.day} {day:%B}"


def line(person: Due, key: str, now: float, tz: tzinfo) -> str:
    """One person's sentence (or two) of the digest, every number from their ledger."""
    since = span(person.days_since)
    if person.goal_days:
        usual = f"you wanted to meet {rhythm(person.goal_days)}"
    elif person.cadence_days:
        usual = f"you usually meet {rhythm(person.cadence_days)}"
    else:
        usual = ""
    text = f"You haven't seen {person.name} in person for {since}" + (
        f" — {usual}." if usual else ".")
    if person.next_at is not None:
        plan = (person.next_label or "").strip() or "Something"
        return f"{text} {plan} is planned for {_when(person.next_at, now, tz)}."
    return text + " " + pick(f"{key}:{person.person_id}", (
        "Maybe send a message and plan something?",
        "A coffee or a walk this week?",
        "Worth finding a date?"))


def digest(chosen: Sequence[Due], key: str, now: float, tz: tzinfo) -> tuple[str, str]:
    """The digest's (title, message)."""
    names = join_names([p.name for p in chosen])
    title = pick(key + ":t", (f"Time to see {names}?", f"Missing {names}?",
                              f"It's been a while: {names}"))
    return title, " ".join(line(p, key, now, tz) for p in chosen)
