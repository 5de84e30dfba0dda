"""`presence devices`: this device and its peers in the synced folder; `devices forget`."""

from __future__ import annotations

import click

from presence.cli.common import Context, echo, echo_json


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def devices(ctx: click.Context, as_json: bool) -> None:
    """This device and the peers seen in the synced folder, with how fresh each one is.

    Lists this device's id, name and last snapshot, every peer with the time and size of
    its snapshot, imported devices (a phone from ActivityWatch), and every file in the folder
    that is not counted: a peer silent for a day, a sync conflict copy, a snapshot from a
    newer presence, an unreadable file. Set the folder with [devices] folder in the config.

    Example: presence devices --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from presence import clock
    from presence.devices import listing

    obj: Context = ctx.obj
    now = clock.now()
    store = obj.store()
    try:
        report = listing.gather(store, obj.config(), now)
    finally:
        store.close()
    if as_json:
        echo_json(report)
    else:
        echo(listing.render(report))


@devices.command()
@click.argument("device_id")
@click.pass_obj
def forget(obj: Context, device_id: str) -> None:
    """Remove a peer's snapshot from the synced folder (its id, or the start of it).

    The sync engine then removes it on the other devices too. A peer that still runs
    presence with this folder writes it again: set [devices] folder = "" there first.

    Example: presence devices forget 3f2a9c1e
    """
    from presence import clock
    from presence.devices import listing

    store = obj.store()
    try:
        removed = listing.forget(store, obj.config(), device_id, clock.now())
    finally:
        store.close()
    for path in removed:
        echo(f"removed {path}")
    echo("the sync engine removes it on your other devices too; a device that still runs "
         "presence with this folder writes it again at its next snapshot")
