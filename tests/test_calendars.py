"""Real exports, one per provider: exact UTC instance times across both 2026 DST changes
(US 8 March, EU 29 March), and the kind and reason of each instance (issue 3)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from presence.calendar.expand import CalendarSettings, LoadResult, load_instances

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
UTC = timezone.utc
WINDOW = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def load(name: str, zone: str = "Europe/Berlin", **settings) -> LoadResult:
    path = FIXTURES / name
    return load_instances(path.read_bytes(), str(path), *WINDOW,
                          CalendarSettings.shipped(tz=ZoneInfo(zone), **settings))


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def table(result: LoadResult) -> list[tuple]:
    rows = []
    for m in result.meetings:
        if m.all_day:
            rows.append((m.start.isoformat(), m.end.isoformat(), m.summary, m.kind, m.reason))
        else:
            rows.append((f"{m.start:%Y-%m-%dT%H:%MZ}", f"{m.end:%Y-%m-%dT%H:%MZ}", m.summary,
                         m.kind, m.reason))
    return rows


MEET = "Meet link in X-GOOGLE-CONFERENCE"


def test_google_secret_address_export():
    result = load("google.ics")
    assert result.warnings == ()
    assert table(result) == [
        ("2026-03-02T08:30Z", "2026-03-02T09:00Z", "Team standup", "virtual", MEET),
        ("2026-03-04T08:30Z", "2026-03-04T09:00Z", "Team standup", "virtual", MEET),
        ("2026-03-05T15:00Z", "2026-03-05T16:00Z", "Quarterly all-hands", "excluded",
         "declined by alex.morgan@gmail.com"),
        ("2026-03-06T08:00Z", "2026-03-06T16:00Z", "Work from the café", "excluded",
         "marked free (TRANSP:TRANSPARENT)"),
        ("2026-03-09T08:30Z", "2026-03-09T09:00Z", "Team standup", "virtual", MEET),
        # 11 March: EXDATE in UTC against a series in Europe/Berlin.
        ("2026-03-10", "2026-03-11", "Mum's birthday", "excluded",
         "marked free (TRANSP:TRANSPARENT)"),
        ("2026-03-12T11:30Z", "2026-03-12T12:30Z", "Lunch with Jordan", "in_person",
         "address in LOCATION (Zoom link only in DESCRIPTION)"),
        # 16 March: the moved instance (RECURRENCE-ID); 18 March: cancelled, left out.
        ("2026-03-16T10:00Z", "2026-03-16T10:30Z", "Team standup (moved)", "virtual", MEET),
        ("2026-03-23T08:30Z", "2026-03-23T09:00Z", "Team standup", "virtual", MEET),
        ("2026-03-25T08:30Z", "2026-03-25T09:00Z", "Team standup", "virtual", MEET),
        # A UTC time stays UTC: X-WR-TIMEZONE never moves it.
        ("2026-03-29T17:00Z", "2026-03-29T20:00Z", "Dinner with Sam", "in_person",
         "address in LOCATION"),
        # After the EU change, 09:30 Berlin is 07:30Z.
        ("2026-03-30T07:30Z", "2026-03-30T08:00Z", "Team standup", "virtual", MEET),
        # Floating 19:00 takes X-WR-TIMEZONE (Europe/Berlin, CEST).
        ("2026-03-30T17:00Z", "2026-03-30T18:00Z", "Yoga class", "in_person",
         "address in LOCATION"),
        ("2026-04-01T07:30Z", "2026-04-01T08:00Z", "Team standup", "virtual", MEET),
        ("2026-04-06T07:30Z", "2026-04-06T08:00Z", "Team standup", "virtual", MEET),
        ("2026-04-08T07:30Z", "2026-04-08T08:00Z", "Team standup", "virtual", MEET),
    ]


def test_google_owner_comes_from_calname_and_floating_ignores_configured_zone():
    result = load("google.ics", zone="America/New_York")
    yoga = next(m for m in result.meetings if m.summary == "Yoga class")
    assert yoga.start == utc("2026-03-30T17:00Z")
    allhands = next(m for m in result.meetings if m.summary == "Quarterly all-hands")
    assert allhands.reason == "declined by alex.morgan@gmail.com"


TEAMS_TEXT = "'Microsoft Teams Meeting' in LOCATION"


def test_exchange_outlook_on_the_web_publish():
    result = load("exchange_owa.ics")
    assert result.warnings == ()
    assert table(result) == [
        ("2026-02-26T18:00Z", "2026-02-26T18:30Z", "Product sync", "virtual", TEAMS_TEXT),
        ("2026-03-05T18:00Z", "2026-03-05T18:30Z", "Product sync", "virtual", TEAMS_TEXT),
        ("2026-03-10T20:00Z", "2026-03-10T21:00Z", "Design review", "in_person",
         "room in LOCATION and 'Microsoft Teams Meeting': hybrid → in_person"),
        ("2026-03-11T16:00Z", "2026-03-11T17:00Z", "Busy", "excluded",
         "busy-only entry 'Busy' (unknown)"),
        # After the US change (8 March), 10:00 Pacific is 17:00Z.
        ("2026-03-12T17:00Z", "2026-03-12T17:30Z", "Product sync", "virtual", TEAMS_TEXT),
        ("2026-03-12T19:00Z", "2026-03-12T20:00Z", "Brown bag: intro to Rust", "excluded",
         "marked free (X-MICROSOFT-CDO-BUSYSTATUS:FREE)"),
        ("2026-03-19T17:00Z", "2026-03-19T17:30Z", "Product sync", "virtual", TEAMS_TEXT),
        ("2026-03-26T17:00Z", "2026-03-26T17:30Z", "Product sync", "virtual", TEAMS_TEXT),
        ("2026-03-30", "2026-04-04", "Spring break", "excluded", "all-day"),
        # UNTIL=20260402T170000Z includes the instance that starts exactly then.
        ("2026-04-02T17:00Z", "2026-04-02T17:30Z", "Product sync", "virtual", TEAMS_TEXT),
    ]


def test_exchange_hybrid_policy_virtual():
    result = load("exchange_owa.ics", hybrid="virtual")
    review = next(m for m in result.meetings if m.summary == "Design review")
    assert (review.kind, review.reason) == (
        "virtual", "room in LOCATION and 'Microsoft Teams Meeting': hybrid → virtual")


HYBRID = "room attendee: Room 4.1 and Teams link: hybrid → in_person"


def test_outlook_desktop_customized_time_zone_berlin():
    result = load("outlook_desktop_berlin.ics")
    assert result.warnings == ()
    assert table(result) == [
        ("2026-03-23T08:00Z", "2026-03-23T08:30Z", "1:1 mit Mia", "in_person", HYBRID),
        # Outlook's all-day: midnight to midnight in a zone plus X-MICROSOFT-CDO-ALLDAYEVENT.
        ("2026-03-25", "2026-03-26", "Umzug", "excluded", "all-day"),
        ("2026-03-30T07:00Z", "2026-03-30T07:30Z", "1:1 mit Mia", "in_person", HYBRID),
        ("2026-04-06T07:00Z", "2026-04-06T07:30Z", "1:1 mit Mia", "in_person", HYBRID),
        ("2026-04-13T07:00Z", "2026-04-13T07:30Z", "1:1 mit Mia", "in_person", HYBRID),
    ]


def test_outlook_desktop_customized_time_zone_new_york():
    result = load("outlook_desktop_newyork.ics")
    phone = "phone number in LOCATION"
    assert table(result) == [
        ("2026-03-02T14:00Z", "2026-03-02T14:30Z", "Board call", "virtual", phone),
        ("2026-03-09T13:00Z", "2026-03-09T13:30Z", "Board call", "virtual", phone),
        # 16 March is an EXDATE in the custom zone.
        ("2026-03-23T13:00Z", "2026-03-23T13:30Z", "Board call", "virtual", phone),
    ]


def test_outlook_2007_display_name_zones_and_ansi_text():
    data = (FIXTURES / "outlook_legacy.ics").read_bytes()
    assert "Café".encode("cp1252") in data
    result = load("outlook_legacy.ics")
    assert result.warnings == ()
    assert table(result) == [
        # "(UTC-05:00) Eastern Time (US & Canada)" has no VTIMEZONE: New York, EDT.
        ("2026-03-09T16:00Z", "2026-03-09T17:00Z", "Lunch & learn", "in_person",
         "room in LOCATION"),
        ("2026-03-27T17:30Z", "2026-03-27T19:00Z", "Stammtisch", "in_person",
         "address in LOCATION"),
        ("2026-04-03T16:30Z", "2026-04-03T18:00Z", "Stammtisch", "in_person",
         "address in LOCATION"),
    ]
    assert result.meetings[1].location == "Café Mözart, Hauptstraße 5, Wien"


def test_icloud_structured_location_and_facetime_lf_only():
    data = (FIXTURES / "icloud.ics").read_bytes()
    assert b"\r\n" not in data
    result = load("icloud.ics")
    coffee = "Apple structured location: Blue Bottle Coffee"
    assert table(result) == [
        ("2026-03-07T15:00Z", "2026-03-07T16:00Z", "Coffee with Sam", "in_person", coffee),
        ("2026-03-14T14:00Z", "2026-03-14T15:00Z", "Coffee with Sam", "in_person", coffee),
        ("2026-03-15T21:00Z", "2026-03-15T21:30Z", "Call with Grandma", "virtual",
         "FaceTime link in URL"),
        ("2026-03-21T14:00Z", "2026-03-21T15:00Z", "Coffee with Sam", "in_person", coffee),
    ]
    assert result.meetings[0].location.startswith("Blue Bottle Coffee\n450 W 15th St")


def test_fastmail_folds_split_utf8_and_tab_continuations():
    result = load("fastmail.ics")
    tag = "tag 'In person' in CATEGORIES"
    assert table(result) == [
        ("2026-03-27T08:00Z", "2026-03-27T09:00Z", "Morning run club", "in_person", tag),
        ("2026-03-28T08:00Z", "2026-03-28T09:00Z", "Morning run club", "in_person", tag),
        ("2026-03-28T15:00Z", "2026-03-28T17:00Z",
         "Kaffee und Kuchen bei Jürgen 🎉 — bring the good plates", "in_person",
         "address in LOCATION"),
        # London moves to BST on 29 March: 08:00 local is 07:00Z.
        ("2026-03-29T07:00Z", "2026-03-29T08:00Z", "Morning run club", "in_person", tag),
        ("2026-03-30T07:00Z", "2026-03-30T08:00Z", "Morning run club", "in_person", tag),
        ("2026-03-30T15:00Z", "2026-03-30T15:30Z", "Weekly review", "virtual",
         "tag 'Remote' in CATEGORIES"),
        ("2026-04-06T15:00Z", "2026-04-06T15:30Z", "Weekly review", "virtual",
         "tag 'Remote' in CATEGORIES"),
    ]
    kuchen = result.meetings[2]
    assert kuchen.location == "Jürgen's flat, 12 Mare Street, London E8 3RH"


def test_nextcloud_bom_rdate_exdate_geo():
    assert (FIXTURES / "nextcloud.ics").read_bytes().startswith(b"\xef\xbb\xbf")
    result = load("nextcloud.ics")
    assert table(result) == [
        ("2026-03-17T18:30Z", "2026-03-17T20:30Z", "Choir rehearsal", "in_person",
         "GEO position"),
        ("2026-03-19T08:00Z", "2026-03-19T08:15Z", "Talk standup", "excluded",
         "no place and no call link (unknown)"),
        # 24 March is an EXDATE; after the EU change 19:30 Berlin is 17:30Z.
        ("2026-03-31T17:30Z", "2026-03-31T19:30Z", "Choir rehearsal", "in_person",
         "GEO position"),
        # RDATE adds a Thursday.
        ("2026-04-02T17:30Z", "2026-04-02T19:30Z", "Choir rehearsal", "in_person",
         "GEO position"),
    ]


def test_nextcloud_extra_conference_domain():
    result = load("nextcloud.ics", conference_domains=("cloud.example.org",))
    talk = next(m for m in result.meetings if m.summary == "Talk standup")
    assert (talk.kind, talk.reason) == ("virtual", "cloud.example.org link in LOCATION")


@pytest.mark.parametrize(("zone", "call_start", "call_end"), [
    ("America/New_York", "2026-03-30T22:00Z", "2026-03-30T22:30Z"),
    ("Europe/Berlin", "2026-03-30T16:00Z", "2026-03-30T16:30Z"),
])
def test_thunderbird_floating_time_takes_configured_zone(zone, call_start, call_end):
    result = load("thunderbird.ics", zone=zone)
    assert result.warnings == ()
    assert table(result) == [
        ("2026-03-21T13:00Z", "2026-03-21T15:30Z", "Pottery workshop", "in_person",
         "address in LOCATION"),
        ("2026-03-23T06:00Z", "2026-03-23T07:00Z", "Gym", "excluded",
         "solo block titled 'Gym'"),
        # A "globally unique" Mozilla TZID without a VTIMEZONE: Europe/Paris.
        ("2026-03-26T18:00Z", "2026-03-26T20:00Z", "Book club", "in_person",
         "place in LOCATION"),
        ("2026-03-28T13:00Z", "2026-03-28T15:30Z", "Pottery workshop", "in_person",
         "address in LOCATION"),
        (call_start, call_end, "Call Mum", "virtual",
         "phone number in LOCATION"),
        ("2026-04-04T12:00Z", "2026-04-04T14:30Z", "Pottery workshop", "in_person",
         "address in LOCATION"),
    ]


def test_zoom_generated_invite():
    result = load("zoom_invite.ics")
    zoom = "Zoom link in LOCATION"
    assert table(result) == [
        ("2026-03-03T17:00Z", "2026-03-03T18:00Z", "Mentoring session", "virtual", zoom),
        # Chicago moves to CDT on 8 March: 11:00 local is 16:00Z.
        ("2026-03-10T16:00Z", "2026-03-10T17:00Z", "Mentoring session", "virtual", zoom),
        ("2026-03-17T16:00Z", "2026-03-17T17:00Z", "Mentoring session", "virtual", zoom),
    ]


def test_windows_zone_names_without_vtimezone():
    result = load("windows_zones.ics", zone="UTC")
    starts = {m.uid.split("@")[0][3:]: f"{m.start:%H:%MZ}" for m in result.meetings}
    # 12:00 local on Monday 16 March 2026: US zones already on daylight time, EU not yet.
    assert starts == {
        "berlin": "11:00Z", "seattle": "19:00Z", "newyork": "16:00Z", "london": "12:00Z",
        "paris": "11:00Z", "budapest": "11:00Z", "sydney": "01:00Z", "tokyo": "03:00Z",
        "bangalore": "06:30Z", "shanghai": "04:00Z", "chicago": "17:00Z",
        "denver": "18:00Z", "utc": "12:00Z", "unknown": "12:00Z",
    }
    assert result.warnings == (
        (f"{FIXTURES / 'windows_zones.ics'}: unknown time zone 'Atlantis Standard Time' "
        "(no VTIMEZONE); its times are taken as floating"),)


def test_instances_are_sorted_and_all_day_dates_are_dates():
    result = load("exchange_owa.ics")
    spring = next(m for m in result.meetings if m.all_day)
    assert (spring.start, spring.end) == (date(2026, 3, 30), date(2026, 4, 4))
    assert type(spring.start) is date
    timed = [m.start for m in result.meetings if not m.all_day]
    assert timed == sorted(timed)
    assert all(m.start.tzinfo is UTC for m in result.meetings if not m.all_day)
