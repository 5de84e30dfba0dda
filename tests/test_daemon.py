"""The sampling loop on explicit times, with a scripted probe and a real SQLite file."""

from __future__ import annotations

import pytest

from presence.daemon import Daemon
from presence.errors import ProbeUnavailable
from presence.model import Span
from presence.store import Store
from tests.support import Scripted, ScriptedProbe, load_config

T0 = 1_772_438_400.0  # 2026-03-02 08:00 UTC


def make(tmp_path, script, config_text="", opener=None, monotonic=None):
    cfg = load_config(tmp_path, config_text)
    store = Store.open(tmp_path / "presence.db")
    probe = ScriptedProbe(script)
    daemon = Daemon(cfg, store, opener or (lambda name: probe), "scripted", device="test",
                    monotonic=monotonic or (lambda: 0.0))
    return daemon, store, probe


def drive(daemon, start, seconds, every=5.0):
    t = start
    while t <= start + seconds:
        daemon.tick(t)
        t += every
    return t - every


def test_switching_apps_is_recorded_with_exact_durations(tmp_path):
    script = [Scripted("slack")] * 13 + [Scripted("code", "presence — VS Code")] * 12
    daemon, store, _ = make(tmp_path, script)
    last = drive(daemon, T0, 120)
    daemon.shutdown()
    assert store.spans(T0, last + 1) == [Span(T0, T0 + 65, "slack", "messaging"),
                                         Span(T0 + 65, T0 + 120, "code", "other")]


def test_open_span_is_visible_to_readers_within_the_flush_interval(tmp_path):
    daemon, store, _ = make(tmp_path, [Scripted("slack")], "[daemon]\nflush_seconds = 30\n")
    reader = Store.open(store.path, create=False)
    daemon.tick(T0)
    for i in range(5, 301, 5):
        daemon.tick(T0 + i)
        rows = list(reader.iter_activity())
        assert len(rows) == 1
        # a crash now would lose at most flush_seconds of activity
        assert (T0 + i) - rows[0][2] <= 30


def test_idle_becomes_away_but_calls_stay_present(tmp_path):
    script = ([Scripted("slack", idle=10)] * 4 + [Scripted("slack", idle=400)] * 4
              + [Scripted("zoom", idle=400)] * 4)
    daemon, store, _ = make(tmp_path, script)
    drive(daemon, T0, 55)
    daemon.shutdown()
    assert [(s.app, s.category, s.seconds) for s in store.spans(T0, T0 + 100)] == [
        ("slack", "messaging", 20), (None, "away", 20), ("zoom", "calls", 15)]


def test_titles_are_not_stored_unless_the_user_opts_in(tmp_path):
    script = [Scripted("firefox", "(3) WhatsApp — Mozilla Firefox")] * 3
    daemon, store, _ = make(tmp_path, script)
    drive(daemon, T0, 10)
    daemon.shutdown()
    assert [r[5] for r in store.iter_activity()] == [None]
    assert store.spans(T0, T0 + 20)[0].category == "messaging"  # the title still classified


def test_opted_in_titles_skip_the_excluded_ones(tmp_path):
    script = ([Scripted("firefox", "(3) WhatsApp — Mozilla Firefox")] * 3
              + [Scripted("firefox", "My Bank — statement — Mozilla Firefox")] * 3)
    daemon, store, _ = make(tmp_path, script, """
        [privacy]
        store_titles = true
        exclude_titles = ["(?i)bank"]
    """)
    drive(daemon, T0, 25)
    daemon.shutdown()
    titles = [r[5] for r in store.iter_activity()]
    assert titles == ["(3) WhatsApp — Mozilla Firefox", None]


def test_a_failing_probe_falls_back_and_comes_back(tmp_path):
    now = {"mono": 0.0}
    attempts = []
    probe = ScriptedProbe([Scripted("slack")])

    def opener(name):
        attempts.append(now["mono"])
        if len(attempts) < 3:
            raise ProbeUnavailable("no X display: DISPLAY is not set")
        return probe

    daemon, store, _ = make(tmp_path, [Scripted("x")], opener=opener,
                            monotonic=lambda: now["mono"])
    for i in range(0, 40):
        now["mono"] = float(i)
        daemon.tick(T0 + i)
    daemon.shutdown()
    # retried with back-off (not every tick), then recorded the real app
    assert attempts == [0.0, 2.0, 6.0]
    spans = store.spans(T0, T0 + 100)
    assert spans[0].app is None and spans[-1].app == "slack"
    assert daemon.probe is None and probe.closed


def test_probe_that_dies_mid_run_is_replaced_then_reopened(tmp_path):
    class Dying(ScriptedProbe):
        def read(self, now):
            if self.reads == 2:
                self.reads += 1
                raise ProbeUnavailable("X connection closed")
            return super().read(now)

    probes = [Dying([Scripted("slack")]), ScriptedProbe([Scripted("discord")])]
    mono = {"t": 0.0}
    daemon, store, _ = make(tmp_path, [], opener=lambda name: probes.pop(0),
                            monotonic=lambda: mono["t"])
    for i in range(12):
        mono["t"] = float(i)
        daemon.tick(T0 + i)
    daemon.shutdown()
    apps = [s.app for s in store.spans(T0, T0 + 100)]
    assert apps == ["slack", None, "discord"]


def test_run_paces_ticks_and_flushes_on_the_way_out(tmp_path):
    from presence import clock, config

    cfg = config.override(load_config(tmp_path), "daemon.interval_seconds", 0.05)
    store = Store.open(tmp_path / "presence.db")
    probe = ScriptedProbe([Scripted("slack")])
    wall = iter(T0 + 0.05 * i for i in range(100))
    daemon = Daemon(cfg, store, lambda name: probe, "scripted", device="test",
                    now=lambda: next(wall), monotonic=clock.steady)
    assert daemon.run(max_ticks=5) == 5
    assert probe.closed
    [span] = store.spans(T0, T0 + 10)
    assert span.seconds == pytest.approx(0.2)


@pytest.mark.parametrize("readings, missed", [
    # the monotonic clock as run() reads it: once at the start, then after every tick
    ([0.0, 0.0, 0.1, 0.15, 0.2, 0.25], 0),          # on schedule
    ([0.0, 0.0, 0.1, 1.0, 1.0, 1.05, 1.1], 1),      # a stall of 0.85 s after the third tick
])
def test_a_stall_counts_as_missed_ticks_and_sampling_resumes_without_a_burst(
        tmp_path, readings, missed):
    from presence import config

    cfg = config.override(load_config(tmp_path), "daemon.interval_seconds", 0.05)
    store = Store.open(tmp_path / "presence.db")
    steady = iter(readings)
    wall = iter(T0 + 0.05 * i for i in range(100))
    daemon = Daemon(cfg, store, lambda name: ScriptedProbe([Scripted("slack")]), "scripted",
                    device="test", now=lambda: next(wall),
                    monotonic=lambda: next(steady, readings[-1]))
    assert daemon.run(max_ticks=5) == 5
    assert daemon.missed_ticks == missed
    assert store.daemon_record()["missed_ticks"] == missed  # what `status --json` shows


def test_the_selected_fallback_stands_in_while_the_wanted_probe_fails(tmp_path):
    def opener(name):
        raise ProbeUnavailable("no X display: DISPLAY is not set")

    cfg = load_config(tmp_path)
    daemon = Daemon(cfg, None, opener, "x11", fallback_probe="psutil", device="test",
                    monotonic=lambda: 0.0)
    tick = daemon.tick(T0)
    assert tick.probe == "psutil"
    assert daemon.probe_error == "no X display: DISPLAY is not set"
    assert daemon.record()["wanted_probe"] == "x11"
    daemon.shutdown()


@pytest.mark.parametrize("refuse, allow", [
    # SQLite's own "database or disk is full" (SQLITE_FULL), as on a full disk
    ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823"),
    # SQLite's "attempt to write a readonly database" (root ignores file modes here)
    ("PRAGMA query_only = 1", "PRAGMA query_only = 0"),
])
def test_an_unwritable_database_keeps_sampling_in_memory_and_loses_nothing(tmp_path, caplog,
                                                                           refuse, allow):
    apps = ["slack", "code", "discord", "firefox"]
    script = [Scripted(apps[(i // 3) % 4]) for i in range(2000)]
    daemon, store, _ = make(tmp_path, script, "[daemon]\nflush_seconds = 10\n")
    t = drive(daemon, T0, 100)
    before = list(store.iter_activity())
    # The fault is injected into the daemon's own connection: both pragmas act per connection.
    conn = store._conn
    conn.execute("VACUUM")  # no free pages left inside the file for new spans to fill
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(refuse.format(pages=pages))
    with caplog.at_level("ERROR", logger="presence.daemon"):
        t = drive(daemon, t + 5, 6000)
    errors = [r for r in caplog.records if "cannot write the database" in r.getMessage()]
    assert len(errors) == 1, "one clear line per outage"
    assert daemon.store_error is not None and daemon.last_tick.classified.sample.at == t
    conn.execute(allow)
    t = drive(daemon, t + 5, 30)
    daemon.shutdown()
    assert daemon.store_error is None
    rows = list(store.iter_activity())
    assert rows[:len(before) - 1] == before[:-1], "nothing already stored is lost"
    spans = store.spans(T0, t + 10)
    # every second from the first sample to the last is accounted for, no gap, no overlap
    assert sum(s.seconds for s in spans) == pytest.approx(t - T0)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))


def test_suspend_and_clock_jumps_bridge_nothing_and_bring_no_burst_of_nudges(tmp_path):
    from presence.nudges.dispatch import Recorder
    from presence.nudges.notify import RecordingNotifier
    from presence.nudges.nudger import Nudger

    cfg = load_config(tmp_path, 'timezone = "UTC"\n')
    store = Store.open(tmp_path / "presence.db")
    outbox = Recorder([RecordingNotifier("test")])
    daemon = Daemon(cfg, store, lambda name: ScriptedProbe([Scripted("slack")]), "scripted",
                    nudger=Nudger(cfg, store, outbox), device="test", monotonic=lambda: 0.0)
    nine = T0 + 3600  # 09:00 UTC
    shown = []

    def run(start, seconds):
        t = start
        while t < start + seconds:
            daemon.tick(t)
            shown.extend(d.nudge for d in outbox.drain())
            t += 5
        return t

    end = run(nine, 70 * 60)
    assert [n.kind for n in shown] == ["crowding_out"]
    resumed = end + 3 * 3600  # suspended for three hours
    run(resumed, 10 * 60)
    back = resumed + 10 * 60 - 3600  # the wall clock corrected one hour backwards
    run(back, 10 * 60)
    daemon.shutdown()
    # after the suspend only the welcome back, once; the jump back in time repeats nothing
    assert [(n.kind, n.at) for n in shown[1:]] == [("welcome_back", resumed)]
    assert len({n.key for n in shown}) == len(shown)
    spans = store.spans(T0, T0 + 86400)
    # no span covers the suspended three hours
    assert not any(s.start < end + 60 and s.end > resumed - 60 for s in spans)


def test_a_pause_records_a_paused_span_without_reading_the_probe(tmp_path):
    from presence import holds

    daemon, store, probe = make(tmp_path, [Scripted("slack", "general | Slack")],
                                '[privacy]\nstore_titles = true\n')
    drive(daemon, T0, 20)
    reads = probe.reads
    cli = Store.open(tmp_path / "presence.db")  # `presence pause 1m`, another connection
    holds.pause(cli, T0 + 30 + 61)
    drive(daemon, T0 + 30, 60)
    assert probe.reads == reads, "the probe must not be read while paused"
    drive(daemon, T0 + 100, 20)  # the pause is over
    daemon.shutdown()
    spans = [(s.app, s.category, s.title) for s in store.spans(T0, T0 + 200)]
    assert spans == [("slack", "messaging", "general | Slack"), (None, "paused", None),
                     ("slack", "messaging", "general | Slack")]
    assert probe.reads > reads


def test_a_switch_is_recorded_at_once_and_nothing_is_written_while_nothing_changes(tmp_path):
    from presence.glance.view import read_current

    daemon, store, _ = make(tmp_path, [Scripted("slack"), Scripted("slack"), Scripted("code")],
                            "[daemon]\nflush_seconds = 600\n")
    reader = Store.open(tmp_path / "presence.db")
    daemon.tick(T0)
    daemon.tick(T0 + 5)
    assert read_current(reader, T0 + 5).app == "slack"
    daemon.tick(T0 + 10)  # the switch
    current = read_current(reader, T0 + 10)
    assert (current.app, current.category, current.since) == ("code", "other", T0 + 10)
    # a switch is a flush (issue 18): slack's span ends at the switch and code's is stored
    # from it, so that a crash later loses at most flush_seconds of code
    assert reader.spans(T0, T0 + 60) == [Span(T0, T0 + 10, "slack", "messaging"),
                                         Span(T0 + 10, T0 + 10, "code", "other")]
    version = reader.data_version()
    for t in range(15, 610, 5):
        daemon.tick(T0 + t)
    assert reader.data_version() == version, "nothing is written while nothing changes"
    daemon.tick(T0 + 610)  # flush_seconds after the switch: code's span so far
    assert reader.last_span() == Span(T0 + 10, T0 + 610, "code", "other")


def test_a_span_of_one_sample_before_a_gap_leaves_no_span_of_no_length(tmp_path):
    script = [Scripted("slack")] * 3 + [Scripted("code")] + [Scripted("slack")] * 3
    daemon, store, _ = make(tmp_path, script)
    for t in (0, 5, 10, 15):  # code shows once, at 15, and is stored at once (a switch)
        daemon.tick(T0 + t)
    for t in (600, 605, 610):  # the laptop slept in between
        daemon.tick(T0 + t)
    daemon.shutdown()
    assert store.spans(T0, T0 + 700) == [Span(T0, T0 + 15, "slack", "messaging"),
                                         Span(T0 + 600, T0 + 610, "slack", "messaging")]
