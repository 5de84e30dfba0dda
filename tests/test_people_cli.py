"""`presence people` as a user meets it: real .ics files of both kinds, synced week by week
into a real SQLite file, read through the real CLI (issue 12, items 2, 3, 7)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from presence.cli.main import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ics"
# The syncs a daemon would have run: every week from early February, each reading its window
# (a week back, two months ahead), so the history builds up as it does for a user.
SYNCS = ["2026-02-04", "2026-02-11", "2026-02-18", "2026-02-25", "2026-03-04", "2026-03-11",
         "2026-03-18", "2026-03-25", "2026-03-31"]
NOW = "2026-03-31T10:00:00+02:00"


@pytest.fixture
def home(presence_home: Path) -> Path:
    """A sealed PRESENCE_HOME with a personal and a work calendar."""
    tmp_path = presence_home
    tmp_path.mkdir()
    for name in ("personal_people.ics", "work_people.ics"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "config.toml").write_text(
        'timezone = "Europe/Berlin"\n[calendar]\n'
        f'sources = ["{tmp_path / "personal_people.ics"}", "{tmp_path / "work_people.ics"}"]\n'
        'owner_emails = ["casey@acme.example"]\n', "utf-8")
    return tmp_path


def cli(*args: str, at: str = NOW) -> tuple[int, str]:
    with freeze_time(at):
        result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def synced(home: Path) -> None:
    for day in SYNCS:
        code, out = cli("calendar", "sync", at=f"{day}T06:00:00+01:00")
        assert code == 0, out


def people_json(at: str = NOW, *extra: str) -> dict[str, dict]:
    code, out = cli("people", "--json", *extra, at=at)
    assert code == 0, out
    return {p["name"]: p for p in json.loads(out)}


def test_the_ledger_from_both_calendars(home):
    synced(home)
    people = people_json()
    assert list(people) == ["Sam", "Priya", "Ana", "Ben", "Jordan Lee", "Jo"]
    # not the owner, the room, Kim (declined), Alex (at a dinner the owner declined), nor Ana
    # from a call; "Lunch with Jordan" joined Jordan Lee, "Lunch with Priya" Priya Patel
    assert people["Sam"] == {
        "name": "Sam", "aliases": [], "last_seen": "2026-03-24T08:45:00Z", "days_since": 7,
        "minutes_30d": 285.0, "minutes_365d": 525.0, "times_365d": 5, "cadence_days": 14.0,
        "goal_days": None, "status": "ok", "next": "2026-03-31T17:00:00Z"}
    assert people["Priya"] == {
        "name": "Priya", "aliases": ["priya patel", "priya@acme.example"],
        "last_seen": "2026-03-30T10:30:00Z", "days_since": 1, "minutes_30d": 210.0,
        "minutes_365d": 210.0, "times_365d": 6, "cadence_days": 7.0, "goal_days": None,
        "status": "ok", "next": "2026-04-06T10:00:00Z"}
    assert people["Jordan Lee"]["times_365d"] == 2 and people["Jordan Lee"]["status"] == "new"
    assert people["Jordan Lee"]["aliases"] == ["jordan", "jordan@acme.example"]
    assert (people["Ana"]["minutes_30d"], people["Ana"]["last_seen"]) == (
        120.0, "2026-03-29T11:00:00Z")   # brunch on the DST morning, 11:00–13:00 CEST


def test_a_zoom_with_sam_never_resets_last_seen(home):
    synced(home)
    # the work calendar's "Weekly sync with Sam" (Zoom) on 30 March is after the coffee
    assert people_json("2026-03-30T18:00:00+02:00")["Sam"]["last_seen"] == "2026-03-24T08:45:00Z"


def test_the_table_and_show(home):
    synced(home)
    code, out = cli("people")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "LAST", "SEEN", "RHYTHM", "STATUS", "NEXT"]
    assert lines[1].split() == ["Sam", "7", "days", "ago", "every", "2", "weeks", "ok", "Tue",
                                "31", "Mar", "19:00", "Dinner", "with", "Sam"]
    assert lines[-1].split()[:4] == ["Jo", "7", "days", "ago"] and "new" in lines[-1]
    code, out = cli("people", "show", "priya patel")
    assert code == 0, out
    assert out.splitlines()[0] == "Priya  (also: priya patel, priya@acme.example)"
    assert "usual rhythm: every week" in out
    assert "Tue 10 Mar 12:30    60 min  calendar  Lunch with Priya" in out
    assert "Mon 02 Mar 11:00    30 min  calendar  Priya / Casey 1:1" in out


def test_goal_merge_rename(home):
    synced(home)
    assert cli("people", "goal", "Jordan", "3d")[0] == 0
    assert people_json()["Jordan Lee"]["status"] == "due"        # 6 days > 3
    assert cli("people", "goal", "Jordan", "2d")[0] == 0
    assert people_json()["Jordan Lee"]["status"] == "drifting"   # 6 days > 2 × 2
    assert cli("people", "goal", "Jordan", "off") == (0, "Jordan Lee: no goal\n")
    assert cli("people", "goal", "Jordan", "soon")[0] == 2
    # Jo is Jordan after all: one person, the coffee joins the history
    assert cli("people", "merge", "Jordan Lee", "Jo") == (0, "Jo is now Jordan Lee\n")
    people = people_json()
    assert "Jo" not in people and people["Jordan Lee"]["times_365d"] == 3
    assert cli("people", "rename", "Priya", "Priya Patel") == (
        0, "Priya is now shown as Priya Patel\n")
    assert "Priya Patel" in people_json()
    code, out = cli("people", "rename", "Ana", "Ben")
    assert code == 2 and "merge" in out
    code, out = cli("people", "show", "Nobody")
    assert code == 2 and "nobody called 'Nobody'" in out
    # a later sync keeps both corrections
    cli("calendar", "sync", at="2026-04-07T06:00:00+02:00")
    after = people_json("2026-04-07T12:00:00+02:00")
    assert "Jo" not in after and after["Priya Patel"]["last_seen"] == "2026-04-06T10:30:00Z"


def test_forget_deletes_scrubs_and_survives_a_sync(home):
    synced(home)
    assert cli("log", "1h", "--at", "2026-03-30T19:00", "--with", "Priya, Sam",
               "--note", "pho with Priya")[0] == 0
    code, out = cli("people", "forget", "Priya")
    assert code == 0 and out.startswith("forgot Priya; scrubbed the name from ")
    assert "Priya" not in people_json("2026-03-31T10:00:00+02:00", "--all")
    cli("calendar", "sync", at="2026-04-07T06:00:00+02:00")
    cli("log", "30m", "--at", "2026-04-07T08:00", "--with", "Priya", at="2026-04-07T12:00:00+02:00")
    assert "Priya" not in people_json("2026-04-07T12:00:00+02:00", "--all")
    code, out = cli("export", "--format", "json", at="2026-04-07T12:00:00+02:00")
    assert code == 0
    assert "Priya" not in out and "priya" not in out
    assert "Lunch with someone" in out and "someone / Casey 1:1" in out
    assert "pho with someone" in out
    exported = json.loads(out)
    assert {"people", "person_aliases", "meeting_people", "log_people"} <= set(exported)
    assert "Sam" in {row["name"] for row in exported["people"]}
    # Sam is still there, with the logged dinner
    assert people_json("2026-04-07T12:00:00+02:00")["Sam"]["last_seen"] == "2026-03-31T19:00:00Z"
    # and no page of the database still holds the name
    raw = b"".join(p.read_bytes() for p in home.glob("presence.db*"))
    assert b"Priya" not in raw and b"priya" not in raw


def test_summary_names_the_people_of_the_day(home):
    synced(home)
    code, out = cli("summary", "2026-03-24", "--json", at="2026-03-25T08:00:00+01:00")
    assert code == 0, out
    assert json.loads(out)["people"] == [{"name": "Jo", "minutes": 45.0},
                                         {"name": "Sam", "minutes": 45.0}]
    code, out = cli("summary", "2026-03-24", at="2026-03-25T08:00:00+01:00")
    assert "  with Jo 45 min · Sam 45 min" in out.splitlines()


def test_week_and_report_have_a_people_section(home):
    synced(home)
    assert cli("log", "45m", "--at", "2026-03-31T08:00", "--with", "Ana")[0] == 0
    code, out = cli("summary", "--week")
    assert code == 0, out
    lines = out.splitlines()
    start = lines.index("  people")
    assert lines[start + 1] == "    saw Ana 2 h 45 min · Ben 2 h · Jordan Lee 1 h · Priya 30 min"
    assert "    drifting or due: " not in out           # nobody is overdue yet
    dots = {line.split()[0]: line.split()[-1] for line in lines[start + 3:start + 9]}
    # weeks end on Tuesdays: fortnightly dinners from 3 Feb, the coffee on 24 March, and
    # nothing yet this week (tonight's dinner has not happened)
    assert dots["Sam"] == "···●·●·●·●●·"
    assert dots["Priya"] == "·······●●●●●"
    code, week = cli("summary", "--week", "--json")
    totals = json.loads(week)["totals"]
    assert totals["people"][:2] == [{"name": "Ana", "minutes": 165.0},
                                   {"name": "Ben", "minutes": 120.0}]
    assert len(totals["people_section"]["timeline"][0]["minutes"]) == 12
    code, page = cli("report", "--out", "-")
    assert code == 0
    assert "<h2>People</h2>" in page and page.count('class="cell in-person"') == 15
    # "Time in person": only what has happened (not tonight's dinner), logged time included,
    # and a total that is the card's figure
    table = page[page.index("<h2>Time in person</h2>"):page.index("<h2>People</h2>")]
    assert "Dinner with Sam" not in table.split("Tue 31 Mar")[-1]
    assert "logged" in table and "Tue 31 Mar 08:00" in table
    card = page[page.index('<span class="label">in person</span>'):][:200]
    value = card.split('<span class="value">')[1].split("<")[0]
    assert f'<th class="num">{value}</th>' in table


def test_typed_names_cannot_drive_the_terminal(home):
    code, out = cli("log", "1h", "--with", "Eve\x1b[31m\x07", "--note", "tea\x1b[2J")
    assert code == 0, out
    for args in (["log", "list"], ["people"], ["people", "show", "Eve\x1b[31m\x07"]):
        code, out = cli(*args)
        assert code == 0, out
        assert "\x1b" not in out and "\x07" not in out
        assert "Eve\\x1b[31m\\x07" in out
