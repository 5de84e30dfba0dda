"""A real headless sway for the Wayland tests: sessions, app windows, focus and input.

A session is `scripts/wayland-session.sh` (sway on wlroots' headless backend with software
rendering; as root, sway runs as `nobody` while the clients stay root). App windows are real
`foot` terminals copied under a chat app's name and started with a chosen `--app-id`, so psutil
and sway see what they would see for the real app.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from desktop_helpers import require_desktop, wait_for

from tests.support import without_presence

ROOT = Path(__file__).resolve().parent.parent
SESSION_SCRIPT = ROOT / "scripts" / "wayland-session.sh"
DEBIAN = "apt-get install sway foot swayidle wayland-utils wtype"


@dataclass
class WaylandSession:
    """A running headless sway.

    Attributes:
        rundir: the session's private folder (sway.log, pids).
        env: the environment for clients of this session (WAYLAND_DISPLAY, SWAYSOCK,
            XDG_RUNTIME_DIR; no DISPLAY, so nothing reaches an X server by mistake).
    """

    rundir: Path
    env: dict[str, str]
    stopped: bool = field(default=False)

    @property
    def swaysock(self) -> str:
        """sway's IPC socket."""
        return self.env["SWAYSOCK"]

    def swaymsg(self, *args: str, timeout: float = 10.0) -> str:
        """Run `swaymsg ARGS` against this sway; its stdout (fails the test on an error)."""
        done = subprocess.run(["swaymsg", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert done.returncode == 0, f"swaymsg {args} failed: {done.stdout} {done.stderr}"
        return done.stdout

    def tree(self) -> dict[str, Any]:
        """sway's GET_TREE, through swaymsg."""
        return json.loads(self.swaymsg("-r", "-t", "get_tree"))

    def views(self) -> list[dict[str, Any]]:
        """Every application window in the tree."""
        found: list[dict[str, Any]] = []

        def walk(node: dict[str, Any]) -> None:
            if node.get("pid"):
                found.append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(self.tree())
        return found

    def focus(self, app_id: str) -> None:
        """Give the keyboard focus to the window with that app_id (as a user's click would)."""
        self.swaymsg(f'[app_id="{app_id}"] focus')

    def touch(self) -> None:
        """User input: move the pointer (resets idle time, DESIGN §5)."""
        self.swaymsg("seat", "-", "cursor", "move", "0", "0")

    def press_key(self) -> None:
        """User input: press and release Shift in the focused window (a virtual keyboard)."""
        done = subprocess.run(["wtype", "-k", "Shift_L"], env=self.env, capture_output=True,
                              text=True, timeout=10, check=False)
        assert done.returncode == 0, f"wtype failed: {done.stderr}"

    def pid_of(self, program: str) -> int:
        """The pid the session script recorded for `program` (`sway`)."""
        for line in (self.rundir / "pids").read_text().splitlines():
            name, pid = line.split()
            if name == program:
                return int(pid)
        raise KeyError(program)


def missing_tools() -> list[str]:
    """The programs the Wayland tests need that are not on PATH."""
    tools = ["sway", "swaymsg", "foot", "swayidle", "wtype"]
    if os.geteuid() == 0:
        tools.append("setpriv")  # the script runs sway as nobody: sway 1.7 refuses root
    return [t for t in tools if shutil.which(t) is None]


def start_session() -> WaylandSession:
    """Start sway with `scripts/wayland-session.sh start`; skip (or fail) without the tools."""
    missing = missing_tools()
    if missing:
        require_desktop("Wayland tools missing: " + ", ".join(missing) + f" (Debian: {DEBIAN})")
    done = subprocess.run([str(SESSION_SCRIPT), "start"], capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"sway did not start: {done.stderr.strip()}")
    exported = dict(re.findall(r"^export (\w+)='([^']*)'$", done.stdout, re.MULTILINE))
    env = {k: v for k, v in without_presence(os.environ).items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE")}
    env.update(exported)
    return WaylandSession(rundir=Path(exported.pop("E2E_RUNDIR")), env=env)


def stop_session(session: WaylandSession) -> None:
    """Stop exactly the processes the session script started."""
    if session.stopped:
        return
    session.stopped = True
    subprocess.run([str(SESSION_SCRIPT), "stop", str(session.rundir)], capture_output=True,
                   timeout=30, check=False)


@dataclass
class WaylandWindow:
    """A real Wayland window of a process named like an app."""

    process: subprocess.Popen
    con_id: int
    name: str
    app_id: str
    title: str
    exe: str

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def close(self) -> None:
        """End the process (its window goes with it)."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def open_window(session: WaylandSession, folder: Path, name: str, app_id: str,
                title: str) -> WaylandWindow:
    """Open a foot terminal whose process is called `name`, with `app_id` and `title`.

    Returns once sway maps it (new windows take the focus).
    """
    exe = folder / name
    if not exe.exists():
        shutil.copy2(shutil.which("foot") or "/usr/bin/foot", exe)
    process = subprocess.Popen([str(exe), "--app-id", app_id, "--title", title, "cat"],
                               env=session.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        view = wait_for(lambda: next((v for v in session.views() if v["pid"] == process.pid),
                                     None), f"sway to map {name}'s window", timeout=15)
        assert psutil.Process(process.pid).name() == name, "psutil sees another process name"
    except BaseException:
        process.kill()
        process.wait()
        raise
    return WaylandWindow(process, int(view["id"]), name, app_id, title, str(exe))
