"""The synced folder: which snapshots are there, which count, and what is wrong with the rest.

Every `*.presence.db` file in the folder is opened read-only (see `presence.store.peers`); the
device it belongs to is what the file says inside, not its name. Each device counts once: this
device's own snapshot never (its live database is read instead), a second copy of a device
only in its newest version. Everything else is reported, never silently dropped: a sync
engine's conflict copy, a file written by a newer presence, an unreadable or truncated file, a
peer silent for a day (still counted: what it recorded stays true), another device writing
under this device's id.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from presence.devices.snapshot import SUFFIX, TEMP_PREFIX, TEMP_SUFFIX, snapshot_name
from presence.errors import StoreError
from presence.frozen import frozen
from presence.logsetup import logger

log = logger(__name__)

# A peer that has not written for this long is shown as stale (DESIGN §3: a day).
STALE_SECONDS = 24 * 3600.0
# Syncthing's `x.sync-conflict-20260301-101500-ABCDEFG.db`; Dropbox's and Nextcloud's
# `x (conflicted copy ...)`.
_CONFLICT = re.compile(r"\.sync-conflict-|conflicted copy", re.IGNORECASE)

FRESH, STALE, SELF = "fresh", "stale", "self"
CONFLICT, NEWER, UNREADABLE, DUPLICATE, CLASH = (
    "conflict", "newer", "unreadable", "duplicate", "clash")
# States whose files are not counted; `presence devices` and `doctor` show each of them.
PROBLEMS = (CONFLICT, NEWER, UNREADABLE, DUPLICATE, CLASH)


@frozen
class FileState:
    """One snapshot-like file in the folder and what became of it.

    Attributes:
        path: the file.
        size: its size in bytes.
        state: fresh | stale (counted) | self (this device's own) | conflict | newer |
            unreadable | duplicate | clash (not counted).
        device_id: the device it belongs to, when it could be read.
        name: that device's name, as the file says.
        written_at: when it was written (UNIX seconds), when it could be read.
        detail: one line for a person: what is wrong and what to do.
    """

    path: Path
    size: int
    state: str
    device_id: str | None = None
    name: str | None = None
    written_at: float | None = None
    detail: str = ""

    @property
    def counted(self) -> bool:
        """Whether this file's data counts in summaries."""
        return self.state in (FRESH, STALE)


def is_snapshot_file(name: str) -> bool:
    """Whether a file name in the folder is (a copy of) a presence snapshot."""
    if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
        return False  # a snapshot being written
    return name.endswith(SUFFIX) or (".presence" in name and _CONFLICT.search(name) is not None)


class Peers:
    """The folder as one reader saw it: every file's state, and the counted snapshots open.

    The counted snapshots stay open until `close()`: everything a command reads from a peer
    comes from the one file it opened, even when the sync engine replaces it meanwhile.
    (A plain class: filled while the folder is scanned, and a reader of peers imports no
    `dataclasses`.)
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.files: list[FileState] = []
        self.snapshots: list = []

    @property
    def problems(self) -> list[FileState]:
        """The files that are not counted and need the user's eye (stale peers included)."""
        return [f for f in self.files if f.state in PROBLEMS or f.state == STALE]

    def close(self) -> None:
        """Close every open snapshot."""
        for snap in self.snapshots:
            snap.close()
        self.snapshots = []


def ago(seconds: float) -> str:
    """A duration as a person says it: `12 min`, `5 h`, `3 days`."""
    if seconds < 7200:
        return f"{max(0, round(seconds / 60))} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def scan(folder: Path | None, own_id: str, own_name: str, now: float) -> Peers:
    """Look at every snapshot-like file in `folder` and open the ones that count.

    Never raises for a bad file: each is reported in `Peers.files`. A folder that is missing
    or unreadable is reported the same way (as one unreadable entry).
    """
    from presence.store.peers import NewerSnapshot, PeerSnapshot

    peers = Peers(folder)
    if folder is None:
        return peers
    try:
        entries = sorted((e.name, e.path) for e in os.scandir(folder) if e.is_file())
    except FileNotFoundError:
        return peers  # nothing synced yet; the daemon creates it with the first snapshot
    except OSError as exc:
        peers.files.append(FileState(folder, 0, UNREADABLE,
                                     detail=f"cannot read the folder ({exc.strerror})"))
        return peers
    readable: list[tuple[FileState, object]] = []
    for name, path_text in entries:
        if not is_snapshot_file(name):
            continue
        path = Path(path_text)
        try:
            size = path.stat().st_size
        except OSError:
            continue  # removed while we looked
        conflict = _CONFLICT.search(name) is not None
        try:
            snap = PeerSnapshot.open(path)
        except NewerSnapshot as exc:
            peers.files.append(FileState(path, size, NEWER, detail=str(exc)))
            continue
        except StoreError as exc:
            state = CONFLICT if conflict else UNREADABLE
            detail = (f"a sync conflict copy, not counted; delete it ({exc})" if conflict
                      else f"{exc}; not counted")
            peers.files.append(FileState(path, size, state, detail=detail))
            continue
        info = snap.info
        base = dict(path=path, size=size, device_id=info.device_id, name=info.name,
                    written_at=info.written_at)
        if conflict:
            snap.close()
            peers.files.append(FileState(state=CONFLICT, detail=(
                f"a sync conflict copy of {info.name or info.device_id}'s snapshot, not "
                "counted; delete it (the device writes its snapshot again)"), **base))
        elif info.device_id == own_id:
            snap.close()
            if info.name != own_name or name != snapshot_name(own_id):
                peers.files.append(FileState(state=CLASH, detail=(
                    f"another device ({info.name!r}) writes under this device's id "
                    f"{own_id}; was a data folder copied? Move presence.db aside on one of "
                    "them, or remove this file"), **base))
            else:
                peers.files.append(FileState(state=SELF, **base))
        else:
            age = now - info.written_at
            state = STALE if age > STALE_SECONDS else FRESH
            detail = (f"silent for {ago(age)}: is its daemon running, and its sync engine?"
                      if state == STALE else "")
            readable.append((FileState(state=state, detail=detail, **base), snap))
    newest: dict[str, tuple[FileState, object]] = {}
    for entry, snap in readable:
        have = newest.get(entry.device_id)
        if have is None or (entry.written_at or 0) > (have[0].written_at or 0):
            newest[entry.device_id] = (entry, snap)
    for entry, snap in readable:
        keep = newest[entry.device_id]
        if keep[1] is snap:
            peers.files.append(entry)
            peers.snapshots.append(snap)
        else:
            snap.close()
            peers.files.append(FileState(
                entry.path, entry.size, DUPLICATE, entry.device_id, entry.name,
                entry.written_at, detail=f"an older copy of {entry.name or entry.device_id} "
                f"(the newest is {keep[0].path.name}); not counted, delete it"))
    peers.files.sort(key=lambda f: (f.state != SELF, f.path.name))
    return peers


@contextmanager
def opened(folder: Path | None, own_id: str, own_name: str, now: float) -> Iterator[Peers]:
    """`scan`, with every opened snapshot closed afterwards."""
    peers = scan(folder, own_id, own_name, now)
    try:
        yield peers
    finally:
        peers.close()
