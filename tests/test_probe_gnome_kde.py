"""The GNOME and KDE probes, as far as they can be tried without GNOME Shell or KWin.

GNOME: the Window Calls reply is parsed from tests/fixtures/wayland/gnome_window_calls_list.json
(written from the extension's `List()`: the fields of its extension.js), and the D-Bus plumbing
runs for real against a stand-in for GNOME Shell and Mutter on a private bus. KDE: kdotool's
output is parsed as its templates print it, and the process handling runs a stand-in `kdotool`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from desktop_helpers import require_desktop

from presence.errors import ProbeUnavailable
from presence.probe import kde, open_probe
from presence.probe.gnome import focused_window
from presence.probe.kde import parse_kdotool
from presence.probe.wayland import Window

FIXTURES = Path(__file__).parent / "fixtures" / "wayland"
WINDOW_CALLS = ("/org/gnome/Shell/Extensions/Windows", "org.gnome.Shell.Extensions.Windows")
IDLE_MONITOR = ("/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor")


# -- GNOME -----------------------------------------------------------------------------------------

def test_the_focused_window_in_a_window_calls_list():
    text = (FIXTURES / "gnome_window_calls_list.json").read_text()
    assert focused_window(text) == (2912203917, Window(
        app_id="Slack", instance="slack", title="general | Acme - Slack", pid=4194341))
    nothing = [dict(w, focus=False) for w in json.loads(text)]
    assert focused_window(json.dumps(nothing)) is None
    with pytest.raises(ValueError):
        focused_window('{"not": "a list"}')


@pytest.fixture
def private_bus(tmp_path):
    """A private D-Bus session bus; its address."""
    if shutil.which("dbus-daemon") is None:
        require_desktop("dbus-daemon missing (Debian: apt-get install dbus)")
    config = tmp_path / "bus.conf"
    config.write_text(
        "<!DOCTYPE busconfig PUBLIC '-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN' "
        "'http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd'><busconfig>"
        f"<type>session</type><listen>unix:dir={tmp_path}</listen>"
        "<policy context='default'><allow send_destination='*' eavesdrop='true'/>"
        "<allow eavesdrop='true'/><allow own='*'/></policy></busconfig>")
    daemon = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork",
                               "--print-address=1"], stdout=subprocess.PIPE, text=True)
    address = daemon.stdout.readline().strip()
    yield address
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=10)


class StandIn:
    """Owns bus names and answers method calls from a table: (path, interface, member) →
    (signature, body), or an error name."""

    def __init__(self, address: str, names: list[str], table: dict) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.table = table
        self.calls: list[str] = []
        self.conn = open_dbus_connection(bus=address)
        for name in names:
            self.conn.send_and_get_reply(message_bus.RequestName(name))
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from jeepney import MessageType, new_error, new_method_return

        while not self.stopping.is_set():
            try:
                msg = self.conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            if msg.header.message_type != MessageType.method_call:
                continue
            fields = msg.header.fields
            key = tuple(fields.get(k) for k in (1, 2, 3))  # path, interface, member
            self.calls.append(key[2])
            answer = self.table.get(key, "org.freedesktop.DBus.Error.UnknownMethod")
            if isinstance(answer, str):
                self.conn.send(new_error(msg, answer, "s", ("no such method",)))
            else:
                self.conn.send(new_method_return(msg, *answer))

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.conn.close()


def window_list(pid: int, with_titles: bool = True) -> str:
    windows = json.loads((FIXTURES / "gnome_window_calls_list.json").read_text())
    for window in windows:
        window["pid"] = pid if window["focus"] else window["pid"]
        if not with_titles:
            del window["title"]  # Window Calls before version 10 listed no titles
    return json.dumps(windows)


def test_gnome_through_window_calls_and_mutter(private_bus, slack_process):
    process, exe = slack_process
    table = {(*WINDOW_CALLS, "List"): ("s", (window_list(process.pid),)),
             (*IDLE_MONITOR, "GetIdletime"): ("t", (12345,))}
    shell = StandIn(private_bus, ["org.gnome.Shell", "org.gnome.Mutter.IdleMonitor"], table)
    probe = open_probe("gnome", {"DBUS_SESSION_BUS_ADDRESS": private_bus})
    try:
        sample = probe.read(1000.0)
        assert (sample.app, sample.title, sample.pid, sample.exe, sample.idle) == (
            "slack", "general | Acme - Slack", process.pid, str(exe), 12.345)
        assert probe.idle_fix is None
        # an older Window Calls: the title comes from GetTitle(id)
        table[(*WINDOW_CALLS, "List")] = ("s", (window_list(process.pid, with_titles=False),))
        table[(*WINDOW_CALLS, "GetTitle")] = ("s", ("random | Acme - Slack",))
        assert probe.read(1001.0).title == "random | Acme - Slack"
        # Mutter without its idle monitor: the window still counts, idle is unknown
        del table[(*IDLE_MONITOR, "GetIdletime")]
        sample = probe.read(1002.0)
        assert (sample.app, sample.idle) == ("slack", None)
        assert "IdleMonitor" in probe.idle_fix
    finally:
        probe.close()
        shell.stop()


def test_gnome_without_the_extension_says_what_to_install(private_bus):
    shell = StandIn(private_bus, ["org.gnome.Shell"], {})
    probe = open_probe("gnome", {"DBUS_SESSION_BUS_ADDRESS": private_bus})
    try:
        with pytest.raises(ProbeUnavailable, match=r"install \"Window Calls\".*4724"):
            probe.read(time.time())
    finally:
        probe.close()
        shell.stop()


def test_gnome_without_gnome_shell_or_bus(private_bus):
    probe = open_probe("gnome", {"DBUS_SESSION_BUS_ADDRESS": private_bus})
    with pytest.raises(ProbeUnavailable, match="GNOME Shell is not on this session bus"):
        probe.read(time.time())
    probe.close()
    with pytest.raises(ProbeUnavailable, match="DBUS_SESSION_BUS_ADDRESS is not set"):
        open_probe("gnome", {})
    probe = open_probe("gnome", {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"})
    with pytest.raises(ProbeUnavailable, match="cannot reach the D-Bus session bus"):
        probe.read(time.time())
    probe.close()


# -- KDE -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("output", "window"), [
    ("slack\n4242\ngeneral | Acme - Slack\n",
     Window(app_id="slack", title="general | Acme - Slack", pid=4242)),
    ("org.kde.konsole\n77\n~ : bash — Konsole\n",
     Window(app_id="org.kde.konsole", title="~ : bash — Konsole", pid=77)),
    ("discord\n0\ntwo\nlines\n", Window(app_id="discord", title="two\nlines", pid=None)),
    ("signal\n", Window(app_id="signal")),
    ("", None),
    ("\n", None),
])
def test_parse_kdotool(output, window):
    assert parse_kdotool(output) == window


def fake_kdotool(folder: Path, script: str) -> dict[str, str]:
    """A stand-in `kdotool` on PATH; the environment to find it (and no swayidle)."""
    program = folder / "kdotool"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    return {"PATH": str(folder), "FAKE_ARGS": str(folder / "args")}


def test_kde_through_kdotool(tmp_path, slack_process):
    process, exe = slack_process
    env = fake_kdotool(tmp_path, 'echo "$@" > "$FAKE_ARGS"\n'
                                 f"printf 'Slack\\n{process.pid}\\ngeneral | Acme - Slack\\n'\n")
    probe = open_probe("kde", env)
    try:
        sample = probe.read(1000.0)
        assert (sample.app, sample.title, sample.pid, sample.exe) == (
            "slack", "general | Acme - Slack", process.pid, str(exe))
        assert (tmp_path / "args").read_text().split() == list(kde.COMMAND)
        assert sample.idle is None and "install swayidle" in probe.idle_fix
    finally:
        probe.close()


def test_kde_failures_are_unavailable(tmp_path, monkeypatch):
    env = fake_kdotool(tmp_path, "echo 'Error: org.kde.KWin not on the bus' >&2\nexit 1\n")
    with pytest.raises(ProbeUnavailable, match="kdotool failed: Error: org.kde.KWin"):
        open_probe("kde", env).read(time.time())
    env = fake_kdotool(tmp_path, f"exec {shutil.which('sleep')} 30\n")
    monkeypatch.setattr(kde, "KDOTOOL_TIMEOUT_SECONDS", 0.2)
    with pytest.raises(ProbeUnavailable, match="did not answer"):
        open_probe("kde", env).read(time.time())
    with pytest.raises(ProbeUnavailable, match="install kdotool"):
        open_probe("kde", {"PATH": os.devnull})
