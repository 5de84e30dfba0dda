"""The contract every probe backend keeps."""

from __future__ import annotations

from presence.model import Sample

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # a contract for the type checker alone


class Probe(Protocol):
    """A source of foreground samples.

    Attributes:
        name: the backend's name as `[daemon] probe` spells it (`x11`, `psutil`, ...).
        guess: True when the backend infers rather than observes what is in front
            (the psutil fallback); `doctor` says so.

    A backend may also carry `idle_limit: float | None`: the holder sets it to `[daemon]
    idle_seconds`, and below it the backend may report a bound on the idle time (the last
    answer plus the time since) instead of asking the window system on every sample.

    A backend that hears of every change may also carry `quiet_until() -> (fd, until) | None`:
    until the sample time `until`, and while `fd` stays unreadable, a read shows what the
    last one showed; the daemon then sleeps on `fd` instead of reading every interval
    (`presence.pacing`). None: read at every interval.
    """

    name: str
    guess: bool

    def read(self, now: float) -> Sample:
        """What is in front at `now` (UNIX seconds), and the idle seconds.

        Never raises for a vanished window or process: such a sample is partial (fields None).
        Raises `ProbeUnavailable` when the backend as a whole stopped working (display gone),
        so the daemon can fall back and retry.
        """
        ...

    def close(self) -> None:
        """Release connections; the probe is not used afterwards."""
        ...
