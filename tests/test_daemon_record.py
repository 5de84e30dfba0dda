"""What the daemon leaves for `status`, the bar and the tray: what is in front is its latest
span (stored at every switch), its heartbeat is that span's end, and its record (pid, probe,
notifier...) is written only when it changes, so that nearly every flush is one statement
writing one page (issue 18: ingest). Real SQLite files, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from presence.daemon import Daemon
from presence.errors import ProbeUnavailable
from presence.lock import InstanceLock
from presence.model import Span
from presence.paths import lock_file
from presence.store import Store
from tests.support import Scripted, ScriptedProbe, load_config, sealed_env


def cli(home, *args):
    env = sealed_env(home, TZ="UTC")
    for name in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY", "DISPLAY"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def daemon_on(home, script, config_text="[daemon]\nflush_seconds = 30\n", opener=None):
    config = load_config(home, config_text)
    store = Store.open(home / "presence.db")
    probe = ScriptedProbe(script)
    return Daemon(config, store, opener or (lambda name: probe), "scripted", device="laptop",
                  monotonic=lambda: 0.0), store


def test_status_and_the_bar_show_what_the_daemon_stored_at_the_switch(tmp_path):
    # samples of the last minute and a half, on the real clock that `status` reads
    begin = round(time.time()) - 90.0
    daemon, store = daemon_on(tmp_path, [Scripted("code")] * 6 + [Scripted("signal")] * 20)
    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()  # the daemon runs (this process holds its lock)
    try:
        for t in range(0, 50, 5):  # signal comes to the front at +30; no flush since
            daemon.step(begin + t)
        before = time.time()
        report = json.loads(cli(tmp_path, "status", "--json"))
        after = time.time()
        assert report["running"] and report["pid"] == os.getpid()
        assert report["probe"] == "scripted"
        assert report["now"]["app"] == "signal" and report["now"]["category"] == "messaging"
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(begin + 30))
        assert report["now"]["since"].startswith(since) and report["now"]["since"].endswith("Z")
        # the heartbeat is the switch, the daemon's latest write (one `at` per flush)
        age = report["heartbeat_age_seconds"]
        assert before - (begin + 30) - 0.1 <= age <= after - (begin + 30) + 0.1
        assert "in front: signal (messaging)" in cli(tmp_path, "status")
        assert cli(tmp_path, "bar", "--format", "text").startswith("signal")
    finally:
        lock.release()


def test_a_flush_writes_one_page_and_the_daemons_record_only_when_it_changes(tmp_path):
    class Display(ScriptedProbe):
        gone = False

        def read(self, now):
            if self.gone:
                raise ProbeUnavailable("the display went away")
            return super().read(now)

    probe = Display([Scripted("code")] * 40 + [Scripted("signal")] * 40
                    + [Scripted("code")] * 400)
    daemon, store = daemon_on(tmp_path, [], "[daemon]\nflush_seconds = 10\n",
                              lambda name: probe)
    reader = Store.open(tmp_path / "presence.db", create=False)
    t0 = 1_772_438_400.0
    daemon.step(t0)
    first = reader.daemon_record()
    assert (first["probe"], first["device"], first["at"]) == ("scripted", "laptop", t0)
    for t in range(1, 80):  # flushes every 10 s, and signal to the front at +40
        daemon.step(t0 + t)
    # the WAL emptied: from now on it holds what the daemon writes, page by page
    reader._read("PRAGMA wal_checkpoint(TRUNCATE)")  # noqa: SLF001 (the test reads the file)
    page = reader._read("PRAGMA page_size")[0][0]  # noqa: SLF001
    for t in range(80, 295):  # the switch back to code at +80, then 21 flushes
        daemon.step(t0 + t)
    frames = ((tmp_path / "presence.db-wal").stat().st_size - 32) / (24 + page)
    # one page a flush: the span's (no settings row, no second page)
    assert frames == 22
    assert reader.daemon_record() == dict(first, at=t0 + 290)
    assert reader.in_front() == (t0 + 80, t0 + 290, "code", "other")
    # the display goes away between flushes: the daemon falls back at once, and its record
    # says so with the change of span that follows (nothing in front)
    probe.gone = True
    daemon.step(t0 + 295)
    record = reader.daemon_record()
    assert record["probe_error"] == "the display went away" and record["probe"] != "scripted"
    assert record["at"] == t0 + 295 and reader.in_front()[2] is None
    daemon.shutdown()


def test_a_switch_keeps_another_devices_span_in_the_same_millisecond(tmp_path):
    store = Store.open(tmp_path / "p.db")
    row = store.flush_spans([], Span(100, 100, "code", "other"), None, "laptop")
    store.flush_spans([(row, Span(100, 130, "code", "other"))], Span(130, 130, "signal",
                      "messaging"), None, "laptop")  # signal's codes are known from now on
    phone = (160.0, 200.0, "whatsapp", "messaging", None)
    store.insert_spans([phone], "phone")
    row = store.flush_spans([(130_000, Span(130, 160, "signal", "messaging"))],
                            Span(160, 160, "code", "other"), None, "laptop")
    store.flush_spans([], Span(160, 170, "code", "other"), row, "laptop")
    assert sorted((s.app, s.start, s.end) for s in store.spans(0, 1000)) == [
        ("code", 100.0, 130.0), ("code", 160.001, 170.0), ("signal", 130.0, 160.0),
        ("whatsapp", 160.0, 200.0)]


def test_a_span_the_user_deleted_is_not_brought_back_by_the_switch(tmp_path):
    store = Store.open(tmp_path / "p.db")
    row = store.flush_spans([], Span(100, 100, "code", "other"), None, "laptop")
    row = store.flush_spans([(row, Span(100, 130, "code", "other"))],
                            Span(130, 150, "signal", "messaging"), None, "laptop")
    store.flush_spans([(row, Span(130, 150, "signal", "messaging"))],
                      Span(150, 150, "code", "other"), None, "laptop")
    with store.transaction():
        store._write("DELETE FROM activity WHERE app = 'code'")  # noqa: SLF001 (by hand)
    row = store.flush_spans([], Span(150, 150, "signal", "messaging"), None, "laptop")
    store.flush_spans([(row, Span(150, 170, "signal", "messaging"))],
                      Span(170, 170, "code", "other"), None, "laptop")
    assert [(s.app, s.start, s.end) for s in store.spans(0, 1000)] == [
        ("signal", 130.0, 150.0), ("signal", 150.0, 170.0), ("code", 170.0, 170.0)]


def test_what_is_in_front_is_the_daemons_span_not_a_later_one_of_another_device(tmp_path):
    daemon, store = daemon_on(tmp_path, [Scripted("code")])
    t0 = 1_772_438_400.0
    daemon.step(t0)
    daemon.step(t0 + 5)
    # a phone's time imported up to later than the daemon's span began
    store.insert_spans([(t0 + 1, t0 + 60, "whatsapp", "messaging", None)], "phone")
    reader = Store.open(tmp_path / "presence.db", create=False)
    assert reader.in_front() == (t0, t0, "code", "other")
    assert reader.daemon_record()["at"] == t0
    daemon.shutdown()
    assert reader.in_front() == (t0, t0 + 5, "code", "other")


def test_a_record_left_by_a_daemon_from_before_tells_its_flush_by_its_span(tmp_path):
    # the daemon of round 4 kept its time (and a "now" record) in settings, every flush
    store = Store.open(tmp_path / "p.db")
    store.insert_span(Span(100, 160, "code", "other"), "laptop")
    store.set_setting("daemon", {"pid": 4242, "at": 150.0, "ticks": 12, "device": "laptop",
                                 "probe": "x11", "interval": 5})
    store.set_setting("now", {"app": "signal", "category": "messaging", "since": 140.0})
    assert store.daemon_record() == {"pid": 4242, "at": 160.0, "ticks": 12,
                                     "device": "laptop", "probe": "x11", "interval": 5}
    assert store.in_front() == (100.0, 160.0, "code", "other")


def test_after_the_clock_is_set_back_what_is_in_front_is_the_span_begun_by_now(tmp_path):
    # a clock two hours ahead, corrected (NTP after a dual boot): the spans stored before
    # begin in what is now the future, and status, the bar and the tray must not show them
    daemon, store = daemon_on(tmp_path, [Scripted("firefox")] * 3 + [Scripted("code")] * 3)
    t0 = 1_772_438_400.0
    for t in (7200, 7205, 7210):
        daemon.step(t0 + t)
    for t in (0, 5, 10):  # corrected: code in front from t0 on
        daemon.step(t0 + t)
    reader = Store.open(tmp_path / "presence.db", create=False)
    assert reader.in_front(t0 + 10) == (t0, t0, "code", "other")
    assert reader.daemon_record(t0 + 10)["at"] == t0
    daemon.shutdown()
    assert reader.in_front(t0 + 12) == (t0, t0 + 10, "code", "other")
