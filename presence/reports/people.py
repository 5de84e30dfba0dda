"""The People section of `summary --week` and `report` (pure): who you saw in the period,
who is due or drifting, and a dot per week over the last 12 weeks for each of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from presence.people.ledger import DRIFTING, DUE, Ledger, tail
from presence.reports.summary import PersonMinutes
from presence.timeline import covered_seconds, day_bounds

WEEKS = 12
# Most people in the timeline: the page stays a page.
MAX_ROWS = 15


@dataclass(frozen=True)
class PersonRow:
    """One person in the section.

    Attributes:
        name: who.
        status: their ledger status (`ok`, `due`, `drifting`, `new`).
        days_since: whole days since last seen, or None.
        weeks: minutes together in each of the 12 weeks, oldest first (the last ends with the
            period's last day).
    """

    name: str
    status: str
    days_since: int | None
    weeks: tuple[float, ...]


@dataclass(frozen=True)
class PeopleSection:
    """Who you saw, who is drifting, and the 12-week timeline.

    Attributes:
        seen: who you saw in the period, longest first.
        overdue: people who are due or drifting, most overdue first.
        rows: the timeline's people: those seen in the 12 weeks, then the overdue ones.
        week_starts: the first day of each of the 12 weeks.
    """

    seen: tuple[PersonMinutes, ...]
    overdue: tuple[PersonRow, ...]
    rows: tuple[PersonRow, ...]
    week_starts: tuple[date, ...]


def first_day(last: date) -> date:
    """The first day of the timeline's 12 weeks that end with `last` (the ledgers passed to
    `section` must hold every occasion from it on)."""
    return last - timedelta(days=7 * WEEKS - 1)


def section(ledgers: Sequence[Ledger], seen: Sequence[PersonMinutes], last: date,
            tz: tzinfo) -> PeopleSection:
    """Build the section from everyone's ledger (ranked) and who the period's days saw."""
    starts = tuple(first_day(last) + timedelta(days=7 * i) for i in range(WEEKS))
    bounds = [(day_bounds(s, tz)[0], day_bounds(s + timedelta(days=6), tz)[1]) for s in starts]
    rows = []
    for item in ledgers:
        recent = tail(item.past, bounds[0][0])
        weeks = tuple(covered_seconds(recent, a, b) / 60 for a, b in bounds)
        rows.append(PersonRow(item.person.name, item.status, item.days_since, weeks))
    overdue = tuple(r for r in rows if r.status in (DUE, DRIFTING))
    active = [r for r in rows if any(r.weeks)]
    listed = sorted(active, key=lambda r: -sum(r.weeks)) + [r for r in overdue
                                                            if r not in active]
    return PeopleSection(tuple(seen), overdue, tuple(listed[:MAX_ROWS]), starts)


def dots(row: PersonRow, ascii: bool = False) -> str:
    """The row's 12 weeks as dots: filled where you met, hollow where you did not."""
    full, empty = ("*", ".") if ascii else ("●", "·")
    return "".join(full if minutes > 0 else empty for minutes in row.weeks)
