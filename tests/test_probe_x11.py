"""The X11 probe on a real X server (Xvfb), with and without a real window manager (openbox).

Windows belong to real processes named like chat apps (renamed copies of xterm), so the pid,
process name and executable the probe reports come from the X server and psutil, not from mocks.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys

import psutil
import pytest
from desktop_helpers import kill_quietly, open_orphan_window, wait_for

from presence.errors import ProbeUnavailable
from presence.probe.x11 import X11Probe

pytestmark = pytest.mark.desktop

_clock = itertools.count(1_000_000)  # sample times: explicit, increasing


def now() -> float:
    return float(next(_clock))


@pytest.fixture
def probe(desktop):
    opened = X11Probe(desktop.display)
    yield opened
    opened.close()


def test_reports_the_active_window(desktop, app_windows, probe):
    slack = app_windows(desktop, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    at = now()
    sample = probe.read(at)
    assert sample.at == at
    assert (sample.app, sample.title, sample.exe, sample.pid) == (
        "slack", "general | Acme - Slack", slack.exe, slack.pid)
    assert sample.idle is not None and sample.idle >= 0


def test_switching_windows_and_titles(desktop, app_windows, probe):
    slack = app_windows(desktop, "slack", "Slack", "general | Slack")
    discord = app_windows(desktop, "Discord", "discord", "#random | Friends - Discord")
    slack.activate()
    assert probe.read(now()).app == "slack"
    discord.activate()
    sample = probe.read(now())
    assert (sample.app, sample.title, sample.pid, sample.exe) == (
        "discord", "#random | Friends - Discord", discord.pid, discord.exe)
    desktop.run("xdotool", "set_window", "--name", "#general | Friends - Discord",
                str(discord.window))
    wait_for(lambda: probe.read(now()).title == "#general | Friends - Discord",
             "the new title to show", timeout=5)
    slack.activate()
    assert probe.read(now()).app == "slack"


def test_a_generic_host_is_named_by_its_window_class(desktop, app_windows, probe):
    # an Electron app started by the system's electron binary
    signal_app = app_windows(desktop, "electron", "Signal", "Signal")
    signal_app.activate()
    sample = probe.read(now())
    assert (sample.app, sample.pid, sample.exe) == ("signal", signal_app.pid, signal_app.exe)


def test_a_window_closed_between_reads(desktop, app_windows, probe):
    code = app_windows(desktop, "code", "Code", "main.py - Visual Studio Code")
    slack = app_windows(desktop, "slack", "Slack", "general | Slack")
    code.activate()
    slack.activate()
    assert probe.read(now()).app == "slack"
    slack.close()
    sample = probe.read(now())  # never an exception
    assert sample.app in ("code", None)
    assert sample.pid != slack.pid


def test_an_active_window_that_does_not_exist(desktop, app_windows, probe):
    """A window manager that names a window that just vanished: a partial sample."""
    from Xlib import Xatom, display

    slack = app_windows(desktop, "slack", "Slack", "general | Slack")
    slack.activate()
    assert probe.read(now()).app == "slack"
    conn = display.Display(desktop.display)
    try:
        root = conn.screen().root
        active = conn.intern_atom("_NET_ACTIVE_WINDOW")
        gone = root.create_window(0, 0, 10, 10, 0, conn.screen().root_depth)
        gone.destroy()
        root.change_property(active, Xatom.WINDOW, 32, [gone.id])
        conn.sync()
        sample = probe.read(now())
        assert (sample.app, sample.title, sample.pid, sample.exe) == (None, None, None, None)
        assert sample.idle is not None
    finally:
        # the window manager catches up (openbox still has slack focused, so it would not)
        root.change_property(active, Xatom.WINDOW, 32, [slack.window])
        conn.sync()
        conn.close()
    assert probe.read(now()).app == "slack"


def test_a_window_whose_process_exited(desktop, probe):
    """The pid the X server knows is gone: the app comes from WM_CLASS, pid and exe are None."""
    window, keeper = open_orphan_window(desktop, "Ghost chat")
    try:
        desktop.run("xdotool", "windowactivate", "--sync", str(window))
        sample = probe.read(now())
        assert (sample.app, sample.title, sample.pid, sample.exe) == (
            "ghostchat", "Ghost chat", None, None)
    finally:
        kill_quietly(keeper)


def test_idle_grows_without_input_and_resets_on_input(desktop, probe):
    desktop.run("xdotool", "mousemove", "100", "100")
    start = probe.read(now()).idle
    assert start is not None and start < 5
    later = wait_for(lambda: (s := probe.read(now())).idle >= start + 0.5 and s,
                     "idle time to grow", timeout=5)
    desktop.run("xdotool", "mousemove", "300", "200")
    after = probe.read(now()).idle
    assert after is not None and after < later.idle and after < 1.0


def test_below_the_idle_limit_the_server_is_not_asked_again(desktop, probe):
    # the daemon needs the idle time only to tell whether it passed `idle_seconds`: below
    # that the probe answers with the bound the last answer gives (issue 18: a quiet daemon)
    probe.idle_limit = 180.0
    desktop.run("xdotool", "mousemove", "100", "100")
    first = probe.read(1_000.0).idle
    assert first is not None and first < 5
    desktop.run("xdotool", "mousemove", "300", "200")  # input the probe does not ask about
    assert probe.read(1_010.0).idle == pytest.approx(first + 10)
    # once the bound would pass the limit the server is asked: the input above shows
    asked = probe.read(1_000.0 + 181).idle
    assert asked is not None and asked < 5


def test_idle_past_the_limit_is_asked_on_every_sample_so_a_return_shows_at_once(desktop, probe):
    probe.idle_limit = 0.5
    desktop.run("xdotool", "mousemove", "100", "100")
    away = wait_for(lambda: (s := probe.read(now())).idle > 0.5 and s, "the idle limit to pass",
                    timeout=10)
    assert away.idle < 60  # the server's answer, not a bound grown by the test's clock
    desktop.run("xdotool", "mousemove", "300", "200")
    back = probe.read(now()).idle
    assert back is not None and back < away.idle and back < 0.5


def test_without_a_window_manager_the_input_focus_decides(bare_desktop, app_windows):
    probe = X11Probe(bare_desktop.display)
    try:
        slack = app_windows(bare_desktop, "slack", "Slack", "general | Slack")
        telegram = app_windows(bare_desktop, "telegram-desktop", "TelegramDesktop", "Telegram (3)")
        slack.activate()
        sample = probe.read(now())
        assert (sample.app, sample.title, sample.pid) == ("slack", "general | Slack", slack.pid)
        telegram.activate()
        sample = probe.read(now())
        assert (sample.app, sample.title, sample.pid, sample.exe) == (
            "telegram-desktop", "Telegram (3)", telegram.pid, telegram.exe)
        telegram.close()  # the focus reverts to the root: whatever is under the pointer
        assert probe.read(now()).pid != telegram.pid
    finally:
        probe.close()


def test_a_dead_x_server_makes_the_probe_unavailable(desktop_factory):
    session = desktop_factory("none", "none")
    probe = X11Probe(session.display)
    try:
        assert probe.read(now()).idle is not None
        xvfb = session.pid_of("Xvfb")
        os.kill(xvfb, signal.SIGKILL)
        wait_for(lambda: not psutil.pid_exists(xvfb)
                 or psutil.Process(xvfb).status() == psutil.STATUS_ZOMBIE, "Xvfb to die")
        with pytest.raises(ProbeUnavailable, match="lost the X display"):
            probe.read(now())
        # the next read tries to connect again, and says why it cannot
        with pytest.raises(ProbeUnavailable, match="cannot open X display"):
            probe.read(now())
    finally:
        probe.close()


def _wm_name(desktop, window: int) -> str:
    return desktop.run("xprop", "-id", str(window), "WM_NAME")


def test_an_xterm_title_in_compound_text_is_decoded_and_classified(desktop, app_windows, probe,
                                                                    tmp_path):
    # Issue 13: xterm writes a non-Latin-1 title as COMPOUND_TEXT; it was stored with its
    # escape bytes and classified `other`.
    title = "(3) WhatsApp — Mozilla Firefox"
    firefox = app_windows(desktop, "firefox", "Firefox", title)
    assert "WM_NAME(COMPOUND_TEXT)" in _wm_name(desktop, firefox.window)
    firefox.activate()
    assert probe.read(now()).title == title
    # as a user meets it: the daemon's own dry run classifies the window it sees
    env = {k: v for k, v in desktop.env.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(tmp_path / "home")
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--dry-run", "--probe",
                               "x11", "--interval", "0.5"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        line = wait_for(lambda: daemon.stdout.readline(), "a dry-run line", timeout=60)
        assert "firefox" in line and "messaging" in line and "chat in a browser" in line, line
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


@pytest.mark.parametrize("locale, fmt, raw, title", [
    ("C.UTF-8", "8t", "Привет — WhatsApp".encode(), "Привет — WhatsApp"),
    ("C.UTF-8", "8t", "Ελληνικά · 日本語 · 한국어".encode(), "Ελληνικά · 日本語 · 한국어"),
    ("C", "8s", b"Caf\xe9 \xabWhatsApp\xbb", "Café «WhatsApp»"),
], ids=["cyrillic", "greek-and-cjk", "latin-1-string"])
def test_titles_set_with_xprop_read_like_the_window_manager_shows_them(
        desktop, app_windows, probe, locale, fmt, raw, title):
    chat = app_windows(desktop, "slack", "Slack", "placeholder")
    env = dict(desktop.env, LC_ALL=locale)
    subprocess.run([b"xprop", b"-id", str(chat.window).encode(), b"-remove", b"_NET_WM_NAME"],
                   env=env, check=True, timeout=10)
    subprocess.run([b"xprop", b"-id", str(chat.window).encode(), b"-f", b"WM_NAME", fmt.encode(),
                    b"-set", b"WM_NAME", raw], env=env, check=True, timeout=10)
    kind = "COMPOUND_TEXT" if fmt == "8t" else "STRING"
    assert f"WM_NAME({kind})" in _wm_name(desktop, chat.window)
    chat.activate()
    assert wait_for(lambda: probe.read(now()).title == title, f"the {kind} title", timeout=10)


def test_a_web_app_in_a_browser_is_counted_under_its_own_name(desktop, app_windows, tmp_path):
    # Issue 13: WhatsApp in Firefox was `firefox` in the summary, beside firefox for the
    # rest of the browsing; the nudge already called it WhatsApp
    import json

    from desktop_helpers import wait_for as until

    from tests.support import read_store, sealed_env

    home = tmp_path / "home"
    env = sealed_env(home, base=desktop.env)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[daemon]\nflush_seconds = 1\n", encoding="utf-8")
    chat = app_windows(desktop, "firefox", "Firefox", "(3) WhatsApp — Mozilla Firefox")
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "x11",
                               "--interval", "0.5"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        chat.activate()
        in_front = lambda: read_store(home / "presence.db",  # noqa: E731
                                      lambda s: s.in_front()) or (0, 0, None, None)
        now_app = lambda: in_front()[2]  # noqa: E731
        until(lambda: now_app() == "whatsapp in firefox", "the web app in front", timeout=60)
        desktop.run("xdotool", "set_window", "--name", "Release notes — Mozilla Firefox",
                    str(chat.window))
        until(lambda: now_app() == "firefox", "the browser in front", timeout=60)
        # the browser's span as flushed (every second) holds a few samples of it
        until(lambda: (span := in_front())[2] == "firefox" and span[1] - span[0] >= 1.5,
              "a few samples of the browser", timeout=60)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    done = subprocess.run([sys.executable, "-m", "presence", "summary", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    apps = {(a["app"], a["category"]) for a in json.loads(done.stdout)["apps"]}
    assert ("whatsapp in firefox", "messaging") in apps and ("firefox", "other") in apps
    assert ("firefox", "messaging") not in apps


def _readable(fd: int, timeout: float) -> bool:
    import select

    return bool(select.select([fd], [], [], timeout)[0])


def test_quiet_until_names_the_socket_and_the_moment_idle_could_reach_the_limit(
        desktop, app_windows, probe):
    # the daemon sleeps on the socket until then instead of reading every interval
    # (presence.pacing): a title change is an event on it, and the next read shows it
    probe.idle_limit = 180.0
    slack = app_windows(desktop, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    desktop.run("xdotool", "mousemove", "120", "120")
    wait_for(lambda: probe.read(1_000.0).app == "slack", "slack in front")
    first = probe.read(1_000.0)
    quiet = wait_for(lambda: probe.quiet_until(), "nothing left to read")
    fd, until = quiet
    # every read at 1000 s after the first answers with that answer's bound: the idle time
    assert first.idle is not None and first.idle < 60
    assert until == pytest.approx(1_000.0 + 180.0 - first.idle)
    assert not _readable(fd, 0.3)
    desktop.run("xdotool", "set_window", "--name", "random | Acme - Slack", str(slack.window))
    assert wait_for(lambda: _readable(fd, 1.0), "the title change to arrive on the socket")
    assert probe.read(1_001.0).title == "random | Acme - Slack"


def test_no_quiet_while_the_user_is_away_so_a_return_shows_at_the_next_read(desktop, probe):
    probe.idle_limit = 0.5
    desktop.run("xdotool", "mousemove", "100", "100")
    probe.read(now())
    assert wait_for(lambda: probe.read(now()).idle > 0.5, "the idle limit to pass", timeout=10)
    assert probe.quiet_until() is None


def test_no_quiet_without_a_window_manager(bare_desktop, app_windows):
    # without EWMH the input focus is asked at every read: nothing tells of its moves
    probe = X11Probe(bare_desktop.display)
    try:
        probe.idle_limit = 180.0
        probe.read(now())
        probe.read(now())
        assert probe.quiet_until() is None
    finally:
        probe.close()
