"""A trace read as runs of lines repeating one sample (`iter_runs`, what `presence replay`
reads): the same samples and times as reading every line, every line still checked."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from presence.errors import InputError
from presence.reports.render import nudge_json
from presence.trace import iter_runs, read_trace

BERLIN = ZoneInfo("Europe/Berlin")


def one_second_lines(start: datetime, seconds: int) -> list[str]:
    """A recorder's lines, one a second: chat and an editor taking turns, idle stretches,
    a blank line, a gap of an hour and one of a day and a half."""
    lines, at = [], start
    for second in range(seconds):
        at += timedelta(seconds=1)
        if second == 3000:
            at += timedelta(hours=1)
        if second == 7000:
            at += timedelta(hours=36)
        app = "slack" if (second // 311) % 3 else "code"
        idle = 0 if second % 1900 < 1400 else 200
        lines.append(json.dumps({"t": at.astimezone(BERLIN).isoformat(), "app": app,
                                 "title": f"{app} window", "exe": f"/usr/bin/{app}",
                                 "idle": idle}) + "\n")
        if second == 4500:
            lines.append("\n")
    lines[-1] = lines[-1].rstrip("\n")  # the last line without its newline
    return lines


def groups(lines: list[str]) -> list[tuple[tuple, float, float]]:
    """What each line says, read with json and fromisoformat alone, equal neighbours
    grouped: (values, first time, last time)."""
    out: list[tuple[tuple, float, float]] = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        at = datetime.fromisoformat(item["t"]).timestamp()
        values = (item["app"], item.get("title"), item.get("exe"), item.get("idle"))
        if out and out[-1][0] == values:
            out[-1] = (values, out[-1][1], at)
        else:
            out.append((values, at, at))
    return out


def merged(runs) -> list[tuple[tuple, float, float]]:
    out: list[tuple[tuple, float, float]] = []
    for sample, last in runs:
        values = (sample.app, sample.title, sample.exe, sample.idle)
        if out and out[-1][0] == values:
            out[-1] = (values, out[-1][1], last)
        else:
            out.append((values, sample.at, last))
    return out


def test_runs_hold_every_line_of_a_one_second_trace_across_hours_batches_and_gaps(tmp_path):
    # 9,000 lines: two reading batches and more, across the night the clocks go forward
    lines = one_second_lines(datetime(2026, 3, 29, 0, 40, tzinfo=timezone.utc), 9000)
    path = tmp_path / "night.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    with path.open(encoding="utf-8-sig") as text:
        runs = list(iter_runs(text, str(path), BERLIN))
    assert merged(runs) == groups(lines)
    # the same as one sample a line, and no object made for a line that repeats the one
    # before in its hour: a run per change or hour, not per line
    per_line = read_trace(lines, str(path), BERLIN)
    assert merged((s, s.at) for s in per_line) == groups(lines)
    assert len(runs) < len(groups(lines)) + 20 and len(per_line) == 9000


def test_a_run_that_would_end_past_the_year_9000_is_refused_at_its_line(tmp_path):
    # the hour starts in range, its last minutes (at this offset) do not
    lines = ['{"t": "8999-12-31T23:00:00-00:30", "app": "code"}\n',
             '{"t": "8999-12-31T23:10:00-00:30", "app": "code"}\n',
             '{"t": "8999-12-31T23:45:00-00:30", "app": "code"}\n']
    with pytest.raises(InputError, match=r"t.jsonl: line 3: \"t\" is out of range"):
        list(iter_runs(lines, "t.jsonl", BERLIN))


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    (home / "config.toml").write_text('timezone = "Europe/Berlin"\n[daemon]\n'
                                      'interval_seconds = 1\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env, cwd=home,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("change, said", [
    (lambda line: line.replace(':40+01:00"', ':4x+01:00"'), '"t" is not an ISO 8601 time'),
    (lambda line: line.replace(':40+01:00"', ':60+01:00"'), '"t" is not an ISO 8601 time'),
    (lambda line: line.replace(":40+01:00", ":38+01:00"), "goes back in time"),
    (lambda line: line.replace('"idle": 0', '"idle": NaN'), "NaN is not a number"),
    (lambda line: line.replace('"idle": 0', '"idle": 0, "t": "x"'), '"t" is not an ISO'),
    (lambda line: line.replace('"app": "slack"', '"app": "slack", "app": 3'), '"app", "title"'),
    (lambda line: line[:40], "not JSON"),
])
def test_a_bad_line_inside_a_run_of_equal_lines_is_one_line_exit_2(tmp_path, change, said):
    start = datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    lines = [json.dumps({"t": (start + timedelta(seconds=s)).isoformat(), "app": "slack",
                         "title": "general", "idle": 0}) + "\n" for s in range(6000)]
    bad = 5020  # 10:23:40, one of 6,000 lines equal but for their times
    assert '10:23:40+01:00"' in lines[bad]
    lines[bad] = change(lines[bad])
    trace = tmp_path / "run.jsonl"
    trace.write_text("".join(lines), encoding="utf-8")
    done = cli(tmp_path, "replay", str(trace), "--json")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"presence: {trace}: line {bad + 1}: "), done.stderr
    assert said in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_replay_of_runs_says_and_keeps_what_a_replay_of_every_line_does(tmp_path):
    from presence.config import load
    from presence.replay import replay

    lines = one_second_lines(datetime(2026, 3, 2, 7, tzinfo=timezone.utc), 9000)
    trace = tmp_path / "day.jsonl"
    trace.write_text("".join(lines), encoding="utf-8")
    kept = tmp_path / "runs.db"
    done = cli(tmp_path, "replay", str(trace), "--json", "--keep", str(kept))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    config = load(tmp_path / "config.toml")
    every = tmp_path / "every.db"
    result = replay(read_trace(lines, str(trace), config.tz), config, [], tmp_path / "cache",
                    keep=every)
    assert out["days"] == result.days and len(out["days"]) == 2
    assert out["nudges"] == [nudge_json(r.nudge, followed=r.followed) for r in result.nudges]
    assert out["nudges"]

    def rows(path: Path) -> list[tuple]:
        with sqlite3.connect(path) as conn:
            spans = conn.execute("SELECT start, end, app, category FROM activity "
                                 "ORDER BY start").fetchall()
            return spans + conn.execute("SELECT value FROM settings WHERE key = 'now'"
                                        ).fetchall()

    assert rows(kept) == rows(every) and len(rows(kept)) > 20


def test_many_runs_stored_in_groups_keep_what_the_daemon_stores_stepping_every_tick(
        tmp_path, config_with):
    """1,200 runs (a switch every three seconds, the replay's store written a few hundred
    runs to a transaction): every span and record the daemon's loop stores, kept whole."""
    from presence.daemon import Daemon
    from presence.nudges.dispatch import Recorder
    from presence.nudges.notify import RecordingNotifier
    from presence.nudges.nudger import Nudger
    from presence.replay import TraceProbe, replay_runs
    from presence.store import Store

    config = config_with("[daemon]\ninterval_seconds = 1\n")
    start = datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    lines = [json.dumps({"t": (start + timedelta(seconds=s)).isoformat(),
                         "app": ("slack", "code", "discord")[s // 3 % 3], "idle": 0}) + "\n"
             for s in range(3600)]
    kept = tmp_path / "kept.db"
    result = replay_runs(iter_runs(lines, "t.jsonl", BERLIN), config, [], tmp_path / "c",
                         keep=kept)
    samples = read_trace(lines, "t.jsonl", BERLIN)
    stepped = Store.open(tmp_path / "stepped.db")
    daemon = Daemon(config, stepped, lambda name: TraceProbe(samples), TraceProbe.name,
                    nudger=Nudger(config, stepped, Recorder([RecordingNotifier("replay")])),
                    device="replay", monotonic=lambda: 0.0)
    for second in range(3600):
        daemon.step(samples[0].at + second)
    daemon.shutdown()
    replayed = Store.open(kept, create=False)
    span = (samples[0].at, samples[-1].at + 1)
    assert replayed.spans(*span) == stepped.spans(*span) and len(replayed.spans(*span)) == 1200
    assert replayed.get_setting("now") == stepped.get_setting("now")
    assert [r.nudge for r in result.nudges] == [r.nudge for r in stepped.nudge_records(0, 1e12)]
    replayed.close()
    stepped.close()


def test_a_bad_line_after_many_runs_keeps_no_database_and_says_one_line(tmp_path):
    start = datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    lines = [json.dumps({"t": (start + timedelta(seconds=s)).isoformat(),
                         "app": ("slack", "code")[s // 2 % 2], "idle": 0}) + "\n"
             for s in range(3000)]
    lines.append('{"t": "2026-03-02T10:00:00+01:00", "app": "slack", "idle": -1}\n')
    trace = tmp_path / "late.jsonl"
    trace.write_text("".join(lines), encoding="utf-8")
    kept = tmp_path / "kept.db"
    done = cli(tmp_path, "replay", str(trace), "--keep", str(kept))
    assert done.returncode == 2, done.stderr
    assert done.stderr == f'presence: {trace}: line 3001: "idle" must be seconds (a number ' \
                          'from 0 to ten years)\n'
    assert not kept.exists() and not list(tmp_path.glob("kept.db*"))


def test_a_replay_without_a_calendar_loads_no_calendar_code(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"t": "2026-03-02T09:00:00+01:00", "app": "slack"}\n'
                     '{"t": "2026-03-02T09:10:00+01:00", "app": "code"}\n', encoding="utf-8")
    (tmp_path / "config.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    code = ("import sys\nfrom presence.cli.entry import main\nsys.argv = ['presence', "
            "'replay', sys.argv[1], '--json']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('presence.calendar', "
            "'icalendar', 'sqlite_utils'))), file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code, str(trace)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert json.loads(done.stdout)["days"][0]["categories"]["messaging"] == 10
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
