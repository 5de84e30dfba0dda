"""psutil-only probe: a guess at the foreground app where no window system answers.

Without a window system to ask (a Wayland compositor without a backend yet, a console session),
the best evidence is which chat, social or call app runs and worked since the last sample: an
app that the user reads and types in uses CPU, one in the background mostly sleeps. It is a
guess — `guess` is True so `doctor` can say so — and it knows neither titles nor idle time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.names import normalise

log = logging.getLogger(__name__)

# Normalised process names of the chat, social and call apps that the shipped rules know
# (config/default.toml); the probe watches only these.
CHAT_APPS = (
    r"^(slack|discord|discord-?canary|discord-?ptb|vesktop|webcord|telegram|telegram-desktop"
    r"|telegramdesktop|ayugram|kotatogram|signal|signal-desktop|signal-desktop-beta|whatsapp"
    r"|whatsapp-for-linux|whatsdesk|zapzap|wasistlos|element|element-desktop|nheko|fractal"
    r"|messenger|caprine|ms-teams|teams|microsoft teams|teams-for-linux|skype|skypeforlinux"
    r"|mattermost|mattermost-desktop|rocket\.chat|rocketchat-desktop|zulip|wire|threema|viber"
    r"|wechat|weixin|kakaotalk|hexchat|pidgin|dino|gajim|konversation|ferdium|franz|rambox"
    r"|beeper|zoom|zoom\.us|webex|facetime|jitsi-meet|tokodon|tuba|whalebird|caphost|cpthost)$"
)
RESCAN_SECONDS = 30.0  # new chat processes are noticed this late at most
MIN_SHARE = 0.02  # CPU share of one core (since the last read) that counts as "in use"


@dataclass
class _Watched:
    process: Any  # psutil.Process
    app: str
    cpu: float  # user + system seconds at the last read


class PsutilProbe:
    """Guesses the app in front from the CPU use of running chat processes."""

    name = "psutil"
    guess = True

    def __init__(self, apps: str = CHAT_APPS, min_share: float = MIN_SHARE) -> None:
        """Prepare the probe; processes are listed at the first read.

        Args:
            apps: regex on normalised process names that may be guessed as in front.
            min_share: least CPU share of one core since the last read for an app to count.

        Raises:
            ProbeUnavailable: psutil is not installed.
        """
        try:
            import psutil
        except ImportError as exc:
            raise ProbeUnavailable("psutil is not installed: pip install psutil") from exc
        self._psutil = psutil
        self._apps = re.compile(apps)
        self._min_share = min_share
        self._watched: dict[int, _Watched] = {}
        self._scanned_at: float | None = None
        self._last: float | None = None

    def read(self, now: float) -> Sample:
        """The chat app that used the most CPU since the last read, if it used enough.

        The first read only sets the baseline and reports no app.
        """
        if self._scanned_at is None or not 0 <= now - self._scanned_at < RESCAN_SECONDS:
            self._scan(now)
        used: dict[str, float] = {}
        busiest: dict[str, tuple[float, _Watched]] = {}
        for pid, watched in list(self._watched.items()):
            cpu = self._cpu(watched)
            if cpu is None:
                del self._watched[pid]
                continue
            delta = max(0.0, cpu - watched.cpu)
            watched.cpu = cpu
            used[watched.app] = used.get(watched.app, 0.0) + delta
            if delta >= busiest.get(watched.app, (-1.0, watched))[0]:
                busiest[watched.app] = (delta, watched)
        elapsed = None if self._last is None else now - self._last
        self._last = now
        if not elapsed or elapsed <= 0 or not used:
            return Sample(at=now, app=None, idle=None)
        app = max(used, key=used.__getitem__)
        if used[app] < self._min_share * elapsed:
            return Sample(at=now, app=None, idle=None)
        proc = busiest[app][1].process
        return Sample(at=now, app=app, exe=self._exe(proc), pid=proc.pid, idle=None)

    def close(self) -> None:
        """Forget the watched processes."""
        self._watched.clear()

    def _scan(self, now: float) -> None:
        """Refresh the set of watched processes: drop dead ones, add new chat processes."""
        psutil = self._psutil
        self._scanned_at = now
        for pid, watched in list(self._watched.items()):
            if not watched.process.is_running():  # also catches a reused pid
                del self._watched[pid]
        for proc in psutil.process_iter(["name"]):
            app = normalise(proc.info.get("name"))
            if proc.pid in self._watched or app is None or not self._apps.match(app):
                continue
            watched = _Watched(proc, app, 0.0)
            cpu = self._cpu(watched)
            if cpu is not None:
                # its CPU so far says nothing about now: count from this scan on
                watched.cpu = cpu
                self._watched[proc.pid] = watched
        log.debug("watching %d chat processes", len(self._watched))

    def _cpu(self, watched: _Watched) -> float | None:
        psutil = self._psutil
        try:
            times = watched.process.cpu_times()
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            return None
        return times.user + times.system

    def _exe(self, proc: Any) -> str | None:
        psutil = self._psutil
        try:
            return proc.exe() or None
        except (psutil.Error, OSError):
            return None
