"""`people_rollup` and `people_rollup_reach`: each person's in-person time before today's local
midnight, condensed (migrations 9 and 11), so that `people` reads today's occasions, not all.

- `people_rollup_reach(zone, upto)`: the moment (UNIX seconds) and the zone of the local days.
- `people_rollup(person_id, times, last_start, last_end, days, seconds_30d, seconds_365d,
  times_365d)`: per person, what presence/people/ledger.py's `Earlier` holds of the time that
  began before `upto` (`days`: local day ordinals, newest first, comma-separated).

A cache, rebuilt by readers from the source rows: triggers drop a person's row whenever time
before `upto` changes for them (a meeting or logged stretch stored, deleted or moved, its
people changed, the person merged or forgotten), and the reader condenses them again. Nothing
the user stored is in it, and no name.
"""

from __future__ import annotations

from collections.abc import Mapping

from presence.store.db import Tables

# A condensed history as stored: (times, (last start, last end) or None, day ordinals, the
# seconds in the 30- and 365-day windows, the occasions in the latter), as `Earlier` holds it.
Condensed = tuple[int, "tuple[float, float] | None", tuple[int, ...], float, float, int]


class PeopleRollupTables(Tables):
    """The condensed history of each person (see the module docstring)."""

    def people_rollup(self, zone: str) -> tuple[float, dict[int, Condensed]] | None:
        """The moment the stored histories are condensed before, and each person's, for
        `zone`; None when none are (or only for another zone)."""
        reach = self._read("SELECT upto FROM people_rollup_reach WHERE zone = ?", (zone,))
        if not reach:
            return None
        rows: dict[int, Condensed] = {}
        for pid, times, start, end, days, in_30, in_365, times_365 in self._read(
                "SELECT person_id, times, last_start, last_end, days, seconds_30d, "
                "seconds_365d, times_365d FROM people_rollup"):
            rows[pid] = (times, None if start is None else (start, end),
                         tuple(map(int, days.split(","))) if days else (), in_30, in_365,
                         times_365)
        return reach[0][0], rows

    def put_people_rollup(self, zone: str, upto: float, rows: Mapping[int, Condensed],
                          fresh: bool) -> None:
        """Store condensed histories (`fresh`: they replace every stored one, condensed before
        another moment or in another zone). Call it in the write transaction that read the
        history they were made from."""
        if fresh:
            self._write("DELETE FROM people_rollup")
            self._write("DELETE FROM people_rollup_reach")
            self._write("INSERT INTO people_rollup_reach (id, zone, upto) VALUES (1, ?, ?)",
                        (zone, upto))
        self._write_many(
            "INSERT OR REPLACE INTO people_rollup (person_id, times, last_start, last_end, "
            "days, seconds_30d, seconds_365d, times_365d) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(pid, times, *(last or (None, None)), ",".join(map(str, days)), *in_windows)
             for pid, (times, last, days, *in_windows) in rows.items()])
