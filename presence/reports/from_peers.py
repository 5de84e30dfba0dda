"""What a summary takes from each peer's snapshot (issue 17), read as little as it needs.

A peer is read in one go (`take`): its in-person time, meetings, people, and its time by
device — one aggregate a day, not a `Span` per row. Its spans are read only when a union over
devices has to be made: for the cells of a day not kept yet (`shown_days`), the whole days
shown; for the chat during in-person meetings (phubbing), only the meetings' intervals, a few
hundred spans instead of a day's thousands. Those later reads come from the snapshots opened
for the whole command, so they are the same files as the first; a peer whose file fails in
one of them is reported by `PeerFailed`, and the caller counts the period again without it
(a peer is left out whole, never counted in part).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from presence.config import Config
from presence.frozen import frozen
from presence.timeline import day_bounds


class PeerFailed(Exception):
    """Some peers' files failed after they were first read: count again without them."""

    def __init__(self, sources: list) -> None:
        super().__init__(f"{len(sources)} peer snapshot(s) failed")
        self.sources = sources


@frozen
class Peer:
    """What a summary takes from one peer, read in one go: in-person time, meetings, people
    and each day's seconds per category (the chat of the days before, all a trend needs,
    comes through `chat_days`; its spans through `spans`)."""

    name: str
    source: object  # the open snapshot: its spans when a union is made, its past chat
    in_person: list
    logged: list
    first: float | None
    meetings: list
    people: list
    together: list
    forgotten: tuple
    by_day: dict  # date -> [(category, seconds)] of the days shown, for the time by device


def take_peers(peers: Sequence, config: Config, first: date, last: date, now: float,
               back: float, by_device: bool) -> list[Peer]:
    """What the summary of `first`..`last` takes from each counted peer (`back`: since when
    in-person time is read); a peer whose file fails is left out whole."""
    from presence.devices.merge import take

    tz = config.tz
    period_start, period_end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]

    def category_seconds(peer) -> dict:
        out = {}
        day = first
        while day <= last:
            start, end = day_bounds(day, tz)
            until = min(end, now)
            out[day] = ([(category, seconds) for _, category, seconds
                         in peer.device_seconds(start, until)] if until > start else [])
            day += timedelta(days=1)
        return out

    def read(peer) -> Peer:
        has_people = peer.has_table("people")
        return Peer(
            name=peer.info.name or peer.info.device_id,
            source=peer,
            in_person=peer.meetings(back, period_end, tz, kind="in_person"),
            logged=peer.in_person_log(back, period_end),
            first=peer.first_activity(),
            meetings=peer.meetings(period_start, period_end, tz),
            people=peer.people() if has_people else [],
            together=peer.together(period_start, period_end) if has_people else [],
            forgotten=peer.forgotten() if has_people else ("", frozenset()),
            by_day=category_seconds(peer) if by_device else {})

    return take(peers, read)


def spans(peers: Sequence[Peer], windows: Sequence[tuple[float, float]]) -> list[list]:
    """Each peer's spans overlapping any of `windows` (each span once, oldest first).

    Raises:
        PeerFailed: naming the peers whose file failed (the others were read).
    """
    from presence.devices.merge import take

    def read(source) -> list:
        if len(windows) == 1:
            return source.spans(*windows[0])
        return list(dict.fromkeys(sp for s, e in windows for sp in source.spans(s, e)))

    sources = [p.source for p in peers]
    read_ok: dict[int, list] = {}
    take(sources, lambda source: read_ok.setdefault(id(source), read(source)))
    failed = [s for s in sources if id(s) not in read_ok]
    if failed:
        raise PeerFailed(failed)
    return [read_ok[id(s)] for s in sources]
