"""The sampling loop: probe → classify → spans → store.

`Daemon.tick(now)` does one sample at an explicit time; `Daemon.run()` paces ticks on the
monotonic clock. Every collaborator (config, store, probe opener, clocks, sleeper) is injected,
so tests drive the loop with `max_ticks` and a scripted probe.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
from presence.frozen import frozen
from typing import Callable

from presence import clock, holds, pacing, spans
from presence.classify import Verdict, judge, prepare, stored_title
from presence.config import Config
from presence.flushing import SpanWriter
from presence.errors import ProbeUnavailable, StoreError
from presence.model import AWAY, PAUSED, Classified, Sample, Span
from presence.nudges.nudger import Nudger
from presence.probe.base import Probe
from presence.pacing import Waker
from presence.probe.holder import ProbeHolder
from presence.store import Store

log = logging.getLogger(__name__)

# Closed spans kept in memory while the database refuses writes (a day of busy switching).
MAX_PENDING = 20_000


@frozen
class Tick:
    """What one tick saw and decided."""

    classified: Classified
    open_span: spans.OpenSpan
    probe: str


# The verdict on a sample taken while paused, and the categories whose spans name no app.
_PAUSED_VERDICT = Verdict(PAUSED, "paused")
_NO_APP = (AWAY, PAUSED)


class Daemon(SpanWriter):
    """The sampling loop and the open span it keeps in memory."""

    # Slots, not a __dict__: past 30 attributes an instance's dict no longer shares its keys
    # with the class, and every attribute a tick reads became a dict lookup (issue 18: ingest).
    __slots__ = ("_probes", "_config", "_pulse", "_flush_seconds", "_idle_limit", "store",
                 "_recover", "wanted_probe", "nudger", "device", "_now", "_steady",
                 "stop_event", "_open", "_last", "_sample", "_verdict", "_open_row", "_pending",
                 "store_error", "_last_flush", "_calm_from", "_calm_until", "_holds_stale",
                 "_holds_version", "_pause_stored", "_paused_until", "listens", "_seen",
                 "_kept", "_beat", "_since", "ticks", "missed_ticks")

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
        self._probes = ProbeHolder(open_probe, wanted_probe, fallback_probe, monotonic)
        self.config = config  # a property: what the loop derives from it is kept beside it
        self.store = store
        self._recover = recover
        self.wanted_probe = wanted_probe
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
        # [last flush, next flush due) while no pause is stored: a tick inside it that shows
        # what the one before showed is the whole ingest path (`step`)
        self._calm_from = self._calm_until = -math.inf
        # the pause is read again at the next tick after a poke (`recheck_holds`), and at
        # every flush whatever happens: never once per tick (issue 18)
        self._holds_stale = True
        self._holds_version: int | None = None  # the store's data_version at that read
        self._pause_stored: object = None  # the pause as read then
        self._paused_until: float | None = None
        # the signal `presence pause` may send to make this daemon read the pause at once
        # (named in the heartbeat, so that no one signals a daemon that does not listen)
        self.listens: str | None = None
        # (app, title, exe) of the latest sample judged by its rule, and what it stores as
        # (app, category, title): a sample showing the same is not judged again (issue 18)
        self._seen: tuple[str | None, str | None, str | None] | None = None
        self._kept: tuple[str | None, str, str | None] = (None, PAUSED, None)
        # the daemon's record as stored, and where its run's first span starts (flushing.py)
        self._beat: tuple[object, ...] | None = None
        self._since: float | None = None
        self.ticks = self.missed_ticks = 0

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
        self._calm_until = -math.inf  # the next tick reckons with the new flush_seconds
        # a float, as the idle times it is compared with at every tick
        self._idle_limit = float(value.get("daemon.idle_seconds"))
        self._seen = None  # new rules may judge the same sample differently
        prepare(value)
        # the probe may skip asking for the idle time while it cannot have passed the limit
        self._probes.idle_limit = self._idle_limit

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
        self._calm_until = -math.inf  # the next tick takes the way that reads it

    def _paused(self, now: float, due: bool) -> bool:
        """Whether the user paused presence (`presence pause`). The stored pause is read
        again after a poke and whenever a flush is due, so a pause takes effect within one
        interval when the daemon is poked, within one flush otherwise."""
        if self.store is None:
            self._holds_stale = False  # nothing can be paused in a dry run
            return False
        if self._holds_stale or due:
            stale, self._holds_stale = self._holds_stale, False
            try:
                # only another connection writes the pause (the CLI, the tray, the bar): at a
                # flush it is read again only when one committed since (issue 18)
                version = self.store.data_version()
                if stale or version != self._holds_version:
                    self._pause_stored = self.store.get_setting(holds.PAUSE_KEY)
                self._holds_version = version
                self._paused_until = holds.active(self._pause_stored, now)
                if self._paused_until is not None:
                    self._calm_until = -math.inf  # every tick minds the pause
            except StoreError as exc:
                self._store_failed(exc)
        until = self._paused_until
        return until is not None and now < until

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
        and no title (DESIGN §3 Pause). A sample showing what the one before showed costs no
        verdict, no write and no new object beyond the probe's sample: this is the whole
        ingest path. A change of span is a flush: the closed span and the new one (what is
        in front, for `status`, the bar and the tray) in one transaction, and the next flush
        is due `flush_seconds` later.
        """
        # (spelled so that every test is one the interpreter specialises: issue 18, ingest)
        if now >= self._calm_until or now < self._calm_from:
            # a flush may be due, or the pause is to be minded (a poke ends the calm)
            last_flush = self._last_flush
            self._take(now, None, last_flush is None
                       or not 0 <= now - last_flush < self._flush_seconds)
            return
        read = self._probes.direct
        try:
            sample = read(now)
        except ProbeUnavailable as exc:  # the wanted probe itself failed: fall back
            sample = self._probes.failed(now, exc)
        self._sample = sample
        seen = self._seen
        if seen is not None and sample.app == seen[0] and sample.title == seen[1] and \
                sample.exe == seen[2]:
            since = now - self._last
            if since >= 0.0 and since <= self._pulse:
                idle = sample.idle
                if idle is None or idle <= self._idle_limit:
                    # the same verdict as the sample before (never away: not idle for long),
                    # continuing the open span: nothing else to do (the whole ingest path)
                    self._last = now
                    nudger = self.nudger
                    if nudger is not None and nudger.prepare(now):
                        self._decide(now)
                    self.ticks += 1
                    return
        self._take(now, sample, False)

    def _take(self, now: float, sample: Sample | None, due: bool) -> None:
        """The rest of a tick that is not the whole ingest path: `sample` is what the probe
        showed, or None when the pause is to be minded first (the probe is read after)."""
        changed = False
        if sample is None and self._paused(now, due):
            self._seen = None
            self._sample, self._verdict = Sample(now, None), _PAUSED_VERDICT
            if self.nudger is not None:
                self.nudger.sees(None, None, PAUSED)
            changed = self._follow(now, None, PAUSED, None)
        else:
            if sample is None:
                sample = self._sample = self._probes.read(now)
            seen, idle = self._seen, sample.idle
            if seen is not None and sample.app == seen[0] and sample.title == seen[1] and \
                    sample.exe == seen[2] and (idle is None or idle <= self._idle_limit):
                # the same verdict as the sample before (never away: not idle for long)
                if 0 <= now - self._last <= self._pulse:
                    self._last = now
                else:
                    self._change(now, *self._kept)
                    changed = True
            else:
                changed = self._judged(now, sample)
        if due or changed:
            # a change of span is a flush (DESIGN §3): the next is due flush_seconds later
            self.flush(now)
        nudger = self.nudger
        if nudger is not None and nudger.prepare(now):
            self._decide(now)
        self.ticks += 1

    def _decide(self, now: float) -> None:
        # what the policy reads is built only when it decides (every few seconds)
        open_span = self.open_span
        assert open_span is not None and self.nudger is not None
        self.nudger.decide(now, self._classified(), open_span.as_span())

    def idles(self, now: float) -> bool:
        """Whether a tick at `now` showing what the latest one showed would only extend the
        open span (ticks at most the pulse time apart): no flush, pause check or nudge
        decision due. A replay jumps such ticks (`skip_to`) instead of stepping through
        each (its recorder delivers at once)."""
        last_flush = self._last_flush
        return (self._seen is not None and not self._holds_stale and self._paused_until is None
                and last_flush is not None and 0 <= now - last_flush < self._flush_seconds
                and now >= self._last
                and (self.nudger is None or self.nudger.idles(now)))

    def next_due(self) -> float:
        """About when the next flush or nudge decision is due (see `idles`)."""
        due = (self._last_flush or 0.0) + self._flush_seconds
        return due if self.nudger is None else min(due, self.nudger.next_due())

    def probe_quiet_until(self) -> tuple[int, float] | None:
        """The probe's descriptor and the sample time before which it shows nothing new
        unless the descriptor turns readable (`ProbeHolder.quiet_until`); None: read it."""
        return self._probes.quiet_until()

    def skip_to(self, now: float, ticks: int) -> None:
        """Take `ticks` ticks up to `now` that `idles` said only extend the open span: the
        same as stepping through them, in one call."""
        self._last = now
        self._sample = self._probes.read(now)
        self.ticks += ticks
        if self.nudger is not None:
            self.nudger.skip_to(now)

    def _judged(self, now: float, sample: Sample) -> bool:
        """Judge a sample that differs from the one before; True when it changed the span."""
        verdict = self._verdict = judge(self._config, sample)
        category = verdict.category
        # a web app in a browser tab is kept under its own name (`whatsapp in firefox`)
        app = None if category in _NO_APP else verdict.web_app or sample.app
        title = sample.title
        if title is not None:
            title = stored_title(self._config, title, category)
        idle = sample.idle
        # only a verdict of the rule alone holds for the next sample showing the same
        self._seen = (sample.app, sample.title, sample.exe) \
            if idle is None or idle <= self._idle_limit else None
        self._kept = (app, category, title)
        if self.nudger is not None:
            # what the policy reads of the sample: a change ends the decisions it left out
            self.nudger.sees(sample.app, sample.title, category)
        return self._follow(now, app, category, title)

    def _follow(self, now: float, app: str | None, category: str, title: str | None) -> bool:
        """Extend the open span with a sample, or close it and open the next; True when the
        span changed."""
        current = self._open
        if current is not None and spans.continues(current, self._last, now, app, category,
                                                   title, self._pulse):
            self._last = now
            return False
        self._change(now, app, category, title)
        return True

    def _change(self, now: float, app: str | None, category: str, title: str | None) -> None:
        """A sample that does not continue the open span: close it (queued for the write
        that follows), open the next."""
        closed, current = spans.step(self.open_span, now, app, category, title, self._pulse)
        self._open, self._last = current, now
        if closed is not None:
            row, self._open_row = self._open_row, None
            if row is not None or closed.end > closed.start:
                self._pending.append((row, closed))
                if len(self._pending) > MAX_PENDING:
                    # Bounded memory through a long outage: the oldest unsaved spans go first.
                    del self._pending[0]
            if self.nudger is not None:
                self.nudger.observe_closed(closed, current)

    def shutdown(self) -> None:
        """Flush the open span, let queued nudges finish, and release the probe."""
        if self._open is not None:
            self.flush(self._last)
        if self.nudger is not None:
            self.nudger.close()
        self._probes.close()

    # pacing

    def run(self, max_ticks: int | None = None,
            on_tick: Callable[[Tick], None] | None = None, *, waker: Waker | None = None,
            due: Callable[[], float | None] | None = None) -> int:
        """Tick every interval until `stop()` or `max_ticks`; returns the ticks done.

        Ticks are paced on the monotonic clock; after a stall longer than one interval
        (suspend, a busy machine) the schedule restarts from now instead of catching up
        with a burst of ticks, and `missed_ticks` counts the stall. With a `waker` the
        ticks that could only extend the open span are credited without waking for each
        (`presence.pacing`; `due` is the caller's next work between ticks).
        """
        try:
            return pacing.run(self, waker, self._now, self._steady, max_ticks, on_tick, due)
        finally:
            self.shutdown()

    def stop(self) -> None:
        """Ask `run()` to finish after the current tick (safe from a signal handler)."""
        self.stop_event.set()
