"""Away stretches: when the user left the desk and when they came back (pure).

A stretch runs from the end of a span with the user present to the start of the next one, when
in between they were away (idle past `idle_seconds`) or nothing was recorded for longer than the
pulse time (a suspended laptop at lunch). The `welcome_back` nudge asks about the newest one;
`presence log --last-away` logs it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

from presence.model import AWAY, Span
from presence.timeline import union_seconds


def away_stretches(spans: Sequence[Span], pulse: float,
                   after: float = -math.inf) -> Iterator[tuple[float, float]]:
    """`(left, back)` UNIX seconds of each away stretch, newest first.

    Args:
        spans: spans in time order.
        pulse: the longest gap between samples that still counts as one run.
        after: stop at stretches that ended (the user came back) before this, so a caller
            that only wants a recent one never walks the whole day.

    A stretch the user has not come back from yet (the newest spans are away) is not yielded.
    """
    back: float | None = None  # start of the newer span with the user present
    for span in reversed(spans):
        if span.category == AWAY:
            continue
        if back is not None and back - span.end > pulse:
            yield span.end, back
        back = span.start
        if back < after:
            return


def covered(left: float, back: float, in_person: Iterable[tuple[float, float]]) -> bool:
    """Whether in-person time already counted (meetings, logs) covers at least half of the
    stretch [left, back): then there is nothing to ask or to log."""
    inside = union_seconds([(max(s, left), min(e, back)) for s, e in in_person])
    return inside * 2 >= back - left
