"""The ActivityWatch export format, read as a stream (pure: bytes in, values out).

Both the web UI's "Export all buckets" and aw-server's `GET /api/0/export` write one JSON
document, `{"buckets": {ID: {"id", "type", "client", "hostname", "created", "data", "events":
[{"timestamp", "duration", "data"}, ...]}}}`. aw-server writes each bucket's events newest first
and may put `events` before or after the other keys, so this reader does not rely on an order:
it hands out events in batches as they come and each bucket's metadata once the bucket ends.

Timestamps carry a UTC offset (ActivityWatch always writes one); one without is refused, since
nobody could say which hours it meant. Negative durations (aw-server stores what it is sent) are
skipped and counted; zero-length events (a watcher's first heartbeat) add nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from presence.importers.jsonstream import TRUNCATED, JsonStream, JsonStreamError
from presence.model import NAME_LIMIT, TITLE_LIMIT

# Imported events are cut like live samples: rules and storage never see more.
MAX_APP = NAME_LIMIT
MAX_TITLE = TITLE_LIMIT

# An event as the importers use it: (start, end, app or AFK status or tab address, title or
# package), UNIX seconds.
Event = tuple[float, float, "str | None", "str | None"]


class MalformedExport(ValueError):
    """The document is not an ActivityWatch export; the message says what is wrong where."""


@dataclass(frozen=True)
class BucketInfo:
    """One bucket's metadata, known once the bucket has been read.

    Attributes:
        index: position of the bucket in the file (0, 1, ...), the key of its event batches.
        id: the bucket id (`aw-watcher-window_laptop`).
        type: the event type (`currentwindow`, `afkstatus`, `web.tab.current`, ...).
        client: the watcher that wrote it (`aw-watcher-window`, `aw-android`).
        hostname: the device it was recorded on.
        has_events: whether the bucket had an `events` list at all.
        count: events read (including skipped ones).
        negative: events skipped for a negative duration.
    """

    index: int
    id: str
    type: str
    client: str
    hostname: str
    has_events: bool
    count: int
    negative: int


@dataclass(frozen=True)
class EventBatch:
    """Some events of the bucket at `index`, in file order.

    `type` is the bucket's type when the file gave it before the events (aw-server does), so
    a reader can pass over events it will not use; None when it is not known yet.
    """

    index: int
    events: list[Event]
    type: str | None = None


def read_export(stream: JsonStream) -> Iterator[EventBatch | BucketInfo]:
    """Walk an export: event batches as they come, then each bucket's `BucketInfo`.

    Raises:
        MalformedExport: not an export, a malformed event, a timestamp without a zone.
        JsonStreamError: not JSON, truncated, or a value over the size bound.
    """
    kind = stream.peek_kind()
    if kind == "end":
        raise MalformedExport("the file is empty")
    if kind != "object":
        raise MalformedExport("not an ActivityWatch export (expected a JSON object with "
                              "\"buckets\")")
    stream.begin_object()
    found = False
    while (key := stream.next_key()) is not None:
        if key != "buckets":
            stream.skip()
            continue
        found = True
        if _kind(stream) != "object":
            raise MalformedExport("\"buckets\" must be an object of buckets")
        stream.begin_object()
        index = 0
        while (bucket_key := stream.next_key()) is not None:
            yield from _read_bucket(stream, index, bucket_key)
            index += 1
    stream.end()
    if not found:
        raise MalformedExport("not an ActivityWatch export (no \"buckets\" in it)")


def _read_bucket(stream: JsonStream, index: int,
                 key: str) -> Iterator[EventBatch | BucketInfo]:
    if _kind(stream) != "object":
        raise MalformedExport(f"bucket {key!r} is not an object")
    stream.begin_object()
    meta: dict[str, Any] = {}
    has_events, count, negative = False, 0, 0
    while (field := stream.next_key()) is not None:
        if field in ("id", "type", "client", "hostname"):
            meta[field] = stream.value()
            continue
        if field != "events":
            stream.skip()  # created, data, name...: nothing presence uses
            continue
        if _kind(stream) != "array":
            raise MalformedExport(f"bucket {key!r}: \"events\" must be a list")
        has_events = True
        stream.begin_array()
        while run := stream.items():
            batch, negatives = _parse_run(run, key, count)
            count += len(run)
            negative += negatives
            del run  # memory holds one run of events: this one goes before the next is read
            if batch:
                yield EventBatch(index, batch, _text(meta["type"]) if "type" in meta else None)
            del batch
    yield BucketInfo(index, _text(meta.get("id")) or key, _text(meta.get("type")),
                     _text(meta.get("client")), _text(meta.get("hostname")), has_events, count,
                     negative)


def _kind(stream: JsonStream) -> str:
    """What comes next; the end of the file there means it was cut short."""
    kind = stream.peek_kind()
    if kind == "end":
        raise JsonStreamError(TRUNCATED, stream.offset)
    return kind


def _text(value: Any) -> str:
    return value[:MAX_APP] if isinstance(value, str) else ""


def _parse_run(run: list[Any], bucket: str, before: int) -> tuple[list[Event], int]:
    """The events of a decoded run that have a length, and how many had a negative one.

    The loop is the import's hot path: plain events take the short way, and anything unusual
    goes through `parse_event`, which says what is wrong. Zero-length events (a watcher's
    first heartbeat) add nothing and are left out.
    """
    fromiso = datetime.fromisoformat
    out: list[Event] = []
    append = out.append
    # One object per distinct text in the run: staging then writes each text once (marshal
    # refers back to an object it wrote), reading back makes it once, and its hash, which
    # classification needs, is computed once.
    shared = {}.setdefault
    negative = 0
    for number, raw in enumerate(run, before + 1):
        try:
            moment = fromiso(raw["timestamp"])
            duration = raw["duration"]
            data = raw["data"]
            # _fields, written out: this runs for every event of a multi-year export
            app = data.get("app") or data.get("status") or data.get("url")
            detail = data.get("title") or data.get("package")
        except (KeyError, TypeError, ValueError, AttributeError):
            moment = None
        if (moment is None or moment.tzinfo is None or duration.__class__ not in _NUMBERS
                or not 0 <= duration < _INF or app.__class__ not in _TEXT
                or detail.__class__ not in _TEXT):
            event = parse_event(raw, bucket, number)
            if event is None:
                negative += 1
            elif event[1] > event[0]:
                append(event)
            continue
        start = moment.timestamp()
        end = start + duration
        if end > start:
            if app is not None and len(app) > MAX_APP:
                app = app[:MAX_APP]
            if detail is not None and len(detail) > MAX_TITLE:
                detail = detail[:MAX_TITLE]
            append((start, end, shared(app, app), shared(detail, detail)))
    return out, negative


def _fields(data: dict[str, Any]) -> tuple[Any, Any]:
    """What an event says: window app and title, Android app and package, AFK status, or a
    browser tab's address and title."""
    return (data.get("app") or data.get("status") or data.get("url"),
            data.get("title") or data.get("package"))


_NUMBERS = (int, float)
_TEXT = (str, type(None))
_INF = math.inf


def parse_event(raw: Any, bucket: str, number: int) -> Event | None:
    """One event as `(start, end, app or status, title or package)`; None for a negative
    duration.

    Args:
        raw: the decoded JSON event.
        bucket: the bucket's key, for messages.
        number: the event's position in its bucket (1-based), for messages.

    Raises:
        MalformedExport: not an event, a bad timestamp or duration, a timestamp without zone.
    """
    where = f"bucket {bucket!r}, event {number:,}"
    if not isinstance(raw, dict):
        raise MalformedExport(f"{where}: an event must be an object")
    stamp, duration, data = raw.get("timestamp"), raw.get("duration"), raw.get("data")
    if not isinstance(stamp, str):
        raise MalformedExport(f"{where}: no \"timestamp\" string")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise MalformedExport(f"{where}: timestamp {stamp[:40]!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise MalformedExport(f"{where}: timestamp {stamp[:40]!r} has no UTC offset "
                              "(ActivityWatch writes one, e.g. +00:00)")
    if (not isinstance(duration, (int, float)) or isinstance(duration, bool)
            or not math.isfinite(duration)):
        raise MalformedExport(f"{where}: \"duration\" must be a number of seconds")
    if duration < 0:
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MalformedExport(f"{where}: \"data\" must be an object")
    start = moment.timestamp()
    app, detail = _fields(data)
    return (start, start + duration,
            app[:MAX_APP] if isinstance(app, str) else None,
            detail[:MAX_TITLE] if isinstance(detail, str) else None)
