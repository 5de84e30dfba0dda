"""GNOME probe: the focused window through the "Window Calls" shell extension, idle time from
Mutter's IdleMonitor, both over the D-Bus session bus (jeepney).

GNOME Shell on Wayland tells no client which window has focus, and since GNOME 41 its `Eval`
method is closed to other programs. The "Window Calls" extension
(https://extensions.gnome.org/extension/4724/window-calls/, github.com/ickyicky/window-calls)
exports `org.gnome.Shell.Extensions.Windows` at `/org/gnome/Shell/Extensions/Windows` on the
`org.gnome.Shell` name; its `List()` returns a JSON array of windows with `wm_class`,
`wm_class_instance`, `pid`, `id`, `focus` (and `title` in recent versions; older ones have
`GetTitle(id)`). That interface was read from the extension's source, not tried against a real
GNOME Shell. Without the extension this probe is unavailable and says what to install.

Idle: `org.gnome.Mutter.IdleMonitor` at `/org/gnome/Mutter/IdleMonitor/Core`, method
`GetIdletime` → milliseconds (uint64), the interface gnome-settings-daemon and GNOME Break Timer
use.

Only the parsing and the D-Bus plumbing are tested here (against a stand-in service on a private
bus); no GNOME Shell runs on the machines this was written on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.names import ProcessCache
from presence.probe.wayland import Window, sample_of

log = logging.getLogger(__name__)

DBUS_TIMEOUT_SECONDS = 2.0
SHELL_NAME = "org.gnome.Shell"
WINDOWS_PATH = "/org/gnome/Shell/Extensions/Windows"
WINDOWS_INTERFACE = "org.gnome.Shell.Extensions.Windows"
IDLE_NAME = "org.gnome.Mutter.IdleMonitor"
IDLE_PATH = "/org/gnome/Mutter/IdleMonitor/Core"
IDLE_INTERFACE = "org.gnome.Mutter.IdleMonitor"
INSTALL_WINDOW_CALLS = ("GNOME on Wayland shows the focused window only to a shell extension: "
                        "install \"Window Calls\" (https://extensions.gnome.org/extension/4724/"
                        "window-calls/), enable it, and log out and in again")
# what the bus says when the extension is not there to answer
_MISSING = ("org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.UnknownObject",
            "org.freedesktop.DBus.Error.UnknownInterface")


class DBusError(Exception):
    """An error reply: its D-Bus error name and message."""

    def __init__(self, name: str, message: str) -> None:
        """Keep the error's name and message."""
        super().__init__(f"{name}: {message}")
        self.name = name


def focused_window(list_reply: str) -> tuple[int | None, Window] | None:
    """The focused window in a Window Calls `List()` reply, as (window id, window).

    Args:
        list_reply: the JSON string `List()` returned.

    Returns:
        The window with `focus` true, or None when none has focus (the desktop, the overview).

    Raises:
        ValueError: the reply is not a JSON array.
    """
    data: Any = json.loads(list_reply)
    if not isinstance(data, list):
        raise ValueError(f"Window Calls' List() did not return a list: {list_reply[:80]!r}")
    for item in data:
        if isinstance(item, dict) and item.get("focus") is True:
            pid = item.get("pid")
            wid = item.get("id")
            return (wid if isinstance(wid, int) else None,
                    Window(app_id=item.get("wm_class") or None,
                           instance=item.get("wm_class_instance") or None,
                           title=item.get("title") or None,
                           pid=pid if isinstance(pid, int) and pid > 0 else None))
    return None


class GnomeProbe:
    """The focused window and idle seconds of a GNOME Shell session.

    Attributes:
        idle_fix: what is wrong when the samples' idle is None (for `doctor`).
    """

    name = "gnome"
    guess = False

    def __init__(self, env: Mapping[str, str]) -> None:
        """Check that a session bus is named; connect nothing yet.

        Raises:
            ProbeUnavailable: `DBUS_SESSION_BUS_ADDRESS` is not set.
        """
        self.bus_address = env.get("DBUS_SESSION_BUS_ADDRESS", "")
        if not self.bus_address:
            raise ProbeUnavailable("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set "
                                   "(run presence inside the GNOME session)")
        self._conn: Any = None
        self._processes = ProcessCache()
        self.idle_fix: str | None = None

    def read(self, now: float) -> Sample:
        """The focused window at `now` and the idle seconds.

        Raises:
            ProbeUnavailable: the bus cannot be reached, GNOME Shell is not on it, or the Window
                Calls extension is missing (the message names it).
        """
        try:
            reply = self._call(SHELL_NAME, WINDOWS_PATH, WINDOWS_INTERFACE, "List")
            found = focused_window(str(reply[0]))
            if found is not None and found[1].title is None and found[0] is not None:
                found = found[0], self._with_title(found[0], found[1])
        except DBusError as exc:
            if exc.name in _MISSING:
                raise ProbeUnavailable(INSTALL_WINDOW_CALLS) from exc
            if exc.name == "org.freedesktop.DBus.Error.ServiceUnknown":
                raise ProbeUnavailable("GNOME Shell is not on this session bus "
                                       f"({self.bus_address})") from exc
            raise ProbeUnavailable(f"GNOME Shell refused to list windows: {exc}") from exc
        except (ValueError, IndexError) as exc:
            raise ProbeUnavailable(f"the Window Calls extension answered something else: "
                                   f"{exc}") from exc
        return sample_of(found[1] if found else None, now, self._idle(), self._processes)

    def _with_title(self, wid: int, window: Window) -> Window:
        """Older Window Calls versions leave the title out of List(); ask for it."""
        try:
            title = str(self._call(SHELL_NAME, WINDOWS_PATH, WINDOWS_INTERFACE, "GetTitle", "u",
                                   (wid,))[0])
        except DBusError as exc:
            log.debug("no title for window %s: %s", wid, exc)  # it closed meanwhile
            return window
        return Window(window.app_id, window.instance, title or None, window.pid)

    def _idle(self) -> float | None:
        try:
            millis = self._call(IDLE_NAME, IDLE_PATH, IDLE_INTERFACE, "GetIdletime")[0]
        except (DBusError, ProbeUnavailable) as exc:
            self.idle_fix = f"Mutter's IdleMonitor did not answer ({exc}): idle time unknown"
            return None
        self.idle_fix = None
        return int(millis) / 1000.0

    def _call(self, bus_name: str, path: str, interface: str, method: str,
              signature: str | None = None, body: tuple = ()) -> tuple:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import DBusErrorResponse

        address = DBusAddress(path, bus_name=bus_name, interface=interface)
        try:
            if self._conn is None:
                self._conn = open_dbus_connection(bus=self.bus_address,
                                                  auth_timeout=DBUS_TIMEOUT_SECONDS)
            reply = self._conn.send_and_get_reply(
                new_method_call(address, method, signature, body), timeout=DBUS_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            # a late reply must not be taken for the next call's: start a fresh connection
            self.close()
            raise ProbeUnavailable(f"{bus_name} did not answer {method} within "
                                   f"{DBUS_TIMEOUT_SECONDS:g} s") from exc
        except (OSError, ValueError, EOFError, StopIteration) as exc:
            self.close()
            raise ProbeUnavailable(f"cannot reach the D-Bus session bus {self.bus_address}: "
                                   f"{exc or type(exc).__name__}") from exc
        if reply.header.message_type == MessageType.error:
            error = DBusErrorResponse(reply)
            raise DBusError(error.name, str(error.data[0]) if error.data else "")
        return reply.body

    def close(self) -> None:
        """Close the bus connection, if open."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
