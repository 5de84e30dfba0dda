"""Notifier backends and the dispatcher that runs them off the sampling path.

On Linux presence speaks `org.freedesktop.Notifications` over D-Bus itself (jeepney) with a
short timeout, and learns from the reply whether the server took the notification. plyer serves
macOS and Windows; on Linux it is not used, because it ignores notify-send's exit code and can
block for a minute on a hung server (DESIGN §3). When nothing delivers, the nudge goes to the
log and is recorded as undelivered with the error — never counted as shown.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from dataclasses import dataclass
from typing import Protocol

from presence.errors import NotifierUnavailable
from presence.model import Nudge

log = logging.getLogger(__name__)

APP_NAME = "presence"
DBUS_TIMEOUT_SECONDS = 2.0
EXPIRE_MS = 15_000


class Notifier(Protocol):
    """Shows a nudge, or raises `NotifierUnavailable` saying why it could not."""

    channel: str

    def deliver(self, nudge: Nudge) -> None:
        """Show `nudge`; return only once the notification server accepted it."""
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
        self._conn = None
        self._last_id = 0

    def _call(self, method: str, signature: str | None = None, body: tuple = ()):
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        address = DBusAddress("/org/freedesktop/Notifications",
                              bus_name="org.freedesktop.Notifications",
                              interface="org.freedesktop.Notifications")
        try:
            if self._conn is None:
                self._conn = open_dbus_connection(bus="SESSION", auth_timeout=self.timeout)
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

    def deliver(self, nudge: Nudge) -> None:
        """Send `Notify` and wait (at most the timeout) for the server's id."""
        body = self._call("Notify", "susssasa{sv}i",
                          (APP_NAME, self._last_id, "", nudge.title, nudge.message, [],
                           {"urgency": ("y", 1), "category": ("s", "presence.nudge")},
                           self.expire_ms))
        self._last_id = int(body[0])

    def server(self) -> str:
        """The server's name and version (for `doctor`)."""
        name, vendor, version, _spec = self._call("GetServerInformation")
        return f"{name} {version} ({vendor})"

    def close(self) -> None:
        """Close the bus connection, if open."""
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None


class PlyerNotifier:
    """plyer's notification facade, for macOS and Windows."""

    channel = "plyer"

    def deliver(self, nudge: Nudge) -> None:
        """Show `nudge` through plyer; its errors become `NotifierUnavailable`."""
        try:
            from plyer import notification

            notification.notify(title=nudge.title, message=nudge.message, app_name=APP_NAME,
                                 timeout=EXPIRE_MS // 1000)
        except Exception as exc:  # plyer raises whatever its platform backend raises
            raise NotifierUnavailable(f"plyer could not notify: {exc}") from exc

    def close(self) -> None:
        """Nothing to release."""


def default_notifiers(platform: str = sys.platform) -> list[Notifier]:
    """The notifiers to try, in order, on `platform`."""
    if platform.startswith("linux") or "bsd" in platform:
        return [DbusNotifier()]
    return [PlyerNotifier()]


@dataclass(frozen=True)
class Delivery:
    """What became of one nudge."""

    nudge: Nudge
    channel: str
    delivered: bool
    error: str | None


def deliver(nudge: Nudge, notifiers: list[Notifier]) -> Delivery:
    """Try each notifier in turn; log the nudge when none delivers."""
    errors = []
    for notifier in notifiers:
        try:
            notifier.deliver(nudge)
        except NotifierUnavailable as exc:
            errors.append(f"{notifier.channel}: {exc}")
            continue
        return Delivery(nudge, notifier.channel, True, None)
    error = "; ".join(errors) or "no notifier configured"
    log.warning("nudge not shown (%s): %s — %s", error, nudge.title, nudge.message)
    return Delivery(nudge, "log", False, error)


class Recorder:
    """An outbox that delivers at once to the given notifiers (replay, tests): no thread."""

    def __init__(self, notifiers: list[Notifier]):
        self.notifiers = notifiers
        self._done: list[Delivery] = []

    def submit(self, nudge: Nudge) -> None:
        """Deliver now and keep the outcome for `drain()`."""
        self._done.append(deliver(nudge, self.notifiers))

    def drain(self) -> list[Delivery]:
        """The outcomes since the last call."""
        done, self._done = self._done, []
        return done

    def close(self) -> list[Delivery]:
        """The outcomes not drained yet."""
        return self.drain()


class Dispatcher:
    """Delivers nudges on a worker thread, so a hung server never delays a sample.

    The sampling thread `submit()`s nudges and collects the outcomes with `drain()`; only that
    thread touches the database.
    """

    def __init__(self, notifiers: list[Notifier]):
        self.notifiers = notifiers
        self._inbox: queue.Queue[Nudge | None] = queue.Queue()
        self._outbox: queue.Queue[Delivery] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="presence-notify", daemon=True)
        self._thread.start()

    @property
    def channels(self) -> str:
        """The channels tried, in order (for status)."""
        return ", ".join(n.channel for n in self.notifiers) or "log"

    def submit(self, nudge: Nudge) -> None:
        """Queue a nudge for delivery; returns at once."""
        self._inbox.put(nudge)

    def drain(self) -> list[Delivery]:
        """The outcomes that arrived since the last call."""
        out = []
        while True:
            try:
                out.append(self._outbox.get_nowait())
            except queue.Empty:
                return out

    def _work(self) -> None:
        while (nudge := self._inbox.get()) is not None:
            self._outbox.put(deliver(nudge, self.notifiers))

    def close(self, timeout: float = DBUS_TIMEOUT_SECONDS + 1) -> list[Delivery]:
        """Finish queued deliveries (bounded by `timeout`), stop, and return the outcomes."""
        self._inbox.put(None)
        self._thread.join(timeout)
        for notifier in self.notifiers:
            notifier.close()
        return self.drain()
