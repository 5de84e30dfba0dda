"""`settings`: small JSON values under a key (snooze, calendar sync status, the daemon's record)."""

from __future__ import annotations

import json

from presence.store.db import Tables

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any


class SettingsTables(Tables):
    """Key → JSON value."""

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under `key`."""
        self._write("INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)))

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The value stored under `key`, or `default`."""
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def delete_setting(self, key: str) -> None:
        """Forget `key`."""
        self._write("DELETE FROM settings WHERE key = ?", (key,))
