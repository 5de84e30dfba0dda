"""The OS edge: what is in front, and how long the user has been idle.

One module per backend. `select()` picks a backend name from explicit inputs and says why;
`open_probe()` imports and constructs it. Backends do no work at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from presence.errors import ConfigError
from presence.frozen import frozen
from presence.probe.base import Probe
from presence.logsetup import logger

log = logger(__name__)

# The one list of probe names: `[daemon] probe` and `run --probe` take their choices from it.
PROBES = ("auto", "x11", "sway", "hyprland", "gnome", "kde", "macos", "windows", "psutil", "none")
_NOTES = {
    "x11": "observed: the active X11 window (EWMH or input focus) and MIT-SCREEN-SAVER idle time",
    "sway": "observed: the focused window from sway's IPC socket (window events), idle time "
            "through swayidle (none without it)",
    "hyprland": "observed: the active window from Hyprland's IPC socket, idle time through "
                "swayidle >= 1.8 (none without it; not yet tried on a real Hyprland)",
    "gnome": "observed: the focused window through the Window Calls shell extension, idle time "
             "from Mutter's IdleMonitor (not yet tried on a real GNOME Shell)",
    "kde": "observed: the active window through kdotool (a KWin script per sample), idle time "
           "through swayidle (not yet tried on a real KDE Plasma)",
    "macos": "observed: NSWorkspace's frontmost app and Quartz idle time (not yet tried on a "
             "real Mac)",
    "windows": "observed: the foreground window and GetLastInputInfo idle time (not yet tried "
               "on a real Windows machine)",
    "psutil": "a guess: the chat app that used the most CPU since the last sample; no window "
              "titles, idle time unknown",
    "none": "nothing observed: no app, idle time unknown",
}


@frozen
class Selection:
    """The probe `select()` chose and why.

    Attributes:
        name: a backend name from `PROBES` other than `auto`.
        reason: one line for `doctor` and the log, naming the inputs that decided.
        fallback: the backend to try when `name` cannot be opened (None for an explicit request:
            the user asked for that one).
    """

    name: str
    reason: str
    fallback: str | None = None


def select(requested: str, env: Mapping[str, str], platform: str) -> Selection:
    """Choose a probe backend from explicit inputs.

    An explicit request wins. `auto` follows the platform (`sys.platform` spelling) and, on
    Linux and other Unixes, the session's environment: on Wayland the compositor's own backend
    (sway, Hyprland, GNOME, KDE), because XWayland's `DISPLAY` shows X11 apps only; else X11
    where `DISPLAY` is set, else the psutil guess. The fallback is what the daemon uses while
    the chosen backend cannot open (XWayland's X11 where `DISPLAY` is set).

    Args:
        requested: `[daemon] probe` or `--probe`: a name from `PROBES`.
        env: the session environment (`os.environ`).
        platform: `sys.platform`: `linux`, `darwin`, `win32`, ...

    Returns:
        The chosen backend and the reason.

    Raises:
        ConfigError: `requested` is not a known probe.
    """
    requested = (requested or "auto").strip().lower()
    if requested not in PROBES:
        raise ConfigError(f"unknown probe {requested!r}: expected one of {', '.join(PROBES)}")
    if requested != "auto":
        return Selection(requested, f"{requested} was requested")
    if platform == "darwin":
        return Selection("macos", "macOS (platform darwin)", "psutil")
    if platform in ("win32", "cygwin"):
        return Selection("windows", f"Windows (platform {platform})", "psutil")
    return _select_unix(env)


def _select_unix(env: Mapping[str, str]) -> Selection:
    display = env.get("DISPLAY", "")
    wayland = env.get("WAYLAND_DISPLAY", "")
    session = env.get("XDG_SESSION_TYPE", "").lower()
    desktops = [d.strip().upper() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":")]
    # while a compositor backend cannot open, XWayland still shows the X11 apps; else guess
    later = "x11" if display else "psutil"
    xwayland = (f"; XWayland's DISPLAY={display} would show X11 apps only" if display else "")
    if wayland and env.get("SWAYSOCK"):
        return Selection("sway", "sway session (WAYLAND_DISPLAY and SWAYSOCK set): sway's IPC "
                         f"shows every window{xwayland}", later)
    if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return Selection("hyprland", "Hyprland session (HYPRLAND_INSTANCE_SIGNATURE set): "
                         f"Hyprland's IPC shows every window{xwayland}", later)
    if wayland or session == "wayland":
        why = f"Wayland session (XDG_CURRENT_DESKTOP={env.get('XDG_CURRENT_DESKTOP', '')!r})"
        if "GNOME" in desktops:
            return Selection("gnome", f"GNOME {why}: the Window Calls extension shows every "
                             f"window{xwayland}", later)
        if "KDE" in desktops:
            return Selection("kde", f"KDE {why}: kdotool shows every window{xwayland}", later)
        if display:
            return Selection("x11", f"{why} without a backend of its own; DISPLAY={display} "
                             "(XWayland) shows X11 apps only", "psutil")
        return Selection("psutil", f"{why} without a backend of its own and no DISPLAY: guessing "
                         "from running chat processes")
    if display:
        return Selection("x11", f"X11 session (DISPLAY={display})", "psutil")
    return Selection("psutil", "no window system (neither WAYLAND_DISPLAY nor DISPLAY is set): "
                     "guessing from running chat processes")


def note(name: str) -> str:
    """What a backend observes and what it cannot, for `doctor`.

    Args:
        name: a backend name from `PROBES` other than `auto`.
    """
    return _NOTES.get(name, "unknown probe")


def open_probe(name: str, env: Mapping[str, str] | None = None) -> Probe:
    """Import and construct a backend.

    Args:
        name: a name from `PROBES`; `auto` is resolved with `select()` on this machine.
        env: the session environment (`DISPLAY`, `SWAYSOCK`, ...); `os.environ` by default.

    Returns:
        A ready probe (the X11, sway and GNOME ones connect at their first read).

    Raises:
        ProbeUnavailable: the backend cannot run here; the message says how to fix it.
        ConfigError: `name` is not a known probe.
    """
    env = os.environ if env is None else env
    if name == "auto":
        chosen = select(name, env, sys.platform)
        log.info("probe %s: %s", chosen.name, chosen.reason)
        name = chosen.name
    if name not in PROBES:
        raise ConfigError(f"unknown probe {name!r}: expected one of {', '.join(PROBES)}")
    if name == "sway":
        from presence.probe.sway import SwayProbe

        return SwayProbe(env)
    if name == "hyprland":
        from presence.probe.hyprland import HyprlandProbe

        return HyprlandProbe(env)
    if name == "gnome":
        from presence.probe.gnome import GnomeProbe

        return GnomeProbe(env)
    if name == "kde":
        from presence.probe.kde import KdeProbe

        return KdeProbe(env)
    if name == "x11":
        from presence.probe.x11 import X11Probe

        return X11Probe(env.get("DISPLAY"))
    if name == "psutil":
        from presence.probe.psutil_probe import PsutilProbe

        return PsutilProbe()
    if name == "macos":
        from presence.probe.macos import MacProbe

        return MacProbe(sys.platform)
    if name == "windows":
        from presence.probe.windows import WindowsProbe

        return WindowsProbe(sys.platform)
    from presence.probe.null import NullProbe

    return NullProbe()
