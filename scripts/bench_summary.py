#!/usr/bin/env python3
"""Benchmark the read side: `presence summary`, `--week` and the report over a year of data.

Builds a one-year database (about 730,000 spans, 2,000 a day between 07:00 and 23:30 local time,
an away span each night, two meetings and a few nudges a day, some logged in-person time) with
one executemany in one transaction, then measures (DESIGN §6):

- `presence summary DAY --json` as a whole process, median of --runs, against
  `python -c "import sqlite3"` from the same interpreter (target ≤ 4×), for a day half a year
  back and for today, and `presence status --json` the same way;
- the query time of `--week` and of the month report in-process (target ≤ 100 ms), warm
  (rollups built) and cold (the first run after a migration, which builds them);
- what the rollups cost on disk, per span.

Usage: python scripts/bench_summary.py [--runs 15] [--keep DIR] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from presence.reports import history
from presence.config import load
from presence.reports.html import render
from presence.store import Store
from presence.timeline import day_bounds, local_day

ZONE = "Europe/Berlin"
SPANS_PER_DAY = 2000
APPS = [("code", "other", 30), ("firefox", "other", 25), ("slack", "messaging", 14),
        ("signal", "messaging", 6), ("whatsapp", "messaging", 5), ("discord", "messaging", 4),
        ("instagram", "social", 4), ("reddit", "social", 4), ("zoom", "calls", 3),
        ("thunderbird", "other", 5)]


def build(path: Path, now: float, tz) -> int:
    """A year of data ending at `now`; returns the number of spans."""
    store = Store.open(path)  # creates the schema and runs the migrations
    rng = random.Random(5)
    names = [a for a, _, w in APPS for _ in range(w)]
    category = {a: c for a, c, _ in APPS}
    spans, meetings, logs, nudges = [], [], [], []
    today = local_day(now, tz)
    day = today - timedelta(days=364)
    while day <= today:
        start, _ = day_bounds(day, tz)
        wake, sleep = start + 7 * 3600, start + 23.5 * 3600
        spans.append((start - 0.5 * 3600, wake, None, "away", None, "bench"))
        step = (sleep - wake) / (SPANS_PER_DAY - 1)
        t = wake
        for _ in range(SPANS_PER_DAY - 1):
            app = rng.choice(names)
            spans.append((t, t + step * rng.uniform(0.6, 1.0), app, category[app], None,
                          "bench"))
            t += step
        meetings.append(("bench.ics", f"standup-{day}", start + 9.5 * 3600, start + 9.75 * 3600,
                         0, "Standup", "https://meet.example/x", "virtual", "conference link"))
        if rng.random() < 0.6:
            begin = start + rng.choice([12, 18, 19]) * 3600
            meetings.append(("bench.ics", f"meet-{day}", begin, begin + 5400, 0,
                             "Dinner with friends", "Café Fleury", "in_person",
                             "physical location"))
        if rng.random() < 0.3:
            logs.append((start + 16 * 3600, start + 17 * 3600, "walk"))
        for hour in (11, 15, 20):
            nudges.append((start + hour * 3600, "crowding_out", f"c-{day}-{hour}", "Chat",
                           "A lot of chat today", "dbus", 1, None))
        day += timedelta(days=1)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO activity (start, end, app, category, title, device) "
                     "VALUES (?, ?, ?, ?, ?, ?)", spans)
    conn.executemany("INSERT INTO meetings (source, uid, start, end, all_day, summary, location, "
                     "kind, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meetings)
    conn.executemany("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, ?)", logs)
    conn.executemany("INSERT INTO nudges (at, kind, key, title, message, channel, delivered, "
                     "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", nudges)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(spans)


def process_ms(commands: dict[str, list[str]], env: dict[str, str],
               runs: int) -> dict[str, float]:
    """Median wall time of each command as a whole process, in ms.

    The commands take turns, so that load from other work on the machine shifts them alike.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            begin = time.perf_counter()
            done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            times[name].append((time.perf_counter() - begin) * 1000)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()}")
    return {name: statistics.median(values) for name, values in times.items()}


def query_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        fn()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def drop_caches(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("DELETE FROM span_reach; DELETE FROM rollups; DELETE FROM rollup_days;")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the database in this folder, keep it")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    opts = parser.parse_args()

    folder = opts.keep or Path(tempfile.mkdtemp(prefix="presence-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(f'timezone = "{ZONE}"\n', encoding="utf-8")
    config = load(folder / "config.toml", required=True)
    tz = config.tz
    db = folder / "presence.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    now = time.time()
    begin = time.perf_counter()
    spans = build(db, now, tz)
    built_s = time.perf_counter() - begin
    size = db.stat().st_size
    past = local_day(now, tz) - timedelta(days=180)
    # As installed: pip compiles bytecode at install time, so allow cached bytecode (kept
    # under the bench folder, away from the checkout) even where the shell turns it off.
    env = dict(os.environ, PRESENCE_HOME=str(folder), PYTHONPYCACHEPREFIX=str(folder / "pyc"))
    for name in ("PRESENCE_DB", "PRESENCE_CONFIG", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    presence = [sys.executable, "-m", "presence"]

    # Cold: the first summary after a migration seals the history and rolls up the year.
    begin = time.perf_counter()
    subprocess.run([*presence, "summary", str(past), "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    cold_process_ms = (time.perf_counter() - begin) * 1000
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    rollup_bytes = db.stat().st_size - size

    commands = {"floor": [sys.executable, "-c", "import sqlite3"],
                "past": [*presence, "summary", str(past), "--json"],
                "today": [*presence, "summary", "today", "--json"],
                "week": [*presence, "summary", "--week", "--json"],
                "status": [*presence, "status", "--json"]}
    process_ms(commands, env, 2)  # warm-up: bytecode cached, files in the page cache
    measured = process_ms(commands, env, opts.runs)
    floor, day_past, day_today, week_process, status = (measured[k] for k in commands)

    store = Store.open(db, create=False)
    today = local_day(now, tz)
    week_q = query_ms(lambda: history.period_summary(store, config, today, 7, now), opts.runs)
    month_q = query_ms(lambda: history.period_summary(store, config, today, 30, now), opts.runs)
    period = history.period_summary(store, config, today, 30, now)
    render_ms = query_ms(lambda: render(period, tz), opts.runs)
    week_past_q = query_ms(lambda: history.period_summary(store, config, past, 7, now),
                           opts.runs)
    store.close()
    drop_caches(db)
    store = Store.open(db, create=False)
    begin = time.perf_counter()
    history.period_summary(store, config, today, 7, now)
    cold_week_ms = (time.perf_counter() - begin) * 1000
    store.close()

    figures = {
        "spans": spans, "build_seconds": round(built_s, 1),
        "database_bytes_per_span": round(size / spans, 1),
        "rollup_bytes_per_span": round(rollup_bytes / spans, 2),
        "floor_import_sqlite3_ms": round(floor, 1),
        "summary_day_half_a_year_back_ms": round(day_past, 1),
        "summary_today_ms": round(day_today, 1),
        "summary_week_process_ms": round(week_process, 1),
        "status_ms": round(status, 1),
        "ratio_day_to_floor": round(day_past / floor, 2),
        "ratio_today_to_floor": round(day_today / floor, 2),
        "ratio_status_to_floor": round(status / floor, 2),
        "week_query_ms": round(week_q, 1),
        "week_half_a_year_back_query_ms": round(week_past_q, 1),
        "month_report_query_ms": round(month_q, 1),
        "month_report_render_ms": round(render_ms, 1),
        "cold_first_summary_process_ms": round(cold_process_ms),
        "cold_week_query_ms": round(cold_week_ms),
    }
    print(f"one-year database: {spans:,} spans, built in {built_s:.1f} s, "
          f"{size / spans:.1f} bytes per span (+{rollup_bytes / spans:.2f} for rollups)")
    print(f"python -c 'import sqlite3'            {floor:7.1f} ms   (the floor)")
    print(f"presence summary {past} --json  {day_past:7.1f} ms   "
          f"{day_past / floor:.2f}× floor (target ≤ 4×)")
    print(f"presence summary today --json         {day_today:7.1f} ms   "
          f"{day_today / floor:.2f}× floor")
    print(f"presence summary --week --json        {week_process:7.1f} ms   whole process")
    print(f"presence status --json                {status:7.1f} ms   "
          f"{status / floor:.2f}× floor")
    print(f"--week query (in-process, warm)       {week_q:7.1f} ms   (target ≤ 100 ms)")
    print(f"--week {past} query              {week_past_q:7.1f} ms")
    print(f"report --month query (warm)           {month_q:7.1f} ms   (target ≤ 100 ms), "
          f"HTML {render_ms:.1f} ms")
    print(f"cold: first summary process {cold_process_ms:.0f} ms, first --week query "
          f"{cold_week_ms:.0f} ms (seal + roll up the whole year, once)")
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not opts.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
