"""`rollups`, `rollup_totals` and `rollup_days`: seconds per local day, hour, app and category
of whole days, and per day, app and category (migrations 2 and 7)."""

from __future__ import annotations

from datetime import date

from presence.store.db import Tables


class RollupTables(Tables):
    """A cache of complete days, rebuilt by readers (see migration 2 for when it is dropped)."""

    def rollup_days(self, zone: str) -> tuple[date, date] | None:
        """First and last local day (inclusive) rolled up for `zone`, or None."""
        rows = self._read("SELECT first, last FROM rollup_days WHERE zone = ?", (zone,))
        if not rows:
            return None
        return date.fromisoformat(rows[0][0]), date.fromisoformat(rows[0][1])

    def rollups(self, zone: str, first: date,
                last: date) -> list[tuple[date, int, str | None, str, float]]:
        """Rolled-up cells `(day, hour, app, category, seconds)` of days first..last."""
        rows = self._read(
            "SELECT day, hour, app, category, seconds FROM rollups WHERE zone = ? AND day >= ? "
            "AND day <= ?", (zone, first.isoformat(), last.isoformat()))
        days: dict[str, date] = {}  # a month holds thousands of cells and only 30 days
        for d in {row[0] for row in rows}:
            days[d] = date.fromisoformat(d)
        return [(days[d], h, app, cat, secs) for d, h, app, cat, secs in rows]

    def rollup_totals(self, zone: str, first: date,
                      last: date) -> list[tuple[str | None, str, float]]:
        """Seconds per `(app, category)` over the rolled-up days first..last."""
        return self._read(
            "SELECT app, category, SUM(seconds) FROM rollup_totals WHERE zone = ? AND day >= ? "
            "AND day <= ? GROUP BY app, category", (zone, first.isoformat(), last.isoformat()))

    def add_rollups(self, zone: str, first: date, last: date,
                    cells: list[tuple[date, int, str | None, str, float]], sealed: float) -> bool:
        """Store the cells of days first..last, computed from the history sealed at `sealed`.

        The days must follow on from what `zone` has rolled up already (or start it).

        Returns:
            False, storing nothing, when the sealed history or the rollups changed meanwhile.
        """
        with self.transaction("could not store rollups"):
            reach = self._read("SELECT sealed FROM span_reach")
            have = self.rollup_days(zone)
            follows = have is None or have[1].toordinal() + 1 == first.toordinal()
            if not reach or reach[0][0] != sealed or not follows:
                return False
            self._write_many(
                "INSERT INTO rollups (zone, day, hour, app, category, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(zone, d.isoformat(), h, app, cat, secs) for d, h, app, cat, secs in cells])
            # the day totals from the cells just stored: one computation of both
            self._write(
                "INSERT INTO rollup_totals (zone, day, app, category, seconds) "
                "SELECT zone, day, app, category, SUM(seconds) FROM rollups WHERE zone = ? "
                "AND day >= ? AND day <= ? GROUP BY day, app, category",
                (zone, first.isoformat(), last.isoformat()))
            self._write("INSERT OR REPLACE INTO rollup_days (zone, first, last) "
                        "VALUES (?, ?, ?)",
                        (zone, (have[0] if have else first).isoformat(), last.isoformat()))
        return True
