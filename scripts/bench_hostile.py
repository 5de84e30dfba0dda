"""Benchmark: a hostile calendar feed against a well-formed one of the same size (DESIGN §6:
a hostile feed costs at most its deadline and 100 MB).

Usage: python scripts/bench_hostile.py [--events 1000] [--json OUT]

Every feed is served over http by a server on 127.0.0.1 started here, and synced by the real
`presence calendar sync --max-memory 1024` in a child process (what the daemon runs); the time
is the child's wall clock, the memory its peak resident set (wait4). The well-formed feed is
the anchor, measured in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 20.0  # presence.calendar.sources.DEFAULT_TIMEOUT
TARGET_MB = 100


def event(n: int, rule: str, start: str = "20260302T090000Z") -> str:
    return (f"BEGIN:VEVENT\r\nUID:event-{n}@bench\r\nDTSTAMP:20260301T000000Z\r\n"
            f"DTSTART:{start}\r\nDURATION:PT1H\r\n{rule}SUMMARY:Lunch with Sam {n}\r\n"
            "LOCATION:Cafe Central\\, Main St 1\r\nEND:VEVENT\r\n")


def calendar(body: str) -> bytes:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n{body}END:VCALENDAR\r\n" \
        .encode()


def feeds(events: int) -> dict[str, bytes]:
    """The anchor and the hostile feeds, each about the anchor's size."""
    good = calendar("".join(event(n, "RRULE:FREQ=WEEKLY;COUNT=52\r\n" if n % 5 == 0 else "",
                                  f"202603{2 + n % 27:02d}T{9 + n % 8:02d}0000Z")
                            for n in range(events)))
    size = len(good)
    seconds = calendar("".join(event(n, "RRULE:FREQ=SECONDLY\r\n") for n in range(events)))
    minutes = calendar("".join(event(n, "RRULE:FREQ=MINUTELY\r\n", "20000101T000000Z")
                               for n in range(events)))
    daily = calendar("".join(event(n, "RRULE:FREQ=DAILY;BYHOUR=0,3,6,9,12,15,18,21\r\n")
                             for n in range(events)))
    depth = size // 22
    nested = calendar("BEGIN:X-A\r\n" * depth + "END:X-A\r\n" * depth)
    return {"well-formed (anchor)": good, "FREQ=SECONDLY, no end": seconds,
            "FREQ=MINUTELY since 2000": minutes, "8 instances a day per series": daily,
            "nested components": nested}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, bodies: dict[str, bytes]):
        self.bodies = bodies
        self.stop = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            got = self.request.recv(4096)
            if not got:
                return
            request += got
        name = request.split(b" ")[1].decode().lstrip("/")
        body = self.server.bodies.get(name, b"")
        try:
            if name == "trickle":
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\n")
                for byte in body:
                    self.request.sendall(bytes([byte]))
                    if self.server.stop.wait(0.5):
                        return
            elif name == "gzip-then-endless":
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"
                                     + gzip.compress(body))
                junk = os.urandom(65536)
                while not self.server.stop.is_set():
                    self.request.sendall(junk)
            else:
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n"
                                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        except OSError:
            pass


def sync_once(url: str) -> tuple[float, float, str]:
    """(seconds, peak MB, last output line) of one `presence calendar sync` child."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "config.toml").write_text(f'[calendar]\nsources = ["{url}"]\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
        env.update(PRESENCE_HOME=home, XDG_CACHE_HOME=str(Path(home) / "cache"))
        began = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "presence", "calendar", "sync",
                                  "--max-memory", "1024"], env=env, cwd=home,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = child.stdout.read().decode("utf-8", "replace") if child.stdout else ""
        _pid, _status, usage = os.wait4(child.pid, 0)
        took = time.monotonic() - began
    return took, usage.ru_maxrss / 1024, (out.strip().splitlines() or [""])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    bodies = feeds(args.events)
    good = bodies["well-formed (anchor)"]
    served = {f"f{i}": body for i, body in enumerate(bodies.values())}
    served["trickle"] = good
    served["gzip-then-endless"] = good
    server = Server(served)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    names = list(bodies) + ["one byte every 0.5 s", "gzip, then endless bytes"]
    paths = [f"f{i}" for i in range(len(bodies))] + ["trickle", "gzip-then-endless"]
    sizes = [len(b) for b in bodies.values()] + [len(good), len(good)]
    for name, path, size in zip(names, paths, sizes):
        took, peak, line = sync_once(base + path)
        rows.append({"feed": name, "bytes": size, "seconds": round(took, 2),
                     "peak_mb": round(peak, 1), "outcome": line[:110]})
        print(f"{name:<30} {size / 1024:7.0f} KiB {took:7.2f} s {peak:7.1f} MB  {line[:90]}",
              flush=True)
    server.stop.set()
    server.shutdown()
    anchor = rows[0]
    worst = max(rows[1:], key=lambda r: r["seconds"])
    heaviest = max(rows[1:], key=lambda r: r["peak_mb"])
    print(f"anchor {anchor['seconds']} s {anchor['peak_mb']} MB; slowest hostile "
          f"{worst['seconds']} s ({worst['feed']}), target ≤ {DEADLINE:g} s + start-up; "
          f"largest {heaviest['peak_mb']} MB ({heaviest['feed']}), target ≤ {TARGET_MB} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
