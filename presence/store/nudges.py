"""`nudges`: what presence decided to say, and what became of it."""

from __future__ import annotations


from presence.model import Nudge, NudgeRecord
from presence.store.db import Tables

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

_RECORD = ("SELECT id, at, kind, key, title, message, channel, delivered, response, "
           "responded_at, followed FROM nudges")


def _record(row: tuple[Any, ...]) -> NudgeRecord:
    rid, at, kind, key, title, message, channel, delivered, response, responded, followed = row
    return NudgeRecord(rid, Nudge(at, kind, key, title, message), channel, bool(delivered),
                       response, responded, None if followed is None else bool(followed))


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

    def nudge_records(self, start: float, end: float) -> list[NudgeRecord]:
        """Nudges decided in [start, end), oldest first, with their answers and effect."""
        return [_record(r) for r in self._read(f"{_RECORD} WHERE at >= ? AND at < ? "
                                               "ORDER BY at, id", (start, end))]

    def nudge_record(self, row_id: int) -> NudgeRecord | None:
        """One stored nudge, or None when no nudge has that id."""
        rows = self._read(f"{_RECORD} WHERE id = ?", (row_id,))
        return _record(rows[0]) if rows else None

    def record_response(self, row_id: int, response: str, at: float) -> bool:
        """Store the user's answer to a nudge; the first answer stays (False: already had one
        or no such nudge)."""
        return self._write("UPDATE nudges SET response = ?, responded_at = ? "
                           "WHERE id = ? AND response IS NULL",
                           (response, at, row_id)).rowcount == 1

    def set_followed(self, row_id: int, followed: bool) -> None:
        """Store whether the user followed a nudge (decided once, from the spans after it)."""
        self._write("UPDATE nudges SET followed = ? WHERE id = ?", (int(followed), row_id))

    def unjudged(self, since: float, kinds: tuple[str, ...]) -> list[NudgeRecord]:
        """Shown nudges of `kinds` since `since` whose effect is not known yet."""
        marks = ", ".join("?" * len(kinds))
        return [_record(r) for r in self._read(
            f"{_RECORD} WHERE at >= ? AND delivered = 1 AND followed IS NULL "
            f"AND kind IN ({marks}) ORDER BY at", (since, *kinds))]

    def follow_outcomes(self, kind: str, limit: int, skip_prefix: str = "") -> list[bool | None]:
        """`followed` of the latest `limit` shown nudges of `kind` whose effect is known,
        newest first; keys starting with `skip_prefix` (nudges never judged) left out."""
        rows = self._read("SELECT followed FROM nudges WHERE kind = ? AND delivered = 1 "
                          "AND followed IS NOT NULL AND NOT (? != '' AND substr(key, 1, ?) = ?) "
                          "ORDER BY at DESC LIMIT ?",
                          (kind, skip_prefix, len(skip_prefix), skip_prefix, limit))
        return [bool(r[0]) for r in rows]
