"""The tray's menu as plain data (pure): which items, labelled how, doing what.

`glance.tray` serves these items over com.canonical.dbusmenu; the labels follow the glance,
so the menu offers "Snooze off" while snoozed and "Resume" while paused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from presence.glance.view import Glance
from presence.timeparse import format_minutes, format_until

BALANCE, SNOOZE, LOG, PAUSE, REPORT, QUIT = 1, 3, 4, 5, 7, 8


@dataclass(frozen=True)
class Item:
    """One menu entry; `action` names what a click does (None: nothing, e.g. the balance)."""

    id: int
    label: str = ""
    enabled: bool = True
    separator: bool = False
    action: str | None = None


def items(glance: Glance, tz: tzinfo) -> list[Item]:
    """The menu for this glance, top to bottom."""
    balance = (f"Today: chat {format_minutes(glance.virtual_minutes)} · in person "
               f"{format_minutes(glance.in_person_minutes)}")
    if glance.snoozed_until is not None:
        snooze = Item(SNOOZE, f"Snooze off (snoozed until "
                              f"{format_until(glance.snoozed_until, glance.at, tz)})",
                      action="snooze_off")
    else:
        snooze = Item(SNOOZE, "Snooze 1 h", action="snooze")
    if glance.paused_until is not None:
        pause = Item(PAUSE, f"Resume (paused until "
                            f"{format_until(glance.paused_until, glance.at, tz)})",
                     action="resume")
    else:
        pause = Item(PAUSE, "Pause 1 h", action="pause")
    return [Item(BALANCE, balance, enabled=False),
            Item(2, separator=True),
            snooze,
            Item(LOG, "Log 1 h with people", action="log"),
            pause,
            Item(6, separator=True),
            Item(REPORT, "Open today's report", action="report"),
            Item(QUIT, "Quit", action="quit")]
