"""Heartbeat merge of samples into spans (pure).

A sample holds until the next one. Consecutive equal samples extend one span while the gap
between them is at most the pulse time; a change hands over at the new sample's time, so no
second is lost or counted twice. A longer gap (suspend, a clock jump either way, the daemon
stopped) closes the span at its last sample: nothing bridges time that was not observed.
"""

from __future__ import annotations

from presence.frozen import frozen
from typing import Iterable

from presence.model import Span


def pulse_time(interval: float) -> float:
    """The longest gap between two samples that still continues a span."""
    return max(1.5 * interval, interval + 1.0)


@frozen
class OpenSpan:
    """The span being extended: from `start` to its latest sample at `last`."""

    start: float
    last: float
    app: str | None
    category: str
    title: str | None = None

    def as_span(self, end: float | None = None) -> Span:
        """The span so far, ending at `end` or at its latest sample."""
        return Span(self.start, self.last if end is None else end, self.app, self.category,
                    self.title)


def continues(current: OpenSpan, last: float, at: float, app: str | None, category: str,
              title: str | None, pulse: float) -> bool:
    """Whether a sample at `at` extends `current`, whose latest sample was at `last`: the
    same activity, after a gap of at most the pulse time (never back in time)."""
    return (0 <= at - last <= pulse and current.app == app and current.category == category
            and current.title == title)


def step(current: OpenSpan | None, at: float, app: str | None, category: str,
         title: str | None, pulse: float) -> tuple[Span | None, OpenSpan]:
    """Feed one sample.

    Returns:
        The span this sample closed (or None) and the open span afterwards. A closed span may
        have zero length (one sample, then a gap); callers skip those.
    """
    if current is None:
        return None, OpenSpan(at, at, app, category, title)
    if continues(current, current.last, at, app, category, title, pulse):
        # a plain constructor is several times faster than replace()
        return None, OpenSpan(current.start, at, current.app, current.category, current.title)
    # a change hands over at the new sample when the gap is bridged, else at the last sample
    bridged = continues(current, current.last, at, current.app, current.category,
                        current.title, pulse)
    closed = current.as_span(end=at if bridged else None)
    return closed, OpenSpan(at, at, app, category, title)


def merge(samples: Iterable[tuple[float, str | None, str, str | None]], pulse: float) -> list[Span]:
    """Merge `(at, app, category, title)` samples into spans; zero-length spans are dropped."""
    spans: list[Span] = []
    current: OpenSpan | None = None
    for at, app, category, title in samples:
        closed, current = step(current, at, app, category, title, pulse)
        if closed is not None and closed.end > closed.start:
            spans.append(closed)
    if current is not None and current.last > current.start:
        spans.append(current.as_span())
    return spans
