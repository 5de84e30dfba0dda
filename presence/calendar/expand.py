"""ICS bytes → the classified event instances of a time window.

`parse_calendar()` checks one source's bytes and cuts them into components (`text.py`), and
parses each calendar's own properties and zones; `ParsedCalendar.instances()` then parses,
expands and classifies the events a batch of whole series at a time (`batches.py`) and lets
each batch go, so that a sync's memory follows the batch, not the calendar (issue 14).
`load_instances()` does both in one call.

Expansion uses recurring-ical-events (RRULE, RDATE, EXDATE, moved and cancelled instances,
bounded in `series.py`) on icalendar's parse of text that `text.py` has unfolded and repaired;
both look at the source's `Deadline` between bounded steps. Times with no zone at all are
floating: they take the calendar's X-WR-TIMEZONE if it has one, else the configured zone; a
time with a TZID or a Z is never moved. Pure: bytes and times in, values out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from presence.calendar.classify import IN_PERSON, Rules, classify, invited, text_of
from presence.calendar.limits import (
    MAX_INSTANCES,
    NO_DEADLINE,
    Deadline,
    too_frequent,
)
from presence.calendar.settings import CalendarSettings
from presence.calendar.sources import unexpected
from presence.calendar.parsing import parse_events, parse_head
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


@dataclass(frozen=True)
class _Part:
    """One VCALENDAR of a source: its text, and its own properties and zones, parsed."""

    text: CalendarText
    calendar: Any
    floating: tzinfo
    rules: Rules


@dataclass
class _Found:
    """What an expansion has gathered so far, over every batch of one call."""

    meetings: list[tuple[datetime, Meeting]] = field(default_factory=list)
    seen: set[tuple[str, Any]] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class ParsedCalendar:
    """One source's calendars, checked and cut into components, ready to expand for a window.

    Build it with `parse_calendar()`. Each `instances()` parses the events a batch of series
    at a time (`batches.py`), expands and classifies that batch and lets it go, so that memory
    follows the batch rather than the calendar (issue 14). Not thread-safe: use one per thread.
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
            deadline: the source's deadline, checked batch by batch and series by series.

        Returns:
            The meetings sorted by start, with the parse warnings and any event or series
            that was skipped.

        Raises:
            CalendarError: an event cannot be parsed at all, or the deadline passed (the
                message names the source).
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
        from presence.calendar.batches import batches
        from presence.calendar.series import Budget

        found = _Found()
        for part in self._parts:
            events = part.text.components[len(part.text.components)
                                          - len(part.text.event_lines):]
            budget = Budget(self.source)
            budget.deadline = deadline
            done = 0
            for batch in batches(events, start, end):
                found.skipped.extend(f"{self.source}: event {visible(uid, 80)} skipped: its "
                                     f"series has more than {MAX_INSTANCES} events"
                                     for uid in batch.refused)
                parsed = parse_events(batch.texts, self.source, deadline, done, len(events))
                done += len(batch.events)
                self._expand(part, batch.events, parsed, budget, start, end, found)
        found.meetings.sort(key=lambda pair: (pair[0], pair[1].uid))
        return LoadResult(tuple(m for _, m in found.meetings),
                          (*self.warnings, *found.skipped, *found.failed))

    def _expand(self, part: _Part, indexes: tuple[int, ...], parsed: list[Any], budget: Budget,
                start: datetime, end: datetime, found: _Found) -> None:
        """Expand and classify one batch of parsed events into `found`."""
        from presence.calendar.series import bounded_query

        events = []
        for index, event in zip(indexes, parsed):
            problem = _problem(event)
            if problem is None:
                events.append(event)
            else:
                found.skipped.append(f"{self.source}: line {part.text.event_lines[index]}: "
                                     f"event {visible(_uid(event), 80)} skipped: {problem}")
        query = bounded_query(part.calendar, events, budget)
        # Failures while building the series come first, as the file's; then the expansion's.
        found.skipped.extend(f"{self.source}: event {visible(uid, 80)} skipped: {why}"
                             for uid, why in budget.failures)
        budget.failures.clear()
        # ids are those of this batch's events, which go with it: the caches go too
        verdicts: dict[tuple[int, bool], tuple[str, str]] = {}
        people: dict[int, tuple[Named, ...]] = {}
        facts: dict[int, _Facts | None] = {}
        for count, occurrence in enumerate(query.between(start - _PAD, end + _PAD)):
            if not count % _CHECK_INSTANCES:
                budget.deadline.check(self.source, "while classifying its events")
            made = self._meeting(part, occurrence, start, end, verdicts, people, facts)
            if made is not None and (made[1].uid, made[1].start) not in found.seen:
                found.seen.add((made[1].uid, made[1].start))
                found.meetings.append(made)
        found.failed.extend(f"{self.source}: event {visible(uid, 80)} skipped: {why}"
                            for uid, why in budget.failures)
        budget.failures.clear()

    def _meeting(self, part: _Part, occurrence: Any, start: datetime, end: datetime,
                 verdicts: dict[tuple[int, bool], tuple[str, str]],
                 people: dict[int, tuple[Named, ...]],
                 facts: dict[int, _Facts | None]) -> tuple[datetime, Meeting] | None:
        event = occurrence.event
        # read once per event, not once per instance (a weekly series has fifty)
        known = facts.get(id(event), False)
        if known is False:
            known = facts[id(event)] = _facts(event)
        if known is None:
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
            if known.outlook_all_day and _midnights(first, last):
                all_day = True
                first, last = first.date(), last.date()
                key = datetime.combine(first, time(), self.settings.tz).astimezone(UTC)
                stop = datetime.combine(last, time(), self.settings.tz).astimezone(UTC)
            else:
                first, last = first.astimezone(UTC), last.astimezone(UTC)
                key, stop = first, last
        if not (key < end and (stop > start or (stop == key and key >= start))):
            return None
        verdict = verdicts.get((id(event), all_day))
        if verdict is None:
            verdict = verdicts[(id(event), all_day)] = classify(event, all_day, part.rules)
        who: tuple[Named, ...] = ()
        if verdict[0] == IN_PERSON:
            who = people.get(id(event)) or ()
            if id(event) not in people:
                who = people[id(event)] = _people(event, part.rules)
        return key, Meeting(
            source=self.source, uid=known.uid, summary=known.summary,
            start=first, end=last, all_day=all_day,
            location=known.location, kind=verdict[0], reason=verdict[1],
            people=who)


def _people(event: Any, rules: Rules) -> tuple[Named, ...]:
    """Who an in-person event names: its other attendees, then the names in its title."""
    found = invited(event, rules.owners)
    return event_people(found.people, text_of(event, "SUMMARY"),
                        rules.own_names | found.own_names)


@dataclass(frozen=True)
class _Facts:
    """What every instance of an event shares, as a meeting shows it."""

    uid: str
    summary: str
    location: str
    # Outlook marks some all-day events only with X-MICROSOFT-CDO-ALLDAYEVENT, midnight to
    # midnight in a zone, rather than with DATE values.
    outlook_all_day: bool


def _facts(event: Any) -> _Facts | None:
    """An event's shared facts; None for a cancelled one (it has no instances to show)."""
    if text_of(event, "STATUS").upper() == "CANCELLED":
        return None
    return _Facts(uid=_uid(event), summary=text_of(event, "SUMMARY"),
                  location=text_of(event, "LOCATION"),
                  outlook_all_day=text_of(event, "X-MICROSOFT-CDO-ALLDAYEVENT").upper()
                  == "TRUE")


def _midnights(first: datetime, last: datetime) -> bool:
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
    """Read one source's bytes (a file or a feed with one or more VCALENDARs): check their
    structure, cut them into components and parse each calendar's own properties and zones.
    The events are parsed by `ParsedCalendar.instances()`, a batch at a time.

    Args:
        data: the raw bytes, as read.
        source: the name used in meetings and messages (a path or a redacted URL).
        settings: zone, owners and classification words.
        deadline: the source's deadline, checked every few thousand lines and between every
            two batches of zones.

    Returns:
        A `ParsedCalendar`; its `warnings` name what was left out and why.

    Raises:
        CalendarError: the file cannot be read at all, or not before the deadline; the
            message names the file (and the line).
    """
    warnings: list[str] = []
    parts: list[_Part] = []
    try:
        for text in split_calendars(data, source, deadline):
            warnings.extend(text.warnings)
            calendar = parse_head(text, source, deadline)
            parts.append(_part(calendar, text, source, settings, warnings))
    except CalendarError:
        raise
    except Exception as exc:  # noqa: BLE001 - a surprise in one file fails that file alone
        raise CalendarError(f"{source}: cannot read the calendar ({unexpected(exc)})") \
            from None
    return ParsedCalendar(source, parts, warnings, settings)


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
          warnings: list[str]) -> _Part:
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
    try:
        bounded_query(calendar, [], Budget(source))
    except ValueError as exc:
        # recurring-ical-events refuses a whole calendar only for its CALSCALE: said at once.
        raise CalendarError(f"{source}: cannot expand the calendar: {visible(exc, 200)}") \
            from exc
    return _Part(text=text, calendar=calendar, floating=floating, rules=rules)


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
