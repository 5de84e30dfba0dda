"""icalendar's parse of a calendar's components, a bounded chunk at a time.

One call of icalendar's parser cannot be interrupted: it is given at most `BATCH_COMPONENTS`
components or `BATCH_BYTES` of text at once (a larger component goes alone), and the source's
deadline is looked at between two chunks. Imported only when a source is parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from presence.calendar.limits import BATCH_BYTES, BATCH_COMPONENTS, Deadline, zone_problem
from presence.calendar.text import CalendarText
from presence.errors import CalendarError
from presence.sanitise import visible


def parse_head(text: CalendarText, source: str, deadline: Deadline) -> Any:
    """icalendar's parse of a calendar's own properties and its VTIMEZONEs. icalendar
    remembers each zone as it parses it, so the events of every later batch can use them.

    Raises:
        CalendarError: icalendar cannot read them, a zone's rules change its offset too often
            (`limits.zone_problem`), or the deadline passed.
    """
    from presence.calendar.quick_lines import parse_lines

    zones = text.components[:len(text.components) - len(text.event_lines)]
    try:
        calendar = parse_lines(text.head + "END:VCALENDAR\r\n")
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _unreadable(source, exc) from exc
    for zone in _parse_components(zones, source, deadline, 0, len(zones)):
        problem = zone_problem(zone) if zone.name == "VTIMEZONE" else None
        if problem is not None:
            # as the calendar names it, without the content digest text.py adds to its TZID
            name = visible(str(zone.get("TZID", "")).rsplit(" ~", 1)[0], 80)
            raise CalendarError(f"{source}: time zone {name!r} refused: {problem}; fix or "
                                "remove that VTIMEZONE")
        calendar.add_component(zone)
    return calendar


def parse_events(texts: tuple[str, ...], source: str, deadline: Deadline, done: int,
                  total: int) -> list[Any]:
    """icalendar's parse of a batch's events, in the order given.

    Raises:
        CalendarError: icalendar cannot read one of them, or the deadline passed between two
            chunks (`done` of `total` components were parsed before this batch).
    """
    return [event for event in _parse_components(texts, source, deadline, done, total)
            if event.name == "VEVENT"]


def _parse_components(texts: tuple[str, ...], source: str, deadline: Deadline, done: int,
                      total: int) -> list[Any]:
    """Parse components a chunk at a time: one call of the parser cannot be interrupted, so
    each is given a bounded piece and the deadline is looked at between two."""
    from presence.calendar.quick_lines import parse_lines

    parsed: list[Any] = []
    try:
        for count, chunk in _chunks(texts):
            deadline.check(source, f"after parsing {done:,} of {total:,} components" if done
                           else f"before parsing its {total:,} components")
            piece = parse_lines("BEGIN:VCALENDAR\r\n" + chunk + "END:VCALENDAR\r\n")
            parsed.extend(piece.subcomponents)
            done += count
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _unreadable(source, exc) from exc
    return parsed


def _unreadable(source: str, exc: Exception) -> CalendarError:
    # icalendar quotes the input it could not read, newlines and all
    return CalendarError(f"{source}: cannot read the calendar: {visible(exc, 200)}")


def _chunks(components: tuple[str, ...]) -> Iterator[tuple[int, str]]:
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
