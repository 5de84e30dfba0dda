"""The cells of whole past days over several devices, kept by what they were made of (issue 17).

A summary of a day over several devices counts each moment once: the union of every device's
spans of the day (`devices.union`), split into the day's cells. For a day that is over, that
union only changes when a span of it changes, so its cells are kept in this device's settings
under a key made of every source's fingerprint of the day: this device's (once the day is
sealed, `sealed_mark`: the count of changes to sealed history, no scan; else `span_mark`: how
many spans, the sums of their starts, lengths, apps, categories and devices) and each peer's
snapshot (device, time written, spans: a snapshot never changes, a new one has a new time).
A span added, removed or changed anywhere changes the key, and the day is counted again; the
cells kept are the very numbers the union gave (JSON keeps a float whole), so a summary says
the same either way. Each peer's own time of those days (the summary's time by device, one
aggregate per peer and day) is kept beside them under the same key, so a summary of a past day
reads no span of a peer beyond those during its in-person meetings (phubbing). Today is never kept: it changes with every flush.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from presence.config import Config
from presence.errors import StoreError
from presence.frozen import frozen
from presence.reports.summary import Cells
from presence.logsetup import logger

log = logger(__name__)

# The periods kept (each under `SETTING:<what it was made of>`) with the peers' time by
# device; the cells alone were kept under the earlier name, which an older presence still
# reads (a name of its own: neither misreads the other).
SETTING = "union_shown_days_2"
EARLIER = "union_shown_days"
# Periods kept: a few summaries of different days over a few snapshots each.
KEEP = 16


@frozen
class Kept:
    """What was kept of a period: each day's cells, and each day's `(peer name, category,
    seconds)` of the peers' time by device (None when it was not read then)."""

    cells: dict
    devices: dict | None


def key(store, peers: Sequence, lo: float, hi: float, config: Config) -> str:
    """What the cells of [lo, hi) over this device and `peers` (their open snapshots) are
    made of, as one string."""
    from presence.timeline import zone_name

    theirs = [[p.info.device_id, p.info.written_at, p.info.spans] for p in peers]
    mine = store.sealed_mark(hi) or store.span_mark(lo, hi)
    return json.dumps([zone_name(config.tz), lo, hi, sorted(config.virtual_categories),
                       sorted(config.always_active), list(mine), theirs])


def _entry_key(made_of: str) -> str:
    return f"{SETTING}:{made_of}"


def kept(store, made_of: str) -> Kept | None:
    """The cells (and the peers' time by device, when it was kept) kept under `made_of`, or
    None."""
    entry = store.get_setting(_entry_key(made_of))
    if not isinstance(entry, dict) or not isinstance(entry.get("cells"), dict):
        return None
    days = entry["cells"]
    rows = entry.get("devices")
    return Kept(
        {date.fromisoformat(day): {(hour, app, category): seconds
                                   for hour, app, category, seconds in cells}
         for day, cells in days.items()},
        None if not isinstance(rows, dict) else {
            date.fromisoformat(day): [tuple(row) for row in day_rows]
            for day, day_rows in rows.items()})


def keep(store, made_of: str, cells: dict[date, Cells],
         devices: dict[date, list[tuple[str, str, float]]] | None) -> None:
    """Keep `cells` and the peers' time by device `devices` (None: not read) under
    `made_of` (the oldest periods kept make room).

    Each period is a setting of its own, so that a summary parses only the one it shows (a
    week's is tens of kilobytes); `SETTING` lists them, oldest first.
    """
    entry: dict = {"cells": {day.isoformat(): [[hour, app, category, seconds]
                                                for (hour, app, category), seconds in c.items()]
                             for day, c in cells.items()}}
    if devices is not None:
        entry["devices"] = {day.isoformat(): [list(row) for row in rows]
                            for day, rows in devices.items()}
    try:
        with store.transaction("could not keep the union of past days"):
            listed = store.get_setting(SETTING)
            # (a dict: this round's first layout, every period in the one setting)
            periods = [k for k in listed if isinstance(k, str)] \
                if isinstance(listed, list) else []
            if not periods:  # the first kept: the earlier layouts' go
                store.delete_setting(EARLIER)
            periods = [k for k in periods if k != made_of] + [made_of]
            for gone in periods[:-KEEP]:
                store.delete_setting(_entry_key(gone))
            store.set_setting(_entry_key(made_of), entry)
            store.set_setting(SETTING, periods[-KEEP:])
    except StoreError as exc:  # a read-only database: counted again next time
        log.debug("cannot keep the union of past days: %s", exc)
