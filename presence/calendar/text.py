"""Raw iCalendar bytes → clean, checked VCALENDAR texts ready for icalendar.

Real exports break the letter of RFC 5545 in ways a strict parser trips on (issue 3): a
byte-order mark, LF-only or CR-only line ends, folds that split a UTF-8 character in two (so the
bytes must be unfolded before they are decoded), TAB continuations, several VCALENDARs in one
feed, Windows zone names without a VTIMEZONE, and Outlook's "Customized Time Zone" defined
differently in every file. icalendar caches custom zones process-wide by TZID, so the first
file's definition would otherwise win for every later file: each custom TZID is renamed here to a
name derived from its own definition. Pure: bytes in, text out.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from presence.calendar.classify import CLASSIFIED_PROPERTIES
from presence.calendar.limits import MAX_COMPONENT_BYTES, MAX_EVENTS, NO_DEADLINE, Deadline
from presence.calendar.zones import iana_name, is_iana
from presence.errors import CalendarError
from presence.sanitise import visible

_NAME_RE = re.compile(rb"^[A-Za-z0-9-]+[;:]")
_TZID_RE = re.compile(r"tzid", re.IGNORECASE)
# The VEVENT properties presence reads: expansion, output, classification. The rest (DTSTAMP,
# X-ALT-DESC's HTML, ATTACH, client bookkeeping) is dropped before icalendar parses it: parsing
# is most of the cost of a sync, and those lines are often most of the bytes.
_EVENT_PROPERTIES = frozenset({
    "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID",
    "SEQUENCE", "STATUS", "SUMMARY", "LOCATION", "X-MICROSOFT-CDO-ALLDAYEVENT",
}) | CLASSIFIED_PROPERTIES
_PROPERTY_NAME = re.compile(r"[^;:]*")
# Components that may never contain themselves; a second BEGIN means the first was not closed.
# Real calendars nest three deep (VCALENDAR > VEVENT > VALARM); deeper is refused at once, so
# the structure check stays linear in the file whatever it holds.
MAX_NESTING = 10
# Lines handled between two looks at the deadline (a 25 MB file has about a million).
_CHECK_LINES = 8192
_NO_SELF_NESTING = {"VCALENDAR", "VEVENT", "VTODO", "VJOURNAL", "VTIMEZONE", "VFREEBUSY",
                    "STANDARD", "DAYLIGHT", "VALARM"}


@dataclass(frozen=True)
class CalendarText:
    """One VCALENDAR, unfolded and repaired, cut into pieces icalendar can parse one by one.

    Attributes:
        head: BEGIN:VCALENDAR and the calendar's own properties, CRLF-separated (no END).
        components: each VTIMEZONE, then each VEVENT, as CRLF-separated content lines.
        event_lines: the line (1-based, in the original file) of each kept VEVENT's BEGIN.
        unknown_zones: TZIDs used without a definition that no zone table knows.
        warnings: events left out before parsing (too large), each naming its line.
    """

    head: str
    components: tuple[str, ...]
    event_lines: tuple[int, ...]
    unknown_zones: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def logical_lines(data: bytes, source: str = "",
                  deadline: Deadline = NO_DEADLINE) -> Iterator[tuple[int, str]]:
    """Split raw bytes into unfolded, decoded content lines, one at a time: a check that
    fails at line 13 of a hostile feed never unfolds the rest of it.

    Args:
        data: the file or feed as read.
        source: how to name the file when the deadline passes.
        deadline: checked every `_CHECK_LINES` lines.

    Yields:
        (line number where the content line starts, text) for every non-blank content line.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # "replace": an odd length or a lone surrogate is a damaged character, not a failure
        data = data.decode("utf-16", "replace").encode("utf-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    started, pending = 0, None
    for number, line in enumerate(raw, start=1):
        if not number % _CHECK_LINES:
            deadline.check(source, f"at line {number}")
        if line[:1] in (b" ", b"\t"):
            if pending is not None:
                # RFC 5545 §3.1: a fold is CRLF plus exactly one space or TAB; joining the
                # bytes before decoding mends a UTF-8 character split across the fold.
                pending.extend(line[1:])
            continue
        if not line.strip():
            continue
        if pending is not None and not _NAME_RE.match(line):
            # A line with no property name is the tail of the previous one, wrapped by a
            # mail client or an editor that did not fold properly.
            pending.extend(line)
            continue
        if pending is not None:
            yield started, _decode(bytes(pending))
        started, pending = number, bytearray(line)
    if pending is not None:
        yield started, _decode(bytes(pending))


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        # Older Outlook versions export in the ANSI code page.
        return line.decode("cp1252", "replace")


def split_calendars(data: bytes, source: str,
                    deadline: Deadline = NO_DEADLINE) -> list[CalendarText]:
    """Check the BEGIN/END structure and return each VCALENDAR, repaired.

    Args:
        data: the raw bytes of one file or feed.
        source: how to name the file in errors (a path or a redacted URL).
        deadline: the source's deadline, checked every few thousand lines.

    Raises:
        CalendarError: not iCalendar at all, a component that is never closed or closed
            without being opened, nesting past `MAX_NESTING`, more than `MAX_EVENTS` events,
            calendar properties or a VTIMEZONE larger than `MAX_COMPONENT_BYTES`, or the
            deadline passed; the message names the file and the line.
    """
    lines = logical_lines(data, source, deadline)
    opening = next(lines, None)
    if opening is None:
        raise CalendarError(f"{source}: the calendar is empty")
    first = opening[1].strip().upper()
    if first != "BEGIN:VCALENDAR":
        hint = " (it looks like a web page)" if first.startswith(("<!DOCTYPE", "<HTML", "<?XML")) \
            else ""
        raise CalendarError(f"{source}: line {opening[0]}: not an iCalendar file{hint}: "
                            f"expected BEGIN:VCALENDAR")
    calendars: list[_Repair] = []
    stack: list[tuple[str, int]] = []
    events = 0
    number = opening[0]
    for number, line in itertools.chain([opening], lines):
        head = line[:6].upper()
        if head == "BEGIN:":
            name = line[6:].strip().upper()
            if name in _NO_SELF_NESTING and any(open_ == name for open_, _ in stack):
                open_line = next(n for open_, n in reversed(stack) if open_ == name)
                raise CalendarError(f"{source}: line {open_line}: BEGIN:{_shown(name)} is never "
                                    f"closed (another BEGIN:{_shown(name)} follows at line "
                                    f"{number})")
            if len(stack) >= MAX_NESTING:
                raise CalendarError(f"{source}: line {number}: components nested more than "
                                    f"{MAX_NESTING} deep")
            if name == "VEVENT":
                events += 1
                if events > MAX_EVENTS:
                    raise CalendarError(f"{source}: line {number}: more than {MAX_EVENTS} "
                                        "events; presence reads calendars up to that size "
                                        "(subscribe to a shorter range, or split the file)")
            if not stack:
                if name != "VCALENDAR":
                    raise CalendarError(f"{source}: line {number}: BEGIN:{_shown(name)} outside "
                                        "a VCALENDAR")
                calendars.append(_Repair(source, number))
            stack.append((name, number))
        elif head[:4] == "END:":
            name = line[4:].strip().upper()
            if not any(open_ == name for open_, _ in stack):
                raise CalendarError(f"{source}: line {number}: END:{_shown(name)} without a "
                                    f"matching BEGIN:{_shown(name)}")
            if stack[-1][0] != name:
                open_name, open_line = stack[-1]
                raise CalendarError(f"{source}: line {open_line}: BEGIN:{_shown(open_name)} is "
                                    f"never closed (END:{_shown(name)} follows at line {number})")
            stack.pop()
        elif not stack:
            # Junk between or after calendars (a trailing HTML footer, a stray comment) is
            # not part of any calendar; RFC 5545 has nothing to say about it.
            continue
        calendars[-1].add(number, line)
    if stack:
        open_name, open_line = stack[-1]
        raise CalendarError(f"{source}: line {open_line}: BEGIN:{_shown(open_name)} is never "
                            f"closed (the file ends at line {number})")
    return [repair.finish() for repair in calendars]


def _shown(name: str) -> str:
    """A component's name as an error may quote it: one short, visible line."""
    return visible(name, 40)


class _Repair:
    """Keep what presence reads, VTIMEZONEs first; rename custom zones, map Windows names.

    Only calendar properties, VTIMEZONEs and VEVENTs (without their VALARMs, and with only the
    properties presence reads) are kept: a broken alarm or to-do would otherwise fail the whole
    calendar in icalendar, and presence reads neither. An event larger than
    `MAX_COMPONENT_BYTES` is left out with a warning, so that no one piece icalendar parses
    can outlast the deadline by much. Lines are taken one at a time and each event is kept as
    one string from its END on: the calendar's lines are never all held at once (issue 14).
    """

    def __init__(self, source: str, number: int) -> None:
        self.source, self.number = source, number
        self.head: list[str] = []
        self.zones: list[tuple[int, list[str]]] = []
        self.events: list[tuple[int, str]] = []
        self.warnings: list[str] = []
        self.current: list[str] | None = None  # the VTIMEZONE or VEVENT being read
        self.started = 0
        self.in_event = False
        self.skip_depth = 0
        self.depth = 0

    def add(self, number: int, line: str) -> None:
        """Take the calendar's next content line."""
        upper = line[:16].upper()
        is_begin, is_end = upper.startswith("BEGIN:"), upper.startswith("END:")
        if is_begin:
            self.depth += 1
        if self.skip_depth:
            if is_end and self.depth == self.skip_depth:
                self.skip_depth = 0
            if is_end:
                self.depth -= 1
            return
        if is_begin and self.depth == 2:
            self.in_event = upper.startswith("BEGIN:VEVENT")
            if self.in_event or upper.startswith("BEGIN:VTIMEZONE"):
                self.current, self.started = [], number
                if not self.in_event:
                    self.zones.append((number, self.current))
            else:
                self.skip_depth = self.depth
                return
        elif is_begin and self.depth == 3 and self.in_event:
            self.skip_depth = self.depth
            return
        elif self.in_event and not is_end and \
                _PROPERTY_NAME.match(line).group().upper() not in _EVENT_PROPERTIES:
            return
        (self.current if self.current is not None else self.head).append(line)
        if is_end:
            if self.depth == 2:
                if self.in_event and self.current is not None:
                    self._event_done(self.started, self.current)
                self.current, self.in_event = None, False
            self.depth -= 1

    def _event_done(self, number: int, lines: list[str]) -> None:
        if sum(len(line) + 2 for line in lines) <= MAX_COMPONENT_BYTES:
            self.events.append((number, "".join(line + "\r\n" for line in lines)))
            return
        uid = next((_value(line) for line in lines if line[:4].upper() == "UID:"), "?")
        self.warnings.append(f"{self.source}: line {number}: event {visible(uid, 80)} "
                             f"skipped: it is larger than {MAX_COMPONENT_BYTES // 1024} KiB")

    def finish(self) -> CalendarText:
        """The calendar, repaired, once its END:VCALENDAR was taken.

        Raises:
            CalendarError: its properties or a VTIMEZONE are larger than
                `MAX_COMPONENT_BYTES`.
        """
        source, head, zones = self.source, self.head, self.zones
        head.pop()  # END:VCALENDAR
        for number, lines in [(self.number, head), *zones]:
            if sum(len(line) + 2 for line in lines) > MAX_COMPONENT_BYTES:
                what = "the calendar's properties are" if lines is head else "a VTIMEZONE is"
                raise CalendarError(f"{source}: line {number}: {what} larger than "
                                    f"{MAX_COMPONENT_BYTES // 1024} KiB; not a calendar "
                                    "presence reads")

        renames: dict[str, str] = {}
        for _, zone in zones:
            tzid = next((_unescape(_value(line)) for line in zone
                         if line[:5].upper() == "TZID:"), None)
            if tzid is None or is_iana(tzid):
                continue
            body = "\n".join(line for line in zone if line[:5].upper() != "TZID:")
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
            renames[tzid] = f"{tzid} ~{digest}"

        unknown: list[str] = []

        def rename(tzid: str) -> str:
            if tzid in renames:
                return renames[tzid]
            mapped = iana_name(tzid)
            if mapped is None:
                if tzid not in unknown:
                    unknown.append(tzid)
                return tzid
            return mapped

        def text(lines: list[str]) -> str:
            return "".join((_rewrite_tzid(line, rename) if _TZID_RE.search(line) else line)
                           + "\r\n" for line in lines)

        def event(body: str) -> str:
            return text(body[:-2].split("\r\n")) if _TZID_RE.search(body) else body

        return CalendarText(head=text(head),
                            components=(*(text(lines) for _, lines in zones),
                                        *(event(body) for _, body in self.events)),
                            event_lines=tuple(number for number, _ in self.events),
                            unknown_zones=tuple(unknown), warnings=tuple(self.warnings))


def _value(line: str) -> str:
    _, _, value = line.partition(":")
    return value.strip()


def _unescape(text: str) -> str:
    """A TZID property is TEXT (commas escaped); a TZID parameter is not: compare them plain."""
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def _split_unquoted(text: str, separator: str) -> list[str]:
    parts, start, quoted = [], 0, False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _rewrite_tzid(line: str, rename) -> str:
    """Rewrite the TZID parameter (or a VTIMEZONE's TZID property) of one content line."""
    if line[:5].upper() == "TZID:":
        return "TZID:" + _escape(rename(_unescape(_value(line))))
    quoted, colon = False, -1
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            colon = i
            break
    if colon < 0:
        return line
    head, value = line[:colon], line[colon + 1:]
    parts = _split_unquoted(head, ";")
    changed = False
    for i, part in enumerate(parts[1:], start=1):
        key, eq, raw = part.partition("=")
        if eq and key.strip().upper() == "TZID":
            new = rename(raw.strip().strip('"'))
            parts[i] = f'TZID="{new}"' if any(c in new for c in ';:,') else f"TZID={new}"
            changed = True
    return ";".join(parts) + ":" + value if changed else line
