"""ActivityWatch events → presence spans (pure, streaming: sorted iterables in and out).

Each step takes its input in time order and yields in time order, holding one item at a time,
so a multi-year bucket costs what one day costs in memory:

  clip_overlaps   events of one bucket that overlap are counted once (the earlier one keeps
                  the shared time: aw-watcher-window's pulsetime lets an event run on a little)
  classify_window / classify_phone
                  the same rules and names as live samples (a phone's package name included;
                  a browser's time named by its tab where aw-watcher-web saw one)
  cut_afk         the desktop's window time inside the AFK bucket's `afk` periods is `away`,
                  except for always-active categories (a call without typing)
  merge_touching  equal spans that meet become one
  uncovered       only what the device's stored spans do not cover yet, so importing twice
                  adds nothing and presence's own recording wins where both saw the same time

Spans travel as plain `(start, end, app, category, title)` tuples (`SpanRow`): a frozen
`Span` costs microseconds to build, and a multi-year import builds millions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from presence.classify import explain, stored_title
from presence.config import Config
from presence.importers.awexport import Event
from presence.model import AWAY
from presence.probe.names import normalise

# (start, end, app, category, title): a `presence.model.Span` as a tuple
SpanRow = tuple[float, float, "str | None", str, "str | None"]

AFK = "afk"
# Two events closer than this touch: timestamps and durations are floats of microseconds.
TOUCH = 1e-3


def clip_overlaps(events: Iterable[Event]) -> Iterator[Event]:
    """Events (sorted by start) with every overlap removed; an event inside an earlier one
    is dropped, one that runs past it starts where the earlier one ends."""
    reach = float("-inf")
    for event in events:
        start, end = event[0], event[1]
        if start >= reach:
            if end > start:  # the common case: kept as it came
                yield event
                reach = end
        elif end > reach:
            yield (reach, end, event[2], event[3])
            reach = end


# Distinct (app, title) pairs remembered while classifying: a year holds a few thousand.
_SEEN = 50_000


def classify_window(config: Config, events: Iterable[Event],
                    tabs: Tabs | None = None) -> Iterator[SpanRow]:
    """Desktop window events `(start, end, app, title)` → spans, classified and named like
    live samples (the app name normalised as the probes do, a web app in a browser tab under
    its own name; the title stored only when opted in).

    Where the window was a browser whose title names no web app, the browser's tabs (`tabs`,
    from aw-watcher-web) name that time instead when the tab in front does.
    """
    seen: dict[tuple[str | None, str | None], tuple[SpanBody, str | None]] = {}
    for start, end, app, title in events:
        known = seen.get((app, title))
        if known is None:
            if len(seen) >= _SEEN:
                seen.clear()
            name = normalise(app)
            verdict = explain(config, name, title)
            body = (verdict.counted_as(name), verdict.category,
                    stored_title(config, title, verdict.category))
            # A browser whose own title named no web app: its tabs may.
            browser = (name if tabs is not None and name and verdict.web_app is None
                       and config.browsers.search(name) is not None else None)
            known = seen[(app, title)] = (body, browser)
        body, browser = known
        if browser is None:
            yield (start, end, *body)
        else:
            for at, stop, named in tabs.split(browser, start, end):  # type: ignore[union-attr]
                yield (at, stop, *(named or body))


SpanBody = tuple["str | None", str, "str | None"]


class Tabs:
    """The tabs in front in each browser (aw-watcher-web buckets), read along with the window
    events in time order: which web app a browser showed when.

    `streams` maps a browser's name as its bucket gives it (`firefox`, `chrome`) to its tab
    events `(start, end, url, title)`, sorted by start.
    """

    def __init__(self, config: Config, streams: dict[str, Iterable[Event]]):
        """Read `streams` (each sorted by start) with the rules of `config`."""
        self._config = config
        self._streams = {key: _Cursor(clip_overlaps(events)) for key, events in streams.items()}
        self._named: dict[tuple[str, str | None, str | None], SpanBody | None] = {}

    def _cursor(self, browser: str) -> _Cursor | None:
        for key, cursor in self._streams.items():
            if key and key in browser:
                return cursor
        return next(iter(self._streams.values())) if len(self._streams) == 1 else None

    def split(self, browser: str, start: float,
              end: float) -> Iterator[tuple[float, float, SpanBody | None]]:
        """[start, end) of `browser` in pieces, each with what its tab names (None: nothing,
        the window's own naming stands). Calls must come in time order per browser."""
        cursor = self._cursor(browser)
        at = start
        while cursor is not None and at < end:
            tab = cursor.first_ending_after(at)
            if tab is None or tab[0] >= end:
                break
            if tab[0] > at:
                yield (at, tab[0], None)
                at = tab[0]
            stop = min(tab[1], end)
            yield (at, stop, self._name(browser, tab[2], tab[3]))
            at = stop
        if at < end:
            yield (at, end, None)

    def _name(self, browser: str, url: str | None, title: str | None) -> SpanBody | None:
        key = (browser, url, title)
        if key not in self._named:
            if len(self._named) >= _SEEN:
                self._named.clear()
            named = None
            # The tab's title as the window would show it, else its address (web.whatsapp.com).
            for text in (title, url):
                verdict = explain(self._config, browser, text) if text else None
                if verdict is not None and verdict.web_app is not None:
                    named = (verdict.counted_as(browser), verdict.category,
                             stored_title(self._config, title, verdict.category))
                    break
            self._named[key] = named
        return self._named[key]


class _Cursor:
    """A sorted stream of events read forward: the first one that ends after a moment."""

    def __init__(self, events: Iterator[Event]):
        self._events = events
        self._current = next(events, None)

    def first_ending_after(self, at: float) -> Event | None:
        while self._current is not None and self._current[1] <= at:
            self._current = next(self._events, None)
        return self._current


def classify_phone(config: Config, events: Iterable[Event]) -> Iterator[SpanRow]:
    """aw-android events `(start, end, app, package)` → spans, classified by package name
    first (the shipped Android rules), then by app name like a desktop app."""
    seen: dict[tuple[str | None, str | None], tuple[str | None, str, None]] = {}
    for start, end, app, package in events:
        known = seen.get((app, package))
        if known is None:
            if len(seen) >= _SEEN:
                seen.clear()
            name = normalise(app) or package
            known = seen[(app, package)] = (
                name, explain(config, name, None, None, package).category, None)
        yield (start, end, *known)


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


def cut_afk(spans: Iterable[SpanRow], afk: Iterable[tuple[float, float]],
            always_active: frozenset[str]) -> Iterator[SpanRow]:
    """Spans with their time inside `afk` periods turned into `away` (no app, no title).

    Both inputs are sorted and non-overlapping. Spans of an always-active category stay whole.
    """
    periods = iter(afk)
    period = next(periods, None)
    for span in spans:
        start, end, app, category, title = span
        if category in always_active or period is None:
            yield span
            continue
        at = start
        while at < end:
            while period is not None and period[1] <= at:
                period = next(periods, None)
            if period is None or period[0] >= end:
                yield span if at == start else (at, end, app, category, title)
                break
            if period[0] > at:
                yield (at, period[0], app, category, title)
                at = period[0]
            stop = min(period[1], end)
            yield (at, stop, None, AWAY, None)
            at = stop


def merge_touching(spans: Iterable[SpanRow]) -> Iterator[SpanRow]:
    """Sorted spans with equal neighbours that meet (or nearly: `TOUCH`) joined into one."""
    current: SpanRow | None = None
    for span in spans:
        if (current is not None and span[0] - current[1] <= TOUCH and span[2] == current[2]
                and span[3] == current[3] and span[4] == current[4]):
            if span[1] > current[1]:
                current = (current[0], span[1], current[2], current[3], current[4])
            continue
        if current is not None:
            yield current
        current = span
    if current is not None:
        yield current


# The store keeps times to the millisecond, and a span that starts in the same millisecond
# as another device's moves to the next one: a remainder shorter than this is no new time.
GRAIN = 0.01


def uncovered(spans: Iterable[SpanRow],
              covered: Iterable[tuple[float, float]]) -> Iterator[SpanRow]:
    """The parts of sorted, non-overlapping `spans` outside the `covered` intervals (sorted by
    start; they may overlap each other)."""
    intervals = iter(covered)
    block = next(intervals, None)
    for span in spans:
        if block is None:
            yield span
            continue
        start, end, app, category, title = span
        at = start
        while at < end:
            while block is not None and block[1] <= at:
                block = next(intervals, None)
            if block is None or block[0] >= end:
                if at == start:
                    yield span
                elif end - at >= GRAIN:
                    yield (at, end, app, category, title)
                break
            if block[0] - at >= GRAIN:
                yield (at, block[0], app, category, title)
            at = max(at, block[1])
