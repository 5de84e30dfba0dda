"""Windows probe: the foreground window and the idle time, through ctypes and user32.

Written against the documented Win32 APIs and not yet tried on a real Windows machine (the
README says so):
- `GetForegroundWindow` → `GetWindowThreadProcessId` (the owner's pid) and
  `GetWindowTextLengthW`/`GetWindowTextW` (the title; for another process's window this reads
  the stored caption without sending it a message, so a hung app cannot block the probe).
- Store (UWP) apps show their windows through `ApplicationFrameHost.exe`; the app's own process
  owns a child window of that frame, found with `EnumChildWindows`.
- Idle: `GetLastInputInfo` gives the tick count (a 32-bit DWORD) of the last input;
  `GetTickCount64` modulo 2**32 compares with it across the 49.7-day wrap.
- pid → process name and exe through psutil, like the other backends.

`ctypes.WinDLL` exists only on Windows, so it is loaded in the constructor.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.names import ProcessCache, choose_app, normalise

log = logging.getLogger(__name__)

_FRAME_HOST = "applicationframehost"
_TITLE_MAX = 1024


class WindowsProbe:
    """The foreground app and idle seconds on Windows."""

    name = "windows"
    guess = False

    def __init__(self, platform: str) -> None:
        """Load user32 and kernel32 and declare the functions used.

        Args:
            platform: `sys.platform`; anything but `win32` is refused.

        Raises:
            ProbeUnavailable: not Windows.
        """
        if platform != "win32":
            raise ProbeUnavailable(f"the windows probe runs only on Windows, not on {platform}")
        from ctypes import wintypes

        self._wt: Any = wintypes
        user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        user32.GetForegroundWindow.restype = wintypes.HWND
        user32.GetForegroundWindow.argtypes = []
        user32.GetWindowThreadProcessId.restype = wintypes.DWORD
        user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
        user32.GetWindowTextLengthW.restype = ctypes.c_int
        user32.GetWindowTextLengthW.argtypes = [wintypes.HWND]
        user32.GetWindowTextW.restype = ctypes.c_int
        user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
        self._enum_proc = ctypes.WINFUNCTYPE(  # type: ignore[attr-defined]
            wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
        user32.EnumChildWindows.restype = wintypes.BOOL
        user32.EnumChildWindows.argtypes = [wintypes.HWND, self._enum_proc, wintypes.LPARAM]
        user32.GetLastInputInfo.restype = wintypes.BOOL
        user32.GetLastInputInfo.argtypes = [ctypes.POINTER(_LastInputInfo)]
        kernel32.GetTickCount64.restype = ctypes.c_uint64
        kernel32.GetTickCount64.argtypes = []
        self._user32 = user32
        self._kernel32 = kernel32
        self._processes = ProcessCache()

    def read(self, now: float) -> Sample:
        """The foreground window's app and title at `now`, and the idle seconds."""
        idle = self._idle()
        hwnd = self._user32.GetForegroundWindow()
        if not hwnd:
            # the desktop switching (lock screen, UAC prompt) has no foreground window
            return Sample(at=now, app=None, idle=idle)
        pid = self._pid(hwnd)
        proc = self._processes.lookup(pid)
        if normalise(proc.name) == _FRAME_HOST:
            inner = self._hosted_pid(hwnd, pid)
            if inner is not None:
                proc = self._processes.lookup(inner)
        return Sample(at=now, app=choose_app(proc.name), title=self._title(hwnd), exe=proc.exe,
                      pid=proc.pid, idle=idle)

    def close(self) -> None:
        """Nothing to release: user32 stays loaded for the process."""

    def _pid(self, hwnd: Any) -> int | None:
        pid = self._wt.DWORD(0)
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return pid.value or None

    def _title(self, hwnd: Any) -> str | None:
        length = self._user32.GetWindowTextLengthW(hwnd)
        if length <= 0:
            return None
        buffer = ctypes.create_unicode_buffer(min(length, _TITLE_MAX) + 1)
        copied = self._user32.GetWindowTextW(hwnd, buffer, len(buffer))
        return buffer.value[:copied] or None

    def _hosted_pid(self, hwnd: Any, host_pid: int | None) -> int | None:
        """The pid of the Store app inside an ApplicationFrameHost frame, if any."""
        found: list[int] = []

        def visit(child: Any, _lparam: Any) -> bool:
            pid = self._pid(child)
            if pid is not None and pid != host_pid:
                found.append(pid)
                return False  # stop enumerating
            return True

        self._user32.EnumChildWindows(hwnd, self._enum_proc(visit), 0)
        return found[0] if found else None

    def _idle(self) -> float | None:
        info = _LastInputInfo()
        info.cbSize = ctypes.sizeof(_LastInputInfo)
        if not self._user32.GetLastInputInfo(ctypes.byref(info)):
            log.debug("GetLastInputInfo failed: error %s", ctypes.get_last_error())  # type: ignore[attr-defined]
            return None
        ticks = self._kernel32.GetTickCount64() & 0xFFFFFFFF
        return ((ticks - info.dwTime) & 0xFFFFFFFF) / 1000.0


class _LastInputInfo(ctypes.Structure):
    """LASTINPUTINFO: cbSize must be set before the call; dwTime is a GetTickCount value."""

    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32)]
