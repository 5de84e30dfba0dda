"""The login entries as text (pure): a systemd user unit, an XDG autostart desktop entry and
a LaunchAgent plist for a `Launch`, each carrying `MARKER` so uninstall removes only its own.
"""

from __future__ import annotations

import plistlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presence.autostart import Launch

MARKER = "Written by `presence autostart install`; `presence autostart uninstall` removes it."


def _systemd_quote(arg: str, command: bool = True) -> str:
    # systemd.service(5): specifiers (%) are expanded everywhere, variables ($) only in
    # command lines.
    arg = arg.replace("%", "%%")
    if command:
        arg = arg.replace("$", "$$")
    if arg and not any(c in arg for c in " \t\n\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _desktop_quote(arg: str) -> str:
    # Desktop Entry Specification, "The Exec key": reserved characters need double quotes,
    # inside which " ` $ \ are escaped; % starts a field code.
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        quoted = arg
    else:
        quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return quoted.replace("%", "%%")


def _desktop_value(text: str) -> str:
    # The string escape rule applies to the whole value before the quoting rule.
    return text.replace("\\", "\\\\")


def _desktop_split(value: str) -> list[str]:
    """The arguments of an Exec value, read as a session's launcher reads them."""
    text = value.replace("\\\\", "\\")
    args: list[str] = []
    current: list[str] | None = None
    quoted = False
    chars = iter(text)
    for char in chars:
        if not quoted and char in " \t":
            if current is not None:
                args.append("".join(current))
            current = None
            continue
        current = current if current is not None else []
        if char == '"':
            quoted = not quoted
        elif quoted and char == "\\":
            current.append(next(chars, ""))
        else:
            current.append(char)
    if current is not None:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args]


def render_unit(launch: Launch) -> str:
    """A systemd user unit tied to the graphical session."""
    environment = [f"Environment={_systemd_quote(f'{k}={v}', command=False)}"
                   for k, v in launch.environment().items()]
    return "\n".join([
        f"# {MARKER}",
        "[Unit]",
        f"Description={launch.service.description}",
        "After=graphical-session.target",
        "PartOf=graphical-session.target",
        "",
        "[Service]",
        "Type=simple",
        *environment,
        f"ExecStart={' '.join(_systemd_quote(a) for a in launch.argv())}",
        "Restart=on-failure",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=graphical-session.target",
        "",
    ])


def render_desktop_entry(launch: Launch) -> str:
    """An XDG autostart entry, for sessions that systemd does not manage."""
    env = [f"{k}={v}" for k, v in launch.environment().items()]
    argv = (["env", *env] if env else []) + launch.argv()
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=presence" + (" tray" if launch.command == "tray" else ""),
        f"Comment={launch.service.description.removeprefix('presence: ').capitalize()}",
        f"Exec={_desktop_value(' '.join(_desktop_quote(a) for a in argv))}",
        "NoDisplay=true",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        f"# {MARKER}",
        "",
    ])


def render_plist(launch: Launch, log_path: Path) -> bytes:
    """A LaunchAgent: started at login, restarted when it exits with an error."""
    plist = {
        "Label": launch.service.label,
        "Comment": MARKER,
        "ProgramArguments": launch.argv(),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "StandardErrorPath": str(log_path),
        "ProcessType": "Background",
    }
    if launch.environment():
        plist["EnvironmentVariables"] = launch.environment()
    return plistlib.dumps(plist)
