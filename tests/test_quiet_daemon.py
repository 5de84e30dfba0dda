"""A real `presence run` on a real X server (Xvfb + openbox) sleeps on the X socket between
the ticks it must take (presence.pacing), and users see what a daemon waking every interval
showed: the span growing at each flush, a switch and a pause at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from tests.support import read_store, sealed_env

pytestmark = pytest.mark.desktop


def start(env, interval: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "x11",
                             "--interval", interval], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)


def presence(env, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def stored(db: Path):
    """(app, start, end) of each stored span."""
    return read_store(db, lambda store: [(s.app, s.start, s.end)
                                         for s in store.spans(0, 4_000_000_000)]) or []


def wake_ups(pid: int) -> int:
    """How often the daemon's main thread went to sleep and woke (Linux counts it)."""
    status = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("voluntary_ctxt_switches")))


def test_the_span_grows_as_if_sampled_every_tick_but_the_daemon_wakes_for_few(
        desktop, app_windows, tmp_path):
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[daemon]\nflush_seconds = 2\n')
    env = sealed_env(tmp_path, desktop.env)
    slack = app_windows(desktop, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    desktop.run("xdotool", "mousemove", "150", "150")  # someone at work, not away
    db = tmp_path / "presence.db"
    daemon = start(env, "0.2")
    try:
        [(_, _, first)] = wait_for(lambda: (spans := stored(db)) and spans[-1][2] >
                                   spans[-1][1] + 1.0 and spans, "a second of slack stored",
                                   timeout=60, every=0.2)
        woke = wake_ups(daemon.pid)
        # ten seconds more, flushed every two: fifty ticks at 0.2 s
        [(app, _, last)] = wait_for(lambda: (spans := stored(db)) and spans[-1][2] >=
                                    first + 10.0 and spans, "ten more seconds stored",
                                    timeout=90, every=0.2)
        woke = wake_ups(daemon.pid) - woke
    finally:
        stop(daemon)
    ticks = (last - first) / 0.2
    # a tick-by-tick loop sleeps and wakes once a tick; this one at the flushes (every ten
    # ticks here) and the few ticks around them, and the span still reaches each flush
    assert app == "slack"
    assert woke * 2 < ticks, (woke, ticks)


def test_a_switch_and_a_pause_show_at_once_though_flushes_are_ten_minutes_apart(
        desktop, app_windows, tmp_path):
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[daemon]\nflush_seconds = 600\n')
    env = sealed_env(tmp_path, desktop.env)
    slack = app_windows(desktop, "slack", "Slack", "general | Acme - Slack")
    discord = app_windows(desktop, "Discord", "discord", "#random | Friends - Discord")
    slack.activate()
    desktop.run("xdotool", "mousemove", "150", "150")
    daemon = start(env, "0.5")

    def now():
        return json.loads(presence(env, "status", "--json").stdout).get("now") or {}

    try:
        wait_for(lambda: now().get("app") == "slack", "slack in front", timeout=30, every=0.2)
        # the X server tells the sleeping daemon of the switch; a switch is a flush
        discord.activate()
        wait_for(lambda: now().get("app") == "discord", "the switch while the daemon sleeps",
                 timeout=20, every=0.2)
        # `pause` pokes the daemon: the signal ends its wait
        assert presence(env, "pause", "1h").returncode == 0
        wait_for(lambda: now().get("category") == "paused", "the pause while it sleeps",
                 timeout=20, every=0.2)
        assert presence(env, "resume").returncode == 0
        wait_for(lambda: now().get("app") == "discord", "recording again", timeout=20,
                 every=0.2)
        assert daemon.poll() is None
    finally:
        stop(daemon)
    assert daemon.returncode == 0, daemon.stderr.read() if daemon.stderr else ""
