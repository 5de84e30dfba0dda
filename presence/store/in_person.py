"""`in_person_log`: in-person time the user logged by hand (`presence log`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from presence.store.db import IN_RANGE, Tables, overlapping

# Logged time overlapping [start, end): its parameters are (end, start, start).
_LOGGED = overlapping("in_person_log")


class InPersonTables(Tables):
    """Logged in-person time, and the latest in-person time of any origin."""

    def add_in_person(self, start: float, end: float, note: str | None,
                      person_ids: Sequence[int] = ()) -> int:
        """Log in-person time that no calendar shows, and who was there (one transaction);
        returns the entry's id."""
        with self.transaction("could not log the time"):
            log_id = int(self._write("INSERT INTO in_person_log (start, end, note) "
                                     "VALUES (?, ?, ?)", (start, end, note)).lastrowid)
            self._write_many("INSERT OR IGNORE INTO log_people (log_id, person_id) "
                             "VALUES (?, ?)", [(log_id, pid) for pid in person_ids])
        return log_id

    def in_person_log(self, start: float, end: float) -> list[tuple[float, float, str | None]]:
        """Logged stretches overlapping [start, end)."""
        return [(s, e, note) for s, e, note in self._read(
            f"SELECT start, end, note FROM in_person_log WHERE {_LOGGED} AND {IN_RANGE} "
            "ORDER BY start", (end, start, start))]

    def last_in_person(self, before: float) -> float | None:
        """End of the latest in-person time (timed meeting or logged) that ended by `before`."""
        rows = self._read(
            "SELECT max(e) FROM (SELECT max(end) AS e FROM meetings WHERE kind = 'in_person' "
            "AND all_day = 0 AND end <= ? UNION ALL SELECT max(end) FROM in_person_log "
            "WHERE end <= ?)", (before, before))
        return rows[0][0]

    def remove_in_person(self, log_id: int) -> bool:
        """Delete a logged stretch (and who was there); False when there is no such id."""
        return self._write("DELETE FROM in_person_log WHERE id = ?",
                           (log_id,)).rowcount == 1

    def in_person_entries(self, start: float, end: float) -> list[tuple[int, float, float, str | None,
                                                                  tuple[str, ...]]]:
        """Logged stretches overlapping [start, end): (id, start, end, note, names)."""
        names: dict[int, list[str]] = defaultdict(list)
        for log_id, name in self._read(
                "SELECT lp.log_id, p.name FROM log_people lp JOIN people p ON p.id = "
                "lp.person_id JOIN in_person_log l ON l.id = lp.log_id WHERE "
                f"{overlapping('in_person_log', 'l')} ORDER BY p.name COLLATE NOCASE",
                (end, start, start)):
            names[log_id].append(name)
        return [(i, s, e, note, tuple(names.get(i, ()))) for i, s, e, note in self._read(
            f"SELECT id, start, end, note FROM in_person_log WHERE {_LOGGED} AND {IN_RANGE} "
            "ORDER BY start, id", (end, start, start))]

    def first_in_person_record(self) -> float | None:
        """Start of the earliest logged stretch or stored calendar instance."""
        return self._read(f"SELECT min(s) FROM (SELECT min(start) AS s FROM in_person_log "
                          f"WHERE {IN_RANGE} UNION ALL SELECT min(start) FROM meetings "
                          f"WHERE {IN_RANGE})")[0][0]
