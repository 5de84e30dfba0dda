"""Decisions left out while the policy promised silence (`Decision.quiet_until`) change no
nudge: a scripted day and the night after, with budget crossings, an in-person lunch from a
real calendar file, its auto focus window, a manual focus window, an away stretch, quiet
hours, a snooze and logged time written by another connection mid-run, and midnight, gives
the same nudges at the same times (text, delivery and effect too) as asking the policy at
every slot of the decision grid."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from presence.calendar.sync import sync
from presence.daemon import Daemon
from presence.model import FocusWindow
from presence.nudges.dispatch import Recorder
from presence.nudges.notify import RecordingNotifier
from presence.nudges.nudger import Nudger
from presence.replay import TraceProbe, read_trace, replay
from presence.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, tzinfo=BERLIN)

# (day, HH:MM, app, idle): each holds until the next line
SCENE = [
    (0, "07:30", "slack", 0),     # chat in quiet hours (until 08:00): counted, never said
    (0, "08:10", "code", 0),
    (0, "08:40", "discord", 0),   # the hour's budget is reached at 09:00
    (0, "09:30", "code", 0),
    (0, "10:00", "code", 900),    # away for an hour: welcome back at 11:00
    (0, "11:00", "code", 0),      # the lunch's auto focus window opens at 11:30: a heads-up
    (0, "11:40", "slack", 0),     # chat in that window, after the wrap-up: focus
    (0, "11:50", "code", 0),
    (0, "11:57", "slack", 0),     # focus again; then the lunch begins with chat in front:
    (0, "12:20", "slack", 0),     # phubbing, twice
    (0, "13:00", "code", 0),      # over budget again at 13:10, but snoozed 13:05-13:30
    (0, "14:00", "slack", 0),
    (0, "15:00", "code", 0),
    (0, "15:40", "whatsapp", 0),  # the manual focus window 15:30-16:30
    (0, "16:30", "code", 0),
    (0, "17:00", "slack", 0),     # time logged in person at 16:45 for 16:00-16:40
    (0, "18:30", "code", 0),      # the daily summary at 20:00
    (0, "21:50", "slack", 0),     # into quiet hours
    (0, "23:00", "code", 900),    # away for the night
    (1, "07:50", "slack", 0),     # Tuesday: the budget is reached at 08:50, but time logged
    (1, "10:00", "code", 0),      # in person 07:00-09:00 outweighs chat until 09:50
]
SNOOZE = (MONDAY + timedelta(hours=13, minutes=5)).timestamp()
SNOOZE_UNTIL = (MONDAY + timedelta(hours=13, minutes=30)).timestamp()
LOGGED_AT = (MONDAY + timedelta(hours=16, minutes=45)).timestamp()
TUESDAY_LOG = ((MONDAY + timedelta(days=1, hours=7)).timestamp(),
               (MONDAY + timedelta(days=1, hours=9)).timestamp())


class EveryDecision(Nudger):
    """The reference: asks the policy at every slot, whatever the last decision promised."""

    def prepare(self, now: float) -> bool:
        self.unsettle()
        return super().prepare(now)


def write_trace(path):
    lines = []
    for day, hm, app, idle in SCENE:
        hour, minute = map(int, hm.split(":"))
        at = MONDAY + timedelta(days=day, hours=hour, minutes=minute)
        lines.append(json.dumps({"t": at.isoformat(), "app": app, "title": f"{app} window",
                                 "idle": idle}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lunch_ics(path):
    path.write_text("\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence tests//EN",
        "BEGIN:VEVENT", "UID:lunch@test", "DTSTAMP:20260301T120000Z",
        "DTSTART;TZID=Europe/Berlin:20260302T120000",
        "DTEND;TZID=Europe/Berlin:20260302T130000",
        "SUMMARY:Lunch with Priya", "LOCATION:Café Central\\, Herrengasse 14\\, Wien",
        "ORGANIZER:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:priya@example.org",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.org",
        "END:VEVENT", "END:VCALENDAR", ""]), encoding="utf-8")
    return path


@pytest.fixture
def scene(tmp_path, config_with):
    """(config at `interval` seconds, samples, calendar file)."""
    def make(interval):
        calendar = lunch_ics(tmp_path / "lunch.ics")
        config = config_with(
            f'[daemon]\ninterval_seconds = {interval}\n[nudges]\nmax_per_day = 20\n'
            f'[calendar]\nowner_emails = ["me@example.org"]\nsources = ["{calendar}"]\n')
        trace = write_trace(tmp_path / "day.jsonl")
        with trace.open(encoding="utf-8") as lines:
            samples = read_trace(lines, str(trace), BERLIN)
        return config, samples, calendar
    return make


def stepped(tmp_path, name, config, samples, nudger_class, writes=(), window=True):
    """The daemon's loop over every tick of the trace with `nudger_class`, into a new store
    whose calendar is synced first (and with a manual focus window 15:30-16:30 if
    `window`); `writes` are (when, what) done by another connection."""
    path = tmp_path / f"{name}.db"
    store = Store.open(path)
    for status in sync(store, config, tmp_path / f"cache-{name}", samples[0].at):
        assert status.ok, status.message
    if window:
        store.add_focus(FocusWindow(None, (MONDAY + timedelta(hours=15, minutes=30)).timestamp(),
                                    (MONDAY + timedelta(hours=16, minutes=30)).timestamp(),
                                    "Deep work", "manual"))
    nudger = nudger_class(config, store, Recorder([RecordingNotifier("replay")]))
    daemon = Daemon(config, store, lambda _: TraceProbe(samples), TraceProbe.name,
                    nudger=nudger, device="replay", monotonic=lambda: 0.0)
    pending = sorted(writes, key=lambda w: w[0])
    now = samples[0].at
    while now <= samples[-1].at:
        while pending and pending[0][0] <= now:
            other = Store.open(path, create=False)
            pending.pop(0)[1](other)
            other.close()
        daemon.step(now)
        now += config.interval
    daemon.shutdown()
    records = [(r.nudge, r.delivered, r.followed) for r in store.nudge_records(0, 1e12)]
    store.close()
    return records, nudger.asked


def local(nudge):
    at = datetime.fromtimestamp(nudge.at, BERLIN)
    return f"{(at.date() - MONDAY.date()).days} {at:%H:%M}"


def test_a_day_of_left_out_decisions_says_what_asking_at_every_slot_says(tmp_path, scene):
    config, samples, _ = scene(5)
    writes = [(SNOOZE, lambda s: s.set_setting("snooze_until", SNOOZE_UNTIL)),
              (LOGGED_AT, lambda s: s.add_in_person(LOGGED_AT - 45 * 60, LOGGED_AT - 5 * 60,
                                                    "coffee")),
              (LOGGED_AT, lambda s: s.add_in_person(*TUESDAY_LOG, "breakfast"))]
    reference, asked_every = stepped(tmp_path, "every", config, samples, EveryDecision, writes)
    settled, asked = stepped(tmp_path, "settled", config, samples, Nudger, writes)

    assert settled == reference
    said = [(n.kind, local(n)) for n, _, _ in reference]
    kinds = {kind for kind, _ in said}
    assert {"crowding_out", "welcome_back", "focus", "phubbing", "daily_summary"} <= kinds
    assert ("crowding_out", "0 09:00") in said and ("welcome_back", "0 11:00") in said
    assert ("daily_summary", "0 20:00") in said and ("phubbing", "0 12:01") in said
    assert ("crowding_out", "0 13:30") in said  # as the snooze ended
    assert ("crowding_out", "1 09:50") in said  # after midnight, a new budget
    # nothing in quiet hours, nothing while snoozed
    assert all("08:00" <= when[2:] < "22:00" for _, when in said)
    assert not [n for n, _, _ in reference if SNOOZE <= n.at < SNOOZE_UNTIL]
    # and the policy was asked far less often
    assert asked * 40 < asked_every


def test_a_replay_jumping_left_out_decisions_says_what_every_slot_says(tmp_path, scene):
    """At one-second samples the replay jumps whole stretches of ticks, decisions included:
    the same nudges at the same seconds as the daemon's loop asking at every slot."""
    config, samples, calendar = scene(1)
    reference, _ = stepped(tmp_path, "every", config, samples, EveryDecision, window=False)
    result = replay(samples, config, [str(calendar)], tmp_path / "cache")
    replayed = [(r.nudge, r.delivered, r.followed) for r in result.nudges]
    assert replayed == reference
    said = [(n.kind, local(n)) for n, _, _ in replayed]
    assert {"crowding_out", "welcome_back", "focus", "phubbing", "daily_summary"} <= \
        {kind for kind, _ in said}
    assert ("crowding_out", "0 09:00") in said and ("crowding_out", "1 08:50") in said


def test_hopping_between_chat_apps_keeps_the_promise_and_says_the_same(tmp_path, config_with):
    """Chat hopping between three messaging apps and their channels every three minutes
    for five hours, across the budget, its cooldown and a lunch in person: the same nudges,
    words included (they name the apps in front), as asking the policy at every slot, but
    a switch within the category asks nothing: only what moves a rule's moment does."""
    calendar = lunch_ics(tmp_path / "lunch.ics")
    config = config_with(
        '[daemon]\ninterval_seconds = 5\n[nudges]\nmax_per_day = 20\n'
        f'[calendar]\nowner_emails = ["me@example.org"]\nsources = ["{calendar}"]\n')
    apps = [("slack", "general | Acme - Slack"), ("discord", "#random | Friends - Discord"),
            ("telegram-desktop", "Telegram"), ("slack", "design | Acme - Slack")]
    lines = [{"t": (MONDAY + timedelta(hours=8)).isoformat(), "app": "code", "title": "x"}]
    start = MONDAY + timedelta(hours=8, minutes=30)
    for n in range(100):
        app, title = apps[n % len(apps)]
        lines.append({"t": (start + timedelta(minutes=3 * n)).isoformat(), "app": app,
                      "title": title, "idle": 0})
    lines.append({"t": (start + timedelta(minutes=300)).isoformat(), "app": "code",
                  "title": "x"})
    trace = tmp_path / "hopping.jsonl"
    trace.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with trace.open(encoding="utf-8") as text:
        samples = read_trace(text, str(trace), BERLIN)

    reference, asked_every = stepped(tmp_path, "every", config, samples, EveryDecision,
                                     window=False)
    settled, asked = stepped(tmp_path, "settled", config, samples, Nudger, window=False)
    assert settled == reference
    kinds = [n.kind for n, _, _ in reference]
    assert "crowding_out" in kinds and "phubbing" in kinds
    assert any("Discord" in n.message or "Telegram" in n.message for n, _, _ in reference)
    # 100 switches between chat apps; far fewer decisions
    assert asked < 40 and asked_every > 2000
