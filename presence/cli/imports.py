"""`presence import activitywatch`: bring in ActivityWatch history and aw-android phone time."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from presence.cli.common import Context, echo

# Inputs smaller than this import in a blink: no bar.
PROGRESS_BYTES = 4 << 20


@click.group("import")
def import_group() -> None:
    """Bring history in from another tracker.

    Example: presence import activitywatch aw-buckets-export.json
    """


@import_group.command("activitywatch")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", metavar="URL",
              help="Read a running aw-server instead of a file, e.g. http://127.0.0.1:5600.")
@click.pass_obj
def activitywatch(obj: Context, file: Path | None, url: str | None) -> None:
    """Import an ActivityWatch export: desktop windows as this device (cut by the AFK
    bucket), each aw-android phone as a device of its own. Importing again adds nothing.

    FILE is the web UI's "Export all buckets" file; --url reads a running aw-server's
    /api/0/export instead.

    Example: presence import activitywatch --url http://127.0.0.1:5600
    """
    from presence import clock
    from presence.importers.activitywatch import import_activitywatch

    cfg = obj.config()
    with ExitStack() as stack:
        def progress(size: int | None):
            if size is None or size < PROGRESS_BYTES or not sys.stderr.isatty():
                return None
            bar = stack.enter_context(click.progressbar(length=size, label="importing",
                                                        file=sys.stderr))
            return bar.update

        store = obj.store()
        stack.callback(store.close)
        result = import_activitywatch(store, cfg, clock.now(), file=file, url=url,
                                      progress=progress)
    for line in result.skipped:
        echo(f"skipped {line}", err=True)
    for line in result.notes:
        echo(line, err=True)
    echo(report_line(result))


def report_line(result) -> str:
    """"3 buckets, 41,208 events: 12 days of laptop (this device), 30 days of Pixel 8;
    2 buckets skipped"."""
    parts = [f"{d.days:,} day{'' if d.days == 1 else 's'} of {d.device}"
             + (" (this device)" if d.this_device else "") for d in result.devices]
    line = (f"{result.buckets:,} bucket{'' if result.buckets == 1 else 's'}, "
            f"{result.events:,} event{'' if result.events == 1 else 's'}")
    line += ": " + (", ".join(parts) if parts else "no app time")
    if result.skipped:
        n = len(result.skipped)
        line += f"; {n} bucket{'' if n == 1 else 's'} skipped"
    if result.devices and not result.added:
        line += "; nothing new (already imported)"
    return line
