"""The only module that reads the clock.

Everything else takes time as an argument, so tests can pass explicit times and freezegun
can freeze this module alone.
"""

import time
from datetime import datetime, timezone


def now() -> float:
    """Wall-clock time as UNIX seconds (UTC)."""
    return time.time()


def now_dt() -> datetime:
    """Wall-clock time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def steady() -> float:
    """Seconds on the monotonic clock, for pacing and measuring intervals (never stored).

    Named apart from `time.monotonic` so that a grep for reads of the clock outside this
    module finds only real ones.
    """
    return time.monotonic()


def sleep(seconds: float) -> None:
    """Sleep; the daemon takes this as an injectable sleeper."""
    if seconds > 0:
        time.sleep(seconds)
