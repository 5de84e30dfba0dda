"""`presence import activitywatch` against a real aw-server: its export file and its --url.

The server runs on 127.0.0.1 with a private home; buckets and events are made through its REST
API exactly as aw-watcher-window, aw-watcher-afk, aw-android and aw-watcher-web make them.
"""

from __future__ import annotations

import json
import socket
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from aw_helpers import AwServer, start_aw_server, stop_aw_server
from click.testing import CliRunner

from presence.cli.main import main
from presence.store import Store

HOST = socket.gethostname()
WINDOW = f"aw-watcher-window_{HOST}"
AFK = f"aw-watcher-afk_{HOST}"
PHONE = "aw-watcher-android-test"
DAY = "2026-03-02"


@pytest.fixture(scope="module")
def aw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwServer]:
    server = start_aw_server(tmp_path_factory.mktemp("aw"))
    try:
        yield server
    finally:
        stop_aw_server(server)


def at(clock: str) -> str:
    return f"{DAY}T{clock}+00:00"


def window(clock: str, seconds: float, app: str, title: str) -> dict:
    return {"timestamp": at(clock), "duration": seconds, "data": {"app": app, "title": title}}


def phone_app(clock: str, seconds: float, app: str, package: str) -> dict:
    return {"timestamp": at(clock), "duration": seconds,
            "data": {"app": app, "package": package, "classname": ""}}


def afk(clock: str, seconds: float, status: str) -> dict:
    return {"timestamp": at(clock), "duration": seconds, "data": {"status": status}}


def fill(aw: AwServer) -> None:
    """A morning on the desktop (AFK bucket beside it), then on the phone."""
    aw.clear()
    aw.create_bucket(WINDOW, "currentwindow", "aw-watcher-window", HOST)
    aw.insert(WINDOW, [
        window("09:00:00", 60, "Slack", "general | Acme - Slack"),
        window("09:01:00", 120, "code", "main.py - presence"),
        # 09:05-09:08 falls in the AFK bucket's afk period: away
        window("09:03:00", 300, "Slack", "general | Acme - Slack"),
        # a call is present without typing: the afk period does not cut it
        window("09:08:00", 60, "zoom", "Zoom Meeting"),
        window("09:20:00", 100, "Slack", "random | Acme - Slack"),
        # inside the event before: counted once
        window("09:21:00", 30, "Slack", "random | Acme - Slack"),
        # overlaps the Slack event by 10 s: only 09:21:40-09:22:00 is Discord's
        window("09:21:30", 30, "discord", "#general | Friends - Discord"),
        # aw-server stores a negative duration as it is sent: skipped
        window("09:25:00", -5, "Slack", "general | Acme - Slack"),
    ])
    aw.create_bucket(AFK, "afkstatus", "aw-watcher-afk", HOST)
    aw.insert(AFK, [afk("09:00:00", 300, "not-afk"), afk("09:05:00", 300, "afk"),
                    afk("09:10:00", 1200, "not-afk")])
    aw.create_bucket(PHONE, "currentwindow", "aw-android", "Pixel 8")
    aw.insert(PHONE, [
        phone_app("10:00:00", 600, "WhatsApp", "com.whatsapp"),
        phone_app("10:10:00", 300, "Instagram", "com.instagram.android"),
        phone_app("10:15:00", 120, "Zoom", "us.zoom.videomeetings"),
        phone_app("10:17:00", 60, "Signal", "org.thoughtcrime.securesms"),
        phone_app("10:18:00", 180, "Chrome", "com.android.chrome"),
        # chat on the phone while the editor is in front on the desktop
        phone_app("09:01:00", 120, "WhatsApp", "com.whatsapp"),
    ])
    aw.create_bucket("aw-watcher-android-unlock", "os.lockscreen.unlocks", "aw-android",
                     "Pixel 8")
    aw.insert("aw-watcher-android-unlock", [{"timestamp": at("10:00:00"), "duration": 0,
                                             "data": {}}])
    aw.create_bucket("aw-watcher-web-firefox", "web.tab.current", "aw-client-web", HOST)
    aw.insert("aw-watcher-web-firefox", [{"timestamp": at("09:30:00"), "duration": 30, "data": {
        "url": "https://example.org/", "title": "Example", "audible": False,
        "incognito": False}}])


# seconds per (device, category) that the morning above must leave in the database
EXPECTED = {
    (HOST, "messaging"): 60 + 120 + 100 + 20,
    (HOST, "other"): 120,
    (HOST, "away"): 180,
    (HOST, "calls"): 60,
    ("Pixel 8", "messaging"): 600 + 60 + 120,
    ("Pixel 8", "social"): 300,
    ("Pixel 8", "calls"): 120,
    ("Pixel 8", "other"): 180,
}


class Home:
    """A private presence home: its config (UTC days) and database."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "config.toml"
        self.config.write_text('timezone = "UTC"\n', encoding="utf-8")
        self.db = folder / "presence.db"

    def run(self, *args: str):
        return CliRunner().invoke(main, ["--config", str(self.config), "--db", str(self.db),
                                         *args])

    def totals(self) -> dict[tuple[str, str], float]:
        if not self.db.exists():
            return {}
        store = Store.open(self.db, create=False)
        try:
            names = {d.id: d.name for d in store.devices()}
            out: dict[tuple[str, str], float] = defaultdict(float)
            for _, start, end, _, category, _, device in store.iter_activity():
                out[(names[device], category)] += end - start
            # Spans keep milliseconds; a span starting in the same millisecond as another
            # device's takes the next one (store/migrations.py), so totals are to 0.01 s.
            return {key: round(seconds, 2) for key, seconds in out.items()}
        finally:
            store.close()

    def devices(self) -> list:
        store = Store.open(self.db, create=False)
        try:
            return store.devices()
        finally:
            store.close()

    def rows(self) -> list[tuple]:
        store = Store.open(self.db, create=False)
        try:
            return list(store.iter_activity())
        finally:
            store.close()


def test_export_file_then_url_imports_desktop_and_phone_once(aw: AwServer, tmp_path: Path):
    fill(aw)
    export = tmp_path / "aw-buckets-export.json"
    export.write_bytes(aw.export())
    home = Home(tmp_path / "home")

    first = home.run("import", "activitywatch", str(export))
    assert first.exit_code == 0, first.output
    assert home.totals() == EXPECTED
    assert (f"4 buckets, 18 events: 1 day of {HOST} (this device), 1 day of Pixel 8; "
            "1 bucket skipped") in first.stdout
    assert f"{WINDOW}: 1 event with a negative duration skipped" in first.stderr
    assert "skipped aw-watcher-android-unlock" in first.stderr
    rows = home.rows()
    assert all(row[5] is None for row in rows), "titles are stored only with store_titles"

    again = home.run("import", "activitywatch", str(export))
    assert again.exit_code == 0, again.output
    assert "nothing new (already imported)" in again.stdout
    assert home.rows() == rows

    by_url = home.run("import", "activitywatch", "--url", aw.url)
    assert by_url.exit_code == 0, by_url.output
    assert home.rows() == rows


def test_url_import_counts_in_the_summary(aw: AwServer, tmp_path: Path):
    fill(aw)
    home = Home(tmp_path / "home")
    result = home.run("import", "activitywatch", "--url", aw.url)
    assert result.exit_code == 0, result.output
    assert home.totals() == EXPECTED

    summary = home.run("summary", DAY, "--json")
    assert summary.exit_code == 0, summary.output
    day = json.loads(summary.stdout)
    # the two minutes on the phone and the desktop at once count once, as the phone's chat
    assert day["categories"] == {"messaging": pytest.approx((300 + 780) / 60),
                                 "social": pytest.approx(300 / 60),
                                 "calls": pytest.approx((60 + 120) / 60),
                                 "other": pytest.approx(180 / 60)}
    assert day["virtual_minutes"] == pytest.approx((300 + 780 + 300) / 60)
    apps = {(a["app"], a["category"]): a["minutes"] for a in day["apps"]}
    assert apps[("whatsapp", "messaging")] == pytest.approx(12)
    assert apps[("instagram", "social")] == pytest.approx(5)
    # time by device: each device's own, away left out
    assert day["devices"] == [
        {"name": "Pixel 8", "minutes": pytest.approx((780 + 300 + 120 + 180) / 60),
         "virtual_minutes": pytest.approx((780 + 300) / 60)},
        {"name": HOST, "minutes": pytest.approx((300 + 120 + 60) / 60),
         "virtual_minutes": pytest.approx(300 / 60)}]
    text = home.run("summary", DAY)
    assert "by device: Pixel 8 23 min (chat 18 min) · " in text.stdout
    assert f"{HOST} 8 min (chat 5 min)" in text.stdout
    listing = home.run("devices", "--json")
    assert listing.exit_code == 0, listing.output
    devices = json.loads(listing.stdout)
    assert devices["this"]["name"] == HOST
    assert [(d["name"], d["origin"]) for d in devices["imported"]] == [("Pixel 8",
                                                                        "activitywatch")]
    text = home.run("devices")
    assert f"imported: Pixel 8 ({devices['imported'][0]['id']}) via {HOST}" in text.stdout
    # app time names nobody: no one to see in person came from ActivityWatch
    people = home.run("people", "--json", "--all")
    assert people.exit_code == 0, people.output
    assert json.loads(people.stdout) == []


def test_titles_are_stored_when_opted_in(aw: AwServer, tmp_path: Path):
    fill(aw)
    home = Home(tmp_path / "home")
    home.config.write_text('timezone = "UTC"\n[privacy]\nstore_titles = true\n'
                           'exclude_titles = ["^main\\\\.py"]\n', encoding="utf-8")
    assert home.run("import", "activitywatch", "--url", aw.url).exit_code == 0
    mine = home.devices()[0]
    assert (mine.name, mine.kind) == (HOST, "this")
    titles = {(row[3], row[5]) for row in home.rows() if row[6] == mine.id}
    assert ("slack", "general | Acme - Slack") in titles
    assert ("code", None) in titles  # excluded by the user's pattern
    assert (None, None) in titles  # away keeps no title


def edited(export: bytes, change) -> bytes:
    document = json.loads(export)
    change(document["buckets"])
    return json.dumps(document).encode()


def test_malformed_exports_are_refused_or_skipped_in_one_line(aw: AwServer, tmp_path: Path):
    fill(aw)
    export = aw.export()
    home = Home(tmp_path / "home")

    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(export[: len(export) * 2 // 3])
    result = home.run("import", "activitywatch", str(truncated))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert str(truncated) in result.stderr and "ends early" in result.stderr
    assert home.totals() == {}

    def zoneless(buckets):
        # the last event of the file: everything before it was read, and still nothing is kept
        last = list(buckets.values())[-1]["events"][-1]
        last["timestamp"] = last["timestamp"][:19]

    naive = tmp_path / "naive.json"
    naive.write_bytes(edited(export, zoneless))
    result = home.run("import", "activitywatch", str(naive))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert str(naive) in result.stderr and "has no UTC offset" in result.stderr
    assert home.totals() == {}

    def no_events(buckets):
        del buckets[WINDOW]["events"]

    eventless = tmp_path / "eventless.json"
    eventless.write_bytes(edited(export, no_events))
    result = home.run("import", "activitywatch", str(eventless))
    assert result.exit_code == 0, result.output
    assert f"skipped {WINDOW}: no events in the bucket" in result.stderr
    assert home.totals() == {k: v for k, v in EXPECTED.items() if k[0] == "Pixel 8"}

    not_json = tmp_path / "notes.txt"
    not_json.write_text("these are not the buckets you are looking for\n", encoding="utf-8")
    result = home.run("import", "activitywatch", str(not_json))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and str(not_json) in result.stderr



WEB = "aw-watcher-web-firefox"


def fill_browser(aw: AwServer) -> None:
    """A morning in Firefox whose window titles say nothing, and aw-watcher-web's tabs."""
    aw.clear()
    aw.create_bucket(WINDOW, "currentwindow", "aw-watcher-window", HOST)
    aw.insert(WINDOW, [
        window("11:00:00", 300, "firefox", "Mozilla Firefox"),
        window("11:05:00", 120, "code", "main.py - presence"),
        window("11:07:00", 180, "firefox", "Mozilla Firefox"),
        # the window's own title names a web app: it stands, whatever the tab says
        window("11:10:00", 60, "firefox", "Discord — Mozilla Firefox"),
        window("11:11:00", 60, "firefox", "Mozilla Firefox"),
    ])
    aw.create_bucket(AFK, "afkstatus", "aw-watcher-afk", HOST)
    aw.insert(AFK, [afk("11:00:00", 480, "not-afk"), afk("11:08:00", 60, "afk"),
                    afk("11:09:00", 600, "not-afk")])

    def tab(clock: str, seconds: float, title: str, url: str) -> dict:
        return {"timestamp": at(clock), "duration": seconds, "data": {
            "url": url, "title": title, "audible": False, "incognito": False, "tabCount": 3}}

    aw.create_bucket(WEB, "web.tab.current", "aw-client-web", HOST)
    aw.insert(WEB, [
        tab("11:00:00", 120, "(3) WhatsApp", "https://web.whatsapp.com/"),
        tab("11:02:00", 120, "Pull requests · presence", "https://github.com/pulls"),
        # 11:04-11:05: no tab event, the browser is what the window says
        # the tab stays WhatsApp while the editor is in front: not the browser's time
        tab("11:05:00", 120, "(3) WhatsApp", "https://web.whatsapp.com/"),
        tab("11:07:00", 180, "Instagram", "https://www.instagram.com/"),
        tab("11:10:00", 60, "(3) WhatsApp", "https://web.whatsapp.com/"),
        # a title that names nothing, an address that does
        tab("11:11:00", 60, "Inbox", "https://app.slack.com/client/T1/C2"),
    ])
    aw.create_bucket("aw-watcher-web-chrome", "web.tab.current", "aw-client-web",
                     "other-laptop")
    aw.insert("aw-watcher-web-chrome", [tab("11:00:00", 60, "(1) WhatsApp",
                                            "https://web.whatsapp.com/")])


def test_browser_tabs_name_the_browser_time_as_the_web_app(aw: AwServer, tmp_path: Path):
    # Issue 19: web buckets were skipped, and Firefox's time counted as firefox (other)
    # even while aw-watcher-web saw WhatsApp Web in front
    fill_browser(aw)
    home = Home(tmp_path / "home")
    result = home.run("import", "activitywatch", "--url", aw.url)
    assert result.exit_code == 0, result.output
    assert (f"3 buckets, 14 events: 1 day of {HOST} (this device); 1 bucket skipped"
            in result.stdout)
    assert ("skipped aw-watcher-web-chrome: browser tabs (1 tab event) with no window bucket "
            "of other-laptop to name") in result.stderr
    seconds: dict[tuple, float] = defaultdict(float)
    for _, start, end, app, category, title, _ in home.rows():
        seconds[(app, category)] += end - start
        assert title is None, "titles are stored only with store_titles"
    assert {k: round(v, 2) for k, v in seconds.items()} == {
        ("whatsapp in firefox", "messaging"): 120,
        ("firefox", "other"): 120 + 60,
        ("code", "other"): 120,
        ("instagram in firefox", "social"): 180 - 60,
        (None, "away"): 60,
        ("discord in firefox", "messaging"): 60,
        ("slack in firefox", "messaging"): 60,
    }
    # named so everywhere: the summary lists each web app once, under its category
    day = json.loads(home.run("summary", DAY, "--json").stdout)
    assert [(a["app"], a["category"]) for a in day["apps"] if "firefox" in a["app"]] == [
        ("firefox", "other"), ("instagram in firefox", "social"),
        ("whatsapp in firefox", "messaging"), ("discord in firefox", "messaging"),
        ("slack in firefox", "messaging")]
    again = home.run("import", "activitywatch", "--url", aw.url)
    assert "nothing new (already imported)" in again.stdout


def test_a_tab_title_is_stored_only_with_store_titles(aw: AwServer, tmp_path: Path):
    fill_browser(aw)
    home = Home(tmp_path / "home")
    home.config.write_text('timezone = "UTC"\n[privacy]\nstore_titles = true\n'
                           'exclude_titles = ["^Instagram$"]\n', encoding="utf-8")
    assert home.run("import", "activitywatch", "--url", aw.url).exit_code == 0
    titles = {(row[3], row[5]) for row in home.rows()}
    # the tab that named the time keeps its own title; elsewhere the window's stands
    assert ("whatsapp in firefox", "(3) WhatsApp") in titles
    assert ("slack in firefox", "Inbox") in titles
    assert ("firefox", "Mozilla Firefox") in titles
    assert ("discord in firefox", "Discord — Mozilla Firefox") in titles
    assert ("instagram in firefox", None) in titles  # excluded by the user's pattern
    assert not any("Pull requests" in (title or "") for _, title in titles)
