"""How the daemon's spans reach the store: a flush at each change of span and
`flush_seconds` after the last one, each one transaction (the closed spans, the open span,
and the daemon's record when what it holds changed), retried while the database refuses,
and started afresh when the file was replaced or damaged under it. What is in front now and
when the daemon flushed last are read from its latest span (`Store.in_front`), so nearly
every flush is one statement writing one page.

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
from presence.store.flushes import DAEMON_KEY

log = logging.getLogger(__name__)

# What the daemon's record holds besides its pid and `since`, in order (`_steady_record`).
_RECORD_FIELDS = ("probe", "wanted_probe", "probe_error", "interval", "device", "store_error",
                  "missed_ticks", "listens", "notifier")


class SpanWriter:
    """The daemon's writes (mixed into `Daemon`, whose state they share and whose slots
    hold it)."""

    __slots__ = ()

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
    _beat: tuple[object, ...] | None
    _since: float | None
    _holds_stale: bool
    recheck_holds: Callable[[], None]

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
        self._beat = None  # the fresh file holds no record of this daemon yet: write it
        self.recheck_holds()
        return True

    def _store_failed(self, exc: StoreError) -> None:
        # One clear line per outage, not one per tick.
        if self.store_error is None:
            log.error("cannot write the database, sampling goes on in memory and writes are "
                      "retried: %s", exc)
        self.store_error = str(exc)

    def flush(self, now: float, retry: bool = True) -> None:
        """Write the closed spans and the open span as it stands (inserted once, then its end
        moved: its end is the heartbeat `presence status` reads), with the daemon's record
        when it changed: all in one transaction. The next flush is due `flush_seconds` after
        this one."""
        self._last_flush = now
        self._calm_from, self._calm_until = now, (
            now + self._flush_seconds if self._paused_until is None else -math.inf)
        if self._holds_stale:
            # poked since this tick began (a signal may come between any two steps here)
            self._calm_until = -math.inf
        if self._open is not None:
            self._save(now, retry)

    def _save(self, now: float, retry: bool = True) -> None:
        """The flush's one transaction. All of it or none: what was not written stays
        queued and is written with the next, so a crash loses exactly what came after the
        latest span's end (the time `presence status` gives as the daemon's heartbeat)."""
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
        if self._since is None or current.start < self._since:
            # the first span of this run (or one before it: the clock was set back)
            self._since, self._beat = current.start, None
        # what is in front and when this flush was are the spans themselves (the new span
        # is stored at the switch); the daemon's record only when what it holds changed
        steady = self._steady_record()
        # `since`: from when on its spans are this run's (where the first it wrote starts)
        records = () if steady == self._beat else (
            (DAEMON_KEY, json.dumps(dict(self.record(), since=self._since))),)
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
        self._beat = steady
        if self.store_error is not None:
            log.warning("database writable again; everything sampled meanwhile is stored")
            self.store_error = None

    def record(self) -> dict[str, object]:
        """What this daemon says of itself (`presence status` reads it back through
        `Store.daemon_record`, with the end of its latest span as the time)."""
        return {"pid": os.getpid(), **dict(zip(_RECORD_FIELDS, self._steady_record()))}

    def _steady_record(self) -> tuple[object, ...]:
        # the record but its pid (no flush changes it, and asking costs a system call), in
        # the order of `_RECORD_FIELDS`: a tuple, compared at every flush
        nudger = self.nudger
        return (self.probe.name if self.probe else None, self.wanted_probe, self.probe_error,
                self.config.interval, self.device, self.store_error, self.missed_ticks,
                self.listens, getattr(nudger.outbox, "channels", None) if nudger else None)
