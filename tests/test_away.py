"""Away stretches from spans (pure)."""

from __future__ import annotations

from presence.model import Span
from presence.nudges.away import away_stretches

PULSE = 7.5


def s(a: float, b: float, category: str = "other") -> Span:
    return Span(a, b, None if category == "away" else "code", category)


def test_an_away_span_between_work_is_one_stretch():
    spans = [s(0, 100), s(100, 4000, "away"), s(4000, 4100)]
    assert list(away_stretches(spans, PULSE)) == [(100, 4000)]


def test_a_gap_with_nothing_recorded_counts_as_away():
    # a laptop suspended over lunch: no samples at all
    spans = [s(0, 100), s(3000, 3100, "messaging")]
    assert list(away_stretches(spans, PULSE)) == [(100, 3000)]


def test_newest_first_and_not_while_still_away():
    spans = [s(0, 10), s(10, 50, "away"), s(50, 60), s(60, 900, "away"), s(900, 950),
             s(950, 2000, "away")]
    assert list(away_stretches(spans, PULSE)) == [(60, 900), (10, 50)]


def test_samples_within_the_pulse_are_no_stretch():
    assert list(away_stretches([s(0, 10), s(15, 20)], PULSE)) == []


def test_the_walk_stops_at_stretches_that_ended_before_after():
    spans = [s(0, 10), s(10, 500, "away"), s(500, 5000)]
    assert list(away_stretches(spans, PULSE, after=4000)) == []
    assert list(away_stretches(spans, PULSE, after=400)) == [(10, 500)]


def test_no_stretch_before_the_first_span_of_the_day():
    assert list(away_stretches([s(5000, 5100, "away"), s(5100, 5200)], PULSE)) == []
