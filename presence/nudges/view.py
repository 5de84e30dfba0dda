"""What the policy knows at one tick (pure): the parsed settings and the facts derived from
the state, each computed once and only when a rule asks for it.

`policy.decide` builds one `View` per tick and hands it to every rule in turn; the rules (in
`policy.py`) only ask questions of it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from presence.frozen import frozen
from presence.config import Config
from presence.model import FocusWindow, Meeting, Nudge, Span
from presence.nudges import people_digest
from presence.nudges import text as nudge_text
from presence.spans import pulse_time
from presence.timeline import clipped_seconds, day_bounds, union_seconds

if TYPE_CHECKING:
    from collections.abc import Sequence

    from presence.nudges.policy import PolicyState

PHUBBING = "phubbing"
FOCUS = "focus"
CROWDING_OUT = "crowding_out"
RECONNECT = "reconnect"
DAILY_SUMMARY = "daily_summary"
WELCOME_BACK = "welcome_back"
KINDS = (PHUBBING, FOCUS, CROWDING_OUT, RECONNECT, DAILY_SUMMARY, WELCOME_BACK)

# crowding_out, reconnect and daily_summary can wait: they keep this distance from any nudge.
SPACING_SECONDS = 600.0


@frozen
class Settings:
    """The keys the policy reads, parsed once per config (a tick must stay cheap)."""

    tz: tzinfo
    quiet: tuple[time, time] | None
    summary_at: time
    max_per_day: int
    lead_seconds: float
    pulse: float
    virtual: frozenset[str]
    silent: frozenset[str]
    kinds: dict[str, dict[str, Any]]


@lru_cache(maxsize=8)
def settings_of(config: Config) -> Settings:
    start = config.clock_time("quiet_hours.start")
    end = config.clock_time("quiet_hours.end")
    return Settings(
        tz=config.tz, quiet=None if start == end else (start, end),
        summary_at=config.clock_time("nudges.daily_summary.at"),
        max_per_day=config.get("nudges.max_per_day"),
        lead_seconds=config.get("focus.lead_minutes") * 60.0,
        pulse=pulse_time(config.interval),
        virtual=config.virtual_categories,
        # A call is a conversation: interrupting it would be rude (DESIGN §3: never for a chat
        # inside a video call); always-active categories are exactly the ones people talk in.
        silent=config.always_active,
        kinds={kind: dict(config.get(f"nudges.{kind}")) for kind in KINDS})


def virtual_seconds(spans: Sequence[Span], virtual: frozenset[str], day_start: float,
                     now: float, closed_total: float | None = None) -> float:
    """Chat seconds today: the closed spans (all but the last) and the open one, clipped."""
    if closed_total is None:
        closed_total = sum(clipped_seconds(span, day_start, now) for span in spans[:-1]
                           if span.category in virtual)
    if spans and spans[-1].category in virtual:
        closed_total += clipped_seconds(spans[-1], day_start, now)
    return closed_total


def timed_in_person(meeting: Meeting) -> tuple[float, float] | None:
    """UNIX seconds of a timed in-person meeting; None for anything else."""
    return meeting.interval if meeting.kind == "in_person" else None


@lru_cache(maxsize=16)
def cached_day_bounds(day: date, tz: tzinfo) -> tuple[float, float]:
    return day_bounds(day, tz)


class once:  # noqa: N801 - used as a decorator, like functools.cached_property
    """`functools.cached_property` without its per-access lock (Python < 3.12), which cost
    more than the values it guards on a replay's 86,400 ticks."""

    def __init__(self, compute: Callable[[Any], Any]):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        # Stored on the instance: later reads find it there and never reach this method.
        value = view.__dict__[self.name] = self.compute(view)
        return value


def _current_meeting(now: float, timed: Sequence[tuple[Meeting, tuple[float, float]]]
                     ) -> tuple[Meeting, tuple[float, float]] | None:
    current = [(m, t) for m, t in timed if t[0] <= now < t[1]]
    # Overlapping meetings: the one that began last is the one the user is in now.
    return max(current, key=lambda mt: mt[1][0]) if current else None


def current_meeting(now: float, meetings: Sequence[Meeting]) -> Meeting | None:
    """The timed in-person meeting the user is in at `now` (the latest begun), or None."""
    found = _current_meeting(now, [(m, t) for m in meetings
                                   if (t := timed_in_person(m)) is not None])
    return found[0] if found else None


def local_instant(now: float, local: datetime, at: time) -> float:
    """The first moment after `local` (the aware local time at `now`) at which the local clock
    reads `at`; `now` itself when the zone's offset differs between the two (the wall clock
    jumps in between, so the moment is not guessed)."""
    target = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)
    if target.utcoffset() != local.utcoffset():
        return now
    return target.timestamp()


class View:
    """Facts derived once per tick from the state, shared by the rules."""

    def __init__(self, now: float, local: datetime, state: PolicyState, settings: Settings):
        self.now = now
        self.state = state
        self.settings = settings
        self.tz = settings.tz
        self.local = local
        self.today = self.local.date()
        self.day_start, self.day_end = cached_day_bounds(self.today, self.tz)
        self.virtual = settings.virtual
        self.chatting = state.category in self.virtual

    # The rest is computed on first use: most ticks are settled by the first checks.

    @once
    def past_keys(self) -> frozenset[str]:
        """Keys of every recorded nudge."""
        return frozenset(n.key for n in self.state.past_nudges)

    @once
    def capped(self) -> bool:
        """Whether today's nudges (the daily summary aside) reached `max_per_day`."""
        counted = sum(1 for n in self.state.past_nudges
                      if self.day_start <= n.at < self.day_end and n.kind != DAILY_SUMMARY)
        return counted >= self.settings.max_per_day

    @once
    def waits(self) -> bool:
        """Whether the last nudge of any kind is too recent for the kinds that can wait."""
        last_any = max((n.at for n in self.state.past_nudges), default=-math.inf)
        return self.now - last_any < SPACING_SECONDS

    @once
    def waits_until(self) -> float:
        """When the kinds that can wait may speak again (see `waits`)."""
        return max((n.at for n in self.state.past_nudges), default=-math.inf) + SPACING_SECONDS

    @once
    def next_change(self) -> float:
        """The next moment at which a fact the rules read changes by itself, the inputs held:
        a meeting, logged time, focus window or another device's chat starting or ending, a
        kind's snooze ending, or the day ending (`policy.decision`)."""
        now, state = self.now, self.state
        edges = [t for _, interval in self.in_person for t in interval]
        edges += [t for interval in state.in_person_log for t in interval]
        edges += [t for interval in state.peer_virtual for t in interval]
        edges += [t for w in state.focus_windows for t in (w.start, w.end)]
        edges += (state.kinds_snoozed_until or {}).values()
        return min([t for t in edges if t > now] + [self.day_end])

    @once
    def virtual_grows(self) -> bool:
        """Whether today's chat (`virtual_today`) grows as time passes, the inputs held: at
        most as fast as the clock."""
        return self.chatting or any(end > self.now for _, end in self.state.peer_virtual)

    @once
    def in_person_grows(self) -> bool:
        """Whether today's in-person time grows as time passes (a meeting or logged time is
        on now)."""
        now = self.now
        return any(s <= now < e for _, (s, e) in self.in_person) or \
            any(s <= now < e for s, e in self.state.in_person_log)

    def reaches(self, at: time) -> float:
        """The first moment after now at which the local clock reads `at`, or now when the
        zone's offset changes before then (a DST night: no guess is made)."""
        return local_instant(self.now, self.local, at)

    @once
    def people_digest_today(self) -> bool:
        """Whether today's per-person reconnect digest was recorded already."""
        return any(n.key.startswith(f"{people_digest.PREFIX}{self.today.isoformat()}:")
                   for n in self.state.past_nudges)

    @once
    def in_person(self) -> list[tuple[Meeting, tuple[float, float]]]:
        """Timed in-person meetings with their UNIX seconds."""
        return [(m, t) for m in self.state.meetings if (t := timed_in_person(m)) is not None]

    @once
    def _current(self) -> tuple[Meeting, tuple[float, float]] | None:
        return _current_meeting(self.now, self.in_person)

    @once
    def meeting(self) -> Meeting | None:
        """The in-person meeting happening now, if any."""
        return self._current[0] if self._current else None

    @once
    def meeting_start(self) -> float:
        """When the current in-person meeting began (inf when none)."""
        return self._current[1][0] if self._current else math.inf

    @once
    def last_meeting_end(self) -> float:
        """End of the latest in-person meeting that is over."""
        return max((t[1] for _, t in self.in_person if t[1] <= self.now), default=-math.inf)

    @once
    def windows(self) -> list[FocusWindow]:
        """Focus windows open now, the latest-starting first."""
        return sorted((w for w in self.state.focus_windows if w.start <= self.now < w.end),
                      key=lambda w: w.start, reverse=True)

    def cfg(self, kind: str) -> dict[str, Any]:
        """The `[nudges.<kind>]` table."""
        return self.settings.kinds[kind]

    def factor(self, kind: str) -> int:
        """How many times longer `kind` waits, for a user who rarely follows it."""
        return (self.state.backoff or {}).get(kind, 1)

    def previous(self, matches: Callable[[Nudge], bool]) -> tuple[str, str] | None:
        """(title, message) of the latest recorded nudge that `matches`, so the next one of
        its kind is worded differently."""
        latest = max((n for n in self.state.past_nudges if matches(n)), key=lambda n: n.at,
                     default=None)
        return (latest.title, latest.message) if latest is not None else None

    def past_with(self, prefix: str) -> list[Nudge]:
        """Recorded nudges whose key starts with `prefix` (one occasion's series)."""
        return [n for n in self.state.past_nudges if n.key.startswith(prefix)]

    def last_at(self, matches: Callable[[Nudge], bool]) -> float:
        """Time of the latest recorded nudge that `matches`; -inf when none."""
        return max((n.at for n in self.state.past_nudges if matches(n)), default=-math.inf)

    def run_since(self, floor: float) -> float:
        """Start of the unbroken chat run ending now, or `floor` if the run began before it.

        The run goes across switches between chat apps; a span of another category (a call,
        away, work) or a gap longer than the pulse time (suspend, daemon stopped) ends it. With
        no chat in front the run is empty. Spans are walked back from the newest only as far
        as `floor`, so a long day costs no more than the run.
        """
        if not self.chatting:
            return self.now
        start = cursor = self.now
        for span in reversed(self.state.spans):
            if cursor <= floor:
                break
            if span.start > cursor:
                continue
            if span.category not in self.virtual or cursor - span.end > self.settings.pulse:
                break
            start = cursor = span.start
        return max(start, floor)

    def apps(self, since: float) -> list[str]:
        """Display names of the chat apps used in [since, now], most used first."""
        seconds: dict[str, float] = defaultdict(float)
        for span in self.state.spans:
            if span.category in self.virtual:
                title = span.title or (self.state.title if span.app == self.state.app else None)
                name = nudge_text.app_name(span.app, title)
                seconds[name] += clipped_seconds(span, since, self.now)
        names = [name for name, s in sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0]))
                 if s > 0]
        if self.chatting:
            current = nudge_text.app_name(self.state.app, self.state.title)
            if current not in names:
                names.append(current)
        return names

    @once
    def virtual_today(self) -> float:
        """Seconds of chat today so far, on this device and (once) on the others."""
        if not self.state.peer_virtual:
            return virtual_seconds(self.state.spans, self.virtual, self.day_start, self.now,
                                   self.state.closed_chat_seconds)
        # chat on two screens at once counts once (issue 17)
        own = [(max(s.start, self.day_start), min(s.end, self.now)) for s in self.state.spans
               if s.category in self.virtual]
        return union_seconds(own + [(s, min(e, self.now)) for s, e in self.state.peer_virtual])

    @once
    def in_person_today(self) -> float:
        """Seconds in person today so far: meetings and logged time, overlaps once."""
        intervals = [t for _, t in self.in_person] + [(s, e) for s, e in self.state.in_person_log]
        return union_seconds([(max(s, self.day_start), min(e, self.now)) for s, e in intervals])

    def event_for(self, window: FocusWindow) -> tuple[str | None, float | None]:
        """The in-person event a focus window leads up to: (summary, start) or (None, None)."""
        starts = sorted((t[0], m.summary) for m, t in self.in_person
                        if window.start <= t[0] < window.end)
        if starts:
            return starts[0][1], starts[0][0]
        if window.origin == "auto":
            # The meeting fell outside the loaded list: an auto window opens `lead` before it.
            return window.label, window.start + self.settings.lead_seconds
        return None, None

    def local_hm(self, at: float) -> str:
        """`HH:MM` local time of `at`."""
        return datetime.fromtimestamp(at, self.tz).strftime("%H:%M")

    def nudge(self, kind: str, key: str, text: tuple[str, str]) -> Nudge:
        """A nudge decided now."""
        return Nudge(self.now, kind, key, text[0], text[1])
