"""Benchmark: a hostile calendar feed against a well-formed one of the same size (DESIGN §6:
a hostile feed costs at most its deadline and 100 MB).

Usage: python scripts/bench_hostile.py [--events 1000 20000] [--json OUT]

For each size, every feed is served over http by a server on 127.0.0.1 started here, and synced
by the real `presence calendar sync --max-memory 1024` in a child process (what the daemon
runs); the time is the child's wall clock, the memory its peak resident set (wait4). The
well-formed feed of that size is the anchor, and `python -c "import sqlite3"` the floor, both
measured in the same run. At 20,000 events (the most a calendar may hold) the parse itself
takes seconds: that is where the per-source deadline (`[calendar] deadline_seconds`) cuts.
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
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from presence.calendar.limits import DEFAULT_DEADLINE  # noqa: E402 - after the path

TARGET_MB = 100


def event(n: int, rule: str, start: str = "20260302T090000Z") -> str:
    return (f"BEGIN:VEVENT\r\nUID:event-{n}@bench\r\nDTSTAMP:20260301T000000Z\r\n"
            f"DTSTART:{start}\r\nDURATION:PT1H\r\n{rule}SUMMARY:Lunch with Sam {n}\r\n"
            "LOCATION:Cafe Central\\, Main St 1\r\nEND:VEVENT\r\n")


def stamp(when: datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def calendar(body: str) -> bytes:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n{body}END:VCALENDAR\r\n" \
        .encode()


def feeds(events: int) -> dict[str, bytes]:
    """The anchor and the hostile feeds, each about the anchor's size."""
    # the anchor's events fall in the synced window (a week back to two months ahead)
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    good = calendar("".join(event(n, "RRULE:FREQ=WEEKLY;COUNT=52\r\n" if n % 5 == 0 else "",
                                  stamp(today + timedelta(days=n % 60 - 3, hours=9 + n % 8)))
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


def floor_ms() -> float:
    """The whole-process floor: `python -c "import sqlite3"`, in ms."""
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "import sqlite3"], check=True)
    return (time.monotonic() - began) * 1000


def measure(events: int, extras: bool) -> list[dict]:
    """One row per feed of about the size of a well-formed calendar of `events` events."""
    bodies = feeds(events)
    good = bodies["well-formed (anchor)"]
    served = {f"f{i}": body for i, body in enumerate(bodies.values())}
    names, paths = list(bodies), list(served)
    sizes = [len(b) for b in bodies.values()]
    if extras:  # whatever the size, these two are cut by the download's limits
        served.update({"trickle": good, "gzip-then-endless": good})
        names += ["one byte every 0.5 s", "gzip, then endless bytes"]
        paths += ["trickle", "gzip-then-endless"]
        sizes += [len(good), len(good)]
    server = Server(served)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    try:
        for name, path, size in zip(names, paths, sizes):
            floor = floor_ms()
            took, peak, line = sync_once(base + path)
            rows.append({"events": events, "feed": name, "bytes": size,
                         "seconds": round(took, 2), "peak_mb": round(peak, 1),
                         "floor_ms": round(floor), "outcome": line[:160]})
            print(f"{events:>6} {name:<30} {size / 1024:7.0f} KiB {took:7.2f} s "
                  f"{peak:7.1f} MB  (floor {floor:4.0f} ms)  {line[:100]}", flush=True)
    finally:
        server.stop.set()
        server.shutdown()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    for number, events in enumerate(args.events):
        rows += measure(events, extras=number == 0)
    summary = {"deadline_s": DEFAULT_DEADLINE, "target_mb": TARGET_MB, "rows": rows}
    for events in args.events:
        sized = [r for r in rows if r["events"] == events]
        anchor, hostile = sized[0], sized[1:]
        worst = max(hostile, key=lambda r: r["seconds"])
        heaviest = max(hostile, key=lambda r: r["peak_mb"])
        summary[f"{events}"] = {"anchor_s": anchor["seconds"], "anchor_mb": anchor["peak_mb"],
                                "slowest_s": worst["seconds"], "slowest": worst["feed"],
                                "largest_mb": heaviest["peak_mb"], "largest": heaviest["feed"]}
        print(f"{events} events: anchor {anchor['seconds']} s {anchor['peak_mb']} MB; slowest "
              f"hostile {worst['seconds']} s ({worst['feed']}), target ≤ {DEFAULT_DEADLINE:g} s "
              f"+ start-up; largest {heaviest['peak_mb']} MB ({heaviest['feed']}), target ≤ "
              f"{TARGET_MB} MB")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
