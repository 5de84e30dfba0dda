"""Time across devices counts once (presence.devices.union)."""

from __future__ import annotations

import random

import pytest

from presence.devices.union import union_spans
from presence.model import Span
from presence.timeline import merge_intervals

VIRTUAL = frozenset({"messaging", "social"})
CALLS = frozenset({"calls"})


def seconds(spans, categories=None):
    return sum(s.end - s.start for s in spans if categories is None or s.category in categories)


def test_the_same_chat_on_two_screens_counts_once():
    laptop = [Span(100, 160, "slack", "messaging")]
    desktop = [Span(130, 190, "slack", "messaging")]
    out = union_spans([laptop, desktop], VIRTUAL)
    assert seconds(out, VIRTUAL) == 90
    assert out == [Span(100, 160, "slack", "messaging"), Span(160, 190, "slack", "messaging")]


def test_chat_on_one_device_wins_over_work_on_the_other():
    laptop = [Span(0, 100, "signal", "messaging")]
    desktop = [Span(50, 200, "code", "other")]
    out = union_spans([desktop, laptop], VIRTUAL)
    assert out == [Span(0, 100, "signal", "messaging"), Span(100, 200, "code", "other")]
    assert seconds(out) == 200  # the day never holds more time than it has


def test_calls_come_before_other_work_and_away_never_counts():
    out = union_spans([[Span(0, 100, "code", "other"), Span(100, 300, None, "away")],
                       [Span(50, 150, "zoom", "calls")]], VIRTUAL, CALLS)
    assert out == [Span(0, 50, "code", "other"), Span(50, 150, "zoom", "calls")]


def test_chat_inside_other_chat_is_cut_out_not_added():
    out = union_spans([[Span(0, 100, "slack", "messaging")],
                       [Span(20, 30, "signal", "messaging"), Span(90, 120, "x", "social")]],
                      VIRTUAL)
    assert seconds(out, VIRTUAL) == 120
    assert [(s.start, s.end, s.app) for s in out] == [(0, 100, "slack"), (100, 120, "x")]


def test_one_device_alone_comes_back_unchanged():
    spans = [Span(0, 10, "a", "other"), Span(10, 20, "slack", "messaging"),
             Span(25, 40, None, "away"), Span(40, 41, "b", "other")]
    assert union_spans([spans], VIRTUAL) == [s for s in spans if s.category != "away"]


def test_a_database_that_overlaps_itself_is_counted_once_too():
    # a desktop database that also holds an imported phone's rows
    rows = [Span(0, 100, "firefox", "other"), Span(40, 70, "whatsapp", "messaging")]
    out = union_spans([rows], VIRTUAL)
    assert seconds(out) == 100 and seconds(out, VIRTUAL) == 30


@pytest.mark.parametrize("seed", range(20))
def test_virtual_time_is_the_union_and_nothing_overlaps(seed):
    rng = random.Random(seed)
    devices = []
    for _ in range(rng.randint(1, 4)):
        t, spans = rng.uniform(0, 50), []
        for _ in range(rng.randint(0, 40)):
            length = rng.uniform(0.5, 30)
            cat = rng.choice(["messaging", "social", "other", "calls", "away"])
            spans.append(Span(t, t + length, f"app{rng.randint(0, 3)}", cat))
            t += length + rng.choice([0, 0, rng.uniform(0, 10)])
        devices.append(spans)
    out = union_spans(devices, VIRTUAL, CALLS)
    every = [s for d in devices for s in d]
    for a, b in zip(out, out[1:]):
        assert a.end <= b.start + 1e-9, "two pieces overlap"
    want_virtual = sum(e - s for s, e in merge_intervals(
        (s.start, s.end) for s in every if s.category in VIRTUAL))
    assert seconds(out, VIRTUAL) == pytest.approx(want_virtual)
    want_all = sum(e - s for s, e in merge_intervals(
        (s.start, s.end) for s in every if s.category != "away"))
    assert seconds(out) == pytest.approx(want_all)
    for piece in out:  # every piece is part of a span some device recorded
        assert any(s.app == piece.app and s.category == piece.category
                   and s.start <= piece.start and piece.end <= s.end for s in every)
