"""The single-instance lock: one daemon per database.

Kept apart from `service`, so that `presence status` can ask whether a daemon runs without
importing the daemon.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from presence import paths
from presence.errors import AlreadyRunning, StoreError


class InstanceLock:
    """An advisory lock on a file beside the database: one daemon per database.

    The kernel drops the lock when the process dies, so a killed daemon never leaves a stale
    lock behind; the file holds the owner's pid for messages.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise `AlreadyRunning` naming the holder's pid."""
        try:
            paths.make_private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"{self.path.parent}: cannot start here ({exc.strerror}); free "
                             "some space or make the data folder writable (or give --db)") \
                from None
        if not _try_lock(fd):
            os.close(fd)
            holder = read_pid(self.path)
            raise AlreadyRunning(f"already running (pid {holder or 'unknown'}) on "
                                 f"{self.path.with_suffix('')}; stop that one first, or give "
                                 "this one another --db")
        self._fd = fd
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # a full disk: the lock holds all the same, only the pid is not written

    def release(self) -> None:
        """Release the lock (the file stays; its content no longer matters)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def read_pid(lock_path: Path) -> int | None:
    """The pid written in a lock file, if any."""
    try:
        return int(lock_path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None


def running_pid(db_path: Path) -> int | None:
    """The pid of the daemon running on `db_path`, or None when none holds the lock."""
    lock_path = paths.lock_file(db_path)
    return read_pid(lock_path) if is_held(lock_path) else None


def is_held(lock_path: Path) -> bool:
    """Whether a daemon holds the lock file `lock_path` (see `paths.lock_file`): two
    system calls and no pid, for what asks often (a bar following the store)."""
    try:
        fd = os.open(lock_path, os.O_RDONLY if os.name != "nt" else os.O_RDWR)
    except OSError:
        return False  # no lock file: no daemon ever ran on this database
    try:
        return not _try_lock(fd)
    finally:
        os.close(fd)


# The signal that makes a running daemon read the pause again at once (POSIX only; elsewhere
# the daemon reads it at its next flush).
POKE_SIGNAL = "SIGUSR1"


def poke(db_path: Path, pid: object) -> bool:
    """Signal the daemon running on `db_path` to read the holds again; whether it was told.

    Only the process that holds the lock with `pid` is signalled (a pid the daemon's
    heartbeat named as listening), never this process itself: a daemon that does not
    handle the signal would be ended by it.
    """
    number = getattr(signal, POKE_SIGNAL, None)
    if number is None or not isinstance(pid, int) or pid == os.getpid():
        return False
    try:
        if running_pid(db_path) != pid:
            return False
        os.kill(pid, number)
    except OSError:
        return False
    return True
