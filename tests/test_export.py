"""`presence export`: the user's data as CSV or JSON, from a real database."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from summary_data import add_meetings, add_nudge, add_span, at, home, meeting


def filled(tmp_path):
    store, _ = home(tmp_path)
    add_span(store, "2026-03-28T23:30", "2026-03-29T00:30", "slack", "messaging")
    add_span(store, "2026-03-29T01:30", "2026-03-29T03:30", "firefox", "other")
    add_span(store, "2026-03-30T10:00", "2026-03-30T10:00:01.5", "signal", "messaging")
    add_meetings(store, meeting("Dinner, with \"Sam\"", "2026-03-29T19:00", "2026-03-29T21:00"))
    store.add_in_person(at("2026-03-29T21:00"), at("2026-03-29T22:00"), "walk")
    add_nudge(store, "2026-03-29T19:12", "phubbing", "Dinner")
    store.close()


def run(tmp_path, *args):
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "presence", "export", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_csv_holds_the_spans_with_local_times(tmp_path):
    filled(tmp_path)
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "start", "end", "app", "category", "title", "device",
                             "seconds"]
    assert [(r["start"], r["end"], r["app"], r["seconds"]) for r in rows] == [
        ("2026-03-28T23:30:00+01:00", "2026-03-29T00:30:00+01:00", "slack", "3600.0"),
        ("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", "firefox", "3600.0"),
        ("2026-03-30T10:00:00+02:00", "2026-03-30T10:00:01+02:00", "signal", "1.5")]


def test_a_window_takes_the_rows_that_overlap_it_whole(tmp_path):
    filled(tmp_path)
    day = run(tmp_path, "--from", "2026-03-29", "--to", "2026-03-29")
    assert [r["app"] for r in csv.DictReader(io.StringIO(day.stdout))] == ["slack", "firefox"]
    meetings = run(tmp_path, "--table", "meetings", "--from", "2026-03-29T20:00")
    rows = list(csv.DictReader(io.StringIO(meetings.stdout)))
    assert [(r["summary"], r["kind"]) for r in rows] == [('Dinner, with "Sam"', "in_person")]
    assert run(tmp_path, "--to", "2026-03-28T12:00").stdout.splitlines()[1:] == []


def test_json_holds_every_table(tmp_path):
    filled(tmp_path)
    out = tmp_path / "all.json"
    result = run(tmp_path, "--format", "json", "--out", str(out))
    assert result.returncode == 0 and result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["timezone"], data["from"], data["to"]) == ("Europe/Berlin", None, None)
    assert [len(data[t]) for t in ("activity", "meetings", "in_person_log", "focus_windows",
                                   "nudges")] == [3, 1, 1, 0, 1]
    assert data["in_person_log"][0] == {"id": 1, "start": "2026-03-29T21:00:00+02:00",
                                        "end": "2026-03-29T22:00:00+02:00", "note": "walk"}
    assert data["nudges"][0]["at"] == "2026-03-29T19:12:00+02:00"
    assert data["nudges"][0]["delivered"] == 1
    only = json.loads(run(tmp_path, "--format", "json", "--table", "activity", "--from",
                          "2026-03-30").stdout)
    assert set(only) == {"timezone", "from", "to", "activity"}
    assert [r["app"] for r in only["activity"]] == ["signal"]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    filled(tmp_path)
    bad = run(tmp_path, "--from", "last week")
    assert bad.returncode == 2 and bad.stderr.startswith("presence: --from: 'last week' is")
    backwards = run(tmp_path, "--from", "2026-03-30", "--to", "2026-03-29T12:00")
    assert backwards.returncode == 2 and "must come after" in backwards.stderr
