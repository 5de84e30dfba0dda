"""The probe the daemon reads: the wanted backend, or a stand-in while that one fails.

A login service may start before the display, and a display may go and come back: the
wanted backend is retried later and later, and meanwhile the configured fallback (or the
null probe) answers, so sampling never stops.
"""

from __future__ import annotations

import logging
from typing import Callable

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.base import Probe

log = logging.getLogger(__name__)

# Seconds between attempts to reopen the wanted probe after it failed.
PROBE_RETRY_SECONDS = (2, 4, 8, 15, 30, 60)


class ProbeHolder:
    """Opens, reads, replaces and closes the daemon's probe."""

    def __init__(self, open_probe: Callable[[str], Probe], wanted: str,
                 fallback: str | None, steady: Callable[[], float]):
        """
        Args:
            open_probe: constructs a probe by backend name (raises ProbeUnavailable).
            wanted: the backend to use.
            fallback: the backend that stands in while the wanted one fails (the null probe
                when None or when it fails too).
            steady: the monotonic clock that paces the retries.
        """
        self._open_probe = open_probe
        self.wanted = wanted
        self.fallback = fallback
        self._steady = steady
        self.probe: Probe | None = None
        # what the daemon's common tick calls: the wanted probe's own `read` while it is
        # the one read (no checks of this holder's: a fifth of that tick), else `read`
        self.direct: Callable[[float], Sample] = self.read
        self.error: str | None = None
        self._retry_at = 0.0
        self._retries = 0
        self._idle_limit: float | None = None

    @property
    def idle_limit(self) -> float | None:
        """The idle seconds above which the samples' idle time must be exact (`[daemon]
        idle_seconds`); below it a probe may answer with a bound and skip asking the
        window system (the X11 probe does). None: exact on every sample."""
        return self._idle_limit

    @idle_limit.setter
    def idle_limit(self, value: float | None) -> None:
        self._idle_limit = value
        if self.probe is not None:
            self._tell(self.probe)

    def _tell(self, probe: Probe) -> Probe:
        # only backends that can make use of it carry the attribute
        if hasattr(probe, "idle_limit"):
            probe.idle_limit = self._idle_limit  # type: ignore[attr-defined]
        return probe

    def read(self, now: float) -> Sample:
        """What is in front at `now`, from the wanted probe or its stand-in; a sample with
        nothing in front when the probe failed just now."""
        probe = self.probe
        if probe is None or probe.name != self.wanted:
            probe = self._ensure()
        try:
            return probe.read(now)
        except ProbeUnavailable as exc:
            return self.failed(now, exc)

    def failed(self, now: float, exc: ProbeUnavailable) -> Sample:
        """The sample when reading the probe at `now` raised `exc` (the daemon's common
        tick calls `direct`): fall back, with nothing in front just now."""
        self._fall_back(str(exc))
        return Sample(now, None)

    def quiet_until(self) -> tuple[int, float] | None:
        """The file descriptor and sample time of the wanted probe's `quiet_until` (see
        `presence.probe.x11`): until then, and while the descriptor stays unreadable, a read
        shows what the last one showed. None for a stand-in (retried on the clock) and for
        a backend that must be read every interval."""
        probe = self.probe
        if probe is None or probe.name != self.wanted or self.error is not None:
            return None
        quiet = getattr(probe, "quiet_until", None)
        return None if quiet is None else quiet()

    def close(self) -> None:
        """Release the probe (the next read opens one again)."""
        if self.probe is not None:
            self.probe.close()
            self.probe = None
        self.direct = self.read

    def _ensure(self) -> Probe:
        if self.probe is not None and (self.probe.name == self.wanted
                                       or self._steady() < self._retry_at):
            return self.probe
        try:
            probe = self._open_probe(self.wanted)
        except ProbeUnavailable as exc:
            self._fall_back(str(exc))
        else:
            if self.probe is not None:
                self.probe.close()
                log.info("probe %s is back", self.wanted)
            self.probe, self.error, self._retries = self._tell(probe), None, 0
            self.direct = probe.read
        assert self.probe is not None
        return self.probe

    def _fall_back(self, reason: str) -> None:
        if self.probe is not None:
            self.probe.close()
        self.probe = self._tell(self._stand_in())
        self.direct = self.read
        if self.error != reason:
            log.warning("probe %s unavailable, using %s until it is back: %s",
                        self.wanted, self.probe.name, reason)
        self.error = reason
        delay = PROBE_RETRY_SECONDS[min(self._retries, len(PROBE_RETRY_SECONDS) - 1)]
        self._retries += 1
        self._retry_at = self._steady() + delay

    def _stand_in(self) -> Probe:
        from presence.probe import open_probe

        if self.fallback and self.fallback != self.wanted:
            try:
                return open_probe(self.fallback)
            except ProbeUnavailable as exc:
                log.info("fallback probe %s unavailable too: %s", self.fallback, exc)
        return open_probe("none")
