"""The OS edge: what is in front, and how long the user has been idle.

One module per backend. `select()` picks a backend name from explicit inputs and says why;
`open_probe()` imports and constructs it. Backends do no work at import time.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from presence.errors import ConfigError, ProbeUnavailable
from presence.probe.base import Probe

log = logging.getLogger(__name__)

# Must match presence.config.PROBES (a test checks it).
PROBES = ("auto", "x11", "sway", "hyprland", "gnome", "kde", "macos", "windows", "psutil", "none")
# Wayland backends that select() recognises but that are not written yet (a later issue).
PENDING = ("sway", "hyprland", "gnome", "kde")

_NOTES = {
    "x11": "observed: the active X11 window (EWMH or input focus) and MIT-SCREEN-SAVER idle time",
    "sway": "not yet supported",
    "hyprland": "not yet supported",
    "gnome": "not yet supported",
    "kde": "not yet supported",
    "macos": "observed: NSWorkspace's frontmost app and Quartz idle time (not yet tried on a "
             "real Mac)",
    "windows": "observed: the foreground window and GetLastInputInfo idle time (not yet tried "
               "on a real Windows machine)",
    "psutil": "a guess: the chat app that used the most CPU since the last sample; no window "
              "titles, idle time unknown",
    "none": "nothing observed: no app, idle time unknown",
}


@dataclass(frozen=True)
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
    Linux and other Unixes, the session's environment: sway, Hyprland, GNOME or KDE on Wayland
    (recognised, not yet supported), else X11 where `DISPLAY` is set, else the psutil guess.

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
        reason = f"{requested} was requested"
        if requested in PENDING:
            reason += f" (the {requested} probe is not yet supported)"
        return Selection(requested, reason)
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
    # where a Wayland backend is missing, XWayland still shows the X11 apps; else guess
    later = "x11" if display else "psutil"
    pending = f"not yet supported; {later} is the fallback"
    if wayland and env.get("SWAYSOCK"):
        return Selection("sway", f"sway session (WAYLAND_DISPLAY and SWAYSOCK set): {pending}",
                         later)
    if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
        return Selection("hyprland",
                         f"Hyprland session (HYPRLAND_INSTANCE_SIGNATURE set): {pending}", later)
    if wayland or session == "wayland":
        why = f"Wayland session (XDG_CURRENT_DESKTOP={env.get('XDG_CURRENT_DESKTOP', '')!r})"
        if "GNOME" in desktops:
            return Selection("gnome", f"GNOME {why}: {pending}", later)
        if "KDE" in desktops:
            return Selection("kde", f"KDE {why}: {pending}", later)
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
        env: the environment to read `DISPLAY` from; `os.environ` by default.

    Returns:
        A ready probe (the X11 one connects at its first read).

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
    if name in PENDING:
        raise ProbeUnavailable(f"the {name} probe is not yet supported: set probe = \"x11\" "
                               "(XWayland apps only) or \"psutil\" (a guess)")
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
