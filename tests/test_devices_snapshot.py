"""Snapshots in the synced folder: written whole, read immutable, every bad file reported."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat

import pytest

from presence.devices import peers as peers_mod
from presence.devices.snapshot import snapshot_name, temp_name, write
from presence.errors import StoreError
from presence.model import Span
from presence.store import Store
from presence.store.peers import NewerSnapshot, PeerSnapshot

DAY = 1_780_000_000.0


def device_db(path, spans, logs=()):
    store = Store.open(path)
    for span in spans:
        store.insert_span(span, "dev")
    for s, e, note in logs:
        store.add_in_person(s, e, note)
    store.close()
    return path


def snap(tmp_path, folder, device_id, name, spans, now, logs=()):
    db = device_db(tmp_path / f"{device_id}.db", spans, logs)
    return write(db, folder, device_id, name, [(device_id, name, "this")], now)


def test_a_snapshot_is_one_private_complete_file_and_reads_back(tmp_path):
    folder = tmp_path / "sync"
    spans = [Span(DAY, DAY + 60, "slack", "messaging"), Span(DAY + 60, DAY + 90, "code", "other")]
    result = snap(tmp_path, folder, "a1b2c3d4e5f60718", "laptop", spans, DAY + 100,
                  logs=[(DAY + 200, DAY + 3800, "lunch")])
    assert result.path == folder / "a1b2c3d4e5f60718.presence.db"
    assert sorted(os.listdir(folder)) == ["a1b2c3d4e5f60718.presence.db"]  # no wal, no temp
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    peer = PeerSnapshot.open(result.path)
    try:
        assert (peer.info.device_id, peer.info.name, peer.info.written_at) == (
            "a1b2c3d4e5f60718", "laptop", DAY + 100)
        assert peer.spans(DAY + 30, DAY + 70) == spans
        assert peer.in_person_log(DAY, DAY + 10_000) == [(DAY + 200, DAY + 3800, "lunch")]
        assert peer.devices() == [("a1b2c3d4e5f60718", "laptop", "this")]
    finally:
        peer.close()
    assert sorted(os.listdir(folder)) == ["a1b2c3d4e5f60718.presence.db"]  # reading wrote nothing


def test_a_long_span_is_found_from_inside_it(tmp_path):
    folder = tmp_path / "sync"
    long = Span(DAY, DAY + 8 * 3600, "slack", "messaging")
    result = snap(tmp_path, folder, "00000000000000aa", "pc", [long], DAY + 9 * 3600)
    peer = PeerSnapshot.open(result.path)
    assert peer.spans(DAY + 4 * 3600, DAY + 5 * 3600) == [long]
    peer.close()


def test_a_snapshot_replaced_mid_read_is_read_whole_from_the_version_opened(tmp_path):
    folder = tmp_path / "sync"
    first = [Span(DAY, DAY + 60, "slack", "messaging")]
    snap(tmp_path, folder, "00000000000000bb", "pc", first, DAY + 60)
    with peers_mod.opened(folder, "ffffffffffffffff", "me", DAY + 100) as seen:
        (peer,) = seen.snapshots
        # the peer writes again (more spans, later time) while this reader is half way
        later = first + [Span(DAY + 60, DAY + 600, "discord", "messaging")]
        db = device_db(tmp_path / "again.db", later)
        write(db, folder, "00000000000000bb", "pc", [], DAY + 600)
        assert peer.info.written_at == DAY + 60
        assert peer.spans(DAY, DAY + 10_000) == first  # the old file, whole: not mixed
    with peers_mod.opened(folder, "ffffffffffffffff", "me", DAY + 700) as seen:
        assert seen.snapshots[0].spans(DAY, DAY + 10_000) == later


def test_every_bad_file_is_reported_and_none_is_counted(tmp_path):
    folder = tmp_path / "sync"
    good = snap(tmp_path, folder, "00000000000000cc", "desktop",
                [Span(DAY, DAY + 60, "slack", "messaging")], DAY + 60).path
    # a sync engine's conflict copy of it
    shutil.copy(good, folder / "00000000000000cc.presence.sync-conflict-20260301-101500-ABCDEFG.db")
    # a truncated file, as a copy cut short leaves it
    data = good.read_bytes()
    (folder / "00000000000000dd.presence.db").write_bytes(data[: len(data) // 2])
    # not a database at all
    (folder / "00000000000000ee.presence.db").write_text("hello")
    # from a newer presence
    newer = folder / "00000000000000ff.presence.db"
    shutil.copy(good, newer)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    # a stale peer (a day and a bit ago) and a half-written temp file (ignored)
    snap(tmp_path, folder, "0000000000000011", "old-pc",
         [Span(DAY - 90_000, DAY - 89_000, "x", "social")], DAY - 89_000)
    (folder / temp_name("0000000000000022")).write_bytes(b"partial")
    (folder / ".stignore").write_text("(?d)~*.presence.db.tmp\n")

    with peers_mod.opened(folder, "ffffffffffffffff", "me", DAY + 120) as seen:
        states = {f.path.name: f.state for f in seen.files}
        counted = sorted(s.info.device_id for s in seen.snapshots)
        details = {f.path.name: f.detail for f in seen.files}
    assert states == {
        "00000000000000cc.presence.db": "fresh",
        "00000000000000cc.presence.sync-conflict-20260301-101500-ABCDEFG.db": "conflict",
        "00000000000000dd.presence.db": "unreadable",
        "00000000000000ee.presence.db": "unreadable",
        "00000000000000ff.presence.db": "newer",
        "0000000000000011.presence.db": "stale",
    }
    assert counted == ["0000000000000011", "00000000000000cc"]
    assert "truncated" in details["00000000000000dd.presence.db"]
    assert "upgrade presence" in details["00000000000000ff.presence.db"]
    assert "silent for" in details["0000000000000011.presence.db"]


def test_two_copies_of_one_device_count_once_the_newest(tmp_path):
    folder = tmp_path / "sync"
    old = snap(tmp_path, folder, "00000000000000cc", "desktop",
               [Span(DAY, DAY + 60, "slack", "messaging")], DAY + 60).path
    shutil.copy(old, folder / "desktop-backup.presence.db")
    snap(tmp_path, folder, "00000000000000cc", "desktop",
         [Span(DAY, DAY + 120, "slack", "messaging")], DAY + 120)
    with peers_mod.opened(folder, "ffffffffffffffff", "me", DAY + 130) as seen:
        assert [s.info.written_at for s in seen.snapshots] == [DAY + 120]
        assert {f.path.name: f.state for f in seen.files} == {
            "00000000000000cc.presence.db": "fresh", "desktop-backup.presence.db": "duplicate"}


def test_this_devices_own_snapshot_is_not_counted_and_a_clash_is_shown(tmp_path):
    folder = tmp_path / "sync"
    snap(tmp_path, folder, "1111111111111111", "laptop", [Span(DAY, DAY + 60, "a", "other")],
         DAY + 60)
    with peers_mod.opened(folder, "1111111111111111", "laptop", DAY + 70) as seen:
        assert seen.snapshots == [] and [f.state for f in seen.files] == ["self"]
    # a copied data folder: another machine writes under the same id with its own name
    snap(tmp_path, folder, "1111111111111111", "desktop", [Span(DAY, DAY + 60, "a", "other")],
         DAY + 90)
    with peers_mod.opened(folder, "1111111111111111", "laptop", DAY + 100) as seen:
        assert [f.state for f in seen.files] == ["clash"]
        assert "copied" in seen.files[0].detail


def test_a_missing_folder_is_no_peers_and_no_error(tmp_path):
    with peers_mod.opened(tmp_path / "nowhere", "1", "me", DAY) as seen:
        assert seen.files == [] and seen.snapshots == []


def test_a_snapshot_of_an_unreadable_database_fails_cleanly(tmp_path):
    folder = tmp_path / "sync"
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite")
    with pytest.raises(StoreError, match="cannot write a snapshot"):
        write(bad, folder, "1111111111111111", "x", [], DAY)
    assert os.listdir(folder) == []
