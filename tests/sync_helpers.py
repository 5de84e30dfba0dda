"""Two real Syncthing devices on loopback (scripts/syncthing-pair.sh) for the devices tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from desktop_helpers import require_desktop

ROOT = Path(__file__).resolve().parent.parent
PAIR_SCRIPT = ROOT / "scripts" / "syncthing-pair.sh"


@dataclass
class SyncPair:
    """Two Syncthing instances sharing folder `presence`: `a` and `b` are its two copies."""

    rundir: Path
    a: Path
    b: Path
    api: dict[str, str]
    apikey: str

    def pid(self, which: str) -> int:
        """The pid of Syncthing `a` or `b`."""
        return int((self.rundir / which / "pid").read_text())

    def kill(self, which: str) -> None:
        """Stop one device's Syncthing (the peer goes silent)."""
        os.kill(self.pid(which), signal.SIGKILL)

    def rescan(self, which: str) -> None:
        """Ask one Syncthing to look at its folder now instead of at its next scan."""
        subprocess.run(["curl", "-sf", "-X", "POST", "-H", f"X-API-Key: {self.apikey}",
                        f"{self.api[which]}/rest/db/scan?folder=presence"],
                       capture_output=True, timeout=10, check=False)


def _free_base(start: int) -> int:
    """A port base whose +1 and +2 are free on 127.0.0.1 (tests may run beside others)."""
    for base in range(start, start + 2000, 10):
        try:
            for port in (base + 1, base + 2):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free loopback ports for syncthing")


def start_pair(folder: Path) -> SyncPair:
    """Start the pair with its run dir inside `folder` (a test's tmp_path); skip (or fail,
    under PRESENCE_REQUIRE_DESKTOP=1) without syncthing."""
    if shutil.which("syncthing") is None or shutil.which("curl") is None:
        require_desktop("syncthing or curl missing (Debian: apt-get install syncthing curl)")
    env = dict(os.environ, SYNC_PORT_BASE=str(_free_base(22100)),
               SYNC_GUI_BASE=str(_free_base(18400)), TMPDIR=str(folder))
    done = subprocess.run([str(PAIR_SCRIPT), "start"], env=env, capture_output=True, text=True,
                          timeout=90)
    if done.returncode != 0:
        pytest.fail(f"syncthing pair did not start: {done.stderr.strip()}")
    found = dict(re.findall(r"(\w+)='([^']*)'", done.stdout))
    return SyncPair(Path(found["SYNC_RUNDIR"]), Path(found["SYNC_A"]), Path(found["SYNC_B"]),
                    {"a": found["SYNC_A_API"], "b": found["SYNC_B_API"]}, found["SYNC_APIKEY"])


def stop_pair(pair: SyncPair) -> None:
    """Stop exactly what `start_pair` started and remove its run dir."""
    subprocess.run([str(PAIR_SCRIPT), "stop", str(pair.rundir)], capture_output=True,
                   timeout=60, check=False)
