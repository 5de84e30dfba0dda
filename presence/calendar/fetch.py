"""One GET of a calendar URL, bounded in time, size and scheme whatever the server does.

A subscribed feed is run by a third party. Every limit here holds against a server that means
harm, not only against a slow one:
- time: one wall-clock deadline for the whole fetch (connect, headers, every redirect, every
  byte of the body). A watchdog shuts the sockets down at the deadline, so a server trickling
  one byte every few seconds, in the headers or the body, is cut there; each read also has a
  socket timeout of its own.
- size: at most `max_bytes` received and at most `max_bytes` after decompression, trailing
  bytes after the gzip stream included.
- scheme: http and https only, on the first request and on every redirect hop (no ftp://,
  file:// or data:), and no other handlers are installed at all.
Every message names the source by its redacted form (`shown`), never by the URL.
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.request
import zlib
from typing import Any
from urllib.parse import urljoin, urlsplit

from presence import clock
from presence.errors import CalendarError
from presence.secrets import scrub

_CHUNK = 64 * 1024
# The most one socket read may wait, within the total deadline.
READ_TIMEOUT = 10.0
_SCHEMES = ("http", "https")


class _Deadline:
    """The sockets of one fetch, shut down together when its deadline passes."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = clock.steady() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = False
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True
        self._timer.start()

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self._expired
        if expired:
            self._shut(sock)

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def passed(self) -> bool:
        return self._expired or clock.steady() >= self.at

    def remaining(self) -> float:
        return max(self.at - clock.steady(), 0.001)

    def cancel(self) -> None:
        self._timer.cancel()


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """An opener with only http, https and a redirect handler that stays on them."""

    class Tracked(http.client.HTTPConnection):
        def connect(self) -> None:
            self.timeout = min(READ_TIMEOUT, deadline.remaining())
            super().connect()
            deadline.track(self.sock)

    class TrackedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            self.timeout = min(READ_TIMEOUT, deadline.remaining())
            super().connect()
            deadline.track(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(Tracked, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(TrackedTLS, req, context=self._context)

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = 5

        def http_error_302(self, req: Any, fp: Any, code: int, msg: str,
                           headers: Any) -> Any:
            target = headers.get("location") or headers.get("uri") or ""
            scheme = urlsplit(urljoin(req.full_url, target)).scheme.lower()
            if scheme not in _SCHEMES:
                raise _Refused(f"the server redirected to a {scheme}:// address (only http "
                               "and https are followed)")
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), Plain(), Secure(), Redirects(),
                    urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


class _Refused(Exception):
    """A limit of this module refused the answer; the message says which, in words."""


def fetch(url: str, shown: str, info: dict[str, str], timeout: float,
          max_bytes: int, user_agent: str) -> tuple[bytes, dict[str, str], str] | None:
    """GET `url` (http or https) within `timeout` seconds in all; None on 304 Not Modified.

    Args:
        url: the address, already mapped from webcal to https.
        shown: the redacted form used in every message.
        info: the cached copy's `etag` / `last_modified`, for a conditional request.
        timeout: the wall-clock deadline of the whole fetch, redirects included.
        max_bytes: the most bytes accepted, received and after decompression.
        user_agent: the User-Agent header.

    Returns:
        (body, {"etag", "last_modified"}, content type), or None for 304.

    Raises:
        CalendarError: any failure or refused limit; the message names `shown`.
    """
    headers = {"User-Agent": user_agent, "Accept": "text/calendar, */*;q=0.5",
               "Accept-Encoding": "gzip"}
    if info.get("etag"):
        headers["If-None-Match"] = info["etag"]
    if info.get("last_modified"):
        headers["If-Modified-Since"] = info["last_modified"]
    deadline = _Deadline(timeout)
    try:
        # Built inside the try: a malformed address (`http://[::1/`) is this source's error.
        if urlsplit(url).scheme.lower() not in _SCHEMES:
            raise _Refused("only http, https and webcal addresses are read")
        request = urllib.request.Request(url, headers=headers)
        with _opener(deadline).open(request, timeout=min(READ_TIMEOUT, timeout)) as response:
            length = response.headers.get("Content-Length", "")
            gzipped = response.headers.get("Content-Encoding", "").lower() == "gzip"
            if length.isdigit() and int(length) > max_bytes and not gzipped:
                raise _Refused(f"the calendar is larger than {max_bytes} bytes")
            data = _read_body(response, deadline, max_bytes, gzipped, length)
            return data, {"etag": response.headers.get("ETag", ""),
                          "last_modified": response.headers.get("Last-Modified", "")}, \
                response.headers.get("Content-Type", "")
    except _Refused as exc:
        raise CalendarError(f"{shown}: {exc}") from None
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None
        hint = " (check the address)" if exc.code in (401, 403, 404, 410) else ""
        raise CalendarError(f"{shown}: the server answered HTTP {exc.code}{hint}") from None
    except Exception as exc:  # noqa: BLE001 - whatever a server does is this source's error
        if deadline.passed() or isinstance(exc, (socket.timeout, TimeoutError)) or \
                isinstance(getattr(exc, "reason", None), (socket.timeout, TimeoutError)):
            raise CalendarError(f"{shown}: no answer within {timeout:.3g} s") from None
        if isinstance(exc, zlib.error):
            raise CalendarError(f"{shown}: the server sent a damaged gzip body") from None
        reason = getattr(exc, "reason", None)
        if isinstance(exc, urllib.error.URLError) and reason is not None:
            text = getattr(reason, "strerror", None) or str(reason)
            raise CalendarError(f"{shown}: cannot reach the server ({scrub(text, url)})") \
                from None
        raise CalendarError(f"{shown}: cannot read the calendar "
                            f"({scrub(str(exc) or type(exc).__name__, url)})") from None
    finally:
        deadline.cancel()


def _read_body(response: Any, deadline: _Deadline, max_bytes: int, gzipped: bool,
               length: str) -> bytes:
    """The body, inflated, within the deadline and the size caps, and complete.

    `read1` returns after one socket read, so the deadline is checked between every two
    reads however slowly the bytes come. http.client returns short rather than fail when a
    connection closes before Content-Length is reached, and a cut calendar must never replace
    a good cached copy.
    """
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    parts: list[bytes] = []
    total = received = 0
    while True:
        if deadline.passed():
            raise TimeoutError
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        received += len(chunk)
        if received > max_bytes:
            raise _Refused(f"the calendar is larger than {max_bytes} bytes")
        while chunk:
            if inflate is None:
                piece, chunk = chunk, b""
            else:
                if inflate.eof:
                    # gzip allows several members one after the other; anything else after
                    # the stream is a damaged body (zlib.error), never buffered without end
                    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                # Bounded inflation: a small gzip bomb must not exhaust memory.
                piece = inflate.decompress(chunk, max_bytes + 1 - total)
                if inflate.unconsumed_tail:
                    raise _Refused(f"the calendar is larger than {max_bytes} bytes")
                chunk = inflate.unused_data if inflate.eof else b""
            total += len(piece)
            if total > max_bytes:
                raise _Refused(f"the calendar is larger than {max_bytes} bytes")
            parts.append(piece)
    if deadline.passed():
        raise TimeoutError
    if inflate is not None and not inflate.eof:
        raise _Refused("the download was cut short")
    if length.isdigit() and received < int(length):
        raise _Refused(f"the download was cut short ({received} of {length} bytes)")
    return b"".join(parts)
