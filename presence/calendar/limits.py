"""What one calendar may cost to expand: the limits that keep a hostile feed bounded.

A 198-byte event with `RRULE:FREQ=SECONDLY` and no end would expand into millions of instances;
one with `FREQ=MINUTELY` since 2020 makes dateutil walk three million steps before the window
even starts. Such series are refused before they are expanded, by their shape
(`too_frequent`) and by an estimate of their cost (`expansion_steps`); what is expanded is cut
at `MAX_INSTANCES` per series. Reading, parsing and expanding one source share one wall-clock
`Deadline`, checked between every two bounded steps (a batch of components, a series, a run of
instances), so a source that takes too long fails alone. Pure: the clock is passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any, Callable

from presence.errors import CalendarDeadline

UTC = timezone.utc
# Instances of one series inside a window; rule steps one series may take from its DTSTART to
# the window's end (FREQ=MINUTELY since 2020 is 3 million of them); steps all the series of one
# calendar may take together.
MAX_INSTANCES = 5000
# Instances of all the series of one calendar inside a window, and events in one calendar
# (parsing costs a few ms an event: 20,000 of them are a long history, more is a flood).
MAX_WINDOW_INSTANCES = 10_000
MAX_EVENTS = 20_000
MAX_SERIES_STEPS = 100_000
MAX_CALENDAR_STEPS = 1_000_000
# icalendar parses about 0.7 MB/s here and cannot be interrupted: it is given the components
# in batches of at most this much text, one component is at most `MAX_COMPONENT_BYTES` (an
# event with 500 attendees is about 100 KB), and the deadline is checked between batches.
BATCH_BYTES = 64 * 1024
BATCH_COMPONENTS = 100
MAX_COMPONENT_BYTES = 256 * 1024
# Seconds one source may take to be read, parsed and expanded ([calendar] deadline_seconds).
DEFAULT_DEADLINE = 30.0
_PERIOD_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400,
                   "WEEKLY": 7 * 86400, "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
_EXPANDING_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY",
                    "BYWEEKNO", "BYMONTH", "BYSETPOS")


def too_frequent(event: Any) -> str | None:
    """Why `event`'s recurrence is refused outright (more often than once a minute, or an
    unknown FREQ), or None."""
    for rule in _rules(event):
        period = _PERIOD_SECONDS.get(str((rule.get("FREQ") or [""])[0]).upper())
        if period is None:
            return "its RRULE has no known FREQ"
        if not _positive(rule.get("INTERVAL") or [1]):
            # dateutil would never step past the first instance: it loops for good
            return "its RRULE's INTERVAL is not a positive number"
        if period * _interval(rule) < 60 or len(rule.get("BYSECOND") or ()) > 1:
            return "it repeats more often than once a minute"
    return None


# A zone's offset changes a few times a year; icalendar hands a VTIMEZONE's rules to dateutil,
# which walks them from their DTSTART (often 1601) at every offset it is asked for, in one call
# the deadline cannot interrupt: `FREQ=SECONDLY` there never answers.
_ZONE_FREQUENCIES = ("YEARLY", "MONTHLY")
MAX_ZONE_CHANGES_A_YEAR = 24


def zone_problem(zone: Any) -> str | None:
    """Why a parsed VTIMEZONE is refused (a rule that changes the offset more often than
    `MAX_ZONE_CHANGES_A_YEAR` times a year), or None."""
    for part in zone.subcomponents:
        for rule in _rules(part):
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            if freq not in _ZONE_FREQUENCIES:
                return (f"its {part.name} rule repeats {freq.lower() or 'with no FREQ'}, not "
                        "yearly or monthly")
            changes = _zone_changes(freq, rule)
            if changes > MAX_ZONE_CHANGES_A_YEAR:
                return f"its {part.name} rule changes the offset {changes:,} times a year"
    return None


def _zone_changes(freq: str, rule: Any) -> int:
    """At most how many times a year a yearly or monthly zone rule fires. Parts that choose
    days together narrow each other (RFC 5545: with BYMONTHDAY or BYYEARDAY, BYDAY only
    filters), so the old spelling of "the second Sunday of March" — BYMONTHDAY=8,…,14 with
    BYDAY=SU — counts 7, not 7 × 53; the hours, minutes and seconds chosen multiply."""
    def count(key: str) -> int:
        return len(rule.get(key) or ())

    months = count("BYMONTH")
    periods = (months or 12) if freq == "MONTHLY" else 1
    chosen = [n for n in (count("BYMONTHDAY"), count("BYYEARDAY")) if n]
    weekdays = rule.get("BYDAY") or ()
    if chosen:
        days = min(chosen)
    elif count("BYWEEKNO"):
        days = count("BYWEEKNO") * (len(weekdays) or 1)
    elif weekdays:  # "SU" is every Sunday of the month (or year), "-1SU" one of them
        whole = 5 if freq == "MONTHLY" or months else 53
        days = sum(1 if str(day)[:-2] else whole for day in weekdays)
    else:
        days = 1
    if freq == "YEARLY" and months and not count("BYYEARDAY"):
        days *= months
    changes = periods * days * (count("BYHOUR") or 1) * (count("BYMINUTE") or 1) * (
        count("BYSECOND") or 1)
    if count("BYSETPOS"):
        changes = min(changes, periods * count("BYSETPOS"))
    return changes


def _rules(event: Any) -> list[Any]:
    found = event.get("RRULE")
    return [] if found is None else found if isinstance(found, list) else [found]


def _positive(values: list[Any]) -> bool:
    try:
        return int(values[0]) >= 1
    except (TypeError, ValueError):
        return False


def _interval(rule: Any) -> int:
    try:
        return max(int((rule.get("INTERVAL") or [1])[0]), 1)
    except (TypeError, ValueError):
        return 1


def expansion_steps(event: Any, until: datetime) -> float:
    """About how many steps dateutil takes to expand `event`'s rules from its DTSTART up to
    `until` (it walks every step from DTSTART, whatever window is asked for)."""
    total = 0.0
    try:
        first = event["DTSTART"].dt
    except (KeyError, AttributeError):
        return 0.0
    if not isinstance(first, datetime):
        first = datetime.combine(first, time(), UTC)
    elif first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    seconds = (until - first).total_seconds()
    for rule in _rules(event):
        period = _PERIOD_SECONDS.get(str((rule.get("FREQ") or [""])[0]).upper(), 86400)
        steps = max(seconds, 0.0) / (period * _interval(rule)) + 1
        for part in _EXPANDING_PARTS:
            steps *= max(len(rule.get(part) or ()), 1)
        count = rule.get("COUNT")
        if count:
            try:
                steps = min(steps, float(count[0]))
            except (TypeError, ValueError):
                pass
        total += steps
    return total


@dataclass(frozen=True)
class Deadline:
    """When one source's read, parse and expansion must be over (issue 14).

    Attributes:
        seconds: the whole allowance, for messages.
        at: the moment it ends, on `steady`'s scale.
        steady: the monotonic clock, passed in (this module never reads the clock).
    """

    seconds: float
    at: float
    steady: Callable[[], float]

    @classmethod
    def after(cls, seconds: float, steady: Callable[[], float]) -> Deadline:
        """A deadline `seconds` from now on the `steady` clock."""
        return cls(seconds, steady() + seconds, steady)

    def extended(self, seconds: float) -> Deadline:
        """The same deadline, `seconds` later (for time that was not the source's own)."""
        return Deadline(self.seconds, self.at + seconds, self.steady)

    def remaining(self) -> float:
        """Seconds left (0 once passed; infinite for `NO_DEADLINE`)."""
        return max(self.at - self.steady(), 0.0)

    def check(self, source: str, doing: str) -> None:
        """Raise the source's one-line error once the deadline has passed.

        Args:
            source: the file or redacted URL, named in the message.
            doing: where it stopped, in words ("at line 8192", "while expanding ...").
        """
        if self.steady() >= self.at:
            raise CalendarDeadline(
                f"{source}: not read within the {self.seconds:g} s deadline (stopped {doing});"
                " subscribe to a shorter range or raise [calendar] deadline_seconds")


def _never() -> float:
    return 0.0


# For callers with no deadline of their own (tests of the parser, the benchmarks).
NO_DEADLINE = Deadline(math.inf, math.inf, _never)
