"""A web app that a rule finds in a browser tab is named by that rule everywhere (issue 13).

Before, only the sites of one word list got their own name: Zoom, X, Google Meet or Reddit in
Firefox stayed `firefox`, listed three times under three categories beside WhatsApp's.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from presence import clock, config, paths
from presence.classify import explain
from presence.cli.main import main
from presence.daemon import Daemon
from presence.glance import bar, view
from presence.lock import InstanceLock
from presence.store import Store
from tests.support import Scripted, ScriptedProbe, load_config

CFG = config.defaults()


@pytest.mark.parametrize(("app", "title", "named"), [
    ("firefox", "(3) WhatsApp — Mozilla Firefox", "whatsapp in firefox"),
    ("firefox", "Home / X — Mozilla Firefox", "x in firefox"),
    ("firefox", "Zoom Meeting — Mozilla Firefox", "zoom in firefox"),
    ("google-chrome", "Meet - abc-defg-hij - Google Chrome", "google meet in google-chrome"),
    ("firefox", "Jitsi Meet — Mozilla Firefox", "jitsi meet in firefox"),
    ("chromium", "Chat | Microsoft Teams - Chromium", "teams in chromium"),
    ("firefox", "r/python — Mozilla Firefox", "reddit in firefox"),
    ("firefox", "Feed | LinkedIn — Mozilla Firefox", "linkedin in firefox"),
    ("firefox", "Chat - Google Chat — Mozilla Firefox", "google chat in firefox"),
])
def test_each_site_a_rule_finds_is_named_by_it(app, title, named):
    assert explain(CFG, app, title).counted_as(app) == named


def test_a_users_rule_for_a_site_presence_does_not_know_names_it_by_its_match(tmp_path):
    cfg = load_config(tmp_path, '[[rules]]\nname = "team chat"\ncategory = "messaging"\n'
                                'browser_title = "acme chat"\n')
    verdict = explain(cfg, "firefox", "Acme Chat — Mozilla Firefox")
    assert (verdict.category, verdict.counted_as("firefox")) == ("messaging",
                                                                "acme chat in firefox")
    # a browser showing nothing a rule counts is the browser
    assert explain(cfg, "firefox", "Release notes — Mozilla Firefox").counted_as(
        "firefox") == "firefox"
    # outside a browser a title names no web app: a chat app is itself
    assert explain(cfg, "slack", "whatsapp group - Slack").counted_as("slack") == "slack"


def test_live_samples_of_web_apps_are_named_alike_in_status_bar_summary_and_report(tmp_path):
    cfg = load_config(tmp_path, 'timezone = "UTC"\n')
    firefox = lambda title: Scripted("firefox", f"{title} — Mozilla Firefox")  # noqa: E731
    script = ([firefox("(3) WhatsApp")] * 40 + [firefox("Zoom Meeting")] * 40
              + [firefox("Release notes")] * 20 + [firefox("Home / X")] * 21)
    db = tmp_path / "presence.db"
    store = Store.open(db)
    lock = InstanceLock(paths.lock_file(db))  # what `presence run` holds while it samples
    lock.acquire()
    daemon = Daemon(cfg, store, lambda name: ScriptedProbe(script), "scripted",
                    device="test", monotonic=lambda: 0.0)
    now = clock.now()
    start = max(now - 600, now - now % 86400)  # today, in UTC
    for n in range(len(script)):
        daemon.tick(start + n * (now - start) / len(script))
    daemon.flush(now)
    shown = bar.text(view.read(store, cfg, now, True), cfg.tz)
    assert shown.startswith("x in firefox · chat "), shown

    def run(*args: str):
        result = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "--db",
                                           str(db), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    # what is in front now, while the daemon runs
    assert json.loads(run("status", "--json"))["now"]["app"] == "x in firefox"
    assert "in front: x in firefox (social)" in run("status")
    daemon.shutdown()
    store.close()
    lock.release()
    apps = [(a["app"], a["category"]) for a in json.loads(run("summary", "--json"))["apps"]]
    assert sorted(apps) == [("firefox", "other"), ("whatsapp in firefox", "messaging"),
                            ("x in firefox", "social"), ("zoom in firefox", "calls")]
    lines = [line.split() for line in run("summary").splitlines() if "firefox" in line]
    # each under its own name, whole, once; the browser alone only for what no rule counts
    assert sorted(" ".join(words[:-3]) for words in lines) == [
        "firefox other", "whatsapp in firefox messaging", "x in firefox social",
        "zoom in firefox calls"]
    report = tmp_path / "report.html"
    run("report", "--out", str(report))
    html = report.read_text(encoding="utf-8")
    for app, category in apps:
        assert f"<tr><td>{app}</td><td>{category}</td>" in html
    assert html.count("<tr><td>firefox</td>") == 1
