"""`nudges`: what presence decided to say, and what became of it."""

from __future__ import annotations

from presence.model import Nudge
from presence.store.db import Tables


class NudgeTables(Tables):
    """Nudges, recorded before delivery and updated after it."""

    def insert_nudge(self, nudge: Nudge) -> int:
        """Record a decided nudge before delivery, so a restart never repeats it."""
        return int(self._write(
            "INSERT INTO nudges (at, kind, key, title, message, channel, delivered, error) "
            "VALUES (?, ?, ?, ?, ?, NULL, 0, 'pending')",
            (nudge.at, nudge.kind, nudge.key, nudge.title, nudge.message)).lastrowid)

    def record_delivery(self, row_id: int, channel: str, delivered: bool,
                        error: str | None) -> None:
        """Record what became of a nudge: where it went, whether it was shown, why not."""
        self._write("UPDATE nudges SET channel = ?, delivered = ?, error = ? WHERE id = ?",
                    (channel, int(delivered), error, row_id))

    def nudges(self, start: float, end: float) -> list[tuple[Nudge, str | None, bool]]:
        """Nudges decided in [start, end), with their channel and whether they were shown."""
        return [(Nudge(at, kind, key, title, message), channel, bool(delivered))
                for at, kind, key, title, message, channel, delivered in self._read(
                    "SELECT at, kind, key, title, message, channel, delivered FROM nudges "
                    "WHERE at >= ? AND at < ? ORDER BY at", (start, end))]
