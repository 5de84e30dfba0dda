"""What every command shares: the global options' context and the two printers.

Every command prints through `echo` or `echo_json` (a test checks that no other module calls
`click.echo` or `print`), so text from outside is sanitised on every path to a terminal or pipe.
"""

from __future__ import annotations

import json
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


def echo(text: object = "", err: bool = False, nl: bool = True) -> None:
    """Print a line (or lines) of output, with every control or escape character that came
    from outside shown visibly (`\\x1b`) rather than sent to the terminal."""
    click.echo(block(text), err=err, nl=nl)


def echo_json(value: Any) -> None:
    """Print a JSON document (the stable machine-readable outputs); C1 controls and invisible
    formatting characters are escaped as `\\uXXXX`, so the values are unchanged."""
    click.echo(json_text(json.dumps(value, indent=2, ensure_ascii=False)))
