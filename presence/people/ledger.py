"""Who you spend time with, in numbers (pure): a person and their occasions → their ledger.

DESIGN §3 People: last seen is the end of the last in-person time together; time together is
counted over the last 30 and 365 local days; an occasion is one stretch of in-person time
(overlapping calendar and logged time with the same person is one occasion); the usual gap is
the median number of days between the local days of consecutive occasions (the latest 12
gaps), from 3 occasions on; the next plan is the earliest in-person meeting or planned log
with them that has not started. Status: `new` under 3 occasions, `due` once the days since
last seen pass the goal or 1.5 × the usual gap, `drifting` past twice that (twice the goal
when one is set). A goal set with `people goal` counts from the first occasion on.

Five years of someone's history weigh little in these numbers: a count, the last occasion,
the days of the latest few and the time inside the two windows. So the time that began before
today's local midnight can come condensed (`Earlier`, made by `condense`, kept by the store per
person for the day), and only today's as occasions; the numbers are the same either way
(issue 12's benchmark).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta, tzinfo
from functools import lru_cache
from itertools import chain

from presence.frozen import frozen
from presence.model import Occasion, Person
from presence.timeline import covered_seconds, day_bounds, local_day, merge_intervals

OK = "ok"
DUE = "due"
DRIFTING = "drifting"
NEW = "new"
STATUSES = (DRIFTING, DUE, OK, NEW)  # most pressing first

# Occasions before a usual gap is claimed (DESIGN §3).
MIN_OCCASIONS = 3
# The usual gap is the median of at most this many of the latest gaps.
RECENT_GAPS = 12
DUE_FACTOR = 1.5
DRIFT_FACTOR = 2.0


@frozen
class Ledger:
    """One person's numbers at one moment.

    Attributes:
        person: who.
        last_seen: end of the last in-person time together (UNIX seconds), or None.
        days_since: whole local days from last seen to today, or None.
        minutes_30d: minutes together over the last 30 local days (today included, up to now).
        minutes_365d: the same over 365 days.
        times_365d: occasions over the last 365 days.
        times: occasions ever.
        cadence_days: the usual days between occasions, or None under 3 occasions.
        status: `ok`, `due`, `drifting` or `new`.
        next: start of the next planned in-person time together, or None.
        next_label: its title or note.
        overdue: days since last seen over the goal or usual gap (0 when unknown), for order.
        past: the merged occasions, oldest first, as (start, end) UNIX seconds; from a
            condensed history (`Earlier`), those from its last one on, or those asked for
            (`ledger_of`'s `shown`).
    """

    person: Person
    last_seen: float | None
    days_since: int | None
    minutes_30d: float
    minutes_365d: float
    times_365d: int
    times: int
    cadence_days: float | None
    status: str
    next: float | None
    next_label: str | None
    overdue: float
    past: tuple[tuple[float, float], ...]


def tail(past: Sequence[tuple[float, float]], since: float) -> Sequence[tuple[float, float]]:
    """The merged occasions that end after `since` (they are sorted, ends rising)."""
    return past[bisect_right(past, since, key=lambda interval: interval[1]):]


@frozen
class Earlier:
    """Someone's in-person time that began before a local midnight, condensed to what their
    ledger needs of it that day (see `condense`; presence/store/people_rollup.py keeps one per
    person).

    Attributes:
        times: the occasions (merged) that began before then.
        last: the latest of them as (start, end): later time may still merge into it.
        days: the local days (ordinals) the latest of them began on, newest first, each once,
            as many as the usual gap reads (`RECENT_GAPS` + 1).
        seconds_30d: seconds together inside the day's 30-day window, in all of them but
            `last` (which the ledger merges again, so counts then).
        seconds_365d: the same inside the 365-day window.
        times_365d: how many of them but `last` end inside the 365-day window.
    """

    times: int
    last: tuple[float, float] | None
    days: tuple[int, ...]
    seconds_30d: float = 0.0
    seconds_365d: float = 0.0
    times_365d: int = 0


NOTHING_EARLIER = Earlier(0, None, ())


def condense(begun: Iterable[tuple[float, float]], upto: float, tz: tzinfo) -> Earlier:
    """The (start, end) of someone's time that began before `upto`, a local midnight in `tz`,
    condensed to what `ledger_of` needs of it on the day that midnight starts."""
    past = merge_intervals(begun)
    if not past:
        return NOTHING_EARLIER
    # every one but the last ended before the last began, so before `upto`: their time in
    # the day's windows stays what it is all day, whatever `now` is
    _, since_30, since_365 = _windows(upto, tz)
    last_year = tail(past[:-1], since_365)
    return Earlier(len(past), past[-1], tuple(_latest_days(past, tz)),
                   covered_seconds(tail(last_year, since_30), since_30, upto),
                   covered_seconds(last_year, since_365, upto), len(last_year))


def condense_before(now: float, tz: tzinfo) -> float:
    """Where to split history to condense it at `now`: today's local midnight."""
    return day_bounds(local_day(now, tz), tz)[0]


def condensed_fits(upto: float, now: float, tz: tzinfo) -> bool:
    """Whether history condensed before `upto` serves the ledger at `now`: its windows are
    today's (the condensed figures hold for the day whose midnight `upto` is)."""
    return upto == condense_before(now, tz)


def _latest_days(past: Sequence[tuple[float, float]], tz: tzinfo,
                 earlier: Iterable[int] = (), known: dict[float, int] | None = None
                 ) -> list[int]:
    # the distinct local days (ordinals) of the latest occasions, newest first; `earlier`
    # continues them with the days of a condensed history (its newest may repeat past[0]'s);
    # `known`: the days of starts asked before (filled in here)
    days: list[int] = []
    known = {} if known is None else known
    for index in range(len(past) - 1, -1, -1):
        start = past[index][0]
        day = known.get(start)
        if day is None:
            day = known[start] = local_day(start, tz).toordinal()
        if not days or day != days[-1]:
            days.append(day)
            if len(days) > RECENT_GAPS:
                return days
    for day in earlier:
        if not days or day != days[-1]:
            days.append(day)
            if len(days) > RECENT_GAPS:
                break
    return days


def cadence(past: Sequence[tuple[float, float]], tz: tzinfo, times: int | None = None,
            earlier: Iterable[int] = (), known: dict[float, int] | None = None
            ) -> float | None:
    """The median gap in days between the distinct local days of the latest occasions (up to
    `RECENT_GAPS` gaps: the rhythm as it is now, not five years ago); None under
    `MIN_OCCASIONS` occasions (`times`, when `past` is not all of them, with the local days
    of the `earlier` ones, newest first). `known` (start → local day ordinal in `tz`, filled
    in as days are found) spares asking the zone again for a start seen before."""
    if (len(past) if times is None else times) < MIN_OCCASIONS:
        return None
    days = _latest_days(past, tz, earlier, known)
    if len(days) < 2:
        return None
    gaps = sorted(a - b for a, b in zip(days, days[1:]))
    middle = len(gaps) // 2
    # the median, without importing `statistics` (a whole-process `people --json` pays for it)
    return float(gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2)


def _status(days_since: int | None, times: int, cadence_days: float | None,
            goal_days: int | None) -> tuple[str, float]:
    if days_since is None:
        return NEW, 0.0
    if goal_days:
        due_after, drift_after, basis = goal_days, DRIFT_FACTOR * goal_days, goal_days
    elif times >= MIN_OCCASIONS and cadence_days:
        due_after = DUE_FACTOR * cadence_days
        drift_after, basis = DRIFT_FACTOR * cadence_days, cadence_days
    else:
        return NEW, 0.0
    ratio = days_since / basis
    if days_since > drift_after:
        return DRIFTING, ratio
    if days_since > due_after:
        return DUE, ratio
    return OK, ratio


def ledger(person: Person, occasions: Sequence[Occasion], now: float, tz: tzinfo) -> Ledger:
    """The numbers of one person at `now`.

    Args:
        person: who (their goal decides `due` when set).
        occasions: their in-person occasions, past and planned, in any order.
        now: UNIX seconds of the present.
        tz: the configured zone (local days).
    """
    return ledger_of(person, [(o.start, o.end) for o in occasions if o.start < now],
                     [o for o in occasions if o.start >= now], now, tz)


def ledger_of(person: Person, begun: Iterable[tuple[float, float]], planned: Iterable[Occasion],
              now: float, tz: tzinfo, earlier: Earlier = NOTHING_EARLIER,
              known: dict[float, int] | None = None,
              shown: Iterable[tuple[float, float]] | None = None) -> Ledger:
    """`ledger()` from the (start, end) of the time that has begun by `now` and the plans
    apart (the form the store reads everyone's history in).

    With `earlier` (the time that began before some moment, condensed), `begun` is the time
    from that moment on, and the moment fits `now` (`condensed_fits`). `known`: one dict
    for the ledgers of everyone in `tz` (see `cadence`): a meeting with three people has
    its day found once, not three times. `shown`: the time the ledger's `past` holds (begun
    by `now`, from whenever its reader wants it), when not that of the numbers.
    """
    past = _merged(begun if earlier.last is None else chain((earlier.last,), begun), now)
    today, since_30, since_365 = _windows(now, tz)
    last_seen = past[-1][1] if past else None
    days_since = (today - local_day(last_seen, tz)).days if last_seen is not None else None
    plans = sorted((o.start, o.label) for o in planned if o.start >= now)
    # the condensed last occasion is in `past` again
    times = len(past) + earlier.times - (earlier.last is not None)
    gap = cadence(past, tz, times, earlier.days, known)
    last_year = tail(past, since_365)
    status, overdue = _status(days_since, times, gap, person.goal_days)
    return Ledger(
        person=person, last_seen=last_seen, days_since=days_since,
        minutes_30d=(earlier.seconds_30d
                     + covered_seconds(tail(last_year, since_30), since_30, now)) / 60,
        minutes_365d=(earlier.seconds_365d + covered_seconds(last_year, since_365, now)) / 60,
        times_365d=len(last_year) + earlier.times_365d, times=times,
        cadence_days=gap, status=status,
        next=plans[0][0] if plans else None, next_label=plans[0][1] if plans else None,
        overdue=overdue, past=tuple(past if shown is None else _merged(shown, now)))


def _merged(begun: Iterable[tuple[float, float]], now: float) -> list[tuple[float, float]]:
    # merged and sorted, all begun: only the last can still be going on
    past = merge_intervals(begun)
    if past and past[-1][1] > now:
        past[-1] = (past[-1][0], now)
    return past


@lru_cache(maxsize=8)
def _windows(now: float, tz: tzinfo) -> tuple[date, float, float]:
    # today and the starts of the 30- and 365-day windows: the same for everyone in one
    # `people` (300 people asked the zone for the same three dates each)
    today = local_day(now, tz)
    return (today, day_bounds(today - timedelta(days=29), tz)[0],
            day_bounds(today - timedelta(days=364), tz)[0])


def ranked(ledgers: Iterable[Ledger]) -> list[Ledger]:
    """Most overdue first: drifting, due, ok, new; within each, the longest overdue first."""
    order = {status: i for i, status in enumerate(STATUSES)}
    return sorted(ledgers, key=lambda l: (order[l.status], -l.overdue,
                                          -(l.last_seen or 0.0), l.person.name.casefold()))


def shown_by_default(item: Ledger, now: float) -> bool:
    """Whether `presence people` lists someone without `--all`: seen within a year, with a
    plan, or with a goal."""
    recent = item.last_seen is not None and now - item.last_seen <= 365 * 86400
    return recent or item.next is not None or item.person.goal_days is not None
