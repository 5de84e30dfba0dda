"""`presence import activitywatch` as a user meets it: arguments, a terminal, the report."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from desktop_helpers import wait_for

from presence.cli.main import main
from presence.store import Store
from tests.support import SilentOutbox, read_store, sealed_env


def write_export(path: Path, events: int) -> None:
    """An aw-server style export of one window bucket (newest first) from another host."""
    start = 1_772_438_400.0  # 2026-03-02 08:00 UTC
    with path.open("w", encoding="utf-8") as out:
        out.write('{"buckets": {"aw-watcher-window_elsewhere": {"id": '
                  '"aw-watcher-window_elsewhere", "type": "currentwindow", "client": '
                  '"aw-watcher-window", "hostname": "elsewhere", "events": [')
        for n in reversed(range(events)):
            app = "Slack" if n % 2 else "code"
            out.write(json.dumps({"timestamp": _stamp(start + 30 * n), "duration": 30.0,
                                  "data": {"app": app, "title": f"window {n % 7}"}}))
            out.write(", " if n else "")
        out.write("]}}}")


def _stamp(at: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(at, timezone.utc).isoformat()


def invoke(tmp_path: Path, *args: str):
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n', encoding="utf-8")
    return CliRunner().invoke(main, ["--config", str(config), "--db",
                                     str(tmp_path / "presence.db"), *args])


def test_a_big_import_on_a_terminal_shows_a_progress_bar(tmp_path: Path):
    export = tmp_path / "big.json"
    write_export(export, 60_000)
    assert export.stat().st_size > 4 << 20
    env = sealed_env(tmp_path / "home", COLUMNS="100")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "presence", "import", "activitywatch",
                             str(export)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=follower, env=env)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the process closed its end
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert b"importing" in seen and b"100%" in seen
    # 60,000 half-minutes from 08:00 on the first day run to 04:00 on the 22nd
    assert out == b"1 bucket, 60,000 events: 22 days of elsewhere\n"


def test_a_small_or_piped_import_prints_only_the_report(tmp_path: Path):
    export = tmp_path / "small.json"
    write_export(export, 10)
    result = invoke(tmp_path, "import", "activitywatch", str(export))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 bucket, 10 events: 1 day of elsewhere\n"
    assert result.stderr == ""


def test_file_and_url_together_or_neither_is_bad_usage(tmp_path: Path):
    export = tmp_path / "small.json"
    write_export(export, 1)
    for args in ([str(export), "--url", "http://127.0.0.1:5600"], []):
        result = invoke(tmp_path, "import", "activitywatch", *args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "not both or neither" in result.stderr


def test_a_url_that_is_no_server_address_is_refused(tmp_path: Path):
    result = invoke(tmp_path, "import", "activitywatch", "--url", "file:///etc/passwd")
    assert result.exit_code == 2
    assert "is not an aw-server address" in result.stderr


def test_a_missing_file_is_one_line(tmp_path: Path):
    result = invoke(tmp_path, "import", "activitywatch", str(tmp_path / "missing.json"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "missing.json: cannot read" in result.stderr


def test_an_event_nested_too_deep_is_one_line(tmp_path: Path):
    # 100,000 lists inside an event's data: deeper than any JSON reader follows
    deep = tmp_path / "deep.json"
    event = '{"timestamp": "2025-01-01T08:00:00+00:00", "duration": 60, "data": {"app": "code"}}'
    nested = event[:-2] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    deep.write_text('{"buckets": {"aw-watcher-window_h": {"id": "aw-watcher-window_h", '
                    '"type": "currentwindow", "hostname": "h", "events": ['
                    + ", ".join([event] * 50 + [nested]) + "]}}}", encoding="utf-8")
    result = invoke(tmp_path, "import", "activitywatch", str(deep))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "deep.json: a value nested deeper than" in result.stderr
    assert "nothing was imported" in result.stderr


def test_unreachable_server_is_one_line(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = invoke(tmp_path, "import", "activitywatch", "--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot reach aw-server" in result.stderr


def test_an_import_beside_the_running_daemon_leaves_it_sampling(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('timezone = "UTC"\n[daemon]\nflush_seconds = 1\n',
                                      encoding="utf-8")
    export = tmp_path / "history.json"
    write_export(export, 60_000)
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                               "--interval", "0.2"], env=sealed_env(home),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def heartbeat() -> float:
        beat = read_store(home / "presence.db", lambda store: store.daemon_record())
        return beat["at"] if beat else 0.0

    try:
        wait_for(heartbeat, "the daemon's first heartbeat", timeout=60)
        done = subprocess.run([sys.executable, "-m", "presence", "import", "activitywatch",
                               str(export)], env=sealed_env(home), capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        after = time.time()
        wait_for(lambda: heartbeat() > after, "a heartbeat after the import", timeout=60)
        assert daemon.poll() is None
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    assert daemon.returncode == 0, daemon.stderr.read() if daemon.stderr else ""
    store = Store.open(home / "presence.db", create=False)
    try:
        names = {d.id: d.name for d in store.devices()}
        seconds: dict[str, float] = {}
        for _, start, end, _, _, _, device in store.iter_activity():
            seconds[names[device]] = seconds.get(names[device], 0.0) + end - start
    finally:
        store.close()
    assert seconds.pop("elsewhere") == 60_000 * 30
    assert seconds and all(value > 0 for value in seconds.values())  # the daemon's own


def test_phone_chat_imported_during_the_day_counts_in_the_daily_budget(tmp_path: Path):
    import io

    from presence import config as config_mod
    from presence.devices.identity import this_device
    from presence.importers.activitywatch import import_export
    from presence.model import Span
    from presence.nudges import policy
    from presence.nudges.nudger import Nudger

    (tmp_path / "config.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    cfg = config_mod.load(tmp_path / "config.toml", required=True)
    day = 1_772_409_600.0  # 2026-03-02 00:00 UTC

    def at(hours: float) -> float:
        return day + hours * 3600

    phone = {"buckets": {"aw-watcher-android-test": {
        "id": "aw-watcher-android-test", "type": "currentwindow", "client": "aw-android",
        "hostname": "Pixel 8", "events": [{"timestamp": "2026-03-02T09:00:00+00:00",
                                           "duration": 50 * 60, "data": {
                                               "app": "WhatsApp", "package": "com.whatsapp"}}]}}}
    store = Store.open(tmp_path / "presence.db")
    try:
        me = this_device(store, cfg, at(8))
        nudger = Nudger(cfg, store, SilentOutbox())
        nudger.refresh(at(11))  # the daemon has run since the morning
        import_export(store, cfg, io.BytesIO(json.dumps(phone).encode()), "phone.json", me,
                      "laptop", at(11.5))
        nudger.refresh(at(12))
        imported = nudger._world.peer_virtual
    finally:
        store.close()
    assert imported == [(at(9), at(9) + 50 * 60)]
    # 20 minutes of chat on the laptop, 50 on the phone: over the 60-minute budget together
    spans = [Span(at(8), at(11), "code", "other"),
             Span(at(11), at(11) + 19 * 60, "slack", "messaging"),
             Span(at(11) + 19 * 60, at(12) - 60, "code", "other"),
             Span(at(12) - 60, at(12), "slack", "messaging")]
    with_phone = policy.PolicyState(spans=spans, category="messaging", app="slack",
                                    peer_virtual=imported)
    alone = policy.PolicyState(spans=spans, category="messaging", app="slack")
    assert "crowding_out" in [n.kind for n in policy.decide(at(12), with_phone, cfg)]
    assert "crowding_out" not in [n.kind for n in policy.decide(at(12), alone, cfg)]


def test_events_in_any_order_import_the_same(tmp_path: Path):
    # aw-server writes newest first; other tools oldest first, or in no order, or the bucket's
    # type after its events: every way of writing the same history stores the same spans
    import random

    start = 1_772_438_400.0
    events = [{"timestamp": _stamp(start + 30 * n), "duration": 30.0 if n % 5 else 45.0,
               "data": {"app": "Slack" if n % 3 else "code", "title": f"w {n % 4}"}}
              for n in range(30_000)]  # over a megabyte: several staged batches
    shuffled = events[:]
    random.Random(19).shuffle(shuffled)
    meta = {"id": "aw-watcher-window_elsewhere", "type": "currentwindow",
            "client": "aw-watcher-window", "hostname": "elsewhere"}
    stored = {}
    for name, listed, type_last in (("descending", events[::-1], False),
                                    ("ascending", events, False),
                                    ("shuffled", shuffled, False),
                                    ("type after the events", events[::-1], True)):
        bucket = ({"events": listed, **meta} if type_last else {**meta, "events": listed})
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        export = folder / "export.json"
        export.write_text(json.dumps({"buckets": {meta["id"]: bucket}}), encoding="utf-8")
        assert export.stat().st_size > 2 << 20
        result = invoke(folder, "import", "activitywatch", str(export))
        assert result.exit_code == 0, result.output
        stored[name] = read_store(folder / "presence.db", lambda s: list(s.iter_activity()))
    first = stored.pop("descending")
    # overlaps counted once: each 45 s event runs 15 s into the next one
    assert sum(row[2] - row[1] for row in first) == pytest.approx(30 * 30_000)
    for name, rows in stored.items():
        assert [r[1:6] for r in rows] == [r[1:6] for r in first], name


def test_an_import_into_rolled_up_days_is_counted_by_the_next_summary(tmp_path: Path):
    # Summaries of past days read rollups of the sealed history; spans an import adds to
    # those days must make them be rolled up again (the import sets the per-row seal
    # trigger aside and forgets the rollups once)
    def export(path: Path, host: str, clock: str, app: str, minutes: int) -> Path:
        event = {"timestamp": f"2026-03-02T{clock}:00+00:00", "duration": 60.0 * minutes,
                 "data": {"app": app, "title": ""}}
        path.write_text(json.dumps({"buckets": {f"aw-watcher-window_{host}": {
            "id": f"aw-watcher-window_{host}", "type": "currentwindow",
            "client": "aw-watcher-window", "hostname": host, "events": [event]}}}),
            encoding="utf-8")
        return path

    host = socket.gethostname()  # this device's history: no union over devices to read
    first = export(tmp_path / "first.json", host, "08:00", "Slack", 30)
    assert invoke(tmp_path, "import", "activitywatch", str(first)).exit_code == 0
    day = json.loads(invoke(tmp_path, "summary", "2026-03-02", "--json").stdout)
    assert day["categories"] == {"messaging": 30.0}
    assert read_store(tmp_path / "presence.db", lambda s: s.span_reach()) is not None
    assert read_store(tmp_path / "presence.db", lambda s: s.rollup_days("UTC")) is not None

    second = export(tmp_path / "second.json", host, "10:00", "discord", 20)
    assert invoke(tmp_path, "import", "activitywatch", str(second)).exit_code == 0
    # the day totals beside the rollups (a year's per-app totals) are forgotten with them
    from datetime import date
    assert read_store(tmp_path / "presence.db", lambda s: s.rollup_totals(
        "UTC", date(2026, 3, 2), date(2026, 3, 2))) == []
    day = json.loads(invoke(tmp_path, "summary", "2026-03-02", "--json").stdout)
    assert day["categories"] == {"messaging": 50.0}
