"""Delivery off the sampling path: the worker thread that shows nudges and hears the answers.

The sampling thread `submit()`s nudges and collects outcomes with `drain()` and answers with
`answers()`; only that thread touches the database. The worker waits in `select` on a wake-up
pipe and the notifiers' bus sockets, so an idle daemon never wakes up for it; platform jobs (do
not disturb) run on it too, since a hung desktop service must not delay a sample either.
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
import threading
from collections.abc import Sequence
from presence.frozen import frozen
from typing import Any, Callable

from presence import clock
from presence.errors import NotifierUnavailable
from presence.model import Nudge
from presence.nudges.actions import Answer, Button
from presence.nudges.dnd import Keeper
from presence.nudges.notify import ACTIONS_EXPIRE_MS, DBUS_TIMEOUT_SECONDS, Notifier

log = logging.getLogger(__name__)


@frozen
class Delivery:
    """What became of one nudge."""

    nudge: Nudge
    channel: str
    delivered: bool
    error: str | None
    notification: int | None = None


def deliver(nudge: Nudge, notifiers: list[Notifier], buttons: Sequence[Button] = (),
            row: int | None = None, replaces: int = 0) -> Delivery:
    """Try each notifier in turn; log the nudge when none delivers."""
    errors = []
    for notifier in notifiers:
        try:
            shown = notifier.deliver(nudge, buttons, row, replaces)
        except NotifierUnavailable as exc:
            errors.append(f"{notifier.channel}: {exc}")
            continue
        return Delivery(nudge, notifier.channel, True, None, shown)
    error = "; ".join(errors) or "no notifier configured"
    log.warning("nudge not shown (%s): %s — %s", error, nudge.title, nudge.message)
    return Delivery(nudge, "log", False, error)


class Recorder:
    """An outbox that delivers at once to the given notifiers (replay, tests): no thread."""

    def __init__(self, notifiers: list[Notifier]):
        self.notifiers = notifiers
        self._done: list[Delivery] = []

    def submit(self, nudge: Nudge, row: int | None = None,
               buttons: Sequence[Button] = (), replaces: int = 0) -> None:
        """Deliver now and keep the outcome for `drain()`."""
        self._done.append(deliver(nudge, self.notifiers, buttons, row, replaces))

    def drain(self) -> list[Delivery]:
        """The outcomes since the last call."""
        done, self._done = self._done, []
        return done

    def answers(self) -> list[Answer]:
        """What the user answered (a recorder has no user)."""
        return []

    def run(self, job: Callable[[], Any]) -> None:
        """Run a platform job (do not disturb) at once."""
        job()

    def close(self) -> list[Delivery]:
        """The outcomes not drained yet."""
        return self.drain()


class Dispatcher:
    """Delivers nudges and listens for answers on a worker thread, so a hung server never
    delays a sample.

    The sampling thread `submit()`s nudges and collects outcomes with `drain()` and answers with
    `answers()`; only that thread touches the database. `run()` hands the worker other platform
    jobs (do not disturb) that must not block sampling either.
    """

    def __init__(self, notifiers: list[Notifier], keeper: Keeper | None = None):
        """Start the worker.

        Args:
            notifiers: tried in order for each nudge.
            keeper: the do-not-disturb keeper, lifted while presence's own nudge shows.
        """
        self.notifiers = notifiers
        self.keeper = keeper
        self._inbox: queue.Queue[Any] = queue.Queue()
        self._outbox: queue.Queue[Delivery] = queue.Queue()
        self._answers: queue.Queue[Answer] = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        # called on the worker thread after each outcome or answer: the daemon's loop, which
        # may be asleep past many ticks (`presence.pacing`), wakes to take it in
        self.on_outcome: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._work, name="presence-notify", daemon=True)
        self._thread.start()

    @property
    def channels(self) -> str:
        """The channels tried, in order (for status)."""
        return ", ".join(n.channel for n in self.notifiers) or "log"

    def _put(self, item: Any) -> None:
        self._inbox.put(item)
        os.write(self._wake_w, b"x")

    def submit(self, nudge: Nudge, row: int | None = None,
               buttons: Sequence[Button] = (), replaces: int = 0) -> None:
        """Queue a nudge for delivery (replacing notification `replaces`); returns at once."""
        self._put((nudge, row, tuple(buttons), replaces))

    def run(self, job: Callable[[], Any]) -> None:
        """Queue a platform job for the worker; returns at once."""
        self._put(job)

    def drain(self) -> list[Delivery]:
        """The outcomes that arrived since the last call."""
        return _empty(self._outbox)

    def answers(self) -> list[Answer]:
        """The user's answers that arrived since the last call."""
        return _empty(self._answers)

    def _work(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ)
        watched: dict[int, Any] = {}
        keeper = self.keeper
        try:
            while True:
                due = keeper.due() if keeper is not None else None
                wait = None if due is None else max(0.0, due - clock.steady())
                for key, _ in selector.select(wait):
                    if key.fd == self._wake_r:
                        os.read(self._wake_r, 4096)
                if keeper is not None and (due := keeper.due()) is not None \
                        and clock.steady() >= due:
                    keeper.rehold()
                while True:
                    try:
                        item = self._inbox.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        return
                    if callable(item):
                        _run_job(item)
                    else:
                        self._show(*item)
                for notifier in self.notifiers:
                    for answer in getattr(notifier, "answers", list)():
                        if keeper is not None:
                            keeper.closed(answer.notification)
                        self._answers.put(answer)
                        self._told()
                self._watch(selector, watched)
        finally:
            selector.close()

    def _show(self, nudge: Nudge, row: int | None, buttons: Sequence[Button],
              replaces: int) -> None:
        keeper = self.keeper
        if keeper is not None:
            keeper.before_show()
        delivery = deliver(nudge, self.notifiers, buttons, row, replaces)
        if keeper is not None:
            # Held again when the nudge closes, or once it must have expired.
            keeper.after_show(delivery.notification if delivery.delivered else None,
                              clock.steady() + ACTIONS_EXPIRE_MS / 1000 + 1.0)
        self._outbox.put(delivery)
        self._told()

    def _told(self) -> None:
        if self.on_outcome is not None:
            self.on_outcome()

    def _watch(self, selector: selectors.BaseSelector, watched: dict[int, Any]) -> None:
        """Wait on the sockets of the notifiers that are connected now.

        A reconnected notifier may get its old socket's number back: the socket object, not
        the number, says whether it is already watched.
        """
        socks = [sock for n in self.notifiers
                 if (sock := getattr(n, "listening", lambda: None)()) is not None
                 and sock.fileno() >= 0]
        now = {sock.fileno(): sock for sock in socks}
        for fd in list(watched):
            if now.get(fd) is not watched[fd]:
                try:
                    selector.unregister(fd)
                except (KeyError, ValueError):
                    pass
                del watched[fd]
        for fd, sock in now.items():
            if fd not in watched:
                selector.register(fd, selectors.EVENT_READ)
                watched[fd] = sock

    def close(self, timeout: float = DBUS_TIMEOUT_SECONDS + 1) -> list[Delivery]:
        """Finish queued deliveries (bounded by `timeout`), stop, and return the outcomes."""
        self._put(None)
        self._thread.join(timeout)
        for notifier in self.notifiers:
            notifier.close()
        if not self._thread.is_alive():
            os.close(self._wake_r)
            os.close(self._wake_w)
        return self.drain()


def _empty(box: queue.Queue[Any]) -> list[Any]:
    out = []
    while True:
        try:
            out.append(box.get_nowait())
        except queue.Empty:
            return out


def _run_job(job: Callable[[], Any]) -> None:
    try:
        job()
    except Exception:  # a platform job must never end the worker  # noqa: BLE001
        log.exception("notification job failed")
