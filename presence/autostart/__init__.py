"""Start presence at login: a systemd user unit or an XDG autostart entry on Linux, a
LaunchAgent on macOS, the Run key on Windows. (The files themselves are written by
`autostart/render.py`.)

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

from presence.autostart.render import (
    MARKER,
    _desktop_split,
    render_desktop_entry,
    render_plist,
    render_unit,
)
from presence.errors import PresenceError

UNIT_NAME = "presence.service"
LABEL = "io.github.presence.daemon"
RUN_VALUE = "presence"
# What a graphical login exports that presence's probes and notifier need.
SESSION_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_CURRENT_DESKTOP",
                     "XDG_SESSION_TYPE", "DBUS_SESSION_BUS_ADDRESS", "SWAYSOCK",
                     "HYPRLAND_INSTANCE_SIGNATURE")
METHODS = ("systemd", "xdg", "launchd", "windows")


@dataclass(frozen=True)
class Service:
    """One thing started at login, and the names its files and entries carry."""

    unit: str
    desktop: str
    label: str
    run_value: str
    description: str


# The daemon (`run`), and with `autostart install --tray` the tray icon beside it (`tray`).
SERVICES = {
    "run": Service(UNIT_NAME, "presence.desktop", LABEL, RUN_VALUE,
                   "presence: notices when chat crowds out time with real people"),
    "tray": Service("presence-tray.service", "presence-tray.desktop",
                    "io.github.presence.tray", "presence-tray",
                    "presence: today's balance in the system tray"),
}


@dataclass(frozen=True)
class Outcome:
    """What an autostart action did, in words, and the files it concerns."""

    method: str
    message: str
    path: Path | None = None


@dataclass(frozen=True)
class Launch:
    """What a login service starts: this interpreter, on this config, database and home.

    Every path is absolute: a login service starts in another folder and, under systemd, with
    another environment, so anything left to a default could name another database (issue 13).
    """

    interpreter: Path
    database: Path
    config: Path | None = None
    home: Path | None = None
    command: str = "run"

    @property
    def service(self) -> Service:
        """The names this launch's login entry goes by."""
        return SERVICES[self.command]

    def argv(self) -> list[str]:
        """The command line: the daemon (`run`) or the tray icon (`tray`)."""
        options = ["--config", str(self.config)] if self.config else []
        return [str(self.interpreter), "-m", "presence", *options, "--db", str(self.database),
                self.command]

    def environment(self) -> dict[str, str]:
        """The variables the daemon needs beyond its options (the home holds logs and the
        calendar cache)."""
        return {"PRESENCE_HOME": str(self.home)} if self.home else {}


def launch_here(config: Path | None, database: Path, home: Path | None) -> Launch:
    """The launch that reproduces this process: its interpreter and effective paths."""
    return Launch(Path(sys.executable).absolute(), database.expanduser().absolute(),
                  config.expanduser().absolute() if config else None,
                  home.expanduser().absolute() if home else None)


def checkout_of(interpreter: Path, package: Path | None = None) -> Path | None:
    """The source checkout a launch depends on, if any: the interpreter lives in a virtual
    environment inside one, or presence itself is imported from one (an editable install).
    Deleting that folder silently ends autostart, so install says so."""
    candidates = [interpreter.absolute()]
    if package is not None:
        candidates.append(package.absolute())
    for start in candidates:
        for folder in start.parents:
            if (folder / "pyproject.toml").is_file() and (folder / "presence").is_dir():
                return folder
    return None


def target(method: str, home: Path | None = None, command: str = "run") -> Path:
    """Where `method` keeps the file of `command`'s service (XDG_CONFIG_HOME is honoured on
    Linux)."""
    home = home or Path.home()
    service = SERVICES[command]
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    if method == "systemd":
        return config / "systemd" / "user" / service.unit
    if method == "xdg":
        return config / "autostart" / service.desktop
    if method == "launchd":
        return home / "Library" / "LaunchAgents" / f"{service.label}.plist"
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
    """Write `path` (0600) unless it already holds exactly this; False when nothing changed."""
    data = content.encode() if isinstance(content, str) else content
    if path.exists():
        if not _ours(path):
            raise PresenceError(f"{path} exists and was not written by presence; move it aside "
                                "and run `presence autostart install` again")
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)
    return True


def install(method: str, launch: Launch, log_path: Path) -> Outcome:
    """Install the login service for `method`, and start it where the method can."""
    if method == "windows":
        return _windows_install(launch)
    path = target(method, command=launch.command)
    unit = launch.service.unit
    if method == "systemd":
        if not systemd_user_available():
            raise PresenceError("systemd's user manager does not answer here (`systemctl "
                                "--user` fails); use `presence autostart install --method xdg`")
        changed = _write(path, render_unit(launch))
        present = [v for v in SESSION_VARIABLES if os.environ.get(v)]
        if present:
            _systemctl("import-environment", *present)
        _systemctl("daemon-reload")
        done = _systemctl("enable", unit)
        if done.returncode == 0:
            # A daemon started from the old unit keeps the old paths until it restarts.
            done = _systemctl("restart" if changed else "start", unit)
        if done.returncode != 0:
            raise PresenceError(f"systemctl --user could not start {unit}: "
                                f"{done.stderr.strip()}")
    elif method == "xdg":
        changed = _write(path, render_desktop_entry(launch))
    else:
        changed = _write(path, render_plist(launch, log_path))
        if shutil.which("launchctl"):
            subprocess.run(["launchctl", "load", "-w", str(path)], capture_output=True,
                           timeout=30, check=False)
    verb = "installed" if changed else "already installed"
    starts = {"systemd": "enabled and started", "xdg": "starts at your next login",
              "launchd": "loaded; starts at every login"}[method]
    return Outcome(method, f"{verb}: {path} ({starts})", path)


def describe(method: str, command: str = "run") -> Launch | None:
    """What the installed login service of `command` for `method` starts, read back from its
    file."""
    if method == "windows":
        line = _windows_value(command)
        return _from_argv(_windows_split(line), {}) if line else None
    path = installed(method, command)
    if path is None:
        return None
    if method == "launchd":
        plist = plistlib.loads(path.read_bytes())
        return _from_argv(plist.get("ProgramArguments", []), plist.get("EnvironmentVariables", {}))
    text = path.read_text(encoding="utf-8", errors="replace")
    env: dict[str, str] = {}
    argv: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if method == "systemd" and key == "Environment":
            for item in shlex.split(value.replace("%%", "%")):
                name, _, val = item.partition("=")
                env[name] = val
        elif method == "systemd" and key == "ExecStart":
            argv = shlex.split(value.replace("$$", "$").replace("%%", "%"))
        elif method == "xdg" and key == "Exec":
            argv = _desktop_split(value)
    if method == "xdg" and argv[:1] == ["env"]:
        argv = argv[1:]
        while argv and "=" in argv[0]:
            name, _, val = argv.pop(0).partition("=")
            env[name] = val
    return _from_argv(argv, env)


def _from_argv(argv: list[str], env: dict[str, str]) -> Launch | None:
    if not argv:
        return None
    options: dict[str, str] = {}
    for flag, value in zip(argv, argv[1:]):
        if flag in ("--config", "--db"):
            options[flag] = value
    home = env.get("PRESENCE_HOME")
    database = options.get("--db") or env.get("PRESENCE_DB")
    config = options.get("--config") or env.get("PRESENCE_CONFIG")
    return Launch(Path(argv[0]), Path(database) if database else Path("(the default)"),
                  Path(config) if config else None, Path(home) if home else None,
                  argv[-1] if argv[-1] in SERVICES else "run")


def uninstall(method: str, command: str = "run") -> Outcome:
    """Stop and remove what `install` wrote for `command`'s service with `method`; nothing
    else."""
    if method == "windows":
        return _windows_uninstall(command)
    path = target(method, command=command)
    unit = SERVICES[command].unit
    if not path.exists():
        return Outcome(method, f"not installed ({path} does not exist)", path)
    if not _ours(path):
        raise PresenceError(f"{path} was not written by presence; left it alone")
    if method == "systemd" and systemd_user_available():
        _systemctl("disable", "--now", unit)
    if method == "launchd" and shutil.which("launchctl"):
        subprocess.run(["launchctl", "unload", "-w", str(path)], capture_output=True,
                       timeout=30, check=False)
    path.unlink()
    if method == "systemd" and systemd_user_available():
        _systemctl("daemon-reload")
    return Outcome(method, f"removed {path}", path)


def installed(method: str, command: str = "run") -> Path | None:
    """The file `install` wrote for `command`'s service with `method`, if it is there."""
    if method == "windows":
        return Path("HKCU") / "Software/Microsoft/Windows/CurrentVersion/Run" \
            if _windows_value(command) is not None else None
    path = target(method, command=command)
    return path if path.exists() and _ours(path) else None


_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def _windows_value(command: str = "run") -> str | None:
    if sys.platform != "win32":
        return None
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
            return winreg.QueryValueEx(key, SERVICES[command].run_value)[0]
    except OSError:
        return None


def _windows_split(line: str) -> list[str]:
    # The Run value is one command line in Windows quoting; it holds no quotes inside
    # arguments when presence wrote it, so shlex's rules read it back.
    return shlex.split(line.replace("\\", "/"))


def _windows_install(launch: Launch) -> Outcome:
    if sys.platform != "win32":
        raise PresenceError("the Run key exists only on Windows")
    if launch.home is not None:
        # A Run value is a bare command line: it cannot carry an environment variable.
        raise PresenceError("the Run key cannot carry PRESENCE_HOME; set it for your account "
                            f"(setx PRESENCE_HOME \"{launch.home}\"), log in again and run "
                            "`presence autostart install` once more")
    import winreg  # type: ignore[import-not-found]

    # pythonw.exe runs without a console window at login.
    argv = launch.argv()
    pythonw = launch.interpreter.with_name("pythonw.exe")
    line = subprocess.list2cmdline([str(pythonw if pythonw.exists() else launch.interpreter),
                                    *argv[1:]])
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
        winreg.SetValueEx(key, launch.service.run_value, 0, winreg.REG_SZ, line)
    name = launch.service.run_value
    return Outcome("windows", f"installed: HKCU\\{_RUN_KEY}\\{name} = {line}")


def _windows_uninstall(command: str = "run") -> Outcome:
    name = SERVICES[command].run_value
    if _windows_value(command) is None:
        return Outcome("windows", "not installed")
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        winreg.DeleteValue(key, name)
    return Outcome("windows", f"removed HKCU\\{_RUN_KEY}\\{name}")
