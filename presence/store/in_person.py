"""`in_person_log`: in-person time the user logged by hand (`presence log`)."""

from __future__ import annotations

from presence.store.db import IN_RANGE, Tables


class InPersonTables(Tables):
    """Logged in-person time, and the latest in-person time of any origin."""

    def add_in_person(self, start: float, end: float, note: str | None) -> int:
        """Log in-person time that no calendar shows."""
        return int(self._write("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, ?)",
                               (start, end, note)).lastrowid)

    def in_person_log(self, start: float, end: float) -> list[tuple[float, float, str | None]]:
        """Logged stretches overlapping [start, end)."""
        return [(s, e, note) for s, e, note in self._read(
            "SELECT start, end, note FROM in_person_log WHERE start < ? AND end > ? "
            f"AND {IN_RANGE} ORDER BY start", (end, start))]

    def last_in_person(self, before: float) -> float | None:
        """End of the latest in-person time (timed meeting or logged) that ended by `before`."""
        rows = self._read(
            "SELECT max(e) FROM (SELECT max(end) AS e FROM meetings WHERE kind = 'in_person' "
            "AND all_day = 0 AND end <= ? UNION ALL SELECT max(end) FROM in_person_log "
            "WHERE end <= ?)", (before, before))
        return rows[0][0]
