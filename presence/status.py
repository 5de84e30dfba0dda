"""`presence status`: is the daemon running, what is in front now, today so far.

The numbers are today's glance (`glance.view`), the same computation as the bar and the tray.
A broken config does not hide the daemon: status falls back to the shipped config for its
own reading and shows the error as one more line.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from presence import clock, paths
from presence.config import load_or_defaults
from presence.errors import StoreError
from presence.frozen import frozen
from presence.glance import view
from presence.model import AWAY
from presence.calendar.sync import failures
from presence.sanitise import visible
from presence.timeline import iso_utc
from presence.timeparse import format_minutes, format_until

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any


def _utc(at: float | None) -> str | None:
    return None if at is None else iso_utc(at)


@frozen
class Status:
    """The status: `data` is the `status --json` document (keys are stable; more may be
    added), `glance` today's glance (None without a database), `tz` the zone to show times in.
    """

    data: dict[str, Any]
    glance: view.Glance | None
    tz: tzinfo

    @property
    def exit_code(self) -> int:
        """0, or 2 for a broken config while no daemon runs (a running one keeps its own)."""
        return 2 if self.data["config_error"] and not self.data["running"] else 0


def gather(config_path: Path | None, db_path: Path) -> Status:
    """Is the daemon running, what is in front now, today so far, snooze and pause."""
    from presence.lock import running_pid
    from presence.store import Store

    config, config_error = load_or_defaults(config_path, required=config_path is not None)
    now = clock.now()
    pid = running_pid(db_path)
    exposed = paths.exposed(db_path)
    report: dict[str, Any] = {"running": pid is not None, "pid": pid, "database": str(db_path),
                              "probe": None, "probe_error": None, "notifier": None,
                              "heartbeat_age_seconds": None, "now": None, "today": {},
                              "in_person_today": 0.0, "virtual_today": 0.0, "state": "stopped",
                              "snoozed_until": None, "paused_until": None,
                              "calendar_errors": [], "device": None,
                              "config_error": str(config_error) if config_error else None,
                              "readable_by_others": [str(p) for p in exposed]}
    try:
        store = Store.open(db_path, create=False)
    except StoreError:
        return Status(report, None, config.tz)
    try:
        beat = store.daemon_record(now) or {}
        failing = failures(store)
        glance = view.read(store, config, now, pid is not None)
        device = store.this_device()
    finally:
        store.close()
    if pid is not None:
        report["probe"] = beat.get("probe")
        report["probe_error"] = beat.get("probe_error")
        report["notifier"] = beat.get("notifier")
        if "at" in beat:
            report["heartbeat_age_seconds"] = round(now - beat["at"], 1)
    current = glance.current
    if current is not None:
        report["now"] = {"app": current.app, "category": current.category,
                         "since": iso_utc(current.since),
                         "seconds": round(max(0.0, now - current.since))}
    report["today"] = {k: round(v, 1) for k, v in glance.categories if k != AWAY}
    report["in_person_today"] = round(glance.in_person_minutes, 1)
    report["virtual_today"] = round(glance.virtual_minutes, 1)
    report["state"] = glance.state
    report["snoozed_until"] = _utc(glance.snoozed_until)
    report["paused_until"] = _utc(glance.paused_until)
    report["calendar_errors"] = failing
    if device is not None:
        report["device"] = {"id": device.id, "name": device.name}
    return Status(report, glance, config.tz)


def render(status: Status) -> str:
    """The status as a few lines of text."""
    report, glance = status.data, status.glance
    if report["running"]:
        probe = report["probe"] or "?"
        if report["probe_error"]:
            probe += f" (wanted probe failing: {report['probe_error']})"
        line = f"presence is running (pid {report['pid']}), probe {probe}"
        if report["notifier"]:
            line += f", notifications via {report['notifier']}"
        lines = [line]
    else:
        lines = ["presence is not running (start it with `presence run`, or set it up with "
                 "`presence autostart install`)"]
    current = report["now"]
    if current:
        lines.append(f"in front: {visible(current['app'] or 'nothing')} ({current['category']})"
                     f" for {format_minutes(current['seconds'] / 60)}")
    if glance is not None and glance.paused_until is not None:
        lines.append(f"paused until {format_until(glance.paused_until, glance.at, status.tz)}: "
                     "nothing is recorded (`presence resume` to start again)")
    if glance is not None and glance.snoozed_until is not None:
        lines.append(f"snoozed until {format_until(glance.snoozed_until, glance.at, status.tz)}"
                     " (`presence snooze off` ends it)")
    shown = {cat: m for cat, m in report["today"].items() if m >= 0.5}
    if report["in_person_today"] >= 0.5:
        shown["in person"] = report["in_person_today"]
    if shown:
        parts = ", ".join(f"{cat} {format_minutes(m)}" for cat, m in shown.items())
        lines.append(f"today: {parts}")
    else:
        lines.append("today: nothing recorded yet")
    if report.get("device"):
        lines.append(f"device: {report['device']['name']} ({report['device']['id']}; "
                     "see `presence devices`)")
    for error in report["calendar_errors"]:
        lines.append(f"calendar failing (last good meetings kept): {visible(error)}")
    if report["config_error"]:
        lines.append(f"config error (the daemon keeps the config it started with): "
                     f"{visible(report['config_error'])}")
    if report["readable_by_others"]:
        loose = [Path(p) for p in report["readable_by_others"]]
        lines.append(f"warning: others can read {', '.join(map(str, loose))} "
                     f"(fix: {paths.tighten(loose)})")
    return "\n".join(lines)
