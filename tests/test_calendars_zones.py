"""Zone names as calendars write them → IANA zones."""

from __future__ import annotations

import pytest

from presence.calendar.zones import iana_name, is_iana


@pytest.mark.parametrize(("tzid", "expected"), [
    ("Europe/Berlin", "Europe/Berlin"),
    ('"Europe/Berlin"', "Europe/Berlin"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Eastern Standard Time", "America/New_York"),
    ("GMT Standard Time", "Europe/London"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("India Standard Time", "Asia/Kolkata"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("UTC", "UTC"),
    ("Venezuela Standard Time", "America/Caracas"),  # from icalendar's fuller table
    ("/mozilla.org/20050126_1/America/Argentina/Buenos_Aires",
     "America/Argentina/Buenos_Aires"),
    ("/freeassociation.sourceforge.net/Tzfile/Europe/Paris", "Europe/Paris"),
    ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Amsterdam"),
    ("(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
    ("Customized Time Zone", None),
    ("Atlantis Standard Time", None),
    ("", None),
    ("../../etc/passwd", None),
])
def test_iana_name(tzid, expected):
    assert iana_name(tzid) == expected


def test_is_iana():
    assert is_iana("Asia/Tokyo") and not is_iana("Tokyo Standard Time")
