"""macOS probe: the frontmost application (AppKit) and the idle time (Quartz), through pyobjc.

Written against Apple's documented APIs and not yet tried on a real Mac (the README says so):
- `NSWorkspace.sharedWorkspace().frontmostApplication()` → `NSRunningApplication` with
  `localizedName()` (`Slack`, `zoom.us`, `Microsoft Teams`), `processIdentifier()` and
  `executableURL()`.
- NSWorkspace learns about app switches from notifications delivered through the run loop; a
  daemon that never runs it would report the app that was in front at start forever, so each
  read lets the current run loop handle what is pending, without waiting.
- Titles: `CGWindowListCopyWindowInfo` gives the front window's `kCGWindowName` only with the
  Screen Recording permission (macOS 10.15+); without it the title is None.
- Idle: `CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateHIDSystemState,
  kCGAnyInputEventType)`.

pyobjc is an optional extra (`pip install 'presence[macos]'`), imported in the constructor only.
"""

from __future__ import annotations

import logging
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.names import choose_app

log = logging.getLogger(__name__)

# kCGAnyInputEventType is ~0 as a 32-bit CGEventType; spelled out in case pyobjc lacks the name
_ANY_INPUT_EVENT = 0xFFFFFFFF


class MacProbe:
    """The frontmost app and idle seconds on macOS."""

    name = "macos"
    guess = False

    def __init__(self, platform: str) -> None:
        """Import pyobjc's AppKit and Quartz bindings.

        Args:
            platform: `sys.platform`; anything but `darwin` is refused.

        Raises:
            ProbeUnavailable: not macOS, or pyobjc missing.
        """
        if platform != "darwin":
            raise ProbeUnavailable(f"the macos probe runs only on macOS, not on {platform}")
        try:
            import AppKit
            import Foundation
            import Quartz
        except ImportError as exc:
            raise ProbeUnavailable(
                "pyobjc is not installed: pip install 'presence[macos]' "
                "(pyobjc-framework-Cocoa and pyobjc-framework-Quartz)"
            ) from exc
        self._appkit: Any = AppKit
        self._foundation: Any = Foundation
        self._quartz: Any = Quartz
        self._workspace = AppKit.NSWorkspace.sharedWorkspace()

    def read(self, now: float) -> Sample:
        """The frontmost application at `now` and the idle seconds."""
        self._pump_run_loop()
        idle = self._idle()
        app = self._workspace.frontmostApplication()
        if app is None:
            return Sample(at=now, app=None, idle=idle)
        pid = int(app.processIdentifier())
        url = app.executableURL()
        exe = str(url.path()) if url is not None else None
        name = app.localizedName()
        if name is None and exe is not None:
            name = exe.rsplit("/", 1)[-1]
        return Sample(at=now, app=choose_app(str(name) if name else None), title=self._title(pid),
                      exe=exe, pid=pid if pid > 0 else None, idle=idle)

    def close(self) -> None:
        """Nothing to release: the shared workspace belongs to AppKit."""

    def _pump_run_loop(self) -> None:
        foundation = self._foundation
        foundation.NSRunLoop.currentRunLoop().runMode_beforeDate_(
            foundation.NSDefaultRunLoopMode, foundation.NSDate.date())

    def _idle(self) -> float | None:
        quartz = self._quartz
        event_type = getattr(quartz, "kCGAnyInputEventType", _ANY_INPUT_EVENT)
        seconds = quartz.CGEventSourceSecondsSinceLastEventType(
            quartz.kCGEventSourceStateHIDSystemState, event_type)
        return float(seconds) if seconds is not None and seconds >= 0 else None

    def _title(self, pid: int) -> str | None:
        """The name of the app's frontmost on-screen normal window, where macOS shares it."""
        quartz = self._quartz
        windows = quartz.CGWindowListCopyWindowInfo(
            quartz.kCGWindowListOptionOnScreenOnly | quartz.kCGWindowListExcludeDesktopElements,
            quartz.kCGNullWindowID)
        # front to back: the first normal-layer window of the app is the one in front
        for info in windows or ():
            if info.get(quartz.kCGWindowOwnerPID) == pid and info.get(quartz.kCGWindowLayer) == 0:
                title = info.get(quartz.kCGWindowName)
                return str(title) if title else None
        return None
