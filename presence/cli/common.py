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

from presence import paths
from presence.sanitise import block, json_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any


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
    _write(json_text(indented_json(value)) + "\n", sys.stdout)


class _Unusual(Exception):
    """A value `indented_json` leaves to `json.dumps` (a type or a key it does not write)."""


_CONSTANTS = {None: "null", True: "true", False: "false"}


def _number(value: float) -> str:
    # as `json` writes a float (allow_nan: NaN and the infinities as JavaScript names them)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def indented_json(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, the same text, written faster.

    With `indent`, `json` encodes in pure Python, a generator step or two for every value:
    300 people took about as long to write as their ledgers took to compute. Here each
    container is one join and each string is escaped by `json`'s own C function. Only dicts
    with string keys, lists, tuples, strings, ints, floats, booleans and None are written
    here (exactly those types, not subclasses); anything else is left to `json.dumps`, which
    writes it or says why not.
    """
    from json.encoder import encode_basestring as string

    writers: dict[type, Any] = {str: string, int: int.__repr__, float: _number}
    keys: dict[str, str] = {}  # the same few keys again in every entry of a list

    def lay_out(item: Any, newline: str) -> str:
        # `newline`: the line break and indentation `item` starts at
        kind = type(item)
        write = writers.get(kind)
        if write is not None:
            return write(item)  # type: ignore[no-any-return]
        inner = newline + "  "
        if kind is dict:
            if not item:
                return "{}"
            lines = []
            for key, member in item.items():
                shown = keys.get(key)
                if shown is None:
                    if type(key) is not str:
                        raise _Unusual
                    shown = keys[key] = string(key) + ": "
                write = writers.get(type(member))
                lines.append(shown + (write(member) if write is not None
                                      else lay_out(member, inner)))
            return "{" + inner + ("," + inner).join(lines) + newline + "}"
        if kind is list or kind is tuple:
            if not item:
                return "[]"
            return ("[" + inner + ("," + inner).join([lay_out(m, inner) for m in item])
                    + newline + "]")
        if item is None or item is True or item is False:
            return _CONSTANTS[item]
        raise _Unusual

    try:
        return lay_out(value, "\n")
    except (_Unusual, RecursionError):
        import json

        return json.dumps(value, indent=2, ensure_ascii=False)


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
