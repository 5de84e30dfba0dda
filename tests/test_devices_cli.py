"""`presence devices`, `devices forget`, the identity in `status`, and `doctor` on the folder."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from presence.cli.main import main
from presence.devices.snapshot import write
from presence.model import Span
from presence.store import Store

DAY = 1_780_000_000.0


@pytest.fixture
def home(tmp_path, monkeypatch):
    for key in ("PRESENCE_CONFIG", "PRESENCE_DB"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PRESENCE_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    folder = tmp_path / "sync"
    (tmp_path / "home" / "config.toml").write_text(
        f'[devices]\nfolder = "{folder}"\nname = "laptop"\n')
    return tmp_path


def run(*args, code=0):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def peer(tmp_path, device_id, name, now, spans=()):
    db = tmp_path / f"peer-{device_id}.db"
    store = Store.open(db)
    for span in spans:
        store.insert_span(span, device_id)
    store.close()
    return write(db, tmp_path / "sync", device_id, name, [(device_id, name, "this")], now).path


def test_the_identity_is_made_once_and_shown_by_devices_and_status(home):
    first = json.loads(run("devices", "--json"))["this"]
    again = json.loads(run("devices", "--json"))["this"]
    assert first["id"] == again["id"] and len(first["id"]) == 16
    assert first["name"] == "laptop"
    status = json.loads(run("status", "--json"))
    assert status["device"] == {"id": first["id"], "name": "laptop"}
    assert f"device: laptop ({first['id']}" in run("status")
    # renaming in the config renames the device, never changes its id
    (home / "home" / "config.toml").write_text(
        f'[devices]\nfolder = "{home / "sync"}"\nname = "work laptop"\n')
    renamed = json.loads(run("devices", "--json"))["this"]
    assert renamed == dict(first, name="work laptop")


def test_devices_lists_peers_and_every_problem(home):
    import time

    now = time.time()
    peer(home, "00000000000000cc", "desktop", now - 60, [Span(now - 120, now - 60, "x", "other")])
    peer(home, "0000000000000011", "old-pc", now - 3 * 86400)
    conflict = home / "sync" / "00000000000000cc.presence.sync-conflict-20260301-101500-ABC.db"
    shutil.copy(home / "sync" / "00000000000000cc.presence.db", conflict)
    (home / "sync" / "00000000000000dd.presence.db").write_bytes(b"SQLite format 3\x00" + b"x" * 50)
    (home / "sync" / ".stfolder").mkdir()
    report = json.loads(run("devices", "--json"))
    assert [(p["name"], p["state"]) for p in report["peers"]] == [
        ("old-pc", "stale"), ("desktop", "fresh")]
    assert report["peers"][1]["age_seconds"] >= 59
    assert {p["file"]: p["state"] for p in report["problems"]} == {
        conflict.name: "conflict", "00000000000000dd.presence.db": "unreadable",
        "0000000000000011.presence.db": "stale", ".stignore": "setup"}
    text = run("devices")
    assert "peer: desktop (00000000000000cc) fresh, snapshot 1 min ago" in text
    assert "peer: old-pc (0000000000000011) STALE" in text
    assert "silent for 3 days" in text and "sync conflict copy" in text
    assert "(?d)~*.presence.db.tmp" in text
    doctor = CliRunner().invoke(main, ["doctor"], catch_exceptions=False).output
    assert "peer old-pc (0000000000000011): silent for 3 days" in doctor
    assert conflict.name in doctor and "00000000000000dd.presence.db" in doctor


def test_forget_removes_a_peer_and_its_copies_and_refuses_this_device(home):
    import time

    now = time.time()
    path = peer(home, "00000000000000cc", "desktop", now)
    conflict = home / "sync" / "00000000000000cc.presence.sync-conflict-20260301-101500-ABC.db"
    shutil.copy(path, conflict)
    peer(home, "00000000000000dd", "other", now)
    out = run("devices", "forget", "00000000000000c")
    assert "removed" in out and "sync engine removes it on your other devices" in out
    assert not path.exists() and not conflict.exists()
    assert (home / "sync" / "00000000000000dd.presence.db").exists()
    assert "no device '00000000000000cc'" in run("devices", "forget", "00000000000000cc", code=2)
    peer(home, "00000000000000de", "another", now)
    assert "matches several" in run("devices", "forget", "00000000000000d", code=2)
    assert (home / "sync" / "00000000000000dd.presence.db").exists()
    me = json.loads(run("devices", "--json"))["this"]["id"]
    assert "is this device" in run("devices", "forget", me, code=2)


def test_without_a_folder_devices_says_this_device_alone(home):
    (home / "home" / "config.toml").write_text('[devices]\nname = "solo"\n')
    assert "no synced folder" in run("devices")
    assert json.loads(run("devices", "--json"))["folder"] is None
    assert "no [devices] folder" in run("devices", "forget", "abc", code=2)


def test_a_relative_folder_is_a_config_error(home):
    (home / "home" / "config.toml").write_text('[devices]\nfolder = "Sync/presence"\n')
    out = run("devices", code=2)
    assert "devices.folder" in out and "absolute" in out
