"""Notifier backends and the dispatcher that runs them off the sampling path.

On Linux presence speaks `org.freedesktop.Notifications` over D-Bus itself (jeepney) with a
short timeout, and learns from the reply whether the server took the notification. plyer serves
macOS and Windows; on Linux it is not used, because it ignores notify-send's exit code and can
block for a minute on a hung server (DESIGN §3). When nothing delivers, the nudge goes to the
log and is recorded as undelivered with the error — never counted as shown.

Where the server lists `actions` in its capabilities, a nudge carries its buttons, and the
notifier hears `ActionInvoked` and `NotificationClosed` on the same connection (the worker in
`dispatch.py` waits on its socket). Where there are no actions (plyer on macOS and Windows, or
a server without them) the message says the command to type instead.

Do not disturb (`[focus] do_not_disturb`): the desktop's own switch where the server offers one
(dunst, mako, GNOME); `nudges/dnd.py` decides when to hold and give it back.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Protocol

from presence.errors import NotifierUnavailable
from presence.model import Nudge
from presence.nudges.actions import DISMISSED, EXPIRED, Answer, Button, parse_key
from presence.nudges.text import command_hint

log = logging.getLogger(__name__)

APP_NAME = "presence"
DBUS_TIMEOUT_SECONDS = 2.0
EXPIRE_MS = 15_000
# A nudge with buttons stays longer: time to reach for one.
ACTIONS_EXPIRE_MS = 45_000


# NotificationClosed reasons (Desktop Notifications spec): 1 expired, 2 dismissed by the user,
# 3 closed by a CloseNotification call, 4 undefined.
_CLOSED = {1: EXPIRED, 2: DISMISSED}


def with_hint(nudge: Nudge) -> str:
    """The message with the command that does what the buttons would (no actions shown)."""
    hint = command_hint(nudge.kind)
    return f"{nudge.message}\n{hint}" if hint else nudge.message


class Notifier(Protocol):
    """Shows a nudge, or raises `NotifierUnavailable` saying why it could not."""

    channel: str

    def deliver(self, nudge: Nudge, buttons: Sequence[Button] = (), row: int | None = None,
                replaces: int = 0) -> int | None:
        """Show `nudge` (with `buttons` where the server has actions); return only once the
        server accepted it, with its notification id where it has one."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class DbusNotifier:
    """The freedesktop notification service, spoken directly over the session bus.

    Each new notification replaces presence's previous one, so they never stack up.
    """

    channel = "dbus"

    def __init__(self, timeout: float = DBUS_TIMEOUT_SECONDS, expire_ms: int = EXPIRE_MS):
        self.timeout = timeout
        self.expire_ms = expire_ms
        self._conn: Any = None
        self._last_id = 0
        self._caps: frozenset[str] | None = None
        self._signals: deque[Any] = deque(maxlen=256)
        self._filter: Any = None
        # notification id → the nudge row it shows, for NotificationClosed (which names no row)
        self._shown: dict[int, int | None] = {}

    def _connect(self) -> Any:
        from jeepney.bus_messages import MatchRule, message_bus
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(bus="SESSION", auth_timeout=self.timeout)
        try:
            # Servers send the signals to the sender (dunst) or to everyone (GNOME Shell); the
            # match rule covers the second kind.
            rule = MatchRule(type="signal", interface="org.freedesktop.Notifications",
                             path="/org/freedesktop/Notifications")
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=self.timeout)
            self._filter = conn.filter(rule, queue=self._signals)
        except BaseException:
            conn.close()
            raise
        self._caps = None
        return conn

    def _call(self, method: str, signature: str | None = None, body: tuple = ()):
        from jeepney import DBusAddress, MessageType, new_method_call

        address = DBusAddress("/org/freedesktop/Notifications",
                              bus_name="org.freedesktop.Notifications",
                              interface="org.freedesktop.Notifications")
        try:
            if self._conn is None:
                self._conn = self._connect()
            reply = self._conn.send_and_get_reply(new_method_call(address, method, signature,
                                                                  body), timeout=self.timeout)
        except TimeoutError as exc:
            # A late reply must not be mistaken for the next call's: start a fresh connection.
            self.close()
            raise NotifierUnavailable(f"the notification server did not answer within "
                                      f"{self.timeout:g} s") from exc
        except KeyError as exc:
            raise NotifierUnavailable("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is "
                                      "not set") from exc
        except (OSError, ValueError, EOFError) as exc:
            self.close()
            raise NotifierUnavailable(f"cannot reach the D-Bus session bus "
                                      f"({exc or type(exc).__name__})") from exc
        if reply.header.message_type == MessageType.error:
            from jeepney.wrappers import DBusErrorResponse

            error = DBusErrorResponse(reply)
            if error.name == "org.freedesktop.DBus.Error.ServiceUnknown":
                raise NotifierUnavailable("no notification server on the session bus "
                                          "(org.freedesktop.Notifications is not owned)")
            raise NotifierUnavailable(f"the notification server refused: {error}")
        return reply.body

    def capabilities(self) -> frozenset[str]:
        """What the server offers (`actions`, `body`, ...), asked once per connection."""
        if self._caps is None or self._conn is None:
            caps = self._call("GetCapabilities")[0]
            self._caps = frozenset(str(c) for c in caps)
        return self._caps

    def deliver(self, nudge: Nudge, buttons: Sequence[Button] = (), row: int | None = None,
                replaces: int = 0) -> int:
        """Send `Notify` and wait (at most the timeout) for the server's id.

        Args:
            nudge: what to show.
            buttons: its actions; shown where the server has them, else the message names
                the command instead.
            row: the nudge's row, remembered with the id for `NotificationClosed`.
            replaces: a notification id to replace (0: presence's previous one).
        """
        actions: list[str] = []
        message = nudge.message
        if buttons and "actions" in self.capabilities():
            for button in buttons:
                actions += [button.key, button.label]
        elif buttons:
            message = with_hint(nudge)
        body = self._call("Notify", "susssasa{sv}i",
                          (APP_NAME, replaces or self._last_id, "", nudge.title, message,
                           actions, {"urgency": ("y", 1), "category": ("s", "presence.nudge")},
                           ACTIONS_EXPIRE_MS if actions else self.expire_ms))
        self._last_id = int(body[0])
        # Every id, buttons or not: its close also ends a do-not-disturb lift (`Keeper`).
        self._shown.pop(self._last_id, None)
        self._shown[self._last_id] = row
        while len(self._shown) > 64:
            self._shown.pop(next(iter(self._shown)))
        return self._last_id

    def listening(self) -> Any:
        """The bus socket to wait on for answers, while connected (else None)."""
        return self._conn.sock if self._conn is not None else None

    def answers(self) -> list[Answer]:
        """Button presses and closes of presence's notifications received so far (no wait)."""
        if self._conn is None and not self._signals:
            # nothing shown yet: jeepney stays out of the daemon until the first nudge
            return []
        from jeepney import HeaderFields

        if self._conn is not None:
            try:
                while True:
                    self._conn.recv_messages(timeout=0)
            except TimeoutError:
                pass
            except (OSError, ValueError, EOFError) as exc:
                log.info("notification bus connection lost: %s", exc)
                self.close()
        out = []
        while self._signals:
            message = self._signals.popleft()
            member = message.header.fields.get(HeaderFields.member)
            if member == "ActionInvoked":
                notification, key = message.body
                parsed = parse_key(str(key))
                if notification in self._shown or parsed is not None:
                    row = self._shown.pop(notification, None)
                    if parsed is not None:
                        out.append(Answer(parsed[1], parsed[0], int(notification)))
                    elif row is not None:
                        out.append(Answer(row, str(key), int(notification)))
            elif member == "NotificationClosed":
                notification, reason = message.body
                if notification in self._shown:
                    row = self._shown.pop(notification)
                    if reason in _CLOSED:
                        out.append(Answer(row, _CLOSED[reason], int(notification)))
        return out

    def server(self) -> str:
        """The server's name and version (for `doctor`)."""
        name, vendor, version, _spec = self._call("GetServerInformation")
        return f"{name} {version} ({vendor})"

    def close(self) -> None:
        """Close the bus connection, if open."""
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None


class PlyerNotifier:
    """plyer's notification facade, for macOS and Windows."""

    channel = "plyer"

    def deliver(self, nudge: Nudge, buttons: Sequence[Button] = (), row: int | None = None,
                replaces: int = 0) -> None:
        """Show `nudge` through plyer; its errors become `NotifierUnavailable`.

        plyer has no actions: the message names the command a button would have run.
        """
        try:
            from plyer import notification

            notification.notify(title=nudge.title,
                                message=with_hint(nudge) if buttons else nudge.message,
                                app_name=APP_NAME, timeout=EXPIRE_MS // 1000)
        except Exception as exc:  # plyer raises whatever its platform backend raises
            raise NotifierUnavailable(f"plyer could not notify: {exc}") from exc

    def close(self) -> None:
        """Nothing to release."""


def open_in_browser(page: Path) -> bool:
    """Open a local page in the user's browser (the "Open report" button); False if none."""
    import webbrowser

    try:
        return webbrowser.open(page.resolve().as_uri())
    except webbrowser.Error as exc:
        log.warning("cannot open %s in a browser: %s", page, exc)
        return False


def report_opener(db: Path, config_file: Path | None, out: Path) -> Callable[[], None]:
    """What the "Open report" button runs: `presence report --open` in a child process, so
    neither the report's work nor the browser ever holds up sampling."""
    def open_report() -> None:
        argv = [sys.executable, "-m", "presence", "--db", str(db)]
        argv += ["--config", str(config_file)] if config_file else []
        subprocess.Popen(argv + ["report", "--out", str(out), "--force", "--open"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)

    return open_report


def default_notifiers(platform: str = sys.platform) -> list[Notifier]:
    """The notifiers to try, in order, on `platform`."""
    if platform.startswith("linux") or "bsd" in platform:
        return [DbusNotifier()]
    return [PlyerNotifier()]


class RecordingNotifier:
    """A notifier that displays nothing and counts every nudge as shown, on `channel`, keeping
    what it was given in `shown` (replay, soak runs, tests)."""

    def __init__(self, channel: str = "recorded"):
        self.channel = channel
        self.shown: list[Nudge] = []

    def deliver(self, nudge: Nudge, buttons: Sequence[Button] = (), row: int | None = None,
                replaces: int = 0) -> int | None:
        """Keep the nudge as shown."""
        self.shown.append(nudge)
        return None

    def close(self) -> None:
        """Nothing to release."""


# Do not disturb (DESIGN §3, issue 15): one backend per notification server that has a switch.

_COMMAND_SECONDS = 5.0


def _run(*argv: str) -> str:
    """Run a desktop tool; its stdout. Failures become `NotifierUnavailable`."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_COMMAND_SECONDS,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NotifierUnavailable(f"{argv[0]} failed: {exc}") from exc
    if done.returncode != 0:
        raise NotifierUnavailable(f"{' '.join(argv)} failed: {done.stderr.strip()[:200]}")
    return done.stdout.strip()


class DunstSwitch:
    """dunst: `dunstctl set-paused` holds every notification until unpaused.

    dunst 1.9 holds critical notifications too while paused (verified), so presence's own
    nudge is shown by unpausing for as long as it is on screen (`Keeper.showing`).
    """

    name = "dunst"
    tool = "dunstctl"

    def state(self) -> Any:
        """Whether dunst is paused now."""
        return _run("dunstctl", "is-paused") == "true"

    def hold(self) -> None:
        """Pause dunst."""
        _run("dunstctl", "set-paused", "true")

    def restore(self, state: Any) -> None:
        """Pause or unpause dunst as it was."""
        _run("dunstctl", "set-paused", "true" if state else "false")


class MakoSwitch:
    """mako: the `do-not-disturb` mode (`makoctl mode -a do-not-disturb`)."""

    name = "mako"
    tool = "makoctl"
    MODE = "do-not-disturb"

    def state(self) -> Any:
        """mako's active modes."""
        return _run("makoctl", "mode").split()

    def hold(self) -> None:
        """Add the do-not-disturb mode."""
        _run("makoctl", "mode", "-a", self.MODE)

    def restore(self, state: Any) -> None:
        """Set exactly the modes that were active."""
        _run("makoctl", "mode", "-s", *[str(m) for m in state])


class GnomeSwitch:
    """GNOME Shell: `org.gnome.desktop.notifications show-banners`."""

    name = "gnome"
    tool = "gsettings"
    KEY = ("org.gnome.desktop.notifications", "show-banners")

    def state(self) -> Any:
        """Whether banners are shown."""
        return _run("gsettings", "get", *self.KEY) == "true"

    def hold(self) -> None:
        """Hide banners."""
        _run("gsettings", "set", *self.KEY, "false")

    def restore(self, state: Any) -> None:
        """Show or hide banners as before."""
        _run("gsettings", "set", *self.KEY, "true" if state else "false")


SWITCHES = {s.name: s for s in (DunstSwitch, MakoSwitch, GnomeSwitch)}
# GetServerInformation's name → the switch for that server.
_SERVERS = {"dunst": "dunst", "mako": "mako", "gnome-shell": "gnome"}


def switch_for(server: str | None) -> Any:
    """The do-not-disturb switch of a notification server (by its GetServerInformation name),
    or None where presence knows none or its tool is missing."""
    name = _SERVERS.get((server or "").strip().lower())
    import shutil  # only here: it imports bz2 and lzma, which a sampling daemon never needs

    if name is None or shutil.which(SWITCHES[name].tool) is None:
        return None
    return SWITCHES[name]()


def server_name(timeout: float = DBUS_TIMEOUT_SECONDS) -> str | None:
    """The session's notification server's name, or None without one."""
    notifier = DbusNotifier(timeout=timeout)
    try:
        return str(notifier._call("GetServerInformation")[0])
    except NotifierUnavailable:
        return None
    finally:
        notifier.close()
