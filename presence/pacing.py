"""The daemon's pacing: a tick every interval, and no wake-up for the ticks that could only
find what the last one found.

DESIGN §3 samples every `interval_seconds`. While the probe hears of every change (the X11
probe: an event on its socket) and says that until some sample time nothing it reports can
change unseen (the idle time could reach `[daemon] idle_seconds` no sooner), and nothing
else falls due before then (a flush, a nudge decision, a calendar sync: `Daemon.idles`,
`Daemon.next_due`), each tick in between would see the same sample and only move the open
span's end. The loop then sleeps on the probe's socket and on the wake-up descriptor (every
signal with a handler, the notification thread's outcomes) until the tick where something is
due, and credits the ticks that passed in one call (`Daemon.skip_to`): the same spans, tick
counts and flushes as a loop that woke for each, with one wake-up instead of dozens.

When something arrives early, the ticks that fell due before it are credited and the next
one on the grid is taken as usual: a switch of window, a poke of `presence pause`, an answer
to a nudge are each seen at the same tick as before. A wait over which the wall clock and
the monotonic clock disagree (a suspend, a clock step) credits nothing: the next tick sees
the gap and closes the open span at the last tick taken.
"""

from __future__ import annotations

import math
import os
import select
import signal
import threading
from typing import Any, Callable

# How far the wall clock may move apart from the monotonic clock over one wait before the
# wait counts as a gap (NTP slews far less; a suspend or a clock step far more).
JUMP_SECONDS = 0.25


class Waker:
    """What ends the daemon's wait early: a byte on its pipe, written by a signal (through
    `signal.set_wakeup_fd`) or by another thread (`poke`)."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        self._previous: int | None = None
        # a thread that outlives the daemon's shutdown (a notification server that hangs)
        # may still poke: never on a closed descriptor, whose number a file may have now
        self._lock = threading.Lock()
        self._closed = False

    def catch_signals(self) -> None:
        """End a wait at every signal that has a Python handler (main thread only)."""
        self._previous = signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)

    def poke(self) -> None:
        """End the current or next wait (safe from any thread)."""
        with self._lock:
            if self._closed:
                return
            try:
                os.write(self._w, b"\0")
            except BlockingIOError:
                pass  # the pipe is full: a wake-up is pending anyway

    def wait(self, seconds: float, fd: int | None = None) -> bool:
        """Sleep up to `seconds`, or until a poke, a signal or `fd` turns readable; True
        when woken early."""
        fds = [self._r] if fd is None else [self._r, fd]
        ready = select.select(fds, [], [], max(0.0, seconds))[0]
        if self._r in ready:
            while True:
                try:
                    if not os.read(self._r, 512):
                        break
                except BlockingIOError:
                    break
        return bool(ready)

    def close(self) -> None:
        """Give the signals' wake-up descriptor back and close the pipe."""
        if self._previous is not None:
            signal.set_wakeup_fd(self._previous)
            self._previous = None
        with self._lock:
            if self._closed:
                return
            self._closed = True
            os.close(self._r)
            os.close(self._w)


def run(daemon: Any, waker: Waker | None, now: Callable[[], float],
        steady: Callable[[], float],
        max_ticks: int | None, on_tick: Callable[[Any], None] | None,
        due: Callable[[], float | None] | None) -> int:
    """Tick `daemon` every interval until it stops or `max_ticks`, leaving out the ticks
    that could only extend the open span (see the module's docstring); returns the ticks.

    Args:
        daemon: the `Daemon` (its tick, step, idles, next_due, skip_to and probe's quiet).
        waker: what ends a wait early; None: no tick is left out, and only `stop()` ends a
            wait early.
        now: the wall clock; steady: the monotonic clock.
        max_ticks: stop after this many ticks (taken or credited); None: until stopped.
        on_tick: called with each tick taken (a credited tick is not taken: nothing new).
        due: the wall time of the caller's next work between ticks (a sync to start);
            None from it: every tick is needed (a status line printing each one).
    """
    done = 0
    next_at = steady()
    stop = daemon.stop_event
    while not stop.is_set() and (max_ticks is None or done < max_ticks):
        wall = now()
        at = 0.0 if waker is None else steady()  # read only by the waits that leave ticks out
        if on_tick is not None:
            on_tick(daemon.tick(wall))
        else:
            daemon.step(wall)
        done += 1
        interval = daemon.config.interval
        next_at += interval
        if max_ticks is not None and done >= max_ticks:
            break
        quiet = None if waker is None else _quiet_until(daemon, wall, interval, due)
        if quiet is not None:
            fd, until = quiet
            # the ticks at wall + k × interval (k = 1..left) fall before `until`
            left = math.ceil((until - wall) / interval) - 1
            if max_ticks is not None:
                left = min(left, max_ticks - done - 1)
            if left >= 1:
                woke = waker.wait(next_at + left * interval - steady(), fd)
                s, w = steady(), now()
                if abs((w - wall) - (s - at)) > JUMP_SECONDS:
                    # a suspend or a clock step during the wait: credit nothing, and let
                    # the next tick (now) see the gap as a tick-by-tick loop would
                    next_at = s
                    continue
                passed = min(left, math.floor((s - next_at) / interval) + 1) \
                    if s >= next_at else 0
                if passed:
                    last = wall + (next_at + (passed - 1) * interval - at)
                    daemon.skip_to(last, passed)
                    done += passed
                    next_at += passed * interval
                if stop.is_set():
                    break
                if not woke and passed == left:
                    # woke at the tick where something is due: take it now
                    if next_at < s - interval:
                        daemon.missed_ticks += 1
                        next_at = s
                    continue
        delay = next_at - steady()
        if delay < -interval:
            # a whole sample was missed (suspend, a starved process): count it and go on
            # from now rather than catching up with a burst
            daemon.missed_ticks += 1
            next_at = steady()
            delay = 0.0
        if max_ticks is None or done < max_ticks:
            if waker is None:
                stop.wait(max(0.0, delay))
            else:
                waker.wait(delay)
    return done


def _quiet_until(daemon: Any, wall: float, interval: float,
                 due: Callable[[], float | None] | None) -> tuple[int, float] | None:
    """The probe's descriptor and the wall time before which every tick after `wall` would
    only extend the open span; None when the next tick must be taken."""
    watch = daemon.probe_quiet_until()
    if watch is None or not daemon.idles(wall + interval):
        return None
    fd, until = watch
    until = min(until, daemon.next_due())
    if due is not None:
        other = due()
        if other is None:
            return None
        until = min(until, other)
    return fd, until
