"""When to speak up (pure): the day so far and the time now → at most one nudge.

The policy is a function of its inputs only: the daemon gathers a `PolicyState` from the store
(today's spans with the open one, meetings, focus windows, logged in-person time, the nudges
already recorded, the snooze) and calls `decide(now, state, config)` on each tick. Because past
nudges come from the store, a restarted daemon sees what it already said and never repeats it;
every nudge carries a `key` naming its occasion, and a key already recorded is never produced.

Rules (DESIGN §3 Nudges, §4 Focus windows):
- nothing while snoozed or paused, in quiet hours, while the user is away, or during a call (a
  chat window showing a video call is in the `calls` category and must not be interrupted);
- during an in-person meeting only `phubbing` speaks, also inside a focus window;
- conditions are judged afresh on every tick, so a nudge held back by quiet hours is not saved
  up: it comes afterwards only if its condition still holds;
- one nudge per tick, the most pressing first; the kinds that can wait also keep
  `SPACING_SECONDS` from any other nudge, so conditions that come true together do not arrive
  as a burst;
- a kind the user rarely follows waits longer (`PolicyState.backoff`, from `effect.backoff`);
- a kind's text never repeats the wording of its previous nudge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from presence.frozen import field, frozen
from datetime import date, datetime, time

from presence.nudges import people_digest
from presence.nudges import text as nudge_text
from presence.nudges.away import away_stretches, covered
from presence.nudges.effect import HEADS_UP_PREFIX
from presence.config import Config
from presence.model import AWAY, OTHER, PAUSED, FocusWindow, Meeting, Nudge, Span
from presence.timeline import local_day, union_seconds
from presence.nudges.view import (
    CROWDING_OUT,
    DAILY_SUMMARY,
    FOCUS,
    PHUBBING,
    RECONNECT,
    WELCOME_BACK,
    Settings,
    View,
    local_instant,
    settings_of,
)


# Heads-ups (keys starting with HEADS_UP_PREFIX) are `focus` nudges that do not ask the user to
# stop, so no cooldown counts them.

# A second phubbing nudge in the same meeting only after a real while, not right on the grace.
PHUBBING_SPACING_SECONDS = 600.0
# The heads-up asks the user to wrap up chats; chat in the next minutes is that wrapping up and
# does not count towards the focus grace. (This is not a cooldown: DESIGN §3 keeps the heads-up
# out of those, and a focus nudge before it does not hold it back.)
WRAP_UP_SECONDS = 300.0
# Welcome back is asked right after the return (a call at the desk may delay it this long).
WELCOME_WINDOW_SECONDS = 600.0


@frozen
class PolicyState:
    """What the daemon knows at one tick, built from stored rows and the current sample.

    Attributes:
        spans: today's spans so far in time order, the open one last (up to the current
            sample); a span that began before local midnight is clipped here.
        category: the current sample's category (`away` when the user is away).
        app: the current sample's normalised app name.
        title: the current window title, kept in memory only; it names web chats in a browser.
        meetings: calendar instances overlapping today and the next `[focus] lead_minutes`;
            only timed `in_person` ones count.
        focus_windows: focus windows (manual and auto) overlapping today and the next
            `[focus] lead_minutes`; those open now count, the others say when that changes.
        in_person_log: `(start, end)` UNIX seconds of in-person time logged today.
        past_nudges: recorded nudges since the start of yesterday, delivered or not.
        snoozed_until: UNIX seconds until which presence stays silent, or None.
        last_in_person: end of the last in-person time (meeting or log) before today, or None.
        first_seen: start of the earliest stored activity, so that `reconnect` never claims
            more days than presence has watched; None on an empty store.
        closed_chat_seconds: chat seconds today of all spans but the last (the open one), as
            the daemon keeps them in a running total so a tick does not walk the whole day;
            None to count them from `spans`.
        people_due: people who are due or drifting today, most overdue first (their ledger,
            see presence/people/ledger.py).
        people_named: person id → when a reconnect digest last named them.
        peer_virtual: today's chat on the user's other devices, merged `(start, end)` UNIX
            seconds (from their snapshots); counted once with this device's chat.
        backoff: per kind, how many times longer it waits between nudges because the user
            rarely follows it (`effect.backoff`); a missing kind waits as configured.
        kinds_snoozed_until: per kind, UNIX seconds until which it stays silent (a
            reconnect's "Next week" button).
    """

    spans: Sequence[Span] = ()
    category: str = OTHER
    app: str | None = None
    title: str | None = None
    meetings: Sequence[Meeting] = ()
    focus_windows: Sequence[FocusWindow] = ()
    in_person_log: Sequence[tuple[float, float]] = ()
    past_nudges: Sequence[Nudge] = ()
    snoozed_until: float | None = None
    last_in_person: float | None = None
    first_seen: float | None = None
    closed_chat_seconds: float | None = None
    peer_virtual: Sequence[tuple[float, float]] = ()
    people_due: Sequence[people_digest.Due] = ()
    people_named: Mapping[int, float] = field(default_factory=dict)
    backoff: Mapping[str, int] | None = None
    kinds_snoozed_until: Mapping[str, float] | None = None

    @property
    def away(self) -> bool:
        """Whether the user is away from the desk (never nudged)."""
        return self.category == AWAY


@frozen
class Decision:
    """What `decision` says at one moment.

    Attributes:
        nudges: an empty list or the single most pressing nudge.
        quiet_until: no decision before this moment can send a nudge as long as the inputs
            hold: the same category in front (which app or title of it moves no rule's
            moment, only a nudge's words), each category's time (the open span growing with
            the clock) and the same stored state. A loop may skip deciding until then
            (`Nudger.prepare`); `now` itself when nothing is promised.
    """

    nudges: list[Nudge]
    quiet_until: float


def decide(now: float, state: PolicyState, config: Config) -> list[Nudge]:
    """The nudges to send at `now`: an empty list or the single most pressing one.

    Args:
        now: UNIX seconds of the current tick.
        state: what the daemon knows (see `PolicyState`).
        config: the effective configuration (`[nudges.*]`, `[quiet_hours]`, `[focus]`).

    Returns:
        Nudges whose keys are not among `state.past_nudges`; the caller records them before
        delivery.
    """
    return decision(now, state, config).nudges


def decision(now: float, state: PolicyState, config: Config) -> Decision:
    """`decide`, and until when no later decision can send anything while the inputs hold.

    Each rule answers with its nudge or with the earliest moment it could have one: a
    grace, cooldown or spacing running out, a budget reached at the rate chat grows, the
    daily summary's time; anything that changes by itself otherwise (a meeting, focus window
    or logged time starting or ending, a kind's snooze ending, midnight) bounds every rule
    (`View.next_change`). The earliest of these is `quiet_until`.
    """
    settings = settings_of(config)
    if state.away or state.category == PAUSED or state.category in settings.silent:
        return Decision([], math.inf)  # until the category changes
    if state.snoozed_until is not None and now < state.snoozed_until:
        return Decision([], state.snoozed_until)
    local = datetime.fromtimestamp(now, settings.tz)
    if _quiet(local.time(), settings):
        assert settings.quiet is not None
        return Decision([], local_instant(now, local, settings.quiet[1]))
    view = View(now, local, state, settings)
    hushed = {kind for kind, until in (state.kinds_snoozed_until or {}).items() if now < until}
    until = view.next_change
    for rule in _RULES:
        said = rule(view)
        if not isinstance(said, Nudge):
            until = min(until, said)
        elif said.kind in hushed:
            continue  # until its snooze ends (one of `next_change`)
        elif said.key not in view.past_keys:
            return Decision([said], now)
        else:
            until = now  # its occasion was said already: promise nothing
    return Decision([], until)


def in_quiet_hours(now: float, config: Config) -> bool:
    """Whether `now` falls in `[quiet_hours]` (local time; may span midnight; equal = none)."""
    return _quiet(datetime.fromtimestamp(now, config.tz).time(), settings_of(config))


def _quiet(local: time, settings: Settings) -> bool:
    if settings.quiet is None:
        return False
    start, end = settings.quiet
    if start < end:
        return start <= local < end
    return local >= start or local < end


# A rule answers with its nudge, or with the earliest moment it could have one while the inputs
# hold (`decision`); NEVER: not before something in `View.next_change` or an input changes.
NEVER = math.inf


def _phubbing(v: View) -> Nudge | float:
    cfg = v.cfg(PHUBBING)
    if not cfg["enabled"] or v.meeting is None or not v.chatting or v.capped:
        return NEVER
    meeting, start = v.meeting, v.meeting_start
    prefix = f"{PHUBBING}:{meeting.uid}:{int(start)}:"
    earlier = v.past_with(prefix)
    if len(earlier) >= cfg["max_per_meeting"]:
        return NEVER
    last = max((n.at for n in earlier), default=-math.inf)
    # A user who rarely puts chat away after this nudge hears it later and less often.
    factor = v.factor(PHUBBING)
    if v.now - last < PHUBBING_SPACING_SECONDS * factor:
        return last + PHUBBING_SPACING_SECONDS * factor
    # Only chat inside the meeting and after the previous reminder counts towards the grace.
    since = v.run_since(max(start, last))
    seconds = v.now - since
    if seconds <= cfg["grace_seconds"] * factor:
        return since + cfg["grace_seconds"] * factor
    key = f"{prefix}{len(earlier) + 1}"
    return v.nudge(PHUBBING, key, nudge_text.phubbing(
        key, meeting.summary, seconds, v.apps(since),
        v.previous(lambda n: n.kind == PHUBBING)))


def _heads_up(v: View) -> Nudge | float:
    cfg = v.cfg(FOCUS)
    if not (cfg["enabled"] and cfg["heads_up"]) or v.meeting is not None or v.capped:
        return NEVER
    for window in v.windows:
        key = f"{HEADS_UP_PREFIX}{int(window.start)}"
        if window.origin != "auto" or key in v.past_keys:
            continue
        name, start = v.event_for(window)
        if name is None or start is None or start <= v.now:
            continue  # the event has begun: a heads-up would come too late
        minutes = int((start - v.now) / 60 + 0.5)
        return v.nudge(FOCUS, key, nudge_text.heads_up(
            key, name, minutes, v.local_hm(start),
            v.previous(lambda n: n.key.startswith(HEADS_UP_PREFIX))))
    return NEVER  # until a window opens (an event that began only ends the chance)


def _focus(v: View) -> Nudge | float:
    cfg = v.cfg(FOCUS)
    if not cfg["enabled"] or v.meeting is not None or not v.chatting or v.capped or not v.windows:
        return NEVER
    window = v.windows[0]
    last = v.last_at(lambda n: n.kind == FOCUS and not n.key.startswith(HEADS_UP_PREFIX))
    cooldown = cfg["cooldown_minutes"] * 60 * v.factor(FOCUS)
    if v.now - last < cooldown:
        return last + cooldown
    # Chat before the window, before the last reminder, during a meeting (phubbing's turf) or
    # while wrapping up after a heads-up does not count towards the grace.
    heads_up = v.last_at(lambda n: n.key.startswith(HEADS_UP_PREFIX))
    since = v.run_since(max(window.start, last, v.last_meeting_end, heads_up + WRAP_UP_SECONDS))
    seconds = v.now - since
    if seconds <= cfg["grace_seconds"]:
        return since + cfg["grace_seconds"]
    prefix = f"{FOCUS}:{int(window.start)}:"
    key = f"{prefix}{len(v.past_with(prefix)) + 1}"
    name, start = v.event_for(window)
    upcoming = name is not None and start is not None and start > v.now
    minutes = int((start - v.now) / 60 + 0.5) if upcoming and start is not None else None
    return v.nudge(FOCUS, key, nudge_text.focus(
        key, window.label, seconds, v.apps(since), v.local_hm(window.end),
        name if upcoming else None, minutes,
        v.previous(lambda n: n.kind == FOCUS and not n.key.startswith(HEADS_UP_PREFIX))))


def _crowding_out(v: View) -> Nudge | float:
    cfg = v.cfg(CROWDING_OUT)
    if not cfg["enabled"] or v.meeting is not None or v.capped:
        return NEVER
    if v.waits:
        return v.waits_until
    # chat grows at most as fast as the clock, and only while it `virtual_grows`
    virtual, budget = v.virtual_today, cfg["budget_minutes"] * 60
    if virtual < budget:
        return v.now + budget - virtual if v.virtual_grows else NEVER
    if virtual <= v.in_person_today:
        if not v.virtual_grows or v.in_person_grows:
            return NEVER
        return v.now + v.in_person_today - virtual
    cooldown = cfg["cooldown_minutes"] * 60 * v.factor(CROWDING_OUT)
    last = v.last_at(lambda n: n.kind == CROWDING_OUT)
    if v.now - last < cooldown:
        return last + cooldown
    prefix = f"{CROWDING_OUT}:{v.today.isoformat()}:"
    key = f"{prefix}{len(v.past_with(prefix)) + 1}"
    later = sorted((t[0], m.summary) for m, t in v.in_person if v.now < t[0] < v.day_end)
    upcoming = (later[0][1], v.local_hm(later[0][0])) if later else None
    return v.nudge(CROWDING_OUT, key, nudge_text.crowding_out(
        key, virtual, v.in_person_today, v.apps(v.day_start), upcoming,
        v.previous(lambda n: n.kind == CROWDING_OUT)))


def _reconnect(v: View) -> Nudge | float:
    cfg = v.cfg(RECONNECT)
    if not cfg["enabled"] or v.meeting is not None or v.capped:
        return NEVER
    if v.waits:
        return v.waits_until
    key = f"{RECONNECT}:{v.today.isoformat()}"
    if key in v.past_keys or v.in_person_today > 0 or v.people_digest_today:
        return NEVER
    if any(v.now < t[1] and t[0] < v.day_end for _, t in v.in_person):
        return NEVER  # someone is on the calendar later today: no need to say anything
    last: date | None = None
    if v.state.last_in_person is not None:
        last = reference = local_day(v.state.last_in_person, v.tz)
    elif v.state.first_seen is not None:
        reference = local_day(v.state.first_seen, v.tz)
    else:
        return NEVER
    days = (v.today - reference).days
    if days < cfg["days"]:
        return NEVER  # until another day
    return v.nudge(RECONNECT, key, nudge_text.reconnect(
        key, days, last, v.today, v.previous(lambda n: n.kind == RECONNECT)))


def _reconnect_people(v: View) -> Nudge | float:
    """The per-person digest (presence/nudges/people_digest.py): before the general reconnect,
    which then stays silent that day; one `reconnect` a day either way."""
    cfg = v.cfg(RECONNECT)
    if not cfg["enabled"] or not v.state.people_due or v.meeting is not None or v.capped \
            or v.people_digest_today:
        return NEVER
    if v.waits:
        return v.waits_until
    if f"{RECONNECT}:{v.today.isoformat()}" in v.past_keys:
        return NEVER
    chosen = people_digest.pick_people(v.state.people_due, v.state.people_named, v.now,
                                       (v.day_start, v.day_end))
    if not chosen:
        return people_digest.named_again(v.state.people_due, v.state.people_named, v.now)
    key = people_digest.key_for(v.today, chosen)
    return v.nudge(RECONNECT, key, people_digest.digest(chosen, key, v.now, v.tz))


def _daily_summary(v: View) -> Nudge | float:
    cfg = v.cfg(DAILY_SUMMARY)
    if not cfg["enabled"] or v.meeting is not None:
        return NEVER
    if v.waits:
        return v.waits_until
    if v.local.time() < v.settings.summary_at:
        return v.reaches(v.settings.summary_at)
    key = f"{DAILY_SUMMARY}:{v.today.isoformat()}"
    if key in v.past_keys:
        return NEVER
    events = list(dict.fromkeys(
        m.summary.strip() for m, t in sorted(v.in_person, key=lambda mt: mt[1][0])
        if t[0] < v.now and t[1] > v.day_start and m.summary.strip()))
    return v.nudge(DAILY_SUMMARY, key, nudge_text.daily_summary(
        key, v.virtual_today, v.in_person_today, v.apps(v.day_start), events,
        v.previous(lambda n: n.kind == DAILY_SUMMARY)))


def welcome_back_key(left: float, back: float) -> str:
    """The key of the welcome-back nudge for the away stretch [left, back): one per stretch."""
    return f"{WELCOME_BACK}:{int(left)}:{int(back)}"


def welcome_back_stretch(key: str) -> tuple[float, float] | None:
    """The away stretch a welcome-back key names (see `welcome_back_key`), or None."""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] != WELCOME_BACK or not all(p.isdigit() for p in parts[1:]):
        return None
    return float(parts[1]), float(parts[2])


def _welcome_back(v: View) -> Nudge | float:
    # the newest away stretch only leaves the window as time passes: every NEVER here holds
    # until the spans change
    cfg = v.cfg(WELCOME_BACK)
    if not cfg["enabled"] or v.meeting is not None or v.capped:
        return NEVER
    stretch = next(away_stretches(v.state.spans, v.settings.pulse,
                                  v.now - WELCOME_WINDOW_SECONDS), None)
    if stretch is None:
        return NEVER
    left, back = stretch
    seconds = back - left
    key = welcome_back_key(left, back)
    if seconds < cfg["min_away_minutes"] * 60 or key in v.past_keys:
        return NEVER
    # Time a meeting or a log already counts needs no question; neither does a night.
    known = [t for _, t in v.in_person] + [(s, e) for s, e in v.state.in_person_log]
    if covered(left, back, known):
        return NEVER
    if _touches_quiet_hours(left, back, v):
        return NEVER
    return v.nudge(WELCOME_BACK, key, nudge_text.welcome_back(
        key, seconds, v.local_hm(left), v.previous(lambda n: n.kind == WELCOME_BACK)))


def _touches_quiet_hours(start: float, end: float, v: View) -> bool:
    """Whether quiet hours fall anywhere in [start, end] (checked every few minutes)."""
    if v.settings.quiet is None:
        return False
    at = start
    while at < end:
        if _quiet(datetime.fromtimestamp(at, v.tz).time(), v.settings):
            return True
        at += 300.0
    return _quiet(datetime.fromtimestamp(end, v.tz).time(), v.settings)


# The most pressing first: the moment with people, then what is about to start, then the day.
_RULES: tuple[Callable[[View], Nudge | float], ...] = (
    _phubbing, _heads_up, _focus, _welcome_back, _daily_summary, _crowding_out,
    _reconnect_people, _reconnect)
