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
- what the rollups cost on disk, per span;
- with --years 1,5,10: how a summary grows with history. The databases of every length are
  built first, then `summary DAY --json` (half a year back) and `summary today --json` on each
  take turns with the floor in one loop, medians (`growth`).

Usage: python scripts/bench_summary.py [--runs 15] [--keep DIR] [--json OUT.json]
                                       [--years 1,5,10 [--plot docs/growth.png]]
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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


def build(path: Path, now: float, tz, years: int = 1) -> int:
    """`years` of data ending at `now` (the same days for every length); returns the number
    of spans. Spans go in through the store, a year per transaction, so the build follows
    whatever layout the store keeps them in. Each day draws from its own seed, so a day holds
    the same spans, meetings and nudges in a database of any length."""
    store = Store.open(path)  # creates the schema and runs the migrations
    names = [a for a, _, w in APPS for _ in range(w)]
    category = {a: c for a, c, _ in APPS}
    meetings, logs, nudges = [], [], []
    today = local_day(now, tz)
    day = today - timedelta(days=365 * years - 1)
    count = 0
    while day <= today:
        spans = []
        stop = min(today, day + timedelta(days=364))
        while day <= stop:
            rng = random.Random(day.toordinal())
            start, _ = day_bounds(day, tz)
            wake, sleep = start + 7 * 3600, start + 23.5 * 3600
            spans.append((start - 0.5 * 3600, wake, None, "away", None))
            step = (sleep - wake) / (SPANS_PER_DAY - 1)
            t = wake
            for _ in range(SPANS_PER_DAY - 1):
                app = rng.choice(names)
                spans.append((t, t + step * rng.uniform(0.6, 1.0), app, category[app], None))
                t += step
            meetings.append(("bench.ics", f"standup-{day}", start + 9.5 * 3600,
                             start + 9.75 * 3600, 0, "Standup", "https://meet.example/x",
                             "virtual", "conference link"))
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
        with store.transaction("bench build failed"):
            store.insert_spans(spans, "bench")
        count += len(spans)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO meetings (source, uid, start, end, all_day, summary, location, "
                     "kind, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", meetings)
    conn.executemany("INSERT INTO in_person_log (start, end, note) VALUES (?, ?, ?)", logs)
    conn.executemany("INSERT INTO nudges (at, kind, key, title, message, channel, delivered, "
                     "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", nudges)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return count


def process_ms(commands: dict[str, list[str]], env: dict[str, str], runs: int,
               envs: dict[str, dict[str, str]] | None = None,
               rotate: bool = False) -> dict[str, list[float]]:
    """Wall times of each command as a whole process, in ms, one per round.

    The commands take turns, so that load from other work on the machine shifts them alike;
    `envs` gives a command its own environment (its own PRESENCE_HOME); with `rotate` each
    round starts one command further on, so that no command always follows the same one.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for turn in range(runs):
        shift = turn % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            args = commands[name]
            begin = time.perf_counter()
            done = subprocess.run(args, env=(envs or {}).get(name, env),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[name].append((time.perf_counter() - begin) * 1000)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()}")
    return times


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    """The median of each command's times."""
    return {name: statistics.median(values) for name, values in times.items()}


def console_script() -> str | None:
    """The `presence` console script installed beside this interpreter, if there is one."""
    script = Path(sys.executable).with_name("presence")
    return str(script) if script.is_file() else None


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


def _build_length(n: int, folder: Path, now: float, env: dict[str, str]) -> dict[str, Any]:
    """Build `n` years into a PRESENCE_HOME of their own and run its first summary (which
    seals the history and rolls it up), timed apart; the row's build figures."""
    home = folder / f"growth-{n}y"
    home.mkdir(exist_ok=True)
    shutil.copy(folder / "config.toml", home / "config.toml")
    db = home / "presence.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    tz = load(home / "config.toml", required=True).tz
    begin = time.perf_counter()
    spans = build(db, now, tz, years=n)
    built_s = time.perf_counter() - begin
    past = local_day(now, tz) - timedelta(days=180)
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-m", "presence", "summary", str(past), "--json"],
                   env=dict(env, PRESENCE_HOME=str(home)), check=True,
                   stdout=subprocess.DEVNULL)
    cold_s = time.perf_counter() - begin
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = db.stat().st_size
    print(f"{n:2d} years: {spans:,} spans, {size / 1e6:,.1f} MB ({size / spans:.1f} B per "
          f"span), built in {built_s:.0f} s, first summary {cold_s:.1f} s", flush=True)
    return {"years": n, "spans": spans, "build_s": round(built_s, 1),
            "first_summary_s": round(cold_s, 1), "database_mb": round(size / 1e6, 1),
            "database_bytes_per_span": round(size / spans, 1), "home": home, "past": past,
            "streak": _streak_day(db, tz, local_day(now, tz))}


def _streak_day(db: Path, tz, today: date) -> date:
    """The latest day before `today` whose week before had in-person time every day: its
    summary reads the streak back past the trend's week (the same day in every length)."""
    conn = sqlite3.connect(db)
    starts = conn.execute("SELECT start FROM meetings WHERE kind = 'in_person' UNION ALL "
                          "SELECT start FROM in_person_log").fetchall()
    conn.close()
    met = {local_day(start, tz) for start, in starts}
    for back in range(1, 366):
        day = today - timedelta(days=back)
        if all(day - timedelta(days=n) in met for n in range(1, 8)):
            return day
    raise SystemExit(f"{db}: no week of in-person days in the last year to time a streak on")


def _ratio(times: dict[str, list[float]], key: str, base: str) -> tuple[float, float, float]:
    """`key`'s time against `base`'s: the ratio of their medians, and the lower and upper
    quartile of the ratio within each round (how much it moved from round to round)."""
    per_round = sorted(a / b for a, b in zip(times[key], times[base]))
    q1, _, q3 = statistics.quantiles(per_round, n=4) if len(per_round) > 1 else per_round * 3
    return statistics.median(times[key]) / statistics.median(times[base]), q1, q3


def growth(years: list[int], folder: Path, now: float, env: dict[str, str],
           runs: int) -> list[dict[str, Any]]:
    """How a summary's time and the database grow with the years of data.

    A database of each length (same days, same spans per day) is built first, each in its
    own PRESENCE_HOME, its first summary (which rolls it up) timed apart. Then `summary DAY
    --json` half a year back, `summary today --json` and the summary of the latest day that
    ends a streak of in-person days longer than the trend's week, on every length, and the
    floor take turns in one loop (each a fresh process; two warm-up rounds, then `runs` rounds, each
    starting one command further on; medians), so the lengths are compared side by side, in
    the same minutes, and drift of the machine between builds cancels out.
    """
    built: list[dict[str, Any]] = []
    try:
        for n in years:
            built.append(_build_length(n, folder, now, env))
        presence = [sys.executable, "-m", "presence"]
        commands = {"floor": [sys.executable, "-c", "import sqlite3"]}
        envs = {}
        for row in built:
            at_home = dict(env, PRESENCE_HOME=str(row["home"]))
            for what, day in (("past", str(row["past"])), ("today", "today"),
                              ("streak", str(row["streak"]))):
                name = f"{what}-{row['years']}"
                commands[name] = [*presence, "summary", day, "--json"]
                envs[name] = at_home
        process_ms(commands, env, 2, envs, rotate=True)  # warm-up: bytecode, page cache
        times = process_ms(commands, env, runs, envs, rotate=True)
    finally:
        for row in built:
            shutil.rmtree(row.pop("home"), ignore_errors=True)
    measured = medians(times)
    floor, first = measured["floor"], built[0]["years"]
    rows = []
    for row in built:
        n = row.pop("years")
        row.pop("past")
        streak_day = row.pop("streak")
        day, day_q1, day_q3 = _ratio(times, f"past-{n}", f"past-{first}")
        today, _, _ = _ratio(times, f"today-{n}", f"today-{first}")
        streak, _, _ = _ratio(times, f"streak-{n}", f"streak-{first}")
        rows.append({"years": n, **row, "floor_ms": round(floor, 1),
                     "summary_day_ms": round(measured[f"past-{n}"], 1),
                     "summary_today_ms": round(measured[f"today-{n}"], 1),
                     # the same loop, the same floor: the floor cancels out of the ratio
                     "vs_first": round(day, 2),
                     "vs_first_round_quartiles": [round(day_q1, 2), round(day_q3, 2)],
                     "today_vs_first": round(today, 2),
                     "streak_day": str(streak_day),
                     "summary_streak_day_ms": round(measured[f"streak-{n}"], 1),
                     "streak_vs_first": round(streak, 2)})
    print(f"side by side, {runs} rounds (medians): floor {floor:.1f} ms", flush=True)
    for r in rows:
        q1, q3 = r["vs_first_round_quartiles"]
        print(f"{r['years']:2d} years: summary DAY {r['summary_day_ms']:.1f} ms "
              f"({r['vs_first']:.2f}× {first} year; rounds {q1:.2f}–{q3:.2f}×), today "
              f"{r['summary_today_ms']:.1f} ms ({r['today_vs_first']:.2f}×), a streak day "
              f"({r['streak_day']}) {r['summary_streak_day_ms']:.1f} ms "
              f"({r['streak_vs_first']:.2f}×)", flush=True)
    return rows


def _svg(rows: list[dict[str, float]]) -> str:
    """Two small line charts side by side: summary time and database size against years."""
    def panel(x0: int, key: str, title: str, unit: str) -> list[str]:
        w, h, left, top = 420, 300, 60, 50
        top_value = max(r[key] for r in rows) * 1.15 or 1
        last_year = max(r["years"] for r in rows)
        def xy(r):
            return (x0 + left + r["years"] / last_year * (w - left - 20),
                    top + (h - top - 40) * (1 - r[key] / top_value))
        out = [f'<text x="{x0 + left}" y="30" font-size="16" font-weight="bold">{title}</text>',
               f'<line x1="{x0 + left}" y1="{h - 40}" x2="{x0 + w - 20}" y2="{h - 40}" '
               'stroke="#444"/>',
               f'<line x1="{x0 + left}" y1="{top}" x2="{x0 + left}" y2="{h - 40}" stroke="#444"/>']
        for i in range(5):
            value = top_value * i / 4
            y = top + (h - top - 40) * (1 - i / 4)
            out.append(f'<text x="{x0 + left - 6}" y="{y + 4}" font-size="11" '
                       f'text-anchor="end">{value:,.0f}</text>')
            out.append(f'<line x1="{x0 + left}" y1="{y}" x2="{x0 + w - 20}" y2="{y}" '
                       'stroke="#ddd"/>')
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, rows))
        out.append(f'<polyline points="{points}" fill="none" stroke="#2a6fdb" '
                   'stroke-width="2.5"/>')
        for r in rows:
            x, y = xy(r)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2a6fdb"/>')
            out.append(f'<text x="{x:.1f}" y="{y - 10:.1f}" font-size="12" '
                       f'text-anchor="middle">{r[key]:,.1f} {unit}</text>')
            out.append(f'<text x="{x:.1f}" y="{h - 22}" font-size="12" '
                       f'text-anchor="middle">{r["years"]} y</text>')
        out.append(f'<text x="{x0 + (w + left) / 2}" y="{h - 4}" font-size="12" '
                   'text-anchor="middle">years of data (2,000 spans a day)</text>')
        return out
    body = panel(0, "summary_day_ms", "summary DAY --json (whole process)", "ms")
    body += panel(440, "database_mb", "database file", "MB")
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="880" height="300" '
            'font-family="DejaVu Sans, sans-serif"><rect width="880" height="300" '
            'fill="white"/>' + "".join(body) + "</svg>")


def plot(rows: list[dict[str, float]], out: Path) -> None:
    """Draw the growth figures as a PNG: an SVG page screenshot by headless Chromium."""
    browser = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                    if (found := shutil.which(name))), None)
    if browser is None:
        print("no chromium: no plot", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory(prefix="presence-plot-") as tmp:
        page = Path(tmp) / "growth.html"
        page.write_text("<html><body style='margin:0'>" + _svg(rows) + "</body></html>",
                        encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
                        "--window-size=880,300", "--hide-scrollbars",
                        f"--screenshot={out.resolve()}", page.as_uri()],
                       capture_output=True, timeout=180, check=True)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build the database in this folder, keep it")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--years", type=lambda text: [int(y) for y in text.split(",")],
                        help="also build databases of these many years (e.g. 1,5,10) and time "
                             "a summary on each")
    parser.add_argument("--plot", type=Path, help="with --years: draw summary time and "
                        "storage against years into this PNG (headless Chromium)")
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
                "status": [*presence, "status", "--json"],
                "bar": [*presence, "bar"]}
    # What a user types runs the console script pip wrote (its own small wrapper around the
    # same entry), measured in the same turns where this interpreter has one.
    script = console_script()
    if script is not None:
        commands.update({"past_script": [script, "summary", str(past), "--json"],
                         "status_script": [script, "status", "--json"],
                         "bar_script": [script, "bar"]})
    process_ms(commands, env, 2)  # warm-up: bytecode cached, files in the page cache
    measured = medians(process_ms(commands, env, opts.runs))
    floor, day_past, day_today, week_process, status, bar = (
        measured[k] for k in ("floor", "past", "today", "week", "status", "bar"))

    store = Store.open(db, create=False)
    today = local_day(now, tz)
    week_q = query_ms(lambda: history.period_summary(store, config, today, 7, now), opts.runs)
    # the month as `presence report --month` reads it (the page shows no time by device)
    month_q = query_ms(lambda: history.period_summary(store, config, today, 30, now,
                                                      by_device=False), opts.runs)
    period = history.period_summary(store, config, today, 30, now, by_device=False)
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
        "bar_ms": round(bar, 1),
        "ratio_bar_to_floor": round(bar / floor, 2),
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
    if script is not None:
        for key, name in (("past_script", "summary_day"), ("status_script", "status"),
                          ("bar_script", "bar")):
            figures[f"{name}_console_script_ms"] = round(measured[key], 1)
            figures[f"ratio_{name}_console_script_to_floor"] = round(measured[key] / floor, 2)
    print(f"one-year database: {spans:,} spans, built in {built_s:.1f} s, "
          f"{size / spans:.1f} bytes per span (+{rollup_bytes / spans:.2f} for rollups)")
    print(f"python -c 'import sqlite3'            {floor:7.1f} ms   (the floor)")
    print(f"presence summary {past} --json  {day_past:7.1f} ms   "
          f"{day_past / floor:.2f}× floor (target ≤ 2.5×)")
    print(f"presence summary today --json         {day_today:7.1f} ms   "
          f"{day_today / floor:.2f}× floor")
    print(f"presence summary --week --json        {week_process:7.1f} ms   whole process")
    print(f"presence status --json                {status:7.1f} ms   "
          f"{status / floor:.2f}× floor")
    print(f"presence bar (one shot)               {bar:7.1f} ms   "
          f"{bar / floor:.2f}× floor")
    if script is not None:
        for key, shown in (("past_script", f"summary {past} --json"),
                           ("status_script", "status --json"), ("bar_script", "bar")):
            print(f"{'`presence` ' + shown:38s}{measured[key]:7.1f} ms   "
                  f"{measured[key] / floor:.2f}× floor (the console script)")
    print(f"--week query (in-process, warm)       {week_q:7.1f} ms   (target ≤ 100 ms)")
    print(f"--week {past} query              {week_past_q:7.1f} ms")
    print(f"report --month query (warm)           {month_q:7.1f} ms   (target ≤ 100 ms), "
          f"HTML {render_ms:.1f} ms")
    print(f"cold: first summary process {cold_process_ms:.0f} ms, first --week query "
          f"{cold_week_ms:.0f} ms (seal + roll up the whole year, once)")
    if opts.years:
        # three times the rounds: one loop of short processes, where a median of a few
        # rounds still moves with the machine's load by several per cent
        figures["growth"] = growth(opts.years, folder, now, env, 3 * opts.runs)
        if opts.plot:
            plot(figures["growth"], opts.plot)
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not opts.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
