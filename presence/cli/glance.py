"""Today at a glance and the holds on presence: `bar`, `tray`, `pause`, `resume`."""

from __future__ import annotations

import sys

import click

from presence.cli import reads
from presence.cli.common import Context, echo
from presence.glance.bar import FORMATS


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="waybar (JSON lines), i3bar (the i3bar/swaybar protocol), polybar (colour "
                   "tags) or text.")
@click.option("--follow", is_flag=True, help="Keep running; print a new line whenever the text "
              "or the state changes (for the bar's exec).")
@click.pass_obj
def bar(obj: Context, fmt: str, follow: bool) -> None:
    """Today at a glance for a status bar, such as `chat 42m · people 1h10`.

    See the README for the waybar, swaybar/i3bar and polybar snippets.

    Example: presence bar --format waybar --follow
    """
    code = reads.bar(obj, fmt, follow)
    if code is not None:
        sys.exit(code)


@click.command()
@click.pass_obj
def tray(obj: Context) -> None:
    """An icon in the system tray with today's balance and a menu (StatusNotifierItem).

    Needs a tray that hosts StatusNotifierItems (KDE, waybar, XFCE; on GNOME the
    AppIndicator/KStatusNotifierItem extension).

    Example: presence tray &
    """
    from presence import config as config_mod
    from presence.glance.tray import run_tray

    config, _ = config_mod.load_or_defaults(obj.config_path, required=obj.config_path is not None)
    sys.exit(run_tray(obj.db_path, config))


@click.command()
@click.argument("duration", default="1h")
@click.pass_obj
def pause(obj: Context, duration: str) -> None:
    """Record nothing (no app, no title) and send no nudge for DURATION (default 1h).

    Example: presence pause 30m
    """
    from presence import clock, holds
    from presence.timeparse import format_until, parse_duration

    now = clock.now()
    until = now + parse_duration(duration).total_seconds()
    holds.pause(obj.store(), until)
    echo(f"paused until {format_until(until, now, obj.config().tz)}: nothing is "
               "recorded and no nudge is sent (`presence resume` to start again)")


@click.command()
@click.pass_obj
def resume(obj: Context) -> None:
    """End a pause: record what is in front again.

    Example: presence resume
    """
    from presence import clock, holds

    was_paused = holds.resume(obj.store(), clock.now())
    echo("resumed: presence records again" if was_paused else
               "presence was not paused (it records what is in front)")
