#!/usr/bin/env python3
"""Soak: 24 simulated hours of 1 s samples through the daemon's real pipeline; memory stays flat.

The Daemon ticks a scripted probe (the bench day of bench_ingest: the app changing every
20–60 s, chat among it) on a simulated clock from 06:00, so the run crosses midnight, into a
real store in a temporary folder, with the nudger deciding on every tick against meetings
synced from a 2,000-event calendar (synced in a child process, as the daemon does). Every
simulated hour it prints the resident memory of this process and the Python heap as
tracemalloc sees it; at the end, the growth from the first hour to the last.

Usage: python scripts/soak.py [--hours 24] [--no-tracemalloc] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from bench_ingest import day_samples, write_config

START_HOUR = 6
CALENDAR_EVENTS = 2000

SYNC = """
import sys
from pathlib import Path
from presence.calendar.sync import sync
from presence.config import load
from presence.store import Store
store = Store.open(Path(sys.argv[1]))
for status in sync(store, load(), Path(sys.argv[2]), float(sys.argv[3])):
    assert status.ok, status.message
store.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="RSS only (tracemalloc slows each tick and holds memory itself)")
    parser.add_argument("--json", type=Path, help="also write the hourly figures here")
    args = parser.parse_args()

    from bench_calendar import generate

    from presence.config import load
    from presence.daemon import Daemon
    from presence.nudges.dispatch import Recorder
    from presence.nudges.notify import RecordingNotifier
    from presence.nudges.nudger import Nudger
    from presence.replay import TraceProbe
    from presence.store import Store

    seconds = args.hours * 3600
    offset = START_HOUR * 3600
    samples = day_samples(seconds, offset=offset)
    process = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="presence-soak-") as tmp:
        folder = Path(tmp)
        calendar = folder / "bench.ics"
        calendar.write_bytes(generate(CALENDAR_EVENTS, 200))
        config_path = write_config(folder)
        with config_path.open("a", encoding="utf-8") as out:
            out.write(f'\n[calendar]\nsources = ["{calendar}"]\n'
                      'owner_emails = ["me@example.com"]\n')
        env = dict(os.environ, PRESENCE_HOME=str(folder))
        db = folder / "presence.db"
        subprocess.run([sys.executable, "-c", SYNC, str(db), str(folder / "cache"),
                        str(samples[0].at)], env=env, check=True)
        config = load(config_path, required=True)
        store = Store.open(db)
        meetings = len(store.meetings(-float("inf"), float("inf"), config.tz))
        clock = {"now": samples[0].at}
        daemon = Daemon(config, store, lambda name: TraceProbe(samples), TraceProbe.name,
                        nudger=Nudger(config, store, Recorder([RecordingNotifier("soak")])),
                        monotonic=lambda: clock["now"])
        if not args.no_tracemalloc:
            tracemalloc.start()
        rows = []
        print(f"soak: {args.hours} simulated hours of 1 s samples from {START_HOUR:02d}:00, "
              f"{meetings} synced meetings, tracemalloc "
              f"{'off' if args.no_tracemalloc else 'on'}")
        print(" hour   ticks   RSS MB  heap KiB  spans  nudges   s/hour")
        begin = time.perf_counter()
        hour_began = begin
        for i, sample in enumerate(samples, 1):
            clock["now"] = sample.at
            daemon.tick(sample.at)
            if i % 3600 == 0:
                gc.collect()  # what is left is what the pipeline holds on to
                heap = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
                spans = store.span_count()
                nudges = len(store.nudges(-float("inf"), float("inf")))
                now = time.perf_counter()
                row = {"hour": i // 3600, "ticks": i, "rss_mb": process.memory_info().rss / 2**20,
                       "heap_kib": heap / 1024 if heap is not None else None, "spans": spans,
                       "nudges": nudges, "seconds": now - hour_began}
                hour_began = now
                rows.append(row)
                heap_text = f"{row['heap_kib']:9.0f}" if heap is not None else "        -"
                print(f" {row['hour']:4d} {i:7d} {row['rss_mb']:8.1f} {heap_text} {spans:6d} "
                      f"{nudges:7d} {row['seconds']:8.2f}", flush=True)
        daemon.shutdown()
        store.close()
        elapsed = time.perf_counter() - begin
    first, last = rows[0], rows[-1]
    peak = max(r["rss_mb"] for r in rows)
    summary = {"hours": args.hours, "ticks": len(samples), "seconds": round(elapsed, 1),
               "meetings": meetings, "tracemalloc": not args.no_tracemalloc,
               "rss_first_hour_mb": round(first["rss_mb"], 1),
               "rss_last_hour_mb": round(last["rss_mb"], 1), "rss_peak_mb": round(peak, 1),
               "rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 2), "hourly": rows}
    growth = f"RSS {first['rss_mb']:.1f} MB after hour 1 → {last['rss_mb']:.1f} MB after hour " \
             f"{last['hour']} ({summary['rss_growth_mb']:+.2f} MB, peak {peak:.1f} MB)"
    if first["heap_kib"] is not None:
        summary["heap_growth_kib"] = round(last["heap_kib"] - first["heap_kib"])
        summary["heap_peak_kib"] = round(max(r["heap_kib"] for r in rows))
        growth += (f"; Python heap {first['heap_kib']:.0f} → {last['heap_kib']:.0f} KiB "
                   f"(peak {summary['heap_peak_kib']} KiB)")
    print(f"{len(samples):,} ticks in {elapsed:.1f} s; {growth}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
