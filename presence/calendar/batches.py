"""A calendar's events cut into batches that can be parsed, expanded and let go one by one.

A sync used to hand icalendar every event of a calendar and expand them all at once, so its
memory followed the calendar: 190–300 MB for a feed of 20,000 events (issue 14, DESIGN §6: at
most 100 MB). A batch holds whole series — every VEVENT sharing a UID, the master and its moved
or cancelled instances (RECURRENCE-ID), wherever they stand in the file — so that a batch
expanded alone gives the instances the whole calendar would. Events that cannot touch the
window are left out before anything is parsed: a lone event with no RRULE, RDATE or
RECURRENCE-ID whose DTSTART and end, read from its raw lines, lie far outside it. Pure: text
in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from presence.calendar.limits import BATCH_BYTES, BATCH_COMPONENTS, MAX_INSTANCES

# A raw DTSTART or DTEND is read as if it were UTC; its real zone moves it by at most ±14 h,
# and the expander is asked for a day more on each side (expand.py): two days cover both.
_MARGIN = timedelta(days=2)
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?")
_DURATION = re.compile(r"\+?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
# Properties that make an event's instances depend on more than its own DTSTART and end.
_RECURRING = ("RRULE", "RDATE", "RECURRENCE-ID")


@dataclass(frozen=True)
class Batch:
    """Whole series of one calendar, small enough to parse and expand together.

    Attributes:
        events: the index of each event in the calendar's events (for its line number).
        texts: each event's content lines, as `text.py` repaired them.
        refused: the UIDs of series left out whole, with more than `MAX_INSTANCES` events.
    """

    events: tuple[int, ...]
    texts: tuple[str, ...]
    refused: tuple[str, ...] = ()


def batches(events: tuple[str, ...], start: datetime, end: datetime) -> Iterator[Batch]:
    """The events that may touch [start, end), grouped by UID, a few series at a time.

    Args:
        events: the calendar's VEVENTs, each as CRLF-separated content lines.
        start: aware start of the window (only compared, with a margin of days).
        end: aware end of the window.

    Yields:
        Batches of at most `BATCH_COMPONENTS` events and `BATCH_BYTES` of text, except that a
        series larger than that is a batch of its own (the parser cuts it further). A
        series of more than `MAX_INSTANCES` events (moved instances, or one UID repeated) is
        refused rather than held whole: it is named in the next batch's `refused`.
    """
    low = start.astimezone(timezone.utc).replace(tzinfo=None) - _MARGIN
    high = end.astimezone(timezone.utc).replace(tzinfo=None) + _MARGIN
    groups: dict[str, list[int]] = {}
    for index, text in enumerate(events):
        groups.setdefault(_uid(text) or f"\0{index}", []).append(index)
    chosen: list[int] = []
    refused: list[str] = []
    size = 0
    for uid, members in groups.items():
        if len(members) == 1 and _outside(events[members[0]], low, high):
            continue
        if len(members) > MAX_INSTANCES:
            refused.append(uid)
            continue
        weight = sum(len(events[i]) for i in members)
        if chosen and (len(chosen) + len(members) > BATCH_COMPONENTS
                       or size + weight > BATCH_BYTES):
            yield Batch(tuple(chosen), tuple(events[i] for i in chosen), tuple(refused))
            chosen, size, refused = [], 0, []
        chosen.extend(members)
        size += weight
    if chosen or refused:
        yield Batch(tuple(chosen), tuple(events[i] for i in chosen), tuple(refused))


def _lines(text: str) -> Iterator[tuple[str, str]]:
    """(upper-case name, raw value) of each property line of one component."""
    for line in text.split("\r\n"):
        name_end = len(line)
        for mark in (";", ":"):
            found = line.find(mark)
            if 0 <= found < name_end:
                name_end = found
        yield line[:name_end].upper(), line


def _uid(text: str) -> str:
    for name, line in _lines(text):
        if name == "UID":
            # as icalendar reads a TEXT value: escapes undone, then stripped (classify.text_of)
            value = line.partition(":")[2]
            return value.replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\").strip()
    return ""


def _outside(text: str, low: datetime, high: datetime) -> bool:
    """Whether a lone event surely ends before `low` or starts after `high` (False when its
    raw lines cannot say: it is then parsed like any other)."""
    first = last = None
    date_only = False
    duration: timedelta | None = None
    for name, line in _lines(text):
        if name in _RECURRING:
            return False
        if name == "DTSTART":
            first = _moment(line)
            if first is None:
                return False
            date_only = "T" not in line.rpartition(":")[2]
        elif name == "DTEND":
            last = _moment(line)
            if last is None:
                return False
        elif name == "DURATION":
            duration = _duration(line.rpartition(":")[2])
            if duration is None:
                return False
    if first is None:
        return False
    if last is None:
        last = first + (duration if duration is not None else
                        timedelta(days=1) if date_only else timedelta())
    return first > high or max(first, last) < low


def _moment(line: str) -> datetime | None:
    """A DTSTART or DTEND line's value as a naive date and time (None if it is not one
    plain value)."""
    value = line.rpartition(":")[2].strip()
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


def _duration(value: str) -> timedelta | None:
    match = _DURATION.fullmatch(value.strip())
    if match is None or not any(match.groups()):
        return None
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
