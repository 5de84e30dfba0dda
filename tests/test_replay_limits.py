"""Replay of traces nobody checked (issue 14, item 7): bad numbers, huge gaps, endless files."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import timezone
from pathlib import Path

import pytest

from presence.errors import InputError
from presence.replay import iter_trace

GOOD = '{"t": "2026-03-02T09:00:00+01:00", "app": "code"}'


def replay(home: Path, trace: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    (home / "config.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "presence", "replay", str(trace), *extra],
                          env=env, cwd=home, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("line,said", [
    ('{"t": "2026-03-02T09:05:00+01:00", "app": "slack", "idle": NaN}', "NaN is not a number"),
    ('{"t": "2026-03-02T09:05:00+01:00", "app": "slack", "idle": Infinity}', "Infinity"),
    ('{"t": "2026-03-02T09:05:00+01:00", "app": "slack", "idle": 1e400}', '"idle" must be'),
    ('{"t": "9999-12-31T23:59:00-12:00", "app": "slack"}', '"t" is out of range'),
    ('{"t": "2026-03-02T09:05:00+01:00", "app": "slack", "idle": -Infinity}', "Infinity"),
])
def test_bad_numbers_and_times_are_exit_2_naming_the_file_and_line(tmp_path, line, said):
    trace = tmp_path / "bad.jsonl"
    trace.write_text(f"{GOOD}\n\n{line}\n", encoding="utf-8")
    result = replay(tmp_path, trace)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"presence: {trace}: line 3: ")
    assert said in result.stderr and result.stderr.count("\n") == 1


def test_a_time_before_1970_is_refused(tmp_path):
    trace = tmp_path / "old.jsonl"
    trace.write_text('{"t": "0001-01-01T00:00:00+14:00", "app": "slack"}\n', encoding="utf-8")
    result = replay(tmp_path, trace)
    assert result.returncode == 2 and "line 1" in result.stderr and "out of range" in \
        result.stderr


def test_a_ten_year_gap_is_jumped_over_and_only_touched_days_are_summarised(tmp_path):
    trace = tmp_path / "gap.jsonl"
    trace.write_text(
        '{"t": "2026-03-02T09:00:00+01:00", "app": "slack"}\n'
        '{"t": "2026-03-02T09:10:00+01:00", "app": "code"}\n'
        '{"t": "2036-03-03T09:00:00+01:00", "app": "slack"}\n'
        '{"t": "2036-03-03T09:20:00+01:00", "app": "code"}\n', encoding="utf-8")
    # at 145 s a year before, ten years took 24 minutes; the child's timeout is 300 s
    result = replay(tmp_path, trace, "--json")
    assert result.returncode == 0, result.stderr
    days = json.loads(result.stdout)["days"]
    # code holds twelve hours at most: then the recorder was off, until 2036
    assert [d["date"] for d in days] == ["2026-03-02", "2036-03-03"]
    assert days[0]["categories"]["messaging"] == 10
    assert days[-1]["categories"]["messaging"] == 20


def test_the_trace_is_read_as_a_stream(tmp_path):
    """An endless trace yields its first samples at once: nothing waits for the end."""
    def endless():
        for n in itertools.count():
            stamp = f"2026-03-02T{9 + n // 3600 % 12:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            yield json.dumps({"t": stamp + "+01:00", "app": "slack"}) + "\n"
    first = list(itertools.islice(iter_trace(endless(), "endless.jsonl", timezone.utc), 5))
    assert [s.app for s in first] == ["slack"] * 5


def test_an_error_deep_in_a_stream_names_its_line():
    lines = [GOOD + "\n"] * 10_000 + ['{"t": "2026-03-02T10:00:00+01:00", "app": 3}\n']
    with pytest.raises(InputError, match=r"t.jsonl: line 10001: \"app\""):
        list(iter_trace(iter(lines), "t.jsonl", timezone.utc))
