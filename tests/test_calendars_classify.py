"""Classification in the DESIGN §3 order, one row per rule, each with its reason."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from presence import config
from presence.calendar.expand import CalendarSettings, load_instances

UTC = timezone.utc
ME = "me@example.com"
SETTINGS = CalendarSettings.shipped(tz=ZoneInfo("Europe/Berlin"), owners=frozenset({ME}))
WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
TIMED = "DTSTART:20260310T120000Z\nDTEND:20260310T130000Z"
WITH_SAM = "ATTENDEE;CN=Sam;PARTSTAT=ACCEPTED:mailto:sam@example.org"


def verdict(body: str, settings: CalendarSettings = SETTINGS,
            head: str = "") -> tuple[str, str]:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *head.splitlines(),
             "BEGIN:VEVENT", "UID:e", *[line.strip() for line in body.strip().splitlines()],
             "END:VEVENT", "END:VCALENDAR"]
    data = ("\r\n".join(line for line in lines if line) + "\r\n").encode("utf-8")
    result = load_instances(data, "c.ics", *WINDOW, settings)
    assert result.warnings == ()
    (meeting,) = result.meetings
    return meeting.kind, meeting.reason


CASES = [
    # declined by the owner beats everything after it
    (f"{TIMED}\nLOCATION:Room 1\nATTENDEE;PARTSTAT=DECLINED:mailto:Me@Example.com",
     ("excluded", "declined by me@example.com")),
    ((f"{TIMED}\nLOCATION:Café Central\nATTENDEE;PARTSTAT=DECLINED:mailto:sam@example.org\n"
     "ATTENDEE;PARTSTAT=ACCEPTED:mailto:kim@example.org"),
     ("in_person", "place in LOCATION")),
    (f"{TIMED}\nTRANSP:TRANSPARENT\nLOCATION:Room 1",
     ("excluded", "marked free (TRANSP:TRANSPARENT)")),
    (f"{TIMED}\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\nLOCATION:Room 1",
     ("excluded", "marked free (X-MICROSOFT-CDO-BUSYSTATUS:FREE)")),
    ("DTSTART;VALUE=DATE:20260310\nLOCATION:Room 1", ("excluded", "all-day")),
    (f"{TIMED}\nSUMMARY:Tentative", ("excluded", "busy-only entry 'Tentative' (unknown)")),
    # an explicit tag decides before any signal
    (f"{TIMED}\nCATEGORIES:Work,Face-to-face\nLOCATION:https://zoom.us/j/1",
     ("in_person", "tag 'Face-to-face' in CATEGORIES")),
    (f"{TIMED}\nCATEGORIES:Online\nLOCATION:Room 1",
     ("virtual", "tag 'Online' in CATEGORIES")),
    (f"{TIMED}\nCATEGORIES:Offsite planning\nLOCATION:https://zoom.us/j/1",
     ("virtual", "Zoom link in LOCATION")),
    # solo blocks with solo titles are not meetings; with company they are
    (f"{TIMED}\nSUMMARY:Focus time\nLOCATION:Library", ("excluded", ("solo block titled "
                                                         "'Focus time'"))),
    # ...but a social title at a place is a plan (DESIGN §3: "no place" is part of solo)
    (f"{TIMED}\nSUMMARY:Lunch\nLOCATION:Ramen Bar\nORGANIZER:mailto:{ME}",
     ("in_person", "place in LOCATION")),
    (f"{TIMED}\nSUMMARY:Lunch\nORGANIZER:mailto:{ME}", ("excluded", "solo block titled 'Lunch'")),
    (f"{TIMED}\nSUMMARY:Gym\nLOCATION:FitX Mitte", ("excluded", "solo block titled 'Gym'")),
    (f"{TIMED}\nSUMMARY:Lunch\nLOCATION:Ramen Bar\n{WITH_SAM}",
     ("in_person", "place in LOCATION")),
    (f"{TIMED}\nSUMMARY:Holdings review\nLOCATION:Ramen Bar",
     ("in_person", "place in LOCATION")),
    # conference signals
    (f"{TIMED}\nX-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/1",
     ("virtual", "Teams link in X-MICROSOFT-SKYPETEAMSMEETINGURL")),
    (f"{TIMED}\nCONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.jit.si/presence-test",
     ("virtual", "Jitsi link in CONFERENCE")),
    (f"{TIMED}\nURL:https://acme.webex.com/meet/sam",
     ("virtual", "Webex link in URL")),
    (f"{TIMED}\nLOCATION:Zoom", ("virtual", "'Zoom' in LOCATION")),
    (f"{TIMED}\nLOCATION:tel:+4930123456", ("virtual", "phone number in LOCATION")),
    (f"{TIMED}\nDESCRIPTION:Join: https://meet.google.com/abc-defg-hij",
     ("virtual", "Meet link in DESCRIPTION")),
    # physical signals
    (f"{TIMED}\nATTENDEE;CUTYPE=ROOM;CN=Room 4.1:mailto:room41@example.com\n{WITH_SAM}",
     ("in_person", "room attendee: Room 4.1")),
    (f"{TIMED}\nATTENDEE;CN=Berlin-5-Atlas (8):mailto:c_188abc@resource.calendar.google.com",
     ("in_person", "room attendee: Berlin-5-Atlas (8)")),
    (f"{TIMED}\nGEO:52.52;13.40", ("in_person", "GEO position")),
    (f"{TIMED}\nLOCATION:Konferenzraum Spree", ("in_person", "place in LOCATION")),
    (f"{TIMED}\nLOCATION:Meeting room B\\, 2nd floor", ("in_person", "room in LOCATION")),
    (f"{TIMED}\nLOCATION:221B Baker Street\\, London", ("in_person", "address in LOCATION")),
    # both: hybrid
    (f"{TIMED}\nLOCATION:Room 2; https://us02web.zoom.us/j/123",
     ("in_person", "room in LOCATION and Zoom link: hybrid → in_person")),
    (f"{TIMED}\nLOCATION:Hauptstr. 5\\, Berlin\nX-GOOGLE-CONFERENCE:https://meet.google.com/x",
     ("in_person", "address in LOCATION and Meet link: hybrid → in_person")),
    # nothing
    (f"{TIMED}\nSUMMARY:Think", ("excluded", "no place and no call link (unknown)")),
    (f"{TIMED}\nLOCATION:TBD", ("excluded", "no place and no call link (unknown)")),
    (f"{TIMED}\nLOCATION:https://example.com/agenda",
     ("excluded", "no place and no call link (unknown)")),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_classification_order(body, expected):
    assert verdict(body) == expected


def test_owner_from_x_wr_calname_only_when_it_is_an_address():
    body = f"{TIMED}\nLOCATION:Room 1\nATTENDEE;PARTSTAT=DECLINED:mailto:kim@example.org"
    nobody = CalendarSettings.shipped(tz=ZoneInfo("UTC"))
    assert verdict(body, nobody, head="X-WR-CALNAME:kim@example.org") == (
        "excluded", "declined by kim@example.org")
    assert verdict(body, nobody, head="X-WR-CALNAME:Kim's calendar")[0] == "in_person"


def test_solo_without_known_owner_counts_the_organizer_as_the_user():
    nobody = CalendarSettings.shipped(tz=ZoneInfo("UTC"))
    assert verdict(f"{TIMED}\nSUMMARY:Gym\nORGANIZER:mailto:x@example.com\nLOCATION:FitX",
                   nobody) == ("excluded", "solo block titled 'Gym'")
    assert verdict(f"{TIMED}\nSUMMARY:Gym\nORGANIZER:mailto:x@example.com\nLOCATION:FitX\n"
                   f"{WITH_SAM}", nobody) == ("in_person", "place in LOCATION")


def test_settings_from_config_files(tmp_path: Path):
    user = tmp_path / "config.toml"
    user.write_text('timezone = "Asia/Tokyo"\n[calendar]\nowner_emails = ["Me@Example.com"]\n'
                    'hybrid = "virtual"\nin_person_tags = ["meatspace"]\n'
                    'virtual_tags = ["cyber"]\nsolo_titles = ["nap"]\n'
                    'conference_domains = ["Talk.Example.net"]\n', "utf-8")
    cfg = config.load(user, required=True)
    settings = CalendarSettings.from_config(cfg, owners=["  kim@example.org "])
    assert settings.tz == ZoneInfo("Asia/Tokyo")
    assert settings.owners == frozenset({"me@example.com", "kim@example.org"})
    assert verdict(f"{TIMED}\nCATEGORIES:Meatspace\nLOCATION:https://zoom.us/j/1",
                   settings) == ("in_person", "tag 'Meatspace' in CATEGORIES")
    assert verdict(f"{TIMED}\nCATEGORIES:cyber", settings) == (
        "virtual", "tag 'cyber' in CATEGORIES")
    assert verdict(f"{TIMED}\nSUMMARY:Nap\nLOCATION:Sofa", settings) == (
        "excluded", "solo block titled 'Nap'")
    assert verdict(f"{TIMED}\nSUMMARY:Gym\nLOCATION:FitX", settings) == (
        "in_person", "place in LOCATION")
    assert verdict(f"{TIMED}\nLOCATION:Room 1; https://talk.example.net/r/abc", settings) == (
        "virtual", "room in LOCATION and talk.example.net link: hybrid → virtual")
    assert verdict(f"{TIMED}\nLOCATION:Room 1\nATTENDEE;PARTSTAT=DECLINED:mailto:kim@example.org",
                   settings) == ("excluded", "declined by kim@example.org")


def test_shipped_defaults():
    cfg = config.load(Path("/nonexistent/presence-config.toml"))
    settings = CalendarSettings.from_config(cfg)
    assert settings.hybrid == "in_person" and settings.owners == frozenset()
    assert "ooo" in settings.solo_titles and "in-person" in settings.in_person_tags


# Personal plans (issue 12, item 1): personal calendars carry neither attendees nor addresses.
PLANS = [
    # whole words: "Travel planning with Ana" is no travel block, and names Ana
    ("SUMMARY:Travel planning with Ana", ("excluded", "no place and no call link (unknown)")),
    ("SUMMARY:Travel", ("excluded", "solo block titled 'Travel'")),
    ("SUMMARY:Travelodge check-in\nLOCATION:Travelodge Kings Cross",
     ("in_person", "place in LOCATION")),
    # "Lunch with Priya" at an address is lunch with Priya
    ("SUMMARY:Lunch with Priya\nLOCATION:Torstraße 1\\, Berlin",
     ("in_person", "address in LOCATION")),
    ("SUMMARY:Lunch with Priya",
     ("in_person", "personal plan: 'lunch' with a person named in the title (no place needed)")),
    ("SUMMARY:Dinner with Sam", ("in_person", "personal plan: 'dinner' with a person named in "
                                 "the title (no place needed)")),
    ("SUMMARY:Coffee w/ Sam & Jo", ("in_person", "personal plan: 'coffee' with a person named "
                                    "in the title (no place needed)")),
    ("SUMMARY:Dinner: Ana\\, Ben", ("in_person", "personal plan: 'dinner' with a person named "
                                    "in the title (no place needed)")),
    ("SUMMARY:Kaffee mit Jörg", ("in_person", "personal plan: 'kaffee' with a person named "
                                 "in the title (no place needed)")),
    ("SUMMARY:Dinner", ("excluded", "no place and no call link (unknown)")),
    ("SUMMARY:Dinner with the team", ("excluded", "no place and no call link (unknown)")),
    (f"SUMMARY:Dinner\n{WITH_SAM}", ("in_person", "personal plan: 'dinner' with other "
                                     "attendees (no place needed)")),
    # a call word or a conference signal says it is a call
    ("SUMMARY:Call with Sam", ("virtual", "call word 'call' in the title")),
    ("SUMMARY:Call with landlord", ("virtual", "call word 'call' in the title")),
    ("SUMMARY:Dinner with Sam (FaceTime)", ("virtual", "call word 'facetime' in the title")),
    ("SUMMARY:Coffee with Sam\nLOCATION:Phone: +1 (646) 555-0142",
     ("virtual", "phone number in LOCATION")),
    ("SUMMARY:Lunch with Priya\nLOCATION:https://meet.google.com/abc-defg-hij",
     ("virtual", "Meet link in LOCATION")),
]


@pytest.mark.parametrize(("body", "expected"), PLANS)
def test_personal_plans(body, expected):
    assert verdict(f"{TIMED}\n{body}") == expected


def test_the_owners_own_name_in_a_title_is_nobody_else(tmp_path: Path):
    user = tmp_path / "config.toml"
    user.write_text('[calendar]\nowner_names = ["Casey"]\n', "utf-8")
    settings = CalendarSettings.from_config(config.load(user, required=True))
    assert verdict(f"{TIMED}\nSUMMARY:Dinner: Casey & Kim", settings)[0] == "in_person"
    assert verdict(f"{TIMED}\nSUMMARY:Dinner with Casey", settings) == (
        "excluded", "no place and no call link (unknown)")


def test_social_words_are_configurable(tmp_path: Path):
    user = tmp_path / "config.toml"
    user.write_text('[calendar]\nsocial_words = ["skat"]\n', "utf-8")
    settings = CalendarSettings.from_config(config.load(user, required=True))
    assert verdict(f"{TIMED}\nSUMMARY:Skat with Opa", settings)[0] == "in_person"
    assert verdict(f"{TIMED}\nSUMMARY:Dinner with Sam", settings)[0] == "excluded"
