#!/usr/bin/env python3
"""Benchmark today at a glance: `presence bar` once, and `bar --follow` and `tray` beside the
daemon, on a one-year database.

1. `presence bar --format waybar` as a whole process, median of --runs, taking turns with
   `python -c "import sqlite3"` from the same interpreter (target ≤ 2.5× that floor).
2. On a headless sway (scripts/wayland-session.sh) with a real waybar whose `custom/presence`
   module runs `presence bar --format waybar --follow` and whose tray hosts `presence tray`,
   the daemon (`presence run --probe sway --interval 1`) records a chat window for --seconds
   (default 600) after a warm-up. CPU % of one core (nanosecond schedstat) and resident memory of the daemon,
   the bar and the tray are measured over the same stretch (target: bar and tray each at most
   0.01 % of one core, a tenth of the daemon's).

A Python process that only sleeps a second at a time runs beside them as the floor.

Usage: python scripts/bench_glance.py [--runs 15] [--seconds 600] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "scripts"))

from bench_daemon import cpu_seconds  # noqa: E402
from bench_summary import ZONE, build, console_script  # noqa: E402

from presence.config import load  # noqa: E402

WAYLAND = ROOT / "scripts" / "wayland-session.sh"
# Imports, the first reads and the daemon's first flushes: a daemon that starts writes its
# device, its heartbeat and a first span of its own after the generated history (another
# device's, as far as the tail can tell), which a follower reads whole once, about a minute
# later; the figures are of the steady state after that.
WARMUP_SECONDS = 75
# The floor of a process that wakes at the daemon's 1 s interval and does nothing.
_SLEEP_LOOP = "import time\nwhile True:\n    time.sleep(1)"


def _process_times(commands: dict[str, list[str]], env: dict[str, str],
                   runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) ms of each command as a whole process, taking
    turns so that load from other work shifts them alike."""
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            begin = time.perf_counter()
            subprocess.run(args, env=env, stdout=subprocess.DEVNULL, check=True)
            wall[name].append((time.perf_counter() - begin) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(1000 * (after.ru_utime - before.ru_utime
                                     + after.ru_stime - before.ru_stime))
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]))
            for name in commands}


def one_shot(home: Path, runs: int) -> dict:
    """`presence bar` (and `status --json`) as a whole process against the sqlite3 floor."""
    env = dict(os.environ, PRESENCE_HOME=str(home), PYTHONPYCACHEPREFIX=str(home / "pyc"))
    for name in ("PRESENCE_DB", "PRESENCE_CONFIG", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    presence = [sys.executable, "-m", "presence"]
    # the first read after building seals the history and rolls the year up
    subprocess.run([*presence, "summary", "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    commands = {"floor": [sys.executable, "-c", "import sqlite3"],
                "bar": [*presence, "bar", "--format", "waybar"],
                "status": [*presence, "status", "--json"]}
    script = console_script()  # `presence` as a user types it, where pip installed it
    if script is not None:
        commands["bar_script"] = [script, "bar", "--format", "waybar"]
    _process_times(commands, env, 2)  # bytecode cached, files in the page cache
    measured = _process_times(commands, env, runs)
    out = {}
    for name in commands:
        wall, cpu = measured[name]
        out[f"{name}_wall_ms"], out[f"{name}_cpu_ms"] = round(wall, 1), round(cpu, 1)
    for name in [n for n in ("bar", "status", "bar_script") if n in commands]:
        out[f"{name}_vs_floor_wall"] = round(measured[name][0] / measured["floor"][0], 2)
        out[f"{name}_vs_floor_cpu"] = round(measured[name][1] / measured["floor"][1], 2)
    return out


def _session() -> dict[str, str]:
    done = subprocess.run([str(WAYLAND), "start"], capture_output=True, text=True, check=True)
    exported = dict(re.findall(r"^export (\w+)='([^']*)'$", done.stdout, re.MULTILINE))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRESENCE_", "DISPLAY", "WAYLAND_", "DBUS_"))}
    env.update(exported)
    return env


def _wait_for_watcher(env: dict[str, str], deadline: float) -> None:
    """Wait until waybar's StatusNotifierWatcher is on the bus: a tray started before it
    exits at once ("no tray"), and would be measured as costing nothing."""
    while time.monotonic() < deadline:
        asked = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
             "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
             "string:org.kde.StatusNotifierWatcher"], env=env, capture_output=True, text=True)
        if "boolean true" in asked.stdout:
            return
        time.sleep(0.2)
    raise SystemExit("waybar's tray (org.kde.StatusNotifierWatcher) did not come up")


def _find(pattern: str, deadline: float) -> psutil.Process:
    """The Python process running `pattern` (not the shell waybar starts it with)."""
    while time.monotonic() < deadline:
        for proc in psutil.process_iter(["cmdline"]):
            cmdline = proc.info["cmdline"] or []
            if cmdline and cmdline[0] == sys.executable and pattern in " ".join(cmdline):
                return proc
        time.sleep(0.2)
    raise SystemExit(f"no process running {pattern!r}")


def beside_the_daemon(home: Path, seconds: float) -> dict:
    """CPU and RSS of the daemon, `bar --follow` and `tray` over the same stretch."""
    env = _session()
    rundir = Path(env["E2E_RUNDIR"])
    started: list[subprocess.Popen] = []
    bus_pid = None
    try:
        bus = subprocess.run(["dbus-daemon", "--session", f"--address=unix:path={rundir}/bus",
                              "--fork", "--print-pid"], capture_output=True, text=True,
                             check=True)
        bus_pid = int(bus.stdout.split()[0])
        env.update(DBUS_SESSION_BUS_ADDRESS=f"unix:path={rundir}/bus", PRESENCE_HOME=str(home))
        chat = rundir / "slack"
        shutil.copy2(shutil.which("foot") or "/usr/bin/foot", chat)
        started.append(subprocess.Popen([str(chat), "--app-id", "slack", "--title",
                                         "general | Acme - Slack", "cat"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        config = {"layer": "top", "height": 26, "modules-left": ["custom/presence"],
                  "modules-right": ["tray"],
                  "custom/presence": {"exec": f"{sys.executable} -m presence bar --format "
                                              "waybar --follow", "return-type": "json"},
                  "tray": {}}
        (rundir / "waybar.json").write_text(json.dumps(config))
        started.append(subprocess.Popen(["waybar", "-c", str(rundir / "waybar.json")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        started.append(subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe",
                                         "sway", "--interval", "1"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for_watcher(env, time.monotonic() + 60)
        started.append(subprocess.Popen([sys.executable, "-m", "presence", "tray"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # the floor beside them: a Python process that only wakes once a second
        started.append(subprocess.Popen([sys.executable, "-c", _SLEEP_LOOP], env=env))
        deadline = time.monotonic() + 60
        daemon = psutil.Process(started[2].pid)
        tray = psutil.Process(started[3].pid)
        follow = _find("-m presence bar --format waybar --follow", deadline)
        subprocess.run(["swaymsg", "[app_id=slack] focus"], env=env, capture_output=True)
        time.sleep(WARMUP_SECONDS)  # imports, the first reads and the first flush
        procs = {"daemon": daemon, "bar_follow": follow, "tray": tray,
                 "sleep_loop": psutil.Process(started[4].pid)}
        before = {name: cpu_seconds(p) for name, p in procs.items()}
        wall0 = time.monotonic()
        time.sleep(seconds)
        wall = time.monotonic() - wall0
        after = {name: cpu_seconds(p) for name, p in procs.items()}
        for name, proc in procs.items():
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                raise SystemExit(f"{name} ended during the measurement: its figure would be 0")
        out: dict = {"seconds": round(wall, 1), "daemon_interval_s": 1}
        for name, proc in procs.items():
            out[f"{name}_cpu_percent_of_one_core"] = round(
                100 * (after[name] - before[name]) / wall, 4)
            out[f"{name}_rss_mb"] = round(proc.memory_info().rss / 2**20, 1)
        for name in ("bar_follow", "tray"):
            out[f"{name}_vs_sleep_loop"] = round((after[name] - before[name]) / max(
                after["sleep_loop"] - before["sleep_loop"], 1e-9), 2)
            out[f"{name}_vs_daemon"] = round((after[name] - before[name])
                                             / max(after["daemon"] - before["daemon"], 1e-9), 3)
        return out
    finally:
        for proc in reversed(started):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)
        if bus_pid is not None:
            try:
                os.kill(bus_pid, 15)
            except ProcessLookupError:
                pass
        subprocess.run([str(WAYLAND), "stop", str(rundir)], capture_output=True)


def _end_history_at(db: Path, now: float) -> None:
    """Drop what the generator wrote for later today: a recorded history ends now, and the
    daemon's own spans follow it (a span "from the future" would grow with the clock too)."""
    conn = sqlite3.connect(db)
    ms = int(now * 1000)
    conn.execute("DELETE FROM spans WHERE id >= ?", (ms,))
    conn.execute("UPDATE spans SET dur = ? - id WHERE id + dur > ?", (ms, ms))
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    opts = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="presence-bench-glance-"))
    try:
        (folder / "config.toml").write_text(f'timezone = "{ZONE}"\n', encoding="utf-8")
        tz = load(folder / "config.toml", required=True).tz
        now = time.time()
        spans = build(folder / "presence.db", now, tz)
        _end_history_at(folder / "presence.db", now)
        figures = {"spans": spans, **one_shot(folder, opts.runs),
                   **beside_the_daemon(folder, opts.seconds)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
