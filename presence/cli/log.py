"""`presence log`: in-person time that no calendar shows — add, list, remove."""

from __future__ import annotations

import click

from presence import clock
from presence.cli.common import Context, echo, echo_json, local_time
from presence.errors import InputError
from presence.sanitise import visible
from presence.timeparse import format_minutes


class _DefaultAdd(click.Group):
    """`presence log 1h30m ...` means `presence log add 1h30m ...`; `list` and `remove` are
    subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not any(a in self.commands for a in args[:1]) and \
                not (args[0] in ("-h", "--help")):
            args = ["add", *args]
        return super().parse_args(ctx, args)


@click.group("log", cls=_DefaultAdd)
def log_cmd() -> None:
    """In-person time that no calendar shows: `presence log DURATION` adds it.

    \b
    Example: presence log 1h30m --at 18:30 --with "Sam, Priya" --note "dinner"
             presence log list --days 7
             presence log remove 12
    """


@log_cmd.command("add")
@click.argument("duration", required=False)
@click.option("--last-away", "last_away", is_flag=True, help="Log the last stretch you were "
              "away from the desk (at least [nudges.welcome_back] min_away_minutes, in the "
              "last two days) instead of a DURATION.")
@click.option("--at", "at", help="When it started (ISO 8601, or HH:MM today); default: it "
              "just ended.")
@click.option("--with", "with_names", help="Who was there, e.g. \"Sam, Priya\".")
@click.option("--note", help="What it was, e.g. \"dinner at Ana's\".")
@click.option("--planned", is_flag=True, help="It lies ahead (up to a day): count it once "
              "it has happened.")
@click.pass_obj
def log_add(obj: Context, duration: str | None, last_away: bool, at: str | None,
            with_names: str | None, note: str | None, planned: bool) -> None:
    """Log in-person time (also `presence log DURATION`). At most 16 h, from the first day
    presence recorded up to a day ahead. `--last-away` logs the last time you were away from
    the desk, as the "Yes, log it" of a welcome-back nudge does.

    Example: presence log 2h --at 2026-03-01T19:00 --with Sam
    """
    from presence.people import logbook

    if last_away:
        if duration or at or planned:
            raise InputError("--last-away logs the stretch presence saw you away; give no "
                             "DURATION, --at or --planned with it")
        from presence.nudges.actions import log_last_away

        logged = log_last_away(obj.store(), obj.config(), clock.now(), with_names, note)
    elif duration is None:
        raise InputError("give a DURATION (e.g. presence log 1h30m) or --last-away")
    else:
        logged = logbook.add(obj.store(), duration, at, planned, with_names, note,
                             clock.now(), obj.config().tz)
    entry = logged.entry
    echo(f"logged {format_minutes((entry.end - entry.start) / 60)} in person from "
         f"{local_time(entry.start, obj)} (id {entry.id})"
         + (f" with {', '.join(entry.people)}" if entry.people else "")
         + (f": {entry.note}" if entry.note else ""))
    for name in logged.forgotten:
        echo(f"not recorded: {name} (forgotten with `presence people forget`)")


@log_cmd.command("list")
@click.option("--days", default=7, show_default=True, help="How many days back, today "
              "included.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def log_list(obj: Context, days: int, as_json: bool) -> None:
    """The in-person time you logged, with ids to remove a mistake.

    Example: presence log list --days 30
    """
    from presence.people import logbook
    from presence.people.render import utc_z

    entries = logbook.entries(obj.store(), days, clock.now(), obj.config().tz)
    if as_json:
        echo_json([{"id": e.id, "start": utc_z(e.start), "end": utc_z(e.end),
                    "minutes": round((e.end - e.start) / 60, 1), "note": e.note,
                    "people": list(e.people)} for e in entries])
        return
    if not entries:
        echo(f"nothing logged in the last {days} days (add some: presence log 1h --with Sam)")
    for e in entries:
        who = f"  with {', '.join(visible(p, 40) for p in e.people)}" if e.people else ""
        echo(f"{e.id:>5}  {local_time(e.start, obj)}  {format_minutes((e.end - e.start) / 60):>10}"
             f"{who}{'  ' + visible(e.note, 80) if e.note else ''}")


@log_cmd.command("remove")
@click.argument("log_id", type=int)
@click.pass_obj
def log_remove(obj: Context, log_id: int) -> None:
    """Remove logged time by its id (see `presence log list`).

    Example: presence log remove 12
    """
    from presence.people import logbook

    logbook.remove(obj.store(), log_id)
    echo(f"removed logged time {log_id}")
