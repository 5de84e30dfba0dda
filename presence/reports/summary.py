"""Day and week aggregation of stored spans (pure).

Day boundaries are local midnights in the configured zone, so a DST day has 23 or 25 hours,
and a span across midnight is split between the two days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

from presence.frozen import frozen
from presence.model import AWAY, PAUSED, Meeting, NudgeRecord, Span
from presence.timeline import covered_seconds, day_bounds, local_day, merge_intervals, overlap

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from presence.reports.by_device import DeviceMinutes
    from presence.reports.people import PeopleSection


# Activity cells: seconds per (local clock hour, app, category) of one local day. They are what
# daily rollups store (presence/store.py, migration 2), so a summary reads the same numbers
# whether a day comes from rollups or straight from its spans. `away` is left out.
Cells = dict[tuple[int, "str | None", str], float]

# Zone offsets and DST shifts are whole quarter hours, so every local hour starts on one.
_QUARTER = 900


def hour_marks(day: date, tz: tzinfo) -> list[tuple[float, int]]:
    """The local hours of `day`: (UNIX start, clock hour), 23, 24 or 25 of them.

    On the autumn DST day the repeated clock hour appears twice; in spring one is missing.
    """
    start, end = day_bounds(day, tz)
    marks = []
    at = start
    while at < end:
        local = datetime.fromtimestamp(at, tz)
        if local.minute == 0:
            marks.append((at, local.hour))
        at += _QUARTER
    return marks


def cells_by_day(spans: Iterable[Span], first: date, last: date, tz: tzinfo,
                 until: float | None = None) -> dict[date, Cells]:
    """Split spans at local hour boundaries into the cells of each day from `first` to `last`.

    Args:
        spans: spans in any order; parts outside the days (or after `until`) are ignored.
        first: the first local day.
        last: the last local day (inclusive).
        tz: the zone whose midnights and hours bound the cells.
        until: UNIX seconds after which nothing counts (the present, for today).

    Returns:
        Every day from `first` to `last`, with an empty dict for a day without activity.
    """
    bounds: list[float] = []
    labels: list[tuple[date, int]] = []
    day = first
    while day <= last:
        for at, hour in hour_marks(day, tz):
            bounds.append(at)
            labels.append((day, hour))
        day += timedelta(days=1)
    out: dict[date, Cells] = {first + timedelta(days=i): {}
                              for i in range((last - first).days + 1)}
    if not bounds:
        return out
    bounds.append(day_bounds(last, tz)[1])
    lo, hi = bounds[0], bounds[-1] if until is None else min(bounds[-1], until)
    for span in spans:
        s, e = max(span.start, lo), min(span.end, hi)
        if e <= s or span.category == AWAY:
            continue
        i = bisect_right(bounds, s) - 1
        while s < e:
            stop = min(e, bounds[i + 1])
            day, hour = labels[i]
            cells = out[day]
            key = (hour, span.app, span.category)
            cells[key] = cells.get(key, 0.0) + (stop - s)
            s = stop
            i += 1
    return out


def chat_seconds(spans: Iterable[Span], merged: list[tuple[float, float]],
                 virtual: frozenset[str]) -> float:
    """Seconds of virtual-category spans inside the merged intervals (phubbing time)."""
    total = 0.0
    for span in spans:
        if span.category in virtual:
            for s, e in merged:
                total += overlap(span.start, span.end, s, e)
    return total


def seconds_by_day(merged: Iterable[tuple[float, float]], tz: tzinfo) -> dict[date, float]:
    """Seconds of the merged intervals in each local day they touch."""
    out: dict[date, float] = defaultdict(float)
    # Sorted intervals mostly fall inside the day of the one before: reuse its bounds (a week
    # of chat on several devices is thousands of intervals, and zone arithmetic is the cost).
    known: tuple[date, float, float] | None = None
    for start, end in merged:
        if known is not None and known[1] <= start and end <= known[2]:
            out[known[0]] += end - start
            continue
        day = local_day(start, tz)
        while True:
            day_start, day_end = day_bounds(day, tz)
            if day_start >= end:
                break
            part = overlap(start, end, day_start, day_end)
            if part > 0:
                out[day] += part
                known = (day, day_start, day_end)
            day += timedelta(days=1)
    return dict(out)


def streak(days_with: set[date] | dict[date, float], day: date, complete: bool) -> int:
    """Consecutive days with in-person time, ending at `day`.

    While `day` is still running (`complete` False) and has none yet, the streak is the one
    that ended yesterday: the day is not lost until it is over.
    """
    count = 0
    if day not in days_with and not complete:
        day -= timedelta(days=1)
    while day in days_with:
        count += 1
        day -= timedelta(days=1)
    return count


@frozen
class AppMinutes:
    """Minutes of one app in one category."""

    app: str | None
    category: str
    minutes: float


@frozen
class MeetingMinutes:
    """A timed meeting of the day, with the chat during it when it is in person."""

    summary: str
    start: float
    end: float
    kind: str
    reason: str
    source: str
    minutes: float
    phubbing_minutes: float | None  # None for virtual meetings: chat there is not phubbing
    past_minutes: float = 0.0  # the part of `minutes` that has happened by now


@frozen
class LoggedMinutes:
    """In-person time logged by hand, within one day; `minutes` counts only what is past."""

    start: float
    end: float
    note: str
    minutes: float


@frozen
class PersonMinutes:
    """Someone the user saw in person, and for how long (overlapping occasions once)."""

    name: str
    minutes: float


def people_minutes(together: Iterable[tuple[int, str, float, float]], start: float,
                   until: float) -> tuple[PersonMinutes, ...]:
    """Who was seen in person in [start, until), longest first.

    Args:
        together: (person id, name, start, end) of in-person time with each person.
        start: UNIX seconds where the period begins.
        until: where it ends, never after the present.
    """
    intervals: dict[int, list[tuple[float, float]]] = defaultdict(list)
    shown: dict[int, str] = {}
    for person_id, name, s, e in together:
        intervals[person_id].append((max(s, start), min(e, until)))
        shown[person_id] = name
    out = [PersonMinutes(shown[pid], covered_seconds(merge_intervals(iv), start, until) / 60)
           for pid, iv in intervals.items()]
    return tuple(sorted((p for p in out if p.minutes > 0),
                        key=lambda p: (-p.minutes, p.name.casefold())))


@frozen
class Trend:
    """Daily averages over the days before (up to a week, never before presence started)."""

    days: int
    virtual_minutes: float
    in_person_minutes: float


@frozen
class Background:
    """What trends and streaks are measured against.

    Attributes:
        virtual: virtual seconds per local day, for at least the days the trend looks at.
        in_person: in-person seconds per local day (meetings and logged time, overlaps once).
        first_day: the first day presence recorded anything; None on an empty database.
    """

    virtual: dict[date, float]
    in_person: dict[date, float]
    first_day: date | None


@frozen
class DaySummary:
    """One local day: the balance, where the time went, meetings, nudges, trend, streak."""

    day: date
    zone: str
    hours: int
    complete: bool
    virtual_minutes: float
    in_person_minutes: float
    categories: dict[str, float]
    apps: tuple[AppMinutes, ...]
    virtual_by_hour: tuple[float, ...]
    meetings: tuple[MeetingMinutes, ...]
    phubbing_minutes: float
    nudges: tuple[NudgeRecord, ...]
    trend: Trend | None
    streak_days: int
    logged: tuple[LoggedMinutes, ...] = ()
    people: tuple[PersonMinutes, ...] = ()
    devices: tuple["DeviceMinutes", ...] = ()  # each device's own time (by_device.py)


@frozen
class PeriodSummary:
    """Consecutive days (a week, a month) and their totals."""

    days: tuple[DaySummary, ...]
    virtual_minutes: float
    in_person_minutes: float
    categories: dict[str, float]
    apps: tuple[AppMinutes, ...]
    virtual_by_hour: tuple[float, ...]
    phubbing_minutes: float
    meetings: int
    nudges: int
    trend: Trend | None
    people: tuple[PersonMinutes, ...] = ()
    section: PeopleSection | None = None  # who you saw, who is drifting (reports/people.py)


def _trend(background: Background, first: date, days: int) -> Trend | None:
    """Per-day averages over the `days` days before `first` that presence was running."""
    basis = [first - timedelta(days=i) for i in range(1, days + 1)]
    if background.first_day is not None:
        basis = [d for d in basis if d >= background.first_day]
    if background.first_day is None or not basis:
        return None
    return Trend(len(basis),
                 sum(background.virtual.get(d, 0.0) for d in basis) / 60 / len(basis),
                 sum(background.in_person.get(d, 0.0) for d in basis) / 60 / len(basis))


def _apps(totals: dict[tuple[str | None, str], float]) -> tuple[AppMinutes, ...]:
    # Time with nothing in front, away or paused is no app (issue 13): it counts in its
    # category, never in the list of apps.
    kept = [(key, secs) for key, secs in totals.items()
            if key[0] is not None and key[1] not in (AWAY, PAUSED)]
    ordered = sorted(kept, key=lambda kv: (-kv[1], kv[0][0] or "", kv[0][1]))
    return tuple(AppMinutes(app, cat, secs / 60) for (app, cat), secs in ordered)


def summarise_day(day: date, tz: tzinfo, now: float, *, cells: Cells, virtual: frozenset[str],
                  in_person: list[tuple[float, float]], meetings: Iterable[Meeting],
                  spans: Iterable[Span], nudges: Iterable[NudgeRecord],
                  background: Background,
                  logged: Iterable[tuple[float, float, str | None]] = (),
                  with_people: Iterable[tuple[int, str, float, float]] = ()) -> DaySummary:
    """Summarise one local day.

    Args:
        day: the local date.
        tz: the configured zone (day boundaries, clock hours).
        now: UNIX seconds of the present; time after it does not count yet.
        cells: the day's activity cells (see `cells_by_day`).
        virtual: the categories that count as virtual chatting.
        in_person: merged in-person intervals (in-person meetings and logged time).
        meetings: meetings overlapping the day; timed in_person and virtual ones are listed.
        spans: spans covering at least the day's in-person meetings (for phubbing).
        nudges: the day's nudges as stored (shown or not, answered, followed).
        background: per-day history for the trend and the streak.
        logged: (start, end, note) of in-person time logged by hand overlapping the day.
        with_people: (person id, name, start, end) of in-person time with each person.
    """
    start, end = day_bounds(day, tz)
    until = min(end, now)
    categories: dict[str, float] = defaultdict(float)
    apps: dict[tuple[str | None, str], float] = defaultdict(float)
    by_hour = [0.0] * 24
    for (hour, app, category), seconds in cells.items():
        categories[category] += seconds
        apps[(app, category)] += seconds
        if category in virtual:
            by_hour[hour] += seconds / 60
    span_list = list(spans)
    listed, together = [], []
    for m in meetings:
        if m.interval is None or m.kind not in ("in_person", "virtual"):
            continue
        ms, me = m.interval
        phubbing = None
        if m.kind == "in_person":
            part = [(max(ms, start), min(me, until))] if min(me, until) > max(ms, start) else []
            together.extend(part)
            phubbing = chat_seconds(span_list, part, virtual) / 60
        listed.append(MeetingMinutes(m.summary, ms, me, m.kind, m.reason, m.source,
                                     overlap(ms, me, start, end) / 60, phubbing,
                                     overlap(ms, me, start, until) / 60))
    listed.sort(key=lambda m: (m.start, m.summary))
    return DaySummary(
        day=day, zone=getattr(tz, "key", None) or str(tz), hours=round((end - start) / 3600),
        complete=now >= end,
        virtual_minutes=sum(s for c, s in categories.items() if c in virtual) / 60,
        in_person_minutes=covered_seconds(in_person, start, until) / 60,
        categories={c: s / 60 for c, s in sorted(categories.items(), key=lambda kv: -kv[1])},
        apps=_apps(apps), virtual_by_hour=tuple(by_hour), meetings=tuple(listed),
        phubbing_minutes=chat_seconds(span_list, merge_intervals(together), virtual) / 60,
        nudges=tuple(nudges), trend=_trend(background, day, 7),
        streak_days=streak(background.in_person, day, now >= end),
        logged=tuple(LoggedMinutes(ls, le, note or "", overlap(ls, le, start, until) / 60)
                     for ls, le, note in logged if ls < end and le > start),
        people=people_minutes(with_people, start, until))


def summarise_period(days: list[DaySummary], background: Background) -> PeriodSummary:
    """Totals of consecutive day summaries, with the trend against the period before."""
    categories: dict[str, float] = defaultdict(float)
    apps: dict[tuple[str | None, str], float] = defaultdict(float)
    by_hour = [0.0] * 24
    for d in days:
        for category, minutes in d.categories.items():
            categories[category] += minutes
        for a in d.apps:
            apps[(a.app, a.category)] += a.minutes * 60
        for hour, minutes in enumerate(d.virtual_by_hour):
            by_hour[hour] += minutes
    return PeriodSummary(
        days=tuple(days),
        virtual_minutes=sum(d.virtual_minutes for d in days),
        in_person_minutes=sum(d.in_person_minutes for d in days),
        categories=dict(sorted(categories.items(), key=lambda kv: -kv[1])),
        apps=_apps(apps), virtual_by_hour=tuple(by_hour),
        phubbing_minutes=sum(d.phubbing_minutes for d in days),
        meetings=sum(len(d.meetings) for d in days),
        nudges=sum(len(d.nudges) for d in days),
        trend=_trend(background, days[0].day, len(days)) if days else None,
        people=_period_people(days))


def _period_people(days: Iterable[DaySummary]) -> tuple[PersonMinutes, ...]:
    minutes: dict[str, float] = defaultdict(float)
    for d in days:
        for p in d.people:
            minutes[p.name] += p.minutes
    return tuple(PersonMinutes(n, m) for n, m in sorted(minutes.items(),
                                                          key=lambda kv: (-kv[1], kv[0].casefold())))
