"""The store under attack (issue 14, item 5): a real daemon whose database is replaced or
damaged while it runs, a full and a read-only data folder, a symlink around the lock, and a
log that must stay private through rotation."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from tests.support import read_store


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    return env


def start(home: Path, *global_args: str) -> subprocess.Popen:
    (home / "config.toml").write_text("[daemon]\nflush_seconds = 1\n", encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "presence", *global_args, "run", "--probe",
                             "none", "--interval", "0.2"], env=env_for(home), cwd=home,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def beat(db: Path) -> float:
    found = read_store(db, lambda store: (store.daemon_record() or {}).get("at"))
    return found or 0.0


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    return proc.returncode, err


def spans_reach(db: Path) -> tuple[float, float]:
    found = read_store(db, lambda store: store.spans(0, 1e12))
    return min(s.start for s in found), max(s.end for s in found)


@pytest.mark.parametrize("attack", ["replaced", "damaged"])
def test_a_database_replaced_or_damaged_while_running_is_moved_aside_and_nothing_is_lost(
        tmp_path, attack):
    db = tmp_path / "presence.db"
    proc = start(tmp_path)
    try:
        wait_for(lambda: beat(db) > 0, what="the first heartbeat", timeout=30)
        began = spans_reach(db)[0]
        attacked = time.time()
        if attack == "replaced":
            intruder = tmp_path / "other"
            intruder.write_bytes(b"not presence's database" * 100)
            os.replace(intruder, db)
        else:
            with open(db, "r+b") as handle:
                handle.write(b"\xde\xad" * 2048)
        wait_for(lambda: list(tmp_path.glob(f"presence.db.{attack}-*")),
                 what=f"the {attack} file moved aside", timeout=30)
        wait_for(lambda: beat(db) > attacked, what="a heartbeat in the new database",
                 timeout=30)
        # what is in front is known to `status`, the bar and the tray at once, not only
        # after the next switch
        assert read_store(db, lambda store: store.in_front()) is not None
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err
    first, last = spans_reach(db)
    assert last > attacked + 0.5  # sampling went on into the new file
    if attack == "replaced":
        # the daemon's history was copied back from its open connection: nothing lost
        assert first == pytest.approx(began)
    else:
        assert first <= attacked  # the open span, kept in memory, was written anew
    # what was found at the path is kept, beside, for the user to look at
    [moved] = [p for p in tmp_path.glob(f"presence.db.{attack}-*")
               if not p.name.endswith(("-wal", "-shm"))]
    assert moved.stat().st_size > 0


def test_a_symlink_to_the_database_does_not_get_round_the_lock(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "presence.db").symlink_to(real / "presence.db")
    first = start(real, "--db", str(real / "presence.db"))
    try:
        wait_for(lambda: beat(real / "presence.db") > 0, what="the first daemon", timeout=30)
        second = subprocess.run([sys.executable, "-m", "presence", "--db",
                                 str(other / "presence.db"), "run", "--probe", "none"],
                                env=env_for(other), cwd=other, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 1
        assert "already running (pid" in second.stderr
        assert second.stderr.count("\n") == 1, second.stderr
    finally:
        stop(first)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB file system mounted for this test (needs root, as CI has)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_start_on_a_full_disk_is_one_line_and_exit_1(small_disk):
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass  # full
    result = subprocess.run([sys.executable, "-m", "presence", "run", "--probe", "none"],
                            env=env_for(small_disk), cwd="/", capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    # the daemon's own INFO lines may come first; the failure is one line, the last
    errors = [line for line in result.stderr.splitlines() if " INFO " not in line]
    assert len(errors) == 1 and errors[0].startswith("presence: "), result.stderr
    assert "full" in errors[0] or "space" in errors[0]


def test_start_on_a_read_only_data_folder_is_one_line_and_exit_1(small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = subprocess.run([sys.executable, "-m", "presence", "run", "--probe", "none"],
                            env=env_for(small_disk), cwd="/", capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if " INFO " not in line]
    assert len(errors) == 1 and errors[0].startswith("presence: "), result.stderr
    assert "Read-only file system" in errors[0]


def test_the_log_stays_private_through_rotation_even_under_umask_000(tmp_path):
    from presence.logsetup import setup_logging

    old = os.umask(0)
    try:
        setup_logging(1, tmp_path / "logs" / "presence.log")
        log = logging.getLogger("presence.test")
        rotating = [h for h in logging.getLogger("presence").handlers
                    if hasattr(h, "doRollover")]
        log.warning("before the rotation")
        rotating[0].doRollover()
        log.warning("after the rotation")
        rotating[0].doRollover()
        log.warning("after the second")
    finally:
        os.umask(old)
        setup_logging(0)
    files = sorted((tmp_path / "logs").iterdir())
    assert [f.name for f in files] == ["presence.log", "presence.log.1", "presence.log.2"]
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o600"}
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
