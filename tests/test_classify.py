"""The shipped rules on real app/title pairs from Linux, macOS and Windows."""

from __future__ import annotations

import pytest

from presence import config
from presence.classify import NO_RULE, classify, explain
from presence.model import AWAY, Sample

CFG = config.defaults()

# (app as the probe normalises it, window title, expected category)
REAL_PAIRS = [
    # Linux desktop apps (psutil process names, WM_CLASS for generic hosts)
    ("slack", "general (Channel) - Acme - Slack", "messaging"),
    ("discord", "#random | Friends - Discord", "messaging"),
    ("telegram-desktop", "Telegram (3)", "messaging"),
    ("signal-desktop", "Signal", "messaging"),
    ("element-desktop", "Element | Home", "messaging"),
    ("teams-for-linux", "Chat | Microsoft Teams", "messaging"),
    ("teams-for-linux", "Meeting with Priya | Microsoft Teams", "calls"),
    ("zoom", "Zoom Meeting", "calls"),
    ("skypeforlinux", "Skype", "messaging"),
    ("hexchat", "HexChat: libera / #python", "messaging"),
    ("tokodon", "Home — Tokodon", "social"),
    ("code", "spans.py - presence - Visual Studio Code", "other"),
    ("soffice", "Discord notes.odt - LibreOffice Writer", "other"),
    ("thunderbird", "Inbox - Mozilla Thunderbird", "other"),
    ("gnome-terminal-server", "slack@host: ~", "other"),
    # browsers on Linux
    ("firefox", "(3) WhatsApp — Mozilla Firefox", "messaging"),
    ("firefox", "WhatsApp Web — Mozilla Firefox", "messaging"),
    ("firefox", "Inbox (2) - me@gmail.com - Gmail — Mozilla Firefox", "other"),
    ("firefox", "Home / X — Mozilla Firefox", "social"),
    ("firefox", "Sam Altman on X: \"hello\" / X — Mozilla Firefox", "social"),
    ("firefox", "Python (programming language) - Wikipedia — Mozilla Firefox", "other"),
    ("firefox", "Home | Mastodon — Mozilla Firefox", "social"),
    ("firefox", "Home - mastodon.social — Mozilla Firefox", "social"),
    ("firefox", "Jitsi Meet — Mozilla Firefox", "calls"),
    ("google-chrome", "general (Channel) - Acme - Slack - Google Chrome", "messaging"),
    ("google-chrome", "#general | Friends - Discord - Google Chrome", "messaging"),
    ("google-chrome", "Discord notes - Google Docs - Google Chrome", "other"),
    ("google-chrome", "Messenger | Facebook - Google Chrome", "messaging"),
    ("google-chrome", "(20+) Facebook - Google Chrome", "social"),
    ("google-chrome", "Instagram • Photos and videos - Google Chrome", "social"),
    ("google-chrome", "Feed | LinkedIn - Google Chrome", "social"),
    ("google-chrome", "r/python - Google Chrome", "social"),
    ("google-chrome", "Reddit - Dive into anything - Google Chrome", "social"),
    ("google-chrome", "TikTok - Make Your Day - Google Chrome", "social"),
    ("google-chrome", "Home — Bluesky - Google Chrome", "social"),
    ("google-chrome", "Meet - abc-defg-hij - Google Chrome", "calls"),
    ("google-chrome", "Google Meet - Google Chrome", "calls"),
    ("google-chrome", "Google Chat - Google Chrome", "messaging"),
    ("google-chrome", "Telegram Web - Google Chrome", "messaging"),
    ("google-chrome", "Chat | General | Microsoft Teams - Google Chrome", "messaging"),
    ("google-chrome", "Meeting with Bob | Microsoft Teams - Google Chrome", "calls"),
    ("chromium", "Slack API: Applications | Slack - Chromium", "messaging"),
    ("chromium", "How to cancel a Zoom meeting - Search - Chromium", "other"),
    ("brave-browser", "X-ray diffraction - Wikipedia - Brave", "other"),
    # macOS (localized app names)
    ("slack", "Slack | general | Acme", "messaging"),
    ("messages", "Messages", "messaging"),
    ("whatsapp", "WhatsApp", "messaging"),
    ("zoom.us", "Zoom Meeting", "calls"),
    ("facetime", "FaceTime", "calls"),
    ("microsoft teams", "Chat | Microsoft Teams", "messaging"),
    ("safari", "WhatsApp", "messaging"),
    ("safari", "Instagram", "social"),
    ("safari", "Apple", "other"),
    ("google chrome", "Facebook", "social"),
    ("mail", "Inbox – iCloud", "other"),
    ("xcode", "Discord — Edited", "other"),
    # Windows (process image names)
    ("ms-teams", "Chat | Microsoft Teams", "messaging"),
    ("teams", "Call with Alex | Microsoft Teams", "calls"),
    ("whatsapp.root", "WhatsApp", "messaging"),
    ("whatsapp", "WhatsApp", "messaging"),
    ("discord", "Discord", "messaging"),
    ("msedge", "Facebook - Microsoft Edge", "social"),
    ("msedge", "Slack | general | Acme - Microsoft Edge", "messaging"),
    ("msedge", "Quarterly report.docx - Word - Microsoft Edge", "other"),
    ("chrome", "WhatsApp - Google Chrome", "messaging"),
    ("applicationframehost", "Instagram", "social"),
    ("applicationframehost", "WhatsApp", "messaging"),
    ("applicationframehost", "Calculator", "other"),
    ("zoom", "Zoom Workplace", "calls"),
    ("ciscocollabhost", "Webex", "calls"),
    ("winword", "Slack etiquette.docx - Word", "other"),
    ("explorer", "Discord", "other"),
]


@pytest.mark.parametrize("app, title, expected", REAL_PAIRS)
def test_shipped_rules_classify_real_windows(app, title, expected):
    verdict = explain(CFG, app, title)
    assert verdict.category == expected, f"{app} / {title!r} decided by {verdict.rule}"


def test_nothing_in_front_is_other():
    assert explain(CFG, None, None).category == "other"


def test_unknown_app_names_no_rule():
    assert explain(CFG, "blender", "untitled.blend").rule == NO_RULE


def test_rule_names_say_where_they_come_from(tmp_path):
    from tests.support import load_config

    cfg = load_config(tmp_path, """
        [[rules]]
        name = "slack is work here"
        category = "other"
        app = "^slack$"
    """)
    assert explain(cfg, "slack", None).rule == "slack is work here (user)"
    assert explain(cfg, "discord", None).rule == "chat apps (shipped)"


def test_exe_rules_match_the_path(tmp_path):
    from tests.support import load_config

    cfg = load_config(tmp_path, """
        [[rules]]
        category = "messaging"
        exe = "/opt/Beeper/"
    """)
    assert explain(cfg, "electron-app", None, "/opt/Beeper/beeper").category == "messaging"
    assert explain(cfg, "electron-app", None, "/usr/bin/thing").category == "other"


def test_idle_turns_into_away_except_for_calls():
    idle = CFG.get("daemon.idle_seconds") + 1
    assert classify(CFG, Sample(0, "slack", idle=idle)).category == AWAY
    assert classify(CFG, Sample(0, "zoom", idle=idle)).category == "calls"
    assert classify(CFG, Sample(0, "slack", idle=10)).category == "messaging"
    assert classify(CFG, Sample(0, "slack", idle=None)).category == "messaging"
