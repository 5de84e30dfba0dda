"""Frozen value types shared by every layer.

Times are UNIX seconds (UTC, float) inside the core, as in the database; aware datetimes appear
only at the calendar and rendering edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

AWAY = "away"
OTHER = "other"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Classified:
    """A sample with its category and the rule that decided it."""

    sample: Sample
    category: str
    rule: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Meeting:
    """One calendar instance, classified.

    Timed instances have aware UTC `start`/`end` datetimes; all-day ones have local dates
    (end exclusive).
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


@dataclass(frozen=True)
class FocusWindow:
    """A stretch of time in which virtual apps earn a `focus` nudge."""

    id: int | None
    start: float
    end: float
    label: str
    origin: str  # manual | auto


@dataclass(frozen=True)
class Nudge:
    """A message to the user, decided by the policy."""

    at: float
    kind: str
    key: str
    title: str
    message: str
