#!/usr/bin/env python3
"""Benchmark `presence people --json` on five years of people (issue 12).

Builds a database with 300 people and 10,000 in-person occasions over five years — 7,000
calendar instances naming one to three people each (stored through the same code a sync uses,
names joined to people by e-mail and first name) and 3,000 logged stretches with `--with`
names — then times `presence people --json` as a whole process, taking turns with
`python -c "import sqlite3"` from the same interpreter (the floor; target ≤ 2.5× it), and the
ledger itself in process. The first run after the build, which condenses everyone's history
before today's midnight (migrations 9 and 11, kept by the store), is timed apart, and so is
the first run of a day (the condensed histories of the day before set aside: made again).

`--baseline TREE` also times another presence source tree (`git archive COMMIT | tar -x -C
TREE`) on the same five years, built by that tree's own code into its own database, taking
turns with this one and the floor: a before and after in one run.

Usage: python scripts/bench_people.py [--runs 15] [--json OUT.json] [--baseline TREE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "scripts"))

from bench_summary import console_script, medians, process_ms, query_ms  # noqa: E402

from presence.model import Meeting, Named  # noqa: E402
from presence.people.directory import Resolver, everyone, store_meetings  # noqa: E402
from presence.store import Store  # noqa: E402
from presence.timeline import day_bounds, local_day  # noqa: E402

ZONE = "Europe/Berlin"
PEOPLE = 300
MEETINGS = 7_000
LOGS = 3_000
YEARS = 5
FIRST = ["Sam", "Priya", "Ana", "Ben", "Jordan", "Kim", "Alex", "Maria", "Jonas", "Lea",
         "Tom", "Zoë", "Luca", "Mia", "Noah", "Emma", "Omar", "Sara", "Ivan", "Yuki"]
LAST = ["Lee", "Patel", "Müller", "Schmidt", "Rossi", "García", "Kowalski", "Nguyen",
        "Okafor", "Silva", "Novak", "Berg", "Costa", "Dubois", "Haddad"]
TITLES = ["Lunch with {}", "Dinner with {}", "Coffee w/ {}", "Walk with {}", "{} 1:1"]


def build(path: Path, now: float, tz) -> dict[str, int]:
    """Five years of in-person time with 300 people, ending at `now`."""
    rng = random.Random(12)
    people = [(f"{f} {l}", f"{f.lower()}.{l.lower()}@example.org")
              for f in FIRST for l in LAST][:PEOPLE]
    store = Store.open(path)
    today = local_day(now, tz)
    first = day_bounds(today - timedelta(days=365 * YEARS), tz)[0]
    meetings = []
    for i in range(MEETINGS):
        start = first + rng.random() * (now - first)
        start -= start % 900
        who = rng.sample(people, rng.choice((1, 1, 2, 3)))
        title = rng.choice(TITLES).format(who[0][0].split()[0])
        begin = datetime.fromtimestamp(start, timezone.utc)
        meetings.append(Meeting(
            "bench.ics", f"bench-{i}", title, begin,
            begin + timedelta(minutes=rng.choice((30, 60, 90, 120))), False, "Café Central",
            "in_person", "place in LOCATION", tuple(Named(n, e) for n, e in who)))
    # as syncs over five years would have stored them: one source, whole history
    store_meetings(store, "bench.ics", meetings, tz, since=first - 1)
    resolver = Resolver(store)
    for _ in range(LOGS):
        start = first + rng.random() * (now - first)
        who = [Named(n) for n, _ in rng.sample(people, rng.choice((1, 2)))]
        store.add_in_person(start, start + rng.choice((1800, 3600, 7200)), None,
                            resolver.person_ids(who))
    counts = {"people": len(store.people()), "occasions": MEETINGS + LOGS,
              "person_occasions": sum(len(v) for v in store.occasions().values())}
    store.close()
    return counts


def cpu_ms(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median CPU time (user + system) of each command as a whole process, taking turns:
    on a loaded machine the fairer comparison than wall time."""
    import resource
    import statistics
    import subprocess

    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            times[name].append((after.ru_utime - before.ru_utime
                                + after.ru_stime - before.ru_stime) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def first_of_day_ms(argv: list[str], db: Path, env: dict[str, str], runs: int = 5) -> float:
    """Median wall ms of `argv` when the stored condensed histories are of another day (as
    on the first `people` after midnight: everyone's made again and stored)."""
    import sqlite3
    import statistics
    import subprocess

    times = []
    for _ in range(runs):
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE people_rollup_reach SET upto = upto - 86400")
        conn.close()
        begin = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def side_by_side(commands: dict[str, tuple[list[str], dict[str, str], str | None]],
                 runs: int) -> dict[str, tuple[float, float]]:
    """(median wall ms, median CPU ms) of each `(argv, env, cwd)` as a whole process, the
    commands taking turns."""
    import resource
    import statistics
    import subprocess

    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env, cwd) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            begin = time.perf_counter()
            subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
            wall[name].append((time.perf_counter() - begin) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append((after.ru_utime - before.ru_utime
                              + after.ru_stime - before.ru_stime) * 1000)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]))
            for name in commands}


def baseline(tree: Path, folder: Path, now: float, env: dict[str, str], runs: int
             ) -> dict[str, float]:
    """This tree's `people --json` beside `tree`'s on the same data, and the floor."""
    import subprocess

    home = folder / "baseline"
    home.mkdir()
    shutil.copy(folder / "config.toml", home / "config.toml")
    # the other tree builds its own database (its own schema) from the same seeded data
    subprocess.run([sys.executable, "-c",
                    "import sys; from pathlib import Path; from zoneinfo import ZoneInfo; "
                    f"sys.path[:0] = [{str(tree)!r}, {str(tree / 'scripts')!r}]; "
                    "from bench_people import build, ZONE; "
                    f"build(Path({str(home / 'presence.db')!r}), {now!r}, ZoneInfo(ZONE))"],
                   cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    people = [sys.executable, "-m", "presence", "people", "--json"]
    commands = {"floor": ([sys.executable, "-c", "import sqlite3"], env, None),
                "before": (people, dict(env, PRESENCE_HOME=str(home)), str(tree)),
                "after": (people, env, str(ROOT))}
    side_by_side(commands, 2)  # the first runs condense, compile and warm the page cache
    got = side_by_side(commands, runs)
    floor_wall, floor_cpu = got["floor"]
    out = {"baseline_floor_ms": round(floor_wall, 1), "baseline_floor_cpu_ms": round(floor_cpu, 1)}
    for name in ("before", "after"):
        wall, cpu = got[name]
        out.update({f"baseline_{name}_ms": round(wall, 1),
                    f"baseline_{name}_vs_floor": round(wall / floor_wall, 2),
                    f"baseline_{name}_cpu_ms": round(cpu, 1),
                    f"baseline_{name}_cpu_vs_floor": round(cpu / floor_cpu, 2)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--baseline", type=Path, help="another presence source tree to time "
                        "beside this one")
    args = parser.parse_args()
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(ZONE)
    now = time.time()
    with tempfile.TemporaryDirectory(prefix="presence-bench-people-") as folder:
        home = Path(folder)
        (home / "config.toml").write_text(f'timezone = "{ZONE}"\n', "utf-8")
        begin = time.perf_counter()
        counts = build(home / "presence.db", now, tz)
        built = time.perf_counter() - begin
        env = dict(os.environ, PRESENCE_HOME=str(home), PYTHONPYCACHEPREFIX=str(home / "pyc"))
        for name in ("PRESENCE_DB", "PRESENCE_CONFIG", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        commands = {"floor": [sys.executable, "-c", "import sqlite3"],
                    "people": [sys.executable, "-m", "presence", "people", "--json"]}
        script = console_script()  # what a user types, where pip installed it
        if script is not None:
            commands["people_script"] = [script, "people", "--json"]
        # the first `people` after the build condenses everyone's history (migrations 9 and
        # 11), as the first one after an upgrade does, and the first of each day after that
        first = process_ms({"people": commands["people"]}, env, 1)["people"][0]
        process_ms(commands, env, 2)  # warm the page cache and the bytecode
        measured = medians(process_ms(commands, env, args.runs))
        first_of_day = first_of_day_ms(commands["people"], home / "presence.db", env)
        cpu = cpu_ms(commands, env, args.runs)
        store = Store.open(home / "presence.db", create=False)
        ledger_ms = query_ms(lambda: everyone(store, now, tz, include_all=True), args.runs)
        store.close()
        size = (home / "presence.db").stat().st_size
        before = baseline(args.baseline.resolve(), home, now, env, args.runs) \
            if args.baseline else {}
    figures = {
        "people": counts["people"], "occasions": counts["occasions"],
        "person_occasions": counts["person_occasions"],
        "build_seconds": round(built, 1), "database_mb": round(size / 1e6, 2),
        "people_json_first_run_ms": round(first, 1),
        "people_json_first_of_day_ms": round(first_of_day, 1),
        "floor_import_sqlite3_ms": round(measured["floor"], 1),
        "people_json_process_ms": round(measured["people"], 1),
        "people_json_vs_floor": round(measured["people"] / measured["floor"], 2),
        "floor_cpu_ms": round(cpu["floor"], 1), "people_json_cpu_ms": round(cpu["people"], 1),
        "people_json_cpu_vs_floor": round(cpu["people"] / cpu["floor"], 2),
        "ledger_in_process_ms": round(ledger_ms, 1),
        "target_vs_floor": 2.5,
    }
    if "people_script" in measured:
        figures["people_json_console_script_ms"] = round(measured["people_script"], 1)
        figures["people_json_console_script_vs_floor"] = round(
            measured["people_script"] / measured["floor"], 2)
    figures.update(before)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
