"""`presence replay`: the daemon's own pipeline over a recorded trace, on a simulated clock.

A trace is JSON Lines, one sample per line (`{"t": "2026-03-02T09:00:00+01:00", "app": "slack",
"title": "...", "exe": "...", "idle": 0}`; `app: null` means nothing in front). A sample holds
until the next one. The clock steps by `[daemon] interval_seconds` from the first sample to the
last; every step goes through the same classify → spans → store → policy code as the daemon,
into a temporary store, and nudges are recorded instead of shown.
"""

from __future__ import annotations

import json
import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from presence import config as config_mod
from presence.config import Config
from presence.errors import InputError
from presence.model import Nudge, NudgeRecord, Sample

_KEYS = {"t", "app", "title", "exe", "idle"}


def read_trace(lines: Iterable[str], name: str, tz: Any) -> list[Sample]:
    """Parse a trace; times without an offset are in `tz`.

    Raises:
        InputError: a line that is not a sample, naming the file and the line number.
    """
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    try:
        # One parse of the whole trace is several times faster than one per line; a line
        # that is not JSON is found by the per-line parse below.
        items = json.loads("[" + ",".join(line for _, line in numbered) + "]")
        if len(items) != len(numbered):
            raise ValueError("a line holds more than one value")
    except ValueError:
        items = None
    samples: list[Sample] = []
    for index, (number, line) in enumerate(numbered):
        where = f"{name}: line {number}"
        try:
            item = items[index] if items is not None else json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg}); each line is one sample like "
                             '{"t": "2026-03-02T09:00:00+01:00", "app": "slack"}') from exc
        if not isinstance(item, dict) or "t" not in item or "app" not in item:
            raise InputError(f"{where}: a sample needs \"t\" and \"app\" (app may be null)")
        unknown = set(item) - _KEYS
        if unknown:
            raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} (a sample has "
                             f"{', '.join(sorted(_KEYS))})")
        try:
            when = datetime.fromisoformat(str(item["t"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"{where}: \"t\" is not an ISO 8601 time: {item['t']!r}") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        app, title, exe, idle = item["app"], item.get("title"), item.get("exe"), item.get("idle")
        if not ((app is None or type(app) is str) and (title is None or type(title) is str)
                and (exe is None or type(exe) is str)):
            raise InputError(f"{where}: \"app\", \"title\" and \"exe\" must be strings or null")
        if idle is not None and (isinstance(idle, bool) or not isinstance(idle, (int, float))
                                 or idle < 0):
            raise InputError(f"{where}: \"idle\" must be seconds (a number ≥ 0)")
        at = when.timestamp()
        if samples and at < samples[-1].at:
            raise InputError(f"{where}: goes back in time ({item['t']}); sort the trace by t")
        samples.append(Sample(at, app, title, exe, None, idle))
    if not samples:
        raise InputError(f"{name}: no samples")
    return samples


class TraceProbe:
    """A probe that answers from the trace: the latest sample at or before `now`."""

    name = "replay"
    guess = False

    def __init__(self, samples: list[Sample]):
        self.samples = samples
        self._times = [s.at for s in samples]

    def read(self, now: float) -> Sample:
        """The sample that holds at `now`, stamped with `now`."""
        held = self.samples[max(0, bisect_right(self._times, now) - 1)]
        return Sample(now, held.app, held.title, held.exe, None, held.idle)

    def close(self) -> None:
        """Nothing to release."""


class _Shown:
    """The replay's notifier: every nudge counts as shown, on the `replay` channel."""

    channel = "replay"

    def deliver(self, nudge: Nudge, buttons: object = (), row: int | None = None,
                replaces: int = 0) -> None:
        """Accept the nudge (it is recorded, not displayed)."""

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class ReplayResult:
    """The nudges decided along the trace (with whether each was followed) and the summary of
    each day it touched."""

    nudges: list[NudgeRecord]
    days: list[dict[str, Any]]


def replay(samples: list[Sample], config: Config, calendars: list[str],
           cache_dir: Path) -> ReplayResult:
    """Run the daemon's pipeline over `samples` on a simulated clock, in a temporary store."""
    from presence.calendar.sync import sync
    from presence.daemon import Daemon
    from presence.nudges.notify import Recorder
    from presence.nudges.nudger import Nudger
    from presence.store import Store

    cfg = config_mod.override(config, "calendar.sources", list(calendars))
    with tempfile.TemporaryDirectory(prefix="presence-replay-") as folder:
        store = Store.open(Path(folder) / "replay.db")
        try:
            first, last = samples[0].at, samples[-1].at
            if calendars:
                for status in sync(store, cfg, cache_dir, first):
                    if not status.ok:
                        raise InputError(status.message)
            clock = {"now": first}
            daemon = Daemon(cfg, store, lambda name: TraceProbe(samples), "replay",
                            nudger=Nudger(cfg, store, Recorder([_Shown()])), device="replay",
                            monotonic=lambda: clock["now"])
            step = cfg.interval
            ticks = int((last - first) // step)
            for i in range(ticks + 1):
                clock["now"] = first + i * step
                daemon.tick(clock["now"])
            daemon.shutdown()
            nudges = store.nudge_records(first, float("inf"))
            days = _day_summaries(store, cfg, first, last)
        finally:
            store.close()
    return ReplayResult(nudges, days)


def _day_summaries(store: Any, config: Config, first: float, last: float) -> list[dict]:
    from datetime import timedelta

    from presence.reports.history import day_summary
    from presence.timeline import local_day
    from presence.reports.render import day_json

    day, end = local_day(first, config.tz), local_day(last, config.tz)
    out = []
    while day <= end:
        out.append(day_json(day_summary(store, config, day, last)))
        day += timedelta(days=1)
    return out
