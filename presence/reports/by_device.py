"""Time by device: each device's own minutes in a day (pure).

A summary's totals are the day's; this says where the time was spent — the laptop, the phone
an ActivityWatch import brought. Devices in use at the same moment each count here in full, so
these can add up to more than the day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from presence.frozen import frozen
from presence.model import AWAY


@frozen
class DeviceMinutes:
    """One device's own time in a day (away not counted): each device alone, so devices in use
    at the same moment add up to more than the day's union."""

    name: str
    minutes: float
    virtual_minutes: float


def device_minutes(rows: Iterable[tuple[str, str, float]], names: dict[str, str],
                   virtual: frozenset[str]) -> tuple[DeviceMinutes, ...]:
    """Per-device minutes from `(device, category, seconds)` rows, most used first.

    Args:
        rows: seconds per device id and category.
        names: device id → name (an id the registry does not know is shown as it is).
        virtual: the categories that count as virtual chatting.
    """
    total: dict[str, float] = defaultdict(float)
    chat: dict[str, float] = defaultdict(float)
    for device, category, seconds in rows:
        if category == AWAY or seconds <= 0:
            continue
        name = names.get(device, device or "unknown device")
        total[name] += seconds / 60
        if category in virtual:
            chat[name] += seconds / 60
    return tuple(DeviceMinutes(name, minutes, chat[name])
                 for name, minutes in sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))
