"""Do not disturb during in-person meetings: hold the desktop's switch, give it back exactly.

The switches themselves (dunstctl, makoctl, gsettings) are platform code in `notify.py`; this
module keeps the state: what was found before holding (also noted in a file, so the next start
restores what a killed daemon left held), and the lift for presence's own nudge.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Callable

from presence.errors import NotifierUnavailable
from presence.nudges.notify import SWITCHES, server_name, switch_for

log = logging.getLogger(__name__)


class Keeper:
    """Holds the desktop's do-not-disturb during in-person meetings and gives back exactly
    what it found: on release, on shutdown, and on the next start after a crash (the note at
    `path`, written before anything is changed, says what to restore).

    Runs on the notify worker only (its commands may hang for seconds).
    """

    def __init__(self, path: Path, find: Callable[[], Any] = lambda: switch_for(server_name())):
        self.path = path
        self._find = find
        self._switch: Any = None
        self._saved: Any = None
        self.held = False
        # (notification id, until) while presence's own nudge shows through the hold
        self._showing: tuple[int | None, float] | None = None

    def _note(self, switch: Any, state: Any) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"switch": switch.name, "state": state}, out)

    def recover(self) -> None:
        """Restore what a daemon that was killed left held (the note from before it changed
        anything), then forget the note."""
        try:
            note = json.loads(self.path.read_text(encoding="utf-8"))
            switch = SWITCHES[note["switch"]]()
            state = note["state"]
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("do not disturb: unreadable note %s (%s); removed", self.path, exc)
            self.path.unlink(missing_ok=True)
            return
        try:
            switch.restore(state)
        except NotifierUnavailable as exc:
            log.warning("do not disturb: could not restore %s as it was: %s", switch.name, exc)
            return
        log.warning("do not disturb: restored %s as it was before presence stopped",
                    switch.name)
        self.path.unlink(missing_ok=True)

    def hold(self) -> None:
        """Hold the desktop's other notifications (a no-op where there is no switch)."""
        if self.held:
            return
        if self._switch is None:
            self._switch = self._find()
            if self._switch is None:
                log.info("do not disturb: not available with this notification server")
                return
        try:
            self._saved = self._switch.state()
            self._note(self._switch, self._saved)
            self._switch.hold()
        except (NotifierUnavailable, OSError) as exc:
            log.warning("do not disturb: could not hold notifications: %s", exc)
            return
        self.held = True
        log.info("do not disturb: holding %s notifications", self._switch.name)

    def release(self) -> None:
        """Give back exactly what was found, and forget the note."""
        if not self.held:
            return
        try:
            self._switch.restore(self._saved)
        except NotifierUnavailable as exc:
            log.warning("do not disturb: could not restore %s: %s", self._switch.name, exc)
            return
        self.held = False
        self._showing = None
        self.path.unlink(missing_ok=True)
        log.info("do not disturb: %s restored", self._switch.name)

    def before_show(self) -> None:
        """presence's own nudge must be seen: lift the hold while it is on screen."""
        if self.held and self._showing is None:
            try:
                self._switch.restore(self._saved)
            except NotifierUnavailable as exc:
                log.warning("do not disturb: could not lift for a nudge: %s", exc)
                return
            self._showing = (None, float("inf"))

    def after_show(self, notification: int | None, until: float) -> None:
        """The nudge is on screen (or failed): hold again once it closes or at `until`."""
        if self._showing is not None:
            if notification is None:
                self.rehold()
            else:
                self._showing = (notification, until)

    def closed(self, notification: int) -> None:
        """A notification closed; if it was the nudge shown through the hold, hold again."""
        if self._showing is not None and self._showing[0] == notification:
            self.rehold()

    def due(self) -> float | None:
        """When to hold again at the latest (monotonic seconds), or None."""
        return self._showing[1] if self._showing is not None else None

    def rehold(self) -> None:
        """Hold again after presence's nudge."""
        self._showing = None
        if self.held:
            try:
                self._switch.hold()
            except NotifierUnavailable as exc:
                log.warning("do not disturb: could not hold again: %s", exc)
