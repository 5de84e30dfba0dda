"""`presence status`: is the daemon running, what is in front, today so far."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from presence import clock
from presence.config import Config
from presence.errors import StoreError
from presence.reports.history import day_summary
from presence.model import AWAY
from presence.timeline import local_day
from presence.calendar.sync import failures
from presence.sanitise import visible
from presence.timeparse import format_minutes


def gather(config: Config, db_path: Path) -> dict[str, Any]:
    """The status as a JSON-ready dict (keys are stable; more may be added)."""
    from presence.lock import running_pid
    from presence.store import Store

    now = clock.now()
    pid = running_pid(db_path)
    report: dict[str, Any] = {"running": pid is not None, "pid": pid, "database": str(db_path),
                              "probe": None, "probe_error": None, "notifier": None,
                              "heartbeat_age_seconds": None, "now": None, "today": {},
                              "in_person_today": 0.0,
                              "calendar_errors": []}
    try:
        store = Store.open(db_path, create=False)
    except StoreError:
        return report
    try:
        beat = store.get_setting("daemon") or {}
        failing = failures(store)
        last = store.last_span()
        # the same numbers as `presence summary`, from the same code
        today = day_summary(store, config, local_day(now, config.tz), now)
    finally:
        store.close()
    if pid is not None:
        report["probe"] = beat.get("probe")
        report["probe_error"] = beat.get("probe_error")
        report["notifier"] = beat.get("notifier")
        if "at" in beat:
            report["heartbeat_age_seconds"] = round(now - beat["at"], 1)
        if last is not None:
            report["now"] = {"app": last.app, "category": last.category,
                             "since": last.start, "seconds": round(last.end - last.start)}
    report["today"] = {k: round(v, 1) for k, v in today.categories.items() if k != AWAY}
    report["in_person_today"] = round(today.in_person_minutes, 1)
    report["calendar_errors"] = failing
    return report


def render(report: dict[str, Any]) -> str:
    """The status as a few lines of text."""
    if report["running"]:
        probe = report["probe"] or "?"
        if report["probe_error"]:
            probe += f" (wanted probe failing: {report['probe_error']})"
        lines = [f"presence is running (pid {report['pid']}), probe {probe}"]
    else:
        lines = ["presence is not running (start it with `presence run`, or set it up with "
                 "`presence autostart install`)"]
    current = report["now"]
    if current:
        lines.append(f"in front: {visible(current['app'] or 'nothing')} ({current['category']}) for "
                     f"{format_minutes(current['seconds'] / 60)}")
    shown = {cat: m for cat, m in report["today"].items() if m >= 0.5}
    if report["in_person_today"] >= 0.5:
        shown["in person"] = report["in_person_today"]
    if shown:
        parts = ", ".join(f"{cat} {format_minutes(m)}" for cat, m in shown.items())
        lines.append(f"today: {parts}")
    else:
        lines.append("today: nothing recorded yet")
    for error in report["calendar_errors"]:
        lines.append(f"calendar failing (last good meetings kept): {visible(error)}")
    return "\n".join(lines)
