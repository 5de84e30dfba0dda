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
from tests.support import read_store, sealed_env

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
    env = sealed_env(tmp_path, base=desktop.env)
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
    # A starved sampler (a loaded machine) may split one app's time at a gap longer than the
    # pulse; what a user sees is the order of the apps and that each got its time.
    runs: list[list] = []
    for span in spans:
        if runs and runs[-1][0].app == span.app:
            runs[-1].append(span)
        else:
            runs.append([span])
    assert [(r[0].app, r[0].category) for r in runs[-3:]] == [
        ("slack", "messaging"), ("code", "other"), ("discord", "messaging")]
    slack, code, discord = runs[-3:]
    # each switch hands over at the sample that saw it: no second lost or counted twice
    assert slack[-1].end == code[0].start and code[-1].end == discord[0].start
    assert code[0].start >= switched["slack"] and discord[0].start >= code[0].start
    assert sum(s.seconds for s in code) >= 2.0 and sum(s.seconds for s in slack) >= 2.0
    rows = list(store.iter_activity())
    assert all(r[5] is None for r in rows), "titles must not be stored by default"
