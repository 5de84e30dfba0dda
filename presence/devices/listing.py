"""`presence devices`: this device, its peers in the synced folder, how fresh each one is,
and every file there that is not counted (and why)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from presence.config import Config
from presence.devices import peers as peers_mod
from presence.devices.identity import this_device
from presence.devices.snapshot import STIGNORE, snapshot_name
from presence.timeline import iso_utc
from presence.store.devices import IMPORTED, Device


def _file_json(f: peers_mod.FileState, now: float) -> dict[str, Any]:
    return {"id": f.device_id, "name": f.name, "file": f.path.name, "state": f.state,
            "snapshot_at": iso_utc(f.written_at) if f.written_at is not None else None,
            "age_seconds": round(now - f.written_at) if f.written_at is not None else None,
            "bytes": f.size, "detail": f.detail}


def _stignore_missing(folder: Path) -> bool:
    """A Syncthing folder (it has `.stfolder`) whose `.stignore` lacks the temp-file line."""
    if not (folder / ".stfolder").exists():
        return False
    try:
        lines = (folder / ".stignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return True
    return not any(line.strip() in (STIGNORE, STIGNORE.removeprefix("(?d)")) for line in lines)


def gather(store, config: Config, now: float, me: Device | None = None) -> dict[str, Any]:
    """The devices as a JSON-ready dict (keys are stable; more may be added).

    `this` is this device (its identity is created here on first use) with its own snapshot;
    `peers` the counted peers (`state` fresh or stale); `problems` every file that is not
    counted, plus stale peers and setup mistakes; `imported` the devices imported here or on a
    peer (a phone from ActivityWatch), with the device they came through. `me` is this
    device when the caller knows it (doctor, which writes nothing).
    """
    me = me or this_device(store, config, now)
    folder = config.devices_folder
    with peers_mod.opened(folder, me.id, me.name, now) as seen:
        registries = [(snap.info.name, snap.devices()) for snap in seen.snapshots]
        files = list(seen.files)
    own = next((f for f in files if f.state == peers_mod.SELF), None)
    imported: dict[str, dict[str, Any]] = {}
    for d in store.devices():
        if d.kind == IMPORTED:
            imported[d.id] = {"id": d.id, "name": d.name, "origin": d.origin, "via": me.name}
    for via, rows in registries:
        for device_id, name, kind in rows:
            if kind == IMPORTED and device_id not in imported:
                imported[device_id] = {"id": device_id, "name": name, "origin": None, "via": via}
    problems = [_file_json(f, now) for f in files
                if f.state in peers_mod.PROBLEMS or f.state == peers_mod.STALE]
    if folder is not None and _stignore_missing(folder):
        problems.append({"id": None, "name": None, "file": ".stignore", "state": "setup",
                         "snapshot_at": None, "age_seconds": None, "bytes": None,
                         "detail": f"a Syncthing folder without the line {STIGNORE!r} in its "
                                   ".stignore: half-written snapshots may be sent; add it"})
    return {
        "this": {"id": me.id, "name": me.name,
                 "file": snapshot_name(me.id) if folder is not None else None,
                 "snapshot_at": iso_utc(own.written_at) if own and own.written_at else None,
                 "age_seconds": round(now - own.written_at) if own and own.written_at else None,
                 "bytes": own.size if own else None},
        "folder": str(folder) if folder is not None else None,
        "peers": [_file_json(f, now) for f in files if f.counted],
        "imported": sorted(imported.values(), key=lambda d: (d["name"] or "", d["id"])),
        "problems": problems,
    }


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _ago(age: int | None) -> str:
    return "no snapshot yet" if age is None else f"snapshot {peers_mod.ago(age)} ago"


def render(report: dict[str, Any]) -> str:
    """The devices as a few lines of text."""
    me = report["this"]
    lines = [f"this device: {me['name']} ({me['id']})"]
    if report["folder"] is None:
        lines.append("  no synced folder: this device alone (set [devices] folder to a folder "
                     "Syncthing, Nextcloud or Dropbox keeps in step)")
    else:
        own = (f"{_ago(me['age_seconds'])}, {_size(me['bytes'])}" if me["age_seconds"] is not None
               else "no snapshot yet (the daemon writes one when it runs)")
        lines.append(f"  folder {report['folder']}: {own}")
        if not report["peers"]:
            lines.append("  no peer has written a snapshot there yet")
    for peer in report["peers"]:
        state = "fresh" if peer["state"] == peers_mod.FRESH else "STALE"
        lines.append(f"peer: {peer['name']} ({peer['id']}) {state}, "
                     f"{_ago(peer['age_seconds'])}, {_size(peer['bytes'])}")
    for dev in report["imported"]:
        lines.append(f"imported: {dev['name']} ({dev['id']}) via {dev['via']}")
    for problem in report["problems"]:
        if problem["state"] != peers_mod.STALE:
            lines.append(f"problem: {problem['file']}: {problem['detail']}")
        else:
            lines.append(f"problem: {problem['name']} ({problem['id']}): {problem['detail']}")
    return "\n".join(lines)


def forget(store, config: Config, prefix: str, now: float) -> list[Path]:
    """Remove a peer's snapshot (and its conflict copies and duplicates) from the folder.

    Args:
        prefix: the peer's id, or enough of its start to be unique.

    Returns:
        The files removed.

    Raises:
        InputError: no folder, no such peer, an ambiguous prefix, or this device's own id.
    """
    from presence.errors import InputError

    folder = config.devices_folder
    if folder is None:
        raise InputError("no [devices] folder is set, so there is no peer to forget")
    prefix = prefix.strip().lower()
    me = this_device(store, config, now)
    if not prefix:
        raise InputError("give the id of the device to forget (see `presence devices`)")
    if me.id.startswith(prefix):
        raise InputError(f"{prefix} is this device ({me.name}); to stop sharing it, set "
                         "[devices] folder = \"\" in the config")
    with peers_mod.opened(folder, me.id, me.name, now) as seen:
        files = list(seen.files)
    matched = [f for f in files if f.state != peers_mod.SELF and (
        (f.device_id or "").startswith(prefix)
        or (f.device_id is None and f.path.name.lower().startswith(prefix)))]
    ids = {f.device_id or f.path.name.split(".")[0] for f in matched}
    if not matched:
        raise InputError(f"no device {prefix!r} in {folder} (see `presence devices`)")
    if len(ids) > 1:
        raise InputError(f"{prefix!r} matches several devices ({', '.join(sorted(ids))}); "
                         "give more of the id")
    removed = []
    for f in matched:
        try:
            f.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InputError(f"{f.path}: cannot remove it ({exc.strerror})") from exc
        removed.append(f.path)
    return removed
