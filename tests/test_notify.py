"""Notifications through a real session bus and a real notification server (dunst)."""

from __future__ import annotations

import os
import signal

import pytest

from desktop_helpers import wait_for
from presence.errors import NotifierUnavailable
from presence.model import Nudge
from presence.nudges.dispatch import Dispatcher, deliver
from presence.nudges.notify import DbusNotifier


pytestmark = pytest.mark.desktop

NUDGE = Nudge(0.0, "phubbing", "phubbing:test:1", "Lunch with Priya is happening",
              "3 min in Slack during lunch with Priya — they are right there.")


@pytest.fixture
def on_bus(monkeypatch):
    def use(session):
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.dbus_address)
        return session
    return use


def dunst_log(session) -> str:
    return (session.rundir / "dunst.log").read_text(errors="replace")


def test_dunst_shows_the_nudge_and_it_counts_as_delivered(desktop_factory, on_bus):
    session = on_bus(desktop_factory("none", "dunst"))
    notifier = DbusNotifier()
    try:
        outcome = deliver(NUDGE, [notifier])
        assert (outcome.delivered, outcome.channel, outcome.error) == (True, "dbus", None)
        wait_for(lambda: NUDGE.title in dunst_log(session), what="dunst to show the nudge")
        log = dunst_log(session)
        assert "appname: 'presence'" in log and "3 min in Slack" in log
        first_id = notifier._last_id
        deliver(Nudge(1.0, "focus", "focus:1", "Second", "second body"), [notifier])
        # the second notification replaced the first instead of stacking
        assert notifier._last_id == first_id
        assert "dunst" in notifier.server().lower()
    finally:
        notifier.close()


def test_bus_without_a_notification_server_is_recorded_undelivered(desktop_factory, on_bus):
    on_bus(desktop_factory("none", "none"))
    outcome = deliver(NUDGE, [DbusNotifier()])
    assert outcome.delivered is False and outcome.channel == "log"
    assert "no notification server" in outcome.error


def test_no_bus_at_all_is_recorded_undelivered(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    outcome = deliver(NUDGE, [DbusNotifier()])
    assert outcome.delivered is False
    assert "cannot reach the D-Bus session bus" in outcome.error


def test_hung_server_times_out_without_blocking_the_caller(desktop_factory, on_bus):
    session = on_bus(desktop_factory("none", "dunst"))
    dunst = session.pid_of("dunst")
    os.kill(dunst, signal.SIGSTOP)
    dispatcher = Dispatcher([DbusNotifier(timeout=1.0)])
    try:
        dispatcher.submit(NUDGE)
        [outcome] = wait_for(dispatcher.drain, timeout=10, what="the delivery outcome")
        assert outcome.delivered is False and "did not answer within 1 s" in outcome.error
    finally:
        os.kill(dunst, signal.SIGCONT)
        dispatcher.close()


def test_notifier_raises_a_presence_error_not_a_crash(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    with pytest.raises(NotifierUnavailable):
        DbusNotifier().deliver(NUDGE)
