"""The sway probe: the i3 IPC codec, parsing captured trees and events, and a real headless sway.

The fixtures under tests/fixtures/wayland/sway_*.json were captured from a real sway 1.7
(GET_TREE replies, and the window/workspace events of a scripted session; pids replaced by
numbers above the kernel's pid limit, so no real process answers to them), except
sway_xwayland_view.json, which is written from sway-ipc(7) (no Xwayland on the capturing machine).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest
from desktop_helpers import wait_for
from wayland_helpers import start_session, stop_session

from presence.errors import ProbeUnavailable
from presence.probe import i3ipc, open_probe
from presence.probe.names import ProcessCache
from presence.probe.sway import FocusTracker, SwayProbe, focused_in_tree, window_of
from presence.probe.wayland import Window, sample_of

FIXTURES = Path(__file__).parent / "fixtures" / "wayland"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


# -- the wire format -----------------------------------------------------------------------------

def test_messages_survive_any_split_of_the_stream():
    stream = (i3ipc.encode(i3ipc.GET_TREE, b'{"id": 1}')
              + i3ipc.encode(i3ipc.EVENT_BIT | i3ipc.EVENT_WINDOW, b'{"change": "focus"}')
              + i3ipc.encode(i3ipc.GET_VERSION))
    decoder = i3ipc.Decoder()
    got = []
    for i in range(len(stream)):
        got += decoder.feed(stream[i:i + 1])
    assert got == [(4, {"id": 1}), (i3ipc.EVENT_BIT | 3, {"change": "focus"}), (7, None)]


@pytest.mark.parametrize("data", [b"i3-ipX" + bytes(8), b"i3-ipc\xff\xff\xff\x7f\x00\x00\x00\x00",
                                  i3ipc.encode(4, b"{not json")])
def test_a_peer_that_is_not_sway_is_refused(data):
    with pytest.raises(ConnectionError):
        i3ipc.Decoder().feed(data)


# -- parsing what sway says ----------------------------------------------------------------------

def test_focused_window_in_a_captured_tree():
    assert focused_in_tree(fixture("sway_tree_slack_focused.json")) == (
        5, Window(app_id="slack", title="general | Acme - Slack", pid=4194306))


def test_a_focused_split_container_stands_for_its_last_focused_window():
    # after `focus parent` the vertical split holding discord is focused, not a window
    con_id, window = focused_in_tree(fixture("sway_tree_split_parent_focused.json"))
    assert (con_id, window.app_id, window.title) == (12, "discord", "#random | Friends - Discord")


def test_an_empty_focused_workspace_means_nothing_in_front():
    assert focused_in_tree(fixture("sway_tree_empty_workspace.json")) is None
    assert focused_in_tree({"type": "root", "id": 1, "focused": True, "nodes": []}) is None


def test_xwayland_windows_are_named_by_their_class():
    node = fixture("sway_xwayland_view.json")
    assert window_of(node) == Window(app_id="Signal", instance="signal",
                                     title="Friends - Signal", pid=4194320)
    # a vanished owner leaves a partial sample named from the window class
    sample = sample_of(window_of(node), 100.0, 3.0, ProcessCache())
    assert (sample.app, sample.title, sample.pid, sample.exe, sample.idle) == (
        "signal", "Friends - Signal", None, None, 3.0)


# what is in front after each step of the captured session (None: nothing; "?": ask the tree)
REPLAY = [
    ("open code", "code"),
    ("focus slack", "slack"),
    ("open discord in a vertical split", "discord"),
    ("focus child", "discord"),
    ("switch to empty workspace 2", None),
    ("back to workspace 1", "discord"),
    ("close discord (focused)", "slack"),
    ("focus code", "code"),
    ("move code to workspace 4", "slack"),
    ("close code", "slack"),
]


def test_captured_events_replayed_through_the_tracker():
    events = fixture("sway_events.json")
    tracker = FocusTracker()
    tracker.set_tree(fixture("sway_tree_slack_focused.json"))
    for step, expected in REPLAY:
        for event in (e for e in events if e["step"] == step):
            tracker.apply(event["type"], event["body"])
        assert not tracker.stale, step
        assert (tracker.window.app_id if tracker.window else None) == expected, step


def test_events_that_leave_the_answer_open_ask_for_the_tree():
    events = fixture("sway_events.json")
    close = next(e for e in events if e["body"]["change"] == "close"
                 and e["body"]["container"]["app_id"] == "discord")
    tracker = FocusTracker()
    tracker.apply(i3ipc.EVENT_WINDOW, {"change": "focus", "container": close["body"]["container"]})
    assert not tracker.stale
    # the last window of a workspace closes: no focus event follows
    tracker.apply(close["type"], close["body"])
    assert tracker.stale
    tracker.set_tree(fixture("sway_tree_empty_workspace.json"))
    assert (tracker.window, tracker.stale) == (None, False)
    tracker.apply(i3ipc.EVENT_WORKSPACE, {"change": "reload"})
    assert tracker.stale


def test_title_changes_of_the_focused_window_only():
    events = fixture("sway_events.json")
    code = next(e for e in events if e["body"]["change"] == "focus"
                and e["body"]["container"]["app_id"] == "code")["body"]["container"]
    tracker = FocusTracker()
    tracker.apply(i3ipc.EVENT_WINDOW, {"change": "focus", "container": code})
    tracker.apply(i3ipc.EVENT_WINDOW, {"change": "title",
                                       "container": dict(code, name="spans.py - presence")})
    tracker.apply(i3ipc.EVENT_WINDOW, {"change": "title",
                                       "container": dict(code, id=999, name="elsewhere")})
    assert (tracker.con_id, tracker.window.title) == (10, "spans.py - presence")


def test_sway_needs_its_socket():
    with pytest.raises(ProbeUnavailable, match="SWAYSOCK is not set"):
        SwayProbe({})
    probe = SwayProbe({"SWAYSOCK": "/nonexistent/sway-ipc.sock"})
    with pytest.raises(ProbeUnavailable, match="cannot connect to sway"):
        probe.read(1.0)
    probe.close()


# -- a real sway -----------------------------------------------------------------------------------

@pytest.mark.wayland
def test_the_probe_follows_focus_through_events(wayland, wayland_windows):
    windows = {
        "slack": wayland_windows(wayland, "slack", "slack", "general | Acme - Slack"),
        "code": wayland_windows(wayland, "code", "code", "daemon.py - presence - Code"),
        # an Electron app runs under a generic host name: the app_id names it
        "discord": wayland_windows(wayland, "electron", "discord", "#random | Friends - Discord"),
    }
    probe = open_probe("sway", wayland.env)
    try:
        assert probe.read(time.time()).app == "discord"  # the newest window has the focus
        trees = []
        commands = probe._commands
        real_request = commands.request
        commands.request = lambda *a: trees.append(a) or real_request(*a)
        for app in ("slack", "code", "discord", "slack"):
            wayland.focus(app)
            sample = wait_for(lambda: (s := probe.read(time.time())).app == app and s,
                              f"{app} in front")
            window = windows[app]
            assert (sample.pid, sample.exe, sample.title) == (window.pid, window.exe,
                                                               window.title)
        assert trees == [], "focus switches are read from events, not from the tree"
        wayland.swaymsg("workspace", "9")
        assert wait_for(lambda: (s := probe.read(time.time())).app is None and s,
                        "nothing in front on an empty workspace").pid is None
        wayland.swaymsg("workspace", "1")
        wait_for(lambda: probe.read(time.time()).app == "slack", "slack back in front")
        # the focused window closes: focus passes to another window of the workspace
        windows["slack"].close()
        wait_for(lambda: probe.read(time.time()).app in ("code", "discord"),
                 "focus to pass on after slack closed")
    finally:
        probe.close()


@pytest.mark.wayland
def test_idle_grows_without_input_and_resets_on_input(wayland, wayland_windows):
    wayland_windows(wayland, "slack", "slack", "general | Acme - Slack")
    probe = open_probe("sway", wayland.env)
    try:
        wayland.touch()
        first = probe.read(time.time())
        assert first.idle is not None and first.idle < 1.0
        assert probe.idle_fix is None
        # the pointer, then the keyboard: both count as input
        last_input = time.monotonic()
        for user_input in (wayland.touch, wayland.press_key):
            wait_for(lambda: probe.read(time.time()).idle >= 1.3, "idle time to grow")
            grown = probe.read(time.time()).idle
            # idle time is counted from the last input, not from when swayidle noticed it
            assert grown <= time.monotonic() - last_input + 0.1
            wait_for(lambda: probe.read(time.time()).idle >= grown + 0.2, "idle to keep growing")
            user_input()
            last_input = time.monotonic()
            wait_for(lambda: probe.read(time.time()).idle < 1.0, "idle to reset on input")
    finally:
        probe.close()


@pytest.mark.wayland
def test_without_swayidle_idle_is_unknown_and_doctor_says_what_to_install(wayland):
    env = dict(wayland.env, PATH="/nonexistent")
    probe = open_probe("sway", env)
    try:
        sample = probe.read(time.time())
        assert sample.idle is None
        assert "install swayidle" in probe.idle_fix
    finally:
        probe.close()


@pytest.mark.wayland
def test_a_dropped_event_connection_is_replaced_within_the_sample(wayland, wayland_windows):
    wayland_windows(wayland, "slack", "slack", "general | Acme - Slack")
    probe = open_probe("sway", wayland.env)
    try:
        assert probe.read(time.time()).app == "slack"
        # what sway does to a subscriber that fell too far behind: it hangs up
        probe._events._sock.shutdown(socket.SHUT_RDWR)
        wayland_windows(wayland, "code", "code", "daemon.py - presence - Code")
        assert probe.read(time.time()).app == "code"
    finally:
        probe.close()


@pytest.mark.wayland
def test_sway_going_away_makes_the_probe_unavailable():
    session = start_session()
    try:
        probe = open_probe("sway", session.env)
        probe.read(time.time())
        os.kill(session.pid_of("sway"), 15)
        with pytest.raises(ProbeUnavailable, match="sway"):
            wait_for(lambda: probe.read(time.time()) and False,
                     "the probe to notice that sway is gone")
        with pytest.raises(ProbeUnavailable, match="cannot connect to sway"):
            probe.read(time.time())
        probe.close()
    finally:
        stop_session(session)
