"""Heartbeat merge: table tests and properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from presence.model import Span
from presence.spans import merge, pulse_time, step

P = pulse_time(5)  # 7.5 s
_EXAMPLES = itertools.count()


def test_pulse_time_follows_the_design():
    assert pulse_time(5) == 7.5
    assert pulse_time(1) == 2.0
    assert pulse_time(0.5) == 1.5


@pytest.mark.parametrize("samples, expected", [
    # equal samples 5 s apart merge into one span
    ([(0, "slack", "messaging"), (5, "slack", "messaging"), (10, "slack", "messaging")],
     [Span(0, 10, "slack", "messaging")]),
    # a change hands over at the new sample's time: no second lost or doubled
    ([(0, "slack", "messaging"), (5, "slack", "messaging"), (10, "code", "other"),
      (15, "code", "other")],
     [Span(0, 10, "slack", "messaging"), Span(10, 15, "code", "other")]),
    # a gap longer than the pulse (suspend) closes the span at its last sample
    ([(0, "slack", "messaging"), (5, "slack", "messaging"), (605, "slack", "messaging"),
      (610, "slack", "messaging")],
     [Span(0, 5, "slack", "messaging"), Span(605, 610, "slack", "messaging")]),
    # the clock jumping backwards never makes a negative or bridging span
    ([(100, "slack", "messaging"), (105, "slack", "messaging"), (50, "slack", "messaging"),
      (55, "slack", "messaging")],
     [Span(100, 105, "slack", "messaging"), Span(50, 55, "slack", "messaging")]),
    # a lone sample before a gap has no length and is dropped
    ([(0, "slack", "messaging"), (100, "code", "other"), (105, "code", "other")],
     [Span(100, 105, "code", "other")]),
    # a gap just inside the pulse still continues
    ([(0, "slack", "messaging"), (7.5, "slack", "messaging")],
     [Span(0, 7.5, "slack", "messaging")]),
])
def test_merge_table(samples, expected):
    assert merge([(t, a, c, None) for t, a, c in samples], P) == expected


def test_titles_split_spans_only_when_they_differ():
    closed, current = step(None, 0, "firefox", "social", "Facebook", P)
    closed, current = step(current, 5, "firefox", "social", "Facebook", P)
    assert closed is None
    closed, current = step(current, 10, "firefox", "social", "Instagram", P)
    assert closed == Span(0, 10, "firefox", "social", "Facebook")


def test_merge_does_not_touch_the_callers_list():
    samples = [(0, "a", "other", None), (5, "a", "other", None)]
    copy = list(samples)
    merge(samples, P)
    assert samples == copy


apps = st.sampled_from([("slack", "messaging"), ("code", "other"), (None, "away")])
gaps = st.sampled_from([1, 5, 5, 5, 7, 8, 600])


@given(st.lists(st.tuples(gaps, apps), min_size=1, max_size=80))
def test_spans_never_overlap_and_conserve_observed_time(steps):
    t = 0.0
    samples = []
    for gap, (app, cat) in steps:
        t += gap
        samples.append((t, app, cat, None))
    spans = merge(samples, P)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    # each span covers exactly the continuous stretches between its samples
    covered = sum(b[0] - a[0] for a, b in zip(samples, samples[1:]) if b[0] - a[0] <= P)
    assert sum(s.seconds for s in spans) == pytest.approx(covered)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(gaps, st.sampled_from(["slack", "code", None])), min_size=1,
                max_size=60))
def test_the_daemon_writing_as_it_goes_stores_what_merging_the_whole_stream_gives(
        tmp_path, steps):
    # The daemon feeds samples one at a time and writes at every switch and every flush;
    # what it stores must be what merging all the samples at once gives.
    from presence.daemon import Daemon
    from presence.store import Store
    from tests.support import Scripted, ScriptedProbe, load_config

    folder = tmp_path / f"example-{next(_EXAMPLES)}"
    folder.mkdir()
    cfg = load_config(folder, "[daemon]\ninterval_seconds = 5\nflush_seconds = 10\n")
    store = Store.open(folder / "presence.db")
    daemon = Daemon(cfg, store, lambda name: ScriptedProbe([Scripted(app) for _, app in steps]),
                    "scripted", device="test", monotonic=lambda: 0.0)
    t, fed = 0.0, []
    for gap, _ in steps:
        t += gap
        tick = daemon.tick(t)
        fed.append((t, tick.open_span.app, tick.open_span.category, tick.open_span.title))
    daemon.shutdown()
    # a lone sample before a gap leaves a zero-length row, which counts no time
    stored = [s for s in store.spans(-1.0, t + 1) if s.end > s.start]
    store.close()
    assert stored == merge(fed, P)
