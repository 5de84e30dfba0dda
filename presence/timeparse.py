"""Reading DURATION and TIME arguments (pure).

DURATION reads like `45s`, `90m`, `2h`, `1h30m`. TIME is ISO 8601 with or without an offset
(without one: the given zone), a date (`2026-03-02`, midnight), or `HH:MM` for today.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from presence.errors import InputError

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """`1h30m` → 90 minutes.

    Raises:
        InputError: not a duration, or zero.
    """
    match = _DURATION.match(text.strip().lower().replace(" ", ""))
    if not text.strip() or match is None:
        raise InputError(f"{text!r} is not a duration; write it like 45s, 90m, 2h or 1h30m")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= timedelta(0):
        raise InputError(f"{text!r} is not a duration longer than zero")
    return value


def parse_time(text: str, tz: tzinfo, today: date | None = None) -> datetime:
    """An aware datetime from ISO 8601, a date, or `HH:MM` (on `today`, in `tz`).

    Raises:
        InputError: none of those forms.
    """
    raw = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", raw):
        if today is None:
            raise InputError(f"{text!r}: give a date too, like 2026-03-02T{raw}")
        try:
            clock_time = time.fromisoformat(raw.zfill(5) if len(raw) == 4 else raw)
        except ValueError as exc:
            raise InputError(f"{text!r} is not a time of day (HH:MM)") from exc
        return datetime.combine(today, clock_time, tzinfo=tz)
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a time; write ISO 8601 like 2026-03-02T18:30, "
                         "2026-03-02T18:30+01:00, 2026-03-02 or 18:30") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def format_minutes(minutes: float) -> str:
    """`100` → `1 h 40 min`; `45` → `45 min`; under a minute → `0 min`."""
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"
