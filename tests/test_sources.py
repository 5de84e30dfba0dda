"""Calendar sources against real files and a real HTTP server on 127.0.0.1 (issue 3)."""

from __future__ import annotations

import gzip
import logging
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from presence.errors import CalendarError
from presence.calendar.sources import is_url, label, read_source, redact

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
CALENDAR = (FIXTURES / "google.ics").read_bytes()
SECRET = "private-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@dataclass
class Route:
    """How the test server answers one path."""

    status: int = 200
    body: bytes = CALENDAR
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = "text/calendar; charset=utf-8"
    delay: float = 0.0
    gzip: bool = False
    send_length: bool = True
    extra_length: int = 0
    claim_gzip: bool = False


@dataclass
class Server:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            state.requests.append({"path": path, **{k.lower(): v for k, v in
                                                      self.headers.items()}})
            route = state.routes.get(path, Route(status=404, body=b"not found"))
            if route.delay:
                time.sleep(route.delay)
            if route.status == 200 and route.etag and \
                    self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            if route.status == 200 and route.last_modified and \
                    self.headers.get("If-Modified-Since") == route.last_modified:
                self.send_response(304)
                self.end_headers()
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.gzip or route.claim_gzip:
                self.send_header("Content-Encoding", "gzip")
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            if route.send_length:
                self.send_header("Content-Length", str(len(body) + route.extra_length))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


PATH = f"/calendar/ical/alex%40gmail.com/{SECRET}/basic.ics"


def test_200_then_304_with_etag(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(etag='"v1"')
    url = server.url(PATH)
    first = read_source(url, tmp_path / "cache")
    assert first.documents[0].data == CALENDAR and first.stale is None
    second = read_source(url, tmp_path / "cache")
    assert server.requests[1]["if-none-match"] == '"v1"'
    assert second.digest == first.digest and second.stale is None
    assert second.documents[0].data == CALENDAR
    assert first.label == second.documents[0].name == redact(url)


def test_last_modified_conditional_request(server: Server, tmp_path: Path):
    stamp = "Sun, 01 Mar 2026 10:00:00 GMT"
    server.routes[PATH] = Route(last_modified=stamp)
    first = read_source(server.url(PATH), tmp_path)
    second = read_source(server.url(PATH), tmp_path)
    assert "if-modified-since" not in server.requests[0]
    assert server.requests[1]["if-modified-since"] == stamp
    assert second.digest == first.digest


def test_changed_content_changes_digest(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(etag='"v1"')
    first = read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(etag='"v2"', body=CALENDAR.replace(b"Team standup",
                                                                   b"Team stand-up"))
    second = read_source(server.url(PATH), tmp_path)
    assert second.digest != first.digest and b"Team stand-up" in second.documents[0].data


def test_500_serves_the_cached_copy(server: Server, tmp_path: Path, caplog):
    server.routes[PATH] = Route()
    first = read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(status=500, body=b"oops")
    with caplog.at_level(logging.WARNING):
        second = read_source(server.url(PATH), tmp_path)
    assert second.stale == "the server answered HTTP 500"
    assert second.digest == first.digest and second.documents[0].data == CALENDAR
    assert SECRET not in caplog.text and redact(server.url(PATH)) in caplog.text


def test_500_without_cache_is_an_error_without_the_secret(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(status=500)
    with pytest.raises(CalendarError) as caught:
        read_source(server.url(PATH), tmp_path)
    message = str(caught.value)
    assert message == f"{redact(server.url(PATH))}: the server answered HTTP 500"
    assert SECRET not in message and "alex" not in message


def test_404_hints_at_the_address(server: Server, tmp_path: Path):
    with pytest.raises(CalendarError, match=r"HTTP 404 \(check the address\)$"):
        read_source(server.url("/gone/" + SECRET), tmp_path)


def test_timeout_serves_the_cached_copy(server: Server, tmp_path: Path):
    server.routes[PATH] = Route()
    read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(delay=1.5)
    started = time.monotonic()
    read = read_source(server.url(PATH), tmp_path, timeout=0.3)
    assert time.monotonic() - started < 1.4
    assert read.stale == "no answer within 0.3 s"
    assert read.documents[0].data == CALENDAR


def test_timeout_without_cache(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(delay=1.5)
    with pytest.raises(CalendarError) as caught:
        read_source(server.url(PATH), tmp_path, timeout=0.3)
    assert str(caught.value).endswith(": no answer within 0.3 s")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("send_length", [True, False])
def test_size_cap(server: Server, tmp_path: Path, send_length: bool):
    server.routes[PATH] = Route(body=CALENDAR * 4, send_length=send_length)
    with pytest.raises(CalendarError) as caught:
        read_source(server.url(PATH), tmp_path, max_bytes=len(CALENDAR) * 2)
    assert str(caught.value) == (f"{redact(server.url(PATH))}: the calendar is larger than "
                                 f"{len(CALENDAR) * 2} bytes")


def test_size_cap_with_cache_serves_it(server: Server, tmp_path: Path):
    server.routes[PATH] = Route()
    read_source(server.url(PATH), tmp_path, max_bytes=len(CALENDAR) * 2)
    server.routes[PATH] = Route(body=CALENDAR * 4)
    read = read_source(server.url(PATH), tmp_path, max_bytes=len(CALENDAR) * 2)
    assert read.stale.startswith("the calendar is larger than")
    assert read.documents[0].data == CALENDAR


def test_gzip_and_gzip_bomb(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(gzip=True)
    assert server.routes[PATH].gzip
    read = read_source(server.url(PATH), tmp_path)
    assert server.requests[0]["accept-encoding"] == "gzip"
    assert read.documents[0].data == CALENDAR
    bomb = b"BEGIN:VCALENDAR\r\n" + b"X" * (20 * 1024 * 1024)
    server.routes["/bomb.ics"] = Route(body=bomb, gzip=True)
    with pytest.raises(CalendarError, match="larger than 1048576 bytes"):
        read_source(server.url("/bomb.ics"), tmp_path, max_bytes=1024 * 1024)


def test_truncated_and_damaged_bodies(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(extra_length=100)
    with pytest.raises(CalendarError, match=rf": the download was cut short \({len(CALENDAR)} "
                       rf"of {len(CALENDAR) + 100} bytes\)$"):
        read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(body=CALENDAR[:-200], send_length=False)
    with pytest.raises(CalendarError, match=r"cut short \(no END:VCALENDAR at the end\)$"):
        read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(body=gzip.compress(CALENDAR)[:-30], claim_gzip=True)
    with pytest.raises(CalendarError, match=r": the download was cut short$"):
        read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(claim_gzip=True)
    with pytest.raises(CalendarError, match=r": the server sent a damaged gzip body$"):
        read_source(server.url(PATH), tmp_path)


def test_html_page_never_replaces_a_good_cache(server: Server, tmp_path: Path):
    server.routes[PATH] = Route()
    read_source(server.url(PATH), tmp_path)
    server.routes[PATH] = Route(body=b"<!DOCTYPE html><html>Sign in</html>",
                                content_type="text/html")
    read = read_source(server.url(PATH), tmp_path)
    assert read.stale == "the server did not send a calendar (Content-Type text/html)"
    server.routes[PATH] = Route(status=500)
    assert read_source(server.url(PATH), tmp_path).documents[0].data == CALENDAR


def test_cache_is_private_and_named_without_the_url(server: Server, tmp_path: Path):
    server.routes[PATH] = Route(etag='"v1"')
    cache = tmp_path / "cache"
    read_source(server.url(PATH), cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    files = sorted(cache.iterdir())
    assert [f.suffix for f in files] == [".ics", ".json"]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert SECRET not in file.name and SECRET.encode() not in file.read_bytes()


def test_unreachable_server(tmp_path: Path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://user:hunter2@127.0.0.1:{port}/{SECRET}.ics?token=abc"
    with pytest.raises(CalendarError) as caught:
        read_source(url, tmp_path, timeout=2)
    message = str(caught.value)
    assert message.startswith(f"http://127.0.0.1:{port}/…#")
    assert "cannot reach the server" in message
    for secret in (SECRET, "hunter2", "user", "token"):
        assert secret not in message


def test_webcal_is_read_over_https(server: Server, tmp_path: Path):
    server.routes[PATH] = Route()
    url = server.url(PATH).replace("http://", "webcal://")
    assert is_url(url)
    with pytest.raises(CalendarError) as caught:
        read_source(url, tmp_path, timeout=2)
    # The plain-HTTP test server cannot speak TLS: the failure proves https was tried.
    assert "cannot reach the server" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert str(caught.value).startswith("webcal://127.0.0.1:")


@pytest.mark.parametrize(("url", "shown"), [
    ("https://calendar.google.com/calendar/ical/alex%40gmail.com/private-0a1b2c3d/basic.ics",
     "https://calendar.google.com/…/basic.ics"),
    (("https://outlook.office365.com/owa/calendar/9a8b7c6d@example.com/1f2e3d4c5b6a/"
     "calendar.ics"), "https://outlook.office365.com/…/calendar.ics"),
    ("webcal://p42-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA",
     "webcal://p42-caldav.icloud.com/…"),
    ("https://user.fm/calendar/v1-7f8e9d0c1b2a3948576a/Personal.ics",
     "https://user.fm/…"),
    ("https://alice:pw@cloud.example.org:8443/remote.php/dav/public-calendars/AbC123?export",
     "https://cloud.example.org:8443/…"),
    ("https://example.com/reachcalendar.ics?key=s3cret", "https://example.com/…/reachcalendar.ics"),
])
def test_redact(url: str, shown: str):
    redacted = redact(url)
    assert redacted.startswith(shown + "#") and len(redacted) == len(shown) + 7
    assert redact(url) == redacted and redact(url + "x") != redacted
    assert label(url) == redacted


def test_file_source(tmp_path: Path):
    path = tmp_path / "cal.ics"
    path.write_bytes(CALENDAR)
    read = read_source(str(path), tmp_path / "cache")
    assert read.label == str(path) and read.documents[0].name == str(path)
    assert read_source(str(path), tmp_path / "cache").digest == read.digest
    assert not (tmp_path / "cache").exists()
    assert label(str(path)) == str(path)
    with pytest.raises(CalendarError, match=r"missing\.ics: no such file or folder$"):
        read_source(str(tmp_path / "missing.ics"), tmp_path)
    with pytest.raises(CalendarError, match="larger than 10 bytes"):
        read_source(str(path), tmp_path, max_bytes=10)


def test_unreadable_file(tmp_path: Path):
    path = tmp_path / "cal.ics"
    path.write_bytes(CALENDAR)
    with pytest.raises(CalendarError, match=r"inner\.ics: cannot read the calendar \(Not a "):
        read_source(str(path / "inner.ics"), tmp_path)


def test_folder_source(tmp_path: Path):
    folder = tmp_path / "cals"
    (folder / "work").mkdir(parents=True)
    (folder / "a.ics").write_bytes(CALENDAR)
    (folder / "work" / "b.ICS").write_bytes((FIXTURES / "zoom_invite.ics").read_bytes())
    (folder / "notes.txt").write_text("not a calendar")
    read = read_source(str(folder), tmp_path / "cache")
    assert [d.name for d in read.documents] == [str(folder / "a.ics"),
                                                str(folder / "work" / "b.ICS")]
    assert read_source(str(folder), tmp_path).digest == read.digest
    (folder / "work" / "b.ICS").write_bytes(CALENDAR)
    assert read_source(str(folder), tmp_path).digest != read.digest
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_source(str(empty), tmp_path).warnings == (
        f"{empty}: the folder holds no .ics files",)
