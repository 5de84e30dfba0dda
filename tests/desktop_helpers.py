"""Real headless desktops for the end-to-end tests: sessions, app windows, waiting.

A session is `scripts/desktop-session.sh` (Xvfb, optionally openbox, a private D-Bus bus and
dunst). App windows are real xterm processes copied under a chat app's name, so psutil, the X
server and the window manager all see what they would see for the real app.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from tests.support import without_presence

ROOT = Path(__file__).resolve().parent.parent
SESSION_SCRIPT = ROOT / "scripts" / "desktop-session.sh"
XTERM = shutil.which("xterm") or "/usr/bin/xterm"
T = TypeVar("T")


@dataclass
class DesktopSession:
    """A running headless desktop.

    Attributes:
        display: the X display (`:3`).
        dbus_address: the private session bus (empty without one).
        rundir: the session's private folder (logs, pids, dunst.log).
        env: the environment for processes in this session (os.environ plus the above).
        wm: the window manager (`openbox` or `none`).
    """

    display: str
    dbus_address: str
    rundir: Path
    env: dict[str, str]
    wm: str
    stopped: bool = field(default=False)

    def pid_of(self, program: str) -> int:
        """The pid the session script recorded for `program` (`Xvfb`, `openbox`, ...)."""
        for line in (self.rundir / "pids").read_text().splitlines():
            name, pid = line.split()
            if name == program:
                return int(pid)
        raise KeyError(program)

    def run(self, *args: str, timeout: float = 10.0) -> str:
        """Run a command against this display; its stdout."""
        done = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=True)
        return done.stdout


def require_desktop(reason: str) -> None:
    """Skip a desktop test, or fail it where CI demands the desktop (PRESENCE_REQUIRE_DESKTOP=1)."""
    if os.environ.get("PRESENCE_REQUIRE_DESKTOP") == "1":
        pytest.fail(f"{reason} (PRESENCE_REQUIRE_DESKTOP=1: desktop tests must run)")
    pytest.skip(reason)


def missing_tools(wm: str = "openbox", notifyd: str = "dunst") -> list[str]:
    """The programs a session (and the tests driving it) needs that are not on PATH."""
    tools = ["Xvfb", "xprop", "dbus-daemon", "dbus-send", "xdotool", "xterm"]
    tools += [t for t in (wm, notifyd) if t != "none"]
    return [t for t in tools if shutil.which(t) is None]


def start_session(wm: str = "openbox", notifyd: str = "dunst",
                  dunst_config: Path | None = None) -> DesktopSession:
    """Start a desktop with `scripts/desktop-session.sh start`; skip (or fail) without the tools.

    `dunst_config` is a dunstrc for dunst (`-config`), e.g. one whose `dmenu` is a test's
    picker for notification actions (DESIGN §5).
    """
    missing = missing_tools(wm, notifyd)
    if missing:
        require_desktop("desktop tools missing: " + ", ".join(missing) + " (Debian: apt-get "
                        "install xvfb openbox dbus dunst xdotool x11-utils libnotify-bin xterm)")
    env = dict(os.environ, E2E_WM=wm, E2E_NOTIFYD=notifyd)
    if dunst_config is not None:
        env["E2E_DUNST_CONFIG"] = str(dunst_config)
    done = subprocess.run([str(SESSION_SCRIPT), "start"], env=env, capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        pytest.fail(f"desktop session did not start: {done.stderr.strip()}")
    exported = dict(re.findall(r"^export (\w+)='([^']*)'$", done.stdout, re.MULTILINE))
    # A session may outlive the test that started it: it never carries the caller's PRESENCE_*.
    session_env = without_presence(os.environ)
    session_env.update(exported)
    for key in ("E2E_WM", "E2E_NOTIFYD", "E2E_DUNST_CONFIG", "WAYLAND_DISPLAY"):
        session_env.pop(key, None)
    return DesktopSession(display=exported["DISPLAY"],
                          dbus_address=exported.get("DBUS_SESSION_BUS_ADDRESS", ""),
                          rundir=Path(exported["E2E_RUNDIR"]), env=session_env, wm=wm)


def stop_session(session: DesktopSession) -> None:
    """Stop exactly the processes the session script started."""
    if session.stopped:
        return
    session.stopped = True
    subprocess.run([str(SESSION_SCRIPT), "stop", str(session.rundir)], capture_output=True,
                   timeout=30, check=False)


def wait_for(condition: Callable[[], T], what: str, timeout: float = 10.0,
             every: float = 0.02) -> T:
    """Poll `condition` until it returns something truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


@dataclass
class AppWindow:
    """A real window of a process named like an app."""

    process: subprocess.Popen
    window: int
    name: str
    exe: str
    session: DesktopSession

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def activate(self) -> None:
        """Bring the window in front: through the WM where one runs, else set the input focus."""
        verb = "windowactivate" if self.session.wm != "none" else "windowfocus"
        self.session.run("xdotool", verb, "--sync", str(self.window))

    def close(self) -> None:
        """End the process and wait until its window is gone from the server."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not window_exists(self.session, self.window),
                 f"window {self.window:#x} to disappear")


def window_exists(session: DesktopSession, window: int) -> bool:
    """True while the X server knows `window`."""
    done = subprocess.run(["xprop", "-id", str(window), "WM_CLASS"], env=session.env,
                          capture_output=True, timeout=10, check=False)
    return done.returncode == 0


def open_app_window(session: DesktopSession, folder: Path, name: str, wm_class: str,
                    title: str) -> AppWindow:
    """Open an xterm whose process is called `name`, with WM_CLASS (`name`, `wm_class`).

    Args:
        session: the desktop to open it on.
        folder: where to put the renamed copy of xterm (a test's tmp_path).
        name: the executable's file name, which becomes the process name (`slack`).
        wm_class: the WM_CLASS class (`Slack`).
        title: the window title.
    """
    exe = folder / name
    if not exe.exists():
        shutil.copy2(XTERM, exe)
    process = subprocess.Popen(
        [str(exe), "-name", name, "-class", wm_class, "-title", title, "-e", "cat"],
        env=session.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        found = session.run("xdotool", "search", "--sync", "--onlyvisible", "--pid",
                            str(process.pid), timeout=15)
        window = int(found.split()[0])
        assert psutil.Process(process.pid).name() == name, "psutil sees another process name"
    except BaseException:
        process.kill()
        process.wait()
        raise
    return AppWindow(process, window, name, str(exe), session)


# A window whose owner exits while the window lives on: the client connects, maps a window,
# forks; the child keeps the connection (so the window stays), the parent (the pid the X server
# recorded, and _NET_WM_PID) exits. Prints "<window id> <child pid>".
_ORPHAN = r"""
import os, sys, time
from Xlib import X, Xatom, display
d = display.Display()
w = d.screen().root.create_window(0, 0, 300, 200, 0, d.screen().root_depth)
w.set_wm_class("ghostchat", "GhostChat")
w.set_wm_name(sys.argv[1])
w.change_property(d.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [os.getpid()])
w.map()
d.sync()
child = os.fork()
if child:
    print(w.id, child, flush=True)
    os._exit(0)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)  # let the caller see end-of-file
time.sleep(120)
"""


def open_orphan_window(session: DesktopSession, title: str) -> tuple[int, int]:
    """Open a window whose owning process has exited; returns (window id, keeper pid)."""
    done = subprocess.run([sys.executable, "-c", _ORPHAN, title], env=session.env,
                          capture_output=True, text=True, timeout=15, check=True)
    window, keeper = (int(v) for v in done.stdout.split())
    wait_for(lambda: window_exists(session, window), "the orphan window")
    return window, keeper


def kill_quietly(pid: int) -> None:
    """SIGKILL a process this test started, if it still runs."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Picker:
    """A dunst `dmenu` program for a test: it keeps the menu dunst pipes to it (one action a
    line, like `#Snooze 1 h (title) [2,snooze1h:7]`) and prints the line holding `choice`."""

    folder: Path

    @property
    def program(self) -> Path:
        """The picker's path, for dunstrc's `dmenu`."""
        return self.folder / "picker"

    @property
    def dunstrc(self) -> Path:
        """A dunst config that uses the picker."""
        return self.folder / "dunstrc"

    def choose(self, label: str) -> None:
        """Pick the action whose line holds `label` next time dunst asks."""
        (self.folder / "choice").write_text(label, encoding="utf-8")

    def menu(self) -> str:
        """The menu dunst offered last (empty before it asked)."""
        path = self.folder / "menu.txt"
        return path.read_text(encoding="utf-8") if path.exists() else ""


def make_picker(folder: Path) -> Picker:
    """Write a picker and a dunstrc that uses it into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    picker = Picker(folder)
    picker.program.write_text(
        "#!/bin/sh\n"
        f"cat > '{folder}/menu.txt.part' && mv '{folder}/menu.txt.part' '{folder}/menu.txt'\n"
        f"grep -F -- \"$(cat '{folder}/choice')\" '{folder}/menu.txt' | head -n 1\n",
        encoding="utf-8")
    picker.program.chmod(0o755)
    picker.dunstrc.write_text(f"[global]\n    dmenu = {picker.program}\n", encoding="utf-8")
    picker.choose("no such action")
    return picker
