"""A real ActivityWatch server for the import tests: started on 127.0.0.1 with a private home.

aw-server comes from its own venv (`scripts/aw-venv.sh` makes `.venv-aw`; `.ci/run` runs it),
never from presence's dependencies. Tests skip without it, and fail instead under
PRESENCE_REQUIRE_DESKTOP=1 (CI), like the desktop tests.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_helpers import require_desktop, wait_for

ROOT = Path(__file__).resolve().parent.parent
VENV_SERVER = ROOT / ".venv-aw" / "bin" / "aw-server"


def aw_server_program() -> Path | None:
    """aw-server from `.venv-aw` (or on PATH), or None."""
    if VENV_SERVER.exists():
        return VENV_SERVER
    found = shutil.which("aw-server")
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AwServer:
    """A running aw-server and its REST API."""

    process: subprocess.Popen
    url: str
    home: Path
    log: Path

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text.strip() else None

    def create_bucket(self, bucket: str, type_: str, client: str, hostname: str) -> None:
        """Create a bucket (POST /api/0/buckets/ID)."""
        self._call("POST", f"/api/0/buckets/{urllib.request.quote(bucket)}",
                   {"client": client, "type": type_, "hostname": hostname})

    def insert(self, bucket: str, events: list[dict[str, Any]]) -> None:
        """Insert events as they are (POST /api/0/buckets/ID/events)."""
        self._call("POST", f"/api/0/buckets/{urllib.request.quote(bucket)}/events", events)

    def clear(self) -> None:
        """Delete every bucket."""
        for bucket in self._call("GET", "/api/0/buckets/") or {}:
            self._call("DELETE", f"/api/0/buckets/{urllib.request.quote(bucket)}?force=1")

    def export(self) -> bytes:
        """The server's export document (GET /api/0/export), as bytes."""
        with urllib.request.urlopen(self.url + "/api/0/export", timeout=60) as response:
            return response.read()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/0/info", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_aw_server(folder: Path) -> AwServer:
    """Start aw-server --testing on a free loopback port with HOME and XDG_* inside `folder`."""
    program = aw_server_program()
    if program is None:
        require_desktop("aw-server missing: run scripts/aw-venv.sh (it installs aw-server into "
                        ".venv-aw)")
    home = folder / "aw-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PRESENCE_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    for sub in ("data", "config", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = folder / "aw-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(program), "--testing", "--host", "127.0.0.1", "--port",
                                    str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    server = AwServer(process, f"http://127.0.0.1:{port}", home, log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"aw-server exited: {log.read_text(errors='replace')[-2000:]}")
        return _answers(server.url)

    try:
        wait_for(ready, "aw-server to answer", timeout=90, every=0.2)
    except BaseException:
        stop_aw_server(server)
        raise
    return server


def stop_aw_server(server: AwServer) -> None:
    """Stop the server this test run started."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
