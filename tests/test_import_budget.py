"""What the read commands import (issue 18): a short start is a short list of modules.

Each command runs as a real process on a real database (a span, a meeting, a person); at
exit it writes `sys.modules` to a file. The test names the presence modules each command may
load and the packages it may use beyond the standard library, and refuses the heavy ones
(the calendar libraries, psutil, sqlite-utils, D-Bus, OpenSSL's hashlib, tempfile's archive
modules). It is a test of what is imported, never of time: the time is measured by
scripts/bench_summary.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from summary_data import BERLIN, add_span, home, meeting
from support import sealed_env

# Everything a read command shares: the CLI group, the config, the store, the timeline.
CORE = {
    "presence", "presence.cli", "presence.cli.common", "presence.cli.main", "presence.clock",
    "presence.config", "presence.errors", "presence.logsetup", "presence.model",
    "presence.paths", "presence.patterns", "presence.sanitise", "presence.secrets",
    "presence.timeline", "presence.timeparse", "presence.tomltree", "presence.devices",
    "presence.devices.merge",
    # the probe names the config checks against (the package's list, not a backend)
    "presence.probe", "presence.probe.base",
    "presence.store", "presence.store.activity", "presence.store.calendar", "presence.store.db",
    "presence.store.devices", "presence.store.export", "presence.store.focus",
    "presence.store.imports", "presence.store.in_person", "presence.store.migrations",
    "presence.store.nudges", "presence.store.people", "presence.store.ranges",
    "presence.store.rollups", "presence.store.settings",
}
DAY = {"presence.devices.union", "presence.reports", "presence.reports.by_device",
       "presence.reports.history", "presence.reports.summary"}
NOW = {"presence.glance", "presence.glance.view", "presence.holds", "presence.lock"}
ALLOWED = {
    "summary": CORE | DAY | {"presence.cli.summary", "presence.privatefile",
                             "presence.reports.render"},
    "status": CORE | DAY | NOW | {"presence.cli.daemon", "presence.status",
                                  "presence.calendar", "presence.calendar.sync"},
    "bar": CORE | DAY | NOW | {"presence.cli.glance", "presence.glance.bar",
                               "presence.glance.follow"},
    "people": CORE | {"presence.cli.people", "presence.people", "presence.people.directory",
                      "presence.people.ledger", "presence.people.names",
                      "presence.people.render"},
}
# Beyond the standard library, a read command uses click and RE2 (the config's patterns).
PACKAGES = {"click", "re2"}
# Standard-library modules that cost milliseconds and that no read command needs.
HEAVY_STDLIB = {"tempfile", "shutil", "bz2", "lzma", "hashlib", "subprocess", "socket", "ssl",
                "email", "http", "asyncio", "argparse", "statistics", "decimal", "csv",
                "multiprocessing", "concurrent", "xml", "ctypes"}
ARGS = {"summary": ["summary", "2026-03-10", "--json"], "status": ["status", "--json"],
        "bar": ["bar"], "people": ["people", "--json"]}

# Runs the CLI as `python -m presence` does, and writes sys.modules at exit (after main's
# sys.exit), so that the imports made while the command ran are counted too.
RUNNER = ("import atexit, json, runpy, sys\n"
          "out = sys.argv.pop(1)\n"
          "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
          "sys.argv[0] = 'presence'\n"
          "runpy.run_module('presence', run_name='__main__', alter_sys=True)\n")


def _modules(tmp_path: Path, args: list[str], name: str) -> set[str]:
    out = tmp_path / f"{name}.json"
    done = subprocess.run([sys.executable, "-c", RUNNER, str(out), *args],
                          env=sealed_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A real PRESENCE_HOME: a day of chat and work, a dinner with someone, a known person."""
    store, _ = home(tmp_path)
    add_span(store, "2026-03-10T09:00", "2026-03-10T10:00", "slack", "messaging")
    add_span(store, "2026-03-10T10:00", "2026-03-10T12:00", "code", "other")
    store.replace_meetings("cal.ics", [meeting("Dinner with Sam", "2026-03-10T19:00",
                                               "2026-03-10T21:00")], BERLIN, 0.0)
    store.add_person("Sam", ["sam@example.org"])
    store.close()
    return tmp_path


@pytest.mark.parametrize("command", sorted(ARGS))
def test_a_read_command_imports_only_what_it_uses(database, command):
    loaded = _modules(database, ARGS[command], command)
    ours = {m for m in loaded if m == "presence" or m.startswith("presence.")}
    assert ours - ALLOWED[command] == set(), f"{command} loads more of presence than it uses"
    outside = {m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {"presence"}
    # what the interpreter and its site packages load for any program (site hooks, the
    # editable install's finder) is not the command's
    baseline = _baseline(database)
    assert {m for m in outside - baseline if not m.startswith("_")} <= PACKAGES, command
    assert not {m.split(".")[0] for m in loaded} & HEAVY_STDLIB, command
    for heavy in ("sqlite_utils", "psutil", "icalendar", "recurring_ical_events", "jeepney",
                  "Xlib", "plyer", "presence.daemon", "presence.calendar.expand",
                  "presence.probe.x11", "presence.nudges"):
        assert heavy not in loaded, f"{command} imports {heavy}"


def _baseline(tmp_path: Path) -> set[str]:
    out = tmp_path / "baseline.json"
    code = ("import atexit, json, sys\n"
            f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n")
    subprocess.run([sys.executable, "-c", code], env=sealed_env(tmp_path), check=True,
                   timeout=60)
    return {m.split(".")[0] for m in json.loads(out.read_text())}
