"""`devices`: this device's identity and the devices imported into this database."""

from __future__ import annotations

from presence.frozen import frozen
from presence.store.db import Tables

THIS = "this"
IMPORTED = "imported"


@frozen
class Device:
    """A device in the registry.

    Attributes:
        id: a random id (this device's) or the id an importer chose (stable across imports).
        name: what `presence devices` calls it ("laptop", "Pixel 8").
        kind: "this" or "imported".
        origin: where an imported device's history came from ("activitywatch"), else None.
    """

    id: str
    name: str
    kind: str
    origin: str | None = None


class DeviceTables(Tables):
    """The device registry."""

    def this_device(self) -> Device | None:
        """This device's identity, or None before the first `ensure_this_device`."""
        rows = self._read("SELECT id, name, kind, origin FROM devices WHERE kind = ?", (THIS,))
        return Device(*rows[0]) if rows else None

    def ensure_this_device(self, new_id: str, name: str, now: float) -> Device:
        """This device's identity: created once with `new_id`, renamed to `name` when the
        configured name changed. Returns what is stored."""
        with self.transaction("could not store the device identity"):
            have = self.this_device()
            if have is None:
                self._write("INSERT INTO devices (id, name, kind, origin, added) "
                            "VALUES (?, ?, ?, NULL, ?)", (new_id, name, THIS, now))
                return Device(new_id, name, THIS)
            if have.name != name:
                self._write("UPDATE devices SET name = ? WHERE id = ?", (name, have.id))
            return Device(have.id, name, THIS)

    def register_device(self, device_id: str, name: str, origin: str, now: float) -> Device:
        """Register (or rename) an imported device, such as a phone from ActivityWatch."""
        with self.transaction("could not register the device"):
            self._write("INSERT INTO devices (id, name, kind, origin, added) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                        "name = excluded.name, origin = excluded.origin",
                        (device_id, name, IMPORTED, origin, now))
        return Device(device_id, name, IMPORTED, origin)

    def devices(self) -> list[Device]:
        """Every registered device: this one first, then imported ones by name."""
        return [Device(*r) for r in self._read(
            "SELECT id, name, kind, origin FROM devices ORDER BY kind != ?, name, id", (THIS,))]
