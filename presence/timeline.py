"""Local days and intervals of UNIX time (pure; the ONE copy of each).

A local day runs from one local midnight in the given zone to the next, so a DST day lasts 23
or 25 hours; an interval is a `(start, end)` pair of UNIX seconds, end exclusive. Everything
that asks "which day is this", "when does this day start" or "how much of this time is
covered" asks here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # a contract for the type checker alone

Interval = tuple[float, float]


class Timed(Protocol):
    """Anything with a start and an end in UNIX seconds (a span, a focus window)."""

    start: float
    end: float


def zone_name(tz: tzinfo) -> str:
    """The key caches of local days are stored under: the IANA name of the zone."""
    return getattr(tz, "key", None) or str(tz)


def local_day(at: float, tz: tzinfo) -> date:
    """The local date in `tz` of UNIX time `at`."""
    return datetime.fromtimestamp(at, tz).date()


def midnight(day: date, tz: tzinfo) -> datetime:
    """Local midnight starting `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=tz)


def day_bounds(day: date, tz: tzinfo) -> Interval:
    """UNIX seconds of local midnight starting `day` and the next local midnight."""
    return midnight(day, tz).timestamp(), midnight(day + timedelta(days=1), tz).timestamp()


def iso_utc(at: float) -> str:
    """UNIX seconds as UTC ISO 8601 with `Z`, to the second: the one form of a time in every
    JSON document presence writes (DESIGN §2)."""
    # isoformat writes the same digits as strftime("%Y-%m-%dT%H:%M:%SZ") in half the time
    # (a year is four digits from 1000 on; presence's times start in 1970)
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="seconds")[:19] + "Z"


def overlap(start: float, end: float, lo: float, hi: float) -> float:
    """Seconds of [start, end) inside [lo, hi)."""
    return max(0.0, min(end, hi) - max(start, lo))


def clipped_seconds(item: Timed, lo: float, hi: float) -> float:
    """Seconds of a span (or anything timed) inside [lo, hi)."""
    return overlap(item.start, item.end, lo, hi)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same time (overlaps counted once).

    Empty and backwards intervals are dropped; the input is not changed.
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def union_seconds(intervals: Iterable[Interval]) -> float:
    """Seconds covered by the intervals, overlaps counted once."""
    return sum(end - start for start, end in merge_intervals(intervals))


def covered_seconds(merged: Iterable[Interval], lo: float, hi: float) -> float:
    """Seconds of [lo, hi) inside already merged intervals (see `merge_intervals`)."""
    total = 0.0
    for start, end in merged:
        # `overlap` of each, inline: a year of everyone's occasions is thousands of them
        start, end = max(start, lo), min(end, hi)
        if end > start:
            total += end - start
    return total
