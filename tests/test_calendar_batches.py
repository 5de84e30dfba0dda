"""A calendar is parsed, expanded and classified a batch of whole series at a time (issue 14):
the instances are those of the whole calendar, wherever a series' moved instances stand in the
file, and events that cannot touch the window are left out before they are parsed."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from presence.calendar.expand import CalendarSettings, load_instances
from presence.calendar.limits import BATCH_COMPONENTS, MAX_INSTANCES

UTC = timezone.utc
BERLIN = CalendarSettings.shipped(tz=ZoneInfo("Europe/Berlin"))
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
ZONE = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
        "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n"
        "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "END:VTIMEZONE\r\n")


def event(*lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def calendar(*events: str, zones: str = ZONE) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + zones + "".join(events)
            + "END:VCALENDAR\r\n").encode()


MASTER = event("UID:standup@t", "DTSTART;TZID=Europe/Berlin:20260302T093000",
               "DTEND;TZID=Europe/Berlin:20260302T094500", "RRULE:FREQ=WEEKLY;COUNT=5",
               "SUMMARY:Standup", "LOCATION:Room 4.1")
MOVED = event("UID:standup@t", "RECURRENCE-ID;TZID=Europe/Berlin:20260309T093000",
              "DTSTART;TZID=Europe/Berlin:20260310T140000",
              "DTEND;TZID=Europe/Berlin:20260310T141500", "SUMMARY:Standup (moved)",
              "LOCATION:Room 4.1")
CANCELLED = event("UID:standup@t", "RECURRENCE-ID;TZID=Europe/Berlin:20260323T093000",
                  "DTSTART;TZID=Europe/Berlin:20260323T093000",
                  "DTEND;TZID=Europe/Berlin:20260323T094500", "STATUS:CANCELLED",
                  "SUMMARY:Standup")


def filler(count: int) -> list[str]:
    """Lone dinners, one a day from 2 March: more events than one batch holds."""
    return [event(f"UID:dinner-{n}@t", f"DTSTART:202603{n % 28 + 2:02d}T180000Z",
                  "DURATION:PT2H", f"SUMMARY:Dinner with Sam {n}", "LOCATION:Café Central")
            for n in range(count)]


def standups(data: bytes) -> list[tuple[str, str]]:
    meetings = load_instances(data, "s.ics", *WINDOW, BERLIN).meetings
    return [(m.summary, f"{m.start:%Y-%m-%d %H:%M}") for m in meetings if m.uid == "standup@t"]


def test_moved_and_cancelled_instances_far_from_their_series_still_apply():
    between = filler(3 * BATCH_COMPONENTS)  # the overrides land batches away from the master
    far = calendar(MASTER, *between, MOVED, *between[:50], CANCELLED)
    near = calendar(MASTER, MOVED, CANCELLED, *between, *between[:50])
    expected = [("Standup", "2026-03-02 08:30"), ("Standup (moved)", "2026-03-10 13:00"),
                ("Standup", "2026-03-16 08:30"), ("Standup", "2026-03-30 07:30")]
    assert standups(far) == expected
    assert load_instances(far, "s.ics", *WINDOW, BERLIN).meetings == \
        load_instances(near, "s.ics", *WINDOW, BERLIN).meetings


def test_events_outside_the_window_are_left_out_and_those_touching_it_kept():
    data = calendar(
        event("UID:long-ago@t", "DTSTART:20200101T090000Z", "DTEND:20200101T100000Z",
              "SUMMARY:Lunch with Ana", "LOCATION:Café Central"),
        event("UID:next-year@t", "DTSTART;VALUE=DATE:20270101", "SUMMARY:Dinner with Ana",
              "LOCATION:Café Central"),
        # starts before the window and ends inside it
        event("UID:overnight@t", "DTSTART:20260228T220000Z", "DURATION:PT4H",
              "SUMMARY:Party with Ana", "LOCATION:Café Central"),
        # floating, after the window's end as written, but in Berlin that is still March in UTC
        event("UID:last-evening@t", "DTSTART:20260401T013000", "DTEND:20260401T015500",
              "SUMMARY:Drinks with Ana", "LOCATION:Café Central"),
        # an old master whose moved instance falls inside the window
        event("UID:old@t", "DTSTART:20200302T090000Z", "DTEND:20200302T100000Z",
              "SUMMARY:Coffee with Ana", "LOCATION:Café Central"),
        event("UID:old@t", "RECURRENCE-ID:20200302T090000Z", "DTSTART:20260305T090000Z",
              "DTEND:20260305T100000Z", "SUMMARY:Coffee with Ana", "LOCATION:Café Central"))
    result = load_instances(data, "w.ics", *WINDOW, BERLIN)
    assert [(m.uid, f"{m.start:%Y-%m-%d %H:%M}") for m in result.meetings] == [
        ("overnight@t", "2026-02-28 22:00"), ("old@t", "2026-03-05 09:00"),
        ("last-evening@t", "2026-03-31 23:30")]


def test_a_series_of_more_events_than_a_window_may_hold_is_refused_and_the_rest_read():
    repeated = [event("UID:flood@t", f"RECURRENCE-ID:202603{n % 28 + 1:02d}T{n % 24:02d}0000Z",
                      f"DTSTART:202603{n % 28 + 1:02d}T{n % 24:02d}0000Z", "DURATION:PT1H",
                      "SUMMARY:flood") for n in range(MAX_INSTANCES + 1)]
    result = load_instances(calendar(*repeated, *filler(1)), "f.ics", *WINDOW, BERLIN)
    assert [m.summary for m in result.meetings] == ["Dinner with Sam 0"]
    assert result.warnings == (f"f.ics: event flood@t skipped: its series has more than "
                               f"{MAX_INSTANCES} events",)
