"""Today at a glance: the numbers and classes the bar, the tray and `status` show, their
formats, pause, and a daemon that keeps "what is in front now" current (real SQLite files)."""

from __future__ import annotations

import json
import re
import select
import sys

import pytest
from summary_data import BERLIN, add_meetings, add_span, at, home, meeting

from presence import holds
from presence.glance import bar, icon, menu, view
from presence.glance.follow import Follower
from presence.model import FocusWindow
from presence.reports.history import day_summary
from presence.reports.summary import local_day

NOW = "2026-03-03T15:00"


def day_with_lunch(folder):
    """A Tuesday in Berlin: 40 min of chat, code, lunch with Priya, dinner with Sam ahead."""
    store, config = home(folder)
    add_span(store, "2026-03-03T09:00", "2026-03-03T09:40", "slack", "messaging")
    add_span(store, "2026-03-03T09:40", "2026-03-03T12:00", "code", "other")
    add_meetings(store, meeting("Lunch with Priya", "2026-03-03T12:30", "2026-03-03T13:40"),
                 meeting("Dinner with Sam", "2026-03-03T19:00", "2026-03-03T21:00"))
    return store, config


def in_front(store, app, category, since=NOW):
    """What the daemon writes at a switch: the new span as it begins (what is in front is
    the daemon's latest span), with the daemon's record naming its device."""
    from presence.model import Span

    start = at(since)
    with store.transaction():
        if store.get_setting("daemon") is None:
            store.set_setting("daemon", {"device": "laptop", "interval": 1})
        if not any(s.start == start and s.app == app for s in store.spans(start - 1, start + 1)):
            store.insert_span(Span(start, start, app, category), "laptop")


def test_the_glance_tells_the_summarys_numbers(tmp_path):
    store, config = day_with_lunch(tmp_path)
    now = at(NOW)
    glance = view.read(store, config, now, running=True)
    summary = day_summary(store, config, local_day(now, BERLIN), now)
    assert glance.virtual_minutes == summary.virtual_minutes == 40
    assert glance.in_person_minutes == summary.in_person_minutes == 70
    assert dict(glance.categories) == summary.categories
    assert bar.text(glance, BERLIN) == "chat 40m · people 1h10"
    assert glance.seen == ("Lunch with Priya",)
    assert glance.next_plan == ("Dinner with Sam", at("2026-03-03T19:00"))
    # nothing changes by itself before dinner starts
    assert glance.until == at("2026-03-03T19:00")


@pytest.mark.parametrize("setup, expected", [
    ("nothing", "balanced"),
    ("over_budget", "virtual"),
    ("focus", "focus"),
    ("phubbing", "phubbing"),
    ("snoozed_phubbing", "snoozed"),
    ("paused_snoozed", "paused"),
    ("stopped", "stopped"),
])
def test_the_class_is_the_most_pressing_thing_true_now(tmp_path, setup, expected):
    store, config = day_with_lunch(tmp_path)
    now = at("2026-03-03T19:30")  # during dinner with Sam
    running = setup != "stopped"
    in_front(store, "code", "other", "2026-03-03T19:20")
    if setup == "nothing":
        now = at("2026-03-03T16:00")
    if setup == "over_budget":
        now = at("2026-03-03T16:00")
        add_span(store, "2026-03-03T14:00", "2026-03-03T15:40", "discord", "messaging")
    if setup == "focus":
        now = at("2026-03-03T16:00")
        store.add_focus(FocusWindow(None, now - 60, now + 3600, "Before dinner", "manual"))
    if setup in ("phubbing", "snoozed_phubbing"):
        in_front(store, "signal", "messaging", "2026-03-03T19:25")
    if setup in ("snoozed_phubbing", "paused_snoozed"):
        holds.snooze(store, now + 3600)
    if setup == "paused_snoozed":
        holds.pause(store, now + 1800)
    assert view.read(store, config, now, running).state == expected


def test_waybar_lines_carry_text_tooltip_class_and_percentage(tmp_path):
    store, config = day_with_lunch(tmp_path)
    in_front(store, "slack", "messaging", "2026-03-03T14:55")
    glance = view.read(store, config, at(NOW), running=True)
    line = bar.waybar(glance, BERLIN)
    assert "\n" not in line
    shown = json.loads(line)
    assert set(shown) == {"text", "tooltip", "class", "percentage"}
    assert shown["text"] == "slack · chat 40m · people 1h10"
    assert shown["class"] in view.CLASSES
    assert shown["percentage"] == round(100 * 40 / 110)
    tip = shown["tooltip"].splitlines()
    assert tip[0] == "Today: chat 40 min, in person 1 h 10 min"
    assert "messaging 40 min" in tip[1] and "other 2 h 20 min" in tip[1]
    assert "In front: slack (messaging) since 14:55" in tip
    assert "Saw: Lunch with Priya" in tip
    assert "Next in person: Dinner with Sam, Tue 19:00" in tip


def test_polybar_colour_tags_and_text_lines(tmp_path):
    store, config = day_with_lunch(tmp_path)
    in_front(store, "100%chat", "messaging")
    glance = view.read(store, config, at(NOW), running=True)
    line = bar.polybar(glance, BERLIN)
    match = re.fullmatch(r"%\{F(#[0-9a-f]{6})\}(.*)%\{F-\}", line)
    assert match and match.group(1) == bar.COLOURS[glance.state]
    # polybar reads "%{" as a tag: a literal % from outside is doubled
    assert match.group(2) == "100%%chat · chat 40m · people 1h10"
    assert bar.text(glance, BERLIN) == "100%chat · chat 40m · people 1h10"


def test_outside_text_reaches_the_bar_escaped_and_bounded(tmp_path):
    store, config = day_with_lunch(tmp_path)
    add_meetings(store, meeting("Tea\x1b]0;owned\x07 with Jo" + "o" * 80,
                                "2026-03-03T17:00", "2026-03-03T18:00"))
    in_front(store, "evil\x1b[2Jchat", "messaging")
    glance = view.read(store, config, at(NOW), running=True)
    for line in (bar.text(glance, BERLIN), bar.tooltip(glance, BERLIN)):
        assert "\x1b" not in line and "\x07" not in line
    assert bar.text(glance, BERLIN).startswith("evil\\x1b[2Jchat · ")
    plan = next(s for s in bar.tooltip(glance, BERLIN).splitlines() if s.startswith("Next"))
    assert len(plan) < 80 and "…" in plan


def test_a_pause_and_a_snooze_say_until_when(tmp_path):
    store, config = day_with_lunch(tmp_path)
    now = at(NOW)
    holds.snooze(store, at("2026-03-03T16:30"))
    glance = view.read(store, config, now, running=True)
    assert bar.text(glance, BERLIN) == "chat 40m · people 1h10 · snoozed until 16:30"
    assert glance.until == at("2026-03-03T16:30")
    holds.pause(store, at("2026-03-03T15:45"))
    glance = view.read(store, config, now, running=True)
    assert (bar.text(glance, BERLIN), glance.state) == ("paused until 15:45", "paused")
    assert [i.label for i in menu.items(glance, BERLIN) if i.id == menu.PAUSE] == [
        "Resume (paused until 15:45)"]
    # the pause ends by itself: the class changes back without anyone writing
    later = view.read(store, config, at("2026-03-03T15:46"), running=True)
    assert later.state == "snoozed" and later.paused_until is None


def test_the_follower_reads_again_only_when_something_changed(tmp_path):
    store, config = day_with_lunch(tmp_path)
    follower = Follower(tmp_path / "presence.db", config)
    now = at(NOW)
    try:
        first = follower.poll(now)
        assert first is not None and first.snoozed_until is None
        assert follower.poll(now + 1) is None
        assert follower.poll(now + 2) is None
        holds.snooze(store, now + 600)  # another connection commits
        snoozed = follower.poll(now + 3)
        assert snoozed is not None and snoozed.snoozed_until == now + 600
        assert follower.poll(now + 4) is None
        ended = follower.poll(now + 601)  # nobody writes; the snooze is over
        assert ended is not None and ended.snoozed_until is None
    finally:
        follower.close()


def test_a_follower_starts_before_the_database_exists(tmp_path):
    config = home(tmp_path)[1]
    (tmp_path / "presence.db").unlink()
    follower = Follower(tmp_path / "presence.db", config)
    try:
        glance = follower.poll(at(NOW))
        assert glance is not None and glance.state == "stopped"
        store, _ = day_with_lunch(tmp_path)
        later = follower.poll(at(NOW) + 1)
        assert later is not None and later.virtual_minutes == 40
    finally:
        follower.close()


def test_the_ring_icon_shows_the_share_of_chat(tmp_path):
    size = 32
    pixels = icon.ring(size, 0.25)
    assert len(pixels) == 4 * size * size

    def argb(x, y):
        return tuple(pixels[4 * (y * size + x): 4 * (y * size + x) + 4])

    top_right = argb(size - 6, 5)      # the first quarter, clockwise from the top
    bottom = argb(size // 2, size - 3)
    assert top_right[0] == 255 and top_right[1:] == icon.VIRTUAL
    assert bottom[0] == 255 and bottom[1:] == icon.IN_PERSON
    assert argb(size // 2, size // 2)[0] == 0          # the centre is see-through
    assert argb(0, 0)[0] == 0
    idle = icon.ring(size, None)
    assert tuple(idle[4 * (3 * size + 16) + 1: 4 * (3 * size + 16) + 4]) == icon.IDLE


def test_the_tray_asks_for_attention_while_phubbing_and_offers_resume_while_paused(tmp_path):
    from jeepney import HeaderFields

    from presence.glance.tray import Tray
    from presence.lock import InstanceLock
    from presence.paths import lock_file

    store, config = day_with_lunch(tmp_path)
    in_front(store, "signal", "messaging", "2026-03-03T19:25")
    clock = {"now": at("2026-03-03T19:30")}  # during dinner with Sam
    # the daemon runs: here the test holds its lock
    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()
    follower = Follower(tmp_path / "presence.db", config)
    sent = []

    class Bus:
        def send(self, message):
            sent.append(message)

    tray = Tray(Bus(), follower, config, now=lambda: clock["now"])
    try:
        tray.refresh()
        props = tray.item_properties()
        assert props["Status"] == ("s", "NeedsAttention")
        _, _, title, text = props["ToolTip"][1]
        assert title == "presence: signal · chat 40m · people 1h40"  # 30 min of dinner
        assert "Now: Dinner with Sam" in text
        labels = [child[1][1].get("label", ("s", ""))[1] for child in tray.layout()[1][2]]
        assert labels[0] == "Today: chat 40 min · in person 1 h 40 min"
        assert "Pause 1 h" in labels and "Snooze 1 h" in labels
        tray.activate(menu.PAUSE)  # "Pause 1 h"
        assert holds.read(store, clock["now"]).paused_until == clock["now"] + 3600
        props = tray.item_properties()
        assert props["Status"] == ("s", "Active")
        labels = [child[1][1].get("label", ("s", ""))[1] for child in tray.layout()[1][2]]
        assert "Resume (paused until 20:30)" in labels
        # the hosts were told: a new icon, tooltip, status and menu layout
        members = [m.header.fields.get(HeaderFields.member) for m in sent]
        assert {"NewIcon", "NewToolTip", "NewStatus", "LayoutUpdated"} <= set(members)
        tray.activate(menu.PAUSE)  # now "Resume"
        assert holds.read(store, clock["now"]).paused_until is None
    finally:
        follower.close()
        lock.release()


def test_a_write_the_tail_cannot_tell_rereads_today_at_most_once_a_minute(tmp_path):
    from presence.glance.follow import REREAD_SECONDS
    from presence.lock import InstanceLock
    from presence.model import Span
    from presence.paths import lock_file

    store, config = day_with_lunch(tmp_path)
    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()  # the daemon runs (the test holds its lock)
    follower = Follower(tmp_path / "presence.db", config)
    now = at(NOW)
    try:
        assert follower.poll(now).virtual_minutes == 40
        # the daemon's flush writes a new span after the last: it shows at once, whole
        row = store.insert_span(Span(at("2026-03-03T14:00"), at("2026-03-03T14:10"), "signal",
                                     "messaging"), "laptop")
        assert follower.poll(now + 1).virtual_minutes == 50
        # a span written before the last (an import): today is read again within the minute
        store.insert_span(Span(at("2026-03-03T13:50"), at("2026-03-03T13:55"), "signal",
                               "messaging"), "laptop")
        assert follower.poll(now + 2) is None
        store.extend_span(row, at("2026-03-03T14:20"))
        assert follower.poll(now + REREAD_SECONDS - 1) is None
        assert follower.poll(now + REREAD_SECONDS + 1).virtual_minutes == 65
        # a switch (the daemon's new span) shows at once, with the numbers as they are
        in_front(store, "code", "other", NOW)
        switched = follower.poll(now + REREAD_SECONDS + 2)
        assert switched is not None and switched.current.app == "code"
    finally:
        follower.close()
        lock.release()


def test_a_flush_that_grows_the_span_in_front_shows_what_a_full_read_would(tmp_path):
    from presence.lock import InstanceLock
    from presence.model import Span
    from presence.paths import lock_file

    store, config = day_with_lunch(tmp_path)
    row = store.insert_span(Span(at("2026-03-03T14:00"), at("2026-03-03T14:50"), "signal",
                                 "messaging"), "laptop")
    in_front(store, "signal", "messaging", "2026-03-03T14:00")
    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()  # the daemon runs (the test holds its lock)
    follower = Follower(tmp_path / "presence.db", config)
    now = at(NOW)
    try:
        assert bar.text(follower.poll(now), BERLIN) == "signal · chat 1h30 · people 1h10"
        for minute, flushed in enumerate(("14:51", "14:52:30", "14:59"), start=1):
            store.extend_span(row, at(f"2026-03-03T{flushed}"))  # the daemon's flush
            grown = follower.poll(now + minute)
            full = view.read(store, config, now + minute, running=True)
            assert grown is not None
            assert grown.virtual_minutes == pytest.approx(full.virtual_minutes)
            assert (bar.waybar(grown, BERLIN), grown.state) == (bar.waybar(full, BERLIN),
                                                                full.state)
        assert bar.text(grown, BERLIN) == "signal · chat 1h39 · people 1h10"
        # a write that grows nothing (a focus window from the CLI) is no flush: today is
        # read again (within the minute), and the window is seen
        store.add_focus(FocusWindow(None, now + 600, now + 7200, "Dinner", "manual"))
        assert follower.poll(now + 120).until == now + 600
    finally:
        follower.close()
        lock.release()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_a_watching_follower_sleeps_until_the_store_is_written_and_sees_each_write(tmp_path):
    from presence.lock import InstanceLock
    from presence.paths import lock_file

    store, config = day_with_lunch(tmp_path)
    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()  # the daemon runs (the test holds its lock)
    follower = Follower(tmp_path / "presence.db", config, watch=True)
    now = at(NOW)

    def woken(timeout: float) -> bool:
        return bool(select.select([follower.fileno()], [], [], timeout)[0])

    try:
        assert follower.poll(now).state == "balanced"
        # the first read may have kept the day's rollups (its own write, which wakes it,
        # and the second look a moment later finds nothing new)
        assert follower.poll(now + 1) is None and follower.poll(now + 2) is None
        # nothing written: no wake-up at the daemon's interval, a sleep of many intervals
        assert follower.wait_seconds(now + 2) >= 5 * follower.interval
        assert not woken(0.2)
        holds.snooze(store, now + 600)  # another connection commits
        assert woken(10)
        assert follower.poll(now + 1).state == "snoozed"
        in_front(store, "signal", "messaging")  # the daemon's new span: a switch
        assert woken(10)
        assert follower.poll(now + 2).current.app == "signal"
        # the daemon stops: its lock is let go, which wakes the follower too
        lock.release()
        assert woken(10)
        assert follower.poll(now + 3).state == "stopped"
        assert follower.poll(now + 4) is None
    finally:
        follower.close()
        lock.release()


def _daemon_running(tmp_path):
    from presence.lock import InstanceLock
    from presence.paths import lock_file

    lock = InstanceLock(lock_file(tmp_path / "presence.db"))
    lock.acquire()  # the daemon runs (the test holds its lock)
    return lock


def test_a_switch_shows_at_once_with_the_numbers_a_full_read_gives(tmp_path):
    from presence.model import Span

    store, config = day_with_lunch(tmp_path)
    row = store.insert_span(Span(at("2026-03-03T14:00"), at("2026-03-03T14:50"), "signal",
                                 "messaging"), "laptop")
    in_front(store, "signal", "messaging", "2026-03-03T14:00")
    lock = _daemon_running(tmp_path)
    follower = Follower(tmp_path / "presence.db", config)
    now = at(NOW)
    try:
        assert bar.text(follower.poll(now), BERLIN) == "signal · chat 1h30 · people 1h10"
        # the daemon's switch: the span in front closed, the next one written, "now" moved
        store.extend_span(row, at("2026-03-03T14:55"))
        store.insert_span(Span(at("2026-03-03T14:55"), at("2026-03-03T14:59"), "code",
                               "other"), "laptop")
        in_front(store, "code", "other", "2026-03-03T14:55")
        switched = follower.poll(now + 1)
        full = view.read(store, config, now + 1, running=True)
        assert switched.current.app == "code" and not switched.virtual_in_front
        assert (bar.waybar(switched, BERLIN), switched.state) == (bar.waybar(full, BERLIN),
                                                                  full.state)
        assert dict(switched.categories) == pytest.approx(dict(full.categories))
        assert bar.text(switched, BERLIN) == "chat 1h35 · people 1h10"
        # then away: the span closes, nothing is in front
        store.extend_span(row + 1, at("2026-03-03T15:00"))
        in_front(store, None, "away", "2026-03-03T15:00")
        away = follower.poll(now + 2)
        assert away.current.app is None and bar.waybar(away, BERLIN) == bar.waybar(
            view.read(store, config, now + 2, running=True), BERLIN)
    finally:
        follower.close()
        lock.release()


def test_the_daemons_record_alone_costs_no_read_and_what_else_is_written_still_shows(tmp_path):
    from presence.glance.follow import REREAD_SECONDS

    store, config = day_with_lunch(tmp_path)
    in_front(store, None, "away", "2026-03-03T14:00")
    sam = store.add_person("Sam", ["sam"])
    lock = _daemon_running(tmp_path)
    follower = Follower(tmp_path / "presence.db", config)
    now = at(NOW)
    try:
        assert follower.poll(now).in_person_minutes == 70
        # the daemon writes its record again (a stall counted, its notifier gone), nothing
        # else: nothing the glance shows changed
        for tick in range(1, 5):
            store.set_setting("daemon", {"device": "laptop", "interval": 1,
                                         "missed_ticks": tick})
            assert follower.poll(now + 30 * tick) is None
        assert follower.poll(now + 150 + REREAD_SECONDS) is None  # nothing to read again
        # an hour with Sam logged from another terminal: shown at once (the last read was
        # more than a minute ago)
        later = now + 200 + REREAD_SECONDS
        store.add_in_person(at("2026-03-03T13:50"), at("2026-03-03T14:50"), None, [sam])
        logged = follower.poll(later)
        assert logged.in_person_minutes == 130 and "Sam" in logged.seen
        # Sam renamed, and a plan synced for tonight: each shown within the minute
        store.rename_person(sam, "Samuel", ["samuel"])
        assert follower.poll(later + 1) is None
        renamed = follower.poll(later + REREAD_SECONDS + 1)
        assert "Samuel" in renamed.seen and "Sam" not in renamed.seen
        add_meetings(store, meeting("Lunch with Priya", "2026-03-03T12:30", "2026-03-03T13:40"),
                     meeting("Drinks with Jo", "2026-03-03T18:00", "2026-03-03T19:00"))
        assert follower.poll(later + REREAD_SECONDS + 2) is None
        planned = follower.poll(later + 2 * REREAD_SECONDS + 2)
        assert planned.next_plan == ("Drinks with Jo", at("2026-03-03T18:00"))
    finally:
        follower.close()
        lock.release()
