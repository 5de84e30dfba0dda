"""The daemon against a display that goes away and comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from desktop_helpers import DesktopSession, open_app_window, wait_for

from tests.support import read_store

pytestmark = pytest.mark.desktop


def test_display_goes_away_and_comes_back(desktop_factory, tmp_path):
    session = desktop_factory("none", "none")
    slack = open_app_window(session, tmp_path, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    (tmp_path / "config.toml").write_text("[daemon]\nflush_seconds = 1\n")
    env = dict(session.env, PRESENCE_HOME=str(tmp_path))
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    xvfb = None
    try:
        wait_for(lambda: read_store(db, lambda s: (s.last_span() or None) and
                              s.last_span().app == "slack"), "slack recorded over X11")
        # the X server goes away: the daemon keeps sampling on its fallback probe
        number = session.display.lstrip(":")
        slack.process.kill()
        os.kill(session.pid_of("Xvfb"), signal.SIGTERM)
        beat = wait_for(lambda: (b := read_store(db, lambda s: s.daemon_record())) and
                        b.get("probe_error") and b, "the daemon to notice the display is gone")
        assert beat["probe"] == "psutil" and beat["wanted_probe"] == "x11"
        assert daemon.poll() is None
        # the display comes back (same number): the daemon returns to the X11 probe
        xvfb = subprocess.Popen(["Xvfb", f":{number}", "-nolisten", "tcp", "-noreset"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        back = DesktopSession(session.display, "", session.rundir, session.env, "none")
        wait_for(lambda: subprocess.run(["xprop", "-root", "-len", "0", "_XKB_RULES_NAMES"],
                                        env=back.env, capture_output=True).returncode == 0,
                 "the new X server")
        discord = open_app_window(back, tmp_path, "discord", "discord", "#random - Discord")
        discord.activate()
        wait_for(lambda: read_store(db, lambda s: (s.last_span() or None) and
                              s.last_span().app == "discord"),
                 "discord recorded after the display came back", timeout=30)
        beat = read_store(db, lambda s: s.daemon_record())
        assert beat["probe"] == "x11" and beat["probe_error"] is None
        discord.process.kill()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
