"""Hostile calendars fail alone, within their limits (issue 14, item 1).

Each test is a repro from the issue: a real .ics file, folder, FIFO or device, or a real HTTP
server on 127.0.0.1 that the test starts and that misbehaves on purpose.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from presence.calendar.sources import read_source
from presence.errors import CalendarError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "ics"
SECRET = "s3cr3t-t0ken-do-not-print"

# The 198-byte event: every second, forever.
SECONDLY = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:flood\r\n"
            b"DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n"
            b"SUMMARY:flood\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def calendar(summary: str = "Lunch with Sam", start: str = "20260302T120000Z") -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{summary.replace(' ', '-')}@t\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n"
            f"SUMMARY:{summary}\r\nLOCATION:Cafe Central\\, Main St 1\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return env


def presence(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env_for(home),
                          capture_output=True, text=True, timeout=timeout, cwd=home)


def with_sources(home: Path, *sources: str) -> None:
    (home / "config.toml").write_text(
        f"[calendar]\nsources = {json.dumps(list(sources))}\n", encoding="utf-8")


def within(seconds: float, action: Callable[[], object]) -> object:
    """Run `action` in a thread; fail (rather than hang the suite) if it is not done in time."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


class Hostile(socketserver.ThreadingTCPServer):
    """An HTTP server on 127.0.0.1 whose every path misbehaves its own way (raw sockets)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.routes: dict[str, Callable[[socket.socket], None]] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            got = self.request.recv(4096)
            if not got:
                return
            request += got
        path = request.split(b" ")[1].decode()
        route = self.server.routes.get(path.split("?")[0])
        try:
            if route is None:
                self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            else:
                route(self.request)
        except OSError:
            pass  # the client hung up: that is what the limits are for


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


def trickle(body: bytes, every: float, stop: threading.Event, headers_too: bool = False):
    def send(sock: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\n"
        if not headers_too:
            sock.sendall(head)
            head = b""
        for byte in (head + body * 1000):
            sock.sendall(bytes([byte]))
            if stop.wait(every):
                return
    return send


def test_a_server_trickling_bytes_is_cut_at_the_deadline(tmp_path, hostile):
    for path, headers_too in (("/body", False), ("/headers", True)):
        hostile.routes[path] = trickle(calendar(), 0.2, hostile.stopping, headers_too)

        def read(path: str = path) -> None:
            read_source(hostile.url(path), tmp_path / "cache", timeout=1.5)

        with pytest.raises(CalendarError, match=r"no answer within 1.5 s"):
            within(30, read)


def _endless_after_gzip(sock: socket.socket) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n"
                 b"Content-Encoding: gzip\r\n\r\n" + gzip.compress(calendar()))
    junk = b"\0" * 65536
    while True:
        sock.sendall(junk)


def _redirect_to(target: str):
    def send(sock: socket.socket) -> None:
        sock.sendall(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n"
                     "\r\n".encode())
    return send


def test_gzip_with_endless_trailing_bytes_and_ftp_redirects_are_refused(tmp_path, hostile):
    hostile.routes["/gz"] = _endless_after_gzip
    hostile.routes["/ftp"] = _redirect_to(f"ftp://127.0.0.1:1/{SECRET}.ics")
    hostile.routes["/data"] = _redirect_to("data:text/calendar,BEGIN:VCALENDAR")
    with pytest.raises(CalendarError, match="damaged gzip body|larger than"):
        within(60, lambda: read_source(hostile.url("/gz"), tmp_path / "c", max_bytes=1 << 20))
    with pytest.raises(CalendarError, match=r"redirected to a ftp:// address") as caught:
        within(30, lambda: read_source(hostile.url("/ftp"), tmp_path / "c"))
    assert SECRET not in str(caught.value)
    with pytest.raises(CalendarError, match=r"redirected to a data:// address"):
        within(30, lambda: read_source(hostile.url("/data"), tmp_path / "c"))


def test_devices_and_fifos_are_not_read(tmp_path):
    fifo = tmp_path / "feed.ics"
    os.mkfifo(fifo)
    for source in ("/dev/zero", str(fifo)):
        with pytest.raises(CalendarError, match="not a regular file"):
            within(30, lambda source=source: read_source(source, tmp_path / "cache"))


def test_a_folder_nested_1100_deep_is_read_to_its_limit(tmp_path):
    top = tmp_path / "deep"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for _ in range(1100):  # deeper than PATH_MAX allows in one path: one level at a time
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    bottom = os.open("bottom.ics", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
    os.write(bottom, calendar("Too deep"))
    os.close(bottom)
    os.close(fd)
    (top / "top.ics").write_bytes(calendar("Dinner with Ana"))
    try:
        read = read_source(str(top), tmp_path / "cache")
        assert [Path(d.name).name for d in read.documents] == ["top.ics"]
        assert any("deeper than" in w for w in read.warnings)
    finally:
        unnest(top / "d")


def unnest(folder: Path) -> None:
    """Remove a folder nested too deep for shutil.rmtree, one level at a time."""
    spare = folder.with_name("spare")
    while folder.exists():
        for entry in folder.iterdir():
            if entry.name != "d":
                entry.unlink()
        if (folder / "d").exists():
            (folder / "d").rename(spare)
            folder.rmdir()
            spare.rename(folder)
        else:
            folder.rmdir()


def test_nested_components_are_refused_in_linear_time(tmp_path):
    from presence.calendar.expand import CalendarSettings, parse_calendar

    nested = (b"BEGIN:VCALENDAR\r\n" + b"BEGIN:X-A\r\n" * 40_000 + b"END:X-A\r\n" * 40_000
              + b"END:VCALENDAR\r\n")
    settings = CalendarSettings.shipped(timezone.utc)
    with pytest.raises(CalendarError, match=r"line 11: components nested more than 10 deep"):
        within(30, lambda: parse_calendar(nested, "nested.ics", settings))


def test_every_bad_source_fails_alone_in_sync_list_status_and_doctor(tmp_path, hostile):
    """The issue's mix: a SECONDLY flood, a malformed URL, a 3-byte UTF-16 file, an odd-length
    UTF-16 file, a FIFO and a good calendar after all of them."""
    (tmp_path / "flood.ics").write_bytes(SECONDLY)
    (tmp_path / "bom.ics").write_bytes(b"\xff\xfeB")
    (tmp_path / "odd.ics").write_bytes("BEGIN:VCALENDAR\r\n".encode("utf-16") + b"\x00")
    os.mkfifo(tmp_path / "fifo.ics")
    good = tmp_path / "good.ics"
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    good.write_bytes(calendar("Dinner with Ana", f"{tomorrow:%Y%m%d}T190000Z"))
    bad_url = f"http://[::1/{SECRET}/basic.ics"
    with_sources(tmp_path, str(tmp_path / "flood.ics"), bad_url, str(tmp_path / "bom.ics"),
                 str(tmp_path / "odd.ics"), str(tmp_path / "fifo.ics"), str(good))
    synced = presence(tmp_path, "calendar", "sync", timeout=120)
    out = synced.stdout + synced.stderr
    assert synced.returncode == 1, out
    assert "Traceback" not in out and SECRET not in out
    lines = synced.stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith(f"ok   {tmp_path / 'flood.ics'}: 0 instances, 1 skipped")
    assert lines[1].startswith("FAIL <calendar URL>#")
    assert lines[4] == f"FAIL {tmp_path / 'fifo.ics'}: not a regular file (give an .ics file " \
                       "or a folder)"
    assert lines[5] == f"ok   {good}: 1 instances", lines
    listed = presence(tmp_path, "calendar", "list")
    assert "more often than once a minute" in listed.stdout
    for command in (["calendar", "list"], ["status"], ["doctor"]):
        result = presence(tmp_path, *command)
        text = result.stdout + result.stderr
        assert "Traceback" not in text and SECRET not in text, command
        assert "not a regular file" in text, command


def test_a_dying_sync_child_is_reported_and_retried_with_backoff(tmp_path):
    from presence.calendar.sync import failures, record_child
    from presence.service import CalendarSyncRunner
    from presence.store import Store

    store = Store.open(tmp_path / "presence.db")
    reports: list[tuple[str | None, float | None]] = []

    def report(error: str | None, retry_at: float | None) -> None:
        reports.append((error, retry_at))
        record_child(store, error, retry_at)

    # a real child that dies the way the OOM killer ends one
    runner = CalendarSyncRunner(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
        has_sources=lambda: True, every=lambda: 0.05, report=report)
    wait_for(lambda: runner.poll() and runner.deaths == 1, what="the first death")
    first = time.monotonic()
    wait_for(lambda: runner.poll() and runner.deaths == 2, what="the retry's death")
    assert time.monotonic() - first >= 0.05  # not restarted at once
    assert runner.backoff == pytest.approx(0.1)  # the third try waits twice as long
    assert "killed by signal 9 (2 times in a row)" in reports[-1][0]
    assert any("killed by signal 9" in line for line in failures(store))
    store.close()
    status = presence(tmp_path, "status")
    assert "the calendar sync was killed by signal 9" in status.stdout
    doctor = presence(tmp_path, "doctor")
    assert "killed by signal 9" in doctor.stdout
    runner.close()


def test_a_flood_of_events_or_instances_is_cut_at_the_calendar_limits(tmp_path):
    from presence.calendar.expand import CalendarSettings, parse_calendar
    from presence.calendar.limits import MAX_EVENTS, MAX_WINDOW_INSTANCES

    def feed(events: int, rule: str = "") -> bytes:
        body = "".join(f"BEGIN:VEVENT\r\nUID:e{n}\r\nDTSTART:20260302T090000Z\r\n"
                       f"DURATION:PT1H\r\n{rule}SUMMARY:x\r\nEND:VEVENT\r\n"
                       for n in range(events))
        return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n".encode()

    settings = CalendarSettings.shipped(timezone.utc)
    with pytest.raises(CalendarError, match=f"more than {MAX_EVENTS} events"):
        parse_calendar(feed(MAX_EVENTS + 1), "flood.ics", settings)
    daily = parse_calendar(feed(300, "RRULE:FREQ=DAILY\r\n"), "daily.ics", settings)
    window = (datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 6, 1,
                                                                  tzinfo=timezone.utc))
    result = daily.instances(*window)  # 300 series × 92 days = 27,600 instances asked for
    assert len(result.meetings) <= MAX_WINDOW_INSTANCES
    assert sum("more than 10000 instances in the window" in w for w in result.warnings) == 1


def test_the_daemons_sync_child_gives_every_slow_source_its_whole_deadline(tmp_path, hostile):
    """Sources are synced one after another, each within `[calendar] deadline_seconds`: the
    child's time limit is derived from them, so trickling sources never use up the child's
    time before the sources after them had their turn (it was a fixed 300 s: the eleventh
    30 s source and every one after it were never synced)."""
    from presence import config as config_mod
    from presence.calendar.sync import child_limit, configured_sources, last_checked, statuses
    from presence.service import CalendarSyncRunner
    from presence.store import Store

    slow = []
    for n in range(4):
        hostile.routes[f"/slow{n}"] = trickle(calendar(), 0.3, hostile.stopping)
        slow.append(hostile.url(f"/slow{n}"))
    good = tmp_path / "good.ics"
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    good.write_bytes(calendar("Dinner with Ana", f"{tomorrow:%Y%m%d}T190000Z"))
    config_path = tmp_path / "config.toml"
    config_path.write_text(f"[calendar]\nsources = {json.dumps([*slow, str(good)])}\n"
                           "deadline_seconds = 2\n", encoding="utf-8")
    config = config_mod.load(config_path, required=True)
    store = Store.open(tmp_path / "presence.db")
    runner = CalendarSyncRunner(
        [sys.executable, "-m", "presence", "--db", str(tmp_path / "presence.db"), "--config",
         str(config_path), "calendar", "sync", "--quiet", "--max-memory", "1024"],
        has_sources=lambda: bool(configured_sources(config, store)), every=lambda: 3600.0,
        last_recorded=lambda: last_checked(store), limit=lambda: child_limit(config, store))
    try:
        wait_for(runner.poll, what="the sync child to finish", timeout=600, every=0.2)
    finally:
        runner.close()
    assert runner.deaths == 0 and runner.limit >= 5 * 2  # never stopped: all had their turn
    outcome = statuses(store)
    assert [state["instances"] for state in outcome.values()] == [0, 0, 0, 0, 1]
    assert all("within 2 s" in (state["error"] or "") for state in list(outcome.values())[:4])
    assert list(outcome.values())[4]["error"] is None
    # the eleven trickling sources at the shipped 30 s: the limit covers them all
    many = config_mod.override(config, "calendar.sources", [f"{slow[0]}?{n}" for n in range(11)])
    many = config_mod.override(many, "calendar.deadline_seconds", 30)
    assert child_limit(many, store) >= 11 * 30
    store.close()


# Two of the fuzzer's findings (round 4): a time zone whose rule changes the offset every
# second (dateutil walks it from 1601 at every offset asked: it never answers) and a rule with
# INTERVAL=0 (dateutil never steps past the first instance).
ZONE_EVERY_SECOND = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Hostile Time\r\n"
    b"BEGIN:STANDARD\r\nDTSTART:16011028T030000\r\n"
    b"RRULE:FREQ=MONTHLY;FREQ=SECONDLY;BYSECOND=0,1,2\r\n"
    b"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\nUID:z@t\r\nDTSTART;TZID=Hostile Time:20260302T120000\r\n"
    b"DURATION:PT1H\r\nSUMMARY:Lunch with Sam\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_zone_changing_every_second_fails_its_source_alone_and_interval_0_is_skipped(
        tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    zone = tmp_path / "zone.ics"
    zone.write_bytes(ZONE_EVERY_SECOND)
    stuck = tmp_path / "interval0.ics"
    stuck.write_bytes(calendar("Dinner with Ana").replace(
        b"DURATION:PT1H\r\n", b"DURATION:PT1H\r\nRRULE:FREQ=DAILY;INTERVAL=0\r\n")
        .replace(b"END:VCALENDAR", b"BEGIN:VEVENT\r\nUID:ok@t\r\nDTSTART:20260303T120000Z\r\n"
                 b"DURATION:PT1H\r\nSUMMARY:Coffee with Jo\r\nLOCATION:Cafe\r\nEND:VEVENT\r\n"
                 b"END:VCALENDAR"))
    good = tmp_path / "good.ics"
    good.write_bytes(calendar("Lunch with Priya"))
    with_sources(home, str(zone), str(stuck), str(good))
    done = within(60, lambda: presence(home, "calendar", "sync"))
    assert "Traceback" not in done.stdout + done.stderr
    listed = presence(home, "calendar", "list").stdout
    [line] = [l for l in listed.splitlines() if "zone.ics" in l and "refused" in l]
    assert "'Hostile Time' refused: its STANDARD rule repeats secondly" in line
    shown = presence(home, "calendar", "events", "--from", "2026-03-01", "--to",
                     "2026-03-05").stdout
    assert "Lunch with Priya" in shown and "Coffee with Jo" in shown
    assert "Dinner with Ana" not in shown  # refused, not expanded forever


def test_a_zone_in_the_old_spelling_of_the_second_sunday_is_read(tmp_path):
    # US Eastern before 2007 tools: "the Sunday among the 8th to the 14th" narrows to one day
    home = tmp_path / "home"
    home.mkdir()
    zone = tmp_path / "eastern.ics"
    zone.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Old Eastern\r\n"
        b"BEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\n"
        b"RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU\r\n"
        b"TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
        b"BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\n"
        b"RRULE:FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=SU\r\n"
        b"TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        b"BEGIN:VEVENT\r\nUID:e@t\r\nDTSTART;TZID=Old Eastern:20260302T120000\r\n"
        b"DURATION:PT1H\r\nSUMMARY:Lunch with Sam\r\nLOCATION:Cafe\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n")
    with_sources(home, str(zone))
    done = within(60, lambda: presence(home, "calendar", "sync"))
    assert "refused" not in done.stdout + done.stderr
    shown = presence(home, "calendar", "events", "--from", "2026-03-01", "--to",
                     "2026-03-05").stdout
    assert "Lunch with Sam" in shown
