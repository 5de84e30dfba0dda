"""What the read commands import (issue 18): a short start is a short list of modules.

Each command runs as a real process on a real database (a span, a meeting, a person); at
exit it writes `sys.modules` to a file. The test names the presence modules each command may
load and the packages it may use beyond the standard library, and refuses the heavy ones
(click, logging, the calendar libraries, psutil, sqlite-utils, D-Bus, OpenSSL's hashlib,
tempfile's archive modules). Both ways a user starts presence are checked: `python -m
presence` and the `presence` console script. It is a test of what is imported, never of
time: the time is measured by scripts/bench_summary.py, bench_glance.py and bench_people.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from summary_data import small_home
from support import sealed_env

# Everything a read command shares: the quick entry, the config, the store, the timeline.
CORE = {
    "presence", "presence.cli", "presence.cli.common", "presence.cli.entry",
    "presence.cli.reads", "presence.clock", "presence.config", "presence.config_cache",
    "presence.errors",
    "presence.frozen", "presence.logsetup", "presence.model", "presence.paths", "presence.patterns",
    "presence.sanitise", "presence.shipped", "presence.timeline",
    "presence.timeparse", "presence.tomltree", "presence.devices", "presence.devices.merge",
    # the probe names the config checks against (the package's list, not a backend)
    "presence.probe", "presence.probe.base",
    "presence.store", "presence.store.activity", "presence.store.calendar", "presence.store.db",
    "presence.store.devices", "presence.store.export", "presence.store.flushes",
    "presence.store.focus",
    "presence.store.imports", "presence.store.in_person", "presence.store.migrations",
    "presence.store.nudges", "presence.store.people", "presence.store.people_rollup",
    "presence.store.ranges",
    "presence.store.rollups", "presence.store.settings",
}
DAY = {"presence.devices.union", "presence.reports", "presence.reports.by_device",
       "presence.reports.history", "presence.reports.summary"}
NOW = {"presence.glance", "presence.glance.view", "presence.holds", "presence.lock"}
ALLOWED = {
    "summary": CORE | DAY | {"presence.reports.render"},
    "status": CORE | DAY | NOW | {"presence.status", "presence.calendar",
                                  "presence.calendar.sync"},
    "bar": CORE | DAY | NOW | {"presence.glance.bar", "presence.glance.follow"},
    "people": CORE | {"presence.people", "presence.people.directory",
                      "presence.people.ledger", "presence.people.names",
                      "presence.people.render"},
}
# Beyond the standard library, a read command uses RE2 (the config's patterns) and nothing
# else: not click, whose import alone costs more than half of Python's start.
PACKAGES = {"re2"}
# Standard-library modules that cost milliseconds and that no read command needs; logging
# is imported on the first record only (`presence.logsetup.logger`).
HEAVY_STDLIB = {"tempfile", "shutil", "bz2", "lzma", "hashlib", "subprocess", "socket", "ssl",
                "email", "http", "asyncio", "argparse", "statistics", "decimal", "csv",
                "multiprocessing", "concurrent", "xml", "ctypes", "logging"}
# `dataclasses` imports `inspect` (with ast, dis and tokenize) and compiles six methods a class
# with `exec`: the value types of these commands are `presence.frozen`'s instead.
NO_DATACLASSES = {"summary", "status", "bar", "people"}
# Once the user's config has been parsed and kept (presence/config_cache.py), no read command
# imports tomllib, nor `typing`, which tomllib imports and presence's modules do not.
KEPT_CONFIG = {"tomllib", "typing"}
ARGS = {"summary": ["summary", "2026-03-10", "--json"], "status": ["status", "--json"],
        "bar": ["bar"], "people": ["people", "--json"]}
HEAVY = ("click", "sqlite_utils", "psutil", "icalendar", "recurring_ical_events", "jeepney",
         "Xlib", "plyer", "presence.cli.main", "presence.daemon", "presence.calendar.expand",
         "presence.probe.x11", "presence.nudges")

# Runs the CLI as `python -m presence` does (START "module"), or as the installed `presence`
# console script does (START "script": pip's wrapper, run as the file it is), and writes
# sys.modules at exit (after main's sys.exit), so that the imports made while the command ran
# are counted too.
RUNNER = ("import atexit, json, runpy, sys\n"
          "out, start = sys.argv.pop(1), sys.argv.pop(1)\n"
          "atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules))))\n"
          "if start == 'module':\n"
          "    sys.argv[0] = 'presence'\n"
          "    runpy.run_module('presence', run_name='__main__', alter_sys=True)\n"
          "else:\n"
          "    sys.argv[0] = start\n"
          "    runpy.run_path(start, run_name='__main__')\n")
SCRIPT = Path(sys.executable).with_name("presence")


def _modules(tmp_path: Path, args: list[str], name: str, start: str = "module",
             code: int = 0) -> set[str]:
    out = tmp_path / f"{name}.json"
    done = subprocess.run([sys.executable, "-c", RUNNER, str(out), start, *args],
                          env=sealed_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    return set(json.loads(out.read_text()))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A PRESENCE_HOME with a day of chat and work, a dinner with Sam and Sam as a person."""
    return small_home(tmp_path)


def _check(loaded: set[str], command: str, baseline: set[str],
           kept: set[str] = KEPT_CONFIG) -> None:
    # `loaded`: a command's second run in its home (the first parsed and kept the config)
    assert not kept & loaded, f"{command} parses the config file again"
    ours = {m for m in loaded if m == "presence" or m.startswith("presence.")}
    assert ours - ALLOWED[command] == set(), f"{command} loads more of presence than it uses"
    outside = {m.split(".")[0] for m in loaded} - set(sys.stdlib_module_names) - {"presence"}
    # what the interpreter and its site packages load for any program (site hooks, the
    # editable install's finder) is not the command's
    assert {m for m in outside - baseline if not m.startswith("_")} <= PACKAGES, command
    assert not {m.split(".")[0] for m in loaded} & HEAVY_STDLIB, command
    if command in NO_DATACLASSES:
        assert not {"dataclasses", "inspect"} & loaded, f"{command} creates dataclasses"
    for heavy in HEAVY:
        assert heavy not in loaded, f"{command} imports {heavy}"


@pytest.mark.parametrize("command", sorted(ARGS))
def test_a_read_command_imports_only_what_it_uses(database, command):
    first = _modules(database, ARGS[command], command)
    assert "tomllib" in first, "the first run parses the user's config.toml"
    _check(_modules(database, ARGS[command], command), command, _baseline(database))


@pytest.mark.skipif(not SCRIPT.exists(), reason="presence is not installed in this interpreter")
@pytest.mark.parametrize("command", sorted(ARGS))
def test_the_console_script_takes_the_same_short_path(database, command):
    _modules(database, ARGS[command], command, start=str(SCRIPT))
    loaded = _modules(database, ARGS[command], command, start=str(SCRIPT))
    # runpy.run_path, which runs the script file here, imports typing itself (pkgutil)
    _check(loaded, command, _baseline(database), kept=KEPT_CONFIG - {"typing"})


def test_any_other_command_goes_through_click(database):
    # the quick path is for the read commands alone: help, other commands and mistakes are
    # click's, so their texts and usage errors stay what DESIGN §2 promises
    for args, code in ((["summary", "--help"], 0), (["focus", "list"], 0),
                       (["bar", "--folow"], 2)):
        loaded = _modules(database, args, "other", code=code)
        assert "click" in loaded and "presence.cli.main" in loaded, args


def _baseline(tmp_path: Path) -> set[str]:
    out = tmp_path / "baseline.json"
    code = ("import atexit, json, sys\n"
            f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n")
    subprocess.run([sys.executable, "-c", code], env=sealed_env(tmp_path), check=True,
                   timeout=60)
    return {m.split(".")[0] for m in json.loads(out.read_text())}


def test_a_summary_over_a_peer_creates_no_dataclasses_and_imports_no_typing(tmp_path):
    # a reader of peers opens their snapshots and scans the folder: value types of
    # presence.frozen there too, typing for the type checker only, so a summary over devices
    # starts as short as one alone
    from summary_data import add_span, home

    from presence.devices.snapshot import write
    from presence.store import Store

    peer = tmp_path / "peer"
    peer.mkdir()
    store, _ = home(peer)
    add_span(store, "2026-03-10T09:30", "2026-03-10T10:30", "signal", "messaging")
    store.close()
    write(peer / "presence.db", tmp_path / "sync", "00000000000000d1", "desktop",
          [("00000000000000d1", "desktop", "this")], 1773200000.0)
    (tmp_path / "here").mkdir()
    here = small_home(tmp_path / "here")
    config = here / "config.toml"
    config.write_text(config.read_text() + f'\n[devices]\nfolder = "{tmp_path / "sync"}"\n')
    _modules(here, ARGS["summary"], "summary")  # the first run parses and keeps the config
    loaded = _modules(here, ARGS["summary"], "summary")
    assert "presence.store.peers" in loaded  # the peer was read
    assert not {"dataclasses", "inspect"} & loaded
    assert not KEPT_CONFIG & loaded
    assert not {m.split(".")[0] for m in loaded} & HEAVY_STDLIB
