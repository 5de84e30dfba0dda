"""Did a nudge help? (pure)

DESIGN §3 "Nudges that work": a phubbing, focus or crowding_out nudge is `followed` when no
virtual app is in front within 5 minutes after it and for at least 5 minutes. The daemon (and
replay) decide it from the spans that follow each nudge; `presence nudges` counts the outcomes,
and a kind that is rarely followed waits longer between nudges (`backoff`), so presence learns to
speak less instead of being turned off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from presence.model import Nudge, Span

# The kinds that ask the user to stop chatting; only they can be followed.
JUDGED_KINDS = ("phubbing", "focus", "crowding_out")
# A focus heads-up asks to wrap up, not to stop now: it is never judged.
HEADS_UP_PREFIX = "focus:heads-up:"
# The user has this long after a nudge to put chat away...
WITHIN_SECONDS = 300.0
# ...and it must stay away at least this long.
FOR_SECONDS = 300.0
# Backoff: the follow rate over this many judged nudges of a kind...
BACKOFF_WINDOW = 10
# ...under this share doubles the kind's waits, once per such window in a row...
BACKOFF_BELOW = 0.2
# ...up to this factor.
BACKOFF_MAX = 4


def judged(nudge: Nudge) -> bool:
    """Whether `nudge` asks the user to stop chatting, so that it can be followed or not."""
    return nudge.kind in JUDGED_KINDS and not nudge.key.startswith(HEADS_UP_PREFIX)


def followed(at: float, spans: Iterable[Span], virtual: frozenset[str],
             known_until: float) -> bool | None:
    """Whether the nudge shown at `at` was followed, or None while it cannot be told yet.

    Followed: some moment within `WITHIN_SECONDS` after `at` starts at least `FOR_SECONDS`
    without a virtual app in front (away, work, a call, or nothing recorded all count).

    Args:
        at: UNIX seconds of the nudge.
        spans: the spans around and after it, in any order (the open one up to now included).
        virtual: the categories that count as virtual chatting.
        known_until: how far the spans are known (the time of the latest sample).
    """
    return outcome(at, spans, virtual, known_until)[0]


def outcome(at: float, spans: Iterable[Span], virtual: frozenset[str],
            known_until: float) -> tuple[bool | None, float]:
    """`followed`, and while that is None the earliest moment it could be told if only the
    open span grows (what is in front stays): chat stopped long enough, or chat past the
    time the user had."""
    latest_start = at + WITHIN_SECONDS
    chat = sorted((max(s.start, at), s.end) for s in spans
                  if s.category in virtual and s.end > at and s.start < latest_start + FOR_SECONDS)
    cursor = at  # the earliest moment from which no chat has been seen
    for start, end in chat:
        if start - cursor >= FOR_SECONDS:
            return True, known_until
        cursor = max(cursor, end)
        if cursor > latest_start:
            return False, known_until
    if min(known_until, latest_start + FOR_SECONDS) - cursor >= FOR_SECONDS:
        return True, known_until
    if known_until < latest_start + FOR_SECONDS:
        return None, min(cursor + FOR_SECONDS, latest_start)
    return False, known_until


def follow_rate(outcomes: Iterable[bool | None]) -> float | None:
    """The share of judged nudges that were followed; None before any was judged."""
    known = [o for o in outcomes if o is not None]
    return sum(known) / len(known) if known else None


def backoff(outcomes: Sequence[bool | None]) -> int:
    """How many times longer a kind waits between nudges: 1, 2 or at most `BACKOFF_MAX`.

    Args:
        outcomes: `followed` of the kind's nudges, newest first; undecided ones are skipped.

    Every full window of `BACKOFF_WINDOW` judged nudges, newest first, whose follow rate is
    under `BACKOFF_BELOW` doubles the factor; the first window at or above it ends the count,
    so a user who starts following again is heard as soon as the newest window recovers.
    """
    known = [o for o in outcomes if o is not None]
    factor = 1
    for begin in range(0, len(known) - BACKOFF_WINDOW + 1, BACKOFF_WINDOW):
        rate = follow_rate(known[begin:begin + BACKOFF_WINDOW])
        if factor >= BACKOFF_MAX or rate is None or rate >= BACKOFF_BELOW:
            break
        factor *= 2
    return factor
