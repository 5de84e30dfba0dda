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

With `--baseline TREE` (another presence source tree, e.g. `git archive COMMIT | tar -x -C
TREE`), every import also runs with that tree's code, taking turns with this one on the same
files, and a second table sets the two side by side: before/after figures measured together.

Usage: python scripts/bench_import.py [--quick] [--json OUT.json] [--keep DIR] [--baseline TREE]
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


_SPENT = [0.0]


def _child_cpu() -> float:
    """CPU seconds of the children that ended since the last call."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    spent, _SPENT[0] = total - _SPENT[0], total
    return spent


def import_once(export: Path, home: Path,
                tree: Path | None = None) -> tuple[float, float, float, str]:
    """`presence import activitywatch EXPORT` into `home`, as a whole process: (wall seconds,
    CPU seconds, its own peak RSS in MB, its output). `tree`: run that source tree's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    code = ("import resource, runpy, sys; sys.argv = ['presence', 'import', 'activitywatch', "
            f"{str(export)!r}]; sys.path.insert(0, {str(tree or ROOT)!r})\n"
            "try:\n    runpy.run_module('presence', run_name='__main__')\n"
            "except SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
            "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
            "file=sys.stderr)\nsys.exit(code)")
    return _with_own_peak([sys.executable, "-c", code], env)


def _with_own_peak(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    begin = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - begin
    if proc.returncode != 0:
        sys.exit(f"bench_import: {args[-1][:60]}... failed ({proc.returncode}): {proc.stderr}")
    cpu = _child_cpu()
    # The child reports its own peak: RUSAGE_CHILDREN's is the largest of all children so far.
    peak = [line for line in proc.stderr.splitlines() if line.startswith("peak ")]
    return seconds, cpu, int(peak[-1].split()[1]) / 1024, proc.stdout


def json_load(export: Path) -> tuple[float, float]:
    """The anchor: `json.load` of the whole file in a process of its own."""
    code = ("import json, resource, sys; json.load(open(sys.argv[1], 'rb')); "
            "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    seconds, _, rss, _ = _with_own_peak([sys.executable, "-c", code, str(export)],
                                        dict(os.environ))
    return seconds, rss


def empty_export(path: Path) -> None:
    """An export with one empty bucket: what an import costs before its first event."""
    path.write_text('{"buckets": {"aw-watcher-window_x": {"id": "aw-watcher-window_x", '
                    '"type": "currentwindow", "hostname": "x", "events": []}}}',
                    encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a month instead of years")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--runs", type=int, default=1, metavar="N",
                        help="import each export N times (fresh homes), keep the best")
    parser.add_argument("--baseline", type=Path, metavar="TREE",
                        help="also run another presence source tree's code, side by side")
    parser.add_argument("--generate", nargs=3, metavar=("KIND", "DAYS", "PATH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        kind, days, path = args.generate
        print(generate(Path(path), kind, int(days)))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    year = 31 if args.quick else 365
    cases = [("desktop, 1 year", "desktop", year), ("phone, 1 year", "phone", year),
             ("desktop, 3 years", "desktop", 3 * year)]
    rows = []
    for label, kind, days in cases:
        export = folder / f"{kind}-{days}d.json"
        print(f"bench_import: generating {label} ...", file=sys.stderr, flush=True)
        made = subprocess.run([sys.executable, __file__, "--generate", kind, str(days),
                               str(export)], capture_output=True, text=True, check=True)
        _child_cpu()
        events = int(made.stdout)
        size_mb = export.stat().st_size / 1e6
        home = folder / f"home-{kind}-{days}d"
        empty = folder / "empty.json"
        empty_export(empty)
        trees = [None] + ([args.baseline] if args.baseline is not None else [])
        best: dict[Path | None, tuple] = {}
        for run in range(args.runs):  # the trees take turns; each keeps its best run
            for tree in trees:
                place = folder / f"{'base' if tree else 'home'}-{kind}-{days}d-{run}"
                fixed, fixed_cpu, fixed_rss, _ = import_once(empty, place, tree)  # the database
                seconds, cpu, rss, report = import_once(export, place, tree)
                got = (seconds - fixed, cpu - fixed_cpu, seconds, cpu, rss, report, fixed,
                       fixed_rss, place)
                kept = best.get(tree)
                best[tree] = got if kept is None else (
                    min(kept[0], got[0]), min(kept[1], got[1]), *kept[2:4],
                    max(kept[4], got[4]), *kept[5:])
        _, _, seconds, cpu, rss, report, fixed, fixed_rss, home = best[None]
        wall_net, cpu_net = best[None][:2]
        again, _, again_rss, again_report = import_once(export, home)
        load_s, load_rss = json_load(export)
        net = events / max(wall_net, 1e-9)
        net_cpu = events / max(cpu_net, 1e-9)
        rows.append({"case": label, "events": events, "file_mb": round(size_mb, 1),
                     "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                     "startup_seconds": round(fixed, 2), "events_per_s": round(events / seconds),
                     "events_per_s_net": round(net), "events_per_cpu_s_net": round(net_cpu),
                     "peak_rss_mb": round(rss, 1), "empty_rss_mb": round(fixed_rss, 1),
                     "again_seconds": round(again, 2), "again_rss_mb": round(again_rss, 1),
                     "json_load_seconds": round(load_s, 2), "json_load_rss_mb": round(load_rss, 1),
                     "report": report.strip(), "again_report": again_report.strip()})
        if args.baseline is not None:
            base_wall, base_cpu, base_s, _, base_rss = best[args.baseline][:5]
            rows[-1].update(
                base_seconds=round(base_s, 2), base_peak_rss_mb=round(base_rss, 1),
                base_events_per_s_net=round(events / max(base_wall, 1e-9)),
                base_events_per_cpu_s_net=round(events / max(base_cpu, 1e-9)))
        print(f"bench_import: {label}: {events:,} events, {net:,.0f} events/s net, "
              f"{rss:.1f} MB", file=sys.stderr, flush=True)
        if not args.keep:
            export.unlink()
    print("| export | events | file | import, whole process | events/s (net of startup) | "
          "CPU | events per CPU second (net) | peak RSS | again (adds nothing) | "
          "anchor: json.load alone |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['events']:,} | {r['file_mb']} MB | {r['seconds']} s "
              f"({r['startup_seconds']} s startup) | {r['events_per_s_net']:,} | "
              f"{r['cpu_seconds']} s | {r['events_per_cpu_s_net']:,} | {r['peak_rss_mb']} MB | "
              f"{r['again_seconds']} s, "
              f"{r['again_rss_mb']} MB | {r['json_load_seconds']} s, "
              f"{r['json_load_rss_mb']} MB |")
    if args.baseline is not None:
        print(f"\nside by side with {args.baseline} (taking turns on the same files):\n")
        print("| export | events per CPU second, net: before | after | after/before | "
              "events/s net (wall): before | after | peak RSS: before | after |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['case']} | {r['base_events_per_cpu_s_net']:,} | "
                  f"{r['events_per_cpu_s_net']:,} | "
                  f"{r['events_per_cpu_s_net'] / r['base_events_per_cpu_s_net']:.2f}× | "
                  f"{r['base_events_per_s_net']:,} | {r['events_per_s_net']:,} | "
                  f"{r['base_peak_rss_mb']} MB | {r['peak_rss_mb']} MB |")
    worst_rate = min(r["events_per_s_net"] for r in rows)
    worst_cpu_rate = min(r["events_per_cpu_s_net"] for r in rows)
    worst_rss = max(max(r["peak_rss_mb"], r["again_rss_mb"]) for r in rows)
    print(f"\nslowest {worst_rate:,} events/s net (target ≥ {TARGET_EVENTS_PER_S:,}: "
          f"{'met' if worst_rate >= TARGET_EVENTS_PER_S else 'NOT met'}; per CPU second "
          f"{worst_cpu_rate:,}); "
          f"largest peak RSS {worst_rss} MB (target < {TARGET_RSS_MB} MB: "
          f"{'met' if worst_rss < TARGET_RSS_MB else 'NOT met'}); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for r in rows:
        print(f"  {r['case']}: {r['report']} / again: {r['again_report']}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
