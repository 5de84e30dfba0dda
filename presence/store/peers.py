"""Reading a peer's snapshot: read-only and immutable, one consistent file per reader.

A peer's snapshot is opened with `mode=ro&immutable=1`: SQLite takes no lock, writes nothing
beside it (no -shm, no -wal in a synced folder) and trusts the file not to change. That holds,
because a writer never changes a snapshot in place: it renames a new file over the old one.
The open connection keeps reading the file it opened, so a snapshot replaced mid-read is read
whole from its old version, never half from each. Every failure is a `StoreError` naming the
file; the format is checked on open (a newer format, a damaged or truncated file is refused
before anything is counted).
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from presence.errors import StoreError
from presence.frozen import frozen
from presence.store.activity import ActivityTables
from presence.store.calendar import CalendarTables
from presence.store.in_person import InPersonTables
from presence.store.people import PeopleTables
from presence.store.snapshots import APPLICATION_ID, FORMAT, _uri

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

_HEADER = b"SQLite format 3\x00"


class NewerSnapshot(StoreError):
    """The snapshot was written by a newer presence, in a format this one cannot read."""


@frozen
class SnapshotInfo:
    """What a snapshot says about itself."""

    device_id: str
    name: str
    written_at: float
    format: int
    spans: int


def _check_header(path: Path) -> None:
    """Refuse a file that is not a SQLite database or is shorter than its header says."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
            size = f.seek(0, 2)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the snapshot ({exc.strerror})") from exc
    if len(head) < 100 or not head.startswith(_HEADER):
        raise StoreError(f"{path}: not a presence snapshot (not a SQLite file)")
    page = struct.unpack(">H", head[16:18])[0]
    page = 65536 if page == 1 else page
    pages = struct.unpack(">I", head[28:32])[0]
    if pages and size < pages * page:
        raise StoreError(f"{path}: the snapshot is truncated ({size} of {pages * page} bytes; "
                         "the sync engine may still be copying it)")


class PeerSnapshot(ActivityTables, CalendarTables, InPersonTables, PeopleTables):
    """One peer's snapshot, open for reading.

    Its tables have this database's columns, so the readers of meetings, logged time and
    people are the store's own (one copy of each query); writing fails, as the file is
    immutable. A snapshot has no sealed-history cache: its longest span bounds the scans.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, info: SnapshotInfo,
                 longest: float, salt: str = ""):
        super().__init__(conn, path)
        self.info = info
        self._longest = longest
        self._salt = salt

    @classmethod
    def open(cls, path: Path) -> "PeerSnapshot":
        """Open a snapshot and read what it says about itself.

        Raises:
            NewerSnapshot: written by a newer presence.
            StoreError: unreadable, truncated, damaged, or not a presence snapshot.
        """
        path = Path(path)
        _check_header(path)
        try:
            conn = sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the snapshot ({exc})") from exc
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise StoreError(f"{path}: not a presence snapshot")
            if version > FORMAT:
                raise NewerSnapshot(f"{path}: written by a newer presence (snapshot format "
                                    f"{version}, this one reads {FORMAT}); upgrade presence "
                                    "on this device")
            meta = dict(conn.execute("SELECT key, value FROM snapshot").fetchall())
            info = SnapshotInfo(meta["device_id"], meta.get("device_name", ""),
                                float(meta["written_at"]), version, int(meta.get("spans", 0)))
            longest = float(meta.get("longest", 0))
            salt = meta.get("people_salt", "")
        except StoreError:
            conn.close()
            raise
        except (sqlite3.Error, KeyError, ValueError) as exc:
            conn.close()
            raise StoreError(f"{path}: the snapshot is damaged ({exc})") from exc
        return cls(conn, path, info, longest, salt)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: the snapshot is damaged ({exc})") from exc

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        raise StoreError(f"{self.path}: a peer's snapshot is read-only")

    def _lower_bound(self, start: float) -> float | None:
        # no sealed-history cache in a snapshot: the longest span bounds every scan
        return start - self._longest

    def people_salt(self) -> str:
        """The salt of the peer's forgotten-name hashes ("" when it never forgot anyone)."""
        return self._salt

    def forgotten(self) -> tuple[str, frozenset[str]]:
        """The peer's forgotten people: its salt and its hashes (none without the table or
        the salt: a snapshot of an older presence)."""
        if not self._salt or not self.has_table("forgotten_people"):
            return self._salt, frozenset()
        return self._salt, self.forgotten_hashes()

    def devices(self) -> list[tuple[str, str, str]]:
        """The peer's device registry: `(id, name, kind)` (itself and what it imported)."""
        return [tuple(r) for r in self._read("SELECT id, name, kind FROM devices ORDER BY id")]

    def has_table(self, name: str) -> bool:
        """Whether the snapshot holds a table (the people tables are there when the peer
        has them)."""
        return bool(self._read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)))
