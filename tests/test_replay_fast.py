"""The replay's fast paths keep what it reads, stores and says: a line parsed in the hour of
the line before, a run of equal samples held as one, ticks that only extend a span jumped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from presence.daemon import Daemon
from presence.glance import view
from presence.errors import InputError
from presence.nudges.dispatch import Recorder
from presence.nudges.notify import RecordingNotifier
from presence.nudges.nudger import Nudger
from presence.replay import TraceProbe, read_trace, replay
from presence.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def test_one_second_lines_read_as_fromisoformat_reads_them_across_hours_and_offsets():
    # the night the clocks go forward in Berlin, with each line's own offset, and UTC
    lines, times = [], []
    start = datetime(2026, 3, 29, 0, 59, 50, tzinfo=timezone.utc)
    for second in range(0, 3630, 7):
        at = start + timedelta(seconds=second)
        for text in (at.astimezone(BERLIN).isoformat(),
                     at.strftime("%Y-%m-%dT%H:%M:%SZ")):
            lines.append(json.dumps({"t": text, "app": "code", "idle": 0}))
            times.append(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    assert [s.at for s in read_trace(lines, "t.jsonl", BERLIN)] == times
    # times without an offset are in the zone, hour by hour
    floating = ["2026-03-29T01:59:59", "2026-03-29T03:00:00", "2026-03-29T03:00:01"]
    samples = read_trace([json.dumps({"t": t, "app": "code"}) for t in floating], "f", BERLIN)
    assert [s.at for s in samples] == [
        datetime.fromisoformat(t).replace(tzinfo=BERLIN).timestamp() for t in floating]


@pytest.mark.parametrize("line, error", [
    ('{"t": "2026-03-02T09:00:60+01:00", "app": "code", "idle": 0}', '"t" is not an ISO'),
    ('{"t": "2026-03-02T09:0a:04+01:00", "app": "code", "idle": 0}', '"t" is not an ISO'),
    ('{"t": "2026-03-02T09:00:04+01:00", "app": "code", "idle": true}', '"idle" must be'),
    ('{"t": "2026-03-02T09:00:04+01:00", "app": 5, "idle": 0}', '"app", "title" and'),
    ('{"t": "2026-03-02T09:00:04+01:00", "app": "code", "idle": 0, "x": 1}', "unknown key"),
    ('{"t": "2026-03-02T09:00:01+01:00", "app": "code", "idle": 0}', "goes back in time"),
])
def test_a_bad_line_after_well_formed_ones_of_its_hour_is_still_named(line, error):
    good = [json.dumps({"t": f"2026-03-02T09:00:0{s}+01:00", "app": "code", "idle": 0})
            for s in range(1, 4)]
    with pytest.raises(InputError, match=f"t.jsonl: line 4: .*{error[:12]}"):
        read_trace(good + [line], "t.jsonl", BERLIN)


def test_replay_stores_and_nudges_what_the_daemon_does_stepping_every_tick(tmp_path,
                                                                             config_with):
    """A chatty morning at one-second samples, with runs of equal lines, an idle stretch
    and a pause in the recording: the replay (which holds runs and jumps idle ticks) keeps
    the same spans, the same span in front and the same nudges as the daemon's own loop
    stepping through every tick."""
    config = config_with("[daemon]\ninterval_seconds = 1\n")
    day = datetime(2026, 3, 2, 9, tzinfo=BERLIN).timestamp()
    lines = []
    for second in range(0, 3 * 3600, 1):
        if 5000 <= second < 5600:
            continue  # the recorder was off for ten minutes
        app = "slack" if (second // 700) % 3 else "code"
        idle = 0 if second % 2000 < 1500 else second % 2000 - 1500 + 170  # away a while
        lines.append(json.dumps({"t": datetime.fromtimestamp(day + second, BERLIN).isoformat(),
                                 "app": app, "title": f"{app} window", "idle": idle}))
    samples = read_trace(lines, "day.jsonl", BERLIN)
    kept = tmp_path / "replay.db"
    result = replay(samples, config, [], tmp_path / "cache", keep=kept)

    stepped = Store.open(tmp_path / "stepped.db")
    daemon = Daemon(config, stepped, lambda name: TraceProbe(samples), TraceProbe.name,
                    nudger=Nudger(config, stepped, Recorder([RecordingNotifier("replay")])),
                    device="replay", monotonic=lambda: 0.0)
    now = samples[0].at
    while now <= samples[-1].at:
        daemon.step(now)
        now += 1
    daemon.shutdown()
    replayed = Store.open(kept, create=False)
    span = (samples[0].at, samples[-1].at + 1)
    assert replayed.spans(*span) == stepped.spans(*span)
    assert len(replayed.spans(*span)) > 20
    end = samples[-1].at + 1
    assert view.read_current(replayed, end) == view.read_current(stepped, end) is not None
    # flushed at each change of span and at the end only, it ends with the same record
    records = [{k: v for k, v in s.daemon_record().items() if k != "pid"}
               for s in (replayed, stepped)]
    assert records[0] == records[1] and records[0]["at"] == samples[-1].at
    nudges = [(r.nudge, r.delivered, r.followed) for r in stepped.nudge_records(0, 1e12)]
    assert nudges and [(r.nudge, r.delivered, r.followed) for r in result.nudges] == nudges
    replayed.close()
    stepped.close()
