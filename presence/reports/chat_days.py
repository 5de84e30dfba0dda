"""The chat of whole past days over several devices, kept by what it was made of (issue 17).

A summary's trend reads the chat of the days before the days shown. Over several devices that
is the union of every device's chat intervals (a moment on two screens counts once): a week of
every device read again and merged on every summary, most of what peers cost it. Past days
seldom change, so the union's seconds per day are kept in this device's settings under a key
made of every source's fingerprint of those days (this device's, once they are sealed:
`sealed_mark`, the count of changes to sealed history, without a scan; else and for a peer
`chat_mark`: how many chat spans, the sums of their starts and lengths). A span added,
removed or changed on any device changes the key, and the days are counted again. A peer's fingerprint is itself kept by the snapshot it was
read from (a snapshot never changes: a new one has a new time), so an unchanged peer costs no
scan at all; nothing is kept that a source's file did not give whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from presence.config import Config
from presence.errors import StoreError
from presence.reports.summary import seconds_by_day
from presence.timeline import merge_intervals
from presence.logsetup import logger

log = logger(__name__)

SETTING = "union_chat_days"
# Windows and fingerprints kept: a few summaries of different days, a few snapshots each.
KEEP = 32


def union_chat_by_day(store, peers: Sequence, lo: float, hi: float, config: Config
                      ) -> tuple[dict[date, float], set[int]]:
    """Seconds of chat in each local day of [lo, hi), over this device and `peers` (their
    open snapshots), each moment once.

    Returns:
        The seconds per day, and the indexes of the peers whose file failed (the caller
        leaves them out whole).
    """
    from presence.timeline import zone_name

    virtual, tz = config.virtual_categories, config.tz
    kept = store.get_setting(SETTING)
    unions = dict(kept.get("unions", {})) if isinstance(kept, dict) else {}
    marks = dict(kept.get("marks", {})) if isinstance(kept, dict) else {}
    window = [lo, hi, sorted(virtual)]
    failed: set[int] = set()
    theirs = []
    for index, peer in enumerate(peers):
        info = peer.info
        known = json.dumps([info.device_id, info.written_at, info.spans, *window])
        try:
            mark = marks.get(known) or list(peer.chat_mark(lo, hi, virtual))
        except StoreError as exc:
            log.warning("devices: %s left out: %s", info.name or info.device_id, exc)
            failed.add(index)
            continue
        marks[known] = mark
        theirs.append([info.device_id, mark])
    mine = store.sealed_mark(hi) or store.chat_mark(lo, hi, virtual)
    key = json.dumps([zone_name(tz), *window, list(mine), theirs])
    if key in unions:
        days = {date.fromisoformat(day): secs for day, secs in unions[key].items()}
    else:
        chat = list(store.intervals(lo, hi, virtual))
        for index, peer in enumerate(peers):
            if index in failed:
                continue
            try:
                chat += peer.intervals(lo, hi, virtual)
            except StoreError as exc:
                log.warning("devices: %s left out: %s", peer.info.name or peer.info.device_id,
                            exc)
                failed.add(index)
        days = seconds_by_day(merge_intervals(chat), tz)
        if failed:
            return days, failed  # counted without a broken file: not kept
        unions[key] = {day.isoformat(): secs for day, secs in days.items()}
    if not isinstance(kept, dict) or unions != kept.get("unions") or marks != kept.get("marks"):
        try:
            store.set_setting(SETTING, {"unions": dict(list(unions.items())[-KEEP:]),
                                        "marks": dict(list(marks.items())[-KEEP:])})
        except StoreError as exc:  # a read-only database: counted again next time
            log.debug("cannot keep the union of past chat: %s", exc)
    return days, failed
