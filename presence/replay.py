"""`presence replay`: the daemon's own pipeline over a recorded trace, on a simulated clock.

A trace is JSON Lines, one sample per line (`{"t": "2026-03-02T09:00:00+01:00", "app": "slack",
"title": "...", "exe": "...", "idle": 0}`; `app: null` means nothing in front). A sample holds
until the next one. The clock steps by `[daemon] interval_seconds` from the first sample to the
last; every step goes through the same classify → spans → store → policy code as the daemon,
into a temporary store, and nudges are recorded instead of shown.
"""

from __future__ import annotations

import itertools
import math
import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from presence import config as config_mod
from presence.config import Config
from presence.errors import InputError
from presence.model import NudgeRecord, Sample
# the trace's reader, where callers of the replay have always found it
from presence.trace import iter_runs, iter_trace, read_trace

__all__ = ["MAX_HOLD_SECONDS", "ReplayResult", "TraceProbe", "iter_runs", "iter_trace",
           "read_trace", "replay", "replay_runs"]

# A sample holds until the next one, for at most this long: a longer gap between two samples
# is a recorder that was off (suspend, shutdown), which the replay jumps over in one step, as
# the daemon sees a clock jump. So a ten-year gap costs what a twelve-hour one does.
MAX_HOLD_SECONDS = 12 * 3600
# The replay's flush interval (the most `[daemon] flush_seconds` takes; see `replay_runs`).
_FLUSH_SECONDS = 86_400
# Runs of the trace replayed in one transaction of its store (`_in_transactions`).
_GROUP_RUNS = 256


def _stamped(held: Sample, now: float) -> Sample:
    """The held sample as taken at `now` (a trace names no process)."""
    if held.pid is None:
        # a one-second trace at a one-second interval: the sample is already the tick's
        return held if held.at == now else held.at_time(now)
    return Sample(now, held.app, held.title, held.exe, None, held.idle)


class TraceProbe:
    """A probe that answers from the trace: the latest sample at or before `now`."""

    name = "replay"
    guess = False

    def __init__(self, samples: list[Sample]):
        self.samples = samples
        self._times = [s.at for s in samples]
        self._index = 0

    def read(self, now: float) -> Sample:
        """The sample that holds at `now`, stamped with `now`."""
        times, index = self._times, self._index
        after = index + 1
        # time runs forward: the sample that holds is most often the next one, or this one
        if after < len(times) and times[after] <= now and (
                after + 1 == len(times) or now < times[after + 1]):
            index = after
        elif not (times[index] <= now and (after == len(times) or now < times[after])):
            index = max(0, bisect_right(times, now) - 1)
        self._index = index
        held = self.samples[index]
        return held if held.at == now and held.pid is None else _stamped(held, now)

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class ReplayResult:
    """The nudges decided along the trace (with whether each was followed) and the summary of
    each day it touched."""

    nudges: list[NudgeRecord]
    days: list[dict[str, Any]]


class _HeldProbe:
    """The replay's probe: the sample that holds now, stamped with the tick's time."""

    name = "replay"
    guess = False

    def __init__(self, held: Sample):
        self.held = held

    def read(self, now: float) -> Sample:
        """The held sample at `now`."""
        return _stamped(self.held, now)

    def close(self) -> None:
        """Nothing to release."""


def replay(samples: Iterable[Sample], config: Config, calendars: list[str],
           cache_dir: Path, keep: Path | None = None) -> ReplayResult:
    """Run the daemon's pipeline over `samples` (a list or a stream, in time order): see
    `replay_runs`, of which each sample is a run of one."""
    return replay_runs(((sample, sample.at) for sample in samples), config, calendars,
                       cache_dir, keep)


def replay_runs(runs: Iterable[tuple[Sample, float]], config: Config, calendars: list[str],
                cache_dir: Path, keep: Path | None = None) -> ReplayResult:
    """Run the daemon's pipeline over a trace's runs (`iter_runs`: a sample and the time of
    the last line repeating it, in time order) on a simulated clock, in a temporary store.
    Memory stays flat whatever the trace's length, and a gap longer than
    `MAX_HOLD_SECONDS` is jumped over in one step.

    Args:
        keep: write the store here instead, and keep it (a new file: an existing one is
            refused, so a replay never touches real history); removed again if the replay
            fails, so what is kept is always a whole replay.

    Raises:
        InputError: no samples, a calendar that fails, or `keep` exists.
    """
    from presence.daemon import Daemon
    from presence.nudges.dispatch import Recorder
    from presence.nudges.notify import RecordingNotifier
    from presence.nudges.nudger import Nudger
    from presence.store import Store
    from presence.timeline import day_bounds, local_day

    stream = iter(runs)
    try:
        held, seen = next(stream)  # seen: the latest line of the run of equal samples held
    except StopIteration:
        raise InputError("the trace holds no samples") from None
    cfg = config_mod.override(config, "calendar.sources", list(calendars))
    if cfg.devices_folder is None:
        # The replay's store is its own (written by this one connection, thrown away or
        # kept whole): the flushes between changes of span would only bound what a crash
        # loses and show `status` the open span, and at each the daemon and the nudger ask
        # whether another connection wrote a pause, a snooze or logged time, which none
        # does. So a change of span and the end are the flushes: the same spans, records
        # and nudges. (The peers' snapshots are read again at the flushes: with a devices
        # folder they stay.)
        cfg = config_mod.override(cfg, "daemon.flush_seconds", _FLUSH_SECONDS)
    if keep is not None and (keep.exists() or keep.is_symlink()):
        raise InputError(f"{keep}: already exists; --keep writes a new database (give a new "
                         "file name, or remove this one)")
    with tempfile.TemporaryDirectory(prefix="presence-replay-") as folder:
        path = keep if keep is not None else Path(folder) / "replay.db"
        # thrown away with the folder: nothing waits for the disk
        store = Store.open(path, scratch=keep is None)
        kept = False
        grouped = _in_transactions(store, stream, _GROUP_RUNS)
        try:
            first = held.at
            if calendars:
                from presence.calendar.sync import sync

                for status in sync(store, cfg, cache_dir, first):
                    if not status.ok:
                        raise InputError(status.message)
            clock = {"now": first}
            probe = _HeldProbe(held)
            daemon = Daemon(cfg, store, lambda name: probe, "replay",
                            nudger=Nudger(cfg, store, Recorder([RecordingNotifier("replay")])),
                            device="replay",
                            monotonic=lambda: clock["now"])
            step = cfg.interval
            tick = 0  # the clock is first + tick × step: no drift over long traces
            days: set[Any] = set()
            today = (0.0, 0.0)  # the bounds of the newest day in `days`: most samples fall in it
            for after, after_seen in itertools.chain(grouped, [(None, 0.0)]):
                if after is not None and after.at - seen <= MAX_HOLD_SECONDS and \
                        _same(after, held):
                    seen = after_seen  # it shows what the held one shows: that one holds on
                    continue
                until = seen if after is None else after.at
                hold_end = seen + MAX_HOLD_SECONDS
                probe.held = held
                if not today[0] <= held.at <= min(until, hold_end) < today[1]:
                    touched = list(_days(local_day, held.at, min(until, hold_end), cfg.tz))
                    days.update(touched)
                    today = day_bounds(touched[-1], cfg.tz)
                stepped = False  # the held sample's first tick is always stepped

                def ticking(at: float) -> bool:
                    return (at < until or (after is None and at <= until)) and at <= hold_end

                while first + tick * step < until or (after is None and
                                                      first + tick * step <= until):
                    now = first + tick * step
                    if now > hold_end:
                        # the recorder was off: jump to the first tick of the next sample
                        tick = max(tick, math.ceil((until - first) / step))
                        if after is None:
                            break
                        continue
                    if stepped and daemon.idles(now):
                        # ticks that only extend the span, up to the next flush or decision
                        last = _last_idle(daemon, first, step, tick, ticking,
                                          min(until, hold_end))
                        daemon.skip_to(first + last * step, last - tick + 1)
                        tick = last + 1
                        continue
                    clock["now"] = now
                    daemon.step(now)
                    stepped = True
                    tick += 1
                if after is not None:
                    held, seen = after, after_seen
            last = seen
            daemon.shutdown()
            nudges = store.nudge_records(first, float("inf"))
            summaries = _day_summaries(store, cfg, sorted(days), last)
            kept = True
        finally:
            grouped.close()  # a transaction left open by a failure is rolled back first
            store.close()  # the last connection: SQLite folds the -wal file into the file
            if keep is not None and not kept:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{keep}{suffix}").unlink(missing_ok=True)
    return ReplayResult(nudges, summaries)


def _in_transactions(store: Any, runs: Iterator[tuple[Sample, float]],
                     size: int) -> Iterator[tuple[Sample, float]]:
    """`runs`, `size` at a time inside one transaction of `store`: what the replay writes
    while it steps through them (flushes, nudges, their outcomes) joins it, so a group of
    them costs one BEGIN and one COMMIT instead of one each, and a group stays small
    enough to keep memory flat."""
    while True:
        count = 0
        with store.transaction("cannot store the replay"):
            for run in itertools.islice(runs, size):
                count += 1
                yield run
        if count < size:
            return


def _same(sample: Sample, held: Sample) -> bool:
    """Whether a trace's next sample shows what the held one shows (so holds the same)."""
    return (sample.app == held.app and sample.title == held.title and sample.exe == held.exe
            and sample.idle == held.idle and sample.pid is None and held.pid is None)


def _last_idle(daemon: Any, first: float, step: float, tick: int,
               ticking: Any, end: float) -> int:
    """The last tick from `tick` on (idle itself) that the held sample still covers (it
    holds until about `end`) and at which the daemon idles (`Daemon.idles`). Both hold from
    `tick` on up to some tick and never again after it (each of their conditions ends
    once), so the guess (the tick before the next flush or decision is due, or before the
    sample's end) is made exact by a search: two questions when the guess is right, a few
    more however far off it is."""
    def idle(k: int) -> bool:
        at = first + k * step
        return ticking(at) and daemon.idles(at)

    low = high = max(tick, math.ceil((min(daemon.next_due(), end) - first) / step) - 1)
    if idle(low):
        reach = 1
        while idle(low + reach):
            low, reach = low + reach, reach * 2
        high = low + reach
    else:
        low = tick
    # idle(low) and not idle(high)
    while high - low > 1:
        middle = (low + high) // 2
        if idle(middle):
            low = middle
        else:
            high = middle
    return low


def _days(local_day: Any, start: float, end: float, tz: Any) -> Iterator[Any]:
    from datetime import timedelta

    day, last = local_day(start, tz), local_day(end, tz)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _day_summaries(store: Any, config: Config, days: list[Any], last: float) -> list[dict]:
    from presence.reports.history import day_summary
    from presence.reports.render import day_json

    return [day_json(day_summary(store, config, day, last)) for day in days]
