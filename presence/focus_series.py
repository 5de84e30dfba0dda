"""Focus windows as a person reads a plan: a weekly dinner is one line, not eight (pure).

The calendar opens one automatic focus window before every instance of a recurring series;
`presence focus list` shows such a series once ("Dinner with Sam — weekly, next Tue 18:30")
and `--all` every window (issue 13).
"""

from __future__ import annotations

from collections import defaultdict
from presence.frozen import frozen
from datetime import datetime, tzinfo

from presence.model import FocusWindow

# A focus window longer than this is more likely a typo (`focus add 22:00 18:00` is 20 h)
# than a plan; `focus add` asks for --force.
LONGEST_WITHOUT_FORCE_HOURS = 12

_RHYTHMS = {1: "daily", 7: "weekly", 14: "every two weeks"}


@frozen
class FocusSeries:
    """Windows with the same label, origin, local start time and length, in start order.

    Attributes:
        windows: the windows, the next one first.
        rhythm: `daily`, `weekly` or `every two weeks` when they repeat evenly, else None
            (a single window, or an uneven set).
    """

    windows: tuple[FocusWindow, ...]
    rhythm: str | None

    @property
    def next(self) -> FocusWindow:
        """The first window of the series."""
        return self.windows[0]


def series(windows: list[FocusWindow], tz: tzinfo) -> list[FocusSeries]:
    """Group `windows` into series, ordered by their next window.

    Windows join one series when label, origin, local start time and length agree; the rhythm
    is named only when every gap between them is the same whole number of days.
    """
    groups: dict[tuple, list[FocusWindow]] = defaultdict(list)
    for window in sorted(windows, key=lambda w: (w.start, w.id or 0)):
        local = datetime.fromtimestamp(window.start, tz)
        key = (window.label, window.origin, local.time(), round(window.end - window.start))
        groups[key].append(window)
    found = []
    for members in groups.values():
        days = {(datetime.fromtimestamp(b.start, tz).date()
                 - datetime.fromtimestamp(a.start, tz).date()).days
                for a, b in zip(members, members[1:])}
        rhythm = _RHYTHMS.get(days.pop()) if len(days) == 1 else None
        found.append(FocusSeries(tuple(members), rhythm if len(members) > 1 else None))
    return sorted(found, key=lambda s: (s.next.start, s.next.id or 0))


def too_long(start: float, end: float) -> bool:
    """Whether a window needs --force (longer than `LONGEST_WITHOUT_FORCE_HOURS`)."""
    return end - start > LONGEST_WITHOUT_FORCE_HOURS * 3600
