"""`bar`, `pause`, `resume`, bare `snooze` and `status` through the real CLI, in processes,
with a real daemon where one matters."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from tests.support import noon_zone, sealed_env

from presence.glance import bar
from presence.store import Store


def sealed(home: Path, **extra: str) -> dict[str, str]:
    """A presence subprocess's environment on `home`, with no desktop session to reach."""
    env = sealed_env(home, TZ="UTC", **extra)
    for name in ("DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY", "DISPLAY", "BROWSER"):
        if name not in extra:
            env.pop(name, None)
    return env


def run(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env, input=stdin)


class Lines:
    """Lines of a child's stdout, read with a deadline (never a sleep)."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.buffer = b""

    def next(self, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            assert left > 0, f"no line within {timeout} s (have {self.buffer!r})"
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, f"the bar exited: {self.process.stderr.read()}"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()


def start(env, *args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "presence", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def daemon(tmp_path):
    """A real daemon (`presence run --probe none`) on tmp_path, sampling every second."""
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[daemon]\ninterval_seconds = 1\n')
    env = sealed(tmp_path)
    process = start(env, "run", "--probe", "none")
    wait_for(lambda: json.loads(run(env, "status", "--json").stdout)["now"] is not None,
             "the daemon's first sample", timeout=30, every=0.2)
    yield process
    stop(process)


def test_status_json_shows_snooze_pause_and_the_sample_the_bar_shows(tmp_path, daemon):
    env = sealed(tmp_path)
    assert run(env, "snooze", "2h").returncode == 0
    assert run(env, "pause", "30m").returncode == 0
    # the daemon takes the pause on its next sample
    status = wait_for(lambda: (s := json.loads(run(env, "status", "--json").stdout))["now"][
        "category"] == "paused" and s, "the daemon to record the pause", timeout=20, every=0.2)
    shown = json.loads(run(env, "bar", "--format", "waybar").stdout)
    assert status["running"] and status["pid"] == daemon.pid
    assert status["now"]["category"] == "paused" and status["now"]["app"] is None
    assert status["now"]["since"].endswith("Z")
    for key in ("snoozed_until", "paused_until"):
        assert status[key].endswith("Z") and len(status[key]) == 20
    assert status["state"] == shown["class"] == "paused"
    text = run(env, "status").stdout
    assert "paused until" in text and "snoozed until" in text
    assert shown["text"].startswith("paused until ")
    assert run(env, "resume").stdout.startswith("resumed")
    wait_for(lambda: json.loads(run(env, "status", "--json").stdout)["now"]["category"]
             != "paused", "the daemon to record again", timeout=20, every=0.2)
    status = json.loads(run(env, "status", "--json").stdout)
    assert status["paused_until"] is None and status["state"] == "snoozed"


def test_a_pause_given_while_the_daemon_runs_takes_effect_within_one_interval(tmp_path):
    """The daemon no longer asks the store every sample whether it is paused: `pause` and
    `resume` poke it. With flushes ten minutes apart, only the poke can make the pause show
    within the deadline."""
    (tmp_path / "config.toml").write_text(
        'timezone = "UTC"\n[daemon]\ninterval_seconds = 1\nflush_seconds = 600\n')
    env = sealed(tmp_path)
    process = start(env, "run", "--probe", "none")
    try:
        def category():
            return (json.loads(run(env, "status", "--json").stdout)["now"] or {}).get("category")

        wait_for(lambda: category() == "other", "the daemon's first sample", timeout=30,
                 every=0.2)
        assert run(env, "pause", "1h").returncode == 0
        wait_for(lambda: category() == "paused", "the pause within a sample", timeout=20,
                 every=0.2)
        assert run(env, "resume").returncode == 0
        wait_for(lambda: category() == "other", "recording again within a sample",
                 timeout=20, every=0.2)
        assert process.poll() is None, "the poke must not end the daemon"
    finally:
        stop(process)
    assert process.returncode == 0


def test_a_config_typo_does_not_hide_the_running_daemon(tmp_path, daemon):
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[daemon]\nintervall = 5\n')
    env = sealed(tmp_path)
    done = run(env, "status")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"presence is running (pid {daemon.pid})")
    assert lines[-1].startswith("config error") and "intervall" in lines[-1]
    assert json.loads(run(env, "status", "--json").stdout)["config_error"]
    stop(daemon)
    done = run(env, "status")
    assert done.returncode == 2 and "intervall" in done.stdout


def test_bare_snooze_shows_the_snooze_that_is_on(tmp_path):
    env = sealed(tmp_path)
    assert run(env, "snooze").stdout.startswith("not snoozed")
    run(env, "snooze", "90m")
    shown = run(env, "snooze").stdout
    assert shown.startswith("snoozed until ") and "snooze off" in shown
    run(env, "snooze", "off")
    assert run(env, "snooze").stdout.startswith("not snoozed")
    bad = run(env, "pause", "soon")
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_bar_follow_prints_a_line_only_when_text_or_class_changes(tmp_path):
    if time.time() % 86400 < 3600:
        pytest.skip("the logged time would reach into yesterday (UTC)")
    (tmp_path / "config.toml").write_text('timezone = "UTC"\n[daemon]\ninterval_seconds = 1\n')
    env = sealed(tmp_path)
    run(env, "snooze", "off")  # creates the database
    follower = start(env, "bar", "--format", "waybar", "--follow")
    lines = Lines(follower)
    try:
        first = json.loads(lines.next())
        assert first["class"] == "stopped" and "people 0m" in first["text"]
        run(env, "log", "30m")
        second = json.loads(lines.next())
        assert second["class"] == "stopped" and "people 30m" in second["text"]
        # writes that change nothing a bar shows (a snooze while stopped) print no line
        run(env, "snooze", "1h")
        run(env, "snooze", "off")
        earlier = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 45 * 60))
        run(env, "log", "15m", "--at", earlier)
        third = json.loads(lines.next())
        assert "people 45m" in third["text"], "a line was printed that showed no change"
    finally:
        stop(follower)


# The i3bar protocol (i3's docs/i3bar-protocol, which swaybar follows): the header's keys and
# a block's keys, with the type each must have; `full_text` is the one a block needs.
I3BAR_HEADER_KEYS = {"version": int, "stop_signal": int, "cont_signal": int,
                     "click_events": bool}
I3BAR_BLOCK_KEYS = {"full_text": str, "short_text": str, "color": str, "background": str,
                    "border": str, "min_width": (int, str), "align": str, "name": str,
                    "instance": str, "urgent": bool, "separator": bool,
                    "separator_block_width": int, "markup": str}


def i3bar_status(line: str, first: bool) -> list[dict]:
    """One status line as a bar reads it: an array of blocks, after the first one preceded
    by a comma; every key one the protocol defines, of its type."""
    if not first:
        assert line.startswith(","), line
        line = line[1:]
    blocks = json.loads(line)
    assert isinstance(blocks, list) and blocks
    for block in blocks:
        assert isinstance(block.get("full_text"), str)
        for key, value in block.items():
            assert key in I3BAR_BLOCK_KEYS and isinstance(value, I3BAR_BLOCK_KEYS[key]), key
        if "color" in block:
            assert len(block["color"]) == 7 and block["color"][0] == "#"
            int(block["color"][1:], 16)
        assert block.get("markup", "none") in ("none", "pango")
    return blocks


def test_i3bar_protocol_and_its_clicks(tmp_path, daemon):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(0o755)
    env = sealed(tmp_path, BROWSER=str(browser))
    follower = start(env, "bar", "--format", "i3bar", "--follow", stdin=subprocess.PIPE)
    lines = Lines(follower)
    try:
        header = json.loads(lines.next())
        assert header == {"version": 1, "click_events": True}
        assert all(isinstance(header[k], I3BAR_HEADER_KEYS[k]) for k in header)
        assert lines.next() == "["  # the endless array opens
        [block] = i3bar_status(lines.next(), first=True)
        assert block["name"] == "presence" and block["full_text"] == "chat 0m · people 0m"
        assert block["color"] == bar.COLOURS["balanced"]
        # the bar writes click events as an endless array on our stdin
        follower.stdin.write(b'[\n{"name":"presence","instance":"today","button":1,'
                             b'"x":10,"y":5,"relative_x":3,"relative_y":2}\n')
        follower.stdin.flush()
        [block] = i3bar_status(lines.next(), first=False)
        assert "snoozed until" in block["full_text"]
        assert json.loads(run(env, "status", "--json").stdout)["snoozed_until"]
        follower.stdin.write(b',{"name":"presence","instance":"today","button":3}\n')
        follower.stdin.flush()
        wait_for(lambda: opened.exists() and opened.read_text().strip(),
                 "the report to open in the browser", timeout=30, every=0.1)
        report = Path(opened.read_text().split()[0].removeprefix("file://"))
        assert report.is_file() and "<html" in report.read_text(encoding="utf-8").lower()
        assert stat.S_IMODE(report.stat().st_mode) == 0o600
        assert follower.poll() is None
    finally:
        stop(follower)


def test_pause_and_resume_tell_the_user_what_happens(tmp_path):
    env = sealed(tmp_path)
    said = run(env, "pause").stdout
    assert said.startswith("paused until ") and "presence resume" in said
    store = Store.open(tmp_path / "presence.db", create=False)
    try:
        until = store.get_setting("pause_until")
    finally:
        store.close()
    assert until == pytest.approx(time.time() + 3600, abs=60)  # one hour by default
    assert run(env, "resume").stdout.startswith("resumed")
    assert run(env, "resume").stdout.startswith("presence was not paused")


def test_the_tooltip_names_who_you_saw(tmp_path):
    # "today" on the real clock: a zone where it is noon keeps the logged time in it
    (tmp_path / "config.toml").write_text(f'timezone = "{noon_zone()}"\n')
    env = sealed(tmp_path)
    assert run(env, "log", "30m", "--with", "Sam, Priya").returncode == 0
    shown = json.loads(run(env, "bar", "--format", "waybar").stdout)
    assert "Saw: Priya, Sam" in shown["tooltip"].splitlines()
    assert "people 30m" in shown["text"]


def test_a_follower_whose_bar_died_leaves_instead_of_lingering(tmp_path):
    """A bar killed without closing the pipe: the follower notices its new parent and exits."""
    import psutil

    env = sealed_env(tmp_path)
    Store.open(Path(env["PRESENCE_HOME"]) / "presence.db").close()
    lines = tmp_path / "bar.txt"
    # The shell stands in for the bar: it starts the follower and lives until told to go.
    shell = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" -m presence bar --format text --follow '
                     f'>"{lines}" 2>/dev/null </dev/null & echo $!; read go'],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    follower = psutil.Process(int(shell.stdout.readline()))
    wait_for(lambda: lines.exists() and lines.read_text().strip(), "the follower's first line",
             timeout=60)
    shell.stdin.close()
    shell.wait(timeout=30)
    try:
        follower.wait(timeout=60)
    except psutil.TimeoutExpired:
        follower.kill()
        raise AssertionError("the follower lingered after its bar went away")


HOLDER = """
import sys
from pathlib import Path
from presence.lock import InstanceLock
InstanceLock(Path(sys.argv[1])).acquire()
for line in sys.stdin:
    print("alive", flush=True)
"""


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGUSR1"), reason="POSIX signals")
def test_a_pause_pokes_only_the_lock_holder_that_says_it_listens(tmp_path):
    """A daemon from before the poke (or any process named by a stale heartbeat) would be
    ended by the signal: only the process holding the lock, under the pid its heartbeat
    names as listening, is signalled."""
    import signal

    from presence import holds
    from presence.paths import lock_file

    db = tmp_path / "presence.db"
    store = Store.open(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_file(db))],
                              env=sealed(tmp_path), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    bystander = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "other.lock")],
                                 env=sealed(tmp_path), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)

    def answers(process) -> bool:
        process.stdin.write("?\n")
        process.stdin.flush()
        return process.stdout.readline() == "alive\n"

    try:
        assert answers(holder) and answers(bystander)  # both hold their locks now
        store.set_setting("daemon", {"pid": holder.pid})  # an older daemon: no "listens"
        holds.pause(store, time.time() + 3600)
        store.set_setting("daemon", {"pid": bystander.pid, "listens": "SIGUSR1"})
        holds.resume(store, time.time())
        assert answers(holder) and answers(bystander), "nobody listening was signalled"
        store.set_setting("daemon", {"pid": holder.pid, "listens": "SIGUSR1"})
        holds.pause(store, time.time() + 3600)
        # this holder has no handler: the signal it was sent ends it
        assert holder.wait(timeout=30) == -signal.SIGUSR1
        assert answers(bystander)
    finally:
        store.close()
        for process in (holder, bystander):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=15)
