"""The null probe: nothing is known to be in front and idle time is unknown.

The daemon runs on it when asked (`probe = "none"`) and while no real backend is available yet
(a login service that starts before the display), so it keeps its heartbeat without guessing.
"""

from __future__ import annotations

from presence.model import Sample


class NullProbe:
    """A probe that observes nothing."""

    name = "none"
    guess = False

    def read(self, now: float) -> Sample:
        """A sample with no app and unknown idle time."""
        return Sample(at=now, app=None, idle=None)

    def close(self) -> None:
        """Nothing to release."""
