"""Do not disturb on a real dunst: held during an in-person meeting (presence's own nudge still
shows), given back after it, given back as it was, and given back on the next start after the
daemon was killed mid-meeting."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from desktop_helpers import kill_quietly, wait_for

from presence.nudges.dnd import Keeper
from presence.nudges.notify import switch_for
from tests.test_nudge_e2e import lunch_in_progress, nudge_rows

pytestmark = pytest.mark.desktop


def setup_home(home, ends_in: timedelta, dnd: bool = True) -> None:
    """A lunch that began 10 min ago and ends `ends_in` from now; do not disturb on."""
    lunch_in_progress(home, grace_seconds=2, ends_in=ends_in,
                      extra=f"[focus]\ndo_not_disturb = {str(dnd).lower()}\n")


def paused(session) -> bool:
    return session.run("dunstctl", "is-paused").strip() == "true"


def count(session, what: str) -> int:
    return int(session.run("dunstctl", "count", what).strip())


def start_daemon(session, home):
    return subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                            env=dict(session.env, PRESENCE_HOME=str(home)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(daemon) -> None:
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=15)
    assert code == 0, daemon.stderr.read()


def test_held_during_the_meeting_own_nudge_shown_given_back_after(desktop_factory, app_windows,
                                                                  tmp_path):
    session = desktop_factory("openbox", "dunst")
    setup_home(tmp_path, ends_in=timedelta(seconds=75))
    code = app_windows(session, "code", "Code", "notes - Visual Studio Code")
    slack = app_windows(session, "slack", "Slack", "general | Acme - Slack")
    code.activate()
    daemon = start_daemon(session, tmp_path)
    try:
        wait_for(lambda: paused(session), "dunst paused during the lunch", timeout=40)
        session.run("notify-send", "Mail", "a newsletter arrived")
        wait_for(lambda: count(session, "waiting") == 1, "the other app's notification held")
        assert count(session, "displayed") == 0
        slack.activate()  # chat at lunch: presence's own nudge must still be seen
        wait_for(lambda: [r for r in nudge_rows(tmp_path / "presence.db") if r[4] == 1],
                 "the phubbing nudge shown", timeout=30)
        wait_for(lambda: count(session, "displayed") >= 1, "the nudge on screen")
        session.run("dunstctl", "close-all")
        wait_for(lambda: paused(session), "dunst paused again once the nudge closed")
        code.activate()
        wait_for(lambda: not paused(session), "dunst given back after the lunch", timeout=120,
                 every=0.5)
    finally:
        stop(daemon)
    assert not (tmp_path / "presence.db.dnd.json").exists()


def test_a_daemon_killed_mid_meeting_is_undone_on_the_next_start(desktop_factory, app_windows,
                                                                 tmp_path):
    session = desktop_factory("openbox", "dunst")
    setup_home(tmp_path, ends_in=timedelta(minutes=50))
    app_windows(session, "code", "Code", "notes - Visual Studio Code").activate()
    daemon = start_daemon(session, tmp_path)
    try:
        wait_for(lambda: paused(session), "dunst paused during the lunch", timeout=40)
    finally:
        kill_quietly(daemon.pid)
        daemon.wait(timeout=15)
    assert paused(session)  # a killed daemon cannot clean up after itself
    assert (tmp_path / "presence.db.dnd.json").exists()
    setup_home(tmp_path, ends_in=timedelta(minutes=50), dnd=False)
    daemon = start_daemon(session, tmp_path)
    try:
        wait_for(lambda: not paused(session), "the next start to give dunst back", timeout=30)
        wait_for(lambda: not (tmp_path / "presence.db.dnd.json").exists(), "the note removed")
    finally:
        stop(daemon)


def test_given_back_exactly_as_it_was(desktop_factory, monkeypatch, tmp_path):
    session = desktop_factory("none", "dunst")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.dbus_address)
    session.run("dunstctl", "set-paused", "true")  # the user had paused dunst themselves
    keeper = Keeper(tmp_path / "dnd.json", find=lambda: switch_for("dunst"))
    keeper.hold()
    assert keeper.held and paused(session)
    keeper.release()
    assert paused(session) and not (tmp_path / "dnd.json").exists()
    session.run("dunstctl", "set-paused", "false")
    keeper.hold()
    assert paused(session)
    keeper.release()
    assert not paused(session)
