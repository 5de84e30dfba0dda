"""What presence said, what the user answered, and whether it helped: `presence nudges`.

Reads the stored nudges of the last days and counts, per kind, how many were sent, shown,
answered and followed (`effect.followed`), and how much longer a rarely followed kind now waits
(`effect.backoff`, the same factor the daemon applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from presence.frozen import frozen
from datetime import timedelta
from typing import Any

from presence.model import NudgeRecord
from presence.nudges import actions, effect
from presence.timeline import day_bounds, local_day


@frozen
class KindStats:
    """One kind's counts over the period.

    Attributes:
        sent: nudges decided (shown or not).
        delivered: nudges the notification server showed.
        answered: nudges the user answered with a button or by closing them.
        followed: nudges after which the user put chat away (DESIGN §3).
        judged: nudges whose effect is known (the denominator of `follow_rate`).
        backoff: how many times longer the kind waits now (1: as configured).
    """

    sent: int
    delivered: int
    answered: int
    followed: int
    judged: int
    backoff: int

    @property
    def follow_rate(self) -> float | None:
        """Followed / judged, or None before any nudge of the kind was judged."""
        return self.followed / self.judged if self.judged else None


@frozen
class NudgeStats:
    """The nudges of a period, oldest first, and the counts per kind."""

    records: tuple[NudgeRecord, ...]
    kinds: dict[str, KindStats]


def answered(record: NudgeRecord) -> bool:
    """Whether the user answered: a button, or closing the notification themselves."""
    return record.response is not None and record.response != actions.EXPIRED


def backoff_factor(store: Any, kind: str) -> int:
    """How many times longer `kind` waits, from its latest judged nudges (any age)."""
    if kind not in effect.JUDGED_KINDS:
        return 1
    outcomes = store.follow_outcomes(kind, effect.BACKOFF_WINDOW * 2, effect.HEADS_UP_PREFIX)
    return effect.backoff(outcomes)


def count(records: Sequence[NudgeRecord], backoff: dict[str, int]) -> dict[str, KindStats]:
    """Per kind (in order of first appearance), the counts of `records` (pure)."""
    kinds: dict[str, KindStats] = {}
    for kind in dict.fromkeys(r.nudge.kind for r in records):
        mine = [r for r in records if r.nudge.kind == kind]
        judged = [r for r in mine if r.followed is not None]
        kinds[kind] = KindStats(
            sent=len(mine), delivered=sum(r.delivered for r in mine),
            answered=sum(answered(r) for r in mine),
            followed=sum(bool(r.followed) for r in judged), judged=len(judged),
            backoff=backoff.get(kind, 1))
    return kinds


def nudge_stats(store: Any, config: Any, days: int, now: float) -> NudgeStats:
    """The nudges of the last `days` local days (today included) and their counts.

    Args:
        store: the database.
        config: the effective configuration (its zone decides the days).
        days: how many local days, ending today.
        now: UNIX seconds now.
    """
    today = local_day(now, config.tz)
    start, _ = day_bounds(today - timedelta(days=days - 1), config.tz)
    records = tuple(store.nudge_records(start, float("inf")))
    backoff = {kind: backoff_factor(store, kind) for kind in effect.JUDGED_KINDS}
    return NudgeStats(records, count(records, backoff))
