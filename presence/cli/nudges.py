"""`presence nudges`: what presence said, what you answered, and whether it helped."""

from __future__ import annotations

from datetime import datetime

import click

from presence.cli.common import Context, echo, echo_json


@click.command()
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650),
              help="How many days back, today included.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def nudges(obj: Context, days: int, as_json: bool) -> None:
    """What presence said, what you answered, and whether it helped, per kind.

    A nudge is "followed" when no chat app was in front within 5 minutes after it, for at
    least 5 minutes. A kind followed less than 1 time in 5 waits twice as long between nudges.

    Example: presence nudges --days 30
    """
    from presence import clock
    from presence.nudges.stats import nudge_stats
    from presence.reports.render import nudge_json

    config = obj.config()
    store = obj.store(create=False)
    try:
        stats = nudge_stats(store, config, days, clock.now())
    finally:
        store.close()
    if as_json:
        echo_json({
            "nudges": [nudge_json(r.nudge, delivered=r.delivered, response=r.response,
                                  followed=r.followed) for r in stats.records],
            "kinds": {kind: {"sent": k.sent, "delivered": k.delivered, "answered": k.answered,
                             "followed": k.followed, "follow_rate": k.follow_rate,
                             "backoff": k.backoff}
                      for kind, k in stats.kinds.items()}})
        return
    if not stats.records:
        echo(f"no nudges in the last {days} day{'s' if days != 1 else ''}")
        return
    echo(f"{'kind':<14}{'sent':>6}{'shown':>7}{'answered':>10}{'followed':>10}{'rate':>7}")
    for kind, k in stats.kinds.items():
        rate = "-" if k.follow_rate is None else f"{k.follow_rate:.0%}"
        line = (f"{kind:<14}{k.sent:>6}{k.delivered:>7}{k.answered:>10}"
                f"{(str(k.followed) if k.judged else '-'):>10}{rate:>7}")
        if k.backoff > 1:
            line += f"   rarely followed: waits {k.backoff}x as long between nudges"
        echo(line)
    echo("")
    tz = config.tz
    for r in stats.records[-20:]:
        at = datetime.fromtimestamp(r.nudge.at, tz).strftime("%a %d %b %H:%M")
        shown = "" if r.delivered else "  (not shown)"
        answer = f"  answered: {r.response}" if r.response else ""
        effect = {True: "  followed", False: "  not followed"}.get(r.followed, "")
        echo(f"{at}  {r.nudge.kind:<13} {r.nudge.title}{shown}{answer}{effect}")
