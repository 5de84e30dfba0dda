"""Start presence at login: a systemd user unit or an XDG autostart entry on Linux, a
LaunchAgent on macOS, the Run key on Windows.

`install` is idempotent and `uninstall` removes exactly what `install` wrote: every file
carries a marker line, and a file without it is never touched.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from presence.errors import PresenceError

MARKER = "Written by `presence autostart install`; `presence autostart uninstall` removes it."
UNIT_NAME = "presence.service"
LABEL = "io.github.presence.daemon"
RUN_VALUE = "presence"
# What a graphical login exports that presence's probes and notifier need.
SESSION_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_CURRENT_DESKTOP",
                     "XDG_SESSION_TYPE", "DBUS_SESSION_BUS_ADDRESS", "SWAYSOCK",
                     "HYPRLAND_INSTANCE_SIGNATURE")
METHODS = ("systemd", "xdg", "launchd", "windows")


@dataclass(frozen=True)
class Outcome:
    """What an autostart action did, in words, and the files it concerns."""

    method: str
    message: str
    path: Path | None = None


def command(extra: list[str] | None = None) -> list[str]:
    """The command line that starts the daemon with this interpreter and these options."""
    return [sys.executable, "-m", "presence", *(extra or []), "run"]


def render_unit(argv: list[str]) -> str:
    """A systemd user unit tied to the graphical session."""
    return "\n".join([
        f"# {MARKER}",
        "[Unit]",
        "Description=presence: notices when chat crowds out time with real people",
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={shlex.join(argv)}",
        "Restart=on-failure",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=graphical-session.target",
        "",
    ])


def render_desktop_entry(argv: list[str]) -> str:
    """An XDG autostart entry, for sessions that systemd does not manage."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=presence",
        "Comment=Notices when chat crowds out time with real people",
        f"Exec={shlex.join(argv)}",
        "NoDisplay=true",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        f"# {MARKER}",
        "",
    ])


def render_plist(argv: list[str], log_path: Path) -> bytes:
    """A LaunchAgent: started at login, restarted when it exits with an error."""
    return plistlib.dumps({
        "Label": LABEL,
        "Comment": MARKER,
        "ProgramArguments": argv,
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "StandardErrorPath": str(log_path),
        "ProcessType": "Background",
    })


def target(method: str, home: Path | None = None) -> Path:
    """Where `method` keeps its file (XDG_CONFIG_HOME is honoured on Linux)."""
    home = home or Path.home()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    if method == "systemd":
        return config / "systemd" / "user" / UNIT_NAME
    if method == "xdg":
        return config / "autostart" / "presence.desktop"
    if method == "launchd":
        return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    raise PresenceError(f"{method} keeps no file")


def systemd_user_available() -> bool:
    """Whether a systemd user manager answers (it does not in containers or CI)."""
    if shutil.which("systemctl") is None:
        return False
    done = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True,
                          timeout=10, check=False)
    return done.returncode == 0


def default_method(platform: str = sys.platform) -> str:
    """The method for this machine: the user manager where it runs, else XDG autostart."""
    if platform == "darwin":
        return "launchd"
    if platform in ("win32", "cygwin"):
        return "windows"
    return "systemd" if systemd_user_available() else "xdg"


def _systemctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True,
                          timeout=30, check=False)


def _ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write(path: Path, content: str | bytes) -> bool:
    """Write `path` unless it already holds exactly this; False when nothing changed."""
    data = content.encode() if isinstance(content, str) else content
    if path.exists():
        if not _ours(path):
            raise PresenceError(f"{path} exists and was not written by presence; move it aside "
                                "and run `presence autostart install` again")
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def install(method: str, argv: list[str], log_path: Path) -> Outcome:
    """Install the login service for `method`, and start it where the method can."""
    if method == "windows":
        return _windows_install(argv)
    path = target(method)
    if method == "systemd":
        if not systemd_user_available():
            raise PresenceError("systemd's user manager does not answer here (`systemctl "
                                "--user` fails); use `presence autostart install --method xdg`")
        changed = _write(path, render_unit(argv))
        present = [v for v in SESSION_VARIABLES if os.environ.get(v)]
        if present:
            _systemctl("import-environment", *present)
        _systemctl("daemon-reload")
        done = _systemctl("enable", "--now", UNIT_NAME)
        if done.returncode != 0:
            raise PresenceError(f"systemctl --user enable --now {UNIT_NAME} failed: "
                                f"{done.stderr.strip()}")
    elif method == "xdg":
        changed = _write(path, render_desktop_entry(argv))
    else:
        changed = _write(path, render_plist(argv, log_path))
        if shutil.which("launchctl"):
            subprocess.run(["launchctl", "load", "-w", str(path)], capture_output=True,
                           timeout=30, check=False)
    verb = "installed" if changed else "already installed"
    starts = {"systemd": "enabled and started", "xdg": "starts at your next login",
              "launchd": "loaded; starts at every login"}[method]
    return Outcome(method, f"{verb}: {path} ({starts})", path)


def uninstall(method: str) -> Outcome:
    """Stop and remove what `install` wrote for `method`; nothing else."""
    if method == "windows":
        return _windows_uninstall()
    path = target(method)
    if not path.exists():
        return Outcome(method, f"not installed ({path} does not exist)", path)
    if not _ours(path):
        raise PresenceError(f"{path} was not written by presence; left it alone")
    if method == "systemd" and systemd_user_available():
        _systemctl("disable", "--now", UNIT_NAME)
    if method == "launchd" and shutil.which("launchctl"):
        subprocess.run(["launchctl", "unload", "-w", str(path)], capture_output=True,
                       timeout=30, check=False)
    path.unlink()
    if method == "systemd" and systemd_user_available():
        _systemctl("daemon-reload")
    return Outcome(method, f"removed {path}", path)


def installed(method: str) -> Path | None:
    """The file `install` wrote for `method`, if it is there."""
    if method == "windows":
        return Path("HKCU") / "Software/Microsoft/Windows/CurrentVersion/Run" \
            if _windows_value() is not None else None
    path = target(method)
    return path if path.exists() and _ours(path) else None


_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def _windows_value() -> str | None:
    if sys.platform != "win32":
        return None
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
            return winreg.QueryValueEx(key, RUN_VALUE)[0]
    except OSError:
        return None


def _windows_install(argv: list[str]) -> Outcome:
    if sys.platform != "win32":
        raise PresenceError("the Run key exists only on Windows")
    import winreg  # type: ignore[import-not-found]

    # pythonw.exe runs without a console window at login.
    exe = Path(argv[0])
    pythonw = exe.with_name("pythonw.exe")
    line = subprocess.list2cmdline([str(pythonw if pythonw.exists() else exe), *argv[1:]])
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
        winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, line)
    return Outcome("windows", f"installed: HKCU\\{_RUN_KEY}\\{RUN_VALUE} = {line}")


def _windows_uninstall() -> Outcome:
    if _windows_value() is None:
        return Outcome("windows", "not installed")
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        winreg.DeleteValue(key, RUN_VALUE)
    return Outcome("windows", f"removed HKCU\\{_RUN_KEY}\\{RUN_VALUE}")
