"""Reading a replay trace (JSON Lines, one sample per line): lazily, in batches, every bad
value named with its file and line.

A trace is `{"t": "2026-03-02T09:00:00+01:00", "app": "slack", "title": "...", "exe": "...",
"idle": 0}` per line (`app: null` means nothing in front). A well-formed trace repeats itself
line after line (the same values, the next second of the same hour), so a line that does is
read from its text (the same text around a new minute and second), and only the others
through JSON and the full checks; the replay reads runs of such lines (`iter_runs`), one
sample and the time of the run's last line, instead of an object per line.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Iterable, Iterator

from presence.errors import InputError
from presence.model import LATEST, Sample, in_range

_KEYS = {"t", "app", "title", "exe", "idle"}

# Lines parsed together: one json.loads over a batch is several times faster than one per
# line, and a batch keeps memory flat whatever the trace's length.
_BATCH = 4096
# The most idle seconds a sample may claim (ten years).
_MAX_IDLE = 10 * 366 * 86400.0


def iter_runs(lines: Iterable[str], name: str, tz: Any) -> Iterator[tuple[Sample, float]]:
    """Parse a trace lazily into runs of lines that repeat one sample: each run as the
    sample of its first line and the time of its last. Every line is checked as before
    (one bad line is an error), but a line that repeats the line before (its text after
    the time is the same, its time in the same hour) makes no object: a day of one-second
    lines is a few thousand runs. Times without an offset are in `tz`.

    Raises (while iterating):
        InputError: a line that is not a sample (NaN, Infinity, a time out of range...),
            naming the file and the line number.
    """
    return _read(lines, name, tz, False)


def iter_trace(lines: Iterable[str], name: str, tz: Any) -> Iterator[Sample]:
    """Parse a trace lazily, one sample per line (see `iter_runs`)."""
    return (sample for sample, _ in _read(lines, name, tz, True))


def read_trace(lines: Iterable[str], name: str, tz: Any) -> list[Sample]:
    """Parse a whole trace into a list, one sample per line (see `iter_runs`)."""
    return list(iter_trace(lines, name, tz))


def _read(lines: Iterable[str], name: str, tz: Any,
          each: bool) -> Iterator[tuple[Sample, float]]:
    """The runs of a trace (see `iter_runs`); with `each`, every line is a run of its own."""
    reader = _Reader(name, tz, each)
    batch: list[str] = []
    append = batch.append
    done = 0  # the lines before the batch
    try:
        for line in lines:
            append(line)
            if len(batch) >= _BATCH:
                yield from reader.read(batch, done)
                done += len(batch)
                batch.clear()
    except UnicodeDecodeError:
        raise InputError(f"{name}: line {done + len(batch) + 1}: not UTF-8 text") from None
    yield from reader.read(batch, done)
    if reader.run is None:
        raise InputError(f"{name}: no samples")
    yield reader.run, reader.last


def _refuse_constant(text: str) -> None:
    raise ValueError(f"{text} is not a number here")


# "00" to "59" (ASCII digits only); and "00:00" to "59:59", minutes and seconds as an ISO 8601
# time writes them, as seconds into the hour (built in C: a comprehension took 3 ms a start)
_SIXTY = {f"{n:02d}": n for n in range(60)}
_CLOCK = dict(zip([minute + second for minute in [m + ":" for m in _SIXTY] for second in _SIXTY],
                  range(3600)))
_T_KEY = '{"t": "'
# where a line that starts with _T_KEY and a time like 2026-03-02T09:00:00+01:00 holds its
# minutes and seconds
_MM, _SS_END = len(_T_KEY) + 14, len(_T_KEY) + 19


class _Reader:
    """What a trace's lines so far taught the reading of the next: the latest line read in
    full (its sample, its raw values, the text around its minutes and seconds, its hour's
    UNIX seconds), the run of lines repeating it, and the latest time. A well-formed trace
    repeats its line before line after line, so most lines cost two slices, two comparisons
    and a look-up."""

    def __init__(self, name: str, tz: Any, each: bool) -> None:
        self.name, self.tz, self.each = name, tz, each
        # the text before the minutes and after the seconds of the line read in full, when
        # a line with the same text around a new minute and second is that sample then
        self.head: str | None = None
        self.rest: str | None = None
        # its hour (the time's text before the minutes), offset, and the hour's UNIX seconds
        self.hour: str | None = None
        self.offset: str | None = None
        self.base = 0.0
        self.raw: tuple[Any, ...] | None = None
        self.run: Sample | None = None  # the open run: its first line's sample...
        self.last = -math.inf  # ... and its latest line's time (the latest time read)

    def read(self, batch: list[str], done: int) -> Iterator[tuple[Sample, float]]:
        """The runs that lines `done + 1`... (`batch`) close; the last one stays open."""
        # The lines the text alone misses are read through JSON one by one while they are
        # few, and the whole batch at once (several times faster a line) once they are many.
        items: list[Any] | None = None
        parsed, misses = False, 0
        head, rest, base, each = self.head, self.rest, self.base, self.each
        run, last = self.run, self.last
        for index, line in enumerate(batch):
            at = None
            if line[_SS_END:] == rest and line[:_MM] == head:
                at = _CLOCK.get(line[_MM:_SS_END])
                if at is not None:
                    at += base
            if at is None:
                if not line.strip():
                    continue
                if (misses := misses + 1) > 16 and misses * 8 > index and not parsed:
                    parsed = True
                    items = _parse_all(batch)
                if items is not None:
                    at = self._known(items[index])
            if at is not None:
                # the sample of the line read in full, at a new time
                if at < last:
                    self._back_in_time(done + index + 1, line)
                if each:
                    yield run, last  # type: ignore[misc]
                    run = run.at_time(at)  # type: ignore[union-attr]
                last = at
                continue
            where = f"{self.name}: line {done + index + 1}"
            try:
                item = items[index] if items is not None else json.loads(
                    line, parse_constant=_refuse_constant)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: not JSON ({exc.msg}); each line is one sample "
                                 'like {"t": "2026-03-02T09:00:00+01:00", "app": "slack"}') \
                    from exc
            except ValueError as exc:
                raise InputError(f"{where}: {exc} (NaN and Infinity are not JSON numbers)") \
                    from None
            sample = _sample(item, where, self.tz)
            if sample.at < last:
                self._back_in_time(done + index + 1, line)
            if run is not None:
                yield run, last
            run, last = sample, sample.at
            self._learn(item, line, sample)
            head, rest, base = self.head, self.rest, self.base
        self.run, self.last = run, last

    def _back_in_time(self, number: int, line: str) -> None:
        raise InputError(f"{self.name}: line {number}: goes back in time "
                         f"({json.loads(line)['t']}); sort the trace by t")

    def _known(self, item: Any) -> float | None:
        """The time of an item of the batch's JSON that repeats the line read in full, in
        its hour; None: the full parse decides (and names what is wrong)."""
        if type(item) is not dict or "app" not in item or not item.keys() <= _KEYS:
            return None
        t = item.get("t")
        if type(t) is not str or t[:13] != self.hour or t[19:] != self.offset or \
                t[13] != ":":
            return None
        at = _CLOCK.get(t[14:19])
        raw = (item["app"], item.get("title"), item.get("exe"), item.get("idle"))
        known = self.raw
        if at is None or known is None or raw != known or type(raw[3]) is not type(known[3]):
            return None
        return self.base + at

    def _learn(self, item: dict[str, Any], line: str, sample: Sample) -> None:
        """Remember a fully parsed line for the next (see `_Reader`)."""
        self.raw = (item["app"], item.get("title"), item.get("exe"), item.get("idle"))
        t = item["t"]
        self.head = self.rest = self.hour = self.offset = None
        if type(t) is not str:
            return
        offset = t[19:]
        # only a time with its own offset: the hour's seconds then run on evenly (no zone
        # rules); and only an hour wholly in range
        if not (offset == "Z" or (len(offset) == 6 and offset[0] in "+-" and offset[3] == ":")):
            return
        minutes, seconds = _SIXTY.get(t[14:16]), _SIXTY.get(t[17:19])
        if minutes is None or seconds is None or t[13] != ":" or t[16] != ":":
            return
        base = sample.at - minutes * 60 - seconds
        if base + 3599 > LATEST:
            return
        self.hour, self.offset, self.base = t[:13], offset, base
        if line.startswith(_T_KEY + t + '"'):
            tail = line[len(_T_KEY) + len(t):]
            # a second "t" later in the line would be the one JSON keeps: never read past it
            if '"t"' not in tail:
                self.head, self.rest = line[:_MM], line[_SS_END:]


def _parse_all(batch: list[str]) -> list[Any] | None:
    """The batch's lines through one JSON parse (blank lines as None), or None when that
    fails (the per-line parse then finds the line at fault)."""
    kept = [index for index, line in enumerate(batch) if line.strip()]
    try:
        values = json.loads("[" + ",".join(batch[index] for index in kept) + "]",
                            parse_constant=_refuse_constant)
    except ValueError:
        return None
    if len(values) != len(kept):
        return None  # a line holds more than one value
    items: list[Any] = [None] * len(batch)
    for index, value in zip(kept, values):
        items[index] = value
    return items


def _sample(item: Any, where: str, tz: Any) -> Sample:
    if not isinstance(item, dict) or "t" not in item or "app" not in item:
        raise InputError(f"{where}: a sample needs \"t\" and \"app\" (app may be null)")
    if not item.keys() <= _KEYS:
        unknown = set(item) - _KEYS
        raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} (a sample has "
                         f"{', '.join(sorted(_KEYS))})")
    try:
        when = datetime.fromisoformat(str(item["t"])[:64].replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        at = when.timestamp()
    except (ValueError, OverflowError, OSError) as exc:
        raise InputError(f"{where}: \"t\" is not an ISO 8601 time: "
                         f"{str(item['t'])[:64]!r}") from exc
    if not in_range(at):
        raise InputError(f"{where}: \"t\" is out of range ({str(item['t'])[:64]}): give a "
                         "time from 1970 to 8999")
    app, title, exe, idle = item["app"], item.get("title"), item.get("exe"), item.get("idle")
    if not ((app is None or type(app) is str) and (title is None or type(title) is str)
            and (exe is None or type(exe) is str)):
        raise InputError(f"{where}: \"app\", \"title\" and \"exe\" must be strings or null")
    if idle is not None and (isinstance(idle, bool) or not isinstance(idle, (int, float))
                             or not 0 <= idle <= _MAX_IDLE):
        raise InputError(f"{where}: \"idle\" must be seconds (a number from 0 to ten years)")
    return Sample(at, app, title, exe, None, idle)
