"""Reading DURATION, DAY, TIME and window bounds as users type them (pure; the ONE parser).

DURATION reads like `45s`, `90m`, `2h`, `1h30m`. DAY is `today`, `yesterday` or `YYYY-MM-DD`.
TIME is ISO 8601 with or without an offset (without one: the given zone), a date (its local
midnight), or `HH:MM` for today. A window bound (`--from`, `--to`) is a TIME or a DAY; as the
end of a window a DAY means the end of that day. Every command that takes one of these reads
it here, so `export --from yesterday` works as `summary yesterday` does.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from presence.errors import InputError
from presence.model import in_range
from presence.timeline import midnight

# The longest DURATION any command takes: a year (a snooze, a focus window, logged time).
MAX_DURATION = timedelta(days=366)
_FIRST_DAY, _LAST_DAY = date(1970, 1, 2), date(8999, 12, 30)

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_WORDS = {"today": 0, "yesterday": 1}


def parse_duration(text: str) -> timedelta:
    """`1h30m` → 90 minutes.

    Raises:
        InputError: not a duration, or zero.
    """
    cleaned = text.strip().lower().replace(" ", "")
    match = _DURATION.match(cleaned) if len(cleaned) <= 40 else None
    if not text.strip() or match is None:
        raise InputError(f"{text[:40]!r} is not a duration; write it like 45s, 90m, 2h or "
                         "1h30m")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total <= 0:
        raise InputError(f"{text!r} is not a duration longer than zero")
    if total > MAX_DURATION.total_seconds():
        raise InputError(f"{text!r} is longer than {MAX_DURATION.days} days; write a shorter "
                         "duration")
    return timedelta(seconds=total)


def parse_day(text: str, today: date) -> date:
    """`today`, `yesterday` or `YYYY-MM-DD` as a local date.

    Args:
        text: what the user typed.
        today: the local date now (from the caller's clock and zone).

    Raises:
        InputError: none of those.
    """
    word = text.strip().lower()
    if word in _DAY_WORDS:
        return today - timedelta(days=_DAY_WORDS[word])
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise InputError(f"{text[:40]!r} is not a day; write today, yesterday or a date like "
                         "2026-03-29") from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise InputError(f"{text!r} is out of range: give a day from {_FIRST_DAY} to "
                         f"{_LAST_DAY}")
    return day


def is_clock_time(text: str) -> bool:
    """Whether `text` is a bare time of day (`HH:MM` or `HH:MM:SS`), with no date."""
    return _CLOCK.fullmatch(text.strip()) is not None


def parse_time(text: str, tz: tzinfo, today: date | None = None) -> datetime:
    """An aware datetime from ISO 8601, a date, or `HH:MM` (on `today`, in `tz`).

    Raises:
        InputError: none of those forms, or `HH:MM` without a `today`.
    """
    raw = text.strip()
    if is_clock_time(raw):
        if today is None:
            raise InputError(f"{text!r}: give a date too, like 2026-03-02T{raw}")
        try:
            clock_time = time.fromisoformat(raw.zfill(5) if len(raw) == 4 else raw)
        except ValueError as exc:
            raise InputError(f"{text!r} is not a time of day (HH:MM)") from exc
        return _in_range(datetime.combine(today, clock_time, tzinfo=tz), text)
    try:
        value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError as exc:
        raise InputError(f"{text!r} is not a time; write ISO 8601 like 2026-03-02T18:30, "
                         "2026-03-02T18:30+01:00, 2026-03-02 or 18:30") from exc
    return _in_range(value if value.tzinfo is not None else value.replace(tzinfo=tz), text)


def _in_range(value: datetime, text: str) -> datetime:
    try:
        fits = in_range(value.timestamp())
    except (OverflowError, OSError, ValueError):
        fits = False
    if not fits:
        raise InputError(f"{text!r} is out of range: give a time from 1970 to 8999")
    return value


def parse_bound(text: str, tz: tzinfo, today: date, *, end: bool = False) -> datetime:
    """One bound of a window (`--from` or `--to`): a TIME, or a DAY.

    A DAY (`today`, `yesterday`, a bare date) starts at its local midnight; as the end of a
    window (`end=True`) it includes that whole day, up to the next local midnight.

    Raises:
        InputError: neither a TIME nor a DAY.
    """
    raw = text.strip()
    if raw.lower() in _DAY_WORDS or _DATE.fullmatch(raw):
        day = parse_day(raw, today)
        return midnight(day + timedelta(days=1) if end else day, tz)
    return parse_time(raw, tz, today)


def parse_window(start: str, end: str, tz: tzinfo, today: date) -> tuple[datetime, datetime]:
    """START and END of a window typed as two TIMEs (`focus add 22:00 04:00`).

    An END given as a bare time of day that is not after START falls on the next local day at
    that wall-clock time, which is 23 or 25 hours later on the nights the clocks change.

    Raises:
        InputError: either is not a TIME, or the window ends before it starts.
    """
    begin = parse_time(start, tz, today)
    finish = parse_time(end, tz, today)
    if finish <= begin and is_clock_time(end):
        finish = parse_time(end, tz, begin.astimezone(tz).date() + timedelta(days=1))
    if finish <= begin:
        raise InputError(f"the window ends ({end}) before it starts ({start})")
    return begin, finish


def format_minutes(minutes: float) -> str:
    """`100` → `1 h 40 min`; `45` → `45 min`; under a minute → `0 min`."""
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def format_short(minutes: float) -> str:
    """The compact form a status bar has room for: `42` → `42m`; `70` → `1h10`; `120` → `2h`."""
    total = int(round(minutes))
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def format_until(at: float, now: float, tz: tzinfo) -> str:
    """When something ends, as a person reads it: `14:30` today, `Tue 14:30` on another day."""
    moment = datetime.fromtimestamp(at, tz)
    if moment.date() == datetime.fromtimestamp(now, tz).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%a %H:%M")

