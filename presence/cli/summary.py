"""Commands that read the store back to the user: `summary`, `report`, `export`.

They import only what they use, inside the command: `presence summary --json` pays for the
store, zoneinfo and the summary code, never for the daemon or the calendar libraries (DESIGN §6).
"""

from __future__ import annotations

import contextlib
import sys
from datetime import date, timedelta, tzinfo
from pathlib import Path

import click

from presence.cli import reads
from presence.cli.common import Context, echo
from presence.errors import InputError
from presence.privatefile import private_output
from presence.store.export import EXPORT_TABLES
from presence.timeline import local_day
from presence.timeparse import parse_bound, parse_day


@click.command()
@click.argument("day", default="today")
@click.option("--week", is_flag=True, help="The seven days ending with DAY, and their totals.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def summary(obj: Context, day: str, week: bool, as_json: bool) -> None:
    """Your presence summary: time online against time with people.

    DAY is today (the default), yesterday or a date like 2026-03-29. Shows virtual and
    in-person time, time by category and app, the day's meetings with any chat during the
    in-person ones, the nudges, the trend on the week before and your streak of days with
    time in person.

    Example: presence summary yesterday --json
    """
    reads.summary(obj, day, week, as_json)


@click.command()
@click.option("--week", "days", flag_value=7, default=True,
              help="The seven days ending with --until (the default).")
@click.option("--month", "days", flag_value=30, help="The thirty days ending with --until.")
@click.option("--until", "until", default="today", show_default=True,
              help="The last day: today, yesterday or YYYY-MM-DD.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write ('-' for stdout; default: "
                   "presence-report-FIRST-LAST.html here).")
@click.option("--open", "open_it", is_flag=True, help="Open the page in the browser.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_obj
def report(obj: Context, days: int, until: str, out: Path | None, open_it: bool,
           force: bool) -> None:
    """Write a self-contained HTML page with charts of a week or a month.

    Days as bars of virtual against in-person time, and chat by hour of day as a heatmap;
    the page loads nothing from the network and opens in any browser. The file is readable
    by you alone; an existing one is replaced only with --force.

    Example: presence report --month --out ~/presence-march.html
    """
    from presence import clock
    from presence.reports import history
    from presence.reports.html import render

    now = clock.now()
    config = obj.config()
    last = parse_day(until, local_day(now, config.tz))
    store = obj.store(create=False)
    try:
        period = history.period_summary(store, config, last, days, now, by_device=False)
    finally:
        store.close()
    page = render(period, config.tz, "Your week" if days == 7 else "Your month")
    if str(out) == "-":
        echo(page, nl=False)
        return
    first = last - timedelta(days=days - 1)
    target = out or Path(f"presence-report-{first}-{last}.html")
    try:
        with private_output(target, force=force) as stream:
            stream.write(page)
    except OSError as exc:
        raise InputError(f"{target}: cannot write the report ({exc.strerror})") from exc
    echo(f"wrote {target} ({first} – {last})")
    if open_it:
        from presence.nudges.notify import open_in_browser

        open_in_browser(target)


def _bound(text: str | None, today: date, tz: tzinfo, option: str, end: bool) -> float | None:
    """A --from/--to bound (see `timeparse.parse_bound`), its errors naming the option."""
    if text is None:
        return None
    try:
        return parse_bound(text, tz, today, end=end).timestamp()
    except InputError as exc:
        raise InputError(f"{option}: {exc}") from None


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="CSV holds one table; JSON holds all of them.")
@click.option("--from", "start", help="From this time or day: ISO 8601, HH:MM today, "
              "today, yesterday or a date.")
@click.option("--to", "end", help="Up to this time; a day (today, yesterday, a date) "
              "includes that whole day.")
@click.option("--table", type=click.Choice(list(EXPORT_TABLES)),
              help="Only this table (CSV default: activity).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout (readable by you alone).")
@click.option("--force", is_flag=True, help="With --out: replace the file if it exists.")
@click.pass_obj
def export(obj: Context, fmt: str, start: str | None, end: str | None, table: str | None,
           out: Path | None, force: bool) -> None:
    """Export your data: spans, meetings, logged time, focus windows and nudges.

    Rows that overlap the window are exported whole; times are ISO 8601 in your zone.

    Example: presence export --format csv --from 2026-03-01 --to 2026-03-31 > march.csv
    """
    from presence import clock
    from presence.reports import export as exporter
    from presence.timeline import zone_name

    now = clock.now()
    tz = obj.config().tz
    today = local_day(now, tz)
    lo, hi = _bound(start, today, tz, "--from", False), _bound(end, today, tz, "--to", True)
    if lo is not None and hi is not None and hi <= lo:
        raise InputError(f"--to ({end}) must come after --from ({start})")
    store = obj.store(create=False)
    try:
        with contextlib.ExitStack() as stack:
            stream = (stack.enter_context(private_output(out, force=force))
                      if out else sys.stdout)
            if fmt == "csv":
                exporter.write_csv(stream, store, table or "activity", lo, hi, tz)
            else:
                exporter.write_json(stream, store, [table] if table else exporter.TABLES, lo,
                                    hi, tz, zone_name(tz))
    except BrokenPipeError:
        raise  # `| head` closed the pipe: the group ends quietly
    except OSError as exc:
        raise InputError(f"{out}: cannot write the export ({exc.strerror})") from exc
    finally:
        store.close()
