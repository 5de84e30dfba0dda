"""Reading a replay trace (JSON Lines, one sample per line): lazily, in batches, every bad
value named with its file and line.

A trace is `{"t": "2026-03-02T09:00:00+01:00", "app": "slack", "title": "...", "exe": "...",
"idle": 0}` per line (`app: null` means nothing in front). A well-formed trace repeats itself
line after line (the same values, the next second of the same hour), so a line that does is
read from its text, and only the others through JSON and the full checks.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Iterator

from presence.errors import InputError
from presence.model import Sample, in_range

_KEYS = {"t", "app", "title", "exe", "idle"}


# Lines parsed together: one json.loads over a batch is several times faster than one per
# line, and a batch keeps memory flat whatever the trace's length.
_BATCH = 4096
# The most idle seconds a sample may claim (ten years).
_MAX_IDLE = 10 * 366 * 86400.0


def iter_trace(lines: Iterable[str], name: str, tz: Any) -> Iterator[Sample]:
    """Parse a trace lazily, line by line in batches; times without an offset are in `tz`.

    Raises (while iterating):
        InputError: a line that is not a sample (NaN, Infinity, a time out of range...),
            naming the file and the line number.
    """
    previous: float | None = None
    batch: list[tuple[int, str]] = []
    number = 0
    memo = _Memo()
    try:
        for number, line in enumerate(lines, 1):
            if line.strip():
                batch.append((number, line))
            if len(batch) >= _BATCH:
                for sample in _parse_batch(batch, name, tz, previous, memo):
                    previous = sample.at
                    yield sample
                batch = []
    except UnicodeDecodeError:
        raise InputError(f"{name}: line {number + 1}: not UTF-8 text") from None
    for sample in _parse_batch(batch, name, tz, previous, memo):
        previous = sample.at
        yield sample
    if previous is None:
        raise InputError(f"{name}: no samples")


def read_trace(lines: Iterable[str], name: str, tz: Any) -> list[Sample]:
    """Parse a whole trace into a list (see `iter_trace`)."""
    return list(iter_trace(lines, name, tz))


def _refuse_constant(text: str) -> None:
    raise ValueError(f"{text} is not a number here")


class _Memo:
    """What the line before taught the parse of the next: the time of its hour (the text
    before the minutes, the offset after the seconds, and the UNIX seconds they stand for),
    and its sample with the raw values (and the text) it was made from. A well-formed trace
    repeats both line after line, so most lines cost a slice and a comparison."""

    __slots__ = ("hour", "offset", "base", "raw", "sample", "tail", "length")

    def __init__(self) -> None:
        self.hour = self.offset = None
        self.base = 0.0
        # the line's text after its time ("t" first), and the time's length
        self.tail: str | None = None
        self.length = 0
        self.raw: tuple[Any, ...] | None = None
        self.sample: Sample | None = None


# "00" to "59": minutes and seconds as written in an ISO 8601 time (ASCII digits only).
_SIXTY = {f"{n:02d}": n for n in range(60)}


def _parse_batch(numbered: list[tuple[int, str]], name: str, tz: Any,
                 previous: float | None, memo: _Memo | None = None) -> list[Sample]:
    memo = memo if memo is not None else _Memo()
    items: list[Any] | None = None
    # The lines the text alone misses are read through JSON one by one while they are few,
    # and the whole batch at once (several times faster a line) once they are many.
    parsed, misses = False, 0
    samples: list[Sample] = []
    for index, (number, line) in enumerate(numbered):
        sample = _known_line(line, memo)
        if sample is None and (misses := misses + 1) > 16 and misses * 8 > index and \
                not parsed:
            parsed = True
            try:
                items = json.loads("[" + ",".join(line for _, line in numbered) + "]",
                                   parse_constant=_refuse_constant)
                if len(items) != len(numbered):
                    raise ValueError("a line holds more than one value")
            except ValueError:
                items = None  # the per-line parse below finds the line at fault
        if sample is None and items is not None:
            sample = _known(items[index], memo)
        if sample is None:
            where = f"{name}: line {number}"
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
            sample = _sample(item, where, tz)
            _learn(item, line, sample, memo)
        if previous is not None and sample.at < previous:
            raise InputError(f"{name}: line {number}: goes back in time "
                             f"({json.loads(line)['t']}); sort the trace by t")
        previous = sample.at
        samples.append(sample)
    return samples


_T_KEY = '{"t": "'


def _known_line(line: str, memo: _Memo) -> Sample | None:
    """The sample of a line whose text after its time is the text of the line before (so
    its values are those of the line before), in the hour of the line before: read from
    the text alone. None: the JSON decides."""
    tail = memo.tail
    if tail is None or not line.startswith(_T_KEY):
        return None
    end = 7 + memo.length
    t = line[7:end]
    if line[end:] != tail or t[:13] != memo.hour or t[19:] != memo.offset or \
            t[13] != ":" or t[16] != ":":
        return None
    minutes, seconds = _SIXTY.get(t[14:16]), _SIXTY.get(t[17:19])
    if minutes is None or seconds is None:
        return None
    return memo.sample.at_time(memo.base + minutes * 60 + seconds)


def _known(item: Any, memo: _Memo) -> Sample | None:
    """The sample of a line in the hour of the line before and with an offset, when its
    values are all well formed; None: the full parse decides (and names what is wrong)."""
    if type(item) is not dict or "app" not in item or not item.keys() <= _KEYS:
        return None
    t = item.get("t")
    if type(t) is not str or t[:13] != memo.hour or t[19:] != memo.offset or \
            t[13] != ":" or t[16] != ":":
        return None
    minutes, seconds = _SIXTY.get(t[14:16]), _SIXTY.get(t[17:19])
    if minutes is None or seconds is None:
        return None
    at = memo.base + minutes * 60 + seconds
    raw = (item["app"], item.get("title"), item.get("exe"), item.get("idle"))
    held = memo.sample
    if raw == memo.raw and held is not None and type(raw[3]) is type(memo.raw[3]):
        return held.at_time(at)  # the same values as the line before, checked then
    return None


def _learn(item: dict[str, Any], line: str, sample: Sample, memo: _Memo) -> None:
    """Remember a fully parsed line for the next (see `_Memo`)."""
    memo.raw, memo.sample = (item["app"], item.get("title"), item.get("exe"),
                             item.get("idle")), sample
    t = item["t"]
    memo.tail = None
    if type(t) is str and line.startswith(_T_KEY + t + '"'):
        tail = line[7 + len(t):]
        # a second "t" later in the line would be the one JSON keeps: never read past it
        if '"t"' not in tail:
            memo.tail, memo.length = tail, len(t)
    offset = t[19:] if type(t) is str else ""
    # only a time with its own offset: the hour's seconds then run on evenly (no zone rules)
    if offset == "Z" or (len(offset) == 6 and offset[0] in "+-" and offset[3] == ":"):
        minutes, seconds = _SIXTY.get(t[14:16]), _SIXTY.get(t[17:19])
        if minutes is not None and seconds is not None and t[13] == ":" and t[16] == ":":
            memo.hour, memo.offset = t[:13], offset
            memo.base = sample.at - minutes * 60 - seconds
            return
    memo.hour = memo.offset = None


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
