"""`focus_windows`: set by hand (`presence focus add`) or from the calendar (`origin = 'auto'`)."""

from __future__ import annotations

from presence.model import FocusWindow
from presence.store.db import IN_RANGE, Tables


class FocusTables(Tables):
    """Focus windows."""

    def add_focus(self, window: FocusWindow) -> int:
        """Store a focus window and return its id."""
        return int(self._write(
            "INSERT INTO focus_windows (start, end, label, origin) VALUES (?, ?, ?, ?)",
            (window.start, window.end, window.label, window.origin)).lastrowid)

    def focus_windows(self, start: float, end: float) -> list[FocusWindow]:
        """Focus windows overlapping [start, end), earliest first."""
        return [FocusWindow(*r) for r in self._read(
            "SELECT id, start, end, label, origin FROM focus_windows "
            f"WHERE start < ? AND end > ? AND {IN_RANGE} ORDER BY start", (end, start))]

    def remove_focus(self, window_id: int) -> bool:
        """Delete a focus window; False when no window has that id."""
        return self._write("DELETE FROM focus_windows WHERE id = ?", (window_id,)).rowcount == 1

    def replace_auto_focus(self, windows: list[FocusWindow], after: float) -> None:
        """Replace the automatic focus windows that end after `after` (past ones stay).

        One transaction: a reader never sees the calendar's windows missing in between.
        """
        with self.transaction("could not store focus windows"):
            self._write("DELETE FROM focus_windows WHERE origin = 'auto' AND end > ?", (after,))
            for window in windows:
                self.add_focus(window)
