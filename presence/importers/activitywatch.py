"""`presence import activitywatch`: an ActivityWatch export into presence's history.

Which bucket becomes what (DESIGN §3 Import):
- window buckets (`currentwindow`, aw-watcher-window): spans of the device of their host —
  this device when the host is this machine — cut by the AFK bucket of the same host;
- aw-android buckets (`aw-watcher-android*`, `currentwindow`): spans of a device named after
  the phone's hostname ("Pixel 8"), classified by package name;
- AFK buckets are read for the cut, web buckets (aw-watcher-web) for the tab in front where
  the window was a browser of the same host (its time then counts as the web app the tab
  shows: WhatsApp Web in Firefox is messaging, `whatsapp in firefox`); a web bucket with no
  window bucket beside it, and every other type, is counted and skipped.

The file is read once, as a stream; events are staged on disk, then each bucket is turned into
spans in time order and written in one transaction. Importing an export again adds nothing:
only time that the device's stored spans do not cover yet is written.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import itertools
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from presence.config import Config
from presence.devices.identity import this_device
from presence.errors import InputError
from presence.importers import awspans
from presence.importers.awexport import (BucketInfo, Event, EventBatch, MalformedExport,
                                         read_export)
from presence.importers.awspans import SpanRow
from presence.importers.jsonstream import JsonStream, JsonStreamError
from presence.model import AWAY
from presence.timeline import day_bounds, local_day
from presence.store import Store
from presence.store.devices import Device

WINDOW, PHONE, AFK, WEB, OTHER = "window", "phone", "afk", "web", "other"
# What aw-android calls itself (bucket id `aw-watcher-android-test`, client `aw-android`).
_ANDROID = ("aw-watcher-android", "aw-android")
UNNAMED_PHONE = "Android phone"
UNNAMED_DESKTOP = "unknown desktop"
ORIGIN = "activitywatch"  # the registry's `origin` of the devices an import brings
BATCH = 5000  # spans written by one `insert_spans`


@dataclass(frozen=True)
class DeviceImport:
    """What an import brought for one device.

    Attributes:
        device: the device's name (`presence devices`).
        this_device: whether it is the device presence runs on.
        days: local days the export covers for it.
        seconds_added: seconds of activity (away excluded) not stored before.
    """

    device: str
    this_device: bool
    days: int
    seconds_added: float


@dataclass(frozen=True)
class ImportResult:
    """What one import read, wrote and skipped."""

    source: str
    buckets: int
    events: int
    devices: tuple[DeviceImport, ...]
    skipped: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def added(self) -> bool:
        """Whether anything new was stored."""
        return any(d.seconds_added > 0 for d in self.devices)


def used_type(type_: str) -> bool:
    """Whether events of a bucket of this type are read (window, phone, AFK or web)."""
    return type_ in ("currentwindow", "afkstatus") or type_.startswith("web.tab")


def bucket_kind(info: BucketInfo) -> str:
    """`window`, `phone`, `afk`, `web` or `other`."""
    if info.type == "currentwindow":
        if info.id.startswith(_ANDROID) or info.client.startswith(_ANDROID):
            return PHONE
        return WINDOW
    if info.type == "afkstatus":
        return AFK
    if info.type.startswith("web.tab"):
        return WEB
    return OTHER


# aw-watcher-web names its buckets after the browser: `aw-watcher-web-firefox`.
_WEB_PREFIX = "aw-watcher-web-"
# A web watcher that could not learn its host writes this (or nothing).
_NO_HOST = ("", "unknown")


def web_browser(info: BucketInfo) -> str:
    """The browser a web bucket watched (`firefox`, `chrome`), or "" when it does not say."""
    return info.id[len(_WEB_PREFIX):].lower() if info.id.startswith(_WEB_PREFIX) else ""


# Seconds aw-server may take to start answering; the export itself then streams without limit.
URL_TIMEOUT = 30
EXPORT_PATH = "/api/0/export"

# progress(total bytes or None) -> called with each read's byte count, or None for no bar
Progress = Callable[["int | None"], "Callable[[int], None] | None"]


def import_activitywatch(store: Store, config: Config, now: float, *,
                         file: Path | None = None, url: str | None = None,
                         progress: Progress | None = None) -> ImportResult:
    """Import an ActivityWatch export file, or the export of a running aw-server.

    Args:
        store: the database to write.
        config: the effective configuration.
        now: when the import runs.
        file: an export file (the web UI's "Export all buckets").
        url: an aw-server (`http://127.0.0.1:5600`); its `/api/0/export` is read.
        progress: makes the progress callback once the size is known.

    Raises:
        InputError: unreadable or malformed input, an unreachable server (nothing stored).
    """
    if (file is None) == (url is None):
        raise InputError("give an export file or --url, not both or neither (e.g. presence "
                         "import activitywatch aw-buckets-export.json)")
    if file is not None:
        try:
            stream: IO[bytes] = open(file, "rb")  # noqa: SIM115 - closed below
            size: int | None = os.fstat(stream.fileno()).st_size
        except OSError as exc:
            raise InputError(f"{file}: cannot read the export ({exc.strerror})") from None
        source = str(file)
    else:
        source = export_url(url or "")
        stream, size = _open_url(source)
    with stream:
        on_read = progress(size) if progress is not None else None
        me = this_device(store, config, now)
        return import_export(store, config, stream, source, me, this_host(), now, on_read)


def export_url(url: str) -> str:
    """The export address of an aw-server: `/api/0/export` unless the URL names a path.

    Raises:
        InputError: not an http(s) URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{url!r} is not an aw-server address; write one like "
                         "http://127.0.0.1:5600")
    if parts.path in ("", "/"):
        return parts._replace(path=EXPORT_PATH).geturl()
    return parts.geturl()


def _open_url(url: str) -> tuple[IO[bytes], int | None]:
    import urllib.error
    import urllib.request

    try:
        response = urllib.request.urlopen(url, timeout=URL_TIMEOUT)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: the server answered {exc.code} {exc.reason} (is it "
                         "aw-server?)") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"{url}: cannot reach aw-server ({reason}); is ActivityWatch "
                         "running?") from None
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def this_host() -> str:
    """The host name ActivityWatch records for this machine."""
    return socket.gethostname()


def import_export(store: Store, config: Config, raw: IO[bytes], source: str, me: Device,
                  host: str, now: float,
                  on_read: Callable[[int], None] | None = None) -> ImportResult:
    """Import one ActivityWatch export.

    Args:
        store: the database to write.
        config: rules, privacy settings and the zone for day counts.
        raw: the export as a binary stream (a file or an HTTP response).
        source: how to name the export in messages (its path or URL).
        me: this device (its window buckets' spans become its own).
        host: this machine's host name, as ActivityWatch's buckets record it.
        now: when the import runs (the registry notes when a device was added).
        on_read: called with the bytes each read brought (a progress bar).

    Raises:
        InputError: the export is malformed (nothing is stored).
        StoreError: the database could not be written (nothing is stored).
    """
    store.start_staging()
    # The import makes and drops millions of tuples and dicts and no cycles: the collector's
    # passes over them (one per 700 new objects) found nothing and cost a tenth of its time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        infos, staged = _stage(store, raw, source, on_read)
        return _write(store, config, infos, staged, source, me, host, now)
    finally:
        if collecting:
            gc.enable()
        store.stop_staging()


@dataclass
class _Staged:
    """Which staged batches hold one bucket's events, and in what order the events came."""

    first: int
    last: int
    previous: float | None = None
    ascending: bool = True
    descending: bool = True

    @property
    def order(self) -> str:
        """`ascending`, `descending` or `unsorted` (ties count as unsorted)."""
        if self.ascending:
            return "ascending"
        return "descending" if self.descending else "unsorted"

    def add(self, batch: int, starts: list[float]) -> None:
        """Note the next batch of the bucket and its events' starts, in file order."""
        chain = starts if self.previous is None else [self.previous, *starts]
        self.ascending = self.ascending and all(map(float.__lt__, chain, chain[1:]))
        self.descending = self.descending and all(map(float.__gt__, chain, chain[1:]))
        self.previous = starts[-1]
        self.last = batch


def _stage(store: Store, raw: IO[bytes], source: str, on_read: Callable[[int], None] | None
           ) -> tuple[dict[int, BucketInfo], dict[int, _Staged]]:
    infos: dict[int, BucketInfo] = {}
    staged: dict[int, _Staged] = {}
    try:
        with store.staging():
            for item in read_export(JsonStream(raw, on_read=on_read)):
                if isinstance(item, BucketInfo):
                    infos[item.index] = item
                    continue
                if item.type is not None and not used_type(item.type):
                    continue  # another kind of bucket: read, counted, never staged
                batch = store.stage(item.events)
                staged.setdefault(item.index, _Staged(batch, batch)).add(
                    batch, [event[0] for event in item.events])
                del item  # staged: the reader may read the next run in its place
    except (JsonStreamError, MalformedExport) as exc:
        raise InputError(f"{source}: {exc}; nothing was imported") from None
    except OSError as exc:
        raise InputError(f"{source}: reading failed ({exc}); nothing was imported") from None
    return infos, staged


def _write(store: Store, config: Config, infos: dict[int, BucketInfo],
           staged: dict[int, _Staged], source: str, me: Device, host: str,
           now: float) -> ImportResult:
    def staged_events(index: int) -> Iterator[Event]:
        place = staged.get(index)
        if place is None:  # no event of any length
            return iter(())
        return store.staged(place.first, place.last, place.order)

    afk_of = {i.hostname: i.index for i in infos.values()
              if bucket_kind(i) == AFK and i.has_events}
    skipped, notes, plans = [], [], []
    webs = [i for i in infos.values() if bucket_kind(i) == WEB and i.count]
    used_webs: set[int] = set()
    for info in infos.values():
        kind = bucket_kind(info)
        if info.negative:
            notes.append(f"{info.id}: {info.negative:,} event"
                         f"{'' if info.negative == 1 else 's'} with a negative duration skipped")
        if kind in (WINDOW, PHONE) and not info.count:
            skipped.append(f"{info.id}: no events in the bucket")
        elif kind in (WINDOW, PHONE):
            plans.append((info, kind))
        elif kind == OTHER:
            skipped.append(f"{info.id}: type {info.type or 'unknown'!r} is not app time")
    totals: dict[str, tuple[str, bool, set, float]] = {}
    with store.bulk_spans("the import was not stored"):
        for info, kind in plans:
            device_id, name, mine = _device_of(info, kind, me, host)
            if not mine:
                store.register_device(device_id, name, ORIGIN, now)
            days, added = totals.get(device_id, (name, mine, set(), 0.0))[2:]
            events = awspans.clip_overlaps(staged_events(info.index))
            if kind == PHONE:
                spans = awspans.classify_phone(config, events)
            else:
                tabs = [w for w in webs if w.hostname == info.hostname
                        or (mine and w.hostname.strip().lower() in _NO_HOST)]
                used_webs.update(w.index for w in tabs)
                spans = awspans.classify_window(config, events, awspans.Tabs(config, {
                    web_browser(w): staged_events(w.index) for w in tabs}) if tabs else None)
                if info.hostname in afk_of:
                    afk = awspans.afk_periods(staged_events(afk_of[info.hostname]))
                    spans = awspans.cut_afk(spans, afk, config.always_active)
            added += _store_new(store, awspans.merge_touching(spans), device_id, config, days)
            totals[device_id] = (name, mine, days, added)
    for info in infos.values():
        if bucket_kind(info) == WEB and info.index not in used_webs:
            what = (f"{info.count:,} tab event{'' if info.count == 1 else 's'}" if info.count
                    else "no events")
            skipped.append(f"{info.id}: browser tabs ({what}) with no window bucket of "
                           f"{info.hostname or 'its host'} to name")
    devices = tuple(DeviceImport(name, mine, len(days), added)
                    for name, mine, days, added in totals.values() if days)
    used = ([info for info, _ in plans] + [infos[i] for i in afk_of.values()]
            + [infos[i] for i in sorted(used_webs)])
    return ImportResult(source, len(used), sum(i.count for i in used), devices,
                        tuple(skipped), tuple(notes))


def imported_device_id(name: str) -> str:
    """The id of a device whose history came from ActivityWatch: the same at every import of
    it (derived from its name), shaped like a random device id."""
    return hashlib.sha256(f"{ORIGIN}\0{name}".encode()).hexdigest()[:16]


def _device_of(info: BucketInfo, kind: str, me: Device, host: str) -> tuple[str, str, bool]:
    """(device id, name, whether it is this device) for a window or phone bucket."""
    if kind == WINDOW and info.hostname in (host, me.name):
        return me.id, me.name, True
    name = info.hostname.strip()
    if kind == PHONE and (not name or name.lower() == "unknown"):
        name = UNNAMED_PHONE
    return imported_device_id(name or UNNAMED_DESKTOP), name or UNNAMED_DESKTOP, False


def _store_new(store: Store, spans: Iterator[SpanRow], device: str, config: Config,
               days: set) -> float:
    """Write the parts of `spans` (sorted by start) the device's history does not cover, and
    add the local day of every span's start to `days`; seconds written (away not counted)."""
    batches = _batches(spans, config, days)
    first = next(batches, None)
    if first is None:
        return 0.0
    covered = store.covered(device, first[0][0])
    block = next(covered, None)
    if block is not None:  # stored history to leave out: the spans one by one, in batches
        fresh = awspans.uncovered(itertools.chain.from_iterable(
            itertools.chain([first], batches)), itertools.chain([block], covered))
        batches = iter(lambda: list(itertools.islice(fresh, BATCH)), [])
    else:
        batches = itertools.chain([first], batches)
    seconds = 0.0
    for batch in batches:
        store.insert_spans(batch, device)
        seconds += sum([s[1] - s[0] for s in batch if s[3] != AWAY])
    return seconds


def _batches(spans: Iterator[SpanRow], config: Config, days: set) -> Iterator[list[SpanRow]]:
    """`spans` (sorted by start) in lists of `BATCH`, adding the local day of each one's start
    to `days` as they pass: a bisection per day, not a look at every span."""
    while batch := list(itertools.islice(spans, BATCH)):
        starts = [span[0] for span in batch]
        at = 0
        while at < len(starts):
            day = local_day(starts[at], config.tz)
            days.add(day)
            at = bisect.bisect_left(starts, day_bounds(day, config.tz)[1], at + 1)
        yield batch
