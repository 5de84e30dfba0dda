"""Two devices through two real Syncthing instances, on the real X11 desktop: one balance, one
people ledger, and a broken or stale peer that is shown, never counted twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from desktop_helpers import wait_for
from sync_helpers import start_pair, stop_pair

from presence.devices.snapshot import STIGNORE, snapshot_name
from presence.errors import StoreError
from presence.store.peers import PeerSnapshot
from tests.support import noon_zone, read_store, sealed_env

pytestmark = pytest.mark.desktop


def config(folder, name):
    # the day's balance is read on the real clock: a zone where it is noon keeps it one day
    return (f'timezone = "{noon_zone()}"\n'
            f'[daemon]\nflush_seconds = 1\nidle_seconds = 86400\n'
            f'[devices]\nfolder = "{folder}"\nname = "{name}"\nevery_minutes = 1\n')


def cli(env, *args):
    done = subprocess.run([sys.executable, "-m", "presence", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def chat_seconds(db):
    return read_store(db, lambda store: sum(
        s.seconds for s in store.spans(0, 4e9) if s.app == "slack")) or 0.0


def record(env, db, seconds, while_running=None):
    """Run the real daemon until it stored `seconds` of the chat window, then stop it."""
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "x11",
                               "--interval", "0.5"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        if while_running is not None:
            wait_for(lambda: db.exists() and chat_seconds(db) > 0, "the daemon to record",
                     timeout=120)
            while_running()
        wait_for(lambda: chat_seconds(db) >= seconds, f"{seconds} s of chat", timeout=180,
                 every=0.1)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0, daemon.stderr.read()
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    return chat_seconds(db)


def written_at(path):
    try:
        snap = PeerSnapshot.open(path)
    except (StoreError, FileNotFoundError):
        return None
    try:
        return snap.info.written_at
    finally:
        snap.close()


def test_two_devices_one_balance_through_real_syncthing(desktop, app_windows, tmp_path):
    pair = start_pair(tmp_path)
    try:
        for folder in (pair.a, pair.b):
            (folder / ".stignore").write_text(STIGNORE + "\n")
        homes = {}
        for name, folder in (("laptop", pair.a), ("desktop", pair.b)):
            home = tmp_path / name
            home.mkdir()
            (home / "config.toml").write_text(config(folder, name))
            homes[name] = (home, sealed_env(home, base=desktop.env))
        window = app_windows(desktop, "slack", "Slack", "general | Acme - Slack")
        window.activate()
        desktop.run("xdotool", "mousemove", "10", "10")

        a_home, a_env = homes["laptop"]
        b_home, b_env = homes["desktop"]
        a = record(a_env, a_home / "presence.db", 15.0)
        b = record(b_env, b_home / "presence.db", 10.0,
                   while_running=lambda: cli(b_env, "log", "1h", "--with", "Sam"))
        assert 15.0 <= a < 17.0 and 10.0 <= b < 12.0

        b_id = json.loads(cli(b_env, "devices", "--json"))["this"]["id"]
        final = written_at(pair.b / snapshot_name(b_id))
        assert final is not None, "B wrote no snapshot at shutdown"
        pair.rescan("b")
        carried = pair.a / snapshot_name(b_id)
        wait_for(lambda: written_at(carried) == final, "Syncthing to carry B's last snapshot",
                 timeout=120, every=0.2)

        day = json.loads(cli(a_env, "summary", "--json"))
        assert day["categories"]["messaging"] * 60 == pytest.approx(25.0, abs=3.0)
        assert day["in_person_minutes"] == pytest.approx(60.0, abs=0.1)
        assert "Sam" in [p["name"] for p in json.loads(cli(a_env, "people", "--json"))]
        seen = json.loads(cli(a_env, "devices", "--json"))
        assert [(p["name"], p["state"]) for p in seen["peers"]] == [("desktop", "fresh")]
        assert seen["problems"] == []

        # B's Syncthing dies; its last snapshot ages past a day
        pair.kill("b")
        conn = sqlite3.connect(carried)
        conn.execute("UPDATE snapshot SET value = ? WHERE key = 'written_at'",
                     (repr(time.time() - 26 * 3600),))
        conn.commit()
        conn.close()
        seen = json.loads(cli(a_env, "devices", "--json"))
        assert [(p["name"], p["state"]) for p in seen["peers"]] == [("desktop", "stale")]
        doctor = subprocess.run([sys.executable, "-m", "presence", "doctor"], env=a_env,
                                capture_output=True, text=True, timeout=120).stdout
        assert f"peer desktop ({b_id}): silent for 26 h" in doctor

        # a sync engine's conflict copy and a snapshot cut short: both shown, nothing counted
        conflict = pair.a / f"{b_id}.presence.sync-conflict-20260301-101500-ABCDEFG.db"
        shutil.copy(carried, conflict)
        data = carried.read_bytes()
        truncated = pair.a / "00000000000000ee.presence.db"
        truncated.write_bytes(data[: len(data) // 2])
        seen = json.loads(cli(a_env, "devices", "--json"))
        states = {p["file"]: p["state"] for p in seen["problems"]}
        assert states[conflict.name] == "conflict" and states[truncated.name] == "unreadable"
        again = json.loads(cli(a_env, "summary", "--json"))
        assert again["categories"] == day["categories"]
        assert again["in_person_minutes"] == day["in_person_minutes"]
        text = cli(a_env, "devices")
        assert "sync conflict copy" in text and "truncated" in text and "STALE" in text
    finally:
        stop_pair(pair)
    assert not os.path.exists(pair.rundir)
