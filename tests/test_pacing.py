"""The daemon's loop leaves out the ticks that could only extend the open span
(presence.pacing): the same spans and tick counts, fewer wake-ups; a change on the probe's
descriptor or a poke ends the wait; a wait over which the clocks disagree credits nothing.

The probe is scripted (the OS edge) but its descriptor is a real pipe, the clocks are the
real monotonic clock (the wall clock follows it, so a test can make it jump), the database a
real file.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field

import pytest
from desktop_helpers import wait_for

from presence import clock, config
from presence.daemon import Daemon
from presence.pacing import Waker
from presence.store import Store
from tests.support import Scripted, ScriptedProbe, load_config

T0 = 1_772_438_400.0  # 2026-03-02 08:00 UTC


@dataclass
class HeardProbe(ScriptedProbe):
    """A scripted probe that, like the X11 one, tells of every change on a descriptor."""

    pipe: tuple[int, int] = field(default_factory=os.pipe)

    def quiet_until(self):
        return self.pipe[0], float("inf")

    def switch(self, app: str) -> None:
        """What is in front changes, and the probe's descriptor says so."""
        self.script = [Scripted(app)]
        os.write(self.pipe[1], b"x")

    def read(self, now):
        # the descriptor's news is taken in by the read, as the X11 probe drains its events
        os.set_blocking(self.pipe[0], False)
        try:
            os.read(self.pipe[0], 64)
        except BlockingIOError:
            pass
        return super().read(now)


def make(tmp_path, probe, flush_seconds, wall):
    cfg = config.override(load_config(tmp_path, f"[daemon]\nflush_seconds = {flush_seconds}\n"),
                          "daemon.interval_seconds", 0.05)
    store = Store.open(tmp_path / "presence.db")
    return Daemon(cfg, store, lambda name: probe, "scripted", device="test", now=wall,
                  monotonic=clock.steady), store


def following_the_steady_clock(jump_after: float | None = None, by: float = 0.0):
    start = clock.steady()

    def wall() -> float:
        elapsed = clock.steady() - start
        return T0 + elapsed + (by if jump_after is not None and elapsed > jump_after else 0.0)
    return wall


@contextlib.contextmanager
def running(daemon):
    """The daemon's loop on a thread, sleeping between ticks; stopped with a poke (what a
    signal does through the wake-up descriptor) on the way out."""
    waker = Waker()
    loop = threading.Thread(target=daemon.run, kwargs={"waker": waker})
    loop.start()
    try:
        wait_for(lambda: daemon.ticks >= 1, "the first tick")
        yield
    finally:
        daemon.stop()
        waker.poke()
        loop.join(timeout=30)
        waker.close()
    assert not loop.is_alive()


def test_ticks_that_could_only_extend_the_span_are_credited_without_reading_the_probe(
        tmp_path):
    probe = HeardProbe([Scripted("slack")])
    daemon, store = make(tmp_path, probe, flush_seconds=1, wall=following_the_steady_clock())
    waker = Waker()
    try:
        assert daemon.run(max_ticks=60, waker=waker) == 60
    finally:
        waker.close()
    assert daemon.ticks == 60
    # a read at each flush (one a second) and at each wake-up before it, not one a tick
    assert probe.reads <= 20
    [span] = store.spans(T0, T0 + 100)
    assert span.app == "slack"
    # the span reaches the last tick, credited or taken: 59 intervals after the first
    assert span.end == pytest.approx(daemon.open_span.last, abs=1e-3)  # ms stored
    assert span.seconds >= 59 * 0.05 - 1e-6


def test_a_change_on_the_probes_descriptor_ends_the_wait_and_is_stored_at_once(tmp_path):
    # flushes ten minutes apart and a probe that can stay quiet for ever: only the
    # descriptor can wake the loop, and the switch (a change of span is a flush) stores it
    probe = HeardProbe([Scripted("slack")])
    daemon, store = make(tmp_path, probe, flush_seconds=600, wall=following_the_steady_clock())
    with running(daemon):
        started = clock.steady()
        # a second passes: twenty ticks at 0.05 s, which the loop leaves out
        wait_for(lambda: clock.steady() > started + 1.0, "a second")
        probe.switch("discord")
        wait_for(lambda: [s.app for s in store.spans(T0, T0 + 700)] == ["slack", "discord"],
                 "the switch stored while flushes are ten minutes apart")
    assert daemon.ticks >= 20
    assert probe.reads <= 5  # the first tick, the credit at the wake-up, the switch, the stop
    slack, discord = store.spans(T0, T0 + 700)
    assert slack.seconds >= 1.0  # the credited ticks are in the span


def test_a_poke_ends_the_wait(tmp_path):
    probe = HeardProbe([Scripted("slack")])
    daemon, store = make(tmp_path, probe, flush_seconds=600, wall=following_the_steady_clock())
    with running(daemon):
        started = clock.steady()
        wait_for(lambda: clock.steady() > started + 0.5, "half a second")
    # the shutdown flush keeps every tick credited up to the poke
    [span] = store.spans(T0, T0 + 700)
    assert span.app == "slack" and span.seconds >= 0.5
    assert span.end == pytest.approx(daemon.open_span.last, abs=1e-3)


def test_a_wait_over_which_the_wall_clock_jumps_credits_nothing_and_the_gap_ends_the_span(
        tmp_path):
    # a suspend (the monotonic clock stands still) or a clock step: the ticks in the wait
    # are not credited, and the next tick sees the gap as a tick-by-tick loop would
    probe = HeardProbe([Scripted("slack")])
    daemon, store = make(tmp_path, probe, flush_seconds=1,
                         wall=following_the_steady_clock(jump_after=1.5, by=3600.0))
    waker = Waker()
    try:
        daemon.run(max_ticks=40, waker=waker)
    finally:
        waker.close()
    before, after = store.spans(T0, T0 + 7200)
    assert before.app == after.app == "slack"
    # closed at the last tick taken before the jump (the flush at 1 s), not a credited one
    assert before.seconds >= 0.9 and before.end < T0 + 1.5
    assert after.start >= T0 + 3601.5


def test_a_poke_after_the_waker_closed_writes_nowhere(tmp_path):
    # the notification thread may answer after the daemon shut down (a server that hangs):
    # its poke must not land in a file that took the pipe's descriptor number since
    waker = Waker()
    waker.close()
    files = [open(tmp_path / f"file-{i}", "wb", buffering=0) for i in range(4)]
    try:
        poker = threading.Thread(target=waker.poke)
        poker.start()
        poker.join()
        waker.close()  # twice: nothing more to close
    finally:
        for f in files:
            f.close()
    assert all((tmp_path / f"file-{i}").read_bytes() == b"" for i in range(4))


def test_without_a_waker_every_tick_reads_the_probe(tmp_path):
    probe = HeardProbe([Scripted("slack")])
    daemon, store = make(tmp_path, probe, flush_seconds=1, wall=following_the_steady_clock())
    assert daemon.run(max_ticks=10) == 10
    assert probe.reads == 10


@pytest.mark.parametrize("quiet", [None, (0, float("inf"))])
def test_a_probe_that_must_be_read_or_a_due_of_none_takes_every_tick(tmp_path, quiet):
    probe = HeardProbe([Scripted("slack")])
    if quiet is None:
        probe.quiet_until = lambda: None  # type: ignore[method-assign]
    daemon, _ = make(tmp_path, probe, flush_seconds=600, wall=following_the_steady_clock())
    waker = Waker()
    try:
        # a status line printing each tick: `due` says every tick is needed
        assert daemon.run(max_ticks=10, waker=waker, due=lambda: None) == 10
    finally:
        waker.close()
    assert probe.reads == 10
