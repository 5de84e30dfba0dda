"""`presence people`: who you spend time with in person, and the user's corrections."""

from __future__ import annotations

import click

from presence import clock
from presence.cli import reads
from presence.cli.common import Context, echo


@click.group("people", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Also those not seen for a year.")
@click.pass_context
def people(ctx: click.Context, as_json: bool, show_all: bool) -> None:
    """Who you see in person: last seen, usual rhythm, who is due — most overdue first.

    \b
    Example: presence people
             presence people show Sam
             presence people goal Sam 2w
    """
    if ctx.invoked_subcommand is not None:
        return
    reads.people(ctx.obj, as_json, show_all)


@people.command("show")
@click.argument("name")
@click.pass_obj
def people_show(obj: Context, name: str) -> None:
    """Everything presence knows about one person, every occasion with its source.

    Example: presence people show "Priya Patel"
    """
    from presence.people import directory, render

    tz = obj.config().tz
    shown = directory.show(obj.store(), name, clock.now(), tz)
    for line in render.detail(shown.ledger, shown.occasions, tz):
        echo(line)


@people.command("goal")
@click.argument("name")
@click.argument("interval")
@click.pass_obj
def people_goal(obj: Context, name: str, interval: str) -> None:
    """The rhythm you want with someone (10d, 2w, 1m), or `off`.

    Example: presence people goal Sam 2w
    """
    from presence.people import directory
    from presence.people.render import rhythm

    person, days = directory.set_goal(obj.store(), name, interval)
    echo(f"{person.name}: goal {rhythm(days)}" if days else f"{person.name}: no goal")


@people.command("merge")
@click.argument("name")
@click.argument("other")
@click.pass_obj
def people_merge(obj: Context, name: str, other: str) -> None:
    """One person under two names: OTHER becomes NAME (who keeps the display name).

    Example: presence people merge "Jordan Lee" Jordy
    """
    from presence.people import directory

    kept = directory.merge(obj.store(), name, other)
    echo(f"{other} is now {kept.name}")


@people.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def people_rename(obj: Context, old: str, new: str) -> None:
    """Show someone under a new name (the old spelling still finds them).

    Example: presence people rename Jo "Jo Park"
    """
    from presence.people import directory

    person = directory.rename(obj.store(), old, new)
    echo(f"{old} is now shown as {person.name}")


@people.command("forget")
@click.argument("name")
@click.pass_obj
def people_forget(obj: Context, name: str) -> None:
    """Delete someone everywhere presence stored them, for good (a later sync does not
    bring them back).

    Example: presence people forget "Priya Patel"
    """
    from presence.people import directory

    person, changed = directory.forget(obj.store(), name)
    echo(f"forgot {person.name}" + (f"; scrubbed the name from {changed} stored titles and "
                                    "notes" if changed else ""))
