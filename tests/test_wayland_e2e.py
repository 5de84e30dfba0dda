"""End to end on a real headless sway: Wayland windows of chat-named processes take turns in
front while the real daemon records them, then the user leaves the keyboard and comes back."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from desktop_helpers import wait_for

from presence.store import Store
from tests.support import read_store

pytestmark = pytest.mark.wayland

IDLE_SECONDS = 3


def last_span(db):
    return read_store(db, lambda store: store.last_span())


def test_focus_switching_and_idle_are_recorded_on_sway(wayland, wayland_windows, tmp_path):
    windows = {
        "slack": wayland_windows(wayland, "slack", "slack", "general | Acme - Slack"),
        "code": wayland_windows(wayland, "code", "code", "daemon.py - presence - Code"),
        # Electron apps run under a generic host name: the app_id names the app
        "discord": wayland_windows(wayland, "electron", "discord", "#random | Friends - Discord"),
    }
    (tmp_path / "config.toml").write_text(
        f"[daemon]\nflush_seconds = 1\nidle_seconds = {IDLE_SECONDS}\n")
    env = dict(wayland.env, PRESENCE_HOME=str(tmp_path))
    env.pop("PRESENCE_DB", None)
    env.pop("PRESENCE_CONFIG", None)
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "sway",
                               "--interval", "0.25"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)

    def using(app):
        # a user at work: some input now and then, so the app stays "in use"
        wayland.touch()
        span = last_span(db)
        return span is not None and span.app == app and span.category != "away" \
            and span.seconds >= 1.0

    switched = {}
    try:
        for app in ("slack", "code", "discord"):
            wayland.focus(app)
            wayland.touch()
            switched[app] = time.time()
            wait_for(lambda: using(app), f"1 s of {app} in the database", timeout=20, every=0.2)
        # hands off: after idle_seconds without input the time counts as away
        wait_for(lambda: (s := last_span(db)) is not None and s.category == "away",
                 "an away span", timeout=20, every=0.1)
        back = time.time()
        wait_for(lambda: using("discord"), "discord again after input", timeout=20, every=0.2)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0, daemon.stderr.read()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    store = Store.open(db, create=False)
    spans = [s for s in store.spans(switched["slack"] - 60, time.time() + 60) if s.seconds > 0]
    slack, code, discord, away, again = spans[-5:]
    assert [(s.app, s.category) for s in (slack, code, discord, again)] == [
        ("slack", "messaging"), ("code", "other"), ("discord", "messaging"),
        ("discord", "messaging")]
    assert away.category == "away"
    # each switch lands in the database within a couple of sampling intervals
    assert abs(code.start - switched["code"]) < 1.0
    assert abs(discord.start - switched["discord"]) < 1.0
    assert slack.end == code.start and code.end == discord.start
    # away starts once the idle limit passed, and ends when input came back
    assert discord.seconds >= IDLE_SECONDS - 0.5
    assert away.start <= back and abs(again.start - back) < 1.5
    assert windows["discord"].process.poll() is None
    rows = list(store.iter_activity())
    assert all(r[5] is None for r in rows), "titles must not be stored by default"
