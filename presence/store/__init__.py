"""The only place that speaks SQL: the presence database and its tables.

Layout (where a newcomer adds things):
- `db.py`: opening the file, running the migrations, the one `transaction()` helper, and
  `Tables`, the base that owns the (private) connection.
- `migrations.py`: the schema as numbered migrations. A new table or column is a new
  migration appended to `MIGRATIONS`; shipped migrations are never edited.
- one module per group of tables, each a `Tables` subclass with the statements on them:
  `activity.py`, `rollups.py`, `calendar.py`, `in_person.py`, `focus.py`, `nudges.py`,
  `settings.py`, `flushes.py` (the daemon's flush, one call), `export.py`, `imports.py`
  (an import: staging, then its spans many at a time), `ranges.py` (rows out of range),
  `people_rollup.py` (each person's condensed history), `devices.py` (the device registry;
  apart from `Store`, `snapshots.py` writes a device's snapshot and `peers.py` reads a
  peer's). A new group gets its own module, and its class joins `Store`'s bases below. Statements that belong together run
  in one `with self.transaction(...)`.

Callers use `Store` (and `open_or_recover` in the daemon), never a connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from presence.errors import CorruptDatabase, StoreError
from presence.frozen import field, frozen
from presence.store.calendar import CalendarTables
from presence.store.db import SCHEMA_VERSION, is_corruption
from presence.store.devices import DeviceTables
from presence.store.export import EXPORT_TABLES, ExportTables
from presence.store.flushes import FlushTables
from presence.store.focus import FocusTables
from presence.store.imports import ImportTables
from presence.store.in_person import InPersonTables
from presence.store.nudges import NudgeTables
from presence.store.ranges import RangeTables
from presence.store.people import PeopleTables
from presence.store.people_rollup import PeopleRollupTables
from presence.store.rollups import RollupTables
from presence.store.settings import SettingsTables

__all__ = ["EXPORT_TABLES", "SCHEMA_VERSION", "Health", "Store", "is_damage", "open_or_recover",
           "start_afresh"]


# The daemon's page cache, in KiB (`Store.keep_cache_small`).
DAEMON_CACHE_KIB = 256


@frozen
class Health:
    """What `presence doctor` reports about the database."""

    intact: bool
    spans: int
    out_of_range: dict[str, int] = field(default_factory=dict)


class Store(FlushTables, ExportTables, RollupTables, CalendarTables, InPersonTables, FocusTables,
            NudgeTables, SettingsTables, ImportTables, RangeTables, PeopleTables,
            PeopleRollupTables, DeviceTables):
    """A connection to the presence database, with the statements of every table group."""

    def health(self) -> Health:
        """The quick integrity check and how many spans are stored."""
        return Health(self.quick_check_ok(), self.span_count(), self.out_of_range())

    def keep_cache_small(self) -> None:
        """Keep at most `DAEMON_CACHE_KIB` of pages in memory on this connection. The daemon
        holds its connection for days, writes a row now and then and reads little; SQLite's
        default cache (2 MB) would fill with the pages of the start's quick check and stay
        (issue 18: a quiet daemon)."""
        self._read(f"PRAGMA cache_size = -{DAEMON_CACHE_KIB}")


def is_damage(exc: StoreError) -> bool:
    """Whether a store error says the file is damaged or no database at all (rather than
    busy, read-only or full)."""
    cause = exc.__cause__
    return isinstance(exc, CorruptDatabase) or (
        isinstance(cause, sqlite3.DatabaseError) and is_corruption(cause))


def start_afresh(store: Store, stamp: str, why: str) -> tuple[Store, Path | None, bool]:
    """Move the file at `store.path` aside (never deleted) and open a database there again:
    for a file damaged or replaced while the daemon ran.

    A file replaced under the daemon (`why="replaced"`) leaves the daemon's own database
    readable through its connection: it is copied back to `path` whole, so no history is
    lost. A damaged one cannot be read: a fresh database starts.

    Returns:
        The store at `path`, where the file found there went (None when none was), and
        whether the daemon's history was copied back.
    """
    path = store.path
    copy = path.with_name(f"{path.name}.rescue-{stamp}")
    rescued = why == "replaced" and store.copy_to(copy)
    try:
        store.close()
    except sqlite3.Error:
        pass
    moved = _move_aside(path, f"{why}-{stamp}")
    if rescued:
        copy.rename(path)
    fresh = Store.open(path)
    fresh.keep_cache_small()
    return fresh, moved, rescued


def _move_aside(path: Path, tag: str) -> Path | None:
    moved = path.with_name(f"{path.name}.{tag}")
    if not path.exists():
        return None
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(moved.with_name(moved.name + suffix))
    return moved


def open_or_recover(path: Path, stamp: str) -> tuple[Store, Path | None]:
    """Open the daemon's database; a damaged one is moved aside (never deleted) and a fresh
    one started.

    Args:
        path: the database file.
        stamp: what to append to the moved file's name (a time, from the caller's clock).

    Returns:
        The open store and where the damaged file went (None when it was fine).
    """
    try:
        store = Store.open(path)
        store.keep_cache_small()
        if store.quick_check_ok():
            return store, None
        store.close()
    except CorruptDatabase:
        pass
    except StoreError as exc:
        cause = exc.__cause__
        if not (isinstance(cause, sqlite3.DatabaseError) and is_corruption(cause)):
            raise
    moved = _move_aside(path, f"corrupt-{stamp}")
    store = Store.open(path)
    store.keep_cache_small()
    return store, moved
