#!/usr/bin/env python3
"""Benchmark several devices (issue 17, DESIGN §6): a summary over three peers' year-long
snapshots against one device alone, and what a year's snapshot costs.

Builds a one-year database for this device and three more for its peers (bench_summary's
generator: about 730,000 spans each, 2,000 a day; each peer's history shifted by a few minutes,
so the devices overlap all day long, the worst case for the union over devices), writes each
peer's snapshot into a shared folder with presence's own code, then measures side by side in
one run, the commands taking turns:

- `presence summary DAY --json` as a whole process, median of --runs, for this device alone
  (no `[devices] folder`) and with the three peers (target: at most 1.5× alone), for a day
  half a year back and for yesterday; `python -c "import sqlite3"` is the floor;
- writing the snapshot of a year's database: time and bytes, against the database's size
  (target: under 1 s, smaller than the database), beside SQLite's own `VACUUM INTO` copy of
  the whole database as the anchor.

Usage: python scripts/bench_devices.py [--runs 9] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_summary import ZONE, build, process_ms  # noqa: E402

from presence.config import resolve_zone  # noqa: E402
from presence.devices.snapshot import write  # noqa: E402
from presence.timeline import local_day  # noqa: E402

PEERS = 3


def peer_db(folder: Path, index: int, now: float, tz) -> Path:
    """A year of another device, its spans shifted by `7 × index` minutes."""
    db = folder / f"peer{index}.db"
    build(db, now, tz)
    conn = sqlite3.connect(db)
    shift_ms = 7 * 60 * 1000 * index
    # A span's start is its key (migration 6): move every key, through negative ones so
    # that no two spans ever share one mid-way.
    conn.execute("UPDATE spans SET id = -(id - ?)", (shift_ms,))
    conn.execute("UPDATE spans SET id = -id")
    conn.commit()
    conn.close()
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="presence-bench-devices-"))
    try:
        tz = resolve_zone(ZONE)
        now = time.time()
        sync = work / "sync"
        homes = {"alone": work / "alone", "three_peers": work / "peers"}
        for name, home in homes.items():
            home.mkdir()
            folder = f'\n[devices]\nfolder = "{sync}"\nname = "bench"\n' if name != "alone" \
                else ""
            (home / "config.toml").write_text(f'timezone = "{ZONE}"\n{folder}')
        own = homes["alone"] / "presence.db"
        build(own, now, tz)
        shutil.copy(own, homes["three_peers"] / "presence.db")
        db_bytes = own.stat().st_size

        # a year's snapshot, written as the daemon writes it (a copy, then the rename)
        snapshot_s = []
        for run in range(3):
            begin = time.perf_counter()
            result = write(own, work / "own-sync", "00000000000000aa", "bench",
                           [("00000000000000aa", "bench", "this")], now)
            snapshot_s.append(time.perf_counter() - begin)
        snapshot_bytes = result.bytes
        # the anchor, in the same run: SQLite's own page-by-page copy of the whole database
        vacuum_s = []
        for run in range(3):
            copy = work / "vacuum-into.db"
            copy.unlink(missing_ok=True)
            begin = time.perf_counter()
            conn = sqlite3.connect(own)
            conn.execute("VACUUM INTO ?", (str(copy),))
            conn.close()
            vacuum_s.append(time.perf_counter() - begin)
        vacuum_bytes = copy.stat().st_size
        for i in range(PEERS):
            db = peer_db(work, i + 1, now, tz)
            write(db, sync, f"{i + 1:016x}", f"peer {i + 1}", [(f"{i + 1:016x}", "p", "this")],
                  now)
            db.unlink()

        env_base = {k: v for k, v in os.environ.items()
                    if not k.startswith("PRESENCE_") and k != "PYTHONDONTWRITEBYTECODE"}
        env_base["PYTHONPYCACHEPREFIX"] = str(work / "pyc")
        presence = [sys.executable, "-m", "presence"]
        past = local_day(now, tz) - timedelta(days=180)
        yesterday = local_day(now, tz) - timedelta(days=1)
        figures: dict[str, float] = {}
        for label, day in (("half_a_year_back", past), ("yesterday", yesterday)):
            # one warm-up each: rollups and the seal are built once, as in use
            for home in homes.values():
                process_ms({"warm": [*presence, "summary", str(day), "--json"]},
                           dict(env_base, PRESENCE_HOME=str(home)), 1)
            times = {}
            for name, home in homes.items():
                times[name] = [*presence, "summary", str(day), "--json"]
            measured: dict[str, list[float]] = {"floor": [], **{n: [] for n in homes}}
            for _ in range(opts.runs):
                measured["floor"] += process_ms(
                    {"floor": [sys.executable, "-c", "import sqlite3"]}, env_base, 1)["floor"]
                for name, home in homes.items():
                    measured[name] += process_ms(
                        {name: times[name]}, dict(env_base, PRESENCE_HOME=str(home)),
                        1)[name]
            for name, values in measured.items():
                figures[f"{label}_{name}_ms"] = statistics.median(values)
        out = {
            "peers": PEERS,
            "floor_ms": figures["yesterday_floor_ms"],
            "summary_alone_ms": figures["half_a_year_back_alone_ms"],
            "summary_three_peers_ms": figures["half_a_year_back_three_peers_ms"],
            "summary_yesterday_alone_ms": figures["yesterday_alone_ms"],
            "summary_yesterday_three_peers_ms": figures["yesterday_three_peers_ms"],
            "snapshot_s": statistics.median(snapshot_s),
            "snapshot_bytes": snapshot_bytes,
            "database_bytes": db_bytes,
            "vacuum_into_s": statistics.median(vacuum_s),
            "vacuum_into_bytes": vacuum_bytes,
        }
        out["ratio_half_a_year_back"] = out["summary_three_peers_ms"] / out["summary_alone_ms"]
        out["ratio_yesterday"] = (out["summary_yesterday_three_peers_ms"]
                                  / out["summary_yesterday_alone_ms"])
    finally:
        shutil.rmtree(work)
    print(f"summary DAY --json, half a year back: alone {out['summary_alone_ms']:.0f} ms, "
          f"three peers {out['summary_three_peers_ms']:.0f} ms "
          f"({out['ratio_half_a_year_back']:.2f}×; target ≤ 1.5×)")
    print(f"summary yesterday --json: alone {out['summary_yesterday_alone_ms']:.0f} ms, "
          f"three peers {out['summary_yesterday_three_peers_ms']:.0f} ms "
          f"({out['ratio_yesterday']:.2f}×)")
    print(f"floor (import sqlite3): {out['floor_ms']:.0f} ms")
    print(f"snapshot of a year: {out['snapshot_s']:.2f} s, {out['snapshot_bytes'] / 2**20:.1f} "
          f"MiB against the database's {out['database_bytes'] / 2**20:.1f} MiB "
          "(targets: < 1 s, smaller)")
    print(f"anchor, SQLite's VACUUM INTO of the whole database: {out['vacuum_into_s']:.2f} s, "
          f"{out['vacuum_into_bytes'] / 2**20:.1f} MiB")
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
