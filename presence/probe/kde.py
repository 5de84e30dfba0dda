"""KDE Plasma probe: the active window through `kdotool`, idle time through swayidle.

KWin on Wayland tells the active window only to KWin scripts. kdotool
(https://github.com/jinliu/kdotool) loads a generated script into KWin over D-Bus, runs it and
prints the result, the way xdotool would on X11. One invocation per sample:
`kdotool getactivewindow getwindowclassname getwindowpid getwindowname` prints the window's
resource class, its pid and its caption, one per line (kdotool's templates: each `getwindow*`
step outputs one result for the active window). The caption comes last because it is the only
part that could hold a line break. Idle comes from KWin's ext-idle-notify-v1 / org_kde_kwin_idle
through the same swayidle child as on sway.

Loading a KWin script costs KWin some milliseconds each time, which is why this backend suits
the default 5 s interval better than a 1 s one. Not tried against a real KWin: the parsing is
tested on kdotool's documented output, the process handling with a stand-in `kdotool`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Mapping

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.wayland import SwayidleProbe, Window

log = logging.getLogger(__name__)

KDOTOOL_TIMEOUT_SECONDS = 3.0
COMMAND = ("getactivewindow", "getwindowclassname", "getwindowpid", "getwindowname")
INSTALL_KDOTOOL = ("KDE Plasma on Wayland shows the active window only to KWin scripts: install "
                   "kdotool (https://github.com/jinliu/kdotool; `cargo install kdotool`, or your "
                   "distribution's kdotool package) and put it on PATH")


def parse_kdotool(output: str) -> Window | None:
    """The active window from kdotool's output (class, pid, caption lines).

    Args:
        output: kdotool's stdout.

    Returns:
        The window, or None when kdotool printed nothing (no active window: the desktop).
    """
    lines = output.split("\n")
    if output.endswith("\n"):
        lines.pop()
    if not any(line.strip() for line in lines):
        return None
    klass = lines[0].strip() or None
    pid_text = lines[1].strip() if len(lines) > 1 else ""
    pid = int(pid_text) if pid_text.isdigit() and int(pid_text) > 0 else None
    title = "\n".join(lines[2:]) or None
    return Window(app_id=klass, title=title, pid=pid)


class KdeProbe(SwayidleProbe):
    """The active window and idle seconds of a KDE Plasma session, through kdotool.

    """

    name = "kde"

    def __init__(self, env: Mapping[str, str]) -> None:
        """Find kdotool on PATH; run nothing yet.

        Raises:
            ProbeUnavailable: kdotool is not installed (the message says where to get it).
        """
        program = shutil.which("kdotool", path=env.get("PATH"))
        if program is None:
            raise ProbeUnavailable(INSTALL_KDOTOOL)
        self.program = program
        self._env = dict(env)
        super().__init__(env)

    def read(self, now: float) -> Sample:
        """The active window at `now` and the idle seconds.

        Raises:
            ProbeUnavailable: kdotool failed (no KWin on the bus, or it vanished) or hung.
        """
        try:
            done = subprocess.run([self.program, *COMMAND], env=self._env, capture_output=True,
                                  text=True, timeout=KDOTOOL_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ProbeUnavailable(f"kdotool did not answer within {KDOTOOL_TIMEOUT_SECONDS:g} "
                                   "s") from exc
        except OSError as exc:
            raise ProbeUnavailable(f"kdotool could not run: {exc}") from exc
        if done.returncode != 0:
            why = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
            raise ProbeUnavailable(f"kdotool failed: {why[0]}")
        window = parse_kdotool(done.stdout)
        return self._sample(window, now)

