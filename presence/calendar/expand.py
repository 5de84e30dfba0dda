"""ICS bytes → the classified event instances of a time window.

`parse_calendar()` reads one source's bytes once (the expensive part); `ParsedCalendar.instances()`
expands its series into the instances that overlap a window and classifies each one. The daemon
keeps a `ParsedCalendar` for as long as its source's bytes do not change (issue 3, item 5).
`load_instances()` does both in one call.

Expansion uses recurring-ical-events (RRULE, RDATE, EXDATE, moved and cancelled instances,
bounded in `series.py`) on icalendar's parse of text that `text.py` has unfolded, repaired and
cut into components; both look at the source's `Deadline` between bounded steps. Times with no
zone at all are floating: they take the calendar's X-WR-TIMEZONE if it has one, else the
configured zone; a time with a TZID or a Z is never moved. Pure: bytes and times in, values out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from presence.calendar.classify import IN_PERSON, Rules, classify, invited, text_of
from presence.calendar.limits import (
    BATCH_BYTES,
    BATCH_COMPONENTS,
    NO_DEADLINE,
    Deadline,
    too_frequent,
)
from presence.calendar.settings import CalendarSettings
from presence.calendar.sources import unexpected
from presence.calendar.text import CalendarText, split_calendars
from presence.calendar.zones import iana_name, iana_zone
from presence.errors import CalendarError
from presence.model import Meeting, Named
from presence.sanitise import visible
from presence.people.names import event_people

if TYPE_CHECKING:
    from presence.calendar.series import Budget

UTC = timezone.utc
# Floating and all-day times are compared after they are placed in a zone; asking the expander
# for a day more on each side covers every UTC offset (at most ±14 h).
_PAD = timedelta(days=1)
# Properties whose parse failure makes an event unusable; other broken properties are ignored.
_VITAL = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
# Instances turned into meetings between two looks at the deadline.
_CHECK_INSTANCES = 512


@dataclass(frozen=True)
class LoadResult:
    """The instances of a window, sorted by start, and what was skipped on the way.

    Attributes:
        meetings: one `Meeting` per instance (cancelled ones are left out).
        warnings: one line per broken event or unknown zone, naming the source and UID.
    """

    meetings: tuple[Meeting, ...]
    warnings: tuple[str, ...] = ()


@dataclass
class _Part:
    """One VCALENDAR of a source, parsed."""

    query: Any
    floating: tzinfo
    rules: Rules
    budget: Budget
    verdicts: dict[tuple[int, bool], tuple[str, str]] = field(default_factory=dict)
    people: dict[int, tuple[Named, ...]] = field(default_factory=dict)


class ParsedCalendar:
    """One source's calendars, parsed once and expanded for any window.

    Build it with `parse_calendar()`. Not thread-safe: use one per thread.
    """

    def __init__(self, source: str, parts: list[_Part], warnings: list[str],
                 settings: CalendarSettings) -> None:
        self.source = source
        self.settings = settings
        self.warnings: tuple[str, ...] = tuple(warnings)
        self._parts = parts

    def instances(self, start: datetime, end: datetime,
                  deadline: Deadline = NO_DEADLINE) -> LoadResult:
        """The instances that overlap [start, end), classified.

        Args:
            start: aware start of the window.
            end: aware end of the window (exclusive).
            deadline: the source's deadline, checked series by series.

        Returns:
            The meetings sorted by start, with the parse warnings and any series that failed
            to expand.

        Raises:
            CalendarError: the deadline passed (the message names the source).
        """
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the window must be given as aware datetimes")
        try:
            return self._instances(start.astimezone(UTC), end.astimezone(UTC), deadline)
        except CalendarError:
            raise
        except Exception as exc:  # noqa: BLE001 - a surprise in one file fails that file alone
            raise CalendarError(f"{self.source}: cannot expand the calendar "
                                f"({unexpected(exc)})") from None

    def _instances(self, start: datetime, end: datetime, deadline: Deadline) -> LoadResult:
        seen: set[tuple[str, Any]] = set()
        meetings: list[tuple[datetime, Meeting]] = []
        warnings = list(self.warnings)
        for part in self._parts:
            part.budget.failures.clear()
            part.budget.deadline = deadline
            for count, occurrence in enumerate(part.query.between(start - _PAD, end + _PAD)):
                if not count % _CHECK_INSTANCES:
                    deadline.check(self.source, "while classifying its events")
                made = self._meeting(part, occurrence, start, end)
                if made is not None and (made[1].uid, made[1].start) not in seen:
                    seen.add((made[1].uid, made[1].start))
                    meetings.append(made)
            warnings.extend(f"{self.source}: event {visible(uid, 80)} skipped: {why}"
                            for uid, why in part.budget.failures)
        meetings.sort(key=lambda pair: (pair[0], pair[1].uid))
        return LoadResult(tuple(m for _, m in meetings), tuple(warnings))

    def _meeting(self, part: _Part, occurrence: Any, start: datetime,
                 end: datetime) -> tuple[datetime, Meeting] | None:
        event = occurrence.event
        if text_of(event, "STATUS").upper() == "CANCELLED":
            return None
        first, last = occurrence.start, occurrence.end
        all_day = not isinstance(first, datetime)
        if all_day:
            zone = self.settings.tz
            key = datetime.combine(first, time(), zone).astimezone(UTC)
            stop = datetime.combine(last, time(), zone).astimezone(UTC)
        else:
            if first.tzinfo is None:
                first, last = first.replace(tzinfo=part.floating), last.replace(
                    tzinfo=part.floating)
            if _outlook_all_day(event, first, last):
                all_day = True
                first, last = first.date(), last.date()
                key = datetime.combine(first, time(), self.settings.tz).astimezone(UTC)
                stop = datetime.combine(last, time(), self.settings.tz).astimezone(UTC)
            else:
                first, last = first.astimezone(UTC), last.astimezone(UTC)
                key, stop = first, last
        if not (key < end and (stop > start or (stop == key and key >= start))):
            return None
        verdict = part.verdicts.get((id(event), all_day))
        if verdict is None:
            verdict = part.verdicts[(id(event), all_day)] = classify(event, all_day, part.rules)
        who: tuple[Named, ...] = ()
        if verdict[0] == IN_PERSON:
            who = part.people.get(id(event)) or ()
            if id(event) not in part.people:
                who = part.people[id(event)] = _people(event, part.rules)
        return key, Meeting(
            source=self.source, uid=_uid(event), summary=text_of(event, "SUMMARY"),
            start=first, end=last, all_day=all_day,
            location=text_of(event, "LOCATION"), kind=verdict[0], reason=verdict[1],
            people=who)


def _people(event: Any, rules: Rules) -> tuple[Named, ...]:
    """Who an in-person event names: its other attendees, then the names in its title."""
    found = invited(event, rules.owners)
    return event_people(found.people, text_of(event, "SUMMARY"),
                        rules.own_names | found.own_names)


def _outlook_all_day(event: Any, first: datetime, last: datetime) -> bool:
    """Outlook marks some all-day events only with X-MICROSOFT-CDO-ALLDAYEVENT, midnight to
    midnight in a zone, rather than with DATE values."""
    if text_of(event, "X-MICROSOFT-CDO-ALLDAYEVENT").upper() != "TRUE":
        return False
    return first.time() == time() and last.time() == time() and last > first


def _uid(event: Any) -> str:
    uid = text_of(event, "UID")
    if uid:
        return uid
    # Without a UID, an event still needs a stable name for the store and for warnings.
    start = event["DTSTART"].to_ical() if "DTSTART" in event else b""
    seed = f"{event.get('SUMMARY', '')}|{start!r}"
    return "no-uid-" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:16]


def parse_calendar(data: bytes, source: str, settings: CalendarSettings,
                   deadline: Deadline = NO_DEADLINE) -> ParsedCalendar:
    """Parse one source's bytes (a file or a feed with one or more VCALENDARs).

    Args:
        data: the raw bytes, as read.
        source: the name used in meetings and messages (a path or a redacted URL).
        settings: zone, owners and classification words.
        deadline: the source's deadline, checked between every two batches of components.

    Returns:
        A `ParsedCalendar`; its `warnings` name the events that were skipped and why.

    Raises:
        CalendarError: the file cannot be read at all, or not before the deadline; the
            message names the file (and the line).
    """
    warnings: list[str] = []
    parts: list[_Part] = []
    try:
        for text in split_calendars(data, source, deadline):
            warnings.extend(text.warnings)
            calendar = _parse(text, source, deadline)
            parts.append(_part(calendar, text, source, settings, warnings, deadline))
    except CalendarError:
        raise
    except Exception as exc:  # noqa: BLE001 - a surprise in one file fails that file alone
        raise CalendarError(f"{source}: cannot read the calendar ({unexpected(exc)})") \
            from None
    return ParsedCalendar(source, parts, warnings, settings)


def _parse(text: CalendarText, source: str, deadline: Deadline) -> Any:
    """icalendar's parse of one calendar, a batch of components at a time: one call of the
    parser cannot be interrupted, so each is given a bounded piece and the deadline is looked
    at between two. The VTIMEZONEs come first, so icalendar knows every zone before the
    events that use it."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text.head + "END:VCALENDAR\r\n")
        done = 0
        for count, batch in _batches(text.components):
            deadline.check(source, f"after parsing {done:,} of {len(text.components):,} "
                                   "components" if done else
                                   f"before parsing its {len(text.components):,} components")
            piece = Calendar.from_ical("BEGIN:VCALENDAR\r\n" + batch + "END:VCALENDAR\r\n")
            for component in piece.subcomponents:
                calendar.add_component(component)
            done += count
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        # icalendar quotes the input it could not read, newlines and all
        raise CalendarError(f"{source}: cannot read the calendar: {visible(exc, 200)}") \
            from exc
    return calendar


def _batches(components: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(how many, their text) for runs of components of at most `BATCH_COMPONENTS` and
    `BATCH_BYTES` (a larger component goes alone)."""
    batch: list[str] = []
    size = 0
    for component in components:
        if batch and (len(batch) >= BATCH_COMPONENTS or size + len(component) > BATCH_BYTES):
            yield len(batch), "".join(batch)
            batch, size = [], 0
        batch.append(component)
        size += len(component)
    if batch:
        yield len(batch), "".join(batch)


def load_instances(data: bytes, source: str, start: datetime, end: datetime,
                   settings: CalendarSettings, deadline: Deadline = NO_DEADLINE) -> LoadResult:
    """Parse a source's bytes and return the classified instances overlapping [start, end).

    Args:
        data: the raw bytes of a file or feed.
        source: the name used in meetings and messages (a path or a redacted URL).
        start: aware start of the window.
        end: aware end of the window (exclusive).
        settings: zone, owners and classification words.
        deadline: the source's deadline, over the parse and the expansion.

    Raises:
        CalendarError: the file cannot be read at all, or not before the deadline (names the
            file and line).
    """
    return parse_calendar(data, source, settings, deadline).instances(start, end, deadline)


def _part(calendar: Any, text: CalendarText, source: str, settings: CalendarSettings,
          warnings: list[str], deadline: Deadline) -> _Part:
    from presence.calendar.series import Budget, bounded_query

    floating = settings.tz
    wr_zone = text_of(calendar, "X-WR-TIMEZONE")
    if wr_zone:
        name = iana_name(wr_zone)
        if name is None:
            warnings.append(f"{source}: unknown X-WR-TIMEZONE {wr_zone!r}; floating times are "
                            "taken in the configured zone")
        else:
            floating = iana_zone(name)
    for tzid in text.unknown_zones:
        warnings.append(f"{source}: unknown time zone {tzid!r} (no VTIMEZONE); its times are "
                        "taken as floating")
    calname = text_of(calendar, "X-WR-CALNAME").lower()
    rules = settings.rules(calname if "@" in calname and " " not in calname else None)

    events = []
    for line, event in zip(text.event_lines,
                           (c for c in calendar.subcomponents if c.name == "VEVENT")):
        problem = _problem(event)
        if problem is not None:
            warnings.append(f"{source}: line {line}: event {visible(_uid(event), 80)} skipped: "
                            f"{problem}")
        else:
            events.append(event)
    budget = Budget(source)
    budget.deadline = deadline
    try:
        query = bounded_query(calendar, events, budget)
    except ValueError as exc:
        # recurring-ical-events refuses a whole calendar only for its CALSCALE.
        raise CalendarError(f"{source}: cannot expand the calendar: {visible(exc, 200)}") \
            from exc
    # Failures while building the series are permanent; those while expanding are per window.
    warnings.extend(f"{source}: event {visible(uid, 80)} skipped: {why}"
                    for uid, why in budget.failures)
    budget.failures.clear()
    return _Part(query=query, floating=floating, rules=rules, budget=budget)


def _problem(event: Any) -> str | None:
    for name, _message in getattr(event, "errors", ()):
        if name in _VITAL:
            raw = event.get(name)
            raw = raw[0] if isinstance(raw, list) else raw
            # icalendar keeps an unreadable value as vBroken, a str of the raw text.
            return f"{name} {str(raw)[:80] if raw is not None else ''!r} cannot be read"
    if "DTSTART" not in event:
        return "it has no DTSTART"
    return too_frequent(event)
