"""`presence replay`: the real pipeline over a recorded trace."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from presence.cli.common import Context, echo, echo_json
from presence.errors import InputError
from presence.timeparse import format_minutes


@click.command()
@click.argument("trace", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--calendar", "calendars", multiple=True, metavar="SOURCE",
              help="A calendar (.ics file, folder or URL) for the replayed days; repeatable.")
@click.option("--keep", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.db",
              help="Keep the database the replay wrote in FILE.db (a new file), to read "
                   "with any SQLite client or `presence --db FILE.db summary DAY`.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def replay(obj: Context, trace: Path, calendars: tuple[str, ...], keep: Path | None,
           as_json: bool) -> None:
    """Replay a recorded trace (JSON Lines) through the daemon's code on a simulated clock;
    prints the nudges it would have sent and each day's summary.

    Example: presence replay monday.jsonl --calendar work.ics --keep monday.db
    """
    from presence import paths
    from presence.replay import iter_runs, replay_runs

    cfg = obj.config()
    try:
        # streamed: a trace of any length is read line by line as the replay runs
        with trace.open(encoding="utf-8-sig") as lines:
            result = replay_runs(iter_runs(lines, str(trace), cfg.tz), cfg, list(calendars),
                                 paths.cache_dir(), keep=keep)
    except OSError as exc:
        raise InputError(f"{trace}: cannot read the trace ({exc.strerror})") from exc
    if as_json:
        from presence.reports.render import nudge_json

        echo_json({"nudges": [nudge_json(r.nudge, followed=r.followed) for r in result.nudges],
                   "days": result.days})
        return
    for nudge in (r.nudge for r in result.nudges):
        at = datetime.fromtimestamp(nudge.at, cfg.tz)
        echo(f"{at:%Y-%m-%d %H:%M}  {nudge.kind:<13} {nudge.title} — {nudge.message}")
    if not result.nudges:
        echo("no nudges")
    # the summary's own wording and rounding: the numbers of --json, as `summary` shows them
    for day in result.days:
        echo(f"{day['date']}: virtual {format_minutes(day['virtual_minutes'])}, "
             f"in person {format_minutes(day['in_person_minutes'])}")
