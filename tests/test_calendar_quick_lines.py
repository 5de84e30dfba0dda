"""Plain content lines are split without icalendar's character loops (round 4, DESIGN §6: a
2,000-event calendar in 2.5 s), and nothing a user sees may change for it: every line splits
as icalendar splits it, every component parses to the same properties, and every real fixture
gives the same meetings, kinds, reasons and warnings as with icalendar's own split."""

from __future__ import annotations

import importlib.util
import random
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icalendar.parser import Contentline

from presence.calendar import quick_lines
from presence.calendar.expand import CalendarSettings, load_instances
from presence.calendar.quick_lines import QuickLine, parse_lines
from presence.calendar.text import logical_lines, split_calendars
from presence.errors import CalendarError

UTC = timezone.utc
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "ics").glob("*.ics"))
WINDOW = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
SETTINGS = CalendarSettings.shipped(tz=ZoneInfo("Europe/Berlin"),
                                    owners=frozenset({"me@example.com"}))
# Lines whose heads icalendar must read itself: quotes, escapes, blanks around delimiters,
# carets, percent signs, commas, empty or odd parameters and names, no colon.
FALLBACK = [
    'ATTENDEE;CN="Doe, Jane";PARTSTAT=ACCEPTED:mailto:jane@example.com',
    "ATTENDEE;CN=Doe, Jane:mailto:jane@example.com",
    "ATTENDEE;CN = Ana ;PARTSTAT= DECLINED:mailto:ana@example.com",
    "ATTENDEE;CN=Caf^'e^n^^:mailto:c@example.com",
    "ATTENDEE;CN=100%25 Ana:mailto:a@example.com",
    "ATTENDEE;CN=A\\;B:mailto:a@example.com",
    "ATTENDEE;CN=:mailto:empty@example.com",
    "ATTENDEE;CN:mailto:nokey@example.com",
    "ATTENDEE;=x:mailto:nokey@example.com",
    "ATTENDEE;;CN=x:mailto:a@example.com",
    "ATTENDEE;CN=a=b:mailto:a@example.com",
    "X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE=\"Café\":geo:52.5,13.4",
    "DESCRIPTION;ALTREP=\"cid:part1@example.org\":The Fall'98 Wild",
    "DTSTART;TZID=\"Customized Time Zone ~0123456789ab\":20260302T093000",
    "X-WEIRD.NAME:value",
    "X WITH SPACE:value",
    " SUMMARY:leading blank",
    "SUMMARY",
    ":no name",
    ";CN=x:no name",
    "NAMÉ:unicode name",
]
# Plain heads, however odd the rest: split quickly, and still as icalendar splits them.
QUICK = [
    "ATTENDEE;cn=ana;CN=Ana B;Cn=third:mailto:ana@example.com",
    "ATTENDEE;CN=José Müller:mailto:jose@example.com",
    "ATTENDEE;CN=tab\tinside:mailto:a@example.com",
    "SUMMARY:a\\, b\\; c\\n d \\\\ e",
    "SUMMARY;LANGUAGE=en:Colon: in the value; and a \"quote\"",
    "DTSTART;TZID=Europe/Berlin:20260302T093000",
    "DTSTART;VALUE=DATE:20260302",
    "DTSTART:not a date",
    "CATEGORIES:Work,In person\\,really,Ideas",
    "GEO:52.5;13.4",
    "SUMMARY:",
    "RRULE:FREQ=WEEKLY;INTERVAL=0",
]


def _lines_of_fixtures() -> list[str]:
    lines = []
    for path in FIXTURES:
        lines.extend(line for _, line in logical_lines(path.read_bytes()))
    return lines


def _bench_calendar(events: int) -> bytes:
    spec = importlib.util.spec_from_file_location("bench_calendar",
                                                  ROOT / "scripts" / "bench_calendar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(events, events // 10)


def _split(line: str, kind: type) -> object:
    try:
        name, params, value = kind(line).raw_parts()
    except ValueError as exc:
        return ("refused", str(exc))
    return (name, type(params), dict(params), value)


def _mutations(lines: list[str], count: int, seed: int) -> list[str]:
    """Lines with one to three characters that matter to the grammar put into their head."""
    rng = random.Random(seed)
    alphabet = '";:,=\\^% \t\x01é\'-A'
    out = []
    for _ in range(count):
        line = rng.choice(lines)
        for _ in range(rng.randint(1, 3)):
            colon = max(line.find(":"), 1)
            at = rng.randint(0, colon)
            line = line[:at] + rng.choice(alphabet) + line[at:]
        out.append(line)
    return out


def test_every_line_splits_as_icalendar_splits_it() -> None:
    lines = _lines_of_fixtures()
    lines += [line for _, line in logical_lines(_bench_calendar(60))]
    lines += FALLBACK + QUICK
    lines += _mutations(lines, 4000, seed=1203)
    quick = [line for line in lines if quick_lines._PLAIN_HEAD.match(line)]
    # most real lines take the quick split, the tricky ones never do
    assert len(quick) > len(lines) // 3
    assert not any(quick_lines._PLAIN_HEAD.match(line) for line in FALLBACK)
    assert all(quick_lines._PLAIN_HEAD.match(line) for line in QUICK)
    for line in lines:
        assert _split(line, QuickLine) == _split(line, Contentline), line


def _shape(component) -> list:
    """Everything icalendar parsed: each property's type, value and parameters, the
    errors it recorded, and the same of every subcomponent."""
    props = []
    for name, value in component.property_items(recursive=False, sorted=False):
        values = value if isinstance(value, list) else [value]
        props.append((name, [(type(v).__name__, v.to_ical() if hasattr(v, "to_ical") else v,
                              dict(getattr(v, "params", {}))) for v in values]))
    return [component.name, props, list(getattr(component, "errors", [])),
            [_shape(sub) for sub in component.subcomponents]]


@pytest.mark.parametrize("path", FIXTURES + ["bench"], ids=lambda p: getattr(p, "name", p))
def test_every_component_parses_to_the_same_properties(path) -> None:
    data = _bench_calendar(150) if path == "bench" else path.read_bytes()
    try:
        texts = split_calendars(data, "fixture")
    except CalendarError:
        return  # refused before icalendar sees it: nothing to compare
    for text in texts:
        pieces = [text.head + "END:VCALENDAR\r\n"]
        pieces += ["BEGIN:VCALENDAR\r\n" + component + "END:VCALENDAR\r\n"
                   for component in text.components]
        for piece in pieces:
            assert _shape(parse_lines(piece)) == _shape(Calendar.from_ical(piece)), piece[:200]


def _outcome(data: bytes) -> object:
    try:
        result = load_instances(data, "fixture.ics", *WINDOW, SETTINGS)
    except CalendarError as exc:
        return str(exc)
    return ([(m.uid, m.summary, m.start, m.end, m.all_day, m.location, m.kind, m.reason,
              m.people) for m in result.meetings], result.warnings)


@pytest.mark.parametrize("path", FIXTURES + ["bench"], ids=lambda p: getattr(p, "name", p))
def test_meetings_kinds_reasons_and_warnings_are_those_of_icalendars_split(
        path, monkeypatch) -> None:
    data = _bench_calendar(300) if path == "bench" else path.read_bytes()
    quick = _outcome(data)
    # the same pipeline with icalendar's own split for every line: the reference
    monkeypatch.setattr(QuickLine, "raw_parts", Contentline.raw_parts)
    reference = _outcome(data)
    assert quick == reference
    if path == "bench":
        assert len(quick[0]) > 300  # the calendar was expanded, not refused
