"""Did a nudge help, and does presence speak less where it does not (pure, table tests)."""

from __future__ import annotations

import pytest

from presence.model import Nudge, Span
from presence.nudges.effect import backoff, follow_rate, followed, judged

AT = 1_000_000.0
VIRTUAL = frozenset({"messaging", "social"})


def span(a: float, b: float, category: str = "messaging") -> Span:
    """A span from AT + a to AT + b seconds."""
    return Span(AT + a, AT + b, "slack" if category == "messaging" else "code", category)


@pytest.mark.parametrize("spans, known, outcome", [
    # chat stops at once and stays off for 5 minutes
    ([span(-600, 0), span(0, 900, "other")], 900, True),
    # stops after 4 minutes, then 5 minutes of work: still within the 5 minutes after the nudge
    ([span(-600, 240), span(240, 900, "other")], 900, True),
    # stops only after 6 minutes: too late
    ([span(-600, 360), span(360, 1200, "other")], 1200, False),
    # stops, but is back in chat after 2 minutes, and keeps going
    ([span(-60, 10), span(10, 130, "other"), span(130, 1200)], 1200, False),
    # goes away from the desk: that is putting chat away too
    ([span(-60, 5), span(5, 700, "away")], 700, True),
    # only 3 minutes known without chat: cannot tell yet
    ([span(-60, 0), span(0, 180, "other")], 180, None),
    # still chatting 2 minutes in: cannot tell yet
    ([span(-60, 120)], 120, None),
    # chat in front the whole 10 minutes after: not followed
    ([span(-60, 600)], 600, False),
    # a short look at chat 6 minutes later does not undo a 5-minute break before it
    ([span(-60, 0), span(0, 360, "other"), span(360, 400)], 400, True),
])
def test_followed(spans, known, outcome):
    assert followed(AT, spans, VIRTUAL, AT + known) is outcome


def test_a_heads_up_is_never_judged():
    assert judged(Nudge(AT, "phubbing", "phubbing:x:1:1", "t", "m"))
    assert judged(Nudge(AT, "crowding_out", "crowding_out:2026-03-02:1", "t", "m"))
    assert not judged(Nudge(AT, "focus", "focus:heads-up:1", "t", "m"))
    assert not judged(Nudge(AT, "daily_summary", "daily_summary:2026-03-02", "t", "m"))


def test_follow_rate_skips_the_undecided():
    assert follow_rate([True, None, False, True]) == pytest.approx(2 / 3)
    assert follow_rate([None]) is None and follow_rate([]) is None


@pytest.mark.parametrize("outcomes, factor", [
    ([False] * 9, 1),                       # fewer than 10 judged: no evidence yet
    ([False] * 10, 2),                      # 0 of the last 10
    ([True] + [False] * 9, 2),              # 10 %
    ([True, True] + [False] * 8, 1),        # 20 % is not under 20 %
    ([False] * 20, 4),                      # two windows in a row
    ([False] * 40, 4),                      # at most 4x
    ([False] * 10 + [True] * 10, 2),        # the older window was followed
    ([True, True, True] + [False] * 27, 1),  # the newest window recovered
    ([None, False] * 10, 2),                # undecided ones do not count
])
def test_backoff(outcomes, factor):
    assert backoff(outcomes) == factor
