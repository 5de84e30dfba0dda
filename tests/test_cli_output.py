"""Output and errors as a shell user meets them (issue 13): closed pipes, usage mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from summary_data import add_span, home

from tests.support import sealed_env

ROOT = Path(__file__).resolve().parent.parent


def presence(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=120, env=sealed_env(folder))


def piped_to_head(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`presence ARGS | head -1` in a real shell; stdout ends with presence's exit code."""
    command = " ".join(["exec 3>&1;", sys.executable, "-m", "presence", *args,
                        "| head -1; echo \"exit=${PIPESTATUS[0]}\""])
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                          timeout=120, env=sealed_env(folder))


@pytest.fixture
def many_spans(tmp_path):
    # far more than a pipe holds (64 KiB), so presence is still writing when head exits
    store, _ = home(tmp_path)
    for minute in range(3000):
        hour, rest = divmod(minute, 60)
        day = 1 + hour // 24
        add_span(store, f"2026-03-{day:02d}T{hour % 24:02d}:{rest:02d}:00",
                 f"2026-03-{day:02d}T{hour % 24:02d}:{rest:02d}:30", "slack", "messaging")
    store.close()
    return tmp_path


def test_export_into_a_closed_pipe_exits_0_quietly(many_spans):
    done = piped_to_head(many_spans, "export")
    assert done.stdout.splitlines() == ["id,start,end,app,category,title,device,seconds",
                                        "exit=0"]
    assert done.stderr == ""


def test_calendar_events_into_a_closed_pipe_exits_0_quietly(tmp_path):
    ics = tmp_path / "daily.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                   "UID:standup@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T090000Z\r\n"
                   "DTEND:20260101T091500Z\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:Standup\r\n"
                   "LOCATION:https://meet.google.com/abc-defg-hij\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    done = piped_to_head(tmp_path, "calendar", "events", str(ics), "--from", "2026-01-01",
                         "--to", "2026-04-30")
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and "Standup" in lines[0] and lines[1] == "exit=0"
    assert done.stderr == ""


@pytest.mark.parametrize("args, line", [
    (("export", "--format", "xml"), "presence: --format must be csv or json"),
    (("summary", "--jsn"),
     "presence: unknown option --jsn; did you mean --json? (see presence summary --help)"),
    (("nosuch",), "presence: no such command 'nosuch' (see presence --help)"),
    (("calendar", "events"), "presence: --from is missing (see presence calendar events --help)"),
    (("summary", "today", "extra"),
     "presence: got unexpected extra argument (extra) (see presence summary --help)"),
])
def test_usage_errors_are_one_line_in_presence_style(tmp_path, args, line):
    done = presence(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [line]
    assert done.stdout == ""


def test_bare_presence_prints_its_help(tmp_path):
    done = presence(tmp_path)
    assert done.returncode == 0 and "presence summary" in done.stdout and done.stderr == ""
