"""Following the store cheaply: a new glance only when something may have changed.

`bar --follow` and the tray wake once per daemon interval and ask SQLite one question,
`PRAGMA data_version`, which changes only when another connection (the daemon, the CLI)
committed. Today's numbers are read again only then, when the daemon starts or stops, or when
the glance itself said it would change (a snooze ends, a meeting starts, midnight). So a
follower costs a small fraction of the daemon's own sampling (DESIGN §3 At a glance).
"""

from __future__ import annotations

import logging
from pathlib import Path

from presence.config import Config
from presence.errors import StoreError
from presence.glance import view
from presence.lock import running_pid

log = logging.getLogger(__name__)


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
        running = running_pid(self.db_path) is not None
        store = self.store()
        version = None
        if store is not None:
            try:
                version = store.data_version()
            except StoreError as exc:
                log.info("cannot read the database: %s", exc)
                self.close()
                store = None
        last = self.glance
        if (not self._stale and last is not None and version == self._version
                and running == last.running and now < last.until):
            return None
        try:
            self.glance = view.read(store, self.config, now, running)
        except StoreError as exc:
            log.info("cannot read today's numbers: %s", exc)
            return None
        self._version, self._stale = version, False
        if store is not None and running:
            beat = store.get_setting("daemon") or {}
            if isinstance(beat.get("interval"), (int, float)) and beat["interval"] > 0:
                self.interval = float(beat["interval"])
        return self.glance

    def close(self) -> None:
        """Close the read connection."""
        if self._store is not None:
            self._store.close()
            self._store = None
