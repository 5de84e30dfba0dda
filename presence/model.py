"""Frozen value types shared by every layer.

Times are UNIX seconds (UTC, float) inside the core, as in the database; aware datetimes appear
only at the calendar and rendering edges.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property

from presence.frozen import frozen

AWAY = "away"
OTHER = "other"
# A stretch recorded while the user paused presence: no app, no title, neither side of the
# balance, no nudges (DESIGN §3 Pause).
PAUSED = "paused"
# The categories presence knows; a rule names one of the first four (away comes from idle
# time), or a category of the user's own listed in [categories] virtual or always_active.
RULE_CATEGORIES = ("messaging", "social", "calls", OTHER)
CATEGORIES = (*RULE_CATEGORIES, AWAY)
# Any program sets its own window title and class: every sample is cut to these lengths when
# it is made, whichever probe (or replay) made it, so classification and storage never see
# more. No rule needs more than the start of a title.
TITLE_LIMIT = 512
# The times presence stores and shows: UNIX seconds from 1970 to the start of 9000. Later or
# earlier values (a typo, a hostile calendar) cannot be shown as local dates or moved by a few
# days without overflowing, so they are refused on input and skipped on reading.
EARLIEST = 0.0
LATEST = 221_845_392_000.0  # 9000-01-01T00:00:00Z


def in_range(stamp: float) -> bool:
    """Whether UNIX seconds `stamp` lies in the range presence stores (1970 to 9000)."""
    return EARLIEST <= stamp <= LATEST
NAME_LIMIT = 128
EXE_LIMIT = 1024


@frozen(slots=True)  # read four times at every tick of the daemon
class Sample:
    """What was in front at one moment, as a probe saw it.

    Attributes:
        at: UNIX seconds when the sample was taken.
        app: normalised app name (`slack`), or None when nothing is in front.
        title: window title, kept in memory for classification only.
        exe: full path of the executable, where known.
        pid: process id of the foreground window, where known.
        idle: seconds since the last keyboard or mouse input; None when unknown.
    """

    at: float
    app: str | None
    title: str | None = None
    exe: str | None = None
    pid: int | None = None
    idle: float | None = None

    def __post_init__(self) -> None:
        title, app, exe = self.title, self.app, self.exe
        # the common case first, in one expression: every sample of every probe passes here
        if ((title is None or (title.isascii() and len(title) <= TITLE_LIMIT))
                and (app is None or (app.isascii() and len(app) <= NAME_LIMIT))
                and (exe is None or (exe.isascii() and len(exe) <= EXE_LIMIT))):
            return
        for name, limit in (("title", TITLE_LIMIT), ("app", NAME_LIMIT), ("exe", EXE_LIMIT)):
            value = getattr(self, name)
            if value is None:
                continue
            if len(value) > limit:
                value = value[:limit]
                object.__setattr__(self, name, value)
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    # a lone surrogate (a title decoded with surrogateescape, a trace's
                    # "\ud800") is no text: it becomes "?"
                    object.__setattr__(self, name,
                                       value.encode("utf-8", "replace").decode("utf-8"))

    def at_time(self, at: float) -> Sample:
        """The same sample taken at `at`. Its text was checked when it was made, so the copy
        is made without the checks (a replay holds one sample over many ticks)."""
        copy = object.__new__(Sample)
        # through the slots' own setters: a replay copies a sample at every line of its trace
        _SET_AT(copy, at)
        _SET_APP(copy, self.app)
        _SET_TITLE(copy, self.title)
        _SET_EXE(copy, self.exe)
        _SET_PID(copy, self.pid)
        _SET_IDLE(copy, self.idle)
        return copy


# Sample's slots, set past its `__setattr__` (which refuses); a field added to Sample without
# one here fails at import
_SET_AT, _SET_APP, _SET_TITLE, _SET_EXE, _SET_PID, _SET_IDLE = (
    Sample.__dict__[name].__set__
    for name in Sample.__frozen_fields__)  # type: ignore[attr-defined]


@frozen
class Classified:
    """A sample with its category and the rule that decided it.

    `web_app` names a web app that a browser-title rule found in a browser's tab
    (`whatsapp in firefox`): the span, the summary and the report are kept under that name
    rather than under the browser's (issue 13)."""

    sample: Sample
    category: str
    rule: str
    web_app: str | None = None


@frozen
class Span:
    """A merged run of equal samples: [start, end) with one app and category."""

    start: float
    end: float
    app: str | None
    category: str
    title: str | None = None

    @property
    def seconds(self) -> float:
        """Length of the span in seconds."""
        return self.end - self.start


@frozen
class Named:
    """A person as an event or a log names them (see presence/people/names.py).

    Attributes:
        name: the spelling shown (a CN, a name from a title, or one typed after --with).
        email: the normalised address, when an attendee carries one.
    """

    name: str
    email: str | None = None


@frozen
class Person:
    """Someone the user spends time with, as stored.

    Attributes:
        id: the `people` row.
        name: the display name.
        aliases: other spellings and addresses that belong to them, normalised.
        goal_days: the rhythm the user wants with them (`people goal`), or None.
    """

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    goal_days: int | None = None


@frozen
class Occasion:
    """Time in person with someone: a calendar instance or a logged stretch.

    Attributes:
        start: UNIX seconds.
        end: UNIX seconds.
        source: `calendar` or `log`.
        label: the instance's title or the log's note ("" when there is none).
        ref: the meeting or log row it came from.
    """

    start: float
    end: float
    source: str
    label: str = ""
    ref: int | None = None


@frozen
class Meeting:
    """One calendar instance, classified.

    Timed instances have aware UTC `start`/`end` datetimes; all-day ones have local dates
    (end exclusive). `people` are those the instance names (attendees and title), filled in
    for in-person instances only: only time in person counts towards someone's ledger.
    """

    source: str
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    all_day: bool
    location: str
    kind: str  # in_person | virtual | excluded
    reason: str
    people: tuple[Named, ...] = ()

    @cached_property
    def interval(self) -> tuple[float, float] | None:
        """`(start, end)` in UNIX seconds of a timed instance; None for an all-day one (its
        bounds are local midnights, which depend on the zone: see `timeline.day_bounds`)."""
        if self.all_day or not isinstance(self.start, datetime):
            return None
        assert isinstance(self.end, datetime)
        return self.start.timestamp(), self.end.timestamp()


@frozen
class FocusWindow:
    """A stretch of time in which virtual apps earn a `focus` nudge."""

    id: int | None
    start: float
    end: float
    label: str
    origin: str  # manual | auto


@frozen
class Nudge:
    """A message to the user, decided by the policy."""

    at: float
    kind: str
    key: str
    title: str
    message: str


@frozen
class NudgeRecord:
    """A nudge as stored, with what became of it.

    Attributes:
        row: its id in the `nudges` table.
        nudge: what was decided.
        channel: where it went (`dbus`, `plyer`, `log`, `replay`), None while pending.
        delivered: whether it was shown.
        response: the button chosen, `dismissed`, `expired`, or None (no answer).
        responded_at: UNIX seconds of the answer, or None.
        followed: whether the user put chat away after it (DESIGN §3), None while unknown.
    """

    row: int
    nudge: Nudge
    channel: str | None
    delivered: bool
    response: str | None = None
    responded_at: float | None = None
    followed: bool | None = None
