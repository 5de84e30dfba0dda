"""Day and week aggregation of stored spans (pure).

Day boundaries are local midnights in the configured zone, so a DST day has 23 or 25 hours,
and a span across midnight is split between the two days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Iterable

from presence.model import AWAY, Span


def day_bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    """UNIX seconds of local midnight starting `day` and the next local midnight."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.timestamp(), end.timestamp()


def local_day(at: float, tz: tzinfo) -> date:
    """The local date in `tz` of UNIX time `at`."""
    return datetime.fromtimestamp(at, tz).date()


def clipped_seconds(span: Span, start: float, end: float) -> float:
    """Seconds of `span` inside [start, end)."""
    return max(0.0, min(span.end, end) - max(span.start, start))


def category_minutes(spans: Iterable[Span], start: float, end: float) -> dict[str, float]:
    """Minutes per category of the spans' parts inside [start, end), away excluded."""
    totals: dict[str, float] = defaultdict(float)
    for span in spans:
        if span.category != AWAY:
            totals[span.category] += clipped_seconds(span, start, end) / 60
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))
