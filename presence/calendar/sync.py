"""Syncing calendar sources into the store.

A sync reads every source (configured in `[calendar] sources` or added with `presence calendar
add`), and re-parses one only when its bytes, the configuration or the day changed: the
digest of what was parsed is kept in the store, so even a fresh process skips unchanged sources
without importing the calendar libraries. A source that fails keeps its last good instances.
After the meetings, the automatic focus windows before in-person events are rebuilt.

`instances` is the ONE way from a read source to its instances, used by `calendar sync` and
`calendar events` alike: a broken file inside a folder is a warning and the rest is read.

The daemon runs a sync as a short-lived child process (`presence calendar sync`), so a parsed
calendar never weighs on the daemon's memory and a broken one can never stop it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from presence.config import Config
from presence import clock
from presence.errors import CalendarDeadline, PresenceError
from presence.frozen import frozen
from presence.model import FocusWindow, Meeting
from presence.store import Store
from presence.timeline import day_bounds, local_day
from presence.logsetup import logger

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Callable
    # The calendar libraries load only when a source is parsed (DESIGN §6).
    from presence.calendar.expand import CalendarSettings
    from presence.calendar.limits import Deadline
    from presence.calendar.sources import SourceRead

log = logger(__name__)

STATUS_KEY = "calendar_sync"
# Written by the daemon when its sync child dies without recording its sources.
CHILD_KEY = "calendar_sync_child"
# Instances kept from a week back (the summary's trend) to two months ahead.
DAYS_BACK = 7
DAYS_AHEAD = 60
# What a sync child needs beside its sources' deadlines: its start-up and the focus windows,
# and for each source, storing its meetings (not covered by the source's deadline).
CHILD_START_SECONDS = 60.0
STORE_SECONDS = 10.0


@frozen
class SourceStatus:
    """The outcome of syncing one source, as shown by `calendar list`, status and doctor."""

    label: str
    ok: bool
    message: str
    instances: int


def configured_sources(config: Config, store: Store) -> list[str]:
    """Sources from the config, then those added on the command line, without repeats."""
    seen: dict[str, None] = {}
    for source in [*config.get("calendar.sources"), *store.calendar_sources()]:
        seen.setdefault(source, None)
    return list(seen)


def child_limit(config: Config, store: Store) -> float:
    """How long the daemon lets one sync child run (seconds): sources are synced one after
    another, and each may take its whole `[calendar] deadline_seconds`, so the limit is their
    sum plus start-up and storing. A fixed limit shorter than that (it was 300 s: ten
    trickling sources at 30 s) stopped the child before the sources after them had a turn,
    at every sync."""
    sources = len(configured_sources(config, store))
    return CHILD_START_SECONDS + sources * (float(config.get("calendar.deadline_seconds"))
                                            + STORE_SECONDS)


def window(now: float, config: Config) -> tuple[float, float]:
    """The synced window: whole local days from `DAYS_BACK` ago to `DAYS_AHEAD` ahead."""
    today = local_day(now, config.tz)
    start, _ = day_bounds(today - timedelta(days=DAYS_BACK), config.tz)
    _, end = day_bounds(today + timedelta(days=DAYS_AHEAD), config.tz)
    return start, end


def auto_focus_windows(meetings: list[Meeting], lead_minutes: int) -> list[FocusWindow]:
    """One focus window from `lead_minutes` before each timed in-person meeting to its end."""
    windows = []
    for meeting in meetings:
        if meeting.kind != "in_person" or meeting.interval is None:
            continue
        start, end = meeting.interval
        windows.append(FocusWindow(None, start - lead_minutes * 60, end,
                                   meeting.summary or "In-person meeting", "auto"))
    return windows


@frozen
class SourceInstances:
    """What one read source holds in a window.

    Attributes:
        label: the source as it may be shown (a path, or a redacted URL).
        meetings: its classified instances overlapping the window.
        warnings: files of a folder that could not be read or parsed, events skipped.
    """

    label: str
    meetings: tuple[Meeting, ...]
    warnings: tuple[str, ...]


def deadline(config: Config, steady: Callable[[], float] = clock.steady) -> Deadline:
    """One source's deadline, from now: its read, parse and expansion must end within
    `[calendar] deadline_seconds`."""
    from presence.calendar.limits import Deadline

    return Deadline.after(float(config.get("calendar.deadline_seconds")), steady)


def instances(read: SourceRead, settings: CalendarSettings, start: datetime,
              end: datetime, within: Deadline | None = None) -> SourceInstances:
    """Parse, expand and classify every document of a read source over [start, end).

    A document that cannot be parsed becomes a warning while another one of the source can
    be read; the others are kept. All of them share the source's deadline.

    Raises:
        PresenceError: no document of the source could be parsed (the first one's error), or
            the deadline passed (that error, naming the source).
    """
    from presence.calendar.limits import NO_DEADLINE
    from presence.calendar.expand import parse_calendar

    meetings: list[Meeting] = []
    warnings: list[str] = list(read.warnings)
    failures: list[PresenceError] = []
    within = within or NO_DEADLINE
    for document in read.documents:
        within.check(read.label, f"before {document.name}")
        try:
            result = parse_calendar(document.data, document.name, settings,
                                    within).instances(start, end, within)
        except CalendarDeadline:
            raise  # the source as a whole is out of time, not this one document
        except PresenceError as exc:
            failures.append(exc)
            warnings.append(str(exc))
            continue
        meetings.extend(result.meetings)
        warnings.extend(result.warnings)
    if failures and len(failures) == len(read.documents):
        raise failures[0]
    return SourceInstances(read.label, tuple(meetings), tuple(warnings))


def _settings_key(config: Config, start: float) -> str:
    # From the config rather than CalendarSettings, so that an unchanged source is skipped
    # without importing the calendar libraries.
    import hashlib  # OpenSSL: loaded by a sync, never by `status` reading the failures

    calendar = json.dumps(config.data["calendar"], sort_keys=True)
    return hashlib.sha256(f"{calendar}|{config.tz}|{start}".encode()).hexdigest()[:16]


def sync(store: Store, config: Config, cache_dir: Path, now: float,
         steady: Callable[[], float] = clock.steady) -> list[SourceStatus]:
    """Sync every source into `meetings`, then the automatic focus windows.

    Each source is read, parsed and expanded within its own deadline (`deadline()`).
    Never raises for a bad source: its status says what went wrong and its last good
    instances stay.
    """
    from presence.calendar.sources import DEFAULT_TIMEOUT, is_url, label, read_source
    from presence.secrets import scrub

    start, end = window(now, config)
    previous = store.get_setting(STATUS_KEY, {})
    current: dict[str, dict] = {}
    results = []
    settings = None
    for source in configured_sources(config, store):
        shown = label(source)
        last = previous.get(shown, {})
        entry = {"checked": now, "digest": last.get("digest"), "key": last.get("key"),
                 "instances": last.get("instances", 0), "error": None, "stale": None,
                 "skipped": last.get("skipped", 0), "first_skipped": last.get("first_skipped")}
        current[shown] = entry
        within = deadline(config, steady)
        try:
            read = read_source(source, cache_dir, timeout=min(within.remaining(),
                                                               DEFAULT_TIMEOUT))
            entry["stale"] = read.stale
            key = _settings_key(config, start)
            if read.digest == last.get("digest") and key == last.get("key") \
                    and not last.get("error"):
                results.append(SourceStatus(shown, True, "unchanged", entry["instances"]))
                continue
            if settings is None:
                loading = steady()
                # the calendar libraries, loaded once per sync: not this source's time
                import presence.calendar.series  # noqa: F401 - icalendar, recurring-ical-events
                from presence.calendar.expand import CalendarSettings

                settings = CalendarSettings.from_config(config)
                within = within.extended(steady() - loading)
            found = instances(read, settings, datetime.fromtimestamp(start, timezone.utc),
                              datetime.fromtimestamp(end, timezone.utc), within)
            meetings, warnings = list(found.meetings), found.warnings
            # Who was at the in-person ones is stored with them (presence/people).
            from presence.people.directory import store_meetings

            store_meetings(store, shown, meetings, config.tz, since=start)
            entry.update(digest=read.digest, key=key, instances=len(meetings),
                         skipped=len(warnings), first_skipped=warnings[0] if warnings else None)
            note = f"{len(meetings)} instances" + (f", {len(warnings)} skipped" if warnings
                                                   else "")
            for warning in warnings:
                log.info("%s", warning)
            results.append(SourceStatus(shown, True, note + (f" (cached copy: {read.stale})"
                                                             if read.stale else ""),
                                        len(meetings)))
        except PresenceError as exc:
            # stored, then shown by list, status and doctor: never the secret parts of a URL
            entry["error"] = scrub(str(exc), source) if is_url(source) else str(exc)
            log.info("calendar %s not synced, keeping its last instances: %s", shown,
                     entry["error"])
            results.append(SourceStatus(shown, False, entry["error"], entry["instances"]))
    store.set_setting(STATUS_KEY, current)
    if config.get("focus.auto"):
        ahead = store.meetings(now, end, config.tz, kind="in_person")
        store.replace_auto_focus(auto_focus_windows(ahead, config.get("focus.lead_minutes")),
                                 after=now)
    return results


def remove_source(store: Store, config: Config, source: str, now: float) -> None:
    """Remove an added source with everything presence took from it, in one transaction:
    its row, its meetings (and who was at them), its last sync's record (else the next sync
    of the same file, added again, would find it "unchanged" and store nothing), and the
    automatic focus windows before its meetings."""
    from presence.calendar.sources import label

    shown = label(source)
    _, end = window(now, config)
    with store.transaction("could not remove the calendar source"):
        store.remove_calendar_source(source, shown)
        status = store.get_setting(STATUS_KEY, {})
        if status.pop(shown, None) is not None:
            store.set_setting(STATUS_KEY, status)
        if config.get("focus.auto"):
            ahead = store.meetings(now, end, config.tz, kind="in_person")
            store.replace_auto_focus(auto_focus_windows(ahead, config.get("focus.lead_minutes")),
                                     after=now)


def statuses(store: Store) -> dict[str, dict]:
    """The last sync's outcome per source label (for status and doctor)."""
    return store.get_setting(STATUS_KEY, {})


def last_checked(store: Store) -> float | None:
    """When the last sync recorded its sources' outcome (UNIX seconds), or None."""
    checked = [state.get("checked") for state in statuses(store).values()
               if isinstance(state, dict) and isinstance(state.get("checked"), (int, float))]
    return max(checked) if checked else None


def record_child(store: Store, error: str | None, retry_at: float | None) -> None:
    """Record (or, with None, clear) why the daemon's sync process died and when it retries."""
    if error is None:
        store.delete_setting(CHILD_KEY)
    else:
        store.set_setting(CHILD_KEY, {"error": error, "retry_at": retry_at})


def failures(store: Store) -> list[str]:
    """One line per failing source, and one for a sync process that died (status, doctor)."""
    lines = [state["error"] for state in statuses(store).values()
             if isinstance(state, dict) and state.get("error")]
    child = child_failure(store)
    return lines + ([child] if child else [])


def child_failure(store: Store) -> str | None:
    """Why the daemon's last sync process died, and when it retries; None if it did not."""
    child = store.get_setting(CHILD_KEY)
    if not isinstance(child, dict) or not child.get("error"):
        return None
    return (f"{child['error']}; no source was synced, next try at "
            f"{_local_time(child.get('retry_at'))}")


def _local_time(stamp: object) -> str:
    if not isinstance(stamp, (int, float)):
        return "the next refresh"
    try:
        return datetime.fromtimestamp(stamp).strftime("%H:%M")
    except (OverflowError, OSError, ValueError):
        return "the next refresh"


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space, so that a calendar that would take all the memory
    fails with a MemoryError (that source alone) rather than wake the OOM killer. POSIX only;
    elsewhere the time limit of the daemon's sync still holds."""
    try:
        import resource
    except ImportError:  # Windows
        return
    limit = megabytes << 20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
