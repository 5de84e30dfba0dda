"""`presence tray`: a StatusNotifierItem with a com.canonical.dbusmenu menu, over D-Bus.

The one platform module of the glance wing. presence speaks the protocols itself with
jeepney (no Qt, no GTK), so the icon shows wherever a StatusNotifierWatcher runs: KDE,
waybar's and other wlroots bars' trays, XFCE, and GNOME with the AppIndicator extension.

The item owns `org.kde.StatusNotifierItem-PID-1`, serves `/StatusNotifierItem` (the icon, a
ring drawn as ARGB32 pixmaps, the tooltip with today's numbers, `NeedsAttention` while
phubbing) and `/MenuBar` (the menu of `glance.menu`), and registers with the watcher. It
wakes when the bus has a message or the store's folder was written (`glance.wake`), and
refreshes only when the store changed (`glance.follow`).
"""

from __future__ import annotations

import logging
import os
import select
from pathlib import Path
from typing import Any, Callable

from presence import clock, holds
from presence.config import Config
from presence.errors import PresenceError
from presence.glance import actions, icon, menu
from presence.glance.bar import text, tooltip
from presence.glance.follow import Follower
from presence.glance.view import Glance

log = logging.getLogger(__name__)

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
SNI = "org.kde.StatusNotifierItem"
ITEM_PATH = "/StatusNotifierItem"
DBUSMENU = "com.canonical.dbusmenu"
MENU_PATH = "/MenuBar"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
BUS_TIMEOUT_SECONDS = 5.0
ROOT_PROPS = {"children-display": ("s", "submenu")}
NO_WATCHER = ("no system tray to show the icon in (nothing owns org.kde.StatusNotifierWatcher "
              "on the session bus); on GNOME, install and enable the AppIndicator/"
              "KStatusNotifierItem extension (Debian: gnome-shell-extension-appindicator); "
              "elsewhere start a tray that hosts StatusNotifierItems (KDE Plasma, waybar's "
              "tray module, XFCE's status tray)")

_INTROSPECTION = """<node>
 <interface name="org.kde.StatusNotifierItem">
  <method name="ContextMenu"><arg type="i" direction="in"/><arg type="i" direction="in"/></method>
  <method name="Activate"><arg type="i" direction="in"/><arg type="i" direction="in"/></method>
  <method name="SecondaryActivate"><arg type="i" direction="in"/><arg type="i" direction="in"/>
  </method>
  <method name="Scroll"><arg type="i" direction="in"/><arg type="s" direction="in"/></method>
  <signal name="NewIcon"/><signal name="NewAttentionIcon"/><signal name="NewToolTip"/>
  <signal name="NewTitle"/><signal name="NewStatus"><arg type="s"/></signal>
 </interface>
 <interface name="com.canonical.dbusmenu">
  <method name="GetLayout"><arg type="i" direction="in"/><arg type="i" direction="in"/>
   <arg type="as" direction="in"/><arg type="u" direction="out"/>
   <arg type="(ia{sv}av)" direction="out"/></method>
  <method name="GetGroupProperties"><arg type="ai" direction="in"/>
   <arg type="as" direction="in"/><arg type="a(ia{sv})" direction="out"/></method>
  <method name="GetProperty"><arg type="i" direction="in"/><arg type="s" direction="in"/>
   <arg type="v" direction="out"/></method>
  <method name="Event"><arg type="i" direction="in"/><arg type="s" direction="in"/>
   <arg type="v" direction="in"/><arg type="u" direction="in"/></method>
  <method name="EventGroup"><arg type="a(isvu)" direction="in"/>
   <arg type="ai" direction="out"/></method>
  <method name="AboutToShow"><arg type="i" direction="in"/><arg type="b" direction="out"/>
  </method>
  <method name="AboutToShowGroup"><arg type="ai" direction="in"/>
   <arg type="ai" direction="out"/><arg type="ai" direction="out"/></method>
  <signal name="LayoutUpdated"><arg type="u"/><arg type="i"/></signal>
 </interface>
</node>"""


class TrayUnavailable(PresenceError):
    """No session bus, or no StatusNotifierWatcher on it."""


def _connect() -> Any:
    from jeepney.io.blocking import open_dbus_connection

    try:
        return open_dbus_connection(bus="SESSION")
    except KeyError as exc:
        raise TrayUnavailable("no D-Bus session bus to reach a system tray "
                              "(DBUS_SESSION_BUS_ADDRESS is not set); start `presence tray` "
                              "inside your desktop session") from exc
    except (OSError, ValueError) as exc:
        raise TrayUnavailable(f"cannot reach the D-Bus session bus ({exc}); start "
                              "`presence tray` inside your desktop session") from exc


def _call(conn: Any, bus_name: str, path: str, interface: str, method: str,
          signature: str | None = None, body: tuple = ()) -> tuple:
    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import unwrap_msg

    msg = new_method_call(DBusAddress(path, bus_name=bus_name, interface=interface), method,
                          signature, body)
    return unwrap_msg(conn.send_and_get_reply(msg, timeout=BUS_TIMEOUT_SECONDS))


def _watcher_present(conn: Any) -> bool:
    return bool(_call(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                      "org.freedesktop.DBus", "NameHasOwner", "s", (WATCHER,))[0])


def watcher_problem() -> str | None:
    """What keeps the tray from showing (for `presence doctor`), or None when a tray hosts
    StatusNotifierItems on this session."""
    try:
        conn = _connect()
    except TrayUnavailable as exc:
        return str(exc)
    try:
        return None if _watcher_present(conn) else NO_WATCHER
    except (OSError, TimeoutError) as exc:
        return f"the session bus did not answer ({exc})"
    finally:
        conn.close()


def _variant(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    return ("s", str(value))


def _menu_props(item: menu.Item) -> dict[str, tuple[str, Any]]:
    if item.separator:
        return {"type": ("s", "separator")}
    # dbusmenu reads "_" as a mnemonic marker; a literal one is doubled.
    props = {"label": ("s", item.label.replace("_", "__"))}
    if not item.enabled:
        props["enabled"] = ("b", False)
    return props


class Tray:
    """The item and its menu on one bus connection; `serve` runs until Quit."""

    def __init__(self, conn: Any, follower: Follower, config: Config,
                 now: Callable[[], float] = clock.now):
        self.conn = conn
        self.follower = follower
        self.config = config
        self.now = now
        self.name = f"org.kde.StatusNotifierItem-{os.getpid()}-1"
        self.glance: Glance | None = None
        self.items: list[menu.Item] = []
        self.revision = 1
        self.quit = False

    # the item's state

    def refresh(self) -> None:
        """Read a new glance if the store changed; tell the hosts what changed."""
        glance = self.follower.poll(self.now())
        if glance is None:
            return
        before, old_items = self.glance, self.items
        self.glance = glance
        self.items = menu.items(glance, self.config.tz)
        if before is None:
            return
        # Hosts re-read what a signal names (pixmaps and all): signal only real changes.
        if _share(before) != _share(glance):
            self._signal(ITEM_PATH, SNI, "NewIcon")
        if self._tooltip(before) != self._tooltip(glance):
            self._signal(ITEM_PATH, SNI, "NewToolTip")
        if self._status(before) != self._status(glance):
            self._signal(ITEM_PATH, SNI, "NewStatus", "s", (self._status(glance),))
        if old_items != self.items:
            self.revision += 1
            self._signal(MENU_PATH, DBUSMENU, "LayoutUpdated", "ui", (self.revision, 0))

    @staticmethod
    def _status(glance: Glance) -> str:
        return "NeedsAttention" if glance.state == "phubbing" else "Active"

    def _tooltip(self, glance: Glance) -> tuple[str, str]:
        tz = self.config.tz
        return f"presence: {text(glance, tz)}", tooltip(glance, tz)

    def item_properties(self) -> dict[str, tuple[str, Any]]:
        """Every org.kde.StatusNotifierItem property, as D-Bus variants."""
        glance = self.glance
        assert glance is not None
        share = _share(glance)
        title, body = self._tooltip(glance)
        return {
            "Category": ("s", "ApplicationStatus"), "Id": ("s", "presence"),
            "Title": ("s", "presence"), "Status": ("s", self._status(glance)),
            "WindowId": ("i", 0), "IconName": ("s", ""), "IconThemePath": ("s", ""),
            "IconPixmap": ("a(iiay)", icon.pixmaps(share)),
            "OverlayIconName": ("s", ""), "OverlayIconPixmap": ("a(iiay)", []),
            "AttentionIconName": ("s", ""), "AttentionMovieName": ("s", ""),
            "AttentionIconPixmap": ("a(iiay)", icon.pixmaps(share, attention=True)),
            "ToolTip": ("(sa(iiay)ss)", ("", [], title, body)),
            "ItemIsMenu": ("b", True), "Menu": ("o", MENU_PATH)}

    @staticmethod
    def menu_properties() -> dict[str, tuple[str, Any]]:
        """The com.canonical.dbusmenu interface's own properties."""
        return {"Version": ("u", 3), "TextDirection": ("s", "ltr"), "Status": ("s", "normal"),
                "IconThemePath": ("as", [])}

    def layout(self, parent: int = 0) -> tuple[int, tuple]:
        """GetLayout's answer: the revision and the root with every item as its child (or
        one item, childless, when `parent` names it)."""
        if parent != 0:
            item = next(i for i in self.items if i.id == parent)
            return self.revision, (item.id, _menu_props(item), [])
        children = [("(ia{sv}av)", (item.id, _menu_props(item), [])) for item in self.items]
        return self.revision, (0, ROOT_PROPS, children)

    # what a click does

    def activate(self, item_id: int) -> None:
        """Do what the menu item `item_id` says, then show the result at once."""
        item = next((i for i in self.items if i.id == item_id), None)
        if item is None or item.action is None:
            return
        if item.action == "quit":
            self.quit = True
            return
        store = self.follower.store()
        if store is None:
            log.warning("no database yet (is the daemon running?): %s does nothing",
                        item.label)
            return
        now = self.now()
        try:
            if item.action == "snooze":
                actions.snooze_for(store, now)
            elif item.action == "snooze_off":
                holds.snooze(store, None)
            elif item.action == "log":
                actions.log_with_people(store, now)
            elif item.action == "pause":
                actions.pause_for(store, now)
            elif item.action == "resume":
                holds.resume(store, now)
            elif item.action == "report":
                actions.open_report(store, self.config, now)
        except PresenceError as exc:
            # a menu item that cannot be done must not take the icon down
            log.warning("tray: %s did nothing: %s", item.label, exc)
            return
        log.info("tray: %s", item.label)
        self.follower.invalidate()
        self.refresh()

    # the bus

    def _signal(self, path: str, interface: str, name: str, signature: str | None = None,
                body: tuple = ()) -> None:
        from jeepney import DBusAddress, new_signal

        self.conn.send(new_signal(DBusAddress(path, interface=interface), name, signature,
                                  body))

    def register(self) -> None:
        """Own the item's name and register it with the watcher.

        Raises:
            TrayUnavailable: no watcher runs on this bus.
        """
        if not _watcher_present(self.conn):
            raise TrayUnavailable(NO_WATCHER)
        _call(self.conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
              "org.freedesktop.DBus", "RequestName", "su", (self.name, 4))
        # A watcher that restarts (a bar reloading) forgets its items: register again then.
        rule = (f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',"
                f"arg0='{WATCHER}'")
        _call(self.conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
              "org.freedesktop.DBus", "AddMatch", "s", (rule,))
        self._register_with_watcher()

    def _register_with_watcher(self) -> None:
        _call(self.conn, WATCHER, WATCHER_PATH, WATCHER, "RegisterStatusNotifierItem", "s",
              (self.name,))
        log.info("tray icon registered as %s", self.name)

    def serve(self) -> None:
        """Answer the hosts until Quit; refresh when the store may have changed."""
        from jeepney import MessageType

        self.refresh()
        self.register()
        while not self.quit:
            try:
                msg = self._next_message(self.follower.wait_seconds(self.now()))
            except OSError as exc:
                raise TrayUnavailable(f"the session bus went away ({exc}); the tray "
                                      "icon is gone with it") from exc
            if msg is not None:
                kind = msg.header.message_type
                if kind == MessageType.method_call:
                    self._answer(msg)
                elif kind == MessageType.signal and _member(msg) == "NameOwnerChanged":
                    if len(msg.body) == 3 and msg.body[0] == WATCHER and msg.body[2]:
                        self._register_with_watcher()
            self.refresh()

    def _next_message(self, timeout: float) -> Any:
        """The bus's next message within `timeout` seconds; None when none came, or when
        the follower's watcher (the store's folder was written) woke first."""
        for wait in (0.0, timeout):  # first one already read or waiting, without a wait
            if wait:
                fds = [fd for fd in (self.conn.sock, self.follower.fileno()) if fd is not None]
                if self.conn.sock not in select.select(fds, [], [], wait)[0]:
                    return None
            try:
                return self.conn.receive(timeout=0)
            except TimeoutError:
                pass  # nothing yet, or part of a message: the rest wakes the next wait
        return None

    def _answer(self, msg: Any) -> None:
        from jeepney import new_error, new_method_return
        from jeepney.low_level import HeaderFields

        fields = msg.header.fields
        path = fields.get(HeaderFields.path)
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        try:
            reply = self._dispatch(path, interface, member, msg.body)
        except (KeyError, ValueError, TypeError, IndexError, StopIteration) as exc:
            self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s",
                                     (str(exc),)))
            return
        if reply is None:
            self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                                     (f"no {interface}.{member} on {path}",)))
            return
        signature, body = reply
        self.conn.send(new_method_return(msg, signature, body))

    def _dispatch(self, path: str, interface: str | None, member: str,
                  body: tuple) -> tuple[str | None, tuple] | None:
        props = {ITEM_PATH: self.item_properties, MENU_PATH: self.menu_properties}
        if interface == INTROSPECTABLE and member == "Introspect":
            return "s", (_INTROSPECTION,)
        if interface == PROPERTIES and path in props:
            if member == "GetAll":
                return "a{sv}", (props[path](),)
            if member == "Get":
                return "v", (props[path]()[body[1]],)
            return None
        if path == ITEM_PATH and member in ("ContextMenu", "Activate", "SecondaryActivate",
                                            "Scroll"):
            return None, ()
        if path != MENU_PATH:
            return None
        if member == "GetLayout":
            return "u(ia{sv}av)", self.layout(body[0])
        if member == "GetGroupProperties":
            wanted = set(body[0])
            found = [(i.id, _menu_props(i)) for i in self.items if not wanted or i.id in wanted]
            if not wanted or 0 in wanted:
                found.insert(0, (0, ROOT_PROPS))
            return "a(ia{sv})", (found,)
        if member == "GetProperty":
            item = next(i for i in self.items if i.id == body[0])
            return "v", (_menu_props(item)[body[1]],)
        if member == "Event":
            if body[1] == "clicked":
                self.activate(body[0])
            return None, ()
        if member == "EventGroup":
            for item_id, event, _data, _stamp in body[0]:
                if event == "clicked":
                    self.activate(item_id)
            return "ai", ([],)
        if member == "AboutToShow":
            return "b", (False,)
        if member == "AboutToShowGroup":
            return "aiai", ([], [])
        return None


def _share(glance: Glance) -> float | None:
    """What the ring shows: the virtual share, or None (grey) while paused, stopped or empty."""
    if glance.state in ("paused", "stopped") or (
            glance.virtual_minutes + glance.in_person_minutes <= 0):
        return None
    return glance.virtual_share / 100


def _member(msg: Any) -> str | None:
    from jeepney.low_level import HeaderFields

    return msg.header.fields.get(HeaderFields.member)


def run_tray(db_path: Path, config: Config) -> int:
    """Show the tray icon until Quit (or SIGTERM); returns the exit code.

    Raises:
        TrayUnavailable: no session bus, or no tray hosting StatusNotifierItems on it.
    """
    conn = _connect()
    follower = Follower(db_path, config, watch=True)
    try:
        Tray(conn, follower, config).serve()
    finally:
        follower.close()
        conn.close()
    return 0
