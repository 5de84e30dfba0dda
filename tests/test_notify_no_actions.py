"""A notification server without actions: the nudge's message says the command to type
instead of showing buttons. The server is a small one on a real private session bus (a fake
at the OS edge: it records what it was asked to show)."""

from __future__ import annotations

import threading

import pytest
from desktop_helpers import wait_for

from presence.model import Nudge
from presence.nudges.actions import buttons
from presence.nudges.notify import DbusNotifier

pytestmark = pytest.mark.desktop


class BareServer:
    """org.freedesktop.Notifications with the capabilities `body` only."""

    def __init__(self) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.shown: list[tuple] = []
        self.conn = open_dbus_connection(bus="SESSION")
        self.conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        from jeepney import HeaderFields, MessageType, new_method_return

        while not self.stop.is_set():
            try:
                msg = self.conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "GetCapabilities":
                self.conn.send(new_method_return(msg, "as", (["body"],)))
            elif member == "GetServerInformation":
                self.conn.send(new_method_return(msg, "ssss", ("bare", "tests", "1", "1.2")))
            elif member == "Notify":
                self.shown.append(msg.body)
                self.conn.send(new_method_return(msg, "u", (len(self.shown),)))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.conn.close()


def test_without_actions_the_message_names_the_command(desktop_factory, monkeypatch):
    session = desktop_factory("none", "none")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.dbus_address)
    server = BareServer()
    notifier = DbusNotifier()
    try:
        nudge = Nudge(0.0, "phubbing", "phubbing:x:1:1", "You're at Lunch", "2 min in Slack.")
        notifier.deliver(nudge, buttons(nudge, 7), 7)
        [(_app, _replaces, _icon, title, body, actions, _hints, _expire)] = wait_for(
            lambda: server.shown, "the server to be asked")
        assert title == "You're at Lunch" and actions == []
        assert body == "2 min in Slack.\nSnooze: presence snooze 1h"
        welcome = Nudge(1.0, "welcome_back", "welcome_back:1:2", "Welcome back", "1 h away.")
        notifier.deliver(welcome, buttons(welcome, 8), 8)
        assert wait_for(lambda: len(server.shown) == 2 and server.shown[1][4],
                        "the second nudge").endswith("presence log --last-away")
    finally:
        notifier.close()
        server.close()
