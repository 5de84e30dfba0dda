"""The cells of whole past days over several devices, kept by what they were made of (issue 17).

A summary of a day over several devices counts each moment once: the union of every device's
spans of the day (`devices.union`), split into the day's cells. For a day that is over, that
union only changes when a span of it changes, so its cells are kept in this device's settings
under a key made of every source's fingerprint of the day: this device's `span_mark` (how many
spans, the sums of their starts, lengths, apps, categories and devices) and each peer's
snapshot (device, time written, spans: a snapshot never changes, a new one has a new time).
A span added, removed or changed anywhere changes the key, and the day is counted again; the
cells kept are the very numbers the union gave (JSON keeps a float whole), so a summary says
the same either way. Today is never kept: it changes with every flush.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from presence.config import Config
from presence.errors import StoreError
from presence.reports.summary import Cells
from presence.logsetup import logger

log = logger(__name__)

SETTING = "union_shown_days"
# Periods kept: a few summaries of different days over a few snapshots each.
KEEP = 16


def key(store, peers: Sequence, lo: float, hi: float, config: Config) -> str:
    """What the cells of [lo, hi) over this device and `peers` (their open snapshots) are
    made of, as one string."""
    from presence.reports.history import zone_name

    theirs = [[p.info.device_id, p.info.written_at, p.info.spans] for p in peers]
    return json.dumps([zone_name(config.tz), lo, hi, sorted(config.virtual_categories),
                       sorted(config.always_active), list(store.span_mark(lo, hi)), theirs])


def kept(store, made_of: str) -> dict[date, Cells] | None:
    """The cells kept under `made_of`, or None."""
    saved = store.get_setting(SETTING)
    days = saved.get(made_of) if isinstance(saved, dict) else None
    if not isinstance(days, dict):
        return None
    return {date.fromisoformat(day): {(hour, app, category): seconds
                                      for hour, app, category, seconds in cells}
            for day, cells in days.items()}


def keep(store, made_of: str, cells: dict[date, Cells]) -> None:
    """Keep `cells` under `made_of` (the oldest periods kept make room)."""
    saved = store.get_setting(SETTING)
    periods = dict(saved) if isinstance(saved, dict) else {}
    periods.pop(made_of, None)
    periods[made_of] = {day.isoformat(): [[hour, app, category, seconds]
                                          for (hour, app, category), seconds in c.items()]
                        for day, c in cells.items()}
    try:
        store.set_setting(SETTING, dict(list(periods.items())[-KEEP:]))
    except StoreError as exc:  # a read-only database: counted again next time
        log.debug("cannot keep the union of past days: %s", exc)
