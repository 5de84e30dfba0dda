"""How the people ledger reads: `people --json`, the table, and the words for days (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from presence.model import Person
from presence.people.ledger import Ledger
from presence.people.names import normalise
from presence.sanitise import visible
from presence.timeline import iso_utc

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any


def utc_z(at: float | None) -> str | None:
    """UNIX seconds as UTC ISO 8601 with `Z` (DESIGN §2: one format in every document)."""
    return None if at is None else iso_utc(at)


def span(days: float) -> str:
    """Days as people say them: `10 days`, `6 weeks` (whole weeks, never rounded up)."""
    days = int(days)
    if days < 14:
        return "1 day" if days == 1 else f"{days} days"
    return f"{days // 7} weeks"


def ago(days: int | None) -> str:
    """`today`, `yesterday`, `5 days ago`, `6 weeks ago`; `never` when unknown."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{span(days)} ago"


def rhythm(days: float) -> str:
    """A usual gap as people say it: `every day`, `every 10 days`, `every 2 weeks`."""
    if days < 1.5:
        return "every day"
    if 6 <= days <= 8:
        return "every week"
    if days < 14:
        return f"every {round(days)} days"
    return f"every {round(days / 7)} weeks"


def other_names(person: Person) -> list[str]:
    """A person's aliases other than their display name."""
    return [a for a in person.aliases if a != normalise(person.name)]


def ledger_json(item: Ledger) -> dict[str, Any]:
    """One entry of `people --json` (DESIGN §2; keys are stable)."""
    person = item.person
    return {
        "name": person.name,
        "aliases": other_names(person),
        "last_seen": utc_z(item.last_seen),
        "days_since": item.days_since,
        "minutes_30d": round(item.minutes_30d, 1),
        "minutes_365d": round(item.minutes_365d, 1),
        "times_365d": item.times_365d,
        "cadence_days": item.cadence_days,
        "goal_days": person.goal_days,
        "status": item.status,
        "next": utc_z(item.next),
    }


def _local(at: float, tz: tzinfo) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%a %d %b %H:%M")


def table(items: Sequence[Ledger], tz: tzinfo) -> list[str]:
    """The `presence people` table: name, last seen, usual rhythm, status, next plan."""
    rows = [("NAME", "LAST SEEN", "RHYTHM", "STATUS", "NEXT")]
    for item in items:
        goal = item.person.goal_days
        usual = (f"{rhythm(goal)} (goal)" if goal else
                 rhythm(item.cadence_days) if item.cadence_days else "—")
        # names and titles came from calendars: shown visibly (escapes as text), so that the
        # columns line up and nothing reaches the terminal as a control sequence
        rows.append((visible(item.person.name, 40), ago(item.days_since), usual, item.status,
                     _local(item.next, tz) + (f"  {visible(item.next_label, 50)}"
                                              if item.next_label else "")
                     if item.next is not None else "—"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["  ".join(cell.ljust(widths[i]) if i < 4 else cell
                      for i, cell in enumerate(row)).rstrip() for row in rows]


def detail(item: Ledger, occasions: Sequence[tuple[float, float, str, str]],
           tz: tzinfo) -> list[str]:
    """`people show NAME`: the numbers, then every occasion with its source."""
    from presence.timeparse import format_minutes  # `people --json` and the table need none

    person = item.person
    also = [visible(a) for a in other_names(person)]
    lines = [visible(person.name) + (f"  (also: {', '.join(also)})" if also else "")]
    lines.append(f"  last seen: {ago(item.days_since)}"
                 + (f" ({_local(item.last_seen, tz)})" if item.last_seen is not None else ""))
    lines.append(f"  together: {format_minutes(item.minutes_30d)} in 30 days, "
                 f"{format_minutes(item.minutes_365d)} in 365 days, {item.times_365d} "
                 f"{'time' if item.times_365d == 1 else 'times'} in 365 days")
    if item.cadence_days:
        lines.append(f"  usual rhythm: {rhythm(item.cadence_days)}")
    if person.goal_days:
        lines.append(f"  goal: {rhythm(person.goal_days)}")
    lines.append(f"  status: {item.status}")
    if item.next is not None:
        lines.append(f"  next: {_local(item.next, tz)}  {visible(item.next_label or '')}".rstrip())
    lines.append("  occasions:" if occasions else "  no time in person on record yet")
    for start, end, source, label in occasions:
        minutes = round((end - start) / 60)
        lines.append(f"    {_local(start, tz)}  {minutes:>4} min  {source:<8}  "
                     f"{visible(label, 60)}".rstrip())
    return lines
