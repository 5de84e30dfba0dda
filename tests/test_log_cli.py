"""`presence log` you can trust: checked on the way in, listed, removable (issue 12, item 5)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from support import sealed_env

from presence.cli.main import main
from presence.model import Span
from presence.store import Store

MORNING = "2026-03-10T08:09:00+01:00"


@pytest.fixture
def home(presence_home: Path) -> Path:
    """A sealed PRESENCE_HOME whose records begin on 2 March 2026."""
    tmp_path = presence_home
    tmp_path.mkdir()
    (tmp_path / "config.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    store = Store.open(tmp_path / "presence.db")
    first = 1772438400.0  # 2026-03-02T09:00+01:00
    store.insert_span(Span(first, first + 600, "code", "other"), "laptop")
    store.close()
    return tmp_path


def cli(*args: str, at: str = MORNING) -> tuple[int, str]:
    """Exit code and what the user sees (stdout and stderr)."""
    with freeze_time(at):
        result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def listed(days: int = 30, at: str = MORNING) -> list[dict]:
    code, out = cli("log", "list", "--days", str(days), "--json", at=at)
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize(("args", "says"), [
    (["30h"], "30h is longer than 16 h; log one stretch at a time"),
    (["99999999999999h"], "'99999999999999h' is longer than 366 days"),
    (["1h", "--at", "2026-03-12T18:00"], "is more than a day ahead"),
    (["1h", "--at", "2026-02-20T18:00"], "is before 2026-03-02, the first day presence recorded"),
    (["1h", "--at", "9999-12-31T23:30"], "'9999-12-31T23:30' is out of range: give a time from 1970 to 8999"),
    (["1h", "--at", "18:30"], "--at 18:30 is 10 hours from now. Did you mean yesterday 18:30 "
                              "(--at 2026-03-09T18:30)? To log a plan ahead, add --planned"),
    (["1h", "--at", "2026-03-10T20:00"], "--at 2026-03-10T20:00 has not happened yet. To log a "
                                         "plan ahead, add --planned"),
    (["1h", "--with", "12, 34"], "--with: '12' is not a name"),
])
def test_mistakes_are_refused_and_nothing_is_written(home, args, says):
    code, out = cli("log", *args)
    assert code == 2
    assert says in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1
    assert listed() == []


def test_an_evening_logged_just_after_midnight_on_a_new_install_is_kept(presence_home):
    # installed at 00:04, back from a dinner that began before midnight: the stretch that
    # just ended is no typo, though it began on the day before presence's first
    presence_home.mkdir()
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n', "utf-8")
    code, out = cli("log", "2h", "--with", "Sam", at="2026-03-11T00:04:00+01:00")
    assert code == 0, out
    assert out.startswith("logged 2 h in person from Tue 10 Mar 22:04"), out
    # a time typed before it is still refused (from that stretch's day on)
    code, out = cli("log", "1h", "--at", "2026-03-09T20:00", at="2026-03-11T00:05:00+01:00")
    assert code == 2 and "is before 2026-03-10, the first day presence recorded" in out, out


def test_a_plan_tonight_with_planned_counts_once_it_has_happened(home):
    code, out = cli("log", "1h30m", "--at", "18:30", "--planned", "--with", "Sam")
    assert code == 0, out
    assert out == "logged 1 h 30 min in person from Tue 10 Mar 18:30 (id 1) with Sam\n"
    morning = json.loads(cli("summary", "--json")[1])
    assert morning["in_person_minutes"] == 0 and morning["people"] == []
    late = json.loads(cli("summary", "--json", at="2026-03-10T19:00:00+01:00")[1])
    assert late["in_person_minutes"] == 30.0
    assert late["people"] == [{"name": "Sam", "minutes": 30.0}]


def test_list_and_remove(home):
    assert cli("log", "2h", "--at", "2026-03-09T19:00", "--with", "Sam, Priya",
               "--note", "dinner")[0] == 0
    assert cli("log", "add", "45m", "--note", "coffee")[0] == 0   # just ended
    entries = listed()
    assert [(e["id"], e["start"], e["minutes"], e["people"], e["note"]) for e in entries] == [
        (1, "2026-03-09T18:00:00Z", 120.0, ["Priya", "Sam"], "dinner"),
        (2, "2026-03-10T06:24:00Z", 45.0, [], "coffee")]
    assert [e["id"] for e in listed(days=1)] == [2]
    code, out = cli("log", "list")
    assert out.splitlines()[0].split() == ["1", "Mon", "09", "Mar", "19:00", "2", "h", "with",
                                           "Priya,", "Sam", "dinner"]
    assert cli("log", "remove", "1") == (0, "removed logged time 1\n")
    assert [e["id"] for e in listed()] == [2]
    code, out = cli("log", "remove", "1")
    assert code == 2 and "no logged time with id 1" in out
    # Sam and Priya stay known, with nothing together any more
    people = json.loads(cli("people", "--json", "--all")[1])
    assert {p["name"]: p["last_seen"] for p in people} == {"Priya": None, "Sam": None}


def test_a_first_name_two_people_share_is_refused(home):
    assert cli("log", "30m", "--with", "Sam Lee, Sam Park")[0] == 0
    code, out = cli("log", "30m", "--with", "Sam")
    assert code == 2 and "'Sam' could be Sam Lee, Sam Park; give the full name" in out
    assert [e["people"] for e in listed()] == [["Sam Lee", "Sam Park"]]


def test_a_refusal_is_one_line_on_stderr_from_the_real_process(home):
    result = subprocess.run([sys.executable, "-m", "presence", "log", "30h"],
                            capture_output=True, text=True, timeout=60, env=sealed_env(home))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ("presence: 30h is longer than 16 h; log one stretch at a time "
                             "(e.g. presence log 3h --at 18:00)\n")
