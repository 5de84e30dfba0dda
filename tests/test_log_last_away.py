"""`presence log --last-away`: the last stretch away from the desk, logged later, through the
real CLI on a real database."""

from __future__ import annotations

import json

from click.testing import CliRunner
from freezegun import freeze_time

from presence.cli.main import main
from presence.model import Span
from presence.store import Store

# 2026-03-02 in UTC: work 09:00–12:05, away 12:05–13:25, work since
T = 1_772_409_600.0  # 2026-03-02 00:00 UTC


def hm(h: int, m: int = 0) -> float:
    return T + h * 3600 + m * 60


def cli(*args):
    with freeze_time("2026-03-02T14:00:00Z"):
        return CliRunner().invoke(main, list(args))


def test_logs_the_last_stretch_away_once(presence_home):
    presence_home.mkdir(parents=True)
    (presence_home / "config.toml").write_text('timezone = "UTC"\n')
    store = Store.open(presence_home / "presence.db")
    store.insert_span(Span(hm(9), hm(12, 5), "code", "other"), "laptop")
    store.insert_span(Span(hm(12, 5), hm(13, 25), None, "away"), "laptop")
    store.insert_span(Span(hm(13, 25), hm(13, 59), "code", "other"), "laptop")
    store.close()
    done = cli("log", "--last-away", "--with", "Sam")
    assert done.exit_code == 0, done.output
    assert "1 h 20 min" in done.output and "Sam" in done.output
    [entry] = json.loads(cli("log", "list", "--json").output)
    assert (entry["start"], entry["end"]) == ("2026-03-02T12:05:00Z", "2026-03-02T13:25:00Z")
    assert entry["people"] == ["Sam"]
    again = cli("log", "--last-away")
    assert again.exit_code == 2 and "no time away of 45 min" in again.output


def test_a_duration_and_last_away_do_not_mix(presence_home):
    done = cli("log", "1h", "--last-away")
    assert done.exit_code == 2 and "give no DURATION" in done.output
