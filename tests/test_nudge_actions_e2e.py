"""End to end on a real desktop: dunst shows the phubbing nudge with its buttons, a picker
chooses "Snooze 1 h" through `dunstctl context` (DESIGN §5), and presence snoozes and stores
the answer on the nudge."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from desktop_helpers import make_picker, wait_for

from tests.test_nudge_e2e import lunch_in_progress, nudge_rows

pytestmark = pytest.mark.desktop


def presence_json(env, *args):
    done = subprocess.run([sys.executable, "-m", "presence", *args, "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_snooze_1h_from_the_nudge_snoozes_and_is_recorded(desktop_factory, app_windows,
                                                          tmp_path):
    picker = make_picker(tmp_path / "picker")
    session = desktop_factory("openbox", "dunst", picker.dunstrc)
    lunch_in_progress(tmp_path, grace_seconds=2)
    app_windows(session, "slack", "Slack", "general | Acme - Slack").activate()
    env = dict(session.env, PRESENCE_HOME=str(tmp_path))
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        db = tmp_path / "presence.db"
        wait_for(lambda: [r for r in nudge_rows(db) if r[4] == 1],
                 "the phubbing nudge shown", timeout=30)
        assert presence_json(env, "status")["snoozed_until"] is None
        picker.choose("Snooze 1 h")
        session.run("dunstctl", "context")
        menu = wait_for(picker.menu, "dunst to pipe the actions to the picker")
        assert "#Snooze 1 h (" in menu and "#Not now (" in menu
        status = wait_for(lambda: (s := presence_json(env, "status"))["snoozed_until"] and s,
                          "status to show the snooze", timeout=20)
        assert status["snoozed_until"].endswith("Z")
        [nudge] = wait_for(lambda: [n for n in presence_json(env, "nudges")["nudges"]
                                    if n["response"]], "the answer stored on the nudge")
        assert (nudge["kind"], nudge["response"], nudge["delivered"]) == \
            ("phubbing", "snooze1h", True)
        text = subprocess.run([sys.executable, "-m", "presence", "status"], env=env,
                              capture_output=True, text=True, timeout=60).stdout
        assert "snoozed until" in text
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    assert code == 0, daemon.stderr.read()


def test_a_button_pressed_after_a_restart_still_works(desktop_factory, app_windows, tmp_path):
    picker = make_picker(tmp_path / "picker")
    session = desktop_factory("openbox", "dunst", picker.dunstrc)
    lunch_in_progress(tmp_path, grace_seconds=2)
    app_windows(session, "slack", "Slack", "general | Acme - Slack").activate()
    env = dict(session.env, PRESENCE_HOME=str(tmp_path))
    db = tmp_path / "presence.db"

    def start():
        return subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)

    daemon = start()
    try:
        wait_for(lambda: [r for r in nudge_rows(db) if r[4] == 1], "the phubbing nudge shown",
                 timeout=30)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0, daemon.stderr.read()
    # the nudge is still on screen; a new daemon takes its buttons over
    daemon = start()
    try:
        beat = wait_for(lambda: presence_json(env, "status")["running"], "the new daemon")
        assert beat
        picker.choose("Snooze 1 h")
        wait_for(lambda: session.run("dunstctl", "context") is not None and
                 [n for n in presence_json(env, "nudges")["nudges"] if n["response"]],
                 "the press after the restart to be heard", timeout=30, every=1.0)
        [nudge] = presence_json(env, "nudges")["nudges"]
        assert nudge["response"] == "snooze1h"
        assert presence_json(env, "status")["snoozed_until"] is not None
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    assert code == 0, daemon.stderr.read()
