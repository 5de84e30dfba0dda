"""Calendar sources through the CLI into the store: add, sync, list, remove, failures."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from tests.support import sealed_env


def event_ics(start: datetime, summary: str = "Dinner with Sam") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(hours=2)
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN",
        "BEGIN:VEVENT", "UID:dinner@test", f"DTSTAMP:{start:{fmt}}", f"DTSTART:{start:{fmt}}",
        f"DTEND:{end:{fmt}}", f"SUMMARY:{summary}", "LOCATION:Trattoria Roma\\, Via Po 3",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:sam@example.org",
        "END:VEVENT", "END:VCALENDAR", ""])


def cli(home, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=sealed_env(home))


def test_sync_stores_meetings_keeps_them_through_a_broken_file_and_opens_focus(tmp_path):
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    source = tmp_path / "home.ics"
    source.write_text(event_ics(tomorrow), encoding="utf-8")
    assert cli(tmp_path, "calendar", "add", str(source)).returncode == 0
    first = cli(tmp_path, "calendar", "sync")
    assert first.returncode == 0 and "1 instances" in first.stdout
    # unchanged bytes: not parsed again
    assert "unchanged" in cli(tmp_path, "calendar", "sync").stdout
    # an automatic focus window opens 30 min before the in-person dinner
    [window] = json.loads(cli(tmp_path, "focus", "list", "--json").stdout)
    assert window["origin"] == "auto" and window["label"] == "Dinner with Sam"
    assert window["start"] == tomorrow.timestamp() - 30 * 60

    source.write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n")
    broken = cli(tmp_path, "calendar", "sync")
    assert broken.returncode == 1 and "never closed" in broken.stdout
    listed = json.loads(cli(tmp_path, "calendar", "list", "--json").stdout)
    assert listed[0]["error"] and listed[0]["instances"] == 1
    status = json.loads(cli(tmp_path, "status", "--json").stdout)
    assert "never closed" in status["calendar_errors"][0]
    doctor = cli(tmp_path, "doctor")
    assert "FAIL calendars" in doctor.stdout
    # the last good instance is still there
    events = cli(tmp_path, "--db", str(tmp_path / "presence.db"), "summary",
                 tomorrow.astimezone().date().isoformat(), "--json")
    assert events.returncode == 0
    assert [m["summary"] for m in json.loads(events.stdout)["meetings"]] == ["Dinner with Sam"]


def test_a_broken_file_inside_a_folder_source_is_skipped_and_the_rest_synced(tmp_path):
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    folder = tmp_path / "calendars"
    folder.mkdir()
    (folder / "home.ics").write_text(event_ics(tomorrow), encoding="utf-8")
    (folder / "broken.ics").write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n"
                                       "END:VCALENDAR\r\n")
    assert cli(tmp_path, "calendar", "add", str(folder)).returncode == 0
    synced = cli(tmp_path, "calendar", "sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert f"ok   {folder}: 1 instances, 1 skipped" in synced.stdout
    [window] = json.loads(cli(tmp_path, "focus", "list", "--json").stdout)
    assert window["label"] == "Dinner with Sam"
    # the same folder through `calendar events`: the same instance, the same warning
    day = tomorrow.astimezone().date()
    events = cli(tmp_path, "calendar", "events", str(folder), "--from", day.isoformat(),
                 "--to", day.isoformat(), "--json")
    assert events.returncode == 0, events.stderr
    assert [e["summary"] for e in json.loads(events.stdout)] == ["Dinner with Sam"]
    assert "broken.ics" in events.stderr and "never closed" in events.stderr


def test_a_calendar_url_is_never_shown_whole(tmp_path):
    secret = "private-5d41402abc4b2a76b9719d911017c592"
    url = f"https://calendar.example.org/ical/me%40example.org/{secret}/basic.ics"
    added = cli(tmp_path, "calendar", "add", url)
    assert added.returncode == 0
    listed = cli(tmp_path, "calendar", "list")
    synced = cli(tmp_path, "calendar", "sync")
    doctor = cli(tmp_path, "doctor")
    for result in (added, listed, synced, doctor):
        assert secret not in result.stdout + result.stderr
    assert "calendar.example.org/…/basic.ics" in listed.stdout
    removed = cli(tmp_path, "calendar", "remove", "1")
    assert removed.returncode == 0 and secret not in removed.stdout


def test_sources_from_the_config_cannot_be_removed_on_the_command_line(tmp_path):
    source = tmp_path / "work.ics"
    source.write_text(event_ics(datetime.now(timezone.utc)), encoding="utf-8")
    (tmp_path / "config.toml").write_text(f'[calendar]\nsources = ["{source}"]\n')
    result = cli(tmp_path, "calendar", "remove", str(source))
    assert result.returncode == 2 and "comes from the config file" in result.stderr


def test_adding_a_missing_file_is_one_clear_line(tmp_path):
    result = cli(tmp_path, "calendar", "add", str(tmp_path / "nope.ics"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("no such file or folder (give an .ics file, a folder "
                                          "of them, or an http(s)/webcal URL)")


def dinner_and_lunch(folder):
    """Tomorrow's dinner with Sam in home.ics, and a lunch with Priya 3 h later in work.ics
    (at 10:00 local time, so that both fall on tomorrow's local day whenever the test runs:
    after 21:00 the lunch 3 h after this hour tomorrow fell on the day after)."""
    local = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
    tomorrow = (local + timedelta(days=1)).astimezone(timezone.utc)
    home = folder / "home.ics"
    home.write_text(event_ics(tomorrow), encoding="utf-8")
    work = folder / "work.ics"
    work.write_text(event_ics(tomorrow + timedelta(hours=3), "Lunch with Priya"),
                    encoding="utf-8")
    return tomorrow, home, work


def test_calendar_events_without_a_source_reads_the_added_ones_too(tmp_path):
    # Issue 13: `calendar events` read only [calendar] sources, so after `calendar add` it
    # said "no calendar sources"
    tomorrow, added, configured = dinner_and_lunch(tmp_path)
    (tmp_path / "config.toml").write_text(f'[calendar]\nsources = ["{configured}"]\n')
    assert cli(tmp_path, "calendar", "add", str(added)).returncode == 0
    day = tomorrow.astimezone().date()
    events = cli(tmp_path, "calendar", "events", "--from", (day - timedelta(days=1)).isoformat(),
                 "--to", (day + timedelta(days=1)).isoformat(), "--json")
    assert events.returncode == 0, events.stderr
    assert sorted((e["summary"], e["source"]) for e in json.loads(events.stdout)) == [
        ("Dinner with Sam", str(added)), ("Lunch with Priya", str(configured))]


def test_remove_then_add_gives_the_meetings_back_and_remove_takes_its_focus_windows(tmp_path):
    # Issue 13: after remove and add of the same file the next sync said "unchanged" and
    # stored 0 meetings, while `list` and `doctor` still claimed its instances
    tomorrow, source, other = dinner_and_lunch(tmp_path)
    for path in (source, other):
        assert cli(tmp_path, "calendar", "add", str(path)).returncode == 0
    assert "1 instances" in cli(tmp_path, "calendar", "sync").stdout
    labels = lambda: sorted(w["label"] for w in json.loads(  # noqa: E731
        cli(tmp_path, "focus", "list", "--json").stdout))
    assert labels() == ["Dinner with Sam", "Lunch with Priya"]

    # removed by a relative path, as a user in that folder types it
    removed = subprocess.run([sys.executable, "-m", "presence", "calendar", "remove",
                              "home.ics"], capture_output=True, text=True, timeout=60,
                             env=sealed_env(tmp_path), cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert labels() == ["Lunch with Priya"]
    day = tomorrow.astimezone().date().isoformat()
    summary = json.loads(cli(tmp_path, "summary", day, "--json").stdout)
    assert [m["summary"] for m in summary["meetings"]] == ["Lunch with Priya"]
    listed = json.loads(cli(tmp_path, "calendar", "list", "--json").stdout)
    assert [(r["source"], r["instances"]) for r in listed] == [(str(other), 1)]

    assert cli(tmp_path, "calendar", "add", str(source)).returncode == 0
    listed = json.loads(cli(tmp_path, "calendar", "list", "--json").stdout)
    assert [(r["source"], r["instances"]) for r in listed] == [(str(other), 1),
                                                               (str(source), None)]
    again = cli(tmp_path, "calendar", "sync")
    assert f"ok   {source}: 1 instances" in again.stdout
    summary = json.loads(cli(tmp_path, "summary", day, "--json").stdout)
    assert sorted(m["summary"] for m in summary["meetings"]) == ["Dinner with Sam",
                                                                 "Lunch with Priya"]
    assert labels() == ["Dinner with Sam", "Lunch with Priya"]


def test_removing_a_url_source_removes_its_meetings(tmp_path):
    # its meetings are stored under the redacted label, not under the secret URL
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    body = event_ics(tomorrow).encode()

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/private-0123456789abcdef/basic.ics"
        assert cli(tmp_path, "calendar", "add", url).returncode == 0
        assert "1 instances" in cli(tmp_path, "calendar", "sync").stdout
        day = tomorrow.astimezone().date().isoformat()
        meetings = lambda: json.loads(  # noqa: E731
            cli(tmp_path, "summary", day, "--json").stdout)["meetings"]
        assert [m["summary"] for m in meetings()] == ["Dinner with Sam"]
        assert cli(tmp_path, "calendar", "remove", "1").returncode == 0
        assert meetings() == []
    finally:
        server.shutdown()
        server.server_close()
