"""Calendar URLs are secrets on every path that can print them (issue 14, item 6).

Every output of every command, the daemon's log and the stored error texts are searched for
the secret part of the URL.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from presence.store import Store
from tests.support import read_store

SECRET = "pr1vate-T0KEN-4f9a2c"


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return env


def presence(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env_for(home),
                          cwd=home, capture_output=True, text=True, timeout=120)


def no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text, text
        assert SECRET.replace("-", "\\-") not in text


class _Redirects(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if "gone" in self.path:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302)
        self.send_header("Location", f"ftp://anonymous:{SECRET}@127.0.0.1:1/{SECRET}.ics")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("sources", [
    f'"https://calendar.example.com/calendar/ical/{SECRET}/basic.ics"',
    f'["https://u:{SECRET}@calendar.example.com/x.ics", 5]',
    f'[{{url = "webcal://calendar.example.com/{SECRET}.ics"}}]',
])
def test_config_errors_never_quote_the_url_whole(tmp_path, sources):
    (tmp_path / "config.toml").write_text(f"[calendar]\nsources = {sources}\n", encoding="utf-8")
    outputs = []
    for command in (["config", "check"], ["doctor"], ["run", "--probe", "none"], ["status"],
                    ["calendar", "list"]):
        result = presence(tmp_path, *command)
        assert "Traceback" not in result.stderr, command
        outputs += [result.stdout, result.stderr]
    assert any("calendar.sources" in text for text in outputs)
    no_secret(*outputs)


def test_urls_with_a_tab_a_redirect_or_a_404_stay_secret_in_outputs_store_and_log(tmp_path,
                                                                                   server):
    tab = f"https://calendar.example.com/{SECRET}\t/basic.ics"
    sources = [tab, f"{server}/cal/{SECRET}/basic.ics", f"{server}/gone/{SECRET}/x.ics"]
    (tmp_path / "config.toml").write_text(
        f"[calendar]\nsources = {json.dumps(sources)}\nrefresh_minutes = 1\n",
        encoding="utf-8")
    outputs = []
    for command in (["calendar", "sync"], ["calendar", "list"], ["calendar", "list", "--json"],
                    ["status"], ["status", "--json"], ["doctor"],
                    ["calendar", "events", "--from", "2026-03-01", "--to", "2026-03-02"]):
        result = presence(tmp_path, *command)
        assert "Traceback" not in result.stderr, command
        outputs += [result.stdout, result.stderr]
    joined = "\n".join(outputs)
    assert "redirected to a ftp:// address" in joined and "HTTP 404" in joined
    assert "control characters" in joined or "cannot read" in joined
    store = Store.open(tmp_path / "presence.db", create=False)
    try:
        stored = json.dumps(store.get_setting("calendar_sync"))
    finally:
        store.close()
    no_secret(joined, stored)

    # the daemon's own syncs, and its log
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "-v", "run", "--probe", "none",
                               "--interval", "0.2"], env=env_for(tmp_path), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        previous = json.loads(stored)
        wait_for(lambda: (read_store(tmp_path / "presence.db",
                                     lambda s: s.get_setting("calendar_sync")) or {}) != previous,
                 what="the daemon's first calendar sync", timeout=120)
    finally:
        daemon.send_signal(signal.SIGTERM)
        out, err = daemon.communicate(timeout=30)
    no_secret(out, err, (tmp_path / "presence.log").read_text(encoding="utf-8"))


def test_a_config_path_that_is_a_folder_is_an_error_and_sighup_keeps_the_old_config(tmp_path):
    (tmp_path / "config.toml").write_text("[daemon]\nflush_seconds = 7\n", encoding="utf-8")
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                               "--interval", "0.2"], env=env_for(tmp_path), cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: read_store(tmp_path / "presence.db",
                                    lambda s: s.daemon_record()), what="a heartbeat")
        (tmp_path / "config.toml").unlink()
        (tmp_path / "config.toml").mkdir()
        daemon.send_signal(signal.SIGHUP)
        log = tmp_path / "presence.log"
        wait_for(lambda: "config not reloaded" in log.read_text(), what="the refused reload")
        assert "is a folder" in log.read_text()
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    for command in (["config", "check"], ["run"]):
        result = presence(tmp_path, *command)
        assert result.returncode == 2
        assert result.stderr.strip().endswith("is a folder (or a device), not a config file; "
                                              "move it aside or point --config at a .toml file")
