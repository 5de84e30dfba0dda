"""`presence calendar ...`: the calendar commands (DESIGN §2).

The group takes its config from `ctx.obj`: any object with a `config_path` attribute and a
`config()` method that returns the loaded `Config` (the root group's `Context`). The calendar
libraries are imported inside the commands: they are slow to import and most commands never
need them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

import click

from presence.cli.common import echo, echo_json
from presence.errors import PresenceError
from presence.sanitise import visible
from presence.timeline import iso_utc, midnight

if TYPE_CHECKING:
    from presence.config import Config
    from presence.model import Meeting


def _config(ctx: click.Context) -> Config:
    """The loaded config from the root group's context object, or the default files."""
    obj = ctx.obj
    if obj is not None and callable(getattr(obj, "config", None)):
        return obj.config()
    from presence import config

    return config.load()


def _every_source(ctx: click.Context, cfg: Config) -> list[str]:
    """The configured sources and those added with `calendar add`, as `sync` reads them."""
    from presence.calendar.sync import configured_sources
    from presence.errors import StoreError

    opener = getattr(ctx.obj, "store", None)
    if not callable(opener):
        return list(cfg.get("calendar.sources"))
    try:
        store = opener(create=False)
    except StoreError:
        return list(cfg.get("calendar.sources"))  # no database yet: nothing was added
    try:
        return configured_sources(cfg, store)
    finally:
        store.close()


def _zone(name: str) -> tzinfo:
    from presence.calendar.zones import iana_name, iana_zone

    mapped = iana_name(name)
    if mapped is None:
        raise click.BadParameter(f"{name!r} is not a time zone; use an IANA name such as "
                                 "Europe/Berlin", param_hint="--tz")
    zone = iana_zone(mapped)
    if zone is None:
        raise click.BadParameter(f"{name!r} is not a time zone", param_hint="--tz")
    return zone


def _when(text: str, zone: tzinfo, option: str, *, end: bool = False) -> datetime:
    """A window bound (see `timeparse.parse_bound`), its errors naming the option."""
    from presence import clock
    from presence.timeline import local_day
    from presence.timeparse import parse_bound

    try:
        return parse_bound(text, zone, local_day(clock.now(), zone), end=end)
    except PresenceError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _stamp(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return iso_utc(value.timestamp())
    return value.isoformat()


def _minutes(meeting: Meeting, zone: tzinfo) -> int:
    start, end = meeting.start, meeting.end
    if not isinstance(start, datetime):
        # An all-day event lasts its local days: 23 or 25 hours across a DST change.
        start, end = midnight(start, zone), midnight(end, zone)
    seconds = end.astimezone(timezone.utc) - start.astimezone(timezone.utc)
    return round(seconds.total_seconds() / 60)


def as_json(meeting: Meeting, zone: tzinfo) -> dict[str, Any]:
    """The stable JSON form of one instance (DESIGN §2, `calendar events --json`)."""
    return {"uid": meeting.uid, "summary": meeting.summary, "start": _stamp(meeting.start),
            "end": _stamp(meeting.end), "minutes": _minutes(meeting, zone),
            "all_day": meeting.all_day, "kind": meeting.kind, "reason": meeting.reason,
            "source": meeting.source}


def _line(meeting: Meeting, zone: tzinfo) -> str:
    if isinstance(meeting.start, datetime):
        start = meeting.start.astimezone(zone)
        end = meeting.end.astimezone(zone)
        same_day = end.date() == start.date() or (end - start <= timedelta(hours=24)
                                                   and end.time() == datetime.min.time())
        until = end.strftime("%H:%M") if same_day else end.strftime("%Y-%m-%d %H:%M")
        when = f"{start:%Y-%m-%d %a %H:%M}–{until}"
    else:
        days = (meeting.end - meeting.start).days
        when = f"{meeting.start:%Y-%m-%d %a} all day" + (f" ({days} days)" if days > 1 else "")
    return (f"{when:<28} {meeting.kind:<9}  {visible(meeting.summary or '(no title)')}  "
            f"[{visible(meeting.reason)}]")


@click.group("calendar")
def calendar() -> None:
    """Calendar sources and the meetings presence finds in them.

    Example: presence calendar events ~/cal.ics --from 2026-03-09 --to 2026-03-15
    """


@calendar.command("events")
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--from", "start_text", required=True, metavar="T",
              help="Window start: ISO 8601 (2026-03-09T08:00, with or without an offset), "
                   "HH:MM today, today, yesterday or a date.")
@click.option("--to", "end_text", required=True, metavar="T",
              help="Window end (exclusive); a day (today, yesterday, a date) means the end "
                   "of that day.")
@click.option("--tz", "zone_name", metavar="ZONE",
              help="Zone for T without an offset and for floating times (default: the "
                   "configured timezone).")
@click.option("--owner", "owners", multiple=True, metavar="EMAIL",
              help="Your address (repeatable), added to calendar.owner_emails.")
@click.option("--json", "json_output", is_flag=True, help="Print JSON.")
@click.pass_context
def events(ctx: click.Context, sources: tuple[str, ...], start_text: str, end_text: str,
           zone_name: str | None, owners: tuple[str, ...], json_output: bool) -> None:
    """List the classified instances that overlap a window: in_person, virtual or excluded,
    each with the reason. SOURCE is an .ics file, a folder of them or an http(s)/webcal URL;
    without one, the sources in the config and those added with `calendar add` are read.

    \b
    Example: presence calendar events work.ics --from 2026-03-09 --to 2026-03-13 --json
    """
    from presence import paths
    from presence.calendar.expand import CalendarSettings
    from presence.calendar.sources import label, read_source
    from presence.calendar.sources import DEFAULT_TIMEOUT
    from presence.calendar.sync import deadline, instances

    try:
        cfg = _config(ctx)
    except PresenceError as exc:
        echo(f"presence: {exc}", err=True)
        ctx.exit(exc.exit_code)
    zone = _zone(zone_name) if zone_name else cfg.tz
    start = _when(start_text, zone, "--from")
    end = _when(end_text, zone, "--to", end=True)
    if end <= start:
        raise click.BadParameter("the window must end after it starts", param_hint="--to")
    chosen = list(sources) or _every_source(ctx, cfg)
    if not chosen:
        echo("presence: no calendar sources: name one (presence calendar events FILE "
             "...) or add one (presence calendar add FILE-OR-URL)", err=True)
        ctx.exit(2)
    settings = CalendarSettings.from_config(cfg, owners=owners, tz=zone)

    meetings: list[Meeting] = []
    failed = 0
    for source in chosen:
        within = deadline(cfg)
        try:
            read = read_source(source, paths.cache_dir(),
                               timeout=min(within.remaining(), DEFAULT_TIMEOUT))
            if read.stale:
                echo(f"warning: {label(source)}: showing the cached copy ({read.stale})",
                     err=True)
            found = instances(read, settings, start, end, within)
        except PresenceError as exc:
            echo(f"presence: {exc}", err=True)
            failed += 1
            continue
        for warning in found.warnings:
            echo(f"warning: {warning}", err=True)
        meetings.extend(found.meetings)

    meetings.sort(key=lambda m: (_stamp(m.start) if isinstance(m.start, datetime)
                                 else _stamp(midnight(m.start, zone)), m.uid))
    if json_output:
        echo_json([as_json(m, zone) for m in meetings])
    elif meetings:
        for meeting in meetings:
            echo(_line(meeting, zone))
    else:
        echo(f"No events from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}.")
    if failed:
        ctx.exit(2)


@calendar.command("add")
@click.argument("source")
@click.pass_obj
def add(obj: Any, source: str) -> None:
    """Add a calendar source: an .ics file, a folder of them, or an http(s)/webcal URL.

    A URL is kept in the database, readable by you alone, and shown redacted.

    Example: presence calendar add ~/Calendars/home.ics
    """
    from pathlib import Path

    from presence import clock
    from presence.errors import InputError
    from presence.calendar.sources import is_url, label

    if not is_url(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise InputError(f"{source}: no such file or folder (give an .ics file, a folder "
                             "of them, or an http(s)/webcal URL)")
        source = str(path.resolve())
    added = obj.store().add_calendar_source(source, clock.now())
    shown = label(source)
    echo(f"added {shown}; it is read at the next sync (now: presence calendar sync)"
         if added else f"{shown} is already a source")


@calendar.command("list")
@click.option("--json", "json_output", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_sources(obj: Any, json_output: bool) -> None:
    """List the calendar sources (URLs redacted) and how their last sync went.

    Example: presence calendar list
    """
    from presence.calendar.sync import child_failure, configured_sources, statuses
    from presence.calendar.sources import label

    store = obj.store()
    added = set(store.calendar_sources())
    known = statuses(store)
    rows = []
    for number, source in enumerate(configured_sources(obj.config(), store), 1):
        shown = label(source)
        state = known.get(shown, {})
        rows.append({"n": number, "source": shown,
                     "origin": "added" if source in added else "config",
                     "instances": state.get("instances"), "error": state.get("error"),
                     "stale": state.get("stale"), "checked": state.get("checked"),
                     "skipped": state.get("skipped") or 0,
                     "first_skipped": state.get("first_skipped")})
    if json_output:
        echo_json(rows)
        return
    if not rows:
        echo("no calendar sources (add one: presence calendar add FILE-OR-URL)")
    for row in rows:
        if row["checked"] is None:
            state = "not synced yet"
        elif row["error"]:
            state = f"FAILING: {row['error']}"
        else:
            state = f"{row['instances']} instances" + (" (cached copy)" if row["stale"] else "")
            if row["skipped"]:
                state += f"; {row['skipped']} skipped, first: {row['first_skipped']}"
        echo(f"{row['n']:>3}  {row['source']}  [{row['origin']}]  {state}")
    died = child_failure(store)
    if died:
        echo(f"FAILING: {died}")


@calendar.command("remove")
@click.argument("source")
@click.pass_obj
def remove(obj: Any, source: str) -> None:
    """Remove an added source, by its number in `calendar list`, its path or its URL.

    Sources in the config file stay until you take them out of [calendar] sources.

    Example: presence calendar remove 2
    """
    from pathlib import Path

    from presence import clock
    from presence.calendar.sources import is_url, label
    from presence.calendar.sync import configured_sources, remove_source
    from presence.errors import InputError

    store = obj.store()
    sources = configured_sources(obj.config(), store)
    # `add` stored the absolute path: `remove ./home.ics` names the same file
    given = {source} | ({str(Path(source).expanduser().resolve())} if not is_url(source) else set())
    chosen = None
    if source.isdigit() and 1 <= int(source) <= len(sources):
        chosen = sources[int(source) - 1]
    else:
        chosen = next((s for s in sources if given & {s, label(s)}), None)
    if chosen is None:
        raise InputError(f"{label(source)} is not a calendar source (see presence calendar list)")
    if chosen not in store.calendar_sources():
        raise InputError(f"{label(chosen)} comes from the config file "
                         f"({obj.config().files[-1]}); remove it from [calendar] sources there")
    remove_source(store, obj.config(), chosen, clock.now())
    echo(f"removed {label(chosen)}, its meetings and their focus windows")


@calendar.command("sync")
@click.option("--quiet", is_flag=True, help="Print nothing (the daemon's own syncs).")
@click.option("--max-memory", type=click.IntRange(64, 1 << 20), metavar="MB",
              help="Stop with an error past this much memory (the daemon's syncs: 1024).")
@click.pass_obj
def sync_cmd(obj: Any, quiet: bool, max_memory: int | None) -> None:
    """Read every source now and store its meetings; unchanged sources are not re-parsed.

    Exits 1 when a source failed (its last good meetings are kept).

    Example: presence calendar sync
    """
    from presence import clock, paths
    from presence.calendar.sync import limit_memory, sync

    if max_memory:
        limit_memory(max_memory)
    results = sync(obj.store(), obj.config(), paths.cache_dir(), clock.now())
    if not quiet:
        if not results:
            echo("no calendar sources (add one: presence calendar add FILE-OR-URL)")
        for result in results:
            # a failure's message already names the source
            echo(f"ok   {result.label}: {result.message}" if result.ok
                 else f"FAIL {result.message}")
    if any(not r.ok for r in results):
        raise SystemExit(1)
