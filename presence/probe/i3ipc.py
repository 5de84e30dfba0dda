"""A small client for the i3 IPC protocol that sway speaks on `$SWAYSOCK`.

Every message, both ways, is the magic `i3-ipc`, the payload length and the message type as two
32-bit integers in the machine's byte order, then a JSON payload. Replies carry the type of the
request; events carry their type with the high bit set (i3's and sway's `ipc(7)` documents).
Only what the sway probe needs is here: requests (`GET_TREE`) on one connection, and a second
connection that `SUBSCRIBE`s and is read without blocking.

Errors are `OSError`s (`ConnectionError` when sway closes the socket or speaks something else);
the probe turns them into `ProbeUnavailable`.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAGIC = b"i3-ipc"
_HEADER = struct.Struct("=6sII")  # magic, payload length, message type (native byte order)

RUN_COMMAND = 0
GET_WORKSPACES = 1
SUBSCRIBE = 2
GET_TREE = 4
GET_VERSION = 7
EVENT_BIT = 1 << 31
# event types, without the high bit
EVENT_WORKSPACE = 0
EVENT_WINDOW = 3

_MAX_PAYLOAD = 64 << 20  # a tree of thousands of windows is a few MB; more means a broken peer


def encode(message_type: int, payload: bytes = b"") -> bytes:
    """One message as it goes on the wire.

    Args:
        message_type: `GET_TREE`, `SUBSCRIBE`, ...
        payload: the JSON payload (empty for most requests).
    """
    return _HEADER.pack(MAGIC, len(payload), message_type) + payload


class Decoder:
    """Splits a byte stream into (type, JSON body) messages, however the bytes arrive."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, Any]]:
        """Add received bytes; the complete messages they finish, in order.

        Raises:
            ConnectionError: the peer does not speak i3 IPC (wrong magic, absurd length, or a
                payload that is not JSON).
        """
        self._buffer += data
        messages = []
        while len(self._buffer) >= _HEADER.size:
            magic, length, message_type = _HEADER.unpack_from(self._buffer)
            if magic != MAGIC or length > _MAX_PAYLOAD:
                raise ConnectionError("not an i3 IPC peer (bad message header)")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            payload = bytes(self._buffer[_HEADER.size:end])
            del self._buffer[:end]
            try:
                body = json.loads(payload) if payload else None
            except ValueError as exc:
                raise ConnectionError(f"i3 IPC payload is not JSON: {exc}") from exc
            messages.append((message_type, body))
        return messages


class Connection:
    """One i3 IPC socket: blocking requests with a timeout, or non-blocking event reads."""

    def __init__(self, path: str, timeout: float) -> None:
        """Connect to the socket at `path`.

        Args:
            path: the IPC socket (`$SWAYSOCK`).
            timeout: seconds a request may wait for its reply.

        Raises:
            OSError: nothing listens there.
        """
        self.path = path
        self.timeout = timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.settimeout(timeout)
            self._sock.connect(path)
        except OSError:
            self._sock.close()
            raise
        self._decoder = Decoder()
        self._events: list[tuple[int, Any]] = []

    def request(self, message_type: int, payload: bytes = b"") -> Any:
        """Send a request and wait for its reply; events arriving first are kept for `events()`.

        Raises:
            OSError: the socket broke or the reply did not come within the timeout.
            ConnectionError: sway closed the connection.
        """
        self._sock.settimeout(self.timeout)
        self._sock.sendall(encode(message_type, payload))
        while True:
            for got_type, body in self._receive(block=True):
                if got_type & EVENT_BIT:
                    self._events.append((got_type & ~EVENT_BIT, body))
                elif got_type == message_type:
                    return body

    def subscribe(self, events: list[str]) -> None:
        """Subscribe this connection to event kinds (`window`, `workspace`, ...).

        Raises:
            ConnectionError: sway refused the subscription.
        """
        reply = self.request(SUBSCRIBE, json.dumps(events).encode())
        if not (isinstance(reply, dict) and reply.get("success")):
            raise ConnectionError(f"sway refused the subscription to {events}: {reply}")

    def events(self) -> list[tuple[int, Any]]:
        """The events that arrived so far, without waiting: (type without the high bit, body).

        Raises:
            ConnectionError: sway closed the connection (it does so to a subscriber that falls
                too far behind, as well as when it exits).
        """
        got = self._events
        self._events = []
        for message_type, body in self._receive(block=False):
            if message_type & EVENT_BIT:
                got.append((message_type & ~EVENT_BIT, body))
        return got

    def _receive(self, block: bool) -> list[tuple[int, Any]]:
        messages: list[tuple[int, Any]] = []
        if not block:
            self._sock.setblocking(False)
        try:
            while True:
                try:
                    data = self._sock.recv(1 << 16)
                except BlockingIOError:
                    return messages
                if not data:
                    raise ConnectionError(f"sway closed the IPC socket {self.path}")
                messages += self._decoder.feed(data)
                if block and messages:
                    return messages
        finally:
            if not block:
                self._sock.settimeout(self.timeout)

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()
