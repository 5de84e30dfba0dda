"""What the read commands do once their arguments are parsed: `summary`, `status`, `bar`,
`people`.

Each function is the whole of its command after parsing (one library call, then print), and
both ways in call it: the click command of the same name (`cli/summary.py`, `cli/daemon.py`,
`cli/glance.py`, `cli/people.py`) and the quick entry that parses these few options without
click (`cli/entry.py`). Nothing here imports click, and each imports what it uses inside, so
that `presence bar` does not pay for the summary and `summary` not for the people.
"""

from __future__ import annotations

import sys

from presence.cli.common import Context, echo, echo_json


def _ascii_only() -> bool:
    """Whether stdout cannot show block characters (then bars are drawn with #)."""
    try:
        "█▏".encode(sys.stdout.encoding or "ascii")
        return False
    except (UnicodeEncodeError, LookupError):
        return True


def summary(obj: Context, day: str, week: bool, as_json: bool) -> None:
    """`presence summary [DAY] [--week] [--json]`: the day's (or the week's) summary."""
    from presence import clock
    from presence.reports import history
    from presence.timeline import local_day
    from presence.timeparse import parse_day

    now = clock.now()
    config = obj.config()
    the_day = parse_day(day, local_day(now, config.tz))
    store = obj.store(create=False)
    try:
        if week:
            period = history.period_summary(store, config, the_day, 7, now)
        else:
            one = history.day_summary(store, config, the_day, now)
    finally:
        store.close()
    from presence.reports import render

    if as_json:
        echo_json(render.period_json(period) if week else render.day_json(one))
    elif week:
        echo(render.render_period(period, config.tz, _ascii_only()))
    else:
        echo(render.render_day(one, config.tz, _ascii_only()))


def status(obj: Context, as_json: bool) -> int:
    """`presence status [--json]`: prints the status; returns the exit code."""
    from presence.status import gather, render

    report = gather(obj.config_path, obj.db_path)
    if as_json:
        echo_json(report.data)
    else:
        echo(render(report))
    return report.exit_code


def bar(obj: Context, fmt: str, follow: bool) -> int | None:
    """`presence bar [--format F] [--follow]`: one line (None), or a line per change until the
    bar goes away (then the exit code)."""
    from presence import config as config_mod
    from presence.glance import bar as glance_bar

    config, _ = config_mod.load_or_defaults(obj.config_path, required=obj.config_path is not None)
    if follow:
        return glance_bar.run(obj.db_path, config, fmt, sys.stdout, sys.stdin.fileno())
    echo(glance_bar.show(obj.db_path, config, fmt))
    return None


def people(obj: Context, as_json: bool, show_all: bool) -> None:
    """`presence people [--json] [--all]`: everyone seen in person, most overdue first."""
    from presence import clock
    from presence.devices.merge import reading
    from presence.people import directory, render

    config = obj.config()
    tz = config.tz
    store, now = obj.store(), clock.now()
    with reading(store, config, now) as peers:  # the people seen on the other devices too
        items = directory.everyone(store, now, tz, include_all=show_all, peers=peers)
    if as_json:
        echo_json([render.ledger_json(i) for i in items])
        return
    if not items:
        echo("nobody yet: in-person events that name people, and `presence log 1h --with "
             "Sam`, fill this in")
        return
    for line in render.table(items, tz):
        echo(line)
