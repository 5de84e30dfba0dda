"""The system's time zone: the one place presence asks the OS which zone it is in.

An edge, like `paths.py`: it reads `$TZ` and the `/etc/localtime` link. `config.load` asks it
only when the config leaves `timezone` empty; everything past the config takes the zone from
`Config.tz`.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from pathlib import Path


def system_zone() -> tzinfo:
    """The zone of this machine: `$TZ`, else the zone `/etc/localtime` links to, else the
    local rules in `/etc/localtime`, else UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    env = os.environ.get("TZ", "").lstrip(":")
    candidates = [env] if env else []
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    try:
        return ZoneInfo("localtime") if Path("/etc/localtime").exists() else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
