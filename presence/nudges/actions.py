"""The buttons on a nudge and what each one does (DESIGN §3 "Nudges that work").

A button's action key is `VERB:ROW`: the verb says what to do and the row names the nudge in
the database, whose kind and key hold everything else (a welcome-back key names its away
stretch). So a key carries what it needs, whichever daemon receives it. `buttons` is pure; the
effects of a press (`perform`) go through the store like the CLI's, on the daemon's sampling
thread.
"""

from __future__ import annotations

import logging
from presence.frozen import frozen
from typing import Any

from presence.model import Nudge

log = logging.getLogger(__name__)

SNOOZE_1H = "snooze1h"
NOT_NOW = "notnow"
SNOOZE_TODAY = "snoozetoday"
LOG_TIME = "log1h"
SEEN = "seen"
NEXT_WEEK = "nextweek"
YES = "yes"
NO = "no"
REPORT = "report"

# What the notification server may report instead of a button.
DISMISSED = "dismissed"
EXPIRED = "expired"

# kind → the buttons, in order: (verb, label).
BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "phubbing": ((SNOOZE_1H, "Snooze 1 h"), (NOT_NOW, "Not now")),
    "focus": ((SNOOZE_1H, "Snooze 1 h"), (NOT_NOW, "Not now")),
    "crowding_out": ((SNOOZE_TODAY, "Snooze today"), (LOG_TIME, "Log time with people")),
    "reconnect": ((SEEN, "I saw them"), (NEXT_WEEK, "Next week")),
    "welcome_back": ((YES, "Yes, log it"), (NO, "No")),
    "daily_summary": ((REPORT, "Open report"),),
}
VERBS = frozenset(verb for buttons in BUTTONS.values() for verb, _ in buttons)
# How long "Log time with people" and "I saw them" log, ending at the press.
LOGGED_SECONDS = 3600.0
# A press on a nudge older than this is answered "this one has expired".
FRESH_SECONDS = 86400.0


@frozen
class Button:
    """One action on a notification: the key the server sends back, and its label."""

    key: str
    label: str


@frozen
class Answer:
    """What the user did with a shown nudge.

    Attributes:
        row: the nudge's row in the database (None when it cannot be told).
        response: a button's verb, `dismissed` or `expired`.
        notification: the notification server's id.
    """

    row: int | None
    response: str
    notification: int


def buttons(nudge: Nudge, row: int | None) -> tuple[Button, ...]:
    """The buttons of `nudge` stored as `row` (none without a row: nothing to answer to)."""
    if row is None:
        return ()
    return tuple(Button(f"{verb}:{row}", label) for verb, label in BUTTONS.get(nudge.kind, ()))


def parse_key(key: str) -> tuple[str, int] | None:
    """`snooze1h:42` → (`snooze1h`, 42); None for a key presence did not make."""
    verb, _, row = key.partition(":")
    if verb not in VERBS or not row.isdigit():
        return None
    return verb, int(row)


@frozen
class Outcome:
    """What a press did: a line for the log, and a short notice to show (or None)."""

    done: str
    notice: tuple[str, str] | None = None


EXPIRED_NOTICE = ("This one has expired", "That nudge is too old to act on; nothing changed.")


def perform(store: Any, config: Any, nudge: Nudge | None, verb: str, now: float) -> Outcome:
    """Do what the pressed button says.

    Args:
        store: the daemon's store.
        config: the effective configuration (the zone, for "today").
        nudge: the nudge the button belongs to, as stored (None when the row is gone).
        verb: the button's verb.
        now: UNIX seconds of the press.
    """
    from presence.nudges.policy import welcome_back_stretch
    from presence.timeline import day_bounds, local_day

    if nudge is None or not 0 <= now - nudge.at < FRESH_SECONDS or \
            verb not in {v for v, _ in BUTTONS.get(nudge.kind, ())}:
        return Outcome("expired", EXPIRED_NOTICE)
    if verb == SNOOZE_1H:
        return _snooze(store, now + 3600.0, "snoozed 1 h")
    if verb == SNOOZE_TODAY:
        _, end = day_bounds(local_day(now, config.tz), config.tz)
        return _snooze(store, end, "snoozed for the rest of today")
    if verb == LOG_TIME:
        store.add_in_person(now - LOGGED_SECONDS, now, "from a nudge")
        return Outcome("logged 1 h in person")
    if verb == SEEN:
        from presence.nudges.people_digest import named_in

        # A per-person digest names who: logging the time with them marks them seen.
        named = named_in(nudge.key)
        people = named[1] if named else ()
        store.add_in_person(now - LOGGED_SECONDS, now, "seen (from a nudge)", people)
        return Outcome(f"logged 1 h in person with {len(people)} named people" if people
                       else "logged 1 h in person")
    if verb == YES:
        stretch = welcome_back_stretch(nudge.key)
        if stretch is None:
            return Outcome("expired", EXPIRED_NOTICE)
        from presence.nudges.away import covered

        if covered(*stretch, _in_person(store, config, *stretch)):
            return Outcome("already logged")
        store.add_in_person(stretch[0], stretch[1], "welcome back")
        return Outcome("logged the time away in person")
    if verb == NEXT_WEEK:
        snoozed = dict(store.get_setting("kind_snooze_until") or {})
        snoozed[nudge.kind] = now + 7 * 86400.0
        store.set_setting("kind_snooze_until", snoozed)
        return Outcome(f"no {nudge.kind} nudge for a week")
    if verb == REPORT:
        return Outcome("report", None)
    return Outcome("noted")


def _snooze(store: Any, until: float, done: str) -> Outcome:
    current = store.get_setting("snooze_until")
    store.set_setting("snooze_until", max(until, current or 0.0))
    return Outcome(done)


# `presence log --last-away` looks this far back for the stretch.
LAST_AWAY_DAYS = 2


def last_away(store: Any, config: Any, now: float) -> tuple[float, float] | None:
    """The newest away stretch of at least `[nudges.welcome_back] min_away_minutes` in the
    last days that no meeting or log covers yet, as (left, back) UNIX seconds."""
    from presence.nudges.away import away_stretches, covered
    from presence.spans import pulse_time

    since = now - LAST_AWAY_DAYS * 86400.0
    least = config.get("nudges.welcome_back.min_away_minutes") * 60.0
    spans = store.spans(since, now)
    for left, back in away_stretches(spans, pulse_time(config.interval)):
        if back - left < least:
            continue
        if not covered(left, back, _in_person(store, config, left, back)):
            return left, back
    return None


def _in_person(store: Any, config: Any, start: float, end: float) -> list[tuple[float, float]]:
    """In-person time already counted in [start, end): timed meetings and logs."""
    known = [i for m in store.meetings(start, end, config.tz, kind="in_person")
             if (i := m.interval) is not None]
    return known + [(s, e) for s, e, _ in store.in_person_log(start, end)]


def log_last_away(store: Any, config: Any, now: float, with_names: str | None,
                  note: str | None) -> Any:
    """`presence log --last-away`: log the last stretch away as in-person time.

    Raises:
        InputError: no such stretch (nothing is stored).
    """
    from presence.errors import InputError
    from presence.people import logbook

    stretch = last_away(store, config, now)
    if stretch is None:
        least = config.get("nudges.welcome_back.min_away_minutes")
        raise InputError(f"no time away of {least} min or more in the last {LAST_AWAY_DAYS} "
                         "days that is not counted already; log it with a DURATION instead "
                         "(presence log 1h --at 12:30)")
    return logbook.record(store, stretch[0], stretch[1], with_names, note or "time away")
