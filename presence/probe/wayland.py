"""What the Wayland backends share: the window in front as a compositor reports it, and idle time
from the compositor's idle protocol through a `swayidle` child process.

Wayland has no standard protocol that tells a client which window has focus, so each compositor
backend (sway, Hyprland, GNOME, KDE) asks in its own way and hands a `Window` to `sample_of`.
Idle time does have protocols — `ext-idle-notify-v1` (sway ≥ 1.8, Hyprland, KWin) and the older
`org_kde_kwin_idle` (sway 1.7, KWin) — which swayidle speaks for us (DESIGN §5).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from presence import clock
from presence.model import Sample
from presence.probe.names import ProcessCache, choose_app

log = logging.getLogger(__name__)

# swayidle reports idleness after a whole number of seconds: 1 s is its finest granularity
IDLE_TIMEOUT_SECONDS = 1
# a swayidle that died is started again at most this often (it dies with its compositor, and
# on a compositor without an idle protocol it would die again at once)
RESTART_SECONDS = 30.0
INSTALL_SWAYIDLE = ("install swayidle (Debian/Ubuntu: apt-get install swayidle; Fedora: dnf "
                    "install swayidle; Arch: pacman -S swayidle) for idle time")


@dataclass(frozen=True)
class Window:
    """The focused window as a compositor describes it; fields are None where it did not say.

    Attributes:
        app_id: the Wayland app_id, or the X11 window class for an XWayland window.
        instance: the X11 WM_CLASS instance (XWayland windows only).
        title: the window title.
        pid: the owning process, as the compositor knows it.
    """

    app_id: str | None
    instance: str | None = None
    title: str | None = None
    pid: int | None = None


def sample_of(window: Window | None, now: float, idle: float | None,
              processes: ProcessCache) -> Sample:
    """The sample for the focused window (None: nothing in front).

    The app name comes from the process name unless that is a generic host (`electron`,
    `bwrap`, ...), then from the app_id or window class (`names.choose_app`), as on X11.
    A process that vanished leaves a partial sample: the app from the app_id, no pid or exe.

    Args:
        window: what the compositor reported, or None.
        now: UNIX seconds of the sample.
        idle: the idle seconds, or None when unknown.
        processes: the pid → name/exe cache.
    """
    if window is None:
        return Sample(at=now, app=None, idle=idle)
    proc = processes.lookup(window.pid)
    app = choose_app(proc.name, window.instance, window.app_id)
    return Sample(at=now, app=app, title=window.title or None, exe=proc.exe, pid=proc.pid,
                  idle=idle)


def _parent_death_signal() -> object | None:
    """A pre-exec hook that makes the child exit with its parent (Linux), or None elsewhere.

    Built before the fork: the hook itself only calls prctl, which is safe between fork and
    exec. Linux delivers the signal when the *thread* that forked exits, so the probe must be
    read from a long-lived thread (the daemon's loop is one).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))

    return hook


class IdleWatcher:
    """Idle seconds from a `swayidle` child that prints `idle` and `active` lines.

    swayidle runs `timeout 1 'echo idle' resume 'echo active'`; a reader thread stamps each line
    with the monotonic clock as it arrives, so the idle time is `1 s + time since "idle"`, exact
    to the second whatever the sampling interval. Before the first `idle` line the user counts
    as active: swayidle cannot tell how long input had been quiet before it started.

    Attributes:
        fix: what the user should do when `idle()` is None (for `doctor`), else None.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        """Remember the session environment; nothing starts until `start()`.

        Args:
            env: the environment with WAYLAND_DISPLAY and XDG_RUNTIME_DIR of the session.
        """
        self._env = dict(env)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._idle_since: float | None = None  # monotonic time input stopped; None = active
        self._running = False
        self._stopping = False  # close() ends swayidle on purpose: no warning then
        self._started_at: float | None = None
        self._last_lines: list[str] = []
        self.fix: str | None = None

    def start(self) -> None:
        """Start swayidle (again, if it died more than `RESTART_SECONDS` ago); never raises."""
        if self._running:
            return
        now = clock.steady()
        if self._started_at is not None and now - self._started_at < RESTART_SECONDS:
            return
        self._started_at = now
        self._reap()
        program = shutil.which("swayidle", path=self._env.get("PATH"))
        if program is None:
            self.fix = INSTALL_SWAYIDLE
            return
        command = [program, "-w", "timeout", str(IDLE_TIMEOUT_SECONDS), "echo idle",
                   "resume", "echo active"]
        try:
            # stderr joins stdout: swayidle's complaints (no idle protocol) reach our log
            self._proc = subprocess.Popen(
                command, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, bufsize=1,
                # swayidle must not outlive a daemon that was killed: it would hold the
                # compositor's idle notifications for nobody
                preexec_fn=_parent_death_signal())
        except OSError as exc:
            self.fix = f"swayidle could not start ({exc}); {INSTALL_SWAYIDLE}"
            return
        with self._lock:
            self._running, self._stopping, self._idle_since, self.fix = True, False, None, None
            self._last_lines = []
        self._reader = threading.Thread(target=self._read_lines, args=(self._proc,),
                                        name="presence-swayidle", daemon=True)
        self._reader.start()
        log.debug("swayidle started (pid %s)", self._proc.pid)

    def idle(self) -> float | None:
        """Seconds since the last input, at one-second granularity; None when unknown."""
        with self._lock:
            if not self._running:
                return None
            if self._idle_since is None:
                return 0.0
            return max(0.0, clock.steady() - self._idle_since)

    def _read_lines(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            stamp = clock.steady()
            line = raw.strip()
            with self._lock:
                if line == "idle":
                    self._idle_since = stamp - IDLE_TIMEOUT_SECONDS
                elif line == "active":
                    self._idle_since = None
                elif line:
                    self._last_lines = (self._last_lines + [line])[-3:]
        code = proc.wait()
        with self._lock:
            self._running = False
            if self._stopping:
                return
            why = "; ".join(self._last_lines) or f"exit code {code}"
            self.fix = (f"swayidle stopped ({why}): the compositor may lack an idle protocol "
                        "(ext-idle-notify-v1 or org_kde_kwin_idle)")
        log.warning("idle time unknown: %s", self.fix)

    def _reap(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with self._lock:
            self._stopping = True
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=2)
            self._reader = None
        if proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()

    def close(self) -> None:
        """Stop swayidle and its reader thread; a later `start()` starts it at once."""
        self._reap()
        with self._lock:
            self._running = False
        self._started_at = None


class SwayidleProbe:
    """What the sway, Hyprland and KDE backends share: idle time from a `swayidle` child and
    pids named through psutil. A backend finds the window in front and calls `_sample()`."""

    guess = False

    def __init__(self, env: Mapping[str, str]) -> None:
        """Prepare the idle watcher for the session in `env`; nothing starts yet."""
        self._idle = IdleWatcher(env)
        self._processes = ProcessCache()

    @property
    def idle_fix(self) -> str | None:
        """What to install or fix when idle time is unknown (for `doctor`); None when known."""
        return self._idle.fix

    def _sample(self, window: Window | None, now: float) -> Sample:
        self._idle.start()
        return sample_of(window, now, self._idle.idle(), self._processes)

    def close(self) -> None:
        """Stop swayidle."""
        self._idle.close()
