"""This device's identity: a random id, created once, and a name (the host name by default)."""

from __future__ import annotations

import os
import socket

from presence.config import Config
from presence.errors import StoreError
from presence.store.devices import Device


def new_device_id() -> str:
    """A fresh random device id (16 hex digits: unique among a person's devices, short enough
    to type a prefix of in `presence devices forget`)."""
    # what secrets.token_hex(8) does, without importing secrets: it brings hashlib and with
    # it OpenSSL (about 3.5 MB resident) into the daemon, which needs no hash at all
    return os.urandom(8).hex()


def configured_name(config: Config) -> str:
    """`[devices] name`, or the host name when that is empty."""
    return config.get("devices.name").strip() or socket.gethostname() or "this device"


def this_device(store, config: Config, now: float) -> Device:
    """This device's identity, created on first use and renamed when `[devices] name`
    changed; the id never changes."""
    return store.ensure_this_device(new_device_id(), configured_name(config), now)


def registry(store) -> list[tuple[str, str, str]]:
    """The device registry as a snapshot carries it: `(id, name, kind)`; empty when the
    database cannot be read (the snapshot then names no imported device)."""
    try:
        return [(d.id, d.name, d.kind) for d in store.devices()]
    except StoreError:
        return []
