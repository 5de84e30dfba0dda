"""A mouse for the headless sway: clicks through the compositor's virtual-pointer protocol.

The headless backend has no input devices, so `swaymsg seat - cursor press` reaches no
client. A `zwlr_virtual_pointer_v1` (which sway offers) is a real pointer device on the seat:
its motion and buttons reach a bar exactly as a user's mouse would. This speaks the few
Wayland requests that takes directly on the compositor's socket (the wire format is a header
of object id, size and opcode followed by 32-bit arguments), so no Wayland binding is needed.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Callable, Iterator

BTN_LEFT = 0x110  # linux/input-event-codes.h
BTN_RIGHT = 0x111
_DISPLAY = 1  # wl_display is always object 1


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<I", len(raw)) + raw + b"\0" * (-len(raw) % 4)


class _Wire:
    """One client connection: sends requests, reads events until a round trip is done."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.pending = b""
        self.last_id = _DISPLAY

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def send(self, obj: int, opcode: int, args: bytes = b"") -> None:
        self.sock.sendall(struct.pack("<II", obj, (8 + len(args)) << 16 | opcode) + args)

    def _events(self) -> Iterator[tuple[int, int, bytes]]:
        while True:
            while len(self.pending) >= 8:
                obj, word = struct.unpack_from("<II", self.pending)
                size = word >> 16
                if len(self.pending) < size:
                    break
                body, self.pending = self.pending[8:size], self.pending[size:]
                yield obj, word & 0xFFFF, body
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the compositor closed the connection")
            self.pending += chunk

    def roundtrip(self, on_event: Callable[[int, int, bytes], None] = lambda *_: None) -> None:
        """Wait until the compositor has handled every request sent so far (wl_display.sync)."""
        callback = self.new_id()
        self.send(_DISPLAY, 0, struct.pack("<I", callback))
        for obj, opcode, body in self._events():
            if obj == _DISPLAY and opcode == 0:  # wl_display.error
                raise AssertionError(f"Wayland protocol error: {body!r}")
            if obj == callback and opcode == 0:  # wl_callback.done
                return
            on_event(obj, opcode, body)


class VirtualPointer:
    """A mouse on the session's seat, for as long as it is open.

    Create it before the client that is to be clicked starts: a client binds its pointer when
    the seat first shows one, so a pointer made just before a click could be pressed before
    the client has bound it, and the click would be lost.
    """

    def __init__(self, env: dict[str, str]) -> None:
        """
        Args:
            env: the session's environment (XDG_RUNTIME_DIR and WAYLAND_DISPLAY).
        """
        self._wire = _Wire(os.path.join(env["XDG_RUNTIME_DIR"], env["WAYLAND_DISPLAY"]))
        registry = self._wire.new_id()
        self._wire.send(_DISPLAY, 1, struct.pack("<I", registry))  # wl_display.get_registry
        names: dict[str, int] = {}

        def on_global(obj: int, opcode: int, body: bytes) -> None:
            if obj == registry and opcode == 0:  # wl_registry.global(name, interface, version)
                name, length = struct.unpack_from("<II", body)
                names[body[8:8 + length - 1].decode()] = name

        self._wire.roundtrip(on_global)
        manager_interface = "zwlr_virtual_pointer_manager_v1"
        assert manager_interface in names, "the compositor offers no virtual pointer"

        def bind(interface: str) -> int:
            new = self._wire.new_id()
            self._wire.send(registry, 0, struct.pack("<I", names[interface]) + _string(interface)
                            + struct.pack("<II", 1, new))
            return new

        seat, manager = bind("wl_seat"), bind(manager_interface)
        self._pointer = self._wire.new_id()
        # zwlr_virtual_pointer_manager_v1.create_virtual_pointer
        self._wire.send(manager, 0, struct.pack("<II", seat, self._pointer))
        self._wire.roundtrip()
        self._moment = 0

    def _frame(self, opcode: int, args: bytes) -> None:
        self._wire.send(self._pointer, opcode, args)
        self._wire.send(self._pointer, 4)  # frame

    def click(self, x: int, y: int, width: int, height: int, button: int = BTN_LEFT) -> None:
        """Move to (x, y) of a `width`×`height` layout and click `button` there."""
        for moment in range(3):
            self._moment += 1
            if moment == 0:
                self._frame(1, struct.pack("<IIIII", self._moment, x, y, width, height))
                self._wire.roundtrip()  # the client sees the pointer enter before the press
            else:  # pressed, then released
                self._frame(2, struct.pack("<III", self._moment, button, 2 - moment))
        self._wire.roundtrip()

    def close(self) -> None:
        """Take the pointer off the seat."""
        self._wire.sock.close()
