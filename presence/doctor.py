"""`presence doctor`: check every edge and say how to fix what fails."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from presence import clock, paths
from presence.config import Config
from presence.errors import PresenceError


@dataclass(frozen=True)
class Check:
    """One edge's verdict: status is ok, warn or fail."""

    name: str
    status: str
    detail: str
    fix: str = ""


def check_database(db_path: Path) -> Check:
    """The database exists, is private, and passes a quick integrity check."""
    from presence.store import Store

    if not db_path.exists():
        return Check("database", "warn", f"{db_path} does not exist yet",
                     "start the daemon (`presence run`); it creates the database")
    try:
        store = Store.open(db_path, create=False)
    except PresenceError as exc:
        return Check("database", "fail", str(exc),
                     "move the file aside; presence starts a fresh one")
    try:
        health = store.health()
    finally:
        store.close()
    if not health.intact:
        return Check("database", "fail", f"{db_path} fails its integrity check",
                     "move the file aside; presence starts a fresh one")
    if health.out_of_range:
        rows = ", ".join(f"{n} in {table}" for table, n in health.out_of_range.items())
        return Check("database", "warn", f"rows with times outside 1970–9000 are skipped: "
                     f"{rows}",
                     "remove them with `presence focus remove` or by hand in the database")
    return Check("database", "ok", f"{db_path} ({health.spans} spans)")


def check_privacy(db_path: Path) -> Check:
    """presence's folders and files are the user's alone (DESIGN §3, Privacy)."""
    loose = paths.exposed(db_path)
    if loose:
        return Check("privacy", "warn", "others can read " + ", ".join(map(str, loose)),
                     paths.tighten(loose))
    return Check("privacy", "ok", "your folders and files are readable by you alone")


def check_probe(config: Config) -> Iterator[Check]:
    """The probe the daemon would pick opens and reads, and it knows the idle time."""
    from presence.probe import note, open_probe, select

    choice = select(config.get("daemon.probe"), os.environ, sys.platform)
    try:
        probe = open_probe(choice.name)
        try:
            sample = probe.read(clock.now())
        finally:
            probe.close()
    except PresenceError as exc:
        # the backends' messages say what to install or set
        yield Check("probe", "fail", f"{choice.name} ({choice.reason})", str(exc))
        return
    seen = f"{sample.app or 'nothing'} in front" + (f" (pid {sample.pid})" if sample.pid else "")
    inside = "run presence inside your desktop session (with DISPLAY or WAYLAND_DISPLAY set)"
    if probe.guess:
        yield Check("probe", "warn", f"{choice.name}: {seen}; {note(choice.name)} "
                    f"({choice.reason})", inside)
    elif choice.name == "none":
        yield Check("probe", "warn", f"none: nothing is recorded ({choice.reason})",
                    "set [daemon] probe = \"auto\" and " + inside)
    else:
        yield Check("probe", "ok", f"{choice.name}: {seen} ({choice.reason})")
    if sample.idle is None:
        yield Check("idle", "warn", f"{choice.name} cannot tell how long you have been idle; "
                    "time away from the desk counts as the app in front",
                    getattr(probe, "idle_fix", None)
                    or "use a session where the probe can read idle time (X11 with the "
                    "MIT-SCREEN-SAVER extension, sway with swayidle, macOS, Windows)")
    else:
        yield Check("idle", "ok", f"idle for {sample.idle:.0f} s")


def check_notifier() -> Check:
    """A notification server answers on this platform's channel."""
    from presence.nudges.notify import DbusNotifier, default_notifiers

    notifiers = default_notifiers()
    first = notifiers[0]
    if not isinstance(first, DbusNotifier):
        return Check("notifier", "ok", f"{first.channel} (cannot be checked without showing "
                     "a notification)")
    try:
        return Check("notifier", "ok", f"D-Bus: {first.server()}")
    except PresenceError as exc:
        return Check("notifier", "fail", str(exc),
                     "run a notification daemon (GNOME, KDE and most desktops have one; "
                     "otherwise dunst or mako); nudges go to the log meanwhile")
    finally:
        first.close()


def check_do_not_disturb(config: Config) -> Check:
    """Whether presence can hold the desktop's notifications during meetings here."""
    from presence.nudges.notify import SWITCHES, server_name, switch_for

    wanted = bool(config.get("focus.do_not_disturb"))
    server = server_name()
    switch = switch_for(server)
    if switch is not None:
        state = "on: held during in-person meetings" if wanted else \
            "off (`[focus] do_not_disturb = true` holds them during in-person meetings)"
        return Check("do-not-disturb", "ok", f"{switch.name} ({switch.tool}): {state}")
    known = ", ".join(SWITCHES)
    what = f"not available with {server or 'no notification server'} (presence knows {known})"
    return Check("do-not-disturb", "warn" if wanted else "ok", what,
                 "nothing to do: `[focus] do_not_disturb` has no effect here" if wanted
                 else "")


def check_tray() -> Check:
    """A tray that hosts StatusNotifierItems runs, for `presence tray` (optional)."""
    from presence.glance.tray import watcher_problem

    problem = watcher_problem()
    if problem is None:
        return Check("tray", "ok", "a StatusNotifierWatcher runs: `presence tray` can show "
                     "its icon")
    return Check("tray", "warn", problem, "only needed for `presence tray`; `presence bar` "
                 "works without a tray")


def check_calendars(config: Config, db_path: Path) -> Iterator[Check]:
    """Each calendar source: how its last sync went (the daemon syncs every refresh)."""
    from presence.calendar.sync import child_failure, configured_sources, statuses
    from presence.calendar.sources import label
    from presence.store import Store

    try:
        store = Store.open(db_path, create=False)
    except PresenceError:
        sources, known, died = list(config.get("calendar.sources")), {}, None
    else:
        try:
            sources, known = configured_sources(config, store), statuses(store)
            died = child_failure(store)
        finally:
            store.close()
    if died:
        yield Check("calendars", "fail", died,
                    "find the source that breaks it: presence -v calendar sync")
    if not sources:
        yield Check("calendars", "warn", "no calendar sources: in-person time comes only from "
                    "`presence log`", "presence calendar add FILE-OR-URL")
        return
    for source in sources:
        shown = label(source)
        state = known.get(shown)
        if state is None:
            yield Check("calendars", "warn", f"{shown}: not synced yet",
                        "presence calendar sync")
        elif state.get("error"):
            yield Check("calendars", "fail", state["error"],
                        "fix or remove the source (presence calendar list); its last good "
                        "meetings are kept meanwhile")
        elif state.get("stale"):
            yield Check("calendars", "warn", f"{shown}: {state['instances']} instances from the "
                        f"cached copy ({state['stale']})", "check the network or the URL")
        elif state.get("skipped"):
            yield Check("calendars", "warn", f"{shown}: {state['instances']} instances, "
                        f"{state['skipped']} skipped (first: {state.get('first_skipped')})",
                        "the skipped events break a limit or cannot be read; the rest is used")
        else:
            yield Check("calendars", "ok", f"{shown}: {state['instances']} instances")


def check_devices(config: Config, db_path: Path) -> Iterator[Check]:
    """The synced folder: this device's snapshot, each peer's freshness, every file that is
    not counted (a conflict copy, a newer format, an unreadable file)."""
    from presence.devices import identity, listing
    from presence.store import Store
    from presence.store.devices import THIS, Device

    if config.devices_folder is None:
        yield Check("devices", "ok", "this device alone (no [devices] folder)")
        return
    try:
        store = Store.open(db_path, create=False)
    except PresenceError as exc:
        yield Check("devices", "warn", f"cannot read this device's identity ({exc})",
                    "start the daemon (`presence run`)")
        return
    try:
        me = store.this_device() or Device("", identity.configured_name(config), THIS)
        report = listing.gather(store, config, clock.now(), me=me)
    finally:
        store.close()
    own = report["this"]
    if own["age_seconds"] is None:
        yield Check("devices", "warn", f"{report['folder']}: this device has written no "
                    "snapshot yet", "start the daemon (`presence run`); it writes one every "
                    "[devices] every_minutes")
    else:
        yield Check("devices", "ok", f"{report['folder']}: this device's snapshot "
                    f"{round(own['age_seconds'] / 60)} min old")
    for peer in report["peers"]:
        if peer["state"] == "fresh":
            yield Check("devices", "ok", f"peer {peer['name']} ({peer['id']}): snapshot "
                        f"{round(peer['age_seconds'] / 60)} min old")
    for problem in report["problems"]:
        who = f"peer {problem['name']} ({problem['id']})" if problem["state"] == "stale" \
            else problem["file"]
        fixes = {"stale": "start presence and the sync engine on that device, or "
                          f"`presence devices forget {problem['id']}`",
                 "newer": "upgrade presence on this device",
                 "setup": "add the line to the folder's .stignore"}
        yield Check("devices", "warn" if problem["state"] in ("stale", "setup") else "fail",
                    f"{who}: {problem['detail']}",
                    fixes.get(problem["state"], "remove the file; the device writes its "
                              "snapshot again"))


def run_checks(config_path: Path | None, db_path: Path) -> Iterator[Check]:
    """Every check, in the order a user would fix them."""
    from presence import config as config_mod

    try:
        cfg = config_mod.load(config_path, required=config_path is not None)
    except PresenceError as exc:
        yield Check("config", "fail", str(exc), "fix that key, then `presence config check`")
        cfg = config_mod.defaults()
    else:
        yield Check("config", "ok", ", ".join(str(f) for f in cfg.files))
    yield check_database(db_path)
    yield check_privacy(db_path)
    yield from check_probe(cfg)
    yield check_notifier()
    yield check_do_not_disturb(cfg)
    yield check_tray()
    yield from check_calendars(cfg, db_path)
    yield from check_devices(cfg, db_path)
