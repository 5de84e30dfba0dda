"""Time zone names as calendars write them → IANA zones.

Exchange and Outlook write Windows zone names ("W. Europe Standard Time") in TZID parameters,
often without the VTIMEZONE that should define them; Evolution and Thunderbird write "globally
unique" ids such as "/mozilla.org/20050126_1/Europe/Berlin". This module maps those names to IANA
zones (issue 3). Pure: no clock, no OS beyond the zoneinfo database.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from functools import lru_cache

# The Windows names seen most in real exports (CLDR windowZones.xml, territory "001").
# icalendar ships a fuller table, consulted after this one for the rarer names.
WINDOWS_ZONES: dict[str, str] = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Turkey Standard Time": "Europe/Istanbul",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Kolkata",
    "SE Asia Standard Time": "Asia/Bangkok",
    "Singapore Standard Time": "Asia/Singapore",
    "China Standard Time": "Asia/Shanghai",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns",
    "Canada Central Standard Time": "America/Regina",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "SA Pacific Standard Time": "America/Bogota",
    "Pacific SA Standard Time": "America/Santiago",
    "Argentina Standard Time": "America/Buenos_Aires",
    "E. South America Standard Time": "America/Sao_Paulo",
}


# Older Outlook versions write the zone's display name, "(UTC+01:00) Amsterdam, Berlin, Bern,
# Rome, Stockholm, Vienna", as the TZID; its cities are IANA names, the US ones are not.
_DISPLAY_NAME = re.compile(r"^\((?:UTC|GMT)\s*(?:[+-]\d{1,2}(?::?\d{2})?)?\)\s*(.+)$", re.IGNORECASE)
_US_DISPLAY = {"eastern time (us & canada)": "America/New_York",
               "central time (us & canada)": "America/Chicago",
               "mountain time (us & canada)": "America/Denver",
               "pacific time (us & canada)": "America/Los_Angeles",
               "coordinated universal time": "UTC"}


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """City → IANA name, from the zone database ("new york" → "America/New_York")."""
    from zoneinfo import available_timezones

    cities: dict[str, str] = {}
    for key in sorted(available_timezones()):
        if "/" not in key or key.startswith(("Etc/", "posix/", "right/", "SystemV/", "US/")):
            continue
        cities.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return cities


def _display_name(name: str) -> str | None:
    match = _DISPLAY_NAME.match(name)
    if match is None:
        return None
    rest = match.group(1).strip()
    if rest.lower() in _US_DISPLAY:
        return _US_DISPLAY[rest.lower()]
    for city in re.split(r"[,/]| - ", rest):
        key = _cities().get(city.strip().lower())
        if key is not None:
            return key
    return None


@lru_cache(maxsize=512)
def iana_zone(name: str) -> tzinfo | None:
    """The IANA zone called exactly `name`, or None when zoneinfo does not know it."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@lru_cache(maxsize=512)
def iana_name(tzid: str) -> str | None:
    """The IANA name for a TZID that has no VTIMEZONE in its file.

    Tries, in order: the name itself, a Windows zone name, the IANA suffix of a "globally
    unique" id (`/mozilla.org/20050126_1/Europe/Berlin` → `Europe/Berlin`), and a Windows
    display name (`(UTC+01:00) Amsterdam, Berlin, ...` → `Europe/Amsterdam`).

    Args:
        tzid: the TZID parameter value, unquoted.

    Returns:
        An IANA zone name that zoneinfo knows, or None when the name means nothing here.
    """
    name = tzid.strip().strip('"').strip()
    if iana_zone(name) is not None:
        return name
    windows = WINDOWS_ZONES.get(name)
    if windows is None:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        windows = WINDOWS_TO_OLSON.get(name)
    if windows is not None and iana_zone(windows) is not None:
        return windows
    parts = [part for part in name.split("/") if part]
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if "/" in candidate and iana_zone(candidate) is not None:
            return candidate
    return _display_name(name)


def is_iana(tzid: str) -> bool:
    """Whether `tzid` is itself an IANA zone name (so zoneinfo, not the file, defines it)."""
    return iana_zone(tzid.strip().strip('"')) is not None
