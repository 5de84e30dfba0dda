"""The stored part of the policy's state, as the nudger reads it: today's meetings, focus
windows and logged time, the nudges said since yesterday, snoozes, the effects not judged yet,
who is due, and the other devices' chat and time together (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta

from presence.config import Config
from presence.model import FocusWindow, Meeting, Nudge, NudgeRecord
from presence.nudges import effect, policy
from presence.nudges.stats import backoff_factor
from presence.store import Store
from presence.timeline import day_bounds


class World:
    """The stored part of the policy's state (read again at each refresh; the unjudged
    nudges change as their effect becomes known). A slotted class rather than a dataclass:
    the daemon never imports `dataclasses` (issue 18: a quiet daemon)."""

    __slots__ = ("meetings", "focus_windows", "in_person_log", "past_nudges", "snoozed_until",
                 "kinds_snoozed_until", "last_in_person", "first_seen", "backoff", "unjudged",
                 "people_due", "people_named", "peer_virtual")

    def __init__(self, meetings: list[Meeting] | None = None,
                 focus_windows: list[FocusWindow] | None = None,
                 in_person_log: list[tuple[float, float]] | None = None,
                 past_nudges: list[Nudge] | None = None, snoozed_until: float | None = None,
                 kinds_snoozed_until: dict[str, float] | None = None,
                 last_in_person: float | None = None, first_seen: float | None = None,
                 backoff: dict[str, int] | None = None,
                 unjudged: list[NudgeRecord] | None = None, people_due: tuple = (),
                 people_named: dict[int, float] | None = None,
                 peer_virtual: list[tuple[float, float]] | None = None) -> None:
        self.meetings = meetings if meetings is not None else []
        self.focus_windows = focus_windows if focus_windows is not None else []
        self.in_person_log = in_person_log if in_person_log is not None else []
        self.past_nudges = past_nudges if past_nudges is not None else []
        self.snoozed_until = snoozed_until
        self.kinds_snoozed_until = kinds_snoozed_until if kinds_snoozed_until is not None else {}
        self.last_in_person = last_in_person
        self.first_seen = first_seen
        self.backoff = backoff if backoff is not None else {}
        # shown nudges whose effect is not known yet (DESIGN §3: followed)
        self.unjudged = unjudged if unjudged is not None else []
        self.people_due = people_due
        self.people_named = people_named if people_named is not None else {}
        # today's chat on the other devices, merged (issue 17: the budget covers every device)
        self.peer_virtual = peer_virtual if peer_virtual is not None else []


def read_world(store: Store, config: Config, day: date, bounds: tuple[float, float],
               now: float) -> World:
    """The stored state for the local `day` (whose `bounds` are given) as of `now`."""
    start, end = bounds
    tz = config.tz
    lead = config.get("focus.lead_minutes") * 60
    yesterday, _ = day_bounds(day - timedelta(days=1), tz)
    peer_virtual, peer_in_person = _peers(store, config, start, end, now)
    return World(
        meetings=store.meetings(start, max(end, now + lead), tz, kind="in_person"),
        focus_windows=store.focus_windows(start, end + lead),
        in_person_log=[(s, e) for s, e, _ in store.in_person_log(start, end)]
        + peer_in_person, peer_virtual=peer_virtual,
        past_nudges=[n for n, _, _ in store.nudges(yesterday, float("inf"))],
        snoozed_until=store.get_setting("snooze_until"),
        kinds_snoozed_until=dict(store.get_setting("kind_snooze_until") or {}),
        last_in_person=store.last_in_person(before=start),
        first_seen=store.first_activity(),
        backoff={kind: backoff_factor(store, kind) for kind in effect.JUDGED_KINDS},
        unjudged=[r for r in store.unjudged(yesterday, effect.JUDGED_KINDS)
                  if effect.judged(r.nudge)],
        **_people(store, config, now))


def _peers(store: Store, config: Config, start: float, end: float,
           now: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Today's chat (merged) and in-person time on the other devices: those imported
    into this database (a phone from ActivityWatch, read again whenever the database
    changed) and the peers' snapshots (with a `[devices] folder`)."""
    from presence.timeline import merge_intervals

    virtual, tz = config.virtual_categories, config.tz
    me = store.this_device()
    imported = (store.intervals(start, now, virtual, besides=me.id)
                if me is not None and len(store.devices()) > 1 else [])
    if config.devices_folder is None:
        return merge_intervals(imported), []
    from presence.devices.merge import reading, take

    with reading(store, config, now) as peers:
        parts = take(peers, lambda p: (
            p.intervals(start, now, virtual), p.in_person_log(start, end),
            p.meetings(start, end, tz, kind="in_person")))
    chat = merge_intervals(imported + [iv for intervals, _, _ in parts for iv in intervals])
    together = [(s, e) for _, logged, _ in parts for s, e, _ in logged]
    together += [m.interval for _, _, meetings in parts for m in meetings
                 if m.interval is not None]
    return chat, together


def _people(store: Store, config: Config, now: float) -> dict[str, object]:
    """Who is overdue, and when a digest last named each person (issue 12, item 4)."""
    from presence.nudges import people_digest
    from presence.people.directory import everyone

    recent = [(n.key, n.at) for n, _, _ in store.nudges(
        now - people_digest.WEEK_SECONDS, float("inf")) if n.kind == policy.RECONNECT]
    if config.devices_folder is None:
        ledgers = everyone(store, now, config.tz)
    else:
        from presence.devices.merge import reading

        # one ledger over every device: a peer's time together counts, and someone
        # forgotten on a peer is never named here
        with reading(store, config, now) as peers:
            ledgers = everyone(store, now, config.tz, peers=peers)
    return {"people_due": people_digest.due_people(ledgers),
            "people_named": people_digest.last_named(recent)}
