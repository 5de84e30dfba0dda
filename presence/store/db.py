"""Open the database, bring its schema up to date, and run statements: the base of the store.

One SQLite file (WAL, busy timeout) shared by the daemon, which writes, and the CLI, which
mostly reads. The schema is created and changed by the numbered migrations in
`presence/store/migrations.py`, tracked in `PRAGMA user_version`; once a database is current,
opening it imports nothing but sqlite3, which keeps read commands fast. Times are UNIX seconds
(UTC, REAL); SQL never computes "now".

`Tables` owns the connection, privately. Each group of tables is a `Tables` subclass in its own
module (activity, rollups, calendar, ...), and `presence.store.Store` joins them into the one
object callers use. Several statements that belong together run inside one `transaction()`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from presence.errors import CorruptDatabase, StoreError
from presence.model import EARLIEST, LATEST
from presence.paths import make_private_dir
from presence.store.migrations import MIGRATIONS, SCHEMA_VERSION
from presence.logsetup import logger

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any, TypeVar
    T = TypeVar("T", bound="Tables")

log = logger(__name__)

BUSY_TIMEOUT_MS = 10_000
# Rows whose times fall outside what presence can show (written by older versions, or by hand)
# are skipped by every reader; `presence doctor` counts them (store/ranges.py).
IN_RANGE = f"start >= {EARLIEST!r} AND end <= {LATEST!r} AND start <= end"

__all__ = ["BUSY_TIMEOUT_MS", "IN_RANGE", "MIGRATIONS", "SCHEMA_VERSION", "Tables",
           "overlapping"]


def overlapping(table: str, alias: str | None = None) -> str:
    """The condition that a row of `table` (as `alias`) overlaps [start, end); its
    parameters are (end, start, start).

    A start before `start` less the longest row's length cannot overlap, so the start index
    is searched from there (the longest is one step away on its length index, migration 12):
    a day's rows cost the same on ten years of history as on one. SQLite searches by the
    first lower bound it is given on `start`, so this goes before IN_RANGE's.
    """
    t = f"{alias or table}."
    return (f"{t}start < ? AND {t}end > ? "
            f"AND {t}start > ? - (SELECT max(end - start) FROM {table}) - 1")


def _create_private_file(path: Path) -> None:
    # Create the file 0600 before SQLite does, whatever the umask (SQLite creates the -wal
    # and -shm files with the database file's permissions).
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


_HEADER = b"SQLite format 3\x00"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite's error says the file is damaged or not a database at all."""
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


# A scratch database (a replay's temporary store, thrown away afterwards and read by no other
# connection, which a crash cannot cost anything of value) writes without waiting for the
# disk, keeps its undo journal in memory and is locked to its one connection: no WAL frame
# appended, no lock taken and no fsync, from its first statement (its schema) on.
_SCRATCH = ("PRAGMA synchronous = OFF", "PRAGMA locking_mode = EXCLUSIVE",
            "PRAGMA journal_mode = MEMORY")


def _connect(path: Path, create: bool,
             scratch: bool = False) -> tuple[sqlite3.Connection, int]:
    try:
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no database yet (start the daemon with "
                                 "`presence run`, or pass --db)")
            make_private_dir(path.parent)
            _create_private_file(path)
        # isolation_level=None: no implicit transactions; `Tables.transaction` opens them.
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            problem = _unversioned(conn, path, create)
            if problem:
                conn.close()
                raise StoreError(f"{path}: {problem}")
        if scratch:
            for pragma in _SCRATCH:
                conn.execute(pragma)
        else:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise CorruptDatabase(f"{path}: the database is damaged ({exc})") from exc
        raise StoreError(f"{path}: cannot open the database ({exc})") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from exc
    return conn, version


# Tables every presence database has had since schema 1: one of them marks a database as ours.
_OURS = ("activity", "settings")


def _unversioned(conn: sqlite3.Connection, path: Path, create: bool) -> str | None:
    """Why a database without a schema version cannot be used here, or None to migrate it.

    A reader never sets up the schema (it would race the daemon creating it); nobody
    migrates presence's tables into another program's database.
    """
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    if tables and not set(tables) & set(_OURS):
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        return (f"a SQLite database, but not presence's (its tables: {shown}); give "
                "presence's own database with --db, or leave --db out")
    if create:
        return None
    from presence.lock import running_pid

    if running_pid(path) is not None:
        return "no database yet (the daemon is creating it)"
    return (f"no presence data in this file: a copy made while presence ran leaves the data "
            f"in the -wal file beside the original; copy {path.name} together with its -wal "
            "file, or copy with: sqlite3 ORIGINAL.db \".backup COPY.db\"")


def schema_behind(path: Path) -> bool:
    """Whether opening the database at `path` would create or migrate its schema (missing,
    or older than this presence): what the daemon leaves to a child process, since the
    migrations are code that sampling never needs."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return True
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION
    except sqlite3.Error:
        return True  # damaged or locked: the daemon's own open says what is wrong
    finally:
        conn.close()


class Tables:
    """The connection to the presence database and the ways to run SQL on it.

    Table modules subclass this and use `_read`, `_write`, `_write_many` and `transaction`;
    nothing outside `presence/store/` sees the connection.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._identity = _identity(path)
        self._header_fd: int | None = None

    def copy_to(self, target: Path) -> bool:
        """Copy this connection's database, whole and consistent, to a new private file;
        False when it cannot be read (the copy is then removed)."""
        try:
            _create_private_file(target)
            copy = sqlite3.connect(target)
            try:
                self._conn.backup(copy)
            finally:
                copy.close()
            return True
        except (sqlite3.Error, OSError) as exc:
            log.warning("could not copy the database out of %s: %s", self.path, exc)
            target.unlink(missing_ok=True)
            return False

    def file_problem(self) -> str | None:
        """What happened to the file under this connection: `replaced` (deleted, or another
        file moved over it: writes would go to a file nobody can read), `damaged` (no longer
        starts as an SQLite database), or None. Two cheap system calls, for every flush."""
        if _identity(self.path) != self._identity:
            return "replaced"
        try:
            # One descriptor kept open until close(): closing any descriptor of the file
            # would drop SQLite's POSIX locks on it, so none is opened and closed per check.
            if self._header_fd is None:
                self._header_fd = os.open(self.path, os.O_RDONLY)
            header = os.pread(self._header_fd, 16, 0)
        except OSError:
            return None  # unreadable for a moment: the write itself will say
        return None if header in (_HEADER, b"") else "damaged"

    @classmethod
    def open(cls: type[T], path: Path, *, create: bool = True, scratch: bool = False) -> T:
        """Open (and create or migrate) the database at `path`.

        Args:
            path: the database file.
            create: create the file and its schema when missing (readers pass False).
            scratch: a database thrown away afterwards and read by no other connection (a
                replay's temporary store): written without waiting for the disk, its
                journal in memory, locked to this connection.

        Raises:
            StoreError: the file is missing (with `create=False`), unreadable, not a
                database, or from a newer presence.
        """
        path = Path(path)
        conn, version = _connect(path, create, scratch)
        store = cls(conn, path)
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"{path}: made by a newer presence (schema {version}, this one "
                             f"knows {SCHEMA_VERSION}); upgrade presence")
        if version < SCHEMA_VERSION:
            store._migrate()
        return store

    def _migrate(self) -> None:
        with self.transaction("migrating the database failed"):
            # Another process may have migrated while we waited for the write lock.
            version = self._read("PRAGMA user_version")[0][0]
            for number in range(version, SCHEMA_VERSION):
                log.info("migrating %s to schema %d", self.path, number + 1)
                MIGRATIONS[number](self._conn)
            self._write(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
        if self._header_fd is not None:
            os.close(self._header_fd)
            self._header_fd = None

    def transaction(self, what: str = "write failed", *,
                    write: bool = True) -> _Transaction:
        """Run the statements inside the block as one transaction: all of them or none.

        A write transaction takes the write lock at once (BEGIN IMMEDIATE), so what it reads
        cannot change before it writes; a read one (`write=False`) reads one snapshot. Inside
        another transaction the block simply joins it.

        Args:
            what: how a failure is described (`"{path}: {what} (sqlite's reason)"`).
            write: whether the block writes.

        Raises:
            StoreError: SQLite failed; nothing of the block was stored.
        """
        return _Transaction(self, what, write)

    def _rolled_back(self) -> None:
        """Forget what this connection cached from inside a transaction that was rolled
        back (a table group that caches overrides it)."""

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from exc

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from exc

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: read failed ({exc})") from exc

    def _stream(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        try:
            return iter(self._conn.execute(sql, params))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: read failed ({exc})") from exc

    def data_version(self) -> int:
        """A number that changes when another connection commits (PRAGMA data_version)."""
        return self._read("PRAGMA data_version")[0][0]

    def integrity_ok(self) -> bool:
        """Whether `PRAGMA integrity_check` passes."""
        return self._read("PRAGMA integrity_check")[0][0] == "ok"

    def quick_check_ok(self) -> bool:
        """Whether `PRAGMA quick_check` passes (the cheaper check, run at every start)."""
        return self._read("PRAGMA quick_check")[0][0] == "ok"


def __getattr__(name: str) -> Any:
    # Callers from before the split imported these from here; `presence.store` has them now.
    if name in ("Store", "open_or_recover"):
        import presence.store

        return getattr(presence.store, name)
    raise AttributeError(name)


class _Transaction:
    """`Tables.transaction`'s block: a class rather than a generator, since the daemon opens
    one at every switch of span and a generator's context costs three times as much (issue
    18: ingest)."""

    __slots__ = ("_tables", "_what", "_write", "_own")

    def __init__(self, tables: Tables, what: str, write: bool):
        self._tables, self._what, self._write = tables, what, write

    def __enter__(self) -> None:
        conn = self._tables._conn
        self._own = not conn.in_transaction  # inside another: join it
        if self._own:
            try:
                conn.execute("BEGIN IMMEDIATE" if self._write else "BEGIN")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self._tables.path}: {self._what} ({exc})") from exc

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 _trace: object) -> bool:
        if not self._own:
            return False
        tables = self._tables
        conn = tables._conn
        if kind is None:
            try:
                conn.execute("COMMIT")
                return False
            except BaseException as failed:  # as one raised in the block
                exc = failed
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        tables._rolled_back()
        if isinstance(exc, sqlite3.DatabaseError):
            raise StoreError(f"{tables.path}: {self._what} ({exc})") from exc
        if kind is None:
            raise exc  # type: ignore[misc]  # COMMIT failed otherwise (an interrupt)
        return False
