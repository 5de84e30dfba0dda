"""ActivityWatch events → presence spans (pure, streaming: sorted iterables in and out).

Each step takes its input in time order and yields in time order, holding one item at a time,
so a multi-year bucket costs what one day costs in memory:

  clip_overlaps   events of one bucket that overlap are counted once (the earlier one keeps
                  the shared time: aw-watcher-window's pulsetime lets an event run on a little)
  classify_window / classify_phone
                  the same rules as live samples (a phone's package name included)
  cut_afk         the desktop's window time inside the AFK bucket's `afk` periods is `away`,
                  except for always-active categories (a call without typing)
  merge_touching  equal spans that meet become one
  uncovered       only what the device's stored spans do not cover yet, so importing twice
                  adds nothing and presence's own recording wins where both saw the same time
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from presence.classify import explain, stored_title
from presence.config import Config
from presence.importers.awexport import Event
from presence.model import AWAY, Span
from presence.probe.names import normalise

AFK = "afk"
# Two events closer than this touch: timestamps and durations are floats of microseconds.
TOUCH = 1e-3


def clip_overlaps(events: Iterable[Event]) -> Iterator[Event]:
    """Events (sorted by start) with every overlap removed; an event inside an earlier one
    is dropped, one that runs past it starts where the earlier one ends."""
    reach = float("-inf")
    for start, end, app, detail in events:
        if start < reach:
            start = reach
        if end > start:
            yield (start, end, app, detail)
            reach = end


def classify_window(config: Config, events: Iterable[Event]) -> Iterator[Span]:
    """Desktop window events `(start, end, app, title)` → spans, classified like live samples
    (the app name normalised as the probes do; the title stored only when opted in)."""
    for start, end, app, title in events:
        name = normalise(app)
        category = explain(config, name, title).category
        yield Span(start, end, name, category, stored_title(config, title, category))


def classify_phone(config: Config, events: Iterable[Event]) -> Iterator[Span]:
    """aw-android events `(start, end, app, package)` → spans, classified by package name
    first (the shipped Android rules), then by app name like a desktop app."""
    for start, end, app, package in events:
        name = normalise(app) or package
        yield Span(start, end, name, explain(config, name, None, None, package).category)


def afk_periods(events: Iterable[Event]) -> Iterator[tuple[float, float]]:
    """The `afk` periods of an AFK bucket's events (sorted, overlaps clipped), merged."""
    current: tuple[float, float] | None = None
    for start, end, status, _ in clip_overlaps(events):
        if status != AFK:
            continue
        if current is not None and start - current[1] <= TOUCH:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def cut_afk(spans: Iterable[Span], afk: Iterable[tuple[float, float]],
            always_active: frozenset[str]) -> Iterator[Span]:
    """Spans with their time inside `afk` periods turned into `away` (no app, no title).

    Both inputs are sorted and non-overlapping. Spans of an always-active category stay whole.
    """
    periods = iter(afk)
    period = next(periods, None)
    for span in spans:
        if span.category in always_active:
            yield span
            continue
        at = span.start
        while at < span.end:
            while period is not None and period[1] <= at:
                period = next(periods, None)
            if period is None or period[0] >= span.end:
                yield _part(span, at, span.end)
                break
            if period[0] > at:
                yield _part(span, at, period[0])
                at = period[0]
            stop = min(period[1], span.end)
            yield Span(at, stop, None, AWAY)
            at = stop


def _part(span: Span, start: float, end: float) -> Span:
    if start == span.start and end == span.end:
        return span
    return Span(start, end, span.app, span.category, span.title)


def merge_touching(spans: Iterable[Span]) -> Iterator[Span]:
    """Sorted spans with equal neighbours that meet (or nearly: `TOUCH`) joined into one."""
    current: Span | None = None
    for span in spans:
        if (current is not None and span.start - current.end <= TOUCH
                and (span.app, span.category, span.title)
                == (current.app, current.category, current.title)):
            current = Span(current.start, max(current.end, span.end), current.app,
                           current.category, current.title)
            continue
        if current is not None:
            yield current
        current = span
    if current is not None:
        yield current


def uncovered(spans: Iterable[Span], covered: Iterable[tuple[float, float]]) -> Iterator[Span]:
    """The parts of sorted, non-overlapping `spans` outside the `covered` intervals (sorted by
    start; they may overlap each other)."""
    intervals = iter(covered)
    block = next(intervals, None)
    for span in spans:
        at = span.start
        while at < span.end:
            while block is not None and block[1] <= at:
                block = next(intervals, None)
            if block is None or block[0] >= span.end:
                yield _part(span, at, span.end)
                break
            if block[0] > at:
                yield _part(span, at, block[0])
            at = max(at, block[1])
