"""App names at the probe edge: normalising them, and choosing one from what a window tells.

Every backend reports the same spelling for the same app, whatever the platform calls it
(`Slack.exe`, `/usr/lib/slack/slack`, `Slack Helper (Renderer)` → `slack`), so the shipped rules
in `config/default.toml` match one name per app (DESIGN §3 Sampling).

`ProcessCache` turns a pid into the process name and executable, remembering each process by
(pid, start time) so a reused pid is never mistaken for the old process. On Linux it reads
`/proc` itself (the two files psutil would read): psutil costs a daemon that lives for days
1.8 MB resident for those two reads (issue 18: a quiet daemon); elsewhere psutil answers.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from presence.frozen import frozen
from typing import Any

log = logging.getLogger(__name__)

# Bundle / executable suffixes that say nothing about which app it is.
_SUFFIX = re.compile(r"\.(exe|app|bin|appimage)$", re.IGNORECASE)
# Chromium/Electron child processes on macOS: "Slack Helper", "Discord Helper (GPU)".
_HELPER = re.compile(r"\s+helper(\s*\([^)]*\))?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_COMM_LENGTH = 15  # the kernel keeps this many characters of a process name

# Processes that host other apps: their own name hides the app, the window class shows it
# (Flatpak apps start under bwrap, Electron apps under a system `electron`, Java and Python
# programs under their interpreter, Windows programs under wine).
_GENERIC = re.compile(
    r"^(electron\d*|java|javaw|python(\d+(\.\d+)?)?|pythonw|node|nodejs|bwrap|flatpak-spawn"
    r"|snap|snapctl|wine\d*|wine\d*-preloader|wineserver|mono|mono-sgen|dotnet"
    r"|chrome_crashpad_handler|crashpad_handler|zypak-helper|zypak-sandbox|apprun"
    r"|apprun\.wrapped|gjs|gjs-console|sh|bash|dash|env|perl|ruby|qemu-\w+)$"
)


def normalise(name: str | None) -> str | None:
    """The normalised spelling of an app or process name.

    Strips directories, `.exe`/`.app`/`.bin`/`.AppImage`, macOS helper suffixes, collapses
    whitespace and lowercases.

    Args:
        name: a process name, executable path, bundle name or window class.

    Returns:
        The normalised name (`Slack.exe` → `slack`, `Microsoft Teams` → `microsoft teams`), or
        None for None or a blank name.

    Examples:
        >>> normalise("C:\\\\Program Files\\\\WhatsApp\\\\WhatsApp.exe")
        'whatsapp'
        >>> normalise("Discord Helper (GPU)")
        'discord'
    """
    if name is None:
        return None
    base = re.split(r"[/\\]", name.strip().rstrip("/\\"))[-1]
    base = _SPACES.sub(" ", base).strip()
    base = _SUFFIX.sub("", base)
    base = _HELPER.sub("", base).strip()
    return base.lower() or None


def is_generic(name: str | None) -> bool:
    """True when a normalised process name is a host (interpreter, sandbox) rather than an app.

    Args:
        name: a normalised process name.
    """
    return name is not None and _GENERIC.match(name) is not None


def choose_app(
    process: str | None, wm_instance: str | None = None, wm_class: str | None = None
) -> str | None:
    """The app name for a window, from its process name and its WM_CLASS pair.

    The process name is the most reliable (a window class is whatever the toolkit chose), except
    for generic hosts such as `bwrap`, `electron` or `java`, where the window class names the app.
    Of the WM_CLASS pair the class (`Slack`) is preferred over the instance (`slack`), unless the
    class itself is generic (wine sets `Wine`).

    Args:
        process: the process name (raw or normalised).
        wm_instance: the first WM_CLASS string (res_name).
        wm_class: the second WM_CLASS string (res_class).

    Returns:
        The normalised app name, or None when nothing names the app.
    """
    proc = normalise(process)
    if proc is not None and not is_generic(proc):
        return proc
    for candidate in (normalise(wm_class), normalise(wm_instance)):
        if candidate is not None and not is_generic(candidate) and candidate != "wine":
            return candidate
    return proc or normalise(wm_class) or normalise(wm_instance)


@frozen
class ProcessInfo:
    """What /proc or psutil could learn about a process; fields are None where it could not.

    Attributes:
        pid: the process id, or None when the process no longer exists.
        name: the raw process name (`slack`, `Slack.exe`), not normalised.
        exe: the full path of the executable.
    """

    pid: int | None
    name: str | None = None
    exe: str | None = None


class ProcessCache:
    """pid → `ProcessInfo` from `/proc` on Linux and psutil elsewhere, cached by (pid, start
    time).

    A vanished or zombie process gives `ProcessInfo(None)`; a process whose executable we may
    not read keeps its name with `exe` None. psutil is imported on first use, where needed.
    """

    def __init__(self, size: int = 64) -> None:
        """Create an empty cache holding at most `size` processes."""
        self._size = size
        self._entries: dict[tuple[int, float], ProcessInfo] = {}
        self._psutil: Any = None
        self._proc = sys.platform.startswith("linux") and os.path.isdir("/proc/self")

    def lookup(self, pid: int | None) -> ProcessInfo:
        """Name and executable of `pid`, never raising for a vanished or forbidden process.

        Args:
            pid: a process id, or None.
        """
        if pid is None or pid <= 0:
            return ProcessInfo(None)
        if self._proc:
            return self._from_proc(pid)
        if self._psutil is None:
            import psutil

            self._psutil = psutil
        psutil = self._psutil
        try:
            proc = psutil.Process(pid)
            key = (pid, proc.create_time())
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return ProcessInfo(None)
        except psutil.AccessDenied:
            return ProcessInfo(pid)
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        return self._keep(key, self._describe(proc))

    def _keep(self, key: tuple[int, float], info: ProcessInfo) -> ProcessInfo:
        if info.pid is not None:
            if len(self._entries) >= self._size:
                # dicts keep insertion order: drop the oldest process first
                del self._entries[next(iter(self._entries))]
            self._entries[key] = info
        return info

    def _from_proc(self, pid: int) -> ProcessInfo:
        """Linux: the name and start time from `/proc/PID/stat`, the executable from the
        `/proc/PID/exe` link."""
        try:
            with open(f"/proc/{pid}/stat", "rb") as file:
                stat = file.read(4096)
        except (FileNotFoundError, ProcessLookupError):
            return ProcessInfo(None)
        except OSError:
            return ProcessInfo(pid)
        # the name sits in parentheses and may hold any byte, ")" too: the last one ends it
        close = stat.rfind(b")")
        fields = stat[close + 2:].split()
        if close < 0 or len(fields) < 20 or fields[0] in (b"Z", b"X"):
            return ProcessInfo(None)  # a zombie (exited, not reaped) or a dead process
        key = (pid, float(fields[19]))  # the start time, in clock ticks since boot
        cached = self._entries.get(key)
        if cached is not None:
            return cached
        name = os.fsdecode(stat[stat.find(b"(") + 1:close])
        try:
            exe: str | None = os.readlink(f"/proc/{pid}/exe") or None
        except (FileNotFoundError, ProcessLookupError):
            if not os.path.exists(f"/proc/{pid}"):
                return ProcessInfo(None)
            exe = None  # a kernel thread
        except OSError:
            exe = None  # another user's process: the name is still worth having
        if exe is not None and exe.endswith(" (deleted)") and not os.path.exists(exe):
            exe = exe[:-len(" (deleted)")]  # upgraded while running: the path it started from
        if len(name) == _COMM_LENGTH and not (exe and os.path.basename(exe).startswith(name)):
            whole = _completed(pid, name)
            if whole is None:
                # caught in its exec, which writes the command line after the name: named
                # as far as it goes, and asked again next time rather than cut for good
                return self._named(pid, name, exe)
            name = whole
        return self._keep(key, self._named(pid, name, exe))

    def _describe(self, proc: Any) -> ProcessInfo:
        psutil = self._psutil
        try:
            name = proc.name()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return ProcessInfo(None)
        except psutil.AccessDenied:
            name = None
        try:
            exe = proc.exe() or None
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            return ProcessInfo(None)
        except (psutil.AccessDenied, OSError):
            # another user's process, or a kernel thread: the name is still worth having
            exe = None
        return self._named(proc.pid, name, exe)

    def _named(self, pid: int, name: str | None, exe: str | None) -> ProcessInfo:
        if name is not None and exe is not None and len(name) == _COMM_LENGTH:
            # the kernel keeps 15 characters of a name (and psutil's completion from the
            # command line can be empty just after exec): the executable's name is the full one
            full = os.path.basename(exe)
            if full.startswith(name):
                name = full
        log.debug("pid %s is %s (%s)", pid, name, exe)
        return ProcessInfo(pid, name, exe)


def _completed(pid: int, name: str) -> str | None:
    """A process name the kernel cut to 15 characters, whole from the command line (a
    script's: its interpreter is the executable), as psutil completes it; else as it was;
    None while the command line is still empty (a process caught in its exec)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            args = file.read(4096).split(b"\0")[:2]
    except OSError:
        return name
    if not args[0]:
        return None
    for arg in args:
        full = os.path.basename(os.fsdecode(arg))
        if full.startswith(name):
            return full
    return name
