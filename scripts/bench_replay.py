#!/usr/bin/env python3
"""Benchmark `presence replay` of a one-day trace at 1 s steps (DESIGN §6: under 2 s).

Writes the day of bench_ingest (86,400 one-second samples, the app changing every 20–60 s) as a
JSON Lines trace, one line per sample, and times `presence replay TRACE --json` as a whole
process with `[daemon] interval_seconds = 1`, median of --runs, taking turns with
`python -c "import sqlite3"` (the floor). Then splits one run into its phases in a fresh
process (start-up and imports, reading the trace into its runs as the command does, the
daemon's pipeline with the nudger over every tick, the day summaries, the JSON output), and
with --profile prints where the pipeline spends its time (pyinstrument, from the bench
environment). With --against TREE it times another checkout's `presence replay` (run from
that folder) in the same turns, and with --flat it also replays a trace three times as long,
for the peak resident memory of both.

Usage: python scripts/bench_replay.py [--runs 5] [--profile] [--flat] [--against TREE]
       [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

TARGET_S = 1.0

PHASES = """
import json, sys, time
t0 = time.perf_counter()
from presence.cli.main import main  # what `presence replay` imports before it reads the trace
from presence.cli import replay as cli_replay  # noqa: F401
from presence.config import load
from presence.replay import iter_runs, replay_runs
from presence import paths
t1 = time.perf_counter()
config = load()
with open(sys.argv[1], encoding="utf-8-sig") as lines:
    runs = list(iter_runs(lines, sys.argv[1], config.tz))  # as the command reads it: runs
t2 = time.perf_counter()
result = replay_runs(runs, config, [], paths.cache_dir())
t3 = time.perf_counter()
text = json.dumps({"nudges": len(result.nudges), "days": result.days})
t4 = time.perf_counter()
print(json.dumps({"imports_ms": (t1 - t0) * 1000, "read_trace_ms": (t2 - t1) * 1000,
                  "pipeline_and_summaries_ms": (t3 - t2) * 1000, "output_ms": (t4 - t3) * 1000,
                  "nudges": len(result.nudges)}))
"""


def write_trace(path: Path, seconds: int) -> int:
    """The bench day as a trace, one JSON line per one-second sample."""
    from bench_ingest import ZONE, day_samples

    tz = ZoneInfo(ZONE)
    samples = day_samples(seconds)
    with path.open("w", encoding="utf-8") as out:
        for s in samples:
            out.write(json.dumps({"t": datetime.fromtimestamp(int(s.at), tz).isoformat(),
                                  "app": s.app, "title": s.title, "exe": s.exe, "idle": 0})
                      + "\n")
    return len(samples)


# `presence replay` in process, printing its peak resident memory at exit (VmHWM: that of the
# program itself; a child's ru_maxrss also counts the bench's own pages from before the exec)
PEAK = """
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("peak-kb " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["presence", "replay", sys.argv[1], "--json"]
runpy.run_module("presence", run_name="__main__")
"""


def timed(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (run in `cwd`, so that `python -m` finds
    the package its PYTHONPATH names rather than one in the current folder)."""
    before = os.times()
    begin = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False, cwd=cwd)
    wall = time.perf_counter() - begin
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()}")
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def peak_mb(trace: Path, env: dict[str, str], cwd: Path) -> float:
    """Peak resident memory of one replay of `trace`, in MB."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(trace)], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=True)
    return int(done.stderr.rsplit("peak-kb ", 1)[1].split()[0]) / 1024


def profile(trace: Path, env: dict[str, str]) -> str:
    """pyinstrument's view of one replay, in a fresh process."""
    code = ("import sys\nfrom pyinstrument import Profiler\nfrom presence.config import load\n"
            "from presence.replay import iter_runs, replay_runs\nfrom presence import paths\n"
            "config = load()\nprofiler = Profiler(interval=0.0005)\nprofiler.start()\n"
            "with open(sys.argv[1], encoding='utf-8') as lines:\n"
            "    replay_runs(iter_runs(lines, sys.argv[1], config.tz), config, [],\n"
            "                paths.cache_dir())\nprofiler.stop()\n"
            "print(profiler.output_text(unicode=True, color=False, show_all=False))\n")
    done = subprocess.run([sys.executable, "-c", code, str(trace)], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=86_400, help="samples in the trace")
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's profile")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--against", type=Path,
                        help="another checkout whose replay is timed in the same turns")
    parser.add_argument("--flat", action="store_true",
                        help="also replay a trace three times as long (peak memory of both)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="presence-bench-replay-"))
    try:
        from bench_ingest import write_config

        write_config(folder, interval=1)
        trace = folder / "day.jsonl"
        samples = write_trace(trace, args.seconds)
        # As installed: bytecode cached (kept under the bench folder, away from the checkout).
        env = dict(os.environ, PRESENCE_HOME=str(folder), PYTHONPYCACHEPREFIX=str(folder / "pyc"))
        for name in ("PRESENCE_DB", "PRESENCE_CONFIG", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        replay_args = [sys.executable, "-m", "presence", "replay", str(trace), "--json"]
        commands = {"floor": [sys.executable, "-c", "import sqlite3"], "replay": replay_args}
        envs = {name: env for name in commands}
        if args.against is not None:
            # the other tree's package first on the path; its own bytecode cache
            commands["against"] = replay_args
            envs["against"] = dict(env, PYTHONPATH=str(args.against.resolve()),
                                   PYTHONPYCACHEPREFIX=str(folder / "pyc-against"))
        for name, args_ in commands.items():
            timed(args_, envs[name], folder)  # warm-up: bytecode cached, files in the page cache
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, args_ in commands.items():
                wall, cpu = timed(args_, envs[name], folder)
                walls[name].append(wall)
                cpus[name].append(cpu)
        rss = {name: peak_mb(trace, envs[name], folder) for name in commands if name != "floor"}
        longer = None
        if args.flat:
            long_trace = folder / "three-days.jsonl"
            write_trace(long_trace, 3 * args.seconds)
            long_args = replay_args[:3] + ["replay", str(long_trace), "--json"]
            longer = (*timed(long_args, env, folder), peak_mb(long_trace, env, folder))
        out = subprocess.run([sys.executable, "-m", "presence", "replay", str(trace), "--json"],
                             env=env, check=True, capture_output=True, text=True).stdout
        result = json.loads(out)
        phases = json.loads(subprocess.run([sys.executable, "-c", PHASES, str(trace)], env=env,
                                           check=True, capture_output=True, text=True).stdout)
        profile_text = profile(trace, env) if args.profile else None
    finally:
        shutil.rmtree(folder)

    replay_s = statistics.median(walls["replay"])
    floor_s = statistics.median(walls["floor"])
    figures = {
        "samples": samples, "runs": args.runs,
        "replay_s": round(replay_s, 3), "replay_min_s": round(min(walls["replay"]), 3),
        "replay_cpu_s": round(statistics.median(cpus["replay"]), 3),
        "floor_ms": round(floor_s * 1000, 1),
        "ratio_to_floor": round(replay_s / floor_s, 1),
        "us_per_sample": round(replay_s / samples * 1e6, 1),
        "nudges": len(result["nudges"]), "days": len(result["days"]),
        "phases_ms": {k: round(v, 1) for k, v in phases.items() if k.endswith("_ms")},
        "target_s": TARGET_S, "met": replay_s < TARGET_S,
        "replay_rss_mb": round(rss["replay"], 1),
    }
    if longer is not None:
        figures["three_days_s"] = round(longer[0], 3)
        figures["three_days_cpu_s"] = round(longer[1], 3)
        figures["three_days_rss_mb"] = round(longer[2], 1)
    if args.against is not None:
        figures["against"] = {
            "tree": str(args.against), "replay_s": round(statistics.median(walls["against"]), 3),
            "replay_cpu_s": round(statistics.median(cpus["against"]), 3),
            "replay_rss_mb": round(rss["against"], 1)}
    print(f"presence replay of a one-day trace ({samples:,} samples at 1 s), whole process: "
          f"median {replay_s:.2f} s (min {min(walls['replay']):.2f} s, CPU "
          f"{figures['replay_cpu_s']:.2f} s) over {args.runs} runs   target < {TARGET_S:g} s: "
          f"{'met' if figures['met'] else 'MISSED'}")
    print(f"  python -c 'import sqlite3' {floor_s * 1000:.1f} ms; "
          f"{figures['us_per_sample']} µs per sample; {figures['nudges']} nudges over "
          f"{figures['days']} day(s)")
    print(f"  peak resident memory {figures['replay_rss_mb']} MB; floor CPU "
          f"{statistics.median(cpus['floor']) * 1000:.0f} ms")
    if longer is not None:
        print(f"  three times as long ({3 * samples:,} samples): {longer[0]:.2f} s "
              f"(CPU {longer[1]:.2f} s), peak resident memory {longer[2]:.1f} MB")
    if args.against is not None:
        other = figures["against"]
        print(f"  against {args.against}: median {other['replay_s']:.2f} s, CPU "
              f"{other['replay_cpu_s']:.2f} s, peak {other['replay_rss_mb']} MB (same turns)")
    print("  phases (one run): " + ", ".join(f"{k[:-3].replace('_', ' ')} {v:.0f} ms"
                                            for k, v in figures["phases_ms"].items()))
    if profile_text:
        print(profile_text)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
