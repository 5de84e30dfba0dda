"""This device's snapshot in the synced folder, written off the sampling path.

The daemon asks `SnapshotWriter.due(now)` on every tick (a comparison); when a snapshot is due
a thread copies the database into `~<id>.presence.db.tmp` beside the final file (a name that
Dropbox and Nextcloud skip by default, and that Syncthing skips with the `.stignore` line in
`STIGNORE`), syncs it to disk and renames it over `<id>.presence.db`. Readers and the sync
engine only ever see a complete file. A slow or full disk delays the thread, never a sample;
a snapshot still being written when the next is due is simply not started twice.
"""

from __future__ import annotations

import os
from pathlib import Path

from presence.config import Config
from presence.errors import StoreError
from presence.frozen import frozen
from presence.paths import make_private_dir
from presence.logsetup import logger

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Callable
    import threading

log = logger(__name__)

SUFFIX = ".presence.db"
TEMP_PREFIX = "~"
TEMP_SUFFIX = ".tmp"
# What a Syncthing folder's .stignore needs so that half-written snapshots are not sent.
STIGNORE = "(?d)~*.presence.db.tmp"


def snapshot_name(device_id: str) -> str:
    """The file name of a device's snapshot in the folder."""
    return device_id + SUFFIX


def temp_name(device_id: str) -> str:
    """The name a snapshot is written under before it is renamed into place."""
    return TEMP_PREFIX + snapshot_name(device_id) + TEMP_SUFFIX


@frozen
class Result:
    """One snapshot written: where, when, how big, how many spans."""

    path: Path
    at: float
    bytes: int
    spans: int


def write(db_path: Path, folder: Path, device_id: str, device_name: str,
          devices: list[tuple[str, str, str]], now: float) -> Result:
    """Write this device's snapshot into `folder` (created 0700 when missing).

    Raises:
        StoreError: the database cannot be read, or the folder cannot be written.
    """
    from presence.store.snapshots import write_snapshot

    try:
        make_private_dir(folder)
    except OSError as exc:
        raise StoreError(f"{folder}: cannot create the devices folder ({exc.strerror})") from exc
    final = folder / snapshot_name(device_id)
    temp = folder / temp_name(device_id)
    meta = {"device_id": device_id, "device_name": device_name, "written_at": repr(now)}
    try:
        written = write_snapshot(db_path, temp, meta, devices)
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename must never expose a file whose bytes are not on disk
        finally:
            os.close(fd)
        os.replace(temp, final)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(f"{final}: cannot write the snapshot ({exc.strerror})") from exc
    return Result(final, now, written.bytes, written.spans)


class SnapshotWriter:
    """Writes the snapshot every `[devices] every_minutes` in a thread, and at shutdown.

    The folder and the period are read from the config at each snapshot, so a reloaded
    config (SIGHUP) moves or stops the snapshots: `folder = ""` writes no more.
    """

    def __init__(self, db_path: Path, device_id: str, device_name: str):
        self.db_path = db_path
        self.device_id = device_id
        self.device_name = device_name
        self.last: Result | None = None
        self.error: str | None = None
        self._next_at: float | None = None
        self._thread: threading.Thread | None = None

    def due(self, now: float, config: Config) -> bool:
        """Whether a snapshot should start at `now` (the first one right away)."""
        if config.devices_folder is None:
            return False
        if self._thread is not None and self._thread.is_alive():
            return False  # a slow disk: the one under way is enough
        every = config.get("devices.every_minutes") * 60.0
        if self._next_at is None or now >= self._next_at:
            return True
        return self._next_at - now > every  # the clock jumped back: do not wait for it

    def poll(self, now: float, config: Config,
             registry: Callable[[], list[tuple[str, str, str]]]) -> bool:
        """Called on every tick: start a snapshot when one is due; never waits for one.
        True when one was started."""
        if not self.due(now, config):
            return False
        self.start(now, config, registry())
        return True

    def start(self, now: float, config: Config, devices: list[tuple[str, str, str]]) -> None:
        """Start writing a snapshot taken at `now` in the background."""
        folder = config.devices_folder
        if folder is None:
            return
        self._next_at = now + config.get("devices.every_minutes") * 60.0
        import threading  # the daemon's alone: a reader of peers imports none

        self._thread = threading.Thread(target=self._write, args=(folder, devices, now),
                                        name="presence-snapshot", daemon=True)
        self._thread.start()

    def _write(self, folder: Path, devices: list[tuple[str, str, str]], now: float) -> None:
        try:
            self.last = write(self.db_path, folder, self.device_id, self.device_name, devices,
                              now)
        except StoreError as exc:
            if self.error != str(exc):
                log.error("devices: %s (tried again at the next snapshot)", exc)
            self.error = str(exc)
            return
        if self.error is not None:
            log.warning("devices: snapshots are written again (%s)", self.last.path)
        self.error = None
        log.debug("devices: wrote %s (%d bytes, %d spans)", self.last.path, self.last.bytes,
                  self.last.spans)

    def finish(self, now: float, config: Config, devices: list[tuple[str, str, str]],
               timeout: float = 60.0) -> None:
        """Wait for a snapshot under way, then write the last one (the daemon is stopping)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("devices: a snapshot is still being written after %d s; the last "
                          "one is skipped", round(timeout))
                return
        folder = config.devices_folder
        if folder is not None:
            self._write(folder, devices, now)
