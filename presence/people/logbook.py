"""In-person time typed by hand (`presence log`): checked so that nothing typed by mistake can
poison a summary, then stored with who was there.

Refused, with one line that says how to fix it, and nothing written: a stretch over 16 hours,
a start more than a day ahead, a start typed (`--at`) before the first day presence recorded
anything, a time outside what a date can hold, and a start later today typed as `HH:MM`
without `--planned` (at 08:09, `--at 18:30` is more likely yesterday evening than tonight).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from presence.errors import InputError
from presence.frozen import frozen
from presence.model import Named
from presence.people import names
from presence.people.directory import Resolver
from presence.timeline import day_bounds, local_day
from presence.timeparse import format_minutes, is_clock_time, parse_duration, parse_time

if TYPE_CHECKING:
    from presence.store import Store

MAX_HOURS = 16
MAX_AHEAD_SECONDS = 86400.0


@frozen
class Entry:
    """A logged stretch as stored.

    Attributes:
        id: the `in_person_log` row.
        start: UNIX seconds.
        end: UNIX seconds.
        note: what the user wrote, or None.
        people: who was there, by display name.
    """

    id: int
    start: float
    end: float
    note: str | None
    people: tuple[str, ...]


def check(duration: str, at: str | None, planned: bool, now: float, tz: tzinfo,
          first_day: date) -> tuple[float, float]:
    """The (start, end) of a stretch the user typed, or a refusal.

    Args:
        duration: DURATION as typed (`1h30m`).
        at: TIME as typed, or None for a stretch that just ended.
        planned: the user says it lies ahead (`--planned`).
        now: UNIX seconds of the present.
        tz: the configured zone (`HH:MM` is today in it).
        first_day: the first local day presence recorded anything (today on a new database).

    Raises:
        InputError: what is wrong and how to fix it.
    """
    length = parse_duration(duration).total_seconds()
    if length > MAX_HOURS * 3600:
        raise InputError(f"{duration} is longer than {MAX_HOURS} h; log one stretch at a time "
                         "(e.g. presence log 3h --at 18:00)")
    today = local_day(now, tz)
    try:
        start = parse_time(at, tz, today).timestamp() if at else now - length
        datetime.fromtimestamp(start + length, tz)
    except (OverflowError, OSError, ValueError) as exc:
        raise InputError(f"{at!r} is outside the dates presence can store; give a time "
                         "like 18:30 or 2026-03-02T18:30") from exc
    if start - now > MAX_AHEAD_SECONDS:
        raise InputError(f"{at} is more than a day ahead; log time once it has happened "
                         "(or up to a day ahead with --planned)")
    if start > now and not planned:
        hint = ""
        if at and is_clock_time(at):
            hours = (start - now) / 3600
            ahead = f"{round(hours)} hours" if hours >= 1.5 else format_minutes((start - now) / 60)
            hint = (f" is {ahead} from now. Did you mean yesterday {at.strip()} "
                    f"(--at {(today - timedelta(days=1)).isoformat()}T{at.strip()})?")
        else:
            hint = " has not happened yet."
        raise InputError(f"--at {at}{hint} To log a plan ahead, add --planned")
    # a stretch that just ended (no --at) is at most 16 h old: never a typo, even when it
    # began on the day before presence's first (logged just after midnight on a new install)
    if at and start < day_bounds(first_day, tz)[0]:
        raise InputError(f"{at} is before {first_day.isoformat()}, the first day presence "
                         "recorded; log time from then on")
    return start, start + length


def first_day(store: Store, now: float, tz: tzinfo) -> date:
    """The first local day presence recorded anything (activity, calendar or logged time)."""
    starts = [t for t in (store.first_activity(), store.first_in_person_record())
              if t is not None]
    return local_day(min([*starts, now]), tz)


@frozen
class Logged:
    """What `presence log` stored: the entry, and the names it left out as forgotten."""

    entry: Entry
    forgotten: tuple[str, ...]


def add(store: Store, duration: str, at: str | None, planned: bool, with_names: str | None,
        note: str | None, now: float, tz: tzinfo) -> Logged:
    """Check a stretch the user typed and store it with who was there.

    Raises:
        InputError: the stretch is refused (nothing is stored).
    """
    start, end = check(duration, at, planned, now, tz, first_day(store, now, tz))
    return record(store, start, end, with_names, note)


def record(store: Store, start: float, end: float, with_names: str | None,
           note: str | None) -> Logged:
    """Store a checked stretch with who was there (`--with` as typed).

    Raises:
        InputError: the names or the note are refused (nothing is stored).
    """
    try:
        typed = names.typed_names(with_names or "")
    except ValueError as exc:
        raise InputError(f"--with: {exc}; write names like \"Sam, Priya\"") from exc
    if note is not None and len(note) > 500:
        raise InputError("--note is longer than 500 characters; keep it short")
    resolver = Resolver(store)
    named = [Named(n) for n in typed]
    left_out = tuple(n.name for n in named if names.forgotten(n, resolver.salt, resolver.hashes))
    with store.transaction("could not log the time"):
        ids = resolver.person_ids(named, typed=True)
        if resolver.hashes and note:
            note = names.scrub(note, resolver.salt, resolver.hashes)
        log_id = store.add_in_person(start, end, note, ids)
    people = {p.id: p.name for p in store.people()}
    return Logged(Entry(log_id, start, end, note, tuple(people[i] for i in ids)), left_out)


def entries(store: Store, days: int, now: float, tz: tzinfo) -> list[Entry]:
    """Logged stretches of the last `days` local days (today included) and those ahead.

    Raises:
        InputError: `days` under 1.
    """
    if days < 1:
        raise InputError(f"--days {days}: give at least 1")
    start = day_bounds(local_day(now, tz) - timedelta(days=min(days, 36500) - 1), tz)[0]
    return [Entry(*row) for row in store.in_person_entries(start, float("inf"))]


def remove(store: Store, log_id: int) -> None:
    """Delete one logged stretch.

    Raises:
        InputError: no entry has that id.
    """
    if not store.remove_in_person(log_id):
        raise InputError(f"no logged time with id {log_id} (see `presence log list`)")
