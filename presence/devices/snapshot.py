"""This device's snapshot in the synced folder, written off the sampling path.

The daemon asks `SnapshotWriter.due(now)` on every tick (a comparison); when a snapshot is due
a thread copies the database into `~<id>.presence.db.tmp` beside the final file (a name that
Dropbox and Nextcloud skip by default, and that Syncthing skips with the `.stignore` line in
`STIGNORE`), syncs it to disk and renames it over `<id>.presence.db`. Readers and the sync
engine only ever see a complete file. A slow or full disk delays the thread, never a sample;
a snapshot still being written when the next is due is simply not started twice.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from presence.errors import StoreError
from presence.paths import make_private_dir

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
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
    """Writes the snapshot every `every_minutes` in a thread, and once more at shutdown."""

    def __init__(self, db_path: Path, folder: Path, device_id: str, device_name: str,
                 devices: list[tuple[str, str, str]], every_seconds: float):
        self.db_path = db_path
        self.folder = folder
        self.device_id = device_id
        self.device_name = device_name
        self.devices = devices
        self.every_seconds = every_seconds
        self.last: Result | None = None
        self.error: str | None = None
        self._next_at: float | None = None
        self._thread: threading.Thread | None = None

    def due(self, now: float) -> bool:
        """Whether a snapshot should start at `now` (the first one right away)."""
        if self._thread is not None and self._thread.is_alive():
            return False
        return self._next_at is None or now >= self._next_at or now < self._next_at - \
            self.every_seconds  # the clock jumped back: do not wait for it to catch up

    def start(self, now: float) -> None:
        """Start writing a snapshot taken at `now` in the background."""
        self._next_at = now + self.every_seconds
        self._thread = threading.Thread(target=self._write, args=(now,),
                                        name="presence-snapshot", daemon=True)
        self._thread.start()

    def _write(self, now: float) -> None:
        try:
            self.last = write(self.db_path, self.folder, self.device_id, self.device_name,
                              self.devices, now)
        except StoreError as exc:
            if self.error != str(exc):
                log.error("devices: %s (the next snapshot is tried in %d minutes)", exc,
                          round(self.every_seconds / 60))
            self.error = str(exc)
            return
        if self.error is not None:
            log.warning("devices: snapshots are written again (%s)", self.last.path)
        self.error = None
        log.debug("devices: wrote %s (%d bytes, %d spans)", self.last.path, self.last.bytes,
                  self.last.spans)

    def finish(self, now: float, timeout: float = 30.0) -> None:
        """Wait for a snapshot under way, then write the last one (at shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("devices: a snapshot is still being written after %d s; the last "
                          "one is skipped", round(timeout))
                return
        self._write(now)
