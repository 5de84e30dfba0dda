"""Today at a glance: the one computation behind `status`, `bar` and `tray` (DESIGN §3).

What is in front now is the daemon's latest span (it stores the new span at every switch:
never the span flushed up to 30 s ago, always what was in front at its latest sample);
today's numbers come from the summary's code, so the bar, the tray, `status` and `presence
summary` always tell the same day.
"""

from __future__ import annotations

from datetime import datetime

from presence import holds
from presence.config import Config
from presence.frozen import frozen, replace
from presence.model import AWAY
from presence.reports.history import day_summary
from presence.timeline import day_bounds, local_day

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from presence.store import Store

# The classes a bar can style, most pressing first (DESIGN §2, `bar --format waybar`).
CLASSES = ("stopped", "paused", "snoozed", "phubbing", "focus", "virtual", "balanced")
# How far ahead the next in-person plan is looked for.
LOOKAHEAD_SECONDS = 14 * 86400.0


@frozen
class Current:
    """What is in front: the app (None when nothing), its category, and since when."""

    app: str | None
    category: str
    since: float


@frozen
class Glance:
    """Today at one moment, as the bar, the tray and `status` show it.

    Attributes:
        at: the moment (UNIX seconds).
        running: whether the daemon runs.
        current: what is in front now (None while the daemon is stopped).
        virtual_minutes: today's virtual time.
        in_person_minutes: today's in-person time (meetings and logged time).
        categories: minutes per category today, largest first (away left out).
        seen: who you saw in person today (else today's in-person meetings so far).
        next_plan: the next in-person meeting (summary, UNIX start), if any.
        meeting: the in-person meeting going on now, if any.
        focus: the label of the focus window open now, if any.
        snoozed_until: end of the snooze, or None.
        paused_until: end of the pause, or None.
        over_budget: today's virtual time reached the budget and outweighs in-person time.
        virtual_in_front: what is in front now counts as virtual.
        phubbing: a virtual app is in front during an in-person meeting.
        until: the moment this glance may change without the store changing (a snooze, a
            pause, a meeting or a focus window ends or starts, midnight).
        steady: no in-person time is going on (on any device), so that until `until` only
            the span in front grows with the clock (see `advance`).
    """

    at: float
    running: bool
    current: Current | None
    virtual_minutes: float
    in_person_minutes: float
    categories: tuple[tuple[str, float], ...]
    seen: tuple[str, ...]
    next_plan: tuple[str, float] | None
    meeting: str | None
    focus: str | None
    snoozed_until: float | None
    paused_until: float | None
    over_budget: bool
    virtual_in_front: bool
    phubbing: bool
    until: float
    steady: bool = False

    @property
    def state(self) -> str:
        """One of `CLASSES`: the most pressing thing true now."""
        if not self.running:
            return "stopped"
        if self.paused_until is not None:
            return "paused"
        if self.snoozed_until is not None:
            return "snoozed"
        if self.phubbing:
            return "phubbing"
        if self.focus is not None:
            return "focus"
        return "virtual" if self.over_budget else "balanced"

    @property
    def virtual_share(self) -> int:
        """Virtual time as a whole percentage of virtual plus in-person time (0 when none)."""
        total = self.virtual_minutes + self.in_person_minutes
        return round(100 * self.virtual_minutes / total) if total > 0 else 0


def read_current(store: Store, now: float) -> Current | None:
    """What is in front at `now`: the daemon's latest span (None before it stored one)."""
    latest = store.in_front(now)
    return None if latest is None else Current(latest[2], latest[3], latest[0])


def read(store: Store | None, config: Config, now: float, running: bool) -> Glance:
    """Today at a glance as of `now` (`store` None: no database yet)."""
    tz = config.tz
    day_end = day_bounds(local_day(now, tz), tz)[1]
    if store is None:
        return Glance(now, running, None, 0.0, 0.0, (), (), None, None, None, None, None,
                      False, False, False, day_end)
    # today's totals from the summary's code; trend and streak are not shown at a glance
    summary = day_summary(store, config, local_day(now, tz), now, history=False)
    held = holds.read(store, now)
    current = read_current(store, now) if running else None
    plans = [(m.summary, m.start.timestamp(), m.end.timestamp())
             for m in store.meetings(now, now + LOOKAHEAD_SECONDS, tz, kind="in_person")
             if not m.all_day and isinstance(m.start, datetime) and isinstance(m.end, datetime)]
    going = next((p for p in plans if p[1] <= now), None)
    upcoming = next((p for p in plans if p[1] > now), None)
    windows = store.focus_windows(now, day_end + 86400)
    focus = next((w for w in windows if w.start <= now), None)
    virtual, in_person = summary.virtual_minutes, summary.in_person_minutes
    chatting = current is not None and current.category in config.virtual_categories
    budget = config.get("nudges.crowding_out.budget_minutes")
    changes = [day_end, held.snoozed_until, held.paused_until,
               going[2] if going else None, upcoming[1] if upcoming else None]
    changes += [w.end if w.start <= now else w.start for w in windows]
    together = [(m.start, m.end) for m in summary.meetings if m.kind == "in_person"]
    together += [(entry.start, entry.end) for entry in summary.logged]
    changes += [t for interval in together for t in interval]  # in-person time starts, ends
    return Glance(
        at=now, running=running, current=current,
        virtual_minutes=virtual, in_person_minutes=in_person,
        categories=tuple(summary.categories.items()),
        # who you saw (the people the calendar and `log --with` named), else the plans
        seen=tuple(p.name for p in summary.people) or tuple(
            m.summary for m in summary.meetings if m.kind == "in_person" and m.start <= now),
        next_plan=(upcoming[0], upcoming[1]) if upcoming else None,
        meeting=going[0] if going else None,
        focus=focus.label if focus else None,
        snoozed_until=held.snoozed_until, paused_until=held.paused_until,
        over_budget=virtual >= budget and virtual > in_person,
        virtual_in_front=chatting, phubbing=going is not None and chatting,
        until=min(c for c in changes if c is not None and c > now),
        steady=not any(s <= now < e for s, e in together))


def advance(glance: Glance, grown: dict[str, float], config: Config, at: float,
            current: Current | None = None) -> Glance:
    """`glance` once the spans in front grew by `grown` (seconds per category) and nothing
    else changed but, when `current` is given, what is in front: what `read` would say at
    `at`, without reading the day again.

    Only for a `steady` glance before its `until` (so no meeting is going on, and nothing
    but the spans can be phubbing), and only when no other device's time lies past where
    the spans in front began (then the union over devices gives the growth to them whole);
    the follower checks both.
    """
    shown = dict(glance.categories)
    virtual = glance.virtual_minutes
    for category, seconds in grown.items():
        minutes = seconds / 60
        if category != AWAY:  # away is never shown, as in the summary
            shown[category] = shown.get(category, 0.0) + minutes
        if category in config.virtual_categories:
            virtual += minutes
    budget = config.get("nudges.crowding_out.budget_minutes")
    changed = {} if current is None else {
        "current": current,
        "virtual_in_front": current.category in config.virtual_categories}
    return replace(
        glance, at=at, virtual_minutes=virtual,
        categories=tuple(sorted(shown.items(), key=lambda kv: -kv[1])),
        over_budget=virtual >= budget and virtual > glance.in_person_minutes, **changed)
