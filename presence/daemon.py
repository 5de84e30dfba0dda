"""The sampling loop: probe → classify → spans → store.

`Daemon.tick(now)` does one sample at an explicit time; `Daemon.run()` paces ticks on the
monotonic clock. Every collaborator (config, store, probe opener, clocks, sleeper) is injected,
so tests drive the loop with `max_ticks` and a scripted probe.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Callable

from presence import clock, holds, spans
from presence.classify import Verdict, judge, stored_title
from presence.config import Config
from presence.errors import StoreError
from presence.model import AWAY, PAUSED, Classified, Sample, Span
from presence.nudges.nudger import Nudger
from presence.probe.base import Probe
from presence.probe.holder import ProbeHolder
from presence.store import Store, is_damage

log = logging.getLogger(__name__)

# Closed spans kept in memory while the database refuses writes (a day of busy switching).
MAX_PENDING = 20_000


@dataclass(frozen=True)
class Tick:
    """What one tick saw and decided."""

    classified: Classified
    open_span: spans.OpenSpan
    probe: str


# The verdict on a sample taken while paused, and the categories whose spans name no app.
_PAUSED_VERDICT = Verdict(PAUSED, "paused")
_NO_APP = (AWAY, PAUSED)


class Daemon:
    """The sampling loop and the open span it keeps in memory."""

    def __init__(self, config: Config, store: Store | None, open_probe: Callable[[str], Probe],
                 wanted_probe: str, *, fallback_probe: str | None = None,
                 nudger: Nudger | None = None,
                 device: str | None = None,
                 now: Callable[[], float] = clock.now,
                 monotonic: Callable[[], float] = clock.steady,
                 recover: Callable[[Store, str], tuple[Store, bool]] | None = None):
        """Wire the loop.

        Args:
            config: the effective configuration.
            store: where spans go; None for a dry run that stores nothing.
            open_probe: constructs a probe by backend name (raises ProbeUnavailable).
            wanted_probe: the backend to use.
            fallback_probe: the backend that stands in while the wanted one fails (the null
                probe when None or when it fails too).
            nudger: decides and delivers nudges; None samples without nudging.
            device: the device id stored with each span (`presence devices`).
            now: wall clock (UNIX seconds) for sample times.
            monotonic: clock for pacing and retries.
            recover: given the store and why (`replaced`, `damaged`), moves its file aside
                and returns the database to go on with and whether it kept the history;
                None: never (a dry run, a replay).
        """
        self.config = config  # a property: what the loop derives from it is kept beside it
        self.store = store
        self._recover = recover
        self.wanted_probe = wanted_probe
        self._probes = ProbeHolder(open_probe, wanted_probe, fallback_probe, monotonic)
        self.nudger = nudger
        self.device = device or socket.gethostname()
        self._now = now
        self._steady = monotonic
        self.stop_event = threading.Event()
        # The open span as of its last change or flush, and its latest sample: the span is
        # built again only when someone reads it, not on every tick (`open_span`).
        self._open: spans.OpenSpan | None = None
        self._last = 0.0
        self._sample: Sample | None = None
        self._verdict: Verdict | None = None
        self._open_row: int | None = None
        self._pending: list[tuple[int | None, Span]] = []
        self.store_error: str | None = None
        self._last_flush: float | None = None
        # the pause is read again at the next tick after a poke (`recheck_holds`), and at
        # every flush whatever happens: never once per tick (issue 18)
        self._holds_stale = True
        self._paused_until: float | None = None
        # the signal `presence pause` may send to make this daemon read the pause at once
        # (named in the heartbeat, so that no one signals a daemon that does not listen)
        self.listens: str | None = None
        self._shown: tuple[float, str | None, str] | None = None
        self.ticks = 0
        self.missed_ticks = 0

    @property
    def config(self) -> Config:
        """The effective configuration (a reload replaces it)."""
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value
        # read once per config rather than on every tick
        self._pulse = spans.pulse_time(value.interval)
        self._flush_seconds = value.get("daemon.flush_seconds")

    @property
    def probe(self) -> Probe | None:
        """The probe read now: the wanted one, or its stand-in while that one fails."""
        return self._probes.probe

    @property
    def probe_error(self) -> str | None:
        """Why the wanted probe is not the one read, or None."""
        return self._probes.error

    # the pipeline

    def recheck_holds(self) -> None:
        """Have the next tick read the pause again: `presence pause` and `resume` poke the
        running daemon (SIGUSR1, see `lock.poke`). Safe from a signal handler."""
        self._holds_stale = True

    def _paused(self, now: float, due: bool) -> bool:
        """Whether the user paused presence (`presence pause`). The stored pause is read
        again after a poke and whenever a flush is due, so a pause takes effect within one
        interval when the daemon is poked, within one flush otherwise."""
        if self.store is None:
            return False
        if self._holds_stale or due:
            self._holds_stale = False
            try:
                self._paused_until = holds.active(self.store.get_setting(holds.PAUSE_KEY), now)
            except StoreError as exc:
                self._store_failed(exc)
        until = self._paused_until
        return until is not None and now < until

    def _show(self, open_span: spans.OpenSpan) -> None:
        """Keep the "now" record (what is in front, since when) current for `status`, the
        bar and the tray: one small write when it changes, without flushing the span."""
        shown = (open_span.start, open_span.app, open_span.category)
        if self.store is None or shown == self._shown:
            return
        try:
            self.store.set_setting("now", {"app": open_span.app, "category": open_span.category,
                                           "since": open_span.start})
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._shown = shown

    @property
    def open_span(self) -> spans.OpenSpan | None:
        """The span being extended, up to the latest sample."""
        current = self._open
        if current is not None and current.last != self._last:
            current = self._open = spans.OpenSpan(current.start, self._last, current.app,
                                                  current.category, current.title)
        return current

    @property
    def last_tick(self) -> Tick | None:
        """What the latest tick saw and decided; None before the first."""
        if self._sample is None or self._verdict is None:
            return None
        open_span = self.open_span
        assert open_span is not None
        return Tick(self._classified(), open_span, self.probe.name if self.probe else PAUSED)

    def _classified(self) -> Classified:
        verdict = self._verdict
        assert self._sample is not None and verdict is not None
        return Classified(self._sample, verdict.category, verdict.rule, verdict.web_app)

    def tick(self, now: float) -> Tick:
        """Take one sample at `now`, push it through classify, spans and store (`step`),
        and say what it saw and decided."""
        self.step(now)
        tick = self.last_tick
        assert tick is not None
        return tick

    def step(self, now: float) -> None:
        """Take one sample at `now` and push it through classify, spans and store.

        While paused the probe is not read at all: the sample is a `paused` one with no app
        and no title (DESIGN §3 Pause). A sample that continues the open span costs no write
        and no new object beyond the probe's sample: this is the whole ingest path.
        """
        last_flush = self._last_flush
        due = last_flush is None or not 0 <= now - last_flush < self._flush_seconds
        if (self._holds_stale or due or self._paused_until is not None) and \
                self._paused(now, due):
            sample, verdict = Sample(now, None), _PAUSED_VERDICT
        else:
            sample = self._probes.read(now)
            verdict = judge(self._config, sample)
        self._sample, self._verdict = sample, verdict
        category = verdict.category
        # a web app in a browser tab is kept under its own name (`whatsapp in firefox`)
        app = None if category in _NO_APP else verdict.web_app or sample.app
        title = sample.title
        if title is not None:
            title = stored_title(self._config, title, category)
        current = self._open
        if current is not None and spans.continues(current, self._last, now, app, category,
                                                   title, self._pulse):
            self._last = now
        else:
            self._change(now, app, category, title)
        if due:
            self.flush(now)
        if self.nudger is not None:
            open_span = self.open_span
            assert open_span is not None
            self.nudger.tick(now, self._classified(), open_span.as_span())
        self.ticks += 1

    def _change(self, now: float, app: str | None, category: str, title: str | None) -> None:
        """A sample that does not continue the open span: close it, open the next."""
        closed, current = spans.step(self.open_span, now, app, category, title, self._pulse)
        self._open, self._last = current, now
        if closed is not None:
            self._close(closed)
            if self.nudger is not None:
                self.nudger.observe_closed(closed)
        self._show(current)

    def _close(self, closed: Span) -> None:
        """Queue a span that just ended, final, and write it now (every change is flushed)."""
        row, self._open_row = self._open_row, None
        if row is not None or closed.end > closed.start:
            self._pending.append((row, closed))
            if len(self._pending) > MAX_PENDING:
                # Bounded memory through a long outage: the oldest unsaved spans go first.
                del self._pending[0]
        self._write_pending()

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
        self._holds_stale = True
        return True

    def _write_pending(self, retry: bool = True) -> bool:
        """Write queued spans; False (and still queued) while the store refuses."""
        if self.store is None:
            self._pending.clear()
            return True
        problem = self.store.file_problem() if retry and self._recover is not None else None
        if problem is not None:
            self._start_afresh(problem)
        try:
            while self._pending:
                row, span = self._pending[0]
                if row is not None:
                    self.store.extend_span(row, span.end)
                else:
                    self.store.insert_span(span, self.device)
                self._pending.pop(0)
        except StoreError as exc:
            if retry and self._recover is not None and is_damage(exc) and \
                    self._start_afresh("damaged"):
                return self._write_pending(retry=False)
            self._store_failed(exc)
            return False
        return True

    def _store_failed(self, exc: StoreError) -> None:
        # One clear line per outage, not one per tick.
        if self.store_error is None:
            log.error("cannot write the database, sampling goes on in memory and writes are "
                      "retried: %s", exc)
        self.store_error = str(exc)

    def flush(self, now: float, retry: bool = True) -> None:
        """Write queued spans, the open span as it stands (insert once, then extend its end),
        and the heartbeat that `presence status` reads."""
        self._last_flush = now
        if self.store is None or self._open is None or not self._write_pending(retry):
            return
        try:
            # One transaction: the heartbeat never claims a flush whose span did not land, so
            # a crash loses exactly what came after the last heartbeat.
            with self.store.transaction("cannot flush the open span"):
                row = self._open_row
                if row is None:
                    row = self.store.insert_span(self._open.as_span(self._last), self.device)
                else:
                    self.store.extend_span(row, self._last)
                self.store.set_setting("daemon", self.heartbeat(now))
            self._open_row = row
        except StoreError as exc:
            if retry and self._recover is not None and is_damage(exc) and \
                    self._start_afresh("damaged"):
                self.flush(now, retry=False)
                return
            self._store_failed(exc)
            return
        if self.store_error is not None:
            log.warning("database writable again; everything sampled meanwhile is stored")
            self.store_error = None

    def heartbeat(self, now: float) -> dict[str, object]:
        """What `presence status` shows about this daemon."""
        return {"pid": os.getpid(), "at": now, "probe": self.probe.name if self.probe else None,
                "wanted_probe": self.wanted_probe, "probe_error": self.probe_error,
                "interval": self.config.interval, "device": self.device,
                "store_error": self.store_error, "ticks": self.ticks,
                "missed_ticks": self.missed_ticks, "listens": self.listens,
                "notifier": getattr(self.nudger.outbox, "channels", None) if self.nudger
                else None}

    def shutdown(self) -> None:
        """Flush the open span, let queued nudges finish, and release the probe."""
        if self._open is not None:
            self.flush(self._last)
        if self.nudger is not None:
            self.nudger.close()
        self._probes.close()

    # pacing

    def run(self, max_ticks: int | None = None,
            on_tick: Callable[[Tick], None] | None = None) -> int:
        """Tick every interval until `stop()` or `max_ticks`; returns the ticks done.

        Ticks are paced on the monotonic clock; after a stall longer than one interval
        (suspend, a busy machine) the schedule restarts from now instead of catching up
        with a burst of ticks, and `missed_ticks` counts the stall.
        """
        done = 0
        next_at = self._steady()
        try:
            while not self.stop_event.is_set() and (max_ticks is None or done < max_ticks):
                if on_tick is not None:
                    on_tick(self.tick(self._now()))
                else:
                    self.step(self._now())
                done += 1
                interval = self.config.interval
                next_at += interval
                delay = next_at - self._steady()
                if delay < -interval:
                    # a whole sample was missed (suspend, a starved process): count it and
                    # go on from now rather than catching up with a burst
                    self.missed_ticks += 1
                    next_at = self._steady()
                    delay = 0.0
                if max_ticks is None or done < max_ticks:
                    self.stop_event.wait(max(0.0, delay))
        finally:
            self.shutdown()
        return done

    def stop(self) -> None:
        """Ask `run()` to finish after the current tick (safe from a signal handler)."""
        self.stop_event.set()
