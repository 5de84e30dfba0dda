"""Commands that write the user's own time into the store: `focus`, `snooze`."""

from __future__ import annotations

import click

from presence import clock
from presence.cli.common import Context, echo, echo_json, local_time
from presence.sanitise import visible
from presence.errors import InputError
from presence.model import FocusWindow
from presence.timeline import local_day
from presence.focus_series import LONGEST_WITHOUT_FORCE_HOURS, series, too_long
from presence.timeparse import format_minutes, parse_duration, parse_window


@click.group()
def focus() -> None:
    """Focus windows: time in which chat earns a gentle nudge."""


@focus.command("add")
@click.argument("start", required=False)
@click.argument("end", required=False)
@click.option("--for", "length", help="From now, for this long (e.g. 2h).")
@click.option("--label", default="Focus", show_default=True, help="What the time is for.")
@click.option("--force", is_flag=True, help="Keep a window longer than 12 h.")
@click.pass_obj
def focus_add(obj: Context, start: str | None, end: str | None, length: str | None,
              label: str, force: bool) -> None:
    """Add a focus window: START END, or --for DURATION from now.

    An END earlier than START is on the next day (22:00 04:00). A window longer than 12 h
    is refused as a likely slip unless you add --force.

    Example: presence focus add 18:30 22:00 --label "Dinner"
    """
    now = clock.now()
    tz = obj.config().tz
    if length and not start:
        begin, finish = now, now + parse_duration(length).total_seconds()
    elif start and end and not length:
        # An END that is not after START is on the next day (22:00 04:00), by the wall clock.
        first, last = parse_window(start, end, tz, local_day(now, tz))
        begin, finish = first.timestamp(), last.timestamp()
    else:
        raise InputError("give START and END (e.g. 18:30 22:00) or --for DURATION (e.g. 2h)")
    if too_long(begin, finish) and not force:
        hint = (f"did you mean `presence focus add {end} {start}`? (--force keeps a window "
                f"longer than {LONGEST_WITHOUT_FORCE_HOURS} h)" if start and end else
                f"--force keeps a window longer than {LONGEST_WITHOUT_FORCE_HOURS} h")
        raise InputError(f"that is a {format_minutes((finish - begin) / 60)} focus window "
                         f"({local_time(begin, obj)} – {local_time(finish, obj)}); {hint}")
    window_id = obj.store().add_focus(FocusWindow(None, begin, finish, label, "manual"))
    echo(f"focus window {window_id}: {label}, {local_time(begin, obj)} – "
         f"{local_time(finish, obj)}")


@focus.command("list")
@click.option("--all", "every", is_flag=True, help="Every window of a repeating series.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (every window).")
@click.pass_obj
def focus_list(obj: Context, every: bool, as_json: bool) -> None:
    """List the focus windows that have not ended yet; a series the calendar repeats (a
    weekly dinner) is one line, with --all one line per window.

    Example: presence focus list --all
    """
    windows = obj.store().focus_windows(clock.now(), float("inf"))
    if as_json:
        echo_json([{"id": w.id, "start": w.start, "end": w.end, "label": w.label,
                    "origin": w.origin} for w in windows])
        return
    if not windows:
        echo("no focus windows ahead (add one: presence focus add --for 2h)")
    groups = [(w, None) for w in windows] if every else \
        [(g.next, g) for g in series(windows, obj.config().tz)]
    for w, group in groups:
        line = (f"{w.id:>4}  {local_time(w.start, obj)} – {local_time(w.end, obj)}  "
                f"{visible(w.label)}")
        if group is not None and group.rhythm is not None:
            line += f" — {group.rhythm}, {len(group.windows)} ahead (--all lists each)"
        elif group is not None and len(group.windows) > 1:
            line += f" — and {len(group.windows) - 1} more (--all lists each)"
        echo(line + ("  (from the calendar)" if w.origin == "auto" else ""))


@focus.command("remove")
@click.argument("window_id", type=int)
@click.pass_obj
def focus_remove(obj: Context, window_id: int) -> None:
    """Remove a focus window by its id (see `presence focus list`).

    Example: presence focus remove 3
    """
    if not obj.store().remove_focus(window_id):
        raise InputError(f"no focus window with id {window_id} (see `presence focus list`)")
    echo(f"removed focus window {window_id}")


@click.command()
@click.argument("duration", required=False)
@click.pass_obj
def snooze(obj: Context, duration: str | None) -> None:
    """Hold all nudges for DURATION such as 2h; `off` ends the snooze; without DURATION,
    show the snooze that is on.

    Example: presence snooze 90m
    """
    from presence import holds
    from presence.timeparse import format_until

    now = clock.now()
    tz = obj.config().tz
    if duration is None:
        held = holds.read(obj.store(), now)
        echo(f"snoozed until {format_until(held.snoozed_until, now, tz)} "
                   "(`presence snooze off` ends it)" if held.snoozed_until is not None
                   else "not snoozed (snooze with: presence snooze 1h)")
        return
    if duration.strip().lower() == "off":
        holds.snooze(obj.store(), None)
        echo("snooze off: nudges are back on")
        return
    until = now + parse_duration(duration).total_seconds()
    holds.snooze(obj.store(), until)
    echo(f"no nudges until {format_until(until, now, tz)}")
