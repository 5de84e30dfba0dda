"""X11 probe: the active window and the idle time, over one persistent python-xlib connection.

The foreground window comes from `_NET_ACTIVE_WINDOW` where an EWMH window manager runs, else
from the input focus walked up to the top-level window that has a WM_CLASS. Its owner's pid
comes from the X-Resource extension (the server's own record of the client's socket, right even
for Flatpak apps in a pid namespace or windows forwarded over ssh) and from `_NET_WM_PID` where
the server cannot tell; psutil turns the pid into the process name and executable.

Cost matters: at a 1 s interval a sample must stay well under 0.5 ms, and one X round trip costs
~0.1 ms here. So the probe listens instead of asking: it subscribes to property changes on the
root window (the active window, the WM check) and on the window in front (title, class, pid),
and re-reads a property only after the server said it changed. A steady sample costs a single
round trip — the MIT-SCREEN-SAVER idle query — and not even that while the answer cannot
matter: the daemon needs the idle time only to tell whether it passed `[daemon] idle_seconds`
(`idle_limit`), and without input since the last answer the idle time grows exactly with the
clock. So below the limit a sample carries the bound "the last answer plus the time since",
and the server is asked again only once that bound passes the limit (every three minutes or
so while someone works), or on every sample while it is past it (to see the user come back).
A dead connection still shows at once: the socket turns readable at its end, and the check
for pending events reads it (issue 18: a quiet daemon). Nor need the daemon wake to ask:
`quiet_until()` names the socket and the sample time (the idle bound reaching the limit)
before which no read shows anything new unless an event arrives (`presence.pacing`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.ctext import decode_compound_text, decode_string
from presence.probe.names import ProcessCache, choose_app

log = logging.getLogger(__name__)

_TITLE_UNITS = 1024  # 32-bit units: titles beyond 4 KiB are cut, which no rule needs
_WALK_DEPTH = 8  # focus → top-level is short; a bound keeps a weird tree from looping
# The X extensions the probe speaks: idle time, and the client's pid. python-xlib otherwise
# imports a module and asks a round trip for each of the ~15 a server offers (0.8 MB resident
# in a daemon that lives for days).
_EXTENSIONS = ("MIT-SCREEN-SAVER", "X-Resource")


class _Tracked:
    """What the probe knows about the window in front; refreshed when the server says so."""

    __slots__ = ("id", "app", "title", "exe", "pid", "title_stale", "owner_stale")

    def __init__(self, wid: int) -> None:
        self.id = wid
        self.app: str | None = None
        self.title: str | None = None
        self.exe: str | None = None
        self.pid: int | None = None
        self.title_stale = True
        self.owner_stale = True


class X11Probe:
    """The foreground app and idle seconds of an X11 display.

    The connection opens at the first `read()`; after it breaks, `read()` raises
    `ProbeUnavailable` and the next `read()` tries to connect again.
    """

    name = "x11"
    guess = False

    def __init__(self, display: str | None) -> None:
        """Check that a display is named and python-xlib is importable; connect nothing yet.

        Args:
            display: the X display name (`:0`), usually `$DISPLAY`.

        Raises:
            ProbeUnavailable: no display name, or python-xlib missing.
        """
        if not display:
            raise ProbeUnavailable("no X display: DISPLAY is not set")
        try:
            import Xlib.display  # noqa: F401  (checked here so the failure is early and clear)
        except ImportError as exc:
            raise ProbeUnavailable("python-xlib is not installed: pip install python-xlib") from exc
        self.display = display
        self._conn: _Connection | None = None
        self._processes = ProcessCache()
        self.idle_limit: float | None = None  # idle must be exact only above it (None: always)

    def read(self, now: float) -> Sample:
        """The window in front at `now` and the idle seconds.

        Raises:
            ProbeUnavailable: the display cannot be opened or the connection broke.
        """
        from Xlib import error

        if self._conn is None:
            self._conn = _Connection(self.display)
        try:
            return self._conn.sample(now, self._processes, self.idle_limit)
        except (error.ConnectionClosedError, error.DisplayError, OSError) as exc:
            self.close()
            raise ProbeUnavailable(f"lost the X display {self.display}: {exc}") from exc

    def quiet_until(self) -> tuple[int, float] | None:
        """The socket, and the sample time before which no read shows anything new unless
        an event arrives on it; None when the next read must ask (not connected, something
        not read yet, the user away, no EWMH window manager: the focus is asked each read)."""
        conn = self._conn
        return None if conn is None else conn.quiet_until(self.idle_limit)

    def close(self) -> None:
        """Close the X connection, if open."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class _Connection:
    """One open display with its interned atoms and the event-driven view of the front window."""

    def __init__(self, display_name: str) -> None:
        from Xlib import X, Xatom, display, error, ext

        self.X = X
        self.error = error
        # python-xlib reads the list of extensions to load from this module global when a
        # display opens: it is narrowed for this open only
        every = ext.__extensions__
        ext.__extensions__ = [pair for pair in every if pair[0] in _EXTENSIONS]
        try:
            self.d = display.Display(display_name)
        # python-xlib reports an unusable DISPLAY in many ways (a display number past the TCP
        # port range is an OverflowError); each means "no display here"
        except (error.DisplayError, error.ConnectionClosedError, error.XauthError, OSError,
                ValueError, OverflowError) as exc:
            raise ProbeUnavailable(f"cannot open X display {display_name}: {exc}") from exc
        finally:
            ext.__extensions__ = every
        try:
            self._setup(Xatom)
        except (error.ConnectionClosedError, OSError) as exc:
            self.close()
            raise ProbeUnavailable(f"lost the X display {display_name}: {exc}") from exc

    def _setup(self, Xatom: Any) -> None:
        d, X = self.d, self.X
        # errors of requests without replies (event masks on a window that just vanished) are
        # expected; python-xlib would print them to stderr
        d.set_error_handler(self._async_error)
        self.root = d.screen().root
        self.a_active = d.intern_atom("_NET_ACTIVE_WINDOW")
        self.a_check = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
        self.a_pid = d.intern_atom("_NET_WM_PID")
        self.a_net_name = d.intern_atom("_NET_WM_NAME")
        self.a_class, self.a_name = Xatom.WM_CLASS, Xatom.WM_NAME
        self.a_window, self.a_string = Xatom.WINDOW, Xatom.STRING
        self.a_compound = d.intern_atom("COMPOUND_TEXT")
        self.has_idle = d.has_extension("MIT-SCREEN-SAVER")
        if not self.has_idle:
            log.warning("X server %s has no MIT-SCREEN-SAVER extension: idle time unknown",
                        d.get_display_name())
        self.has_res = False
        if d.has_extension("X-Resource"):
            version = d.res_query_version()
            # QueryClientIds arrived in X-Resource 1.2
            self.has_res = (version.server_major, version.server_minor) >= (1, 2)
        # subscribe before the first read, so no change between the two is missed
        self.root.change_attributes(event_mask=X.PropertyChangeMask)
        self.wm_stale = True
        self.ewmh = False
        self.check_window: int | None = None
        self.active_stale = True
        self.active: int | None = None
        self.tracked: _Tracked | None = None
        self.focus_key: tuple[int, int] | None = None
        # the server's last idle answer and the sample time it was asked at
        self.idle_asked: tuple[float, float] | None = None

    def close(self) -> None:
        with contextlib.suppress(self.error.ConnectionClosedError, OSError):
            self.d.close()

    def _async_error(self, err: Any, request: Any) -> None:
        log.debug("X error on a request without reply: %s", err)

    # -- one sample ----------------------------------------------------------------------------

    def sample(self, now: float, processes: ProcessCache, idle_limit: float | None) -> Sample:
        # the idle query first when there is one: its reply brings in every event before it
        idle = self._idle(now, idle_limit)
        self._drain_events()
        if self.wm_stale:
            self._check_wm()
        window = self._active_window() if self.ewmh else self._focused_client()
        tracked = self.tracked
        if window is None:
            self._untrack()
            return Sample(at=now, app=None, idle=idle)
        if tracked is None or tracked.id != window:
            tracked = self._track(window)
        if tracked.owner_stale:
            self._read_owner(tracked, processes)
        if tracked.title_stale:
            tracked.title = self._title(tracked.id)
            tracked.title_stale = False
        return Sample(at=now, app=tracked.app, title=tracked.title, exe=tracked.exe,
                      pid=tracked.pid, idle=idle)

    def quiet_until(self, limit: float | None) -> tuple[int, float] | None:
        tracked, inner = self.tracked, self.d.display
        # (events read with a reply, or a subscription not sent yet: the socket cannot tell)
        if not self.ewmh or self.wm_stale or self.active_stale or inner.event_queue or \
                inner.data_send or (tracked is not None and (tracked.title_stale
                                                             or tracked.owner_stale)):
            return None
        if not self.has_idle:
            return self.d.fileno(), math.inf
        asked = self.idle_asked
        if limit is None or asked is None or asked[1] > limit:
            return None  # while the user is away only asking tells when they are back
        return self.d.fileno(), asked[0] + (limit - asked[1])  # the bound reaches the limit

    def _idle(self, now: float, limit: float | None) -> float | None:
        """The idle seconds at `now`: asked of the server, or below `limit` the bound the
        last answer gives (see the module's docstring)."""
        if not self.has_idle:
            return None
        asked = self.idle_asked
        if limit is not None and asked is not None and asked[0] <= now:
            bound = asked[1] + (now - asked[0])
            if bound <= limit:
                return bound
        idle = self.root.screensaver_query_info().idle / 1000.0
        self.idle_asked = (now, idle)
        return idle

    def _drain_events(self) -> None:
        X, d = self.X, self.d
        while d.pending_events():
            event = d.next_event()
            window = getattr(event, "window", None)
            wid = getattr(window, "id", window)
            tracked = self.tracked
            if event.type == X.PropertyNotify:
                if wid == self.root.id:
                    if event.atom == self.a_active:
                        self.active_stale = True
                    elif event.atom == self.a_check:
                        self.wm_stale = True
                elif tracked is not None and wid == tracked.id:
                    if event.atom in (self.a_net_name, self.a_name):
                        tracked.title_stale = True
                    elif event.atom in (self.a_class, self.a_pid):
                        tracked.owner_stale = True
            elif event.type == X.DestroyNotify:
                if wid == self.check_window:
                    self.wm_stale = True  # the window manager went away
                elif tracked is not None and wid == tracked.id:
                    self.tracked = None
                    self.active_stale = True
                    self.focus_key = None

    # -- which window is in front --------------------------------------------------------------

    def _check_wm(self) -> None:
        """An EWMH window manager runs when the root's check window points at itself."""
        self.wm_stale = False
        self.ewmh, self.check_window = False, None
        check = self._window_property(self.root.id, self.a_check, self.a_window)
        if check and self._window_property(check, self.a_check, self.a_window) == check:
            window = self.d.create_resource_object("window", check)
            window.change_attributes(event_mask=self.X.StructureNotifyMask)
            self.ewmh, self.check_window = True, check
        self.active_stale = True
        self.focus_key = None
        log.debug("EWMH window manager: %s", self.ewmh)

    def _active_window(self) -> int | None:
        if self.active_stale:
            self.active = self._window_property(self.root.id, self.a_active, self.a_window) or None
            self.active_stale = False
        return self.active

    def _focused_client(self) -> int | None:
        """The client window holding the keyboard focus, for sessions without EWMH."""
        X = self.X
        focus = self.d.get_input_focus().focus
        fid = getattr(focus, "id", focus)
        if fid in (X.NONE, X.PointerRoot, self.root.id):
            # keystrokes go to the top-level window under the pointer
            child = self.root.query_pointer().child
            fid = getattr(child, "id", child)
            if fid == X.NONE:
                return None
        # the resolved client is cached until the focus moves or that window goes away
        if self.focus_key is not None and self.focus_key[0] == fid:
            return self.focus_key[1]
        try:
            client = self._client_of(fid)
        except self.error.XError as exc:
            log.debug("focus window %#x vanished: %s", fid, exc)
            return None
        if client is not None:
            self.focus_key = (fid, client)
        return client

    def _client_of(self, wid: int) -> int | None:
        window = self.d.create_resource_object("window", wid)
        for _ in range(_WALK_DEPTH):
            if self._has_class(window.id):
                return window.id
            parent = window.query_tree().parent
            parent_id = getattr(parent, "id", parent)
            if parent_id in (self.X.NONE, self.root.id):
                break
            window = parent
        # a reparenting window manager without EWMH: the client sits below its frame
        for child in reversed(window.query_tree().children):
            if self._has_class(child.id):
                return child.id
        return None

    def _has_class(self, wid: int) -> bool:
        prop = self.d.create_resource_object("window", wid).get_property(
            self.a_class, self.a_string, 0, 0)
        return prop is not None and prop.property_type != self.X.NONE

    # -- what the window in front is ------------------------------------------------------------

    def _track(self, wid: int) -> _Tracked:
        self._untrack()
        window = self.d.create_resource_object("window", wid)
        # subscribe first, read after: a change in between is either seen or reported
        window.change_attributes(event_mask=self.X.PropertyChangeMask | self.X.StructureNotifyMask)
        self.tracked = _Tracked(wid)
        return self.tracked

    def _untrack(self) -> None:
        tracked, self.tracked = self.tracked, None
        if tracked is not None:
            window = self.d.create_resource_object("window", tracked.id)
            window.change_attributes(event_mask=self.X.NoEventMask)

    def _read_owner(self, tracked: _Tracked, processes: ProcessCache) -> None:
        """App, pid and exe of the tracked window; what a vanished window leaves is None."""
        tracked.owner_stale = False
        wid = tracked.id
        instance = klass = None
        pid: int | None = None
        try:
            instance, klass = self._wm_class(wid)
            pid = self._client_pid(wid) or self._window_property(wid, self.a_pid, None) or None
        except self.error.XError as exc:
            log.debug("window %#x vanished while reading it: %s", wid, exc)
        proc = processes.lookup(pid)
        tracked.app = choose_app(proc.name, instance, klass)
        tracked.pid, tracked.exe = proc.pid, proc.exe

    def _wm_class(self, wid: int) -> tuple[str | None, str | None]:
        prop = self.d.create_resource_object("window", wid).get_property(
            self.a_class, self.a_string, 0, 64)
        if prop is None or not prop.value:
            return None, None
        parts = [p.decode("latin-1") or None for p in bytes(prop.value).split(b"\0")]
        return (parts + [None, None])[0], (parts + [None, None])[1]

    def _client_pid(self, wid: int) -> int | None:
        """The pid the X server recorded for the client that owns `wid` (X-Resource 1.2)."""
        if not self.has_res:
            return None
        from Xlib.ext import res

        reply = self.d.res_query_client_ids([{"client": wid, "mask": res.LocalClientPIDMask}])
        for ident in reply.ids:
            if ident.spec.mask & res.LocalClientPIDMask and ident.value:
                return int(ident.value[0])
        return None

    def _title(self, wid: int) -> str | None:
        window = self.d.create_resource_object("window", wid)
        try:
            # any type: some tools write _NET_WM_NAME as STRING, and a typed request would
            # then come back empty
            title = self._text(window.get_property(self.a_net_name, self.X.AnyPropertyType, 0,
                                                   _TITLE_UNITS))
            if title is None:
                title = self._text(window.get_property(self.a_name, self.X.AnyPropertyType, 0,
                                                       _TITLE_UNITS))
        except self.error.XError as exc:
            log.debug("window %#x vanished while reading its title: %s", wid, exc)
            return None
        return title

    def _text(self, prop: Any) -> str | None:
        if prop is None or prop.property_type == self.X.NONE or prop.format != 8:
            return None
        data = bytes(prop.value)
        # STRING is Latin-1 and COMPOUND_TEXT is ISO 2022 (ctext); UTF8_STRING, and what
        # else a client invents, is read as UTF-8
        if prop.property_type == self.a_string:
            return decode_string(data) or None
        if prop.property_type == self.a_compound:
            return decode_compound_text(data) or None
        return data.decode("utf-8", errors="replace") or None

    def _window_property(self, wid: int, atom: int, ptype: int | None) -> int | None:
        """The first value of a 32-bit property; None when absent or the window is gone."""
        window = self.d.create_resource_object("window", wid)
        try:
            prop = window.get_property(atom, ptype or self.X.AnyPropertyType, 0, 1)
        except self.error.XError as exc:
            log.debug("window %#x: no property %s: %s", wid, atom, exc)
            return None
        if prop is None or prop.format != 32 or not len(prop.value):
            return None
        return int(prop.value[0])
