"""Helpers shared by the tests: real config files, a scripted probe, a stepping clock, the
sealed environment for subprocesses."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from presence import config
from presence.model import Sample

# How CI drives the suite (a skipped desktop test fails under it), not a presence setting.
SUITE_CONTROLS = frozenset({"PRESENCE_REQUIRE_DESKTOP"})


def without_presence(base: Mapping[str, str]) -> dict[str, str]:
    """`base` without any of presence's own PRESENCE_* variables."""
    return {k: v for k, v in base.items()
            if not k.startswith("PRESENCE_") or k in SUITE_CONTROLS}


def sealed_env(home: Path | None = None, base: Mapping[str, str] | None = None,
               **extra: str) -> dict[str, str]:
    """The environment for a presence subprocess: `base` (default: this process's, already
    sealed by the autouse fixture) without the caller's PRESENCE_* variables, with
    PRESENCE_HOME=`home` (default: the test's own home) and `extra` on top."""
    env = without_presence(os.environ if base is None else base)
    if home is not None:
        env["PRESENCE_HOME"] = str(home)
    elif "PRESENCE_HOME" in os.environ:
        env["PRESENCE_HOME"] = os.environ["PRESENCE_HOME"]
    env.update(extra)
    return env


def noon_zone() -> str:
    """A fixed-offset zone in which it is about noon now, for a test of "today" on the real
    clock (real daemons, Syncthing) that must not straddle a midnight."""
    hour = datetime.now(timezone.utc).hour
    ahead = 12 - hour  # UTC+ahead, from -11 to +12; Etc/GMT names it with the sign turned
    return "Etc/UTC" if ahead == 0 else f"Etc/GMT{'-' if ahead > 0 else '+'}{abs(ahead)}"


def write_config(folder: Path, text: str = "") -> Path:
    """Write a real TOML config file and return its path."""
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_config(folder: Path, text: str = "") -> config.Config:
    """Write `text` as the user's config and load it over the shipped one."""
    return config.load(write_config(folder, text), required=True)


@dataclass
class Scripted:
    """One step of a scripted probe: what is in front, and the idle seconds."""

    app: str | None
    title: str | None = None
    idle: float | None = 0.0
    exe: str | None = None


@dataclass
class ScriptedProbe:
    """A fake at the OS edge: replays scripted foreground states, the last one forever."""

    script: list[Scripted]
    name: str = "scripted"
    guess: bool = False
    reads: int = 0
    closed: bool = False

    def read(self, now: float) -> Sample:
        step = self.script[min(self.reads, len(self.script) - 1)]
        self.reads += 1
        return Sample(now, step.app, step.title, step.exe, None, step.idle)

    def close(self) -> None:
        self.closed = True



def read_store(db: Path, what):
    """`what(store)` on the daemon's database, or None while the daemon has not created it."""
    from presence.errors import StoreError
    from presence.store import Store

    try:
        store = Store.open(db, create=False)
    except StoreError:
        return None
    try:
        return what(store)
    finally:
        store.close()


def database_at_schema(db: Path, version: int):
    """A new database file as presence wrote it at schema `version` (the first `version`
    migrations, nothing after), open in a plain sqlite3 connection for the test to fill."""
    import sqlite3

    from presence.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db)
    for migrate in MIGRATIONS[:version]:
        migrate(conn)
    conn.execute(f"PRAGMA user_version = {int(version)}")
    return conn


def sql_rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on the database file, through a connection of the test's own (the way
    another program would read a user's data)."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


class SilentOutbox:
    """A fake notifier at the OS edge for tests of the nudger's state: it delivers nothing."""

    def submit(self, nudge):
        pass

    def drain(self):
        return []

    def close(self):
        return []

