"""Escape sequences from outside never reach the terminal (issue 14, item 2).

Calendar text, a server's headers, app names and labels carry ESC and C1 bytes here; every
command that shows them must print them visibly (`\\x1b`), to a terminal or to a pipe.
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support import sealed_env

from presence.sanitise import block, json_text, visible

ROOT = Path(__file__).resolve().parent.parent
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")

HOSTILE_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n"
    "BEGIN:VEVENT\r\nUID:evil-\x1b]0;owned\x07@example.com\r\n"
    "DTSTAMP:20260301T000000Z\r\nDTSTART:20260302T120000Z\r\nDTEND:20260302T130000Z\r\n"
    "SUMMARY:Lunch\x1b[2J\x1b[31m with Sam\u202eevil\r\n"
    "LOCATION:Caf\u00e9 \u009b31m Central\\, Main St 1\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n")


def presence(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=env["PRESENCE_HOME"])


def assert_clean(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        assert not RAW.search(stream), stream
        assert "Traceback" not in stream


def test_visible_shows_every_control_character_and_keeps_text():
    assert visible("Lunch\x1b]0;t\x07") == "Lunch\\x1b]0;t\\x07"
    assert visible("a\nb\tc") == "a\\x0ab\\x09c"
    assert visible("csi \x9b31m rtl \u202e") == "csi \\x9b31m rtl \\u202e"
    assert visible("Café — 日本") == "Café — 日本"
    assert visible("x" * 50, 10) == "x" * 9 + "…"


def test_block_keeps_its_own_lines_and_json_text_keeps_the_values():
    assert block("one\n\ttwo\x1b[A\r") == "one\n\ttwo\\x1b[A\\x0d"
    document = json.dumps({"s": "a\x1bb\x9bc\u202ed\U000e0041"}, ensure_ascii=False)
    safe = json_text(document)
    assert not RAW.search(safe) and "\U000e0041" not in safe
    assert json.loads(safe) == {"s": "a\x1bb\x9bc\u202ed\U000e0041"}


def test_no_module_prints_around_the_sanitiser():
    """The mechanism: output reaches a terminal only through presence.cli.common's printers
    (and the error line in main.py, which sanitises too)."""
    offenders = []
    for path in (ROOT / "presence").rglob("*.py"):
        if path.name == "common.py" and path.parent.name == "cli":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\bclick\.echo\(|(?<![\w.])print\(|click\.secho\(", code):
                if path.name == "main.py" and "block(exc)" in code:
                    continue
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_calendar_events_shows_escapes_visibly_in_text_and_json(tmp_path):
    feed = tmp_path / "hostile.ics"
    feed.write_bytes(HOSTILE_ICS.encode("utf-8"))
    env = sealed_env(tmp_path)
    text = presence(env, "calendar", "events", str(feed), "--from", "2026-03-02T00:00Z",
                    "--to", "2026-03-03T00:00Z")
    assert text.returncode == 0, text.stderr
    assert_clean(text)
    assert "Lunch\\x1b[2J\\x1b[31m with Sam\\u202eevil" in text.stdout
    as_json = presence(env, "calendar", "events", str(feed), "--from", "2026-03-02T00:00Z",
                       "--to", "2026-03-03T00:00Z", "--json")
    assert_clean(as_json)
    [event] = json.loads(as_json.stdout)
    # the JSON values are exactly what the calendar said; only their spelling is escaped
    assert event["uid"] == "evil-\x1b]0;owned\x07@example.com"
    assert event["summary"] == "Lunch\x1b[2J\x1b[31m with Sam\u202eevil"


class _HostileHeaders(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"<html>login</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html\x1b]0;owned\x07\x1b[2J")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostileHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cal/secret-token-93f1/basic.ics"
    server.shutdown()
    server.server_close()


def test_server_text_in_sync_list_status_and_doctor(tmp_path, hostile_server):
    env = sealed_env(tmp_path)
    added = presence(env, "calendar", "add", hostile_server)
    assert added.returncode == 0, added.stderr
    synced = presence(env, "calendar", "sync")
    assert synced.returncode == 1
    assert_clean(synced)
    assert "Content-Type text/html\\x1b]0;owned\\x07\\x1b[2J" in synced.stdout
    for command in (["calendar", "list"], ["status"], ["doctor"]):
        result = presence(env, *command)
        assert_clean(result)
        assert "\\x1b]0;owned" in result.stdout, command


def test_app_names_and_labels_in_summary_and_focus_list(tmp_path):
    from presence.model import Span
    from presence.store import Store

    env = sealed_env(tmp_path)
    now = time.time()
    store = Store.open(tmp_path / "presence.db")
    store.insert_span(Span(now - 600, now - 60, "sl\x1b[8mack", "messaging"), "here")
    store.close()
    summary = presence(env, "summary")
    assert summary.returncode == 0, summary.stderr
    assert_clean(summary)
    assert "sl\\x1b[8mack" in summary.stdout
    added = presence(env, "focus", "add", "--for", "1h", "--label", "Din\x1b[2Jner\x9b")
    assert added.returncode == 0, added.stderr
    assert_clean(added)
    listed = presence(env, "focus", "list")
    assert_clean(listed)
    assert "Din\\x1b[2Jner\\x9b" in listed.stdout


def test_every_character_that_is_escaped_is_one_isprintable_refuses():
    # the sanitiser returns printable text as it is, without its regexes (issue 18): that is
    # only right while every escaped character is one that str.isprintable() refuses
    from presence import sanitise

    for pattern in (sanitise._LINE, sanitise._BLOCK, sanitise._JSON_EXTRA, sanitise._SURROGATE):
        found = re.compile(pattern)
        assert not [c for c in range(0x110000) if chr(c).isprintable() and found.match(chr(c))]
    assert sanitise.block("Dinner\twith Sam\nat 19:00") == "Dinner\twith Sam\nat 19:00"
    assert sanitise.block("Sam\u202e\x1b[2J") == "Sam\\u202e\\x1b[2J"
