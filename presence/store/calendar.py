"""`meetings` (the calendar instances of the synced window) and `calendar_sources`."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo

from presence.model import Meeting
from presence.store.db import IN_RANGE, Tables, overlapping
from presence.timeline import midnight

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any, Callable


def select_meetings(read: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]],
                    start: float, end: float, tz: tzinfo,
                    kind: str | None = None) -> list[Meeting]:
    """Instances overlapping [start, end) from a `meetings` table, through `read(sql, params)`:
    this database's, or a peer's snapshot (the same columns)."""
    sql = ("SELECT source, uid, summary, start, end, all_day, location, kind, reason "
           f"FROM meetings WHERE {overlapping('meetings')} AND {IN_RANGE}")
    params: tuple[Any, ...] = (end, start, start)
    if kind is not None:
        sql += " AND kind = ?"
        params += (kind,)
    out = []
    for source, uid, summary, s, e, all_day, location, kind_, reason in read(
            sql + " ORDER BY start", params):
        if all_day:
            begin: date | datetime = datetime.fromtimestamp(s, tz).date()
            finish: date | datetime = datetime.fromtimestamp(e, tz).date()
        else:
            begin = datetime.fromtimestamp(s, timezone.utc)
            finish = datetime.fromtimestamp(e, timezone.utc)
        out.append(Meeting(source, uid, summary, begin, finish, bool(all_day), location,
                           kind_, reason))
    return out


class CalendarTables(Tables):
    """Calendar instances, replaced on each sync, and the sources added on the command line."""

    def replace_meetings(self, source: str, meetings: list[Meeting], tz: tzinfo,
                         since: float) -> None:
        """Replace one source's instances that end after `since` (earlier ones stay as
        history); all-day dates are stored at local midnight."""
        def ts(value: datetime | date) -> float:
            if isinstance(value, datetime):
                return value.timestamp()
            return midnight(value, tz).timestamp()

        with self.transaction("could not store meetings"):
            self._write("DELETE FROM meetings WHERE source = ? AND end > ?", (source, since))
            self._write_many(
                "INSERT INTO meetings (source, uid, start, end, all_day, summary, location, "
                "kind, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(source, m.uid, ts(m.start), ts(m.end), int(m.all_day), m.summary, m.location,
                  m.kind, m.reason) for m in meetings])

    def meetings(self, start: float, end: float, tz: tzinfo,
                 kind: str | None = None) -> list[Meeting]:
        """Stored instances overlapping [start, end), optionally of one kind."""
        return select_meetings(self._read, start, end, tz, kind)

    def add_calendar_source(self, source: str, now: float) -> bool:
        """Remember a source; False when it was already there."""
        cur = self._write("INSERT OR IGNORE INTO calendar_sources (source, added) VALUES (?, ?)",
                          (source, now))
        return cur.rowcount == 1

    def calendar_sources(self) -> list[str]:
        """Sources added with `presence calendar add`, oldest first."""
        return [r[0] for r in self._read("SELECT source FROM calendar_sources ORDER BY added")]

    def remove_calendar_source(self, source: str, shown: str | None = None) -> bool:
        """Forget a source and its stored instances, together; False when it was not there.

        Instances are stored under the source's label (`shown`: a URL redacted), so both
        names are removed."""
        with self.transaction("could not remove the calendar source"):
            cur = self._write("DELETE FROM calendar_sources WHERE source = ?", (source,))
            self._write("DELETE FROM meetings WHERE source IN (?, ?)", (source, shown or source))
        return cur.rowcount == 1
