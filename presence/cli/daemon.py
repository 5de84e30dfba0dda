"""`presence run` and `presence status`: the daemon and whether it runs."""

from __future__ import annotations

import sys

import click

from presence.cli import reads
from presence.cli.common import Context
from presence.probe import PROBES


def _interval(text: str | None) -> float | None:
    """--interval, refused in the words `[daemon] interval_seconds` is refused in."""
    from presence.config import interval_problem

    if text is None:
        return None
    try:
        value: object = float(text)
    except ValueError:
        value = text
    problem = interval_problem(value)
    if problem:
        raise click.BadParameter(problem, param_hint="--interval")
    return float(text)


@click.command()
@click.option("--interval", metavar="SECONDS", callback=lambda _c, _p, v: _interval(v),
              help="Seconds between samples (at least 0.1; default: [daemon] interval_seconds).")
@click.option("--probe", type=click.Choice(PROBES),
              help="Which probe backend to use (default: [daemon] probe).")
@click.option("--dry-run", is_flag=True, help="Sample and classify, print each sample, store "
              "nothing.")
@click.pass_obj
def run(obj: Context, interval: float | None, probe: str | None, dry_run: bool) -> None:
    """Run the daemon in the foreground (stop it with Ctrl-C or SIGTERM).

    Example: presence run --interval 2 --dry-run
    """
    from presence.cli import start

    sys.exit(start.run(obj, interval, probe, dry_run))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Is the daemon running, what is in front, and today so far.

    Example: presence status --json
    """
    sys.exit(reads.status(obj, as_json))
