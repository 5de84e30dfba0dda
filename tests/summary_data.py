"""Hand-made presence databases for the summary, report and export tests (real SQLite files)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from support import load_config

from presence.config import Config
from presence.model import Meeting, Nudge, Span
from presence.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> float:
    """UNIX seconds of an ISO time; without an offset, Berlin time."""
    value = datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=BERLIN)).timestamp()


def home(folder: Path) -> tuple[Store, Config]:
    """A PRESENCE_HOME folder: config.toml in Europe/Berlin and a fresh presence.db."""
    config = load_config(folder, 'timezone = "Europe/Berlin"\n')
    return Store.open(folder / "presence.db"), config


def add_span(store: Store, start: str, end: str, app: str | None, category: str) -> None:
    store.insert_span(Span(at(start), at(end), app, category), "laptop")


def meeting(summary: str, start: str, end: str, kind: str = "in_person",
            uid: str | None = None) -> Meeting:
    return Meeting("cal.ics", uid or summary, summary,
                   datetime.fromtimestamp(at(start), timezone.utc),
                   datetime.fromtimestamp(at(end), timezone.utc), False, "Café Fleury",
                   kind, "physical location" if kind == "in_person" else "conference link")


def add_meetings(store: Store, *meetings: Meeting) -> None:
    store.replace_meetings("cal.ics", list(meetings), BERLIN, since=-1e12)


def add_nudge(store: Store, when: str, kind: str, title: str, delivered: bool = True) -> None:
    row = store.insert_nudge(Nudge(at(when), kind, f"{kind}:{when}", title, f"{title}."))
    store.record_delivery(row, "dbus", delivered, None if delivered else "no server")


def small_home(folder: Path) -> Path:
    """A PRESENCE_HOME with a day of chat and work (10 March 2026), a dinner with Sam that
    evening and Sam as a known person: something for every read command to show."""
    store, _ = home(folder)
    add_span(store, "2026-03-10T09:00", "2026-03-10T10:00", "slack", "messaging")
    add_span(store, "2026-03-10T10:00", "2026-03-10T12:00", "code", "other")
    store.replace_meetings("cal.ics", [meeting("Dinner with Sam", "2026-03-10T19:00",
                                               "2026-03-10T21:00")], BERLIN, 0.0)
    store.add_person("Sam", ["sam@example.org"])
    store.close()
    return folder
