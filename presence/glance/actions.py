"""What one click on the bar or the tray does: snooze, pause, log time, open the report.

The bar's click events and the tray's menu call these, so a click does what the matching
command does (`presence snooze 1h`, `presence pause 1h`, `presence log 1h`, `presence report`).
"""

from __future__ import annotations

import logging
import os
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from presence import holds, paths
from presence.config import Config
from presence.errors import InputError

if TYPE_CHECKING:
    from presence.store import Store

log = logging.getLogger(__name__)

HOUR = 3600.0
REPORT_NAME = "report-today.html"


def snooze_for(store: Store, now: float, seconds: float = HOUR) -> float:
    """Snooze nudges for `seconds` from `now`; returns the end."""
    holds.snooze(store, now + seconds)
    return now + seconds


def pause_for(store: Store, now: float, seconds: float = HOUR) -> float:
    """Pause recording for `seconds` from `now`; returns the end."""
    holds.pause(store, now + seconds)
    return now + seconds


def log_with_people(store: Store, now: float, seconds: float = HOUR) -> int:
    """Log the last `seconds` before `now` as time with people; returns the log's id."""
    return store.add_in_person(now - seconds, now, None)


def write_report(store: Store, config: Config, now: float, target: Path | None = None) -> Path:
    """Write the week ending today as the HTML report, readable by the user alone.

    Raises:
        InputError: the file cannot be written (or is a symlink).
    """
    from presence.reports import history
    from presence.reports.html import render
    from presence.reports.summary import local_day

    period = history.period_summary(store, config, local_day(now, config.tz), 7, now,
                                    by_device=False)  # the page shows no time by device
    page = render(period, config.tz, "Your week")
    target = target or paths.make_private_dir(paths.data_dir()) / REPORT_NAME
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
    except OSError as exc:
        raise InputError(f"{target}: cannot write the report ({exc.strerror})") from exc
    return target


def open_report(store: Store, config: Config, now: float) -> Path:
    """Write today's report and open it in the user's browser (`$BROWSER` if set)."""
    target = write_report(store, config, now)
    if not webbrowser.open(target.resolve().as_uri()):
        log.warning("no browser to open %s", target)
    return target

