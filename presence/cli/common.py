"""What every command shares: the global options' context and the two printers.

Every command prints through `echo` or `echo_json` (a test checks that no other module calls
`click.echo` or `print`), so text from outside is sanitised on every path to a terminal or pipe.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from presence import paths
from presence.sanitise import block, json_text


class Context:
    """What the global options decided, shared with every command through `ctx.obj`."""

    def __init__(self, config_path: Path | None, db_path: Path | None, verbose: int):
        self.config_path = config_path
        self.db_path = db_path or paths.database()
        self.verbose = verbose
        self._config = None

    def config(self):
        """The effective config (loaded once)."""
        if self._config is None:
            from presence import config

            self._config = config.load(self.config_path, required=self.config_path is not None)
        return self._config

    def store(self, create: bool = True):
        """The database, opened (and migrated) for this command."""
        from presence.store import Store

        return Store.open(self.db_path, create=create)


def local_time(ts: float, obj: Context) -> str:
    """UNIX seconds as the user reads them: `Tue 10 Mar 18:30` in the configured zone."""
    from datetime import datetime

    return datetime.fromtimestamp(ts, obj.config().tz).strftime("%a %d %b %H:%M")


def echo(text: object = "", err: bool = False, nl: bool = True) -> None:
    """Print a line (or lines) of output, with every control or escape character that came
    from outside shown visibly (`\\x1b`) rather than sent to the terminal."""
    click.echo(block(text), err=err, nl=nl)


def echo_json(value: Any) -> None:
    """Print a JSON document (the stable machine-readable outputs); C1 controls and invisible
    formatting characters are escaped as `\\uXXXX`, so the values are unchanged."""
    click.echo(json_text(json.dumps(value, indent=2, ensure_ascii=False)))


def quiet_closed_stdout() -> None:
    """After `presence export | head -1` closed the pipe: send what is left to /dev/null, so
    that neither the rest of the command nor Python's exit flush complains (exit 0)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (tests capture output): nothing will be flushed at exit


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
