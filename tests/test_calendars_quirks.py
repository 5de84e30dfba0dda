"""The messy parts of real calendar files: line ends, folds, several calendars in one feed,
zones, broken files and broken events, and the window's edges (issue 3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from presence.calendar.expand import CalendarSettings, load_instances, parse_calendar
from presence.errors import CalendarError

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
UTC = timezone.utc
BERLIN = CalendarSettings.shipped(tz=ZoneInfo("Europe/Berlin"))
WINDOW = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def starts(data: bytes, settings: CalendarSettings = BERLIN, window=WINDOW) -> list[tuple]:
    result = load_instances(data, "test.ics", *window, settings)
    return [(m.summary, f"{m.start:%Y-%m-%dT%H:%MZ}") for m in result.meetings]


def calendar(*events: str, head: str = "") -> bytes:
    """A small calendar from VEVENT bodies (one property per line)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN"]
    lines += [line for line in head.splitlines() if line.strip()]
    for body in events:
        lines.append("BEGIN:VEVENT")
        lines += [line.strip() for line in body.strip().splitlines()]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_several_vcalendars_each_with_its_own_x_wr_timezone():
    assert starts(fixture("multi_vcalendar.ics")) == [
        ("Sushi with Ken", "2026-03-20T10:00Z"),          # floating, X-WR-TIMEZONE Tokyo
        ("Brunch (Berlin time)", "2026-03-21T11:00Z"),    # TZID wins over X-WR-TIMEZONE
        ("Hike with Ana", "2026-03-21T16:00Z"),           # floating, Los Angeles (PDT)
        ("Watch party (UTC)", "2026-03-21T20:00Z"),       # Z wins over X-WR-TIMEZONE
    ]


def test_customized_time_zone_does_not_leak_between_files():
    """Both files define "Customized Time Zone", one as Berlin, one as New York; icalendar
    caches custom zones process-wide by TZID, so whichever came first used to win."""
    berlin, new_york = fixture("outlook_desktop_berlin.ics"), fixture("outlook_desktop_newyork.ics")
    window = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 24, tzinfo=UTC))
    for _ in range(2):
        assert starts(new_york, window=window) == [("Board call", "2026-03-02T14:00Z"),
                                                   ("Board call", "2026-03-09T13:00Z"),
                                                   ("Board call", "2026-03-23T13:00Z")]
        assert starts(berlin, window=window)[0] == ("1:1 mit Mia", "2026-03-23T08:00Z")


def test_same_tzid_defined_differently_in_one_feed():
    zone = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:{off}
TZOFFSETTO:{off}
END:STANDARD
END:VTIMEZONE"""
    first = calendar('UID:a\nDTSTART;TZID="Customized Time Zone":20260310T120000\n'
                     "DTEND;TZID=\"Customized Time Zone\":20260310T130000\nSUMMARY:plus three",
                     head=zone.format(off="+0300"))
    second = calendar('UID:b\nDTSTART;TZID="Customized Time Zone":20260310T120000\n'
                      "DTEND;TZID=\"Customized Time Zone\":20260310T130000\nSUMMARY:minus two",
                      head=zone.format(off="-0200"))
    assert starts(first + second) == [("plus three", "2026-03-10T09:00Z"),
                                      ("minus two", "2026-03-10T14:00Z")]


def test_escaped_commas_in_a_vtimezone_tzid_match_the_quoted_parameter():
    name = "(UTC+03:00) Nowhere, Elsewhere"
    zone = (f"BEGIN:VTIMEZONE\nTZID:{name.replace(',', chr(92) + ',')}\nBEGIN:STANDARD\n"
            "DTSTART:16010101T000000\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\n"
            "END:VTIMEZONE")
    data = calendar(f'UID:z\nDTSTART;TZID="{name}":20260310T120000\n'
                    f'DTEND;TZID="{name}":20260310T130000\nSUMMARY:z', head=zone)
    assert b"Nowhere\\, Elsewhere" in data
    assert starts(data) == [("z", "2026-03-10T09:00Z")]


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n", b"\r"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_ends_and_byte_order_mark_do_not_matter(line_end, bom):
    crlf = fixture("google.ics")
    data = bom + crlf.replace(b"\r\n", line_end)
    assert starts(data) == starts(crlf)
    assert len(starts(data)) == 16


def test_utf16_export_with_bom():
    text = fixture("icloud.ics").decode("utf-8")
    assert starts(text.encode("utf-16")) == starts(fixture("icloud.ics"))


def test_fold_inside_a_utf8_character_and_tab_continuation():
    data = fixture("fastmail.ics")
    assert b"J\xc3\r\n \xbcrgen" in data and b"\r\n\tre Street" in data
    result = load_instances(data, "f.ics", *WINDOW, BERLIN)
    summaries = {m.summary for m in result.meetings}
    assert "Kaffee und Kuchen bei Jürgen 🎉 — bring the good plates" in summaries


def test_wrapped_line_without_fold_marker_joins_the_previous_line():
    data = calendar("UID:w\nDTSTART:20260310T120000Z\nDTEND:20260310T130000Z\n"
                    "SUMMARY:Dinner at\nMaria's\nLOCATION:Kreuzberg")
    result = load_instances(data, "w.ics", *WINDOW, BERLIN)
    assert [m.summary for m in result.meetings] == ["Dinner atMaria's"]


def test_unclosed_event_names_file_and_line():
    with pytest.raises(CalendarError) as caught:
        load_instances(fixture("broken_unclosed.ics"), "/cal/broken_unclosed.ics", *WINDOW,
                       BERLIN)
    assert str(caught.value) == ("/cal/broken_unclosed.ics: line 11: BEGIN:VEVENT is never "
                                 "closed (END:VCALENDAR follows at line 17)")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("data", "message"), [
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\n",
     "x.ics: line 2: BEGIN:VEVENT is never closed (the file ends at line 3)"),
    (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nBEGIN:VEVENT\nUID:b\nEND:VEVENT\nEND:VCALENDAR\n",
     "x.ics: line 2: BEGIN:VEVENT is never closed (another BEGIN:VEVENT follows at line 4)"),
    (b"BEGIN:VCALENDAR\nEND:VEVENT\nEND:VCALENDAR\n",
     "x.ics: line 2: END:VEVENT without a matching BEGIN:VEVENT"),
    (b"<!DOCTYPE html>\n<html><body>Sign in</body></html>\n",
     ("x.ics: line 1: not an iCalendar file (it looks like a web page): expected "
     "BEGIN:VCALENDAR")),
    (b"\xef\xbb\xbf\r\n\r\n", "x.ics: the calendar is empty"),
])
def test_structural_errors(data, message):
    with pytest.raises(CalendarError) as caught:
        parse_calendar(data, "x.ics", BERLIN)
    assert str(caught.value) == message


def test_broken_event_is_reported_by_uid_and_the_rest_load():
    result = load_instances(fixture("broken_event.ics"), "b.ics", *WINDOW, BERLIN)
    assert [m.uid for m in result.meetings] == ["ok-1@example.com", "ok-2@example.com"]
    assert result.warnings == (
        ("b.ics: line 13: event bad-dtstart@example.com skipped: DTSTART '2026-03-11 09:00' "
        "cannot be read"),
        ("b.ics: line 20: event bad-rrule@example.com skipped: RRULE "
        "'FREQ=FORTNIGHTLY;COUNT=2' cannot be read"),
    )


def test_event_without_dtstart_is_skipped_and_broken_alarm_ignored():
    data = calendar("UID:no-start\nSUMMARY:When?",
                    "UID:alarm\nDTSTART:20260310T120000Z\nDTEND:20260310T130000Z\nSUMMARY:ok\n"
                    "BEGIN:VALARM\nTRIGGER:whenever\nEND:VALARM")
    result = load_instances(data, "a.ics", *WINDOW, BERLIN)
    assert [m.summary for m in result.meetings] == ["ok"]
    assert result.warnings == ("a.ics: line 4: event no-start skipped: it has no DTSTART",)


def test_exdate_in_utc_and_moved_and_cancelled_instances():
    data = calendar(
        "UID:s\nDTSTART;TZID=America/New_York:20260305T090000\n"
        "DTEND;TZID=America/New_York:20260305T100000\nRRULE:FREQ=DAILY;COUNT=6\n"
        "EXDATE:20260306T140000Z\nEXDATE;TZID=America/New_York:20260309T090000\nSUMMARY:daily",
        "UID:s\nRECURRENCE-ID;TZID=America/New_York:20260307T090000\n"
        "DTSTART;TZID=America/New_York:20260307T150000\n"
        "DTEND;TZID=America/New_York:20260307T160000\nSUMMARY:daily (moved)",
        "UID:s\nRECURRENCE-ID:20260308T130000Z\nSTATUS:CANCELLED\n"
        "DTSTART;TZID=America/New_York:20260308T090000\n"
        "DTEND;TZID=America/New_York:20260308T100000\nSUMMARY:daily")
    assert starts(data) == [
        ("daily", "2026-03-05T14:00Z"),
        ("daily (moved)", "2026-03-07T20:00Z"),
        ("daily", "2026-03-10T13:00Z"),
    ]


def test_cancelled_series_is_left_out():
    data = calendar("UID:c\nSTATUS:CANCELLED\nDTSTART:20260310T120000Z\nDTEND:20260310T130000Z"
                    "\nRRULE:FREQ=DAILY;COUNT=3\nSUMMARY:gone")
    assert starts(data) == []


def test_floating_time_in_a_dst_gap_uses_the_offset_before_it():
    data = calendar("UID:g\nDTSTART:20260329T023000\nDTEND:20260329T033000\nSUMMARY:gap")
    assert starts(data) == [("gap", "2026-03-29T01:30Z")]


def test_unknown_x_wr_timezone_falls_back_to_configured_zone():
    data = calendar("UID:f\nDTSTART:20260310T120000\nDTEND:20260310T130000\nSUMMARY:f",
                    head="X-WR-TIMEZONE:Mars/Olympus_Mons")
    result = load_instances(data, "m.ics", *WINDOW, BERLIN)
    assert [f"{m.start:%H:%MZ}" for m in result.meetings] == ["11:00Z"]
    assert result.warnings == (("m.ics: unknown X-WR-TIMEZONE 'Mars/Olympus_Mons'; floating "
                               "times are taken in the configured zone"),)


def test_windows_name_as_x_wr_timezone():
    data = calendar("UID:f\nDTSTART:20260310T120000\nDTEND:20260310T130000\nSUMMARY:f",
                    head="X-WR-TIMEZONE:Tokyo Standard Time")
    assert starts(data) == [("f", "2026-03-10T03:00Z")]


def test_window_is_half_open_and_overlap_counts():
    data = calendar(
        "UID:before\nDTSTART:20260310T080000Z\nDTEND:20260310T090000Z\nSUMMARY:ends at start",
        "UID:across\nDTSTART:20260310T083000Z\nDTEND:20260310T093000Z\nSUMMARY:overlaps start",
        "UID:point\nDTSTART:20260310T090000Z\nSUMMARY:zero length at start",
        "UID:end\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\nSUMMARY:starts at end",
        "UID:allday\nDTSTART;VALUE=DATE:20260310\nSUMMARY:all day")
    window = (datetime(2026, 3, 10, 9, tzinfo=UTC), datetime(2026, 3, 10, 10, tzinfo=UTC))
    result = load_instances(data, "w.ics", *window, BERLIN)
    assert [m.uid for m in result.meetings] == ["allday", "across", "point"]
    allday = result.meetings[0]
    assert (allday.start.isoformat(), allday.end.isoformat()) == ("2026-03-10", "2026-03-11")


def test_all_day_belongs_to_local_days_of_the_configured_zone():
    data = calendar("UID:d\nDTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260311\nSUMMARY:d")
    tokyo = CalendarSettings.shipped(tz=ZoneInfo("Asia/Tokyo"))
    # 10 March in Tokyo is 9 March 15:00Z to 10 March 15:00Z.
    early = (datetime(2026, 3, 9, 15, tzinfo=UTC), datetime(2026, 3, 9, 16, tzinfo=UTC))
    late = (datetime(2026, 3, 10, 15, tzinfo=UTC), datetime(2026, 3, 10, 16, tzinfo=UTC))
    assert len(load_instances(data, "d.ics", *early, tokyo).meetings) == 1
    assert len(load_instances(data, "d.ics", *late, tokyo).meetings) == 0


def test_duplicate_event_in_two_vcalendars_is_listed_once():
    one = calendar("UID:dup\nDTSTART:20260310T120000Z\nDTEND:20260310T130000Z\nSUMMARY:dup")
    assert starts(one + one) == [("dup", "2026-03-10T12:00Z")]


def test_missing_uid_gets_a_stable_name():
    data = calendar("DTSTART:20260310T120000Z\nDTEND:20260310T130000Z\nSUMMARY:anon")
    first = load_instances(data, "a.ics", *WINDOW, BERLIN).meetings[0].uid
    again = load_instances(data, "a.ics", *WINDOW, BERLIN).meetings[0].uid
    assert first == again and first.startswith("no-uid-")


def test_parsed_calendar_serves_several_windows():
    parsed = parse_calendar(fixture("google.ics"), "g.ics", BERLIN)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    weeks = [parsed.instances(start + timedelta(weeks=i), start + timedelta(weeks=i + 1))
             for i in range(6)]
    whole = parsed.instances(start, start + timedelta(weeks=6))
    assert [m for week in weeks for m in week.meetings] == list(whole.meetings)


def test_window_must_be_aware():
    parsed = parse_calendar(fixture("google.ics"), "g.ics", BERLIN)
    with pytest.raises(ValueError):
        parsed.instances(datetime(2026, 3, 1), datetime(2026, 3, 2))


def test_repeated_property_takes_the_first():
    data = calendar("UID:r\nDTSTART:20260310T120000Z\nDTEND:20260310T130000Z\nSUMMARY:one\n"
                    "SUMMARY:two\nLOCATION:Café Kranzler\nLOCATION:Room 3")
    (meeting,) = load_instances(data, "r.ics", *WINDOW, BERLIN).meetings
    assert (meeting.summary, meeting.location) == ("one", "Café Kranzler")


def test_non_gregorian_calendar_is_a_clear_error():
    data = calendar("UID:h\nDTSTART:20260310T120000Z\nSUMMARY:h", head="CALSCALE:HEBREW")
    with pytest.raises(CalendarError, match=r"^h\.ics: cannot expand the calendar: Only "
                                            r"Gregorian"):
        parse_calendar(data, "h.ics", BERLIN)


def test_floating_series_keeps_wall_clock_across_dst():
    data = calendar("UID:fl\nDTSTART:20260323T090000\nDTEND:20260323T100000\n"
                    "RRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:floating weekly")
    assert starts(data) == [("floating weekly", "2026-03-23T08:00Z"),
                            ("floating weekly", "2026-03-30T07:00Z")]
    new_york = CalendarSettings.shipped(tz=ZoneInfo("America/New_York"))
    data = calendar("UID:fl\nDTSTART:20260302T090000\nDTEND:20260302T100000\n"
                    "RRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:floating weekly")
    assert starts(data, new_york) == [("floating weekly", "2026-03-02T14:00Z"),
                                      ("floating weekly", "2026-03-09T13:00Z")]
