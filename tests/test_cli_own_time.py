"""The commands that write the user's own time (`log`, `focus`, `snooze`) and the window
bounds of `export`, through the real CLI on a frozen clock in Europe/Berlin."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from presence.cli.main import main
from presence.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def in_berlin(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


@pytest.fixture
def cli(presence_home: Path):
    """`cli(*args)`: the real command line in the test's PRESENCE_HOME, zone Europe/Berlin."""
    presence_home.mkdir(mode=0o700)
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")

    def run(*args: str):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result

    return run


def focus_windows(cli) -> list[dict]:
    result = cli("focus", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("night, morning, hours", [
    ("2026-03-28", "2026-03-29", 5),   # the clocks go forward at 02:00: one hour less
    ("2026-10-24", "2026-10-25", 7),   # the clocks go back at 03:00: one hour more
])
def test_focus_across_midnight_ends_at_four_on_the_next_local_day(cli, night, morning, hours):
    with freeze_time(f"{night}T12:00:00+01:00"):
        result = cli("focus", "add", "22:00", "04:00", "--label", "Party")
        assert result.exit_code == 0, result.output
        [window] = focus_windows(cli)
    assert window["start"] == in_berlin(f"{night}T22:00")
    assert window["end"] == in_berlin(f"{morning}T04:00")
    assert window["end"] - window["start"] == hours * 3600
    assert "04:00" in result.output.splitlines()[-1]


def test_focus_for_a_duration_starts_now(cli):
    with freeze_time("2026-03-02T17:00:00+01:00"):
        result = cli("focus", "add", "--for", "2h", "--label", "Dinner")
        assert result.exit_code == 0, result.output
        [window] = focus_windows(cli)
    assert (window["start"], window["end"], window["label"], window["origin"]) == (
        in_berlin("2026-03-02T17:00"), in_berlin("2026-03-02T19:00"), "Dinner", "manual")


def test_log_through_the_cli_stores_the_time_and_shows_it(cli, presence_home):
    with freeze_time("2026-03-02T21:00:00+01:00"):
        at = cli("log", "1h30m", "--at", "18:30", "--note", "dinner with Sam")
        just = cli("log", "45m")
    assert at.exit_code == 0 and just.exit_code == 0, at.output + just.output
    assert "in person from Mon 02 Mar 18:30" in at.output
    store = Store.open(presence_home / "presence.db", create=False)
    try:
        rows = store.in_person_log(0, float("inf"))
    finally:
        store.close()
    assert rows == [(in_berlin("2026-03-02T18:30"), in_berlin("2026-03-02T20:00"), "dinner with Sam"),
                    (in_berlin("2026-03-02T20:15"), in_berlin("2026-03-02T21:00"), None)]


def test_snooze_holds_nudges_until_then_and_off_ends_it(cli, presence_home):
    with freeze_time("2026-03-02T10:00:00+01:00"):
        on = cli("snooze", "2h")
    assert on.exit_code == 0 and "no nudges until 12:00" in on.output
    store = Store.open(presence_home / "presence.db", create=False)
    assert store.get_setting("snooze_until") == in_berlin("2026-03-02T12:00")
    off = cli("snooze", "off")
    assert off.exit_code == 0 and "nudges are back on" in off.output
    assert store.get_setting("snooze_until") is None
    store.close()


def test_export_takes_day_words_as_every_command_does(cli, presence_home):
    store = Store.open(presence_home / "presence.db")
    for start, end, app in [("2026-03-28T23:30", "2026-03-29T00:30", "slack"),
                            ("2026-03-29T12:00", "2026-03-29T13:00", "signal"),
                            ("2026-03-30T09:00", "2026-03-30T10:00", "discord")]:
        from presence.model import Span

        store.insert_span(Span(in_berlin(start), in_berlin(end), app, "messaging"), "laptop")
    store.close()
    with freeze_time("2026-03-30T12:00:00+02:00"):
        result = cli("export", "--from", "yesterday", "--to", "yesterday")
        today = cli("export", "--from", "today")
    assert result.exit_code == 0, result.output
    assert [r["app"] for r in csv.DictReader(io.StringIO(result.output))] == ["slack", "signal"]
    assert [r["app"] for r in csv.DictReader(io.StringIO(today.output))] == ["discord"]


def test_a_focus_window_over_twelve_hours_needs_force(cli):
    # Issue 13: `focus add 22:00 18:00` silently made a 20 h window (18:00 tomorrow)
    with freeze_time("2026-03-10T12:00:00+01:00"):
        refused = cli("focus", "add", "22:00", "18:00", "--label", "Dinner")
        assert refused.exit_code == 2
        assert refused.stderr.strip() == (
            "presence: that is a 20 h focus window (Tue 10 Mar 22:00 – Wed 11 Mar 18:00); did "
            "you mean `presence focus add 18:00 22:00`? (--force keeps a window longer than "
            "12 h)")
        assert cli("focus", "add", "--for", "13h").exit_code == 2
        assert focus_windows(cli) == []
        assert cli("focus", "add", "--for", "12h").exit_code == 0
        forced = cli("focus", "add", "22:00", "18:00", "--label", "Retreat", "--force")
        assert forced.exit_code == 0, forced.output
        assert [w["end"] - w["start"] for w in focus_windows(cli)] == [12 * 3600, 20 * 3600]


def test_focus_list_shows_a_repeating_series_once(cli, presence_home):
    from presence.calendar.sync import auto_focus_windows
    from presence.model import Meeting

    dinners = [Meeting("home.ics", "dinner@t", "Dinner with Sam",
                       datetime(2026, 3, day, 18, 30, tzinfo=BERLIN),
                       datetime(2026, 3, day, 21, 0, tzinfo=BERLIN), False, "Roma",
                       "in_person", "location") for day in (10, 17, 24, 31)]
    with freeze_time("2026-03-09T12:00:00+01:00"):
        assert cli("focus", "add", "2026-03-12T09:00", "2026-03-12T11:00",
                   "--label", "Deep work").exit_code == 0
        store = Store.open(presence_home / "presence.db")
        store.replace_auto_focus(auto_focus_windows(dinners, 30), after=0)
        store.close()
        brief = cli("focus", "list").output.splitlines()
        full = cli("focus", "list", "--all").output.splitlines()
    assert len(brief) == 2
    assert brief[0].endswith("Dinner with Sam — weekly, 4 ahead (--all lists each)  (from the "
                             "calendar)")
    assert brief[1].endswith("Thu 12 Mar 09:00 – Thu 12 Mar 11:00  Deep work")
    assert "Tue 10 Mar 18:00 – Tue 10 Mar 21:00" in brief[0]
    assert len(full) == 5 and sum("Dinner with Sam" in line for line in full) == 4
    assert "Tue 31 Mar 18:00 – Tue 31 Mar 21:00" in full[-1]


def test_status_text_says_the_daemon_is_stopped_and_what_today_holds(cli, presence_home):
    from presence.model import Span

    store = Store.open(presence_home / "presence.db")
    store.insert_span(Span(in_berlin("2026-03-02T09:00"), in_berlin("2026-03-02T09:45"), "slack",
                           "messaging"), "laptop")
    store.insert_span(Span(in_berlin("2026-03-02T09:45"), in_berlin("2026-03-02T11:15"), "code",
                           "other"), "laptop")
    store.add_in_person(in_berlin("2026-03-02T12:00"), in_berlin("2026-03-02T13:00"), "lunch")
    store.close()
    with freeze_time("2026-03-02T14:00:00+01:00"):
        snoozed = cli("snooze", "2h")
        result = cli("status")
    assert snoozed.exit_code == 0 and result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "presence is not running (start it with `presence run`, or set it up with "
        "`presence autostart install`)",
        "snoozed until 16:00 (`presence snooze off` ends it)",
        "today: other 1 h 30 min, messaging 45 min, in person 1 h",
    ]
