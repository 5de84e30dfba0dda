#!/usr/bin/env python3
"""Benchmark the real daemon with the X11 probe on a headless desktop.

Starts scripts/desktop-session.sh, opens a window of a process named like a chat app, and runs
`presence run --probe x11` at 1 s and 5 s intervals: CPU % of one core and resident memory of the
daemon process, measured after a warm-up. With --calendar N the daemon's config names a
generated N-event calendar (bench_calendar's), which its sync child parses and stores and its
nudger then reads. Then times one sample (probe + classify + merge) in-process. Targets
(DESIGN §6, issue 18): ≤ 0.04 % of one core at 1 s, ≤ 24 MB resident with a 2,000-event
calendar synced, ≤ 0.5 ms per sample (median).

Beside each daemon, in the same seconds, runs the floor: a Python loop that only sleeps until
the next interval (what any daemon sampling at that interval costs at least). With --against
TREE the daemon of another checkout (an older commit: `git archive COMMIT | tar -x -C TREE`)
runs beside it too, with its own home and calendar, so that a before/after comparison on a
busy machine sees the same load on both sides. Before measuring, each tree's daemon runs
once so that its bytecode cache holds what it imports (as after `pip install`; see
`warm_bytecode`).

Usage: python scripts/bench_daemon.py [--seconds 60] [--calendar 2000] [--against TREE]
                                     [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
SESSION = ROOT / "scripts" / "desktop-session.sh"
WARMUP_SECONDS = 5


def start_desktop() -> dict[str, str]:
    done = subprocess.run([str(SESSION), "start"], capture_output=True, text=True, check=True,
                          env=dict(os.environ, E2E_NOTIFYD="none"))
    return dict(re.findall(r"^export (\w+)='([^']*)'$", done.stdout, re.MULTILINE))


def open_chat_window(env: dict[str, str], folder: Path) -> subprocess.Popen:
    exe = folder / "slack"
    shutil.copy2(shutil.which("xterm"), exe)
    proc = subprocess.Popen([str(exe), "-class", "Slack", "-title", "general | Acme - Slack",
                             "-e", "cat"], env=env, stdin=subprocess.DEVNULL)
    found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid",
                            str(proc.pid)], env=env, capture_output=True, text=True, timeout=20)
    subprocess.run(["xdotool", "windowactivate", "--sync", found.stdout.split()[0]], env=env,
                   check=True, timeout=20)
    return proc


def cpu_seconds(ps: psutil.Process) -> float:
    """CPU time of all the process's threads; nanosecond schedstat where Linux has it, since
    clock-tick accounting (10 ms) is too coarse for a process using 1 ms a second."""
    total = 0.0
    try:
        for task in Path(f"/proc/{ps.pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0]) / 1e9
        return total
    except OSError:
        times = ps.cpu_times()
        return times.user + times.system


def wake_ups(ps: psutil.Process) -> int:
    """How often the process's threads went to sleep and woke (voluntary context switches)."""
    total = 0
    try:
        for task in Path(f"/proc/{ps.pid}/task").iterdir():
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
    except OSError:
        return ps.num_ctx_switches().voluntary
    return total


def at_work(env: dict[str, str]) -> None:
    """Input, as from someone at work: the idle time starts again from zero, so that the
    measured seconds stay below `[daemon] idle_seconds` (180 s; past it the user is away and
    every sample asks the X server whether they are back)."""
    subprocess.run(["xdotool", "mousemove_relative", "--", "1", "1"], env=env, check=True,
                   timeout=20)


def write_calendar_config(home: Path, events: int) -> None:
    """A config naming a generated calendar of `events` events, in the daemon's home."""
    from bench_calendar import generate

    home.mkdir(parents=True, exist_ok=True)
    calendar = home / "bench.ics"
    calendar.write_bytes(generate(events, min(200, events // 10)))
    (home / "config.toml").write_text(
        f'[calendar]\nsources = ["{calendar}"]\nowner_emails = ["me@example.com"]\n',
        encoding="utf-8")


# The floor: a loop that wakes at the interval and does nothing else.
FLOOR = ("import sys, threading, time\n"
         "interval, stop = float(sys.argv[1]), threading.Event()\n"
         "due = time.monotonic()\n"
         "while True:\n"
         "    due += interval\n"
         "    stop.wait(max(0.0, due - time.monotonic()))\n")


def wait_for_the_sync(daemons: dict[str, psutil.Process], timeout: float = 300) -> None:
    """Until each daemon's calendar sync child has run and ended (after the migration child,
    which comes first), and the daemon has had a moment to read the synced meetings."""
    synced: set[str] = set()
    running: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(synced) < len(daemons) and time.monotonic() < deadline:
        for name, ps in daemons.items():
            try:
                syncing = any("sync" in child.cmdline() for child in ps.children())
            except psutil.Error:
                syncing = name in running
            if syncing:
                running.add(name)
            elif name in running:
                synced.add(name)
        time.sleep(0.2)
    time.sleep(3)


def start_daemon(env: dict[str, str], tree: Path, home: Path, pycache: Path,
                 interval: float, calendar: int) -> subprocess.Popen:
    """`presence run --probe x11` of `tree` in `home` (with a generated calendar)."""
    if calendar:
        write_calendar_config(home, calendar)
    home.mkdir(parents=True, exist_ok=True)
    # the tree on the path first: its `presence` is the one run; bytecode in the tree's own
    # cache, which `warm_bytecode` filled (as `pip install` does)
    own = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    own.update(PRESENCE_HOME=str(home), PYTHONPATH=str(tree), PYTHONPYCACHEPREFIX=str(pycache))
    return subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "x11",
                             "--interval", str(interval)], cwd=tree,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=own)


def warm_bytecode(env: dict[str, str], trees: dict[str, Path], scratch: Path,
                  calendar: int) -> None:
    """Run each tree's daemon once, until its sync child has ended, so that everything the
    daemon and its children import is compiled into that tree's bytecode cache.

    With PYTHONPYCACHEPREFIX set Python reads bytecode only from that folder, the standard
    library's too: a daemon started on an empty one compiles every module it imports, and
    the compiler's high-water mark (2.5 MB here) then stays in its resident memory for good.
    An installed presence (pip compiles at install) or a checkout run once never pays that.
    """
    procs = {name: start_daemon(env, tree, scratch / f"warm-{name}", pycache(scratch, name),
                                1.0, calendar) for name, tree in trees.items()}
    try:
        time.sleep(WARMUP_SECONDS)
        if calendar:
            wait_for_the_sync({n: psutil.Process(p.pid) for n, p in procs.items()})
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=15)


def pycache(scratch: Path, name: str) -> Path:
    return scratch / f"pycache-{name}"


def measure_daemon(env: dict[str, str], home: Path, interval: float, seconds: float,
                   calendar: int = 0, against: Path | None = None) -> dict:
    """The daemon's CPU and memory over `seconds` after a warm-up, with the floor (and the
    daemon of the `against` checkout) measured in the same seconds."""
    procs = {name: start_daemon(env, tree, home / name, pycache(home.parent, name), interval,
                                calendar) for name, tree in trees_of(against).items()}
    procs["floor"] = subprocess.Popen([sys.executable, "-c", FLOOR, str(interval)], env=env)
    try:
        ps = {name: psutil.Process(proc.pid) for name, proc in procs.items()}
        time.sleep(WARMUP_SECONDS)  # imports and the first flush are not the steady state
        if calendar:
            wait_for_the_sync({n: p for n, p in ps.items() if n != "floor"})
        at_work(env)
        cpu0, wall0 = {n: cpu_seconds(p) for n, p in ps.items()}, time.monotonic()
        woke0 = {n: wake_ups(p) for n, p in ps.items()}
        time.sleep(seconds)
        cpu1, wall1 = {n: cpu_seconds(p) for n, p in ps.items()}, time.monotonic()
        woke = {n: wake_ups(p) - woke0[n] for n, p in ps.items()}
        rss = {n: p.memory_info().rss for n, p in ps.items()}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=15)
    share = {n: round(100 * (cpu1[n] - cpu0[n]) / (wall1 - wall0), 4) for n in ps}
    rate = {n: round(woke[n] / (wall1 - wall0), 2) for n in ps}
    row = {"interval_s": interval, "seconds": round(wall1 - wall0, 1),
           "cpu_percent_of_one_core": share["daemon"], "rss_mb": round(rss["daemon"] / 2**20, 1),
           "calendar_events": calendar, "floor_cpu_percent": share["floor"],
           "floor_rss_mb": round(rss["floor"] / 2**20, 1), "load_average": os.getloadavg()[0],
           "wake_ups_per_second": rate["daemon"], "floor_wake_ups_per_second": rate["floor"]}
    if against:
        row["against"] = {"tree": str(against), "cpu_percent_of_one_core": share["against"],
                          "rss_mb": round(rss["against"] / 2**20, 1),
                          "wake_ups_per_second": rate["against"]}
    return row


def trees_of(against: Path | None) -> dict[str, Path]:
    return {"daemon": ROOT} | ({"against": against} if against else {})


def measure_sample(env: dict[str, str], samples: int = 2000) -> dict:
    os.environ.update(env)
    from presence import config, spans
    from presence.classify import classify
    from presence.probe import open_probe

    cfg = config.defaults()
    probe = open_probe("x11")
    pulse = spans.pulse_time(1.0)
    current = None
    costs = []
    t = 1_800_000_000.0
    for _ in range(samples):
        start = time.perf_counter()
        classified = classify(cfg, probe.read(t))
        _, current = spans.step(current, t, classified.sample.app, classified.category, None,
                                pulse)
        costs.append(time.perf_counter() - start)
        t += 1
    probe.close()
    assert current is not None and current.app == "slack", current
    return {"samples": samples, "median_ms": round(statistics.median(costs) * 1000, 3),
            "p95_ms": round(sorted(costs)[int(0.95 * samples)] * 1000, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--calendar", type=int, default=0, metavar="EVENTS",
                        help="give the daemon a generated calendar of this many events")
    parser.add_argument("--against", type=Path, metavar="TREE",
                        help="also run this checkout's daemon beside it (before/after)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    env = start_desktop()
    rundir = env["E2E_RUNDIR"]
    full_env = dict(os.environ, **env)
    results: dict = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            window = open_chat_window(full_env, Path(tmp))
            try:
                results["sample"] = measure_sample(full_env)
                warm_bytecode(full_env, trees_of(args.against), Path(tmp), args.calendar)
                results["daemon"] = [measure_daemon(full_env, Path(tmp) / f"home{i}", interval,
                                                    args.seconds, args.calendar, args.against)
                                     for i, interval in enumerate((1.0, 5.0))]
            finally:
                window.kill()
    finally:
        subprocess.run([str(SESSION), "stop", rundir], capture_output=True)
    sample = results["sample"]
    print(f"one sample (X11 probe + classify + merge): median {sample['median_ms']} ms, "
          f"p95 {sample['p95_ms']} ms   (target ≤ 0.5 ms median)")
    for row in results["daemon"]:
        print(f"daemon at {row['interval_s']:g} s: {row['cpu_percent_of_one_core']} % of one "
              f"core, {row['rss_mb']} MB resident over {row['seconds']} s"
              f"{f', {args.calendar}-event calendar' if args.calendar else ''}   "
              f"(targets at 1 s: ≤ 0.04 %, ≤ 24 MB); "
              f"{row['wake_ups_per_second']} wake-ups/s")
        print(f"  floor (a loop that only sleeps): {row['floor_cpu_percent']} %, "
              f"{row['floor_rss_mb']} MB, {row['floor_wake_ups_per_second']} wake-ups/s; "
              f"load average {row['load_average']:.1f}")
        if "against" in row:
            other = row["against"]
            print(f"  {other['tree']}: {other['cpu_percent_of_one_core']} %, "
                  f"{other['rss_mb']} MB, {other['wake_ups_per_second']} wake-ups/s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
