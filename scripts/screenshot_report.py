"""Make the README's pictures from a demo week: docs/report.png and docs/summary.txt.

    .venv/bin/python scripts/screenshot_report.py            # writes docs/report.png
    .venv/bin/python scripts/screenshot_report.py --out DIR  # elsewhere

A fresh PRESENCE_HOME in a temporary folder gets a made-up week (chat, calls, a dinner and a
climbing morning in person, logged time); then the real `presence report` and `presence
summary` run on it, and headless Chromium (with a fresh profile, no network services) takes a
screenshot of the page. Nothing outside the temporary folder and the output folder is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from presence.model import Meeting, Span  # noqa: E402
from presence.store import Store  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
LAST_DAY = "2026-06-07"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp()


def demo_week(home: Path) -> None:
    """A plausible week in Berlin: chat that creeps up, two in-person plans, a logged walk."""
    home.mkdir(mode=0o700)
    (home / "config.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    store = Store.open(home / "presence.db")
    for day in range(1, 8):
        d = f"2026-06-{day:02d}"
        spans = [(f"{d}T08:30", f"{d}T09:10", "slack", "messaging"),
                 (f"{d}T09:10", f"{d}T12:00", "code", "other"),
                 (f"{d}T12:40", f"{d}T13:{10 + day * 4:02d}", "whatsapp", "messaging"),
                 (f"{d}T13:30", f"{d}T17:00", "firefox", "other"),
                 (f"{d}T17:00", f"{d}T17:30", "zoom", "calls"),
                 (f"{d}T21:00", f"{d}T21:{day * 7:02d}", "instagram", "social")]
        for start, end, app, category in spans:
            store.insert_span(Span(at(start), at(end), app, category), "laptop")
    dinner = Meeting("home.ics", "dinner@demo", "Dinner with Sam",
                     datetime.fromtimestamp(at("2026-06-05T19:00"), timezone.utc),
                     datetime.fromtimestamp(at("2026-06-05T21:30"), timezone.utc), False,
                     "Trattoria Roma, Hauptstr. 5", "in_person", "physical location")
    climbing = Meeting("home.ics", "climb@demo", "Climbing with Priya",
                       datetime.fromtimestamp(at("2026-06-07T10:00"), timezone.utc),
                       datetime.fromtimestamp(at("2026-06-07T12:00"), timezone.utc), False,
                       "Boulderhalle", "in_person", "physical location")
    store.replace_meetings("home.ics", [dinner, climbing], ZONE, since=0)
    store.insert_span(Span(at("2026-06-05T20:05"), at("2026-06-05T20:15"), "whatsapp",
                           "messaging"), "laptop")
    store.add_in_person(at("2026-06-03T18:00"), at("2026-06-03T19:00"), "walk with Jo")
    store.close()


def presence(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env.update(PRESENCE_HOME=str(home), PYTHONIOENCODING="utf-8", COLUMNS="100")
    done = subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, env=env, timeout=120, check=True, cwd=ROOT)
    return done.stdout


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chromium is needed (Debian package: chromium)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs",
                        help="folder for report.png and summary.txt (default: docs/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="presence-demo-") as tmp:
        home = Path(tmp) / "home"
        demo_week(home)
        page = Path(tmp) / "report.html"
        presence(home, "report", "--until", LAST_DAY, "--out", str(page))
        summary = presence(home, "summary", "2026-06-05")
        (args.out / "summary.txt").write_text(summary, encoding="utf-8")
        shot = args.out / "report.png"
        subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                        "--window-size=1000,1700", "--hide-scrollbars",
                        f"--screenshot={shot}", page.as_uri()],
                       capture_output=True, timeout=180, check=True)
    print(f"wrote {shot} and {args.out / 'summary.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
