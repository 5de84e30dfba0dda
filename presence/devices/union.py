"""Time across devices, counted once (pure).

Two devices can be in front of the user at the same moment: chat on the laptop while the
desktop shows an editor, or the same chat open on both screens. Each moment counts once, and it
counts as the most telling thing any device showed then: virtual chatting before calls, calls
before everything else (away never counts). Within one rank the span that started first keeps
the moment. So the virtual time of several devices is the union of their virtual time, and
the categories of a day never add up to more than the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from presence.model import AWAY, Span
from presence.timeline import merge_intervals


def _rank(category: str, virtual: frozenset[str], always_active: frozenset[str]) -> int:
    if category in virtual:
        return 0
    return 1 if category in always_active else 2


def _subtract(start: float, end: float, claimed: Sequence[tuple[float, float]],
              at: int) -> tuple[list[tuple[float, float]], int]:
    """The parts of [start, end) outside the sorted, disjoint `claimed`, searched from index
    `at`; also the index to search from for a later start."""
    while at < len(claimed) and claimed[at][1] <= start:
        at += 1
    parts = []
    i = at
    while start < end and i < len(claimed) and claimed[i][0] < end:
        s, e = claimed[i]
        if s > start:
            parts.append((start, s))
        start = max(start, e)
        i += 1
    if start < end:
        parts.append((start, end))
    return parts, at


def union_spans(sources: Iterable[Iterable[Span]], virtual: frozenset[str],
                always_active: frozenset[str] = frozenset()) -> list[Span]:
    """The spans of several devices as one timeline in which no moment counts twice.

    Args:
        sources: each device's spans (any order; a source may itself overlap, as a database
            holding an imported phone does).
        virtual: the categories that count as virtual chatting (they win a moment).
        always_active: the categories that come next (calls).

    Returns:
        Non-overlapping pieces of the input spans, oldest first; `away` spans are left out.
    """
    by_rank: list[list[Span]] = [[], [], []]
    ranks: dict[str, int] = {}  # a handful of categories: rank each once, not each span
    for spans in sources:
        for span in spans:
            if span.end > span.start and span.category != AWAY:
                rank = ranks.get(span.category)
                if rank is None:
                    rank = ranks[span.category] = _rank(span.category, virtual, always_active)
                by_rank[rank].append(span)
    claimed: list[tuple[float, float]] = []
    out: list[Span] = []
    keep = out.append
    for spans in by_rank:
        if not spans:
            continue
        # Each device's spans come sorted: the sort only merges a few runs.
        spans.sort(key=attrgetter("start", "end"))
        pieces: list[tuple[float, float]] = []
        piece = pieces.append
        frontier = -float("inf")
        at, taken = 0, len(claimed)
        for span in spans:
            first, end = span.start, span.end
            start = first if first > frontier else frontier
            if end <= start:
                continue
            frontier = end
            # Skip what was claimed before this span; most spans then meet nothing claimed
            # (a span per device per minute of the day: this loop is the union's cost).
            while at < taken and claimed[at][1] <= start:
                at += 1
            if at == taken or claimed[at][0] >= end:
                keep(span if start == first else
                     Span(start, end, span.app, span.category, span.title))
                piece((start, end))
                continue
            for s, e in _subtract(start, end, claimed, at)[0]:
                keep(span if (s, e) == (first, end)
                     else Span(s, e, span.app, span.category, span.title))
                piece((s, e))
        claimed = merge_intervals(claimed + pieces)
    out.sort(key=attrgetter("start"))
    return out
