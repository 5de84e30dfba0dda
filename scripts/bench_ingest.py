#!/usr/bin/env python3
"""Benchmark ingest, storage and queries side by side with ActivityWatch's aw-core datastore.

Every engine gets the same generated data (DESIGN §6):

- ingest: one day of 86,400 one-second heartbeats, the app changing every 20–60 s (40 s on
  average), through presence's real pipeline (the Daemon ticking a scripted probe: classify →
  spans.step → Store, flushing every `flush_seconds`), through aw-core's datastore with both
  storage strategies (`peewee`, ActivityWatch's default, and `sqlite`) fed the way aw-server
  feeds it (`heartbeat_merge`, then `replace_last` or `insert`, the last event cached), and
  through a lean floor (merge equal samples, insert on change, extend every 30 s, integer
  seconds, one index). Heartbeats per second and CPU µs per heartbeat, each run in a fresh
  process, the engines taking turns; medians.
- storage: bytes per stored span of the span table and its indexes (SQLite's `dbstat`), bytes
  per day, and for presence the breakdown per structure and what each proposed change saves.
- queries on a one-year database (the spans of `bench_summary.build`, 2,000 a day, loaded
  into every engine): per-app totals of one day half a year back, of the last week and of the
  whole year — presence through `history.app_totals` (the summaries' reader: one aggregate
  over the daily rollups plus the live days' spans), aw-core
  through `bucket.get` + `merge_events_by_keys` as its web UI's queries do, the floor through
  one SQL aggregate. For aw-core also a whole process that prints one day's per-app totals,
  the counterpart of `presence summary DAY --json`.

aw-core's events carry `{"app": name}` only: presence stores no titles by default, so both
sides are compared without titles.

Usage: python scripts/bench_ingest.py [--quick] [--year-db PATH] [--json OUT.json]
(run it from .venv-bench, which `scripts/bench` sets up with aw-core.)
`--ingest-only --against DIR` measures only the ingest, of this tree, of the presence in DIR
(an exported copy of another commit: "before") and of the floor, taking turns in one run;
no aw-core needed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from bench_summary import APPS, ZONE

from presence.model import Sample
from presence.timeline import day_bounds

DAY = date(2026, 3, 2)  # in the past, so aw-core never warns of events in the future
PULSE = 2.0  # aw-watcher-window's pulsetime at a 1 s poll; presence's pulse at 1 s too
FLUSH_SECONDS = 30  # presence's default flush_seconds; the floor extends as often
BUCKET = "aw-watcher-window_bench"
ENGINES = ("presence", "aw-sqlite", "aw-peewee", "floor")
TITLES = {
    "code": ["store.py - presence - Visual Studio Code", "README.md - presence - Visual Studio Code"],
    "firefox": ["Python docs — Mozilla Firefox", "r/python - Reddit — Mozilla Firefox",
                "Inbox (3) - Gmail — Mozilla Firefox", "WhatsApp — Mozilla Firefox"],
    "slack": ["general | Acme - Slack", "random | Acme - Slack"],
    "signal": ["Signal"], "whatsapp": ["WhatsApp"], "discord": ["#general | Friends - Discord"],
    "instagram": ["Instagram"], "reddit": ["Reddit"], "zoom": ["Zoom Meeting"],
    "thunderbird": ["Inbox - Thunderbird"],
}


def day_samples(seconds: int = 86_400, day: date = DAY, seed: int = 11,
                offset: float = 0.0) -> list[Sample]:
    """One-second samples from local midnight of `day` (plus `offset` seconds), the app
    changing every 20–60 s.

    Times carry a fraction of a second, as the daemon's wall clock does.
    """
    tz = ZoneInfo(ZONE)
    start = day_bounds(day, tz)[0] + offset + 0.37
    rng = random.Random(seed)
    names = [app for app, _, weight in APPS for _ in range(weight)]
    samples: list[Sample] = []
    app = None
    while len(samples) < seconds:
        choice = rng.choice(names)
        while choice == app:
            choice = rng.choice(names)
        app = choice
        title = rng.choice(TITLES[app])
        for _ in range(min(rng.randint(20, 60), seconds - len(samples))):
            samples.append(Sample(start + len(samples), app, title, f"/usr/bin/{app}", None,
                                  0.0))
    return samples


def write_config(folder: Path, interval: int = 1) -> Path:
    """A presence config for the bench zone at `interval` seconds."""
    path = folder / "config.toml"
    path.write_text(f'timezone = "{ZONE}"\n\n[daemon]\ninterval_seconds = {interval}\n',
                    encoding="utf-8")
    return path


# ingest, one engine per process


class SamplesProbe:
    """The scripted probe of the ingest: the samples in turn, one a tick, as the floor reads
    them from its list (the bench steps the daemon at each sample's time). The daemon's own
    probe costs what `bench_daemon.py` measures; `--trace-probe` puts replay's `TraceProbe`
    (a look-up of the sample that holds at each tick) here instead."""

    name = "bench"
    guess = False

    def __init__(self, samples: list[Sample]):
        self.read = lambda now, _next=iter(samples).__next__: _next()

    def close(self) -> None:
        """Nothing to release."""


def ingest_presence(samples: list[Sample], folder: Path,
                    trace_probe: bool = False) -> tuple[Path, Callable[[], None]]:
    """presence's daemon over the samples: returns the database and the run to time."""
    from presence.config import load
    from presence.daemon import Daemon
    from presence.store import Store

    if trace_probe:
        from presence.replay import TraceProbe as probe_type
    else:
        probe_type = SamplesProbe
    config = load(write_config(folder), required=True)
    store = Store.open(folder / "presence.db")
    # The monotonic clock only paces probe retries, and the scripted probe never fails.
    daemon = Daemon(config, store, lambda name: probe_type(samples), probe_type.name,
                    monotonic=lambda: 0.0)

    def run() -> None:
        # `step` is the tick's whole pipeline (what `run()` calls when nobody asks for the
        # tick's report, as in a replay); `tick` adds building that report.
        for sample in samples:
            daemon.step(sample.at)
        daemon.shutdown()
        store.close()

    return folder / "presence.db", run


def _aw_datastore(strategy: str, path: Path) -> Any:
    """An aw-core Datastore with the named storage strategy in the file at `path`."""
    import logging

    from aw_datastore import Datastore
    from aw_datastore.storages import PeeweeStorage, SqliteStorage

    # aw-server logs each heartbeat at debug level only; keep the bench's own output readable.
    logging.getLogger("aw_datastore").setLevel(logging.ERROR)
    storage = PeeweeStorage if strategy == "aw-peewee" else SqliteStorage
    return Datastore(storage, testing=True, filepath=str(path))


def _aw_close(datastore: Any, strategy: str) -> None:
    if strategy == "aw-peewee":
        datastore.storage_strategy.db.close()
    else:
        datastore.storage_strategy.conn.close()


def ingest_aw(samples: list[Sample], folder: Path,
              strategy: str) -> tuple[Path, Callable[[], None]]:
    """aw-core's datastore fed heartbeats as aw-server does: the database and the run."""
    from datetime import datetime, timezone

    from aw_core.models import Event
    from aw_transform import heartbeat_merge

    path = folder / f"{strategy}.db"
    datastore = _aw_datastore(strategy, path)
    bucket = datastore.create_bucket(BUCKET, "currentwindow", "aw-watcher-window", "bench")
    last: list[Any] = [None]

    def heartbeat(event: Any) -> None:
        # aw-server's ServerAPI.heartbeat: merge into the cached last event when the data is
        # equal and the heartbeat falls within pulsetime, else insert a new event.
        previous = last[0]
        if previous is not None and previous.data == event.data:
            merged = heartbeat_merge(previous, event, PULSE)
            if merged is not None:
                last[0] = merged
                bucket.replace_last(merged)
                return
        bucket.insert(event)
        last[0] = event

    def run() -> None:
        utc = timezone.utc
        for sample in samples:
            heartbeat(Event(timestamp=datetime.fromtimestamp(sample.at, utc), duration=0,
                            data={"app": sample.app}))
        if strategy == "aw-sqlite":
            datastore.storage_strategy.commit()  # its lazy commit leaves up to 50 pending
        _aw_close(datastore, strategy)

    return path, run


LEAN_SCHEMA = ("CREATE TABLE spans (start INTEGER NOT NULL, end INTEGER NOT NULL, app TEXT, "
               "category TEXT NOT NULL); CREATE INDEX spans_start ON spans (start);")


def ingest_floor(samples: list[Sample], folder: Path) -> tuple[Path, Callable[[], None]]:
    """The lean floor: the database and the run."""
    path = folder / "floor.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(LEAN_SCHEMA)

    def run() -> None:
        # The least any tracker must do: merge equal samples, store a span when the app changes,
        # extend the open one as often as presence flushes. No classification.
        app, start, end, row, flushed = None, 0, 0, None, 0.0
        for sample in samples:
            at = int(sample.at)
            if sample.app == app and at - end <= PULSE:
                end = at
                if at - flushed >= FLUSH_SECONDS:
                    conn.execute("UPDATE spans SET end = ? WHERE rowid = ?", (end, row))
                    flushed = at
                continue
            if row is not None:
                conn.execute("UPDATE spans SET end = ? WHERE rowid = ?", (at, row))
            app, start, end, flushed = sample.app, at, at, at
            row = conn.execute("INSERT INTO spans VALUES (?, ?, ?, 'other')",
                               (start, end, app)).lastrowid
        conn.execute("UPDATE spans SET end = ? WHERE rowid = ?", (end, row))
        conn.close()

    return path, run


# presence keeps spans in `spans` and its lookup tables (migration 6); `activity` is a view.
PRESENCE_SPAN_TABLES = ("spans", "apps", "categories", "span_devices", "span_titles")


def span_structures(path: Path) -> dict[str, Any]:
    """Pages and payload of the tables holding spans and of their indexes, from `dbstat`."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    compact = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'span_devices'").fetchone()
    tables = PRESENCE_SPAN_TABLES if compact else (next(
        t for t in ("events", "eventmodel", "spans", "activity")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (t,)).fetchone()),)
    table = "activity" if compact else tables[0]
    names = [r[0] for t in tables for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index')",
        (t,))]
    spans = conn.execute(f"SELECT count(*) FROM {tables[0]}").fetchone()[0]
    parts = {}
    for name in names:
        pages, payload = conn.execute("SELECT sum(pgsize), sum(payload) FROM dbstat "
                                      "WHERE name = ?", (name,)).fetchone()
        parts[name] = {"bytes": pages or 0, "payload": payload or 0}
    conn.close()
    return {"table": table, "spans": spans, "file_bytes": path.stat().st_size,
            "structures": parts,
            "bytes_per_span": round(sum(p["bytes"] for p in parts.values()) / spans, 1)}


def recorded_seconds(path: Path, table: str) -> float:
    """Seconds the stored spans add up to (aw-core keeps durations, the rest start/end)."""
    conn = sqlite3.connect(path)
    if table in ("activity", "spans"):
        total = conn.execute(f"SELECT sum(end - start) FROM {table}").fetchone()[0]
    elif table == "events":
        total = conn.execute("SELECT sum(endtime - starttime) / 1e6 FROM events").fetchone()[0]
    else:
        total = conn.execute("SELECT sum(duration) FROM eventmodel").fetchone()[0]
    conn.close()
    return float(total)


def ingest_worker(engine: str, seconds: int, trace_probe: bool = False) -> dict[str, Any]:
    """One timed ingest of `seconds` heartbeats by `engine`, and what it stored."""
    samples = day_samples(seconds)
    with tempfile.TemporaryDirectory(prefix="presence-bench-ingest-") as tmp:
        folder = Path(tmp)
        if engine == "presence":
            path, run = ingest_presence(samples, folder, trace_probe)
        elif engine == "floor":
            path, run = ingest_floor(samples, folder)
        else:
            path, run = ingest_aw(samples, folder, engine)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        run()
        cpu1, wall1 = time.process_time(), time.perf_counter()
        storage = span_structures(path)
        storage["recorded_seconds"] = round(recorded_seconds(path, storage["table"]))
    return {"engine": engine, "heartbeats": len(samples), "wall_s": wall1 - wall0,
            "cpu_s": cpu1 - cpu0, "heartbeats_per_s": len(samples) / (wall1 - wall0),
            "cpu_us_per_heartbeat": (cpu1 - cpu0) / len(samples) * 1e6,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "storage": storage}


# queries on the one-year database


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    """Median wall time of `fn` over `runs` calls, in ms."""
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        fn()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def query_ranges(year_db: Path) -> dict[str, tuple[date, date, float, float]]:
    """The three ranges every engine answers, as local days and UNIX seconds; `now` is the
    end of the stored data, so no engine sees a future."""
    tz = ZoneInfo(ZONE)
    conn = sqlite3.connect(year_db)
    last_end = conn.execute("SELECT max(end) FROM activity").fetchone()[0]
    conn.close()
    from presence.timeline import local_day

    today = local_day(last_end, tz)
    past = today - timedelta(days=180)
    ranges = {"day": (past, past), "week": (today - timedelta(days=6), today),
              "year": (today - timedelta(days=364), today)}
    return {name: (first, last, day_bounds(first, tz)[0],
                   min(day_bounds(last, tz)[1], last_end))
            for name, (first, last) in ranges.items()}


def year_presence(year_db: Path, runs: int) -> dict[str, Any]:
    """presence's per-app totals of each range, through the summaries' own reader."""
    from presence.reports import history
    from presence.store import Store

    tz = ZoneInfo(ZONE)
    ranges = query_ranges(year_db)
    now = ranges["year"][3]
    store = Store.open(year_db, create=False)

    def per_app(first: date, last: date) -> dict:
        totals: dict = {}
        for (app, _), seconds in history.app_totals(store, tz, first, last, now).items():
            totals[app] = totals.get(app, 0.0) + seconds
        return totals

    per_app(ranges["year"][0], ranges["year"][1])  # seal and roll up once, as any reader does
    out = {f"{name}_ms": _median_ms(lambda r=r: per_app(r[0], r[1]), runs)
           for name, r in ranges.items()}
    out["year_total_hours"] = round(sum(per_app(*ranges["year"][:2]).values()) / 3600)
    store.close()
    out["storage"] = span_structures(year_db)
    return out


def year_floor(year_db: Path, runs: int) -> dict[str, Any]:
    """The lean floor's per-app totals of each range: one SQL aggregate over its spans."""
    ranges = query_ranges(year_db)
    src = sqlite3.connect(year_db)
    rows = src.execute("SELECT CAST(round(start) AS INTEGER), CAST(round(end) AS INTEGER), app, "
                       "category FROM activity WHERE category != 'away' ORDER BY start").fetchall()
    src.close()
    with tempfile.TemporaryDirectory(prefix="presence-bench-floor-") as tmp:
        path = Path(tmp) / "floor.db"
        conn = sqlite3.connect(path, isolation_level=None)
        conn.executescript(LEAN_SCHEMA)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO spans VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        longest = conn.execute("SELECT max(end - start) FROM spans").fetchone()[0]

        def per_app(lo: float, hi: float) -> list:
            # The start index bounds the scan: no span is longer than `longest`.
            return conn.execute(
                "SELECT app, sum(min(end, ?) - max(start, ?)) FROM spans WHERE start >= ? "
                "AND start < ? AND end > ? GROUP BY app", (hi, lo, lo - longest, hi, lo)
            ).fetchall()

        out = {f"{name}_ms": _median_ms(lambda r=r: per_app(r[2], r[3]), runs)
               for name, r in ranges.items()}
        out["storage"] = span_structures(path)
        conn.close()
    return out


AW_DAY_PROCESS = """
import json, logging, sys
from datetime import datetime, timezone
from aw_datastore import Datastore
from aw_datastore.storages import PeeweeStorage, SqliteStorage
from aw_transform import merge_events_by_keys, sort_by_duration
logging.getLogger("aw_datastore").setLevel(logging.ERROR)
storage = PeeweeStorage if sys.argv[1] == "aw-peewee" else SqliteStorage
bucket = Datastore(storage, testing=True, filepath=sys.argv[2])[sys.argv[3]]
start, end = (datetime.fromtimestamp(float(x), timezone.utc) for x in sys.argv[4:6])
events = sort_by_duration(merge_events_by_keys(bucket.get(-1, start, end), ["app"]))
print(json.dumps([{"app": e.data.get("app"), "seconds": e.duration.total_seconds()}
                  for e in events]))
"""


def year_aw(year_db: Path, strategy: str, runs: int, with_year: bool,
            process_runs: int) -> dict[str, Any]:
    """aw-core's per-app totals of each range, and of one day as a whole process.

    The year's spans are bulk-inserted first (not measured); the whole year is queried once,
    and only `with_year`: with peewee that alone takes about half a minute.
    """
    from datetime import datetime, timezone

    from aw_core.models import Event
    from aw_transform import merge_events_by_keys, sort_by_duration

    ranges = query_ranges(year_db)
    src = sqlite3.connect(year_db)
    rows = src.execute("SELECT start, end, app FROM activity WHERE category != 'away' "
                       "ORDER BY start").fetchall()
    src.close()
    utc = timezone.utc
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="presence-bench-aw-year-") as tmp:
        path = Path(tmp) / f"{strategy}.db"
        datastore = _aw_datastore(strategy, path)
        bucket = datastore.create_bucket(BUCKET, "currentwindow", "aw-watcher-window", "bench")
        begin = time.perf_counter()
        events = [Event(timestamp=datetime.fromtimestamp(s, utc), duration=e - s,
                        data={"app": app}) for s, e, app in rows]
        if strategy == "aw-peewee":
            with datastore.storage_strategy.db.atomic():  # a build, not a measurement
                bucket.insert(events)
        else:
            bucket.insert(events)
            datastore.storage_strategy.commit()
        out["build_s"] = round(time.perf_counter() - begin, 1)
        del events

        def per_app(lo: float, hi: float) -> list:
            return sort_by_duration(merge_events_by_keys(
                bucket.get(-1, datetime.fromtimestamp(lo, utc), datetime.fromtimestamp(hi, utc)),
                ["app"]))

        for name, r in ranges.items():
            if name == "year" and not with_year:
                continue
            out[f"{name}_ms"] = _median_ms(lambda r=r: per_app(r[2], r[3]),
                                           1 if name == "year" else runs)
        _aw_close(datastore, strategy)
        out["storage"] = span_structures(path)
        day = ranges["day"]
        argv = [sys.executable, "-c", AW_DAY_PROCESS, strategy, str(path), BUCKET,
                str(day[2]), str(day[3])]
        out["day_process_ms"] = _process_ms(argv, process_runs)
    return out


def _process_ms(argv: list[str], runs: int) -> float:
    """Median wall time of `argv` as a whole process after one warm-up run, in ms."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)  # warm-up
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


# the parent: engines in fresh processes, taking turns


def run_worker(args: list[str], script: Path | str = __file__) -> dict[str, Any]:
    """Run this script (or another tree's `script`) as a worker in a fresh process and
    return what it measured."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        subprocess.run([sys.executable, str(script), *args, "--out", str(out)], check=True)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def build_year(folder: Path) -> Path:
    """The one-year database of bench_summary, when no --year-db is given."""
    import bench_summary

    from presence.config import load

    write_config(folder)
    db = folder / "presence.db"
    bench_summary.build(db, time.time(), load(folder / "config.toml", required=True).tz)
    return db


def main() -> int:
    """Parse the options; run the workers, or be one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="six hours of heartbeats, one round, no aw-core peewee year query")
    parser.add_argument("--seconds", type=int, help="heartbeats per ingest (default 86,400)")
    parser.add_argument("--rounds", type=int, help="ingest rounds per engine (default 3)")
    parser.add_argument("--peewee-rounds", type=int, default=1,
                        help="ingest rounds for aw-core's peewee strategy (about a minute each)")
    parser.add_argument("--year-db", type=Path,
                        help="the one-year database of `bench_summary.py --keep DIR`")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--trace-probe", action="store_true",
                        help="feed presence through replay's TraceProbe (rounds 1-3) instead "
                             "of the samples in turn")
    parser.add_argument("--ingest-only", action="store_true",
                        help="only the ingest of presence and the floor (no aw-core, no year)")
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="also ingest with the presence of another tree (e.g. main "
                             "exported with git archive), as \"before\", in the same rounds")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (21_600 if args.quick else 86_400)
    rounds = args.rounds or (1 if args.quick else 3)
    # Fast queries get more runs: their medians move with any blip of the machine.
    runs = 5 if args.quick else 15
    aw_runs = max(3, runs // 3)  # an aw-core week query takes up to half a second

    if args.worker:
        kind, _, engine = args.worker.partition(":")
        if kind == "ingest":
            result = ingest_worker(engine, seconds, args.trace_probe)
        elif engine == "presence":
            result = year_presence(args.year_db, runs)
        elif engine == "floor":
            result = year_floor(args.year_db, runs)
        else:
            result = year_aw(args.year_db, engine, aw_runs,
                             with_year=not (args.quick and engine == "aw-peewee"),
                             process_runs=aw_runs)
        args.out.write_text(json.dumps(result))
        return 0

    common = ["--seconds", str(seconds)] + (["--quick"] if args.quick else []) + (
        ["--trace-probe"] if args.trace_probe else [])
    engines = ("presence", "floor") if args.ingest_only else ENGINES
    if args.against is not None:
        engines = ("presence", "before", *engines[1:])
    runs_by_engine: dict[str, list[dict]] = {engine: [] for engine in engines}
    for r in range(rounds):
        # Rotate the order each round, so no engine always runs right after the heaviest one.
        order = engines[r % len(engines):] + engines[:r % len(engines)]
        for engine in order:
            if engine == "aw-peewee" and r >= args.peewee_rounds:
                continue
            if engine == "before":
                result = run_worker(["--worker", "ingest:presence", *common],
                                    args.against / "scripts" / "bench_ingest.py")
            else:
                result = run_worker(["--worker", f"ingest:{engine}", *common])
            runs_by_engine[engine].append(result)
            print(f"  ingest {engine:<9} round {r + 1}: {result['heartbeats_per_s']:>9,.0f} "
                  f"heartbeats/s, {result['cpu_us_per_heartbeat']:6.1f} µs CPU each",
                  file=sys.stderr)
    ingest = {}
    for engine, results in runs_by_engine.items():
        storage = results[0]["storage"]
        ingest[engine] = {
            "rounds": len(results), "heartbeats": results[0]["heartbeats"],
            "heartbeats_per_s": round(statistics.median(r["heartbeats_per_s"] for r in results)),
            "cpu_us_per_heartbeat": round(statistics.median(r["cpu_us_per_heartbeat"]
                                                            for r in results), 2),
            "max_rss_mb": round(max(r["max_rss_mb"] for r in results), 1),
            "spans": storage["spans"], "bytes_per_span": storage["bytes_per_span"],
            "span_bytes_per_day": round(storage["bytes_per_span"] * storage["spans"]
                                        * 86_400 / results[0]["heartbeats"]),
            "file_bytes": storage["file_bytes"],
            "recorded_seconds": storage["recorded_seconds"],
            "structures": storage["structures"]}

    if args.ingest_only:
        print_ingest(ingest)
        if args.json:
            args.json.write_text(json.dumps({"ingest": ingest}, indent=2) + "\n",
                                 encoding="utf-8")
        return 0
    folder = None
    year_db = args.year_db
    if year_db is None:
        folder = Path(tempfile.mkdtemp(prefix="presence-bench-year-"))
        print("  building the one-year database", file=sys.stderr)
        year_db = build_year(folder)
    year = {}
    try:
        for engine in ("presence", "floor", "aw-sqlite", "aw-peewee"):
            print(f"  year queries: {engine}", file=sys.stderr)
            year[engine] = run_worker(["--worker", f"year:{engine}", "--year-db", str(year_db),
                                       *common])
    finally:
        if folder is not None:
            shutil.rmtree(folder)

    figures = {"ingest": ingest, "year": year}
    print_figures(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def print_figures(figures: dict[str, Any]) -> None:
    """The figures as a few aligned lines."""
    print_ingest(figures["ingest"])
    year = figures["year"]
    print("per-app totals on the one-year database (ms):")
    for engine, row in year.items():
        cells = "  ".join(f"{name} {row[f'{name}_ms']:8.1f}" if f"{name}_ms" in row
                          else f"{name}  skipped" for name in ("day", "week", "year"))
        extra = f"  day as a process {row['day_process_ms']:.0f}" if "day_process_ms" in row else ""
        print(f"  {engine:<9} {cells}{extra}")
    floor = year["floor"]["storage"]
    print(f"  floor storage over the year: {floor['bytes_per_span']} B/span")
    mine = year["presence"].get("storage")
    if mine:
        print(f"  presence storage over the year: {mine['bytes_per_span']} B/span")


def print_ingest(ingest: dict[str, Any]) -> None:
    """The ingest figures as a few aligned lines (with "before" and the ratios to the floor
    when `--against` ran)."""
    print(f"ingest of {ingest['presence']['heartbeats']:,} one-second heartbeats "
          f"(median of the rounds; bytes from dbstat, span table + indexes):")
    for engine, row in ingest.items():
        print(f"  {engine:<9} {row['heartbeats_per_s']:>9,} /s  {row['cpu_us_per_heartbeat']:7.1f} "
              f"µs CPU  {row['spans']:>5} spans  {row['bytes_per_span']:6.1f} B/span  "
              f"{row['span_bytes_per_day'] / 1024:6.0f} KiB/day  "
              f"{row['recorded_seconds']:>6} s recorded")
    floor = ingest.get("floor", {}).get("cpu_us_per_heartbeat")
    if floor:
        ratios = ", ".join(f"{engine} {row['cpu_us_per_heartbeat'] / floor:.2f}x"
                           for engine, row in ingest.items() if engine != "floor")
        print(f"  CPU against the floor: {ratios} (load average now "
              f"{os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    sys.exit(main())
