#!/usr/bin/env python3
"""Benchmark `presence import activitywatch`: events per second and peak memory (issue 19).

Generates ActivityWatch exports the way aw-server writes them (`GET /api/0/export`: buckets with
their events newest first, UTC offsets, microsecond timestamps) and imports each one into a
fresh presence home with the real command in its own process:

- desktop, 1 year: aw-watcher-window (an app change every 20-60 s through a 9-hour day, with
  titles) and aw-watcher-afk beside it (lunch and breaks afk);
- phone, 1 year: aw-android app sessions (WhatsApp, Instagram, Signal, Chrome...) through the
  day;
- desktop, 3 years: the same as the first, three times as long: memory must not grow.

For each: events, file size, the whole process's wall time and events/s, its peak RSS, and the
same import run again (idempotent: adds nothing). The anchor beside it, in the same run: the
standard library's `json.load` of the same file, alone in a process (its time and peak RSS):
what any import that reads the document whole pays before doing anything.

Targets (issue 19): at least 100,000 events/s; peak RSS under 80 MB whatever the file size.

Usage: python scripts/bench_import.py [--quick] [--json OUT.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from collections.abc import Iterator
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
START = date(2025, 1, 1)
HOST = "bench-laptop"
DESKTOP_APPS = [("Slack", "general | Acme - Slack"), ("code", "main.py - presence"),
                ("firefox", "Pull request #12 - GitHub — Mozilla Firefox"),
                ("discord", "#friends | Friends - Discord"), ("Terminal", "~/src"),
                ("firefox", "(3) WhatsApp — Mozilla Firefox"), ("zoom", "Zoom Meeting"),
                ("thunderbird", "Inbox - Thunderbird")]
PHONE_APPS = [("WhatsApp", "com.whatsapp"), ("Instagram", "com.instagram.android"),
              ("Signal", "org.thoughtcrime.securesms"), ("Chrome", "com.android.chrome"),
              ("Maps", "com.google.android.apps.maps"), ("Reddit", "com.reddit.frontpage"),
              ("Spotify", "com.spotify.music")]
TARGET_EVENTS_PER_S = 100_000
TARGET_RSS_MB = 80


def stamp(at: float) -> str:
    """aw-server's timestamp format: UTC with microseconds and an offset."""
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="microseconds")


def desktop_day(day: date, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """One working day of window and AFK events (oldest first)."""
    at = datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc).timestamp()
    end = at + 9 * 3600
    lunch = (at + 4 * 3600, at + 5 * 3600)
    windows, afk = [], [(at, lunch[0] - at, "not-afk"), (lunch[0], 3600.0, "afk"),
                        (lunch[1], end - lunch[1], "not-afk")]
    while at < end:
        length = rng.uniform(20, 60)
        app, title = DESKTOP_APPS[rng.randrange(len(DESKTOP_APPS))]
        windows.append((at, length, app, title))
        at += length
    return windows, afk


def phone_day(day: date, rng: random.Random) -> list[tuple]:
    """A day of phone sessions from 07:00 to 23:00, one every ~5 minutes."""
    at = datetime(day.year, day.month, day.day, 7, tzinfo=timezone.utc).timestamp()
    end = at + 16 * 3600
    out = []
    while at < end:
        length = rng.uniform(5, 240)
        app, package = PHONE_APPS[rng.randrange(len(PHONE_APPS))]
        out.append((at, length, app, package))
        at += length + rng.uniform(30, 400)
    return out


def write_bucket(out: TextIO, bucket_id: str, type_: str, client: str, hostname: str,
                 events: Iterator[dict[str, Any]], first: bool) -> int:
    """One bucket as aw-server writes it (`events` come newest first); returns the count."""
    meta = {"id": bucket_id, "created": "2025-01-01T00:00:00.000000+00:00", "name": None,
            "type": type_, "client": client, "hostname": hostname, "data": {}}
    out.write(("" if first else ", ") + json.dumps(bucket_id) + ": " + json.dumps(meta)[:-1]
              + ', "events": [')
    count = 0
    for event in events:
        out.write((", " if count else "") + json.dumps(event))
        count += 1
    out.write("]}")
    return count


def generate(path: Path, kind: str, days: int, seed: int = 19) -> int:
    """Write an export of `days` days of `kind` (desktop | phone); returns its event count."""
    rng = random.Random(seed)
    windows: list[tuple] = []
    afk: list[tuple] = []
    for n in range(days):
        day = START + timedelta(days=n)
        if kind == "phone":
            windows += phone_day(day, rng)
        elif day.weekday() < 5:
            w, a = desktop_day(day, rng)
            windows += w
            afk += a

    def newest_first(events: list[tuple], data) -> Iterator[dict[str, Any]]:
        for e in reversed(events):
            yield {"timestamp": stamp(e[0]), "duration": round(e[1], 3), "data": data(e)}

    with path.open("w", encoding="utf-8") as out:
        out.write('{"buckets": {')
        if kind == "desktop":
            count = write_bucket(out, f"aw-watcher-window_{HOST}", "currentwindow",
                                 "aw-watcher-window", HOST, newest_first(
                                     windows, lambda e: {"app": e[2], "title": e[3]}), True)
            count += write_bucket(out, f"aw-watcher-afk_{HOST}", "afkstatus", "aw-watcher-afk",
                                  HOST, newest_first(afk, lambda e: {"status": e[2]}), False)
        else:
            count = write_bucket(out, "aw-watcher-android-test", "currentwindow", "aw-android",
                                 "Pixel 8", newest_first(windows, lambda e: {
                                     "app": e[2], "package": e[3], "classname": ""}), True)
        out.write("}}")
    return count


def measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a process; (wall seconds, peak RSS in MB, stdout)."""
    begin = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - begin
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench_import: {' '.join(args)} failed ({proc.returncode}): {err}")
    return seconds, usage.ru_maxrss / 1024, out


def import_once(export: Path, home: Path) -> tuple[float, float, str]:
    """`presence import activitywatch EXPORT` into `home`, as a whole process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    return measured([sys.executable, "-m", "presence", "import", "activitywatch",
                     str(export)], env)


def json_load(export: Path) -> tuple[float, float]:
    """The anchor: `json.load` of the whole file in a process of its own."""
    code = "import json, sys; json.load(open(sys.argv[1], 'rb'))"
    seconds, rss, _ = measured([sys.executable, "-c", code, str(export)], dict(os.environ))
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a month instead of years")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    year = 31 if args.quick else 365
    cases = [("desktop, 1 year", "desktop", year), ("phone, 1 year", "phone", year),
             ("desktop, 3 years", "desktop", 3 * year)]
    rows = []
    for label, kind, days in cases:
        export = folder / f"{kind}-{days}d.json"
        print(f"bench_import: generating {label} ...", file=sys.stderr, flush=True)
        events = generate(export, kind, days)
        size_mb = export.stat().st_size / 1e6
        home = folder / f"home-{kind}-{days}d"
        seconds, rss, report = import_once(export, home)
        again, again_rss, again_report = import_once(export, home)
        load_s, load_rss = json_load(export)
        rows.append({"case": label, "events": events, "file_mb": round(size_mb, 1),
                     "seconds": round(seconds, 2), "events_per_s": round(events / seconds),
                     "peak_rss_mb": round(rss, 1), "again_seconds": round(again, 2),
                     "again_rss_mb": round(again_rss, 1), "json_load_seconds": round(load_s, 2),
                     "json_load_rss_mb": round(load_rss, 1), "report": report.strip(),
                     "again_report": again_report.strip()})
        print(f"bench_import: {label}: {events:,} events, {events / seconds:,.0f} events/s, "
              f"{rss:.1f} MB", file=sys.stderr, flush=True)
        if not args.keep:
            export.unlink()
    print("| export | events | file | import (whole process) | events/s | peak RSS | again "
          "(adds nothing) | anchor: json.load alone |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['events']:,} | {r['file_mb']} MB | {r['seconds']} s | "
              f"{r['events_per_s']:,} | {r['peak_rss_mb']} MB | {r['again_seconds']} s, "
              f"{r['again_rss_mb']} MB | {r['json_load_seconds']} s, "
              f"{r['json_load_rss_mb']} MB |")
    worst_rate = min(r["events_per_s"] for r in rows)
    worst_rss = max(max(r["peak_rss_mb"], r["again_rss_mb"]) for r in rows)
    print(f"\nslowest {worst_rate:,} events/s (target ≥ {TARGET_EVENTS_PER_S:,}: "
          f"{'met' if worst_rate >= TARGET_EVENTS_PER_S else 'NOT met'}); "
          f"largest peak RSS {worst_rss} MB (target < {TARGET_RSS_MB} MB: "
          f"{'met' if worst_rss < TARGET_RSS_MB else 'NOT met'})")
    for r in rows:
        print(f"  {r['case']}: {r['report']} / again: {r['again_report']}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
