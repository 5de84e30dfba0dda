"""Snooze and pause: the two holds a user puts on presence, kept in the store's settings.

A snooze silences nudges; a pause also stops recording what is in front (DESIGN §3). Both are
a moment in UNIX seconds until which they hold; one that has passed holds nothing. The CLI,
the bar's clicks and the tray's menu set them through these functions, and the daemon, the
nudger, `status`, the bar and the tray read them back, so they all agree on what is on.
"""

from __future__ import annotations


from presence.frozen import frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any
    from presence.store import Store

SNOOZE_KEY = "snooze_until"
PAUSE_KEY = "pause_until"


@frozen
class Holds:
    """What holds at one moment: each the UNIX seconds it ends, or None when it is off."""

    snoozed_until: float | None
    paused_until: float | None


def active(until: Any, now: float) -> float | None:
    """`until` when it is a moment after `now`, else None (ended, never set, or not a number)."""
    if isinstance(until, (int, float)) and not isinstance(until, bool) and until > now:
        return float(until)
    return None


def read(store: Store, now: float) -> Holds:
    """The holds stored in `store` as of `now`."""
    return Holds(active(store.get_setting(SNOOZE_KEY), now),
                 active(store.get_setting(PAUSE_KEY), now))


def snooze(store: Store, until: float | None) -> None:
    """Hold all nudges until `until`; None ends the snooze."""
    _set(store, SNOOZE_KEY, until)


def pause(store: Store, until: float | None) -> None:
    """Record nothing and send no nudge until `until`; None resumes."""
    _set(store, PAUSE_KEY, until)


def resume(store: Store, now: float) -> bool:
    """End a pause; whether one was on at `now`."""
    was = active(store.get_setting(PAUSE_KEY), now) is not None
    _set(store, PAUSE_KEY, None)
    return was


def _set(store: Store, key: str, until: float | None) -> None:
    if until is None:
        store.delete_setting(key)
    else:
        store.set_setting(key, until)
    if key == PAUSE_KEY:
        _poke_daemon(store)


def _poke_daemon(store: Store) -> None:
    """Tell the running daemon that the pause changed, so that it takes effect within one
    sample instead of at the daemon's next flush (it no longer asks the store every tick)."""
    from presence.lock import POKE_SIGNAL, poke
    from presence.store.flushes import DAEMON_KEY

    beat = store.get_setting(DAEMON_KEY)
    if isinstance(beat, dict) and beat.get("listens") == POKE_SIGNAL:
        poke(store.path, beat.get("pid"))
