"""`presence calendar events` through click's runner, on real files and a real config."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from presence import config
from presence.cli.calendar import calendar

FIXTURES = Path(__file__).parent / "fixtures" / "ics"


class Obj:
    """What the root group puts in ctx.obj: a config path and a config() method."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path

    def config(self) -> config.Config:
        return config.load(self.config_path, required=self.config_path is not None)


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("PRESENCE_HOME", str(tmp_path))
    monkeypatch.delenv("PRESENCE_CONFIG", raising=False)
    return tmp_path


def write_config(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\n' + text, "utf-8")
    return path


def run(home: Path, *args: str, config_text: str = ""):
    path = write_config(home, config_text)
    return CliRunner().invoke(calendar, ["events", *args], obj=Obj(path))


def test_json_output(home: Path):
    result = run(home, str(FIXTURES / "exchange_owa.ics"), "--from", "2026-03-10",
                 "--to", "2026-03-30", "--json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    source = str(FIXTURES / "exchange_owa.ics")
    assert events[0] == {
        "uid": events[0]["uid"], "summary": "Design review", "start": "2026-03-10T20:00:00Z",
        "end": "2026-03-10T21:00:00Z", "minutes": 60, "all_day": False, "kind": "in_person",
        "reason": "room in LOCATION and 'Microsoft Teams Meeting': hybrid → in_person",
        "source": source}
    assert [(e["summary"], e["start"], e["kind"]) for e in events] == [
        ("Design review", "2026-03-10T20:00:00Z", "in_person"),
        ("Busy", "2026-03-11T16:00:00Z", "excluded"),
        ("Product sync", "2026-03-12T17:00:00Z", "virtual"),
        ("Brown bag: intro to Rust", "2026-03-12T19:00:00Z", "excluded"),
        ("Product sync", "2026-03-19T17:00:00Z", "virtual"),
        ("Product sync", "2026-03-26T17:00:00Z", "virtual"),
        # --to 2026-03-30 includes that day, so the all-day event that starts then is in.
        ("Spring break", "2026-03-30", "excluded"),
    ]
    spring = events[-1]
    assert (spring["end"], spring["all_day"], spring["minutes"]) == ("2026-04-04", True,
                                                                     5 * 24 * 60)
    assert result.stderr == ""


def test_all_day_minutes_follow_local_days_across_dst(home: Path):
    ics = home / "day.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20260329"
                    b"\r\nSUMMARY:Short day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    result = run(home, str(ics), "--from", "2026-03-29", "--to", "2026-03-29", "--json")
    assert json.loads(result.stdout)[0]["minutes"] == 23 * 60


def test_text_output(home: Path):
    result = run(home, str(FIXTURES / "google.ics"), "--from", "2026-03-29T00:00",
                 "--to", "2026-03-31T00:00")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "2026-03-29 Sun 19:00–22:00   in_person  Dinner with Sam  [address in LOCATION]",
        ("2026-03-30 Mon 09:30–10:00   virtual    Team standup  "
        "[Meet link in X-GOOGLE-CONFERENCE]"),
        "2026-03-30 Mon 19:00–20:00   in_person  Yoga class  [address in LOCATION]",
    ]


def test_tz_option_moves_floating_times_and_bounds(home: Path):
    source = str(FIXTURES / "thunderbird.ics")
    args = (source, "--from", "2026-03-30", "--to", "2026-03-30", "--json")
    berlin = json.loads(run(home, *args).stdout)
    new_york = json.loads(run(home, *args, "--tz", "America/New_York").stdout)
    assert [(e["summary"], e["start"]) for e in berlin] == [("Call Mum", "2026-03-30T16:00:00Z")]
    assert [(e["summary"], e["start"]) for e in new_york] == [
        ("Call Mum", "2026-03-30T22:00:00Z")]


def test_offset_in_bounds_and_owner_option(home: Path):
    ics = home / "team.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:t\r\nDTSTART:20260310T120000Z\r\n"
                    b"DTEND:20260310T130000Z\r\nSUMMARY:Offsite\r\nLOCATION:Room 7\r\n"
                    b"ATTENDEE;PARTSTAT=DECLINED:mailto:kim@example.org\r\nEND:VEVENT\r\n"
                    b"END:VCALENDAR\r\n")
    args = (str(ics), "--from", "2026-03-10T07:00-05:00", "--to", "2026-03-10T08:00-05:00",
            "--json")
    assert json.loads(run(home, *args).stdout)[0]["kind"] == "in_person"
    declined = json.loads(run(home, *args, "--owner", "Kim@Example.org").stdout)[0]
    assert (declined["kind"], declined["reason"]) == ("excluded", "declined by kim@example.org")
    later = ("--from", "2026-03-10T08:00-05:00", "--to", "2026-03-10T09:00-05:00")
    assert json.loads(run(home, str(ics), *later, "--json").stdout) == []


def test_configured_sources_and_owner_emails(home: Path):
    text = (f'[calendar]\nsources = ["{FIXTURES / "zoom_invite.ics"}"]\n'
            'owner_emails = ["me@example.com"]\n')
    result = run(home, "--from", "2026-03-01", "--to", "2026-03-31", "--json",
                 config_text=text)
    assert [e["start"] for e in json.loads(result.stdout)] == [
        "2026-03-03T17:00:00Z", "2026-03-10T16:00:00Z", "2026-03-17T16:00:00Z"]


def test_no_sources(home: Path):
    result = run(home, "--from", "2026-03-01", "--to", "2026-03-31")
    assert result.exit_code == 2
    assert result.stderr.startswith("presence: no calendar sources")


def test_broken_file_is_one_line_and_exit_2(home: Path):
    broken = str(FIXTURES / "broken_unclosed.ics")
    result = run(home, broken, "--from", "2026-03-01", "--to", "2026-03-31")
    assert result.exit_code == 2
    assert result.stderr == (f"presence: {broken}: line 11: BEGIN:VEVENT is never closed "
                             "(END:VCALENDAR follows at line 17)\n")
    assert "Traceback" not in result.output


def test_broken_source_among_good_ones(home: Path):
    good, broken = str(FIXTURES / "zoom_invite.ics"), str(FIXTURES / "broken_unclosed.ics")
    result = run(home, broken, good, str(home / "missing.ics"), "--from", "2026-03-01",
                 "--to", "2026-03-31", "--json")
    assert result.exit_code == 2
    assert len(json.loads(result.stdout)) == 3
    assert result.stderr.splitlines() == [
        (f"presence: {broken}: line 11: BEGIN:VEVENT is never closed (END:VCALENDAR follows "
        "at line 17)"),
        f"presence: {home / 'missing.ics'}: no such file or folder",
    ]


def test_broken_event_warns_and_succeeds(home: Path):
    result = run(home, str(FIXTURES / "broken_event.ics"), "--from", "2026-03-01",
                 "--to", "2026-03-31", "--json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 2
    assert [line.split(": event ")[1].split(" ")[0] for line in result.stderr.splitlines()] == [
        "bad-dtstart@example.com", "bad-rrule@example.com"]
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "next tuesday", "--to", "2026-03-31"), "Invalid value for --from: 'next tuesday' is not a time"),
    (("--from", "2026-03-31", "--to", "2026-03-01"), "the window must end after it starts"),
    (("--from", "2026-03-01", "--to", "2026-03-31", "--tz", "Mars/Base"),
     "is not a time zone"),
])
def test_bad_arguments(home: Path, args, message):
    result = run(home, str(FIXTURES / "google.ics"), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_config_is_one_line(home: Path):
    result = run(home, str(FIXTURES / "google.ics"), "--from", "2026-03-01", "--to",
                 "2026-03-02", config_text="[calendar]\nhybrid = \"maybe\"\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("presence: ") and len(result.stderr.splitlines()) == 1


def test_without_obj_uses_default_config(home: Path):
    write_config(home, "")
    result = CliRunner().invoke(calendar, ["events", str(FIXTURES / "zoom_invite.ics"),
                                           "--from", "2026-03-03", "--to", "2026-03-03",
                                           "--json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 1


def test_url_source_is_never_printed_whole(home: Path):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/private-5ecret70ken/basic.ics"
        result = run(home, url, "--from", "2026-03-01", "--to", "2026-03-31")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code == 2
    assert "5ecret70ken" not in result.output
    assert result.stderr.startswith(f"presence: http://127.0.0.1:{httpd.server_address[1]}/…/"
                                    "basic.ics#")
    assert result.stderr.rstrip().endswith("the server answered HTTP 503")


def test_importing_the_group_does_not_import_calendar_libraries():
    code = ("import sys, presence.cli.calendar; "
            "print(sorted(m for m in ('icalendar', 'recurring_ical_events', 'presence.calendar.sources',"
            " 'presence.calendar.expand') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_help_has_an_example():
    result = CliRunner().invoke(calendar, ["events", "--help"])
    assert "Example: presence calendar events" in result.output


def test_a_broken_file_inside_a_folder_is_a_warning_and_the_rest_is_read(home: Path):
    folder = home / "calendars"
    folder.mkdir()
    (folder / "work.ics").write_bytes((FIXTURES / "zoom_invite.ics").read_bytes())
    (folder / "broken.ics").write_bytes((FIXTURES / "broken_unclosed.ics").read_bytes())
    result = run(home, str(folder), "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 3
    assert result.stderr == (f"warning: {folder / 'broken.ics'}: line 11: BEGIN:VEVENT is never "
                             "closed (END:VCALENDAR follows at line 17)\n")
