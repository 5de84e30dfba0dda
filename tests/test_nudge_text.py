"""Nudge wordings: several per kind, never the same text twice in a row, true numbers, and a
title and a message that do not say the same thing."""

from __future__ import annotations

import re
from datetime import date

import pytest

from presence.nudges import text

# Each kind's text function with the arguments of one occasion (key → (title, message)).
KINDS = {
    "phubbing": lambda key, prev: text.phubbing(key, "Coffee with Priya", 75,
                                                ["WhatsApp", "Signal"], prev),
    "focus": lambda key, prev: text.focus(key, "Dinner", 125, ["Discord"], "22:00", None, None,
                                          prev),
    "focus before an event": lambda key, prev: text.focus(
        key, "Dinner with Sam", 65, ["Slack"], "22:00", "Dinner with Sam", 24, prev),
    "heads_up": lambda key, prev: text.heads_up(key, "Dinner with Sam", 30, "19:00", prev),
    "crowding_out": lambda key, prev: text.crowding_out(key, 6000, 0, ["Slack"], None, prev),
    "crowding_out before an event": lambda key, prev: text.crowding_out(
        key, 6000, 900, ["Slack"], ("Drinks with Jo", "18:00"), prev),
    "reconnect": lambda key, prev: text.reconnect(key, 4, date(2026, 2, 26), date(2026, 3, 2),
                                                  prev),
    "reconnect, nothing on record": lambda key, prev: text.reconnect(
        key, 10, None, date(2026, 3, 2), prev),
    "daily_summary": lambda key, prev: text.daily_summary(key, 6000, 4500, ["Slack"],
                                                          ["Lunch with Priya"], prev),
    "welcome_back": lambda key, prev: text.welcome_back(key, 4800, "12:05", prev),
}


@pytest.mark.parametrize("kind", KINDS)
def test_three_wordings_and_never_the_same_text_twice_in_a_row(kind):
    make = KINDS[kind]
    seen, previous = set(), None
    for n in range(40):
        title, message = make(f"{kind}:occasion-{n}", previous)
        if previous is not None:
            assert message != previous[1], f"{kind} said {message!r} twice in a row"
        seen.add(message)
        previous = (title, message)
    assert len(seen) >= 3, seen


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_occasion_is_worded_the_same_way(kind):
    assert KINDS[kind](f"{kind}:x", None) == KINDS[kind](f"{kind}:x", None)


@pytest.mark.parametrize("kind, names", [
    ("phubbing", ["Coffee with Priya"]), ("focus before an event", ["Dinner with Sam"]),
    ("heads_up", ["Dinner with Sam"]), ("crowding_out before an event", ["Drinks with Jo"]),
])
def test_title_and_message_never_repeat_each_other(kind, names):
    for n in range(20):
        title, message = KINDS[kind](f"{kind}:{n}", None)
        for name in names:
            assert (name in title) != (name in message), (title, message)


def test_reconnect_says_its_number_once():
    for n in range(20):
        title, message = text.reconnect(f"reconnect:{n}", 4, date(2026, 2, 26),
                                        date(2026, 3, 2))
        assert "4" not in title and "4 days" in message


@pytest.mark.parametrize("kind, numbers", [
    ("phubbing", {"1 min"}), ("focus", {"2 min", "22:00"}), ("heads_up", {"30 min"}),
    ("crowding_out", {"1 h 40 min"}), ("daily_summary", {"1 h 40 min", "1 h 15 min"}),
    ("welcome_back", {"1 h 20 min"}),
])
def test_every_number_is_the_measured_one(kind, numbers):
    for n in range(20):
        title, message = KINDS[kind](f"{kind}:{n}", None)
        both = title + " " + message
        for number in numbers:
            assert number in both
        # no number appears that was not measured
        found = set(re.findall(r"\d+ h \d+ min|\d+ h|\d+ min|\d+ s|\d\d:\d\d", both))
        assert found <= numbers | {"30 min", "19:00", "12:05"}, (both, found)


def test_a_hint_names_the_command_for_every_kind():
    for kind in ("phubbing", "focus", "crowding_out", "reconnect", "welcome_back",
                 "daily_summary"):
        assert "presence " in text.command_hint(kind)
