"""The Hyprland probe: parsing `j/activewindow` replies, finding the socket, and the socket
client against a small Unix-socket server that answers like Hyprland.

No Hyprland runs here. The fixtures under tests/fixtures/wayland/hyprland_*.json are written
from the JSON that Hyprland's `HyprCtl.cpp` (`getWindowData`, `activeWindowRequest`) produces:
the current layout, the v0.35 layout of an XWayland window, and `{}` for no active window.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from presence.errors import ProbeUnavailable
from presence.probe import open_probe
from presence.probe.hyprland import parse_active_window, socket_path
from presence.probe.wayland import Window

FIXTURES = Path(__file__).parent / "fixtures" / "wayland"
SIGNATURE = "c5e28ebcfe00a510922779b2c568cfa52a317445_1717000000_1234567890"


def reply(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("name", "window"), [
    ("hyprland_activewindow.json",
     Window(app_id="Slack", title="general | Acme - Slack", pid=4194330)),
    ("hyprland_activewindow_xwayland_v0.35.json",
     Window(app_id="discord", title="#random | Friends - Discord", pid=4194331)),
    ("hyprland_activewindow_none.json", None),
])
def test_parse_active_window(name, window):
    assert parse_active_window(reply(name)) == window


def test_a_window_without_class_falls_back_to_its_initial_class():
    assert parse_active_window(b'{"class": "", "initialClass": "signal", "title": "", '
                               b'"pid": -1}') == Window(app_id="signal")


@pytest.mark.parametrize("answer", [b"Invalid", b"unknown request", b"", b"[]"])
def test_answers_that_are_not_a_window_are_refused(answer):
    with pytest.raises(ValueError, match="Hyprland's answer"):
        parse_active_window(answer)


def test_socket_path(tmp_path):
    env = {"HYPRLAND_INSTANCE_SIGNATURE": SIGNATURE, "XDG_RUNTIME_DIR": str(tmp_path)}
    modern = tmp_path / "hypr" / SIGNATURE / ".socket.sock"
    # nothing there yet (Hyprland still starting): the current location
    assert socket_path(env) == str(modern)
    modern.parent.mkdir(parents=True)
    modern.touch()
    assert socket_path(env) == str(modern)
    # Hyprland before 0.40 kept it under /tmp/hypr
    assert socket_path({"HYPRLAND_INSTANCE_SIGNATURE": SIGNATURE}) == (
        f"/tmp/hypr/{SIGNATURE}/.socket.sock")
    with pytest.raises(ProbeUnavailable, match="HYPRLAND_INSTANCE_SIGNATURE is not set"):
        socket_path({"XDG_RUNTIME_DIR": str(tmp_path)})


class FakeHyprland:
    """Answers each connection like Hyprland's request socket: read a request, write, close."""

    def __init__(self, path: Path, answers: dict[bytes, bytes]) -> None:
        self.answers = answers
        self.requests: list[bytes] = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                request = conn.recv(1024)
                self.requests.append(request)
                conn.sendall(self.answers.get(request, b"unknown request"))

    def stop(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def hypr_env():
    # a short runtime folder, as /run/user/UID is: socket paths end at 107 bytes
    runtime = Path(tempfile.mkdtemp(prefix="hy", dir="/tmp"))
    folder = runtime / "hypr" / SIGNATURE
    folder.mkdir(parents=True)
    # PATH without swayidle: idle stays unknown and nothing is started
    yield {"HYPRLAND_INSTANCE_SIGNATURE": SIGNATURE, "XDG_RUNTIME_DIR": str(runtime),
           "PATH": "/nonexistent"}, folder / ".socket.sock"
    shutil.rmtree(runtime)


def test_the_probe_asks_hyprland_once_per_sample(hypr_env, slack_process):
    env, path = hypr_env
    process, exe = slack_process
    active = reply("hyprland_activewindow.json").replace(b"4194330", str(process.pid).encode())
    server = FakeHyprland(path, {b"j/activewindow": active})
    probe = open_probe("hyprland", env)
    try:
        sample = probe.read(1000.0)
        assert (sample.at, sample.app, sample.title, sample.pid, sample.exe) == (
            1000.0, "slack", "general | Acme - Slack", process.pid, str(exe))
        assert sample.idle is None and "install swayidle" in probe.idle_fix
        server.answers[b"j/activewindow"] = reply("hyprland_activewindow_none.json")
        assert probe.read(1001.0).app is None
        # the owner is gone: a partial sample named from the window class
        server.answers[b"j/activewindow"] = reply("hyprland_activewindow_xwayland_v0.35.json")
        sample = probe.read(1002.0)
        assert (sample.app, sample.pid, sample.exe) == ("discord", None, None)
        assert server.requests == [b"j/activewindow"] * 3
    finally:
        probe.close()
        server.stop()


def test_hyprland_gone_or_confused_is_unavailable(hypr_env):
    env, path = hypr_env
    probe = open_probe("hyprland", env)
    with pytest.raises(ProbeUnavailable, match="cannot reach Hyprland"):
        probe.read(time.time())
    server = FakeHyprland(path, {})
    try:
        with pytest.raises(ProbeUnavailable, match="not JSON"):
            probe.read(time.time())
    finally:
        server.stop()
    probe.close()
