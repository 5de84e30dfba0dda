"""Following the store cheaply: a new glance only when something may have changed.

`bar --follow` and the tray wake once per daemon interval and ask SQLite one question,
`PRAGMA data_version`, which changes only when another connection (the daemon, the CLI)
committed. Then they read three small records (what is in front, the snooze, the pause): when
one of those changed (a switch, a click), today's numbers are read again at once. When only
the daemon's flush changed the store (the open span grew), they are read again at most every
`REREAD_SECONDS`: the bar shows minutes, and re-reading a busy day every flush would cost
more than the daemon's own sampling. They are also read when the daemon starts or stops, and
when the glance itself said it would change (a snooze ends, a meeting starts, midnight).
"""

from __future__ import annotations

import logging
from pathlib import Path

from presence import holds
from presence.config import Config
from presence.errors import StoreError
from presence.glance import view
from presence.lock import running_pid

log = logging.getLogger(__name__)

REREAD_SECONDS = 60.0
# A daemon that stops writes nothing more: while the store is quiet, whether it still runs is
# asked of its lock this often (each wake, only when the store changed).
LOCK_CHECK_SECONDS = 5.0


class Follower:
    """Keeps one read connection open and hands out a fresh `Glance` when it may differ."""

    def __init__(self, db_path: Path, config: Config):
        self.db_path = db_path
        self.config = config
        self.glance: view.Glance | None = None
        self.interval = config.interval
        self._store = None
        self._version: int | None = None
        self._stale = True
        self._marks: tuple | None = None
        self._dirty = False
        self._read_at = 0.0
        self._running: bool | None = None
        self._checked_at = -LOCK_CHECK_SECONDS

    def store(self):
        """The open read connection, or None while there is no database yet."""
        if self._store is None:
            from presence.store import Store

            try:
                self._store = Store.open(self.db_path, create=False)
            except StoreError as exc:
                log.debug("no database to follow yet: %s", exc)
        return self._store

    def invalidate(self) -> None:
        """Read again on the next poll (after this process wrote to the store itself, which
        `data_version` does not report to the connection that wrote)."""
        self._stale = True

    def poll(self, now: float) -> view.Glance | None:
        """A new glance when something may have changed since the last one, else None."""
        store = self.store()
        version = None
        if store is not None:
            try:
                version = store.data_version()
            except StoreError as exc:
                log.info("cannot read the database: %s", exc)
                self.close()
                store = None
        if (self._running is None or version != self._version
                or not 0 <= now - self._checked_at < LOCK_CHECK_SECONDS):
            self._running = running_pid(self.db_path) is not None
            self._checked_at = now
        running = self._running
        last = self.glance
        due = (self._stale or last is None or running != last.running or now >= last.until)
        try:
            if version != self._version:
                self._version, self._dirty = version, True
                marks = self._read_marks(store)
                due = due or marks != self._marks or not running
            due = due or (self._dirty and now - self._read_at >= REREAD_SECONDS)
            if not due:
                return None
            self.glance = view.read(store, self.config, now, running)
            self._marks = self._read_marks(store)
        except StoreError as exc:
            log.info("cannot read today's numbers: %s", exc)
            return None
        self._stale = self._dirty = False
        self._read_at = now
        if store is not None and running:
            beat = store.get_setting("daemon") or {}
            if isinstance(beat.get("interval"), (int, float)) and beat["interval"] > 0:
                self.interval = float(beat["interval"])
        return self.glance

    @staticmethod
    def _read_marks(store) -> tuple | None:
        """What a user notices at once: the "now" record, the snooze and the pause."""
        if store is None:
            return None
        return (store.get_setting(view.NOW_KEY), store.get_setting(holds.SNOOZE_KEY),
                store.get_setting(holds.PAUSE_KEY))

    def close(self) -> None:
        """Close the read connection."""
        if self._store is not None:
            self._store.close()
            self._store = None
