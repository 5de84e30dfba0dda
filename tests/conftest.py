"""Shared fixtures: every test sealed off from the machine; real headless desktops and real
app windows (see desktop_helpers)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import wayland_helpers
from desktop_helpers import (
    AppWindow,
    DesktopSession,
    open_app_window,
    start_session,
    stop_session,
)
from presence.config import Config
from tests.support import SUITE_CONTROLS, load_config


@pytest.fixture(autouse=True)
def presence_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Seal every test off from the machine: none of the caller's PRESENCE_* variables, its
    own PRESENCE_HOME (not yet created, as on a first run), and the XDG folders under its tmp
    dir, so that nothing a test runs reads or writes the user's config or data.

    Subprocesses inherit this environment; build theirs with `support.sealed_env`.
    """
    for name in list(os.environ):
        if name.startswith("PRESENCE_") and name not in SUITE_CONTROLS:
            monkeypatch.delenv(name)
    home = tmp_path / "presence-home"
    monkeypatch.setenv("PRESENCE_HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "xdg" / name.split("_")[1].lower()))
    return home


@pytest.fixture
def berlin(tmp_path: Path) -> Config:
    """The shipped config in Europe/Berlin (DST on the last Sundays of March and October)."""
    return load_config(tmp_path, 'timezone = "Europe/Berlin"\n')


@pytest.fixture
def config_with(tmp_path: Path) -> Callable[..., Config]:
    """`config_with(toml, tz="Europe/Berlin")`: the shipped config with `toml` on top."""
    def make(extra: str = "", tz: str = "Europe/Berlin") -> Config:
        return load_config(tmp_path, f'timezone = "{tz}"\n{extra}')
    return make


@pytest.fixture
def named_process(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen, Path]]]:
    """Real processes under a name of the test's choosing, the fake at the OS edge that probes
    see: `named_process("slack")` runs a copy of `sleep 60` called slack;
    `named_process("discord", "dash", "-c", script)` another program. Returns the process and
    its executable; every one is killed with its process group afterwards."""
    started: list[subprocess.Popen] = []

    def start(name: str, program: str = "sleep", *args: str) -> tuple[subprocess.Popen, Path]:
        exe = tmp_path / "bin" / name
        exe.parent.mkdir(exist_ok=True)
        shutil.copy2(shutil.which(program) or f"/bin/{program}", exe)
        process = subprocess.Popen([str(exe), *(args or ("60",))], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        started.append(process)
        return process, exe

    yield start
    for process in started:
        if process.poll() is None:
            # a shell's children are in the same new session: end the group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def slack_process(named_process) -> tuple[subprocess.Popen, Path]:
    """A real process named `slack` (a copy of sleep) and its executable."""
    return named_process("slack")


@pytest.fixture(scope="session")
def desktop() -> Iterator[DesktopSession]:
    """Xvfb + openbox + a private D-Bus bus + dunst, shared by the whole test run.

    Skips where the tools are missing, fails instead under PRESENCE_REQUIRE_DESKTOP=1.
    """
    session = start_session("openbox", "dunst")
    try:
        yield session
    finally:
        stop_session(session)


@pytest.fixture(scope="session")
def bare_desktop() -> Iterator[DesktopSession]:
    """Xvfb alone: no window manager (so no EWMH), no bus, no notification server."""
    session = start_session("none", "none")
    try:
        yield session
    finally:
        stop_session(session)


@pytest.fixture
def desktop_factory() -> Iterator[Callable[..., DesktopSession]]:
    """Start private sessions a test may break (kill the X server); all stopped afterwards."""
    sessions: list[DesktopSession] = []

    def start(wm: str = "none", notifyd: str = "none",
              dunst_config: Path | None = None) -> DesktopSession:
        session = start_session(wm, notifyd, dunst_config)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        stop_session(session)


@pytest.fixture
def app_windows(tmp_path: Path) -> Iterator[Callable[..., AppWindow]]:
    """Open real app windows: `app_windows(session, "slack", "Slack", "general | Slack")`.

    Every window still open is closed after the test.
    """
    yield from _closed_afterwards(lambda session, name, wm_class, title: open_app_window(
        session, tmp_path, name, wm_class, title))


@pytest.fixture(scope="session")
def wayland() -> Iterator[wayland_helpers.WaylandSession]:
    """A real headless sway (scripts/wayland-session.sh), shared by the whole test run.

    Skips where sway, foot or swayidle are missing, fails instead under
    PRESENCE_REQUIRE_DESKTOP=1.
    """
    session = wayland_helpers.start_session()
    try:
        yield session
    finally:
        wayland_helpers.stop_session(session)


@pytest.fixture
def wayland_windows(tmp_path: Path) -> Iterator[Callable[..., wayland_helpers.WaylandWindow]]:
    """Open real Wayland windows: `wayland_windows(wayland, "slack", "slack", "general")`
    (process name, app_id, title). Every window still open is closed after the test."""
    yield from _closed_afterwards(
        lambda session, name, app_id, title: wayland_helpers.open_window(
            session, tmp_path, name, app_id, title))


def _closed_afterwards(open_one: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """Yield an opener of windows; kill each window's process still running afterwards."""
    opened = []

    def open_window(*args: Any) -> Any:
        window = open_one(*args)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        if window.process.poll() is None:
            window.process.kill()
            window.process.wait(timeout=10)
