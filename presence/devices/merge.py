"""This device's data and its peers', as one: what a reader takes from each peer, read whole.

A reader (a summary, `people`, the bar) opens the peers once (`reading`), takes what it needs
from each in one go (`take`: a peer that fails half way is left out whole, never counted in
part), and joins it with its own: spans through the union over devices, meetings once per uid
and instance, people matched to this device's people by address, spelling or unique first
name (someone only a peer knows keeps a negative id, the same for every peer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from presence.config import Config
from presence.errors import StoreError
from presence.model import Meeting, Named, Occasion, Person
from presence.logsetup import logger

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import TypeVar
    T = TypeVar("T")

log = logger(__name__)


@contextmanager
def reading(store, config: Config, now: float) -> Iterator[list]:
    """The counted peers' snapshots, open for the block (none without `[devices] folder`)."""
    folder = config.devices_folder
    if folder is None:
        yield []
        return
    from presence.devices.peers import opened

    try:
        me = store.this_device()
    except StoreError:
        me = None
    with opened(folder, me.id if me else "", me.name if me else "", now) as seen:
        yield seen.snapshots


def take(peers: Sequence, read: Callable[[object], T]) -> list[T]:
    """`read(peer)` for every peer; a peer whose file fails is left out whole (and logged;
    `presence devices` shows why)."""
    out = []
    for peer in peers:
        try:
            out.append(read(peer))
        except StoreError as exc:
            log.warning("devices: %s left out: %s", peer.info.name or peer.info.device_id, exc)
    return out


def meetings_once(*sources: Iterable[Meeting]) -> list[Meeting]:
    """Meetings of several devices, each instance once (one uid, one start: the first
    device's copy), earliest first."""
    seen: dict[tuple[str, object], Meeting] = {}
    for meetings in sources:
        for m in meetings:
            seen.setdefault((m.uid, m.start), m)
    return sorted(seen.values(), key=lambda m: (m.interval or (0.0, 0.0), m.uid))


class Forgotten:
    """Whom the user forgot on any device: this one's salted hashes and every peer's.

    A forget travels with the snapshot (each carries its hashes and their salt), so someone
    forgotten on one device is left out on every other, from their own rows as from the
    peers' (issue 17), even before that device has heard of it.
    """

    def __init__(self, sets: Sequence[tuple[str, frozenset[str]]]):
        self._sets = [(salt, hashes) for salt, hashes in sets if salt and hashes]

    def __bool__(self) -> bool:
        return bool(self._sets)

    def __call__(self, named: Named) -> bool:
        """Whether `named` (a spelling, an address) belongs to someone forgotten anywhere."""
        if not self._sets:
            return False
        from presence.people import names

        return any(names.forgotten(named, salt, hashes) for salt, hashes in self._sets)

    def person(self, person: Person) -> bool:
        """Whether any of a person's spellings or addresses was forgotten anywhere."""
        return bool(self._sets) and any(self(n) for n in spellings(person))

    def scrub(self, text: str) -> str:
        """`text` with every name forgotten anywhere blanked out."""
        if not self._sets or not text:
            return text
        from presence.people import names

        for salt, hashes in self._sets:
            text = names.scrub(text, salt, hashes)
        return text


def forgotten_anywhere(store, theirs: Iterable[tuple[str, frozenset[str]]]) -> Forgotten:
    """Who was forgotten here or on a peer; `theirs` are the peers' `(salt, hashes)`, read
    with the rest of what a reader takes from each (`PeerSnapshot.forgotten`)."""
    hashes = store.forgotten_hashes()
    return Forgotten(([(store.people_salt(), hashes)] if hashes else []) + list(theirs))


def spellings(person: Person) -> list[Named]:
    """Every way a person is written: the name with each address, the name, each alias."""
    emails = [a for a in person.aliases if "@" in a]
    return ([Named(person.name, e) for e in emails] + [Named(person.name)]
            + [Named(a) for a in person.aliases if "@" not in a])


class PeopleUnion:
    """Peers' people in terms of this device's people."""

    def __init__(self, own: Sequence[Person], forgotten: Forgotten = Forgotten(())):
        # someone forgotten on a peer is left out of this device's own people too
        self.own = [p for p in own if not forgotten.person(p)]
        self._kept = {p.id for p in self.own}
        self._forgotten = forgotten
        self._known: list | None = None  # made when a peer has people to join
        self._new: dict[str, Person] = {}

    def map(self, theirs: Sequence[Person]) -> dict[int, int]:
        """Peer person id → this device's id, or the shared negative id of someone only
        peers know; someone forgotten here has no id (their rows are left out)."""
        if not theirs:
            return {}
        # the name matcher (unicodedata and its patterns) only where there are people to join
        from presence.people import names

        if self._known is None:
            self._known = [names.Known(p.id, p.name, frozenset(p.aliases)) for p in self.own]
        out = {}
        for person in theirs:
            written = spellings(person)
            if any(self._forgotten(n) for n in written):
                continue
            found = None
            for named in written:
                found = names.match(named, self._known)
                if found is not None:
                    break
            if found is not None:
                out[person.id] = found.id
                continue
            key = names.normalise(person.name)
            if key not in self._new:
                self._new[key] = Person(-1 - len(self._new), person.name, person.aliases,
                                        person.goal_days)
            out[person.id] = self._new[key].id
        return out

    def kept(self, person_id: int) -> bool:
        """Whether one of this device's people still counts (nobody forgot them anywhere)."""
        return person_id in self._kept

    def people(self) -> list[Person]:
        """This device's people (those forgotten nowhere) and those only peers know."""
        return self.own + list(self._new.values())


def together_once(rows: Iterable[tuple[int, str, float, float]]
                  ) -> list[tuple[int, str, float, float]]:
    """(person id, name, start, end) rows of several devices, each stretch once."""
    return list(dict.fromkeys(rows))


def occasions_once(*sources: dict[int, list[Occasion]]) -> dict[int, list[Occasion]]:
    """Occasions per person from several devices, each stretch once (the first copy)."""
    out: dict[int, dict[tuple[float, float], Occasion]] = {}
    for source in sources:
        for pid, items in source.items():
            for o in items:
                out.setdefault(pid, {}).setdefault((o.start, o.end), o)
    return {pid: sorted(found.values(), key=lambda o: o.start) for pid, found in out.items()}
