"""`presence nudges`: per-kind counts and the follow rate from a real database, through the
real CLI."""

from __future__ import annotations

import json

from click.testing import CliRunner
from freezegun import freeze_time

from presence.cli.main import main
from presence.model import Nudge
from presence.store import Store

NOW = 1_772_460_000.0  # 2026-03-02 15:00 Europe/Berlin


def record(store, at, kind, key, delivered=True, response=None, followed=None):
    row = store.insert_nudge(Nudge(at, kind, key, f"{kind} title", f"{kind} message"))
    store.record_delivery(row, "dbus" if delivered else "log", delivered,
                          None if delivered else "no server")
    if response:
        store.record_response(row, response, at + 30)
    if followed is not None:
        store.set_followed(row, followed)
    return row


def run(presence_home, *args):
    (presence_home / "config.toml").write_text('timezone = "Europe/Berlin"\n')
    with freeze_time("2026-03-02T14:00:00Z"):
        result = CliRunner().invoke(main, ["nudges", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_counts_per_kind_and_the_follow_rate(presence_home):
    store = Store.open(presence_home / "presence.db")
    record(store, NOW - 7200, "phubbing", "phubbing:a:1:1", response="snooze1h", followed=True)
    record(store, NOW - 3600, "phubbing", "phubbing:a:1:2", response="dismissed", followed=False)
    record(store, NOW - 1800, "phubbing", "phubbing:b:1:1", response="expired", followed=True)
    record(store, NOW - 600, "crowding_out", "crowding_out:2026-03-02:1", delivered=False)
    # ten ignored crowding_out nudges last week: presence now waits twice as long
    for n in range(10):
        record(store, NOW - 86400 * 5 - n * 3600, "crowding_out", f"crowding_out:old:{n}",
               followed=False)
    assert store.record_response(1, "notnow", NOW) is False  # the first answer stays
    store.close()
    out = json.loads(run(presence_home, "--days", "2", "--json"))
    assert out["kinds"]["phubbing"] == {"sent": 3, "delivered": 3, "answered": 2,
                                        "followed": 2, "follow_rate": 2 / 3, "backoff": 1}
    assert out["kinds"]["crowding_out"] == {"sent": 1, "delivered": 0, "answered": 0,
                                            "followed": 0, "follow_rate": None, "backoff": 2}
    first = out["nudges"][0]
    assert first["response"] == "snooze1h" and first["followed"] is True
    assert first["at"].endswith("Z")
    text = run(presence_home, "--days", "2")
    assert "rarely followed: waits 2x as long" in text
    assert "answered: snooze1h" in text and "(not shown)" in text
    week = json.loads(run(presence_home, "--json"))
    assert week["kinds"]["crowding_out"]["sent"] == 11
    # the summary's nudge line says how many were followed
    with freeze_time("2026-03-02T14:00:00Z"):
        summary = CliRunner().invoke(main, ["summary"])
        day = json.loads(CliRunner().invoke(main, ["summary", "--json"]).output)
    assert "4 nudges, 2 followed" in summary.output
    assert [n["followed"] for n in day["nudges"]] == [True, False, True, None]


def test_no_nudges_yet(presence_home):
    Store.open(presence_home / "presence.db").close()
    assert "no nudges in the last 7 days" in run(presence_home)
