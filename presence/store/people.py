"""The people tables (DESIGN §2): who was there, under which names, and who was forgotten.

- `people(id, name, goal_days)`: one row a person.
- `person_aliases(alias, person_id)`: normalised spellings and addresses that join a person.
- `meeting_people(meeting_id, person_id)`, `log_people(log_id, person_id)`: who was there;
  triggers drop a meeting's or a log entry's rows when it is deleted (a sync replaces the
  meetings of its window), so no other table module has to know about people.
- `forgotten_people(hash)`: salted hashes of forgotten names and addresses, never the names.

The schema is migration 4 (presence/store/migrations.py); who was at a logged stretch is
written with it (presence/store/in_person.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from presence.errors import StoreError
from presence.model import Meeting, Occasion, Person
from presence.store.db import IN_RANGE, Tables, overlapping
from presence.logsetup import logger

log = logger(__name__)

SALT_KEY = "people_salt"

# Text columns that may name a person, scrubbed by `forget_person`.
_SCRUBBED_COLUMNS = (("meetings", "summary"), ("in_person_log", "note"),
                     ("nudges", "title"), ("nudges", "message"), ("focus_windows", "label"),
                     ("activity", "title"))


# Rows out of range (see IN_RANGE) are skipped, as every reader does. The filters come
# first: SQLite searches the start index by the first bound it is given on `start`.
_OCCASIONS = (
    "SELECT mp.person_id, m.start, m.end, 'calendar', m.summary, m.id FROM meeting_people mp "
    "JOIN meetings m ON m.id = mp.meeting_id WHERE m.kind = 'in_person' AND m.all_day = 0 "
    f"{{meeting_filter}} AND {IN_RANGE} UNION ALL "
    "SELECT lp.person_id, l.start, l.end, 'log', COALESCE(l.note, ''), l.id FROM log_people lp "
    f"JOIN in_person_log l ON l.id = lp.log_id WHERE 1 {{log_filter}} AND {IN_RANGE}")

# When in-person time began, for `_times`: in [lo, hi), or before hi and ending after lo
# (each with its two parameters; `t` is the table).
_BEGAN_IN = "{t}.start >= ? AND {t}.start < ?"
_OVERLAPS = overlapping("{table}", "{t}")  # three parameters: end, start, start


def _times(began: str, who: str = "") -> str:
    """The (person, start, end) of in-person time whose start is as `began` says (meetings,
    then logged time: its parameters twice), of the people `who` narrows to."""
    return ("SELECT mp.person_id, m.start, m.end FROM meeting_people mp JOIN meetings m "
            "ON m.id = mp.meeting_id WHERE m.kind = 'in_person' AND m.all_day = 0 "
            f"AND {began.format(t='m', table='meetings')} AND {IN_RANGE} {who} UNION ALL "
            "SELECT lp.person_id, l.start, l.end FROM log_people lp JOIN in_person_log l "
            f"ON l.id = lp.log_id WHERE {began.format(t='l', table='in_person_log')} "
            f"AND {IN_RANGE} {who}")


# More people than this are read whole and picked in Python rather than listed in the SQL.
_LISTED = 200


class PeopleTables(Tables):
    """Statements on the people tables."""

    def people_salt(self) -> str:
        """The random salt of this database's forgotten-name hashes (made on first use)."""
        with self.transaction("could not store the salt"):
            rows = self._read("SELECT value FROM settings WHERE key = ?", (SALT_KEY,))
            if rows:
                return str(json.loads(rows[0][0]))
            import secrets  # only the first time, not on every `people` read

            salt = secrets.token_hex(16)
            self._write("INSERT INTO settings (key, value) VALUES (?, ?)",
                        (SALT_KEY, json.dumps(salt)))
        return salt

    def forgotten_hashes(self) -> frozenset[str]:
        """Hashes of every forgotten spelling and address."""
        return frozenset(r[0] for r in self._read("SELECT hash FROM forgotten_people"))

    def people(self) -> list[Person]:
        """Every person with their aliases, by name."""
        aliases: dict[int, list[str]] = defaultdict(list)
        for alias, person_id in self._read("SELECT alias, person_id FROM person_aliases "
                                           "ORDER BY alias"):
            aliases[person_id].append(alias)
        return [Person(pid, name, tuple(aliases.get(pid, ())), goal)
                for pid, name, goal in self._read(
                    "SELECT id, name, goal_days FROM people ORDER BY name COLLATE NOCASE, id")]

    def add_person(self, name: str, aliases: Iterable[str]) -> int:
        """A new person and their first aliases; returns the id."""
        with self.transaction("could not store a person"):
            person_id = int(self._write("INSERT INTO people (name) VALUES (?)",
                                        (name,)).lastrowid)
            self.add_aliases(person_id, aliases)
        return person_id

    def add_aliases(self, person_id: int, aliases: Iterable[str]) -> None:
        """More spellings or addresses for a person (one already taken stays its owner's)."""
        self._write_many("INSERT OR IGNORE INTO person_aliases (alias, person_id) VALUES (?, ?)",
                         [(a, person_id) for a in dict.fromkeys(aliases) if a])

    def set_goal(self, person_id: int, days: int | None) -> None:
        """The rhythm the user wants with someone, in days; None clears it."""
        self._write("UPDATE people SET goal_days = ? WHERE id = ?", (days, person_id))

    def rename_person(self, person_id: int, name: str, aliases: Iterable[str]) -> None:
        """A new display name; the old spellings stay aliases so titles still find them."""
        with self.transaction("could not rename"):
            self._write("UPDATE people SET name = ? WHERE id = ?", (name, person_id))
            self.add_aliases(person_id, aliases)

    def merge_people(self, keep: int, gone: int, aliases: Iterable[str]) -> None:
        """Move everything of person `gone` to `keep`, then delete `gone`."""
        with self.transaction("could not merge"):
            for table, ref in (("meeting_people", "meeting_id"), ("log_people", "log_id")):
                self._write(f"INSERT OR IGNORE INTO {table} ({ref}, person_id) "
                            f"SELECT {ref}, ? FROM {table} WHERE person_id = ?", (keep, gone))
                self._write(f"DELETE FROM {table} WHERE person_id = ?", (gone,))
            self._write("UPDATE person_aliases SET person_id = ? WHERE person_id = ?",
                        (keep, gone))
            self.add_aliases(keep, aliases)
            self._write("UPDATE people SET goal_days = COALESCE(goal_days, (SELECT goal_days "
                        "FROM people WHERE id = ?)) WHERE id = ?", (gone, keep))
            self._write("DELETE FROM people WHERE id = ?", (gone,))

    def forget_person(self, person_id: int, hashes: Iterable[str], needles: Iterable[str],
                      scrub: Callable[[str], str]) -> int:
        """Delete a person everywhere, keep only `hashes`, and scrub stored text.

        Deleted rows are overwritten (secure_delete), and afterwards the file is rewritten
        and the write-ahead log emptied, so no free page keeps an old copy of the name.

        Args:
            person_id: who.
            hashes: salted hashes of their spellings and addresses.
            needles: lowercase words that any text naming them contains (finds the rows).
            scrub: text → text without their names (meeting titles, log notes, nudges,
                focus labels, stored window titles).

        Returns:
            How many stored texts were changed.
        """
        needles = [n for n in dict.fromkeys(needles) if n]
        changed = 0
        self._write("PRAGMA secure_delete = ON")
        with self.transaction("could not forget"):
            for table in ("meeting_people", "log_people", "person_aliases"):
                self._write(f"DELETE FROM {table} WHERE person_id = ?", (person_id,))
            self._write("DELETE FROM people WHERE id = ?", (person_id,))
            self._write_many("INSERT OR IGNORE INTO forgotten_people (hash) VALUES (?)",
                             [(h,) for h in hashes])
            found = " OR ".join(["instr(lower({c}), ?) > 0"] * len(needles))
            for table, column in _SCRUBBED_COLUMNS if needles else ():
                updates = []
                for row_id, text in self._read(
                        f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND "
                        f"({found.format(c=column)})", tuple(needles)):
                    clean = scrub(text)
                    if clean != text:
                        updates.append((clean, row_id))
                self._write_many(f"UPDATE {table} SET {column} = ? WHERE id = ?", updates)
                changed += len(updates)
        self.compact()
        return changed

    def compact(self) -> None:
        """Rewrite the file without free pages and empty the write-ahead log; best effort
        (a busy database keeps its pages until the next time)."""
        try:
            self._write("VACUUM")
            self._read("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as exc:
            log.warning("could not compact the database after forgetting: %s", exc)

    def link_meetings(self, source: str, since: float, meetings: Sequence[Meeting],
                      who: Sequence[Sequence[int]]) -> None:
        """Store who was at each of a source's in-person meetings just stored.

        Call it in the transaction that replaced the source's meetings from `since` on;
        `who[i]` are the person ids of `meetings[i]`.
        """
        wanted: dict[tuple[str, float], Sequence[int]] = {}
        for meeting, ids in zip(meetings, who):
            if ids and isinstance(meeting.start, datetime):
                wanted[(meeting.uid, meeting.start.timestamp())] = ids
        if not wanted:
            return
        rows = []
        for meeting_id, uid, start in self._read(
                "SELECT id, uid, start FROM meetings WHERE source = ? AND end > ? "
                "AND kind = 'in_person'", (source, since)):
            rows.extend((meeting_id, pid) for pid in wanted.get((uid, start), ()))
        self._write_many("INSERT OR IGNORE INTO meeting_people (meeting_id, person_id) "
                         "VALUES (?, ?)", rows)

    def occasions(self, person_id: int | None = None) -> dict[int, list[Occasion]]:
        """In-person occasions per person (timed in-person meetings and logged time)."""
        params: tuple[object, ...] = ()
        meeting_filter = log_filter = ""
        if person_id is not None:
            meeting_filter, log_filter = "AND mp.person_id = ?", "AND lp.person_id = ?"
            params = (person_id, person_id)
        out: dict[int, list[Occasion]] = defaultdict(list)
        for pid, start, end, source, label, ref in self._read(_OCCASIONS.format(
                meeting_filter=meeting_filter, log_filter=log_filter), params):
            out[pid].append(Occasion(start, end, source, label or "", ref))
        return dict(out)

    def occasion_times(self, now: float, since: float | None = None
                       ) -> tuple[dict[int, list[tuple[float, float]]], dict[int, list[Occasion]]]:
        """Everyone's in-person time, for the ledger of all: (person → (start, end) of what
        has begun by `now`, from `since` on when given; person → the occasions planned after
        it, with labels). Titles are read only for the plans, which keeps history cheap."""
        past = self.begun_between(-float("inf") if since is None else since, now)
        planned: dict[int, list[Occasion]] = defaultdict(list)
        for pid, start, end, source, label, ref in self._read(_OCCASIONS.format(
                meeting_filter="AND m.start >= ?", log_filter="AND l.start >= ?"), (now, now)):
            planned[pid].append(Occasion(start, end, source, label or "", ref))
        return past, dict(planned)

    def begun_between(self, lo: float, hi: float, person_ids: Sequence[int] | None = None
                      ) -> dict[int, list[tuple[float, float]]]:
        """Person → (start, end) of their in-person time that began in [lo, hi) (of the
        people `person_ids` only, when given), in no particular order."""
        who = ""
        if person_ids is not None and len(person_ids) <= _LISTED:
            who = f"AND person_id IN ({', '.join(map(str, map(int, person_ids)))})"
        past: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for pid, start, end in self._read(_times(_BEGAN_IN, who), (lo, hi, lo, hi)):
            past[pid].append((start, end))
        if person_ids is not None and not who:
            wanted = set(person_ids)
            return {pid: rows for pid, rows in past.items() if pid in wanted}
        return dict(past)

    def begun_by(self, lo: float, hi: float) -> dict[int, list[tuple[float, float]]]:
        """Person → (start, end) of their in-person time that began before `hi` and ends
        after `lo`, in no particular order."""
        past: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for pid, start, end in self._read(_times(_OVERLAPS), (hi, lo, lo, hi, lo, lo)):
            past[pid].append((start, end))
        return dict(past)

    def together(self, start: float, end: float) -> list[tuple[int, str, float, float]]:
        """(person id, name, start, end) of in-person time with someone overlapping
        [start, end)."""
        return [tuple(r) for r in self._read(
            f"SELECT p.id, p.name, o.start, o.end FROM ({_times(_OVERLAPS)}) o "
            "JOIN people p ON p.id = o.person_id ORDER BY o.start",
            (end, start, start, end, start, start))]
