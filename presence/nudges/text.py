"""The words of each nudge (pure).

Texts are short, kind and specific: they name the meeting and the apps, and every number in
them is the one the policy measured. Each kind has a few phrasings; the choice is a stable hash
of the nudge's key, so a replay of the same day says the same things while the wording still
changes from one occasion to the next and does not go stale.
"""

from __future__ import annotations

import re
import string
import zlib
from collections.abc import Sequence
from datetime import date

from presence.classify import WEB_NAMES, web_site
from presence.timeparse import format_minutes

# Display names for the normalised app names of the shipped rules; anything else is title-cased.
_DISPLAY = {
    "slack": "Slack", "discord": "Discord", "discord-canary": "Discord", "discordcanary": "Discord",
    "discord-ptb": "Discord", "discordptb": "Discord", "vesktop": "Discord", "webcord": "Discord",
    "telegram": "Telegram", "telegram-desktop": "Telegram", "telegramdesktop": "Telegram",
    "ayugram": "Telegram", "kotatogram": "Telegram", "signal": "Signal",
    "signal-desktop": "Signal", "signal-desktop-beta": "Signal", "whatsapp": "WhatsApp",
    "whatsapp.root": "WhatsApp", "whatsapp-for-linux": "WhatsApp", "whatsdesk": "WhatsApp",
    "zapzap": "WhatsApp", "wasistlos": "WhatsApp", "element": "Element",
    "element-desktop": "Element", "messenger": "Messenger", "caprine": "Messenger",
    "ms-teams": "Teams", "teams": "Teams", "microsoft teams": "Teams",
    "microsoft teams (work or school)": "Teams", "teams-for-linux": "Teams", "skype": "Skype",
    "skypeforlinux": "Skype", "lync": "Skype", "mattermost": "Mattermost",
    "mattermost-desktop": "Mattermost", "rocket.chat": "Rocket.Chat",
    "rocketchat-desktop": "Rocket.Chat", "wechat": "WeChat", "weixin": "WeChat", "qq": "QQ",
    "kakaotalk": "KakaoTalk", "line": "LINE", "hexchat": "HexChat", "weechat": "WeeChat",
    "imessage": "Messages", "messages": "Messages", "google chat": "Google Chat",
    "facebook": "Facebook", "instagram": "Instagram", "twitter": "X", "x": "X",
    "tweetdeck": "X", "reddit": "Reddit", "tiktok": "TikTok", "linkedin": "LinkedIn",
    "bluesky": "Bluesky", "mastodon": "Mastodon", "threads": "Threads",
    "snapchat": "Snapchat", "pinterest": "Pinterest", "tumblr": "Tumblr",
    "google-chrome": "Chrome", "google chrome": "Chrome", "google-chrome-stable": "Chrome",
    "chrome": "Chrome", "chromium": "Chromium", "chromium-browser": "Chromium",
    "firefox": "Firefox", "firefox-esr": "Firefox", "msedge": "Edge", "microsoft-edge": "Edge",
    "microsoft edge": "Edge", "brave": "Brave", "brave-browser": "Brave", "safari": "Safari",
    "vivaldi": "Vivaldi", "vivaldi-bin": "Vivaldi", "opera": "Opera",
}

def app_name(app: str | None, title: str | None = None) -> str:
    """The name a user knows an app by: `slack` → Slack, Chrome showing WhatsApp → WhatsApp.

    Args:
        app: the normalised app name.
        title: the window title, when known (names web chats in a browser).
    """
    key = (app or "").strip().lower()
    site, _, browser = key.partition(" in ")
    if browser and site in WEB_NAMES:
        return f"{WEB_NAMES[site]} in {app_name(browser)}"  # a span kept as `whatsapp in firefox`
    if title and not _is_chat_app(key) and (site := web_site(title, short=False)) is not None:
        return WEB_NAMES[site]
    if key in _DISPLAY:
        return _DISPLAY[key]
    return key.replace("-", " ").replace("_", " ").title() if key else "an app"


def _is_chat_app(key: str) -> bool:
    browsers = {"Chrome", "Chromium", "Firefox", "Edge", "Brave", "Safari", "Vivaldi", "Opera"}
    return key in _DISPLAY and _DISPLAY[key] not in browsers


def duration(seconds: float) -> str:
    """`6000` → `1 h 40 min`; under a minute in seconds (`45 s`), so short spells stay true."""
    if seconds < 59.5:
        return f"{max(0, int(round(seconds)))} s"
    return format_minutes(seconds / 60)


def join_names(names: Sequence[str]) -> str:
    """`[Slack, Discord]` → `Slack and Discord`; four or more name two and count the rest."""
    names = list(names)
    if not names:
        return "chat"
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " and " + names[-1]
    rest = len(names) - 2
    return f"{names[0]}, {names[1]} and {rest} other apps"


def pick(key: str, options: Sequence[str]) -> str:
    """One of `options`, chosen by a stable hash of `key` (Python's `hash` is salted per run)."""
    return options[zlib.crc32(key.encode("utf-8")) % len(options)]


def choose(key: str, templates: Sequence[str], previous: str | None = None,
           **values: object) -> str:
    """One of `templates` filled with `values`, never in the wording of `previous`.

    The choice is a stable hash of `key`, among the templates that did not word `previous`
    (the same kind's last text): the same text is never shown twice in a row, and a replay of
    the same day says the same things.
    """
    fresh = [t for t in templates if previous is None or not _worded(t, previous)]
    return pick(key, fresh or list(templates)).format(**values)


def _worded(template: str, text: str) -> bool:
    """Whether `text` was written from `template`: its fixed parts appear in it, in order."""
    literals = [literal for literal, *_ in string.Formatter().parse(template)]
    pattern = ".*?".join(re.escape(literal) for literal in literals)
    return re.fullmatch(pattern, text, re.DOTALL) is not None


def _event(name: str) -> str:
    return name.strip() or "your meeting"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _starts_in(minutes: int) -> str:
    return "starts now" if minutes < 1 else f"starts in {format_minutes(minutes)}"


def phubbing(key: str, meeting: str, seconds: float, apps: Sequence[str],
             previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """Chat in front during an in-person meeting: (title, message).

    The title names the meeting, the message what was in front and for how long.
    """
    event, spent, where = _event(meeting), duration(seconds), join_names(apps)
    before_title, before = previous or (None, None)
    title = _cap(choose(key + ":t", ("You're at {event}", "{event} is happening now",
                                     "Back to {event}?"), before_title, event=event))
    message = choose(key, (
        "{spent} in {where}. The chat will keep; this moment won't.",
        "{spent} in {where} while people are right there with you. They come first.",
        "You've been in {where} for {spent}. Maybe put it away for now?",
    ), before, spent=spent, where=where)
    return title, message


def focus(key: str, label: str, seconds: float, apps: Sequence[str], until: str,
          meeting: str | None, minutes_to_start: int | None,
          previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """Chat in front inside a focus window: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        label: the focus window's label.
        seconds: continuous chat time measured inside the window.
        apps: display names of the chat apps, most used first.
        until: the window's local end time, e.g. `22:00`.
        meeting: the in-person event the window leads up to, if it has not started yet.
        minutes_to_start: whole minutes until that event.
        previous: the last focus nudge's (title, message), whose wording is not used again.
    """
    spent, where = duration(seconds), join_names(apps)
    before = previous[1] if previous else None
    if meeting is not None and minutes_to_start is not None:
        # The title names the event; the message does not say it again.
        title = _cap(f"{_event(meeting)} {_starts_in(minutes_to_start)}")
        message = choose(key, (
            "{spent} in {where}. Time to wrap up.",
            "{spent} in {where} so far; a good moment to close it.",
            "Focus time until {until}, and {spent} in {where} already. Wrap up?",
        ), before, spent=spent, where=where, until=until)
        return title, message
    generic = label.strip().lower() in ("", "focus", "focus time")
    title = "Focus time" if generic else f"Focus time: {label.strip()}"
    message = choose(key, (
        "{spent} in {where} during the time you set aside, until {until}.",
        "You asked for focus until {until}; {spent} in {where} so far. Put chat aside?",
        "{spent} in {where}. This time is yours until {until}; chat can wait.",
    ), before, spent=spent, where=where, until=until)
    return title, message


def heads_up(key: str, meeting: str, minutes_to_start: int, at: str,
             previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """An automatic focus window opens before an in-person event: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        meeting: the event's summary.
        minutes_to_start: whole minutes until it starts.
        at: its local start time, e.g. `19:00`.
        previous: the last heads-up's (title, message), whose wording is not used again.
    """
    title = _cap(f"{_event(meeting)} {_starts_in(minutes_to_start)}")
    message = choose(key, (
        "Time to wrap up chats.",
        "At {at}. A good moment to wrap up chats and get ready.",
        "Finish the chat you're in and be all there at {at}.",
    ), previous[1] if previous else None, at=at)
    return title, message


def crowding_out(key: str, virtual_seconds: float, in_person_seconds: float,
                 apps: Sequence[str], upcoming: tuple[str, str] | None = None,
                 previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """Today's chat is over budget and ahead of time in person: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        virtual_seconds: chat time today so far.
        in_person_seconds: in-person time today so far.
        apps: display names of today's chat apps, most used first.
        upcoming: the next in-person event today and its local start time, if there is one.
        previous: the last crowding-out nudge's (title, message), not worded again.
    """
    values = {"spent": duration(virtual_seconds), "where": join_names(apps),
              "in_person": ("none in person yet" if in_person_seconds < 30
                            else f"{duration(in_person_seconds)} in person")}
    before_title, before = previous or (None, None)
    if upcoming is not None:
        # Someone is already on the calendar: point there rather than suggest finding someone.
        title = choose(key + ":t", ("Lots of chat today", "Chat is ahead of people today"),
                       before_title)
        return title, choose(key, (
            "{spent} in {where} today, {in_person}. {event} at {at} is something to look "
            "forward to.",
            "{spent} in {where} today, {in_person}. Save some energy for {event} at {at}.",
            "{spent} in {where} today, {in_person}. At {at}: {event}. Worth arriving fresh.",
        ), before, event=_cap(_event(upcoming[0])), at=upcoming[1], **values)
    title = choose(key + ":t", ("Chat is ahead of people today", "Lots of chat today",
                                "How about some time together?"), before_title)
    message = choose(key, (
        "{spent} in {where} today, {in_person}.",
        "{spent} in {where} today, {in_person}. Anyone around for a coffee?",
        "{spent} in {where} today, {in_person}. Maybe meet or call someone later?",
    ), before, **values)
    return title, message


def reconnect(key: str, days: int, last: date | None, today: date,
              previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """No in-person time for some days: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        days: whole local days since the last in-person time (or since records begin).
        last: the local date of the last in-person time; None when there was none on record.
        today: the local date today, to say "Friday" for a recent day and a date otherwise.
        previous: the last reconnect nudge's (title, message), not worded again.
    """
    before_title, before = previous or (None, None)
    # The number is in the message only: the title and the message never say the same thing.
    title = choose(key + ":t", ("Time to see someone?", "Missing people?",
                                "How about meeting up?"), before_title)
    if last is None:
        return title, choose(key, (
            "No time in person on record in the {days} days presence has watched.",
            "{days} days on record, none of them with time in person. Who could you meet?",
            "presence has watched for {days} days and seen no time in person. A coffee with "
            "someone?",
        ), before, days=days)
    when = last.strftime("%A") if (today - last).days < 7 else f"{last.day} {last:%B}"
    message = choose(key, (
        "It's been {days} days since you last spent time with someone in person ({when}). "
        "Who would you like to see?",
        "Nothing in person since {when}, {days} days ago. A walk or a coffee with someone?",
        "{days} days since {when} without time in person. Who could you meet this week?",
    ), before, days=days, when=when)
    return title, message


def daily_summary(key: str, virtual_seconds: float, in_person_seconds: float,
                  apps: Sequence[str], events: Sequence[str],
                  previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """The day's balance: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        virtual_seconds: chat time today so far.
        in_person_seconds: in-person time today so far (meetings and logged time).
        apps: display names of today's chat apps, most used first.
        events: summaries of today's in-person meetings so far.
        previous: yesterday's summary (title, message), not worded again.
    """
    before_title, before = previous or (None, None)
    title = choose(key + ":t", ("Your day", "Today's balance", "How today went"), before_title)
    chat = (f"{duration(virtual_seconds)} in {join_names(apps)}" if virtual_seconds >= 30
            else "almost no chat")
    if in_person_seconds >= 30:
        named = f" ({join_names(list(events))})" if events else ""
        people = f"{duration(in_person_seconds)} in person{named}"
    else:
        people = "no time in person"
    praise = ""
    if in_person_seconds >= 30 and in_person_seconds >= virtual_seconds:
        praise = " " + pick(key, ("More time with people than on chat. Nice.",
                                  "People came first today.", "A good balance today."))
    message = choose(key, ("{Chat}, {people}.{praise}", "Up to now: {chat}, {people}.{praise}",
                           "{Chat} and {people}.{praise}"),
                     before, Chat=_cap(chat), chat=chat, people=people, praise=praise)
    return title, message


def welcome_back(key: str, seconds: float, left: str,
                 previous: tuple[str, str] | None = None) -> tuple[str, str]:
    """Back at the desk after a long stretch away: (title, message).

    Args:
        key: the nudge's key (picks the phrasing).
        seconds: how long the user was away.
        left: the local time they left, e.g. `12:05`.
        previous: the last welcome-back's (title, message), not worded again.
    """
    before_title, before = previous or (None, None)
    title = choose(key + ":t", ("Welcome back", "Good to see you back", "Back at the desk"),
                   before_title)
    message = choose(key, (
        "{away} away since {left}. Were you with people?",
        "You were gone {away}, from {left}. Was that time with someone?",
        "{away} away from the screen. Did you spend it with people?",
    ), before, away=duration(seconds), left=left)
    return title, message


# What to type where the notification server shows no buttons (DESIGN §3 Nudges that work).
_COMMANDS = {
    "phubbing": "Snooze: presence snooze 1h",
    "focus": "Snooze: presence snooze 1h",
    "crowding_out": "Time with people: presence log 1h --with NAMES",
    "reconnect": "Saw someone? presence log 1h --with NAME",
    "welcome_back": "If you were: presence log --last-away",
    "daily_summary": "More: presence report",
}


def command_hint(kind: str) -> str | None:
    """The command that does what a button would, for servers without actions."""
    return _COMMANDS.get(kind)
