"""The people presence knows, kept in the store: joining names to people, the ledger of
everyone, and the user's corrections (`people goal`, `merge`, `rename`, `forget`).

Names are matched as presence/people/names.py says (e-mail, then a unique first name); a name
that matches nobody becomes a new person. A forgotten person is known only by salted hashes:
their names never join anyone again and are scrubbed from what a later sync stores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import tzinfo

from presence.errors import InputError, StoreError
from presence.frozen import frozen, replace
from presence.logsetup import logger
from presence.model import Meeting, Named, Occasion, Person
from presence.people import names
from presence.people.ledger import (NOTHING_EARLIER, Earlier, Ledger, condense, condense_before,
                                    condensed_fits, ledger, ledger_of, ranked, shown_by_default)
from presence.timeline import zone_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from presence.store import Store

log = logger(__name__)

_GOAL = re.compile(r"^(\d+)\s*([dwm])$")


class Resolver:
    """Joins names to stored people, creating those nobody knows yet (one store read)."""

    def __init__(self, store: Store):
        self.store = store
        self.salt = store.people_salt()
        self.hashes = store.forgotten_hashes()
        self.known = [names.Known(p.id, p.name, frozenset(p.aliases)) for p in store.people()]

    def person_ids(self, people: Iterable[Named], typed: bool = False) -> tuple[int, ...]:
        """The ids of the people named (forgotten ones left out), in order, once each.

        A bare first name that could be several known people is nobody new: from a calendar
        it is left out, typed by the user it is refused.

        Raises:
            InputError: `typed` and a name could be several people.
        """
        ids: list[int] = []
        for named in people:
            if not named.name.strip() or names.forgotten(named, self.salt, self.hashes):
                continue
            several = names.ambiguous(named, self.known)
            if several:
                if typed:
                    raise InputError(f"{named.name!r} could be "
                                     f"{', '.join(p.name for p in several)}; give the full name")
                continue
            spellings = [names.normalise(named.name)] + ([named.email] if named.email else [])
            found = names.match(named, self.known)
            if found is None:
                person_id = self.store.add_person(named.name, spellings)
                self.known.append(names.Known(person_id, named.name, frozenset(spellings)))
            else:
                person_id = found.id
                new = [s for s in spellings if s not in found.aliases]
                if new:
                    self.store.add_aliases(person_id, new)
                    self.known[self.known.index(found)] = replace(
                        found, aliases=found.aliases | frozenset(new))
            if person_id not in ids:
                ids.append(person_id)
        return tuple(ids)

    def scrubbed(self, meeting: Meeting) -> Meeting:
        """The meeting with forgotten names blanked out of its title."""
        if not self.hashes:
            return meeting
        return replace(meeting,
                       summary=names.scrub(meeting.summary, self.salt, self.hashes))


def store_meetings(store: Store, source: str, meetings: Sequence[Meeting], tz: tzinfo,
                   since: float) -> None:
    """Replace a source's meetings from `since` on, with who was at the in-person ones.

    Forgotten people are neither linked nor left in the stored titles.
    """
    resolver = Resolver(store)
    who = [resolver.person_ids(m.people) for m in meetings]
    clean = [resolver.scrubbed(m) for m in meetings]
    with store.transaction("could not store meetings"):
        store.replace_meetings(source, clean, tz, since=since)
        store.link_meetings(source, since, clean, who)


def everyone(store: Store, now: float, tz: tzinfo, include_all: bool = False,
             peers: Sequence = (), past_from: float | None = None) -> list[Ledger]:
    """Everyone's ledger, most overdue first; without `include_all`, only those seen within a
    year, with a plan, or with a goal. `peers` (open snapshots of the other devices, see
    `presence.devices.merge.reading`) add the time together they recorded, each stretch once.
    Each ledger's `past` holds every occasion from `past_from` on (default: from the last
    one that began before today)."""
    earlier: dict[int, Earlier] = {}
    shown: dict[int, list[tuple[float, float]]] | None = None
    if peers:
        # a stretch may be on two devices: everyone's whole history is merged, uncondensed
        with store.transaction("could not read people", write=False):
            people = store.people()
            begun, planned = store.occasion_times(now)
        people, begun, planned = _with_peers(store, people, begun, planned, peers, now)
    else:
        people, earlier, begun, planned, shown = _history(store, now, tz, past_from)
    known: dict[float, int] = {}
    items = ranked(ledger_of(p, begun.get(p.id, ()), planned.get(p.id, ()), now, tz,
                             earlier.get(p.id, NOTHING_EARLIER), known,
                             None if shown is None else shown.get(p.id, ()))
                   for p in people)
    return items if include_all else [i for i in items if shown_by_default(i, now)]


Times = dict[int, list[tuple[float, float]]]
History = tuple[list[Person], dict[int, Earlier], Times, dict[int, list[Occasion]], Times | None]


def _history(store: Store, now: float, tz: tzinfo, past_from: float | None) -> History:
    """Everyone, their time before today condensed, their time since, their plans, and
    (with `past_from`) their time from then on. Whoever has no condensed history for today
    yet is condensed and stored (everyone, on the first read of a day or in another zone).
    """
    zone = zone_name(tz)

    def read(people: list[Person], earlier: dict[int, Earlier], since: float | None) -> History:
        # inside the transaction that read `earlier`: what is read since is of one snapshot
        begun, planned = store.occasion_times(now, since=since)
        shown = None if past_from is None else store.begun_by(past_from, now)
        return people, earlier, begun, planned, shown

    with store.transaction("could not read people", write=False):
        people = store.people()
        stored = store.people_rollup(zone)
        if stored is not None and condensed_fits(stored[0], now, tz) and \
                all(p.id in stored[1] for p in people):
            return read(people, {pid: Earlier(*row) for pid, row in stored[1].items()},
                        stored[0])
    try:
        # one write transaction: nothing can change the history between its read and the
        # condensed rows stored from it
        with store.transaction("could not condense the history of people"):
            people = store.people()
            stored = store.people_rollup(zone)
            fresh = stored is None or not condensed_fits(stored[0], now, tz)
            upto = condense_before(now, tz) if fresh else stored[0]
            earlier = {} if fresh else {pid: Earlier(*row) for pid, row in stored[1].items()}
            missing = [p.id for p in people if p.id not in earlier]
            before = store.begun_between(-float("inf"), upto, missing)
            made = {pid: condense(before.get(pid, ()), upto, tz) for pid in missing}
            store.put_people_rollup(zone, upto, {
                pid: (e.times, e.last, e.days, e.seconds_30d, e.seconds_365d, e.times_365d)
                for pid, e in made.items()}, fresh)
            return read(people, {**earlier, **made}, upto)
    except StoreError as exc:
        log.info("cannot store the condensed history of people (%s); reading it whole", exc)
    with store.transaction("could not read people", write=False):
        return read(store.people(), {}, None)


def _with_peers(store: Store, people: list[Person], begun: dict[int, list],
                planned: dict[int, list], peers: Sequence, now: float
                ) -> tuple[list[Person], dict[int, list], dict[int, list]]:
    from presence.devices.merge import PeopleUnion, forgotten_anywhere, occasions_once, take

    theirs = take(peers, lambda peer: (peer.people(), *peer.occasion_times(now),
                                       peer.forgotten())
                  if peer.has_table("people") else ([], {}, {}, ("", frozenset())))
    union = PeopleUnion(people, forgotten_anywhere(store, [t[3] for t in theirs]))
    all_begun = {pid: list(items) for pid, items in begun.items()}
    their_plans = []
    for their_people, their_begun, their_planned, _ in theirs:
        ids = union.map(their_people)
        for pid, items in their_begun.items():
            if pid in ids:  # the ledger merges the stretches: one seen twice counts once
                all_begun.setdefault(ids[pid], []).extend(items)
        joined: dict[int, list] = {}
        for pid, items in their_planned.items():
            if pid in ids:
                joined.setdefault(ids[pid], []).extend(items)
        their_plans.append(joined)
    return union.people(), all_begun, occasions_once(planned, *their_plans)


def find(store: Store, name: str) -> Person:
    """The person a user means by `name`: a spelling, an address, or a unique first name.

    Raises:
        InputError: nobody, or several people, answer to it.
    """
    people = store.people()
    known = [names.Known(p.id, p.name, frozenset(p.aliases)) for p in people]
    text = name.strip()
    found = names.match(Named(text, names.normalise(text) if "@" in text else None), known)
    if found is None:
        first = names.first_name(text)
        several = [p.name for p in people if names.first_name(p.name) == first]
        if len(several) > 1:
            raise InputError(f"{text!r} could be {', '.join(several)}; give the full name")
        raise InputError(f"nobody called {text!r} (see `presence people --all`)")
    return next(p for p in people if p.id == found.id)


@frozen
class Shown:
    """`people show NAME`: the ledger and every occasion, newest first."""

    ledger: Ledger
    occasions: tuple[tuple[float, float, str, str], ...]


def show(store: Store, name: str, now: float, tz: tzinfo) -> Shown:
    """One person's numbers and occasions (each with its source: calendar or log)."""
    person = find(store, name)
    occasions = store.occasions(person.id).get(person.id, [])
    listed = sorted(((o.start, o.end, o.source, o.label) for o in occasions), reverse=True)
    return Shown(ledger(person, occasions, now, tz), tuple(listed))


def parse_goal(text: str) -> int | None:
    """`2w` → 14, `10d` → 10, `1m` → 30, `off` → None.

    Raises:
        InputError: anything else.
    """
    raw = text.strip().lower()
    if raw == "off":
        return None
    match = _GOAL.match(raw)
    if match is None or int(match.group(1)) == 0 or int(match.group(1)) > 3650:
        raise InputError(f"{text!r} is not a rhythm; write it like 10d, 2w or 1m (or off)")
    return int(match.group(1)) * {"d": 1, "w": 7, "m": 30}[match.group(2)]


def set_goal(store: Store, name: str, interval: str) -> tuple[Person, int | None]:
    """Set or clear the rhythm the user wants with someone."""
    days = parse_goal(interval)
    person = find(store, name)
    store.set_goal(person.id, days)
    return person, days


def rename(store: Store, old: str, new: str) -> Person:
    """Give someone a new display name; the old spelling still joins them.

    Raises:
        InputError: the new name is empty or someone else's (merge them instead).
    """
    person = find(store, old)
    clean = " ".join(new.split())
    if not clean or len(clean) > 80:
        raise InputError("give the new name, e.g. presence people rename Jo \"Jo Park\"")
    key = names.normalise(clean)
    for other in store.people():
        if other.id != person.id and (key in other.aliases or
                                      names.normalise(other.name) == key):
            raise InputError(f"{other.name!r} is someone else; to make them one person: "
                             f"presence people merge {person.name!r} {other.name!r}")
    store.rename_person(person.id, clean, [key, names.normalise(person.name)])
    return replace(person, name=clean)


def merge(store: Store, name: str, other: str) -> Person:
    """Make `other` one person with `name` (who keeps their display name)."""
    keep, gone = find(store, name), find(store, other)
    if keep.id == gone.id:
        raise InputError(f"{name!r} and {other!r} are the same person already")
    store.merge_people(keep.id, gone.id, [names.normalise(gone.name), *gone.aliases])
    return keep


def forget(store: Store, name: str) -> tuple[Person, int]:
    """Delete someone from everything presence stored; keep only salted hashes of their names
    and addresses so that no later sync or log brings them back.

    Returns:
        The person as they were, and how many stored texts were scrubbed.
    """
    person = find(store, name)
    salt = store.people_salt()
    hashes = names.forget_hashes(salt, person.name, person.aliases)
    needles = {w for a in (person.name, *person.aliases) for w in names.normalise(a).split()}
    changed = store.forget_person(person.id, hashes, needles,
                                  lambda text: names.scrub(text, salt, hashes))
    return person, changed
