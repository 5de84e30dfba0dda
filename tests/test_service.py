"""`presence run` as a real process: lock, signals, reload, status."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from desktop_helpers import wait_for

from presence.store import Store
from tests.support import read_store, sealed_env



def start(home, *args):
    return subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                             "--interval", "0.2", *args],
                            env=sealed_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def heartbeat(home):
    return read_store(home / "presence.db", lambda store: store.daemon_record())


def cli(home, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], env=sealed_env(home),
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def daemon(tmp_path):
    proc = start(tmp_path)
    try:
        wait_for(lambda: heartbeat(tmp_path), what="the daemon's first heartbeat")
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_sigterm_flushes_and_exits_zero(tmp_path, daemon):
    # flush_seconds is 30: what the daemon sampled after its first tick reaches the
    # database only through the flush on SIGTERM
    first = heartbeat(tmp_path)["at"]
    wait_for(lambda: time.time() > first + 1.0, what="a second of sampling")
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0
    store = Store.open(tmp_path / "presence.db", create=False)
    rows = list(store.iter_activity())
    assert rows and rows[-1][2] > rows[-1][1]
    assert store.integrity_ok()


def test_second_instance_exits_1_naming_the_first(tmp_path, daemon):
    second = cli(tmp_path, "run", "--probe", "none")
    assert second.returncode == 1
    # only its one line: no probe chatter before it (issue 13)
    assert second.stderr.splitlines() == [
        f"presence: already running (pid {daemon.pid}) on {tmp_path / 'presence.db'}; stop "
        "that one first, or give this one another --db"]
    assert second.stdout == ""


def test_a_dry_run_says_it_stores_nothing(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                             "--interval", "0.2", "--dry-run"], env=sealed_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = wait_for(lambda: proc.stdout.readline(), what="a printed sample")
        assert "nothing in front" in line
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert "storing nothing" in proc.stderr.read()
    assert not (tmp_path / "presence.db").exists()


def test_status_sees_the_running_daemon(tmp_path, daemon):
    result = cli(tmp_path, "status", "--json")
    report = json.loads(result.stdout)
    assert report["running"] is True and report["pid"] == daemon.pid
    assert report["probe"] == "none"
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=10)
    report = json.loads(cli(tmp_path, "status", "--json").stdout)
    assert report["running"] is False


def test_the_daemon_opens_no_listening_socket(daemon):
    import psutil

    connections = psutil.Process(daemon.pid).net_connections(kind="all")
    assert [c for c in connections if c.status == psutil.CONN_LISTEN] == []


def test_sigkill_loses_only_what_came_after_the_last_flush_and_leaves_no_stale_lock(tmp_path):
    (tmp_path / "config.toml").write_text("[daemon]\nflush_seconds = 1\n")
    proc = start(tmp_path)
    first = wait_for(lambda: heartbeat(tmp_path), what="the first heartbeat")["at"]
    seen = wait_for(lambda: (b := heartbeat(tmp_path))["at"] > first + 2 and b,
                    what="two more flushes")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = Store.open(tmp_path / "presence.db", create=False)
    assert store.integrity_ok()
    [row] = list(store.iter_activity())
    last = store.daemon_record()
    store.close()
    # everything flushed before the kill is there, and the heartbeat `status` shows is
    # the stored span's end (spans keep times to the millisecond)
    assert row[2] >= seen["at"] and last["at"] == row[2] and last["pid"] == proc.pid
    again = start(tmp_path)
    try:
        wait_for(lambda: (heartbeat(tmp_path) or {}).get("pid") == again.pid,
                 what="the restarted daemon's heartbeat")
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=10) == 0
    assert Store.open(tmp_path / "presence.db", create=False).integrity_ok()


def test_sighup_with_a_broken_config_keeps_the_old_one(tmp_path, daemon):
    log = tmp_path / "presence.log"
    (tmp_path / "config.toml").write_text("[daemon]\ninterval_seconds = \"fast\"\n")
    daemon.send_signal(signal.SIGHUP)
    wait_for(lambda: "config not reloaded, keeping the running one" in log.read_text(),
               what="the rejected reload in the log")
    assert "daemon.interval_seconds" in log.read_text()
    (tmp_path / "config.toml").write_text("[daemon]\nflush_seconds = 1\n")
    daemon.send_signal(signal.SIGHUP)
    wait_for(lambda: "config reloaded from" in log.read_text(), what="the accepted reload")
    # a reload that worked is news, not a warning (issue 13)
    assert [line for line in log.read_text().splitlines() if "config reloaded from" in line
            and " INFO " in line]
    assert daemon.poll() is None
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=10) == 0


def test_bad_config_at_start_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "config.toml").write_text("[daemon]\nprobe = \"wayland\"\n")
    result = cli(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "daemon.probe" in result.stderr


def test_a_damaged_database_is_moved_aside_and_the_daemon_starts_fresh(tmp_path):
    (tmp_path / "presence.db").write_bytes(b"not a database" * 200)
    proc = start(tmp_path)
    try:
        wait_for(lambda: list(tmp_path.glob("presence.db.corrupt-*")) and heartbeat(tmp_path),
                   what="the daemon on a fresh database")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    [moved] = tmp_path.glob("presence.db.corrupt-*")
    assert moved.read_bytes() == b"not a database" * 200
    assert f"moved it to {moved}" in proc.stderr.read()


def test_calendar_syncs_run_on_the_clock_they_are_given(tmp_path):
    from presence.service import CalendarSyncRunner

    runs = tmp_path / "runs"
    steady = {"now": 1000.0}
    runner = CalendarSyncRunner(
        [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('sync\\n')"],
        has_sources=lambda: True, every=lambda: 60.0, steady=lambda: steady["now"])

    def synced() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    assert runner.poll() is False  # due at once: the first sync starts
    wait_for(runner.poll, what="the first sync to finish", timeout=60)
    assert synced() == 1
    steady["now"] += 59  # not due yet, however long the wall clock waits
    assert runner.poll() is False and runner.poll() is False
    assert synced() == 1
    steady["now"] += 1
    runner.poll()
    wait_for(runner.poll, what="the second sync to finish", timeout=60)
    assert synced() == 2
    runner.close()


# What sampling does not need stays out of the daemon's memory (issue 18): the schema is made
# by a child process (the first migration imports sqlite-utils), calendars are parsed by the
# sync child, and neither's modules are ever imported by the daemon itself; nor is hashlib
# (OpenSSL, about 3.5 MB), which sampling never needs.
NOT_IN_THE_DAEMON = ("sqlite_utils", "icalendar", "recurring_ical_events", "x_wr_timezone",
                     "presence.calendar.expand", "presence.calendar.text",
                     "presence.calendar.sources", "presence.importers", "presence.reports",
                     "hashlib",
                     # `presence run` starts without click (issue 18: a quiet daemon)
                     "click", "presence.cli.main",
                     # the shipped rules classify on Python's `re` (presence/patterns.py); the
                     # value types are presence.frozen's; /proc names processes on Linux
                     "re2", "dataclasses", "inspect", "psutil")


def test_the_daemon_imports_neither_the_migrations_needs_nor_the_calendar_parser(tmp_path):
    import shutil
    from pathlib import Path

    from presence.calendar.sync import last_checked

    calendar = tmp_path / "google.ics"
    shutil.copy(Path(__file__).parent / "fixtures" / "ics" / "google.ics", calendar)
    (tmp_path / "config.toml").write_text(f'[daemon]\nflush_seconds = 1\n'
                                          f'[calendar]\nsources = ["{calendar}"]\n')
    # a fresh home: the daemon creates the database; -X importtime names what it imports
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "presence", "run",
                             "--probe", "none", "--interval", "0.2"], env=sealed_env(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: read_store(tmp_path / "presence.db", last_checked),
                 what="the calendar sync child to record the calendar", timeout=90)
        flushed = heartbeat(tmp_path)["at"]
        # the daemon has read the synced meetings (its nudger refreshes after a sync)
        wait_for(lambda: heartbeat(tmp_path)["at"] > flushed + 1, what="more samples")
        assert read_store(tmp_path / "presence.db", lambda s: s.span_count()) >= 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in err.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "presence.daemon" in imported and "presence.calendar.sync" in imported
    loaded = sorted(name for name in imported for banned in NOT_IN_THE_DAEMON
                    if name == banned or name.startswith(banned + "."))
    assert loaded == []
