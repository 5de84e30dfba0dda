"""The command line: the `presence` group, which loads each command's module only when it runs.

Each command parses, makes one library call, and prints. Command modules never import this
one (no import circle), and a command's module is imported only when that command runs, so
`presence summary` does not pay for the calendar libraries. Every `PresenceError` becomes one
line on stderr and its exit code.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from presence import __version__
from presence.cli.common import echo, quiet_closed_stdout
from presence.errors import PresenceError
from presence.sanitise import block

# name -> "module:attribute"; the one place a command is registered.
COMMANDS = {
    "run": "presence.cli.daemon:run",
    "status": "presence.cli.daemon:status",
    "summary": "presence.cli.summary:summary",
    "report": "presence.cli.summary:report",
    "export": "presence.cli.summary:export",
    "calendar": "presence.cli.calendar:calendar",
    "focus": "presence.cli.focus:focus",
    "log": "presence.cli.log:log_cmd",
    "people": "presence.cli.people:people",
    "snooze": "presence.cli.focus:snooze",
    "pause": "presence.cli.glance:pause",
    "resume": "presence.cli.glance:resume",
    "bar": "presence.cli.glance:bar",
    "tray": "presence.cli.glance:tray",
    "nudges": "presence.cli.nudges:nudges",
    "replay": "presence.cli.replay:replay",
    "rules": "presence.cli.setup:rules",
    "config": "presence.cli.setup:config_group",
    "doctor": "presence.cli.setup:doctor",
    "autostart": "presence.cli.setup:autostart",
    "import": "presence.cli.imports:import_group",
    "devices": "presence.cli.devices:devices",
}


class PresenceGroup(click.Group):
    """The top-level group: commands load lazily, and a `PresenceError` is one line and a code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            # an output pipe closed by `| head` shows up at this flush at the latest
            sys.stdout.flush()
            return result
        except PresenceError as exc:
            # error texts quote files, servers and calendars: never raw to the terminal
            click.echo(f"presence: {block(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            quiet_closed_stdout()
            ctx.exit(0)

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the CLI; click's usage errors become one line in presence's style, exit 2."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            code = super().main(*args, standalone_mode=False, **extra)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                # bare `presence` or `presence calendar`: a request for help, not a mistake
                echo(ctx.get_help())
                sys.exit(0)
            echo(f"presence: {usage_line(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            echo("presence: stopped", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=PresenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="PRESENCE_CONFIG", help="Config file (default: `presence config path`).")
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="PRESENCE_DB", help="Database file (default: in the data folder).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="presence")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: Path | None,
         verbose: int) -> None:
    """presence: notice when virtual chatting crowds out time with real people.

    \b
    Start it:        presence run
    How was today:   presence summary
    Is it working:   presence doctor
    """
    # Not from presence.service, which imports the daemon: short commands stay quick.
    from presence.cli.common import Context
    from presence.logsetup import setup_logging

    setup_logging(verbose)
    ctx.obj = Context(config_path, db_path, verbose)


def usage_line(exc: click.ClickException) -> str:
    """A click error as one line in presence's style: what was wrong and where to look."""
    ctx = getattr(exc, "ctx", None)
    where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
    if isinstance(exc, click.NoSuchOption):
        close = f"; did you mean {' or '.join(sorted(exc.possibilities))}?" \
            if exc.possibilities else ""
        return f"unknown option {exc.option_name}{close}{where}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        hint = _param_name(exc.param)
        choices = getattr(exc.param.type, "choices", None)
        if isinstance(exc, click.MissingParameter):
            return f"{hint} is missing{where}"
        if choices:
            names = [str(c) for c in choices]
            return f"{hint} must be {', '.join(names[:-1]) + ' or ' if len(names) > 1 else ''}" \
                f"{names[-1]}"
        return f"{hint}: {exc.message.rstrip('.')}"
    if isinstance(exc, click.UsageError):
        message = exc.message.rstrip(".")
        if message[1:2].islower():
            message = message[0].lower() + message[1:]  # click's sentences start mid-line here
        return f"{message}{where}"
    return exc.format_message()


def _param_name(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        longs = [o for o in param.opts if o.startswith("--")]
        return (longs or param.opts)[0]
    return (param.metavar or param.name or "argument").upper()
