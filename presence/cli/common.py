"""What every command shares: the global options' context and the two printers.

Every command prints through `echo` or `echo_json` (a test checks that no other module calls
`click.echo` or `print`), so text from outside is sanitised on every path to a terminal or pipe.
Nothing here imports click: the quick read commands (`cli/entry.py`) print through the same
two functions as the click commands, so both paths write the same bytes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

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
    _write(block(text) + ("\n" if nl else ""), sys.stderr if err else sys.stdout)


def echo_json(value: Any) -> None:
    """Print a JSON document (the stable machine-readable outputs); C1 controls and invisible
    formatting characters are escaped as `\\uXXXX`, so the values are unchanged."""
    import json

    _write(json_text(json.dumps(value, indent=2, ensure_ascii=False)) + "\n", sys.stdout)


def _write(text: str, stream: Any) -> None:
    # As click.echo writes (the CliRunner and every earlier release printed through it): no
    # stream (pythonw), nothing; a stream that can only take ASCII gets UTF-8 bytes with
    # unencodable characters replaced rather than an error; flushed at once, so a bar or a
    # pipe sees each line when it is printed.
    if stream is None:
        return
    encoding = getattr(stream, "encoding", None) or "ascii"
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and _is_ascii(encoding):
        stream.flush()
        buffer.write(text.encode("utf-8", "replace"))
        buffer.flush()
        return
    stream.write(text)
    stream.flush()


def _is_ascii(encoding: str) -> bool:
    import codecs

    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def quiet_closed_stdout() -> None:
    """After `presence export | head -1` closed the pipe: send what is left to /dev/null, so
    that neither the rest of the command nor Python's exit flush complains (exit 0)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (tests capture output): nothing will be flushed at exit
