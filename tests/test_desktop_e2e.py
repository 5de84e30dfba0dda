"""End to end on a real X server and window manager: windows of chat-named processes take
turns in front while the real daemon records them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from desktop_helpers import wait_for

from presence.store import Store
from tests.support import read_store

pytestmark = pytest.mark.desktop


def open_span(db):
    return read_store(db, lambda store: store.last_span())


def test_window_switching_is_recorded_per_app(desktop, app_windows, tmp_path):
    windows = {
        "slack": app_windows(desktop, "slack", "Slack", "general | Acme - Slack"),
        "code": app_windows(desktop, "code", "Code", "daemon.py - presence - Visual Studio Code"),
        "discord": app_windows(desktop, "discord", "discord", "#random | Friends - Discord"),
    }
    (tmp_path / "config.toml").write_text("[daemon]\nflush_seconds = 1\n")
    env = dict(desktop.env, PRESENCE_HOME=str(tmp_path))
    env.pop("PRESENCE_DB", None)
    env.pop("PRESENCE_CONFIG", None)
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "x11",
                               "--interval", "0.25"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    switched = {}
    try:
        for app in ("slack", "code", "discord"):
            desktop.run("xdotool", "windowactivate", "--sync", str(windows[app].window))
            switched[app] = time.time()
            # hold each app in front until the database shows at least 2 s of it
            wait_for(lambda: (s := open_span(db)) is not None and s.app == app
                       and s.seconds >= 2.0, timeout=20, what=f"2 s of {app} in the database")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0, daemon.stderr.read()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    store = Store.open(db, create=False)
    spans = [s for s in store.spans(switched["slack"] - 60, time.time() + 60) if s.seconds > 0]
    apps = [(s.app, s.category) for s in spans]
    assert apps[-3:] == [("slack", "messaging"), ("code", "other"), ("discord", "messaging")]
    slack, code, discord = spans[-3:]
    # each switch lands in the database within a couple of sampling intervals
    assert abs(code.start - switched["code"]) < 1.0
    assert abs(discord.start - switched["discord"]) < 1.0
    assert slack.end == code.start and code.end == discord.start
    assert code.seconds >= 2.0 and slack.seconds >= 2.0
    rows = list(store.iter_activity())
    assert all(r[5] is None for r in rows), "titles must not be stored by default"
