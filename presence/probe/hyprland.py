"""Hyprland probe: the active window from Hyprland's request socket, idle time through swayidle.

Hyprland answers one request per connection on
`$XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE/.socket.sock` (before Hyprland 0.40:
`/tmp/hypr/$HYPRLAND_INSTANCE_SIGNATURE/.socket.sock`): the client writes the request, Hyprland
writes the answer and closes. `j/activewindow` is `hyprctl -j activewindow`: a JSON object with
`class`, `title`, `pid`, `xwayland`, ... or `{}` when no window has focus (Hyprland's
`HyprCtl.cpp`). Idle comes from ext-idle-notify-v1, which Hyprland implements, through the same
swayidle child as on sway (swayidle ≥ 1.8 speaks that protocol).

Not tried against a real Hyprland (none runs on the machines this was written on): the parser is
tested on JSON written from Hyprland's documented format, the socket client against a small
Unix-socket server in the tests.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Mapping
from typing import Any

from presence.errors import ProbeUnavailable
from presence.model import Sample
from presence.probe.wayland import SwayidleProbe, Window

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 2.0
_MAX_REPLY = 1 << 20  # one window's JSON is under 2 KB


def socket_path(env: Mapping[str, str]) -> str:
    """Where this Hyprland instance listens for requests.

    Args:
        env: the session environment (`HYPRLAND_INSTANCE_SIGNATURE`, `XDG_RUNTIME_DIR`).

    Returns:
        The path under `$XDG_RUNTIME_DIR/hypr/` where that exists, else the pre-0.40 one
        under `/tmp/hypr/`.

    Raises:
        ProbeUnavailable: `HYPRLAND_INSTANCE_SIGNATURE` is not set.
    """
    signature = env.get("HYPRLAND_INSTANCE_SIGNATURE", "")
    if not signature:
        raise ProbeUnavailable("no Hyprland session: HYPRLAND_INSTANCE_SIGNATURE is not set "
                               "(run presence inside Hyprland)")
    runtime = env.get("XDG_RUNTIME_DIR", "")
    modern = os.path.join(runtime, "hypr", signature, ".socket.sock") if runtime else ""
    if modern and os.path.exists(modern):
        return modern
    legacy = os.path.join("/tmp/hypr", signature, ".socket.sock")
    return legacy if os.path.exists(legacy) else (modern or legacy)


def parse_active_window(reply: bytes) -> Window | None:
    """The active window from a `j/activewindow` reply; None when no window has focus.

    Args:
        reply: the bytes Hyprland sent.

    Raises:
        ValueError: the reply is not a JSON object (Hyprland said `unknown request` or the
            like).
    """
    text = reply.decode("utf-8", errors="replace").strip()
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"Hyprland's answer is not JSON: {text[:80]!r}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"Hyprland's answer is not a window: {text[:80]!r}")
    if not data or data.get("mapped") is False:
        return None
    pid = data.get("pid")
    # `class` follows the app (a browser renames itself); `initialClass` is what it opened as
    app_id = data.get("class") or data.get("initialClass") or None
    return Window(app_id=app_id, title=data.get("title") or None,
                  pid=pid if isinstance(pid, int) and pid > 0 else None)


def request(path: str, command: bytes, timeout: float = REQUEST_TIMEOUT_SECONDS) -> bytes:
    """Send one request to Hyprland's socket and read the whole answer.

    Raises:
        OSError: the socket is missing, refuses, breaks or times out.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(command)
        chunks = []
        size = 0
        while size <= _MAX_REPLY:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)


class HyprlandProbe(SwayidleProbe):
    """The active window and idle seconds of a Hyprland session.

    Every `read()` is one request on a fresh connection (that is how Hyprland's socket works).

    """

    name = "hyprland"

    def __init__(self, env: Mapping[str, str]) -> None:
        """Find the socket from the environment; connect nothing yet.

        Raises:
            ProbeUnavailable: `HYPRLAND_INSTANCE_SIGNATURE` is not set.
        """
        self.socket_path = socket_path(env)
        super().__init__(env)

    def read(self, now: float) -> Sample:
        """The active window at `now` and the idle seconds.

        Raises:
            ProbeUnavailable: Hyprland's socket is missing or broke, or it answered nonsense.
        """
        try:
            window = parse_active_window(request(self.socket_path, b"j/activewindow"))
        except OSError as exc:
            self.close()  # the compositor is gone: so is its idle protocol
            raise ProbeUnavailable(f"cannot reach Hyprland at {self.socket_path}: "
                                   f"{exc.strerror or exc}") from exc
        except ValueError as exc:
            raise ProbeUnavailable(str(exc)) from exc
        return self._sample(window, now)

