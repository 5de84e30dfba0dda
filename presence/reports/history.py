"""Reading the store for summaries and reports: sealed history, daily rollups, live days.

A summary needs, for every day it shows, the activity cells of the day and of the week before
(the trend), the in-person time of every earlier day (the streak), the meetings and nudges.
Complete days come from daily rollups (`rollups` table, migration 2), built once from the spans
and kept exact by the store's triggers; the days since come straight from their spans. Both go
through `summary.cells_by_day`, so the numbers agree to the second (issue 5).

Building rollups writes to the database; on a read-only one the answers are the same, just
slower.

With a `[devices] folder`, every counted peer's snapshot joins in (issue 17): the days its
spans touch are counted from the union over devices (`devices.union`: a moment counts once),
its meetings, logged time and people join this device's, each instance once.
"""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from presence.config import Config
from presence.errors import StoreError
from presence.frozen import frozen, replace
from presence.store import Store
from presence.reports.by_device import device_minutes
from presence.reports.summary import (
    Background,
    Cells,
    DaySummary,
    PeriodSummary,
    cells_by_day,
    seconds_by_day,
    summarise_day,
    summarise_period,
)
from presence.timeline import day_bounds, local_day, merge_intervals, zone_name
from presence.logsetup import logger
from presence.model import EARLIEST

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from presence.reports.from_peers import Peer

log = logger(__name__)

# History older than this is sealed and rolled up: far beyond the daemon's flush interval, so
# sealed spans no longer change in normal use (when they do, the store drops the caches).
SEAL_MARGIN_SECONDS = 3600.0
# Move the seal at most this often, so most summaries write nothing.
RESEAL_SECONDS = 3600.0
# Roll up at most this many days per transaction; their spans are read a day at a time, so
# that memory stays that of a day's spans however much history there is (a first build, the
# summaries at the end of a long replay).
CHUNK_DAYS = 31
# The trend compares a day with the week before it.
TREND_DAYS = 7


def _seal(store: Store, now: float) -> tuple[float, float] | None:
    reach = store.span_reach()
    target = now - SEAL_MARGIN_SECONDS
    if reach is not None and target - reach[0] < RESEAL_SECONDS:
        return reach
    try:
        return store.seal_spans(target)
    except StoreError as exc:
        log.info("cannot seal the history (%s); reading spans directly", exc)
        return reach


def _roll_up(store: Store, tz: tzinfo, sealed: float) -> tuple[date, date] | None:
    """Roll up every complete day before `sealed`; the range of days rolled up, or None."""
    zone = zone_name(tz)
    have = store.rollup_days(zone)
    target = local_day(sealed, tz) - timedelta(days=1)
    if have is not None and have[1] >= target:
        return have
    if have is not None:
        first = have[1] + timedelta(days=1)
    else:
        begin = store.first_activity()
        if begin is None:
            return None
        first = local_day(begin, tz)
    try:
        while first <= target:
            last = min(target, first + timedelta(days=CHUNK_DAYS - 1))
            rows = []
            for offset in range((last - first).days + 1):
                day = first + timedelta(days=offset)
                spans = store.spans(*day_bounds(day, tz))
                rows += [(day, hour, app, category, seconds)
                         for (hour, app, category), seconds in
                         cells_by_day(spans, day, day, tz)[day].items()]
            if not store.add_rollups(zone, first, last, rows, sealed):
                break  # another process changed the history or rolled up meanwhile
            first = last + timedelta(days=1)
    except StoreError as exc:
        log.info("cannot store rollups (%s); reading spans directly", exc)
    return store.rollup_days(zone)


def _first_live(store: Store, tz: tzinfo, first: date, last: date, now: float) -> date:
    """Seal and roll up the history as of `now`; the first day from `first` on that is not
    rolled up (the days before it, up to `last`, are read from rollups)."""
    reach = _seal(store, now)
    rolled = _roll_up(store, tz, reach[0]) if reach is not None else None
    if rolled is not None and first <= rolled[1]:
        return min(last, rolled[1]) + timedelta(days=1)
    return first


def _live_cells(store: Store, tz: tzinfo, live: date, last: date,
                now: float) -> dict[date, Cells]:
    """The cells of the days `live`..`last` that are not rolled up, from their spans."""
    start, end = day_bounds(live, tz)[0], min(day_bounds(last, tz)[1], now)
    spans = store.spans(start, end) if end > start else []
    return cells_by_day(spans, live, last, tz, until=now)


def activity(store: Store, tz: tzinfo, first: date, last: date,
             now: float) -> dict[date, Cells]:
    """The activity cells of every day from `first` to `last` (inclusive) as of `now`."""
    out: dict[date, Cells] = {}
    live = _first_live(store, tz, first, last, now)
    if live > first:
        day = first
        while day < live:  # days before the first rolled-up day hold no activity at all
            out[day] = {}
            day += timedelta(days=1)
        stop = live - timedelta(days=1)
        for day, hour, app, category, seconds in store.rollups(zone_name(tz), first, stop):
            out[day][(hour, app, category)] = seconds
    if live <= last:
        out.update(_live_cells(store, tz, live, last, now))
    return out


def app_totals(store: Store, tz: tzinfo, first: date, last: date,
               now: float) -> dict[tuple[str | None, str], float]:
    """Seconds per (app, category) from `first` to `last` (inclusive) as of `now`: the
    days `activity` reads from rollups come from their day totals (one aggregate), the days
    since from their spans (another); a year costs two queries, not 365 days of cells."""
    live = _first_live(store, tz, first, last, now)
    totals: dict[tuple[str | None, str], float] = {}
    if live > first:
        for app, category, seconds in store.rollup_totals(zone_name(tz), first,
                                                          live - timedelta(days=1)):
            totals[(app, category)] = seconds
    start, end = day_bounds(live, tz)[0], min(day_bounds(last, tz)[1], now)
    if live <= last and end > start:
        for app, category, seconds in store.app_seconds(start, end):
            totals[(app, category)] = totals.get((app, category), 0.0) + seconds
    return totals


def _timed(meetings: list, kind: str | None = None) -> list[tuple[float, float]]:
    return [m.interval for m in meetings
            if m.interval is not None and (kind is None or m.kind == kind)]


def summarise(store: Store, config: Config, first: date, last: date,
              now: float, *, history: bool = True) -> tuple[list[DaySummary], Background]:
    """Day summaries from `first` to `last`, and the background their trends came from,
    over this device and every counted peer.

    The background reaches back as far as the days shown (at least a week), so that a
    period's trend can compare it with the period before. With `history` False it holds the
    days shown alone: the same totals without trend or streak, for what re-reads today every
    flush (the bar, the tray, `status`).
    """
    from presence.devices.merge import reading

    with reading(store, config, now) as peers:
        return _summarise(store, config, first, last, now, peers, history)


def _in_person(store: Store, peers: list[tuple[list, list]], back: float, period_end: float,
               now: float, tz) -> list[tuple[float, float]]:
    """The merged in-person intervals from `back` to the period's end, up to `now`: this
    device's and each peer's (meetings, logged) in-person meetings once, and logged time."""
    from presence.devices import merge

    together = _timed(merge.meetings_once(store.meetings(back, period_end, tz, kind="in_person"),
                                          *(meetings for meetings, _ in peers)))
    together += [(s, e) for s, e, _ in store.in_person_log(back, period_end)]
    together += [(s, e) for _, logged in peers for s, e, _ in logged]
    return merge_intervals((s, min(e, now)) for s, e in together)


def _peer_in_person(peer: Peer, back: float, period_end: float, tz) -> tuple[list, list]:
    """A peer's in-person meetings and logged time from `back` to the period's end; what was
    read of it already when its snapshot fails now (a reader never fails for a peer)."""
    try:
        return (peer.source.meetings(back, period_end, tz, kind="in_person"),
                peer.source.in_person_log(back, period_end))
    except StoreError as exc:
        log.warning("devices: %s: in-person history left out: %s", peer.name, exc)
        return peer.in_person, peer.logged


def _streak_reaches(by_day: dict[date, float], since: date, first: date) -> bool:
    """Whether every day from `since` to the day before `first` had in-person time, so that a
    streak in the period may go on before what was read."""
    day = since
    while day < first:
        if day not in by_day:
            return False
        day += timedelta(days=1)
    return True


def _summarise(store: Store, config: Config, first: date, last: date, now: float,
               peers: list, history: bool = True,
               by_device: bool = True) -> tuple[list[DaySummary], Background]:
    """The day summaries and background of `summarise`, over the open `peers`; a peer whose
    file fails at any point is left out whole."""
    if not peers:
        return _summarise_once(store, config, first, last, now, peers, history, by_device)
    from presence.reports.from_peers import PeerFailed

    try:
        return _summarise_once(store, config, first, last, now, peers, history, by_device)
    except PeerFailed as failed:  # a peer failed after its first read: left out whole
        return _summarise(store, config, first, last, now,
                          [p for p in peers if p not in failed.sources], history, by_device)


def _summarise_once(store: Store, config: Config, first: date, last: date, now: float,
                    peers: list, history: bool,
                    by_device: bool) -> tuple[list[DaySummary], Background]:
    """`_summarise` over `peers`; raises `PeerFailed` when a peer's file fails after its first
    read (what was read of it is then part of what was combined: the caller counts again)."""
    from presence.devices import merge
    from presence.devices.union import union_spans

    tz, virtual = config.tz, config.virtual_categories
    span_days = (last - first).days + 1
    since = first - timedelta(days=max(TREND_DAYS, span_days)) if history else first
    cells = activity(store, tz, since, last, now)
    period_start, period_end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    upto = min(period_end, now)
    lo, hi = day_bounds(since, tz)[0], min(period_end, now)
    # In-person time is read from the trend's first day: a streak that runs back to it is
    # read further below, so a summary costs the same on ten years as on one.
    back = lo if history else period_start
    names = {d.id: d.name for d in store.devices()}
    over_devices = bool(peers) or len(names) > 1
    kept = made_of = None
    if over_devices and now >= period_end:  # days that are over: their cells may be kept
        from presence.reports import shown_days

        made_of = shown_days.key(store, peers, period_start, hi, config)
        kept = shown_days.kept(store, made_of)
    others: list = []
    if peers:
        from presence.reports import from_peers

        others = from_peers.take_peers(
            peers, config, first, last, now, back,
            by_device and (kept is None or kept.devices is None))
        if len(others) < len(peers):  # what was kept was made of them all: count again
            raise from_peers.PeerFailed([s for s in peers
                                         if all(p.source is not s for p in others)])
    virtual_by_day = {day: sum(secs for (_, _, cat), secs in c.items() if cat in virtual)
                      for day, c in cells.items()}
    union = None
    trend_hi = min(period_start, hi)
    meetings = merge.meetings_once(store.meetings(period_start, period_end, tz),
                                   *(p.meetings for p in others))
    met = merge_intervals((max(s, period_start), min(e, upto))
                          for s, e in _timed(meetings, "in_person"))
    # each day's (peer, category, seconds): the peers' own time, for the time by device
    if not by_device:
        their_time: dict = {}
    elif kept is not None and kept.devices is not None:
        their_time = kept.devices
    else:
        their_time = {day: [(p.name, category, seconds) for p in others
                            for category, seconds in p.by_day.get(day, ())]
                      for day in (first + timedelta(days=n) for n in range(span_days))}
    if over_devices:
        if trend_hi > lo:
            from presence.reports.chat_days import union_chat_by_day

            before, failed = union_chat_by_day(store, [p.source for p in others], lo,
                                               trend_hi, config)
            if failed:
                raise from_peers.PeerFailed([others[i].source for i in failed])
        else:
            before = {}
        # A moment seen on several devices counts once (rollups hold this database's spans,
        # which an import fills with other devices' too, a phone from ActivityWatch): the
        # days shown from the union of every device's spans, the days before (whose chat
        # alone the trend reads) from the union of every device's chat.
        if kept is not None:
            shown = kept.cells
        else:
            theirs = (from_peers.spans(others, [(period_start, hi)])
                      if others and hi > period_start else [])
            mine = store.spans(period_start, hi) if hi > period_start else []
            union = union_spans([mine] + theirs, virtual, config.always_active)
            shown = cells_by_day(union, first, last, tz, until=now)
            if made_of is not None:
                shown_days.keep(store, made_of, shown, their_time if by_device else None)
        cells.update(shown)
        virtual_by_day = {day: before.get(day, 0.0) if day < first else
                          sum(secs for (_, _, cat), secs in cells[day].items() if cat in virtual)
                          for day in cells}
    # In-person time before the period feeds the streak; none of it counts before it happened.
    in_person = _in_person(store, [(p.in_person, p.logged) for p in others], back, period_end,
                           now, tz)
    by_day = seconds_by_day(in_person, tz)
    # A streak that runs back to the first day read is read further back, twice as far each
    # time, until a day without in-person time ends it: the cost follows the streak's length,
    # not the years of history before it.
    reach, earliest = since, local_day(EARLIEST, tz)  # nothing before EARLIEST is shown
    while history and reach > earliest and _streak_reaches(by_day, reach, first):
        reach = max(earliest, first - 2 * (first - reach))
        further = day_bounds(reach, tz)[0]
        in_person = _in_person(store, [_peer_in_person(p, further, period_end, tz)
                                       for p in others], further, period_end, now, tz)
        by_day = seconds_by_day(in_person, tz)
    begins = [b for b in [store.first_activity()] + [p.first for p in others] if b is not None]
    begin = (min(begins) if begins else None) if history else period_start
    background = Background(
        virtual=virtual_by_day,
        in_person=by_day,
        first_day=local_day(begin, tz) if begin is not None else None)
    forgotten = merge.forgotten_anywhere(store, [p.forgotten for p in others]) if others \
        else None
    if forgotten:  # a name forgotten on one device is blanked on every other
        meetings = [replace(m, summary=forgotten.scrub(m.summary))
                    for m in meetings]
    # A span may touch two meetings' intervals: keep it once, or its chat would count twice.
    if not met:
        spans = []
    elif not over_devices:
        spans = list(dict.fromkeys(span for s, e in met for span in store.spans(s, e)))
    else:
        if union is None:  # cells kept: the union of the meetings' intervals alone (phubbing
            # adds up chat inside them; who wins a moment depends on the spans covering it)
            mine = list(dict.fromkeys(span for s, e in met for span in store.spans(s, e)))
            theirs = from_peers.spans(others, met) if others else []
            union = union_spans([mine] + theirs, virtual, config.always_active)
        spans = [sp for sp in union if any(sp.start < e and sp.end > s for s, e in met)]
    nudges = store.nudge_records(period_start, period_end)
    logged = list(dict.fromkeys(store.in_person_log(period_start, period_end) + [
        row for p in others for row in p.logged if row[0] < period_end and row[1] > period_start]))
    with_people = store.together(period_start, period_end)
    if forgotten is not None:
        people = merge.PeopleUnion(store.people(), forgotten)
        with_people = [t for t in with_people if people.kept(t[0])]
        for p in others:
            ids = people.map(p.people)
            shown = {person.id: person.name for person in people.people()}
            with_people += [(ids[pid], shown.get(ids[pid], name), s, e)
                            for pid, name, s, e in p.together if pid in ids]
        with_people = merge.together_once(with_people)
    days = []
    day = first
    while day <= last:
        start, end = day_bounds(day, tz)
        until = min(end, now)
        if by_device:
            rows = store.device_seconds(start, until)
            rows += their_time.get(day, [])
        days.append(replace(summarise_day(
            day, tz, now, cells=cells.get(day, {}), virtual=virtual, in_person=in_person,
            meetings=[m for m in meetings
                      if m.interval is not None and m.interval[0] < end
                      and m.interval[1] > start],
            spans=[sp for sp in spans if sp.start < end and sp.end > start],
            nudges=[r for r in nudges if start <= r.nudge.at < end],
            background=background,
            logged=[(s, e, note) for s, e, note in logged if s < end and e > start],
            with_people=[t for t in with_people if t[2] < end and t[3] > start]),
            devices=device_minutes(rows, names, virtual) if by_device else ()))
        day += timedelta(days=1)
    return days, background


def day_summary(store: Store, config: Config, day: date, now: float, *,
                history: bool = True) -> DaySummary:
    """The summary of one local day as of `now` (`history` False: without trend or streak,
    see `summarise`)."""
    return summarise(store, config, day, day, now, history=history)[0][0]


def period_summary(store: Store, config: Config, last: date, days: int,
                   now: float, *, by_device: bool = True) -> PeriodSummary:
    """The `days` days ending with `last`, their totals, the trend on the days before, and
    the People section (who you saw, who is drifting, 12 weeks of dots).

    With `by_device` False each day's `devices` stays empty: the HTML report shows no time
    by device, and a month of it is a scan of every span of the month (most of what the
    month report's reading cost).
    """
    from presence.people.directory import everyone
    from presence.reports.people import first_day, section

    from presence.devices.merge import reading

    with reading(store, config, now) as peers:
        summaries, background = _summarise(store, config, last - timedelta(days=days - 1),
                                           last, now, peers, by_device=by_device)
        ledgers = everyone(store, now, config.tz, peers=peers,
                           past_from=day_bounds(first_day(last), config.tz)[0])
    period = summarise_period(summaries, background)
    people = section(ledgers, period.people, last, config.tz)
    return replace(period, section=people)
