"""End to end on a real X server: input stops (nothing touches the keyboard or the mouse), the
daemon records the user away, input resumes with xdotool, dunst shows "Were you with people?"
once, and "Yes, log it" (chosen through `dunstctl context`) logs exactly that stretch."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from desktop_helpers import make_picker, wait_for

from presence.nudges.policy import welcome_back_stretch
from tests.support import read_store

pytestmark = pytest.mark.desktop

CONFIG = """
timezone = "UTC"
[daemon]
idle_seconds = 3
flush_seconds = 1
[nudges.welcome_back]
min_away_minutes = 1
[nudges.daily_summary]
enabled = false
[quiet_hours]
start = "00:00"
end = "00:00"
"""


def presence(env, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "presence", *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def rows(db):
    return read_store(db, lambda store: [
        (r.row, r.nudge.kind, r.nudge.key, r.delivered, r.response)
        for r in store.nudge_records(0, float("inf"))]) or []


def logged(db):
    return read_store(db, lambda store: store.in_person_log(0, float("inf"))) or []


def at_desk(db):
    spans = read_store(db, lambda store: store.spans(0, float("inf"))) or []
    return any(s.category == "other" for s in spans)


def longest_away(db):
    spans = read_store(db, lambda store: store.spans(0, float("inf"))) or []
    away = [s for s in spans if s.category == "away"]
    return max((s.end - s.start for s in away), default=0.0)


def test_back_after_a_while_away_is_asked_once_and_yes_logs_the_stretch(
        desktop_factory, app_windows, tmp_path):
    picker = make_picker(tmp_path / "picker")
    session = desktop_factory("openbox", "dunst", picker.dunstrc)
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    app_windows(session, "code", "Code", "presence - Visual Studio Code").activate()
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.5"],
                              env=dict(session.env, PRESENCE_HOME=str(tmp_path)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    moves = iter(range(10**6))

    def move() -> None:
        x = 100 + next(moves) % 500
        session.run("xdotool", "mousemove", str(x), "200")

    try:
        # at the desk first: the stretch away begins when the user leaves
        wait_for(lambda: move() or at_desk(db), "the user recorded at the desk", timeout=30,
                 every=0.5)
        # then no input at all: away for over a minute (min_away_minutes = 1)
        wait_for(lambda: longest_away(db) > 62, "a minute away from the desk", timeout=120,
                 every=0.5)
        assert not [r for r in rows(db) if r[1] == "welcome_back"]  # not while still away
        # back at the desk, and busy there
        [nudge] = wait_for(lambda: move() or [r for r in rows(db)
                                              if r[1] == "welcome_back" and r[3]],
                           "the welcome-back nudge shown", timeout=30, every=0.5)
        left, back = welcome_back_stretch(nudge[2])
        assert back - left > 60
        picker.choose("Yes, log it")
        session.run("dunstctl", "context")
        menu = wait_for(picker.menu, "dunst to pipe the actions to the picker")
        assert "#Yes, log it (" in menu and "#No (" in menu
        [entry] = wait_for(lambda: logged(db), "the stretch logged as in-person time")
        assert entry[:2] == (left, back) and entry[2] == "welcome back"
        # visible in `log list`, and removable like any logged time
        env = dict(session.env, PRESENCE_HOME=str(tmp_path))
        [listed] = json.loads(presence(env, "log", "list", "--json"))
        assert listed["note"] == "welcome back"
        assert listed["minutes"] == round((back - left) / 60, 1)
        wait_for(lambda: [r for r in rows(db) if r[4] == "yes"], "the answer stored")
        # input goes on: the same stretch is never asked about again
        for _ in range(5):
            move()
            heartbeat = read_store(db, lambda store: store.daemon_record())
            wait_for(lambda: read_store(db, lambda store: store.daemon_record())["at"]
                     > heartbeat["at"] + 1, "the daemon to sample on", timeout=30)
        assert len([r for r in rows(db) if r[1] == "welcome_back"]) == 1
        presence(env, "log", "remove", str(listed["id"]))
        assert json.loads(presence(env, "log", "list", "--json")) == []
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=15)
    assert code == 0, daemon.stderr.read()
