"""How the daemon's spans reach the store: a flush at each change of span and
`flush_seconds` after the last one, each one transaction (the closed spans, the open span,
the "now" record and the heartbeat), retried while the database refuses, and started
afresh when the file was replaced or damaged under it.

`SpanWriter` is the half of `Daemon` that writes; the sampling half is in `daemon.py`.
"""

from __future__ import annotations

import json
import logging
import math
import os
from typing import Any, Callable

from presence import spans
from presence.errors import StoreError
from presence.model import Span
from presence.store import Store, is_damage

log = logging.getLogger(__name__)


class SpanWriter:
    """The daemon's writes (mixed into `Daemon`, whose state they share)."""

    store: Store | None
    nudger: Any
    device: str
    ticks: int
    store_error: str | None
    _recover: Callable[[Store, str], tuple[Store, bool]] | None
    _open: spans.OpenSpan | None
    _last: float
    _last_flush: float | None
    _calm_from: float
    _calm_until: float
    _flush_seconds: float
    _paused_until: float | None
    _open_row: int | None
    _pending: list[tuple[int | None, Span]]
    _shown: tuple[float, str | None, str] | None
    _beat: tuple[tuple[object, ...], str] | None
    _now_heads: dict[tuple[str | None, str], str]
    _holds_stale: bool

    def _start_afresh(self, why: str) -> bool:
        """Go on with a database at the same path after the file was replaced or damaged
        under us; what is in memory (queued spans, the open span) is written there."""
        assert self._recover is not None and self.store is not None
        try:
            self.store, kept = self._recover(self.store, why)
        except (StoreError, OSError) as exc:
            log.error("the database was %s and no fresh one could be started: %s", why, exc)
            return False
        if self.nudger is not None:
            self.nudger.store = self.store
        if not kept:
            # the rows written before are in the moved file: write the spans whole again
            self._pending = [(None, span) for _, span in self._pending]
            self._open_row = None
        self._shown = None  # the fresh file holds no "now" record yet: write it at once
        self._holds_stale = True
        return True

    def _store_failed(self, exc: StoreError) -> None:
        # One clear line per outage, not one per tick.
        if self.store_error is None:
            log.error("cannot write the database, sampling goes on in memory and writes are "
                      "retried: %s", exc)
        self.store_error = str(exc)

    def flush(self, now: float, retry: bool = True) -> None:
        """Write the closed spans, the open span as it stands (inserted once, then its end
        moved), the "now" record when it changed, and the heartbeat that `presence status`
        reads: all in one transaction. The next flush is due `flush_seconds` after this one."""
        self._last_flush = now
        self._calm_from, self._calm_until = now, (
            now + self._flush_seconds if self._paused_until is None else -math.inf)
        if self._open is not None:
            self._save(now, retry)

    def _save(self, now: float, retry: bool = True) -> None:
        """The flush's one transaction. All of it or none: the heartbeat never claims a
        flush whose spans did not land, so a crash loses exactly what came after the last
        heartbeat; what was not written stays queued and is written with the next."""
        store = self.store
        if store is None:
            self._pending.clear()
            return
        if retry and self._recover is not None:
            problem = store.file_problem()
            if problem is not None and self._start_afresh(problem):
                store = self.store
        current = self._open
        assert current is not None
        shown = (current.start, current.app, current.category)
        beat = ("daemon", self._heartbeat_json(now))
        records = (beat,) if shown == self._shown else (beat, ("now", self._now_json(current)))
        try:
            row = store.flush_spans(self._pending, current.as_span(self._last), self._open_row,
                                    self.device, records)
        except StoreError as exc:
            if retry and self._recover is not None and is_damage(exc) and \
                    self._start_afresh("damaged"):
                self._save(now, retry=False)
                return
            self._store_failed(exc)
            return
        self._pending.clear()
        self._open_row = row
        self._shown = shown
        if self.store_error is not None:
            log.warning("database writable again; everything sampled meanwhile is stored")
            self.store_error = None

    def _now_json(self, current: spans.OpenSpan) -> str:
        """The "now" record (what is in front, since when: `status`, the bar and the tray)
        as JSON; what names the app and its category is encoded once per pair."""
        key = (current.app, current.category)
        head = self._now_heads.get(key)
        if head is None:
            head = self._now_heads[key] = json.dumps(
                {"app": current.app, "category": current.category, "since": 0.0})[:-4]
        return f"{head}{float(current.start)!r}}}"

    def _heartbeat_json(self, now: float) -> str:
        """`heartbeat(now)` as JSON; the parts that stay from flush to flush are encoded
        once, not every flush."""
        steady = self._steady_beat()
        kept = self._beat
        if kept is None or kept[0] != steady:
            beat = self.heartbeat(now)
            del beat["at"], beat["ticks"]
            kept = self._beat = (steady, json.dumps(beat)[1:])
        return f'{{"at": {float(now)!r}, "ticks": {self.ticks}, {kept[1]}'

    def _steady_beat(self) -> tuple[object, ...]:
        """What the heartbeat holds besides its time and tick count, as a tuple to compare."""
        nudger = self.nudger
        return (os.getpid(), self.probe, self.wanted_probe, self.probe_error,
                self.config.interval, self.device, self.store_error, self.missed_ticks,
                self.listens, getattr(nudger.outbox, "channels", None) if nudger else None)

    def heartbeat(self, now: float) -> dict[str, object]:
        """What `presence status` shows about this daemon."""
        return {"pid": os.getpid(), "at": now, "probe": self.probe.name if self.probe else None,
                "wanted_probe": self.wanted_probe, "probe_error": self.probe_error,
                "interval": self.config.interval, "device": self.device,
                "store_error": self.store_error, "ticks": self.ticks,
                "missed_ticks": self.missed_ticks, "listens": self.listens,
                "notifier": getattr(self.nudger.outbox, "channels", None) if self.nudger
                else None}
