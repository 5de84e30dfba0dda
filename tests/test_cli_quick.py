"""The quick entry (`presence/cli/entry.py`) is invisible: the read commands it parses without
click print the same bytes, on stdout and stderr, with the same exit code, as the click group
does for the same line, and every line it does not recognise goes to click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from summary_data import small_home
from support import sealed_env

from presence.cli import entry
from presence.cli.main import COMMANDS, main

# How the click group alone runs a line (what `presence` was before the quick entry).
CLICK = "import sys; from presence.cli.main import main; main(prog_name='presence')"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A PRESENCE_HOME with a day of chat and work, a dinner with Sam and Sam as a person."""
    return small_home(tmp_path)


def _both(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, ...]:
    # in the home, so that a relative --db or --config is one there
    folder = env["PRESENCE_HOME"]
    quick = subprocess.run([sys.executable, "-m", "presence", *args], env=env, cwd=folder,
                           capture_output=True, timeout=120)
    slow = subprocess.run([sys.executable, "-c", CLICK, *args], env=env, cwd=folder,
                          capture_output=True, timeout=120)
    return quick, slow


LINES = [
    ["summary", "2026-03-10", "--json"],
    ["summary", "--json", "2026-03-10"],
    ["summary", "2026-03-10"],
    ["summary", "--week", "--json", "2026-03-10"],
    ["summary", "2026-03-10", "--week"],
    ["summary", "31.02.2026"],  # a bad DAY: one line, exit 2
    ["summary", "2026-03-10", "2026-03-11"],  # one DAY too many: click's usage error
    ["summary", "--jsn"],
    ["status", "--json"],
    ["status"],
    ["bar"],
    ["bar", "--format", "waybar"],
    ["bar", "--format=polybar"],
    ["bar", "--format", "lemonbar"],
    ["bar", "--format"],
    ["people", "--json"],
    ["people"],
    ["people", "--all", "--json"],
    ["people", "show", "Sam"],
    ["--db", "elsewhere.db", "summary", "2026-03-10", "--json"],
    ["--db=presence.db", "-v", "people", "--json"],
    ["-vv", "bar"],
    ["--config", "missing.toml", "summary"],
    ["--config", ".", "summary"],  # a folder: click's "is a directory"
    ["summary", "--help"],
    ["--version"],
    ["run", "--interval", "0"],  # refused: click's one line, exit 2
    ["run", "--probe", "wayland"],
]


@pytest.mark.parametrize("args", LINES, ids=" ".join)
def test_the_quick_entry_prints_what_click_prints(database, args):
    env = sealed_env(database)
    quick, slow = _both(args, env)
    assert (quick.returncode, quick.stdout, quick.stderr) == \
        (slow.returncode, slow.stdout, slow.stderr)
    assert quick.returncode in (0, 1, 2)


def test_the_environment_chooses_the_database_on_both_paths(database, tmp_path):
    # PRESENCE_DB names another (missing) database; an empty PRESENCE_CONFIG is no path
    env = sealed_env(database, PRESENCE_DB=str(tmp_path / "none.db"), PRESENCE_CONFIG="")
    quick, slow = _both(["summary", "2026-03-10", "--json"], env)
    assert quick.returncode == slow.returncode != 0
    assert quick.stderr == slow.stderr and b"none.db" in quick.stderr


def test_a_closed_pipe_ends_quietly(database):
    env = sealed_env(database)
    for argv in ([sys.executable, "-m", "presence"], [sys.executable, "-c", CLICK]):
        done = subprocess.run(f"{' '.join(repr(a) for a in argv)} summary 2026-03-10 | head -c1",
                              shell=True, env=env, cwd=database, capture_output=True,
                              timeout=120)
        assert done.stderr == b"" and len(done.stdout) == 1


@pytest.mark.parametrize("argv, quick", [
    (["summary"], True), (["summary", "--json", "today"], True), (["status", "--json"], True),
    (["bar", "--format", "i3bar"], True), (["people", "--all"], True),
    (["--db", "x.db", "-vv", "summary"], True),
    (["bar", "--follow"], False), (["people", "show", "Sam"], False), (["--help"], False),
    (["summary", "-h"], False), (["summary", "--", "today"], False), (["focus", "list"], False),
    (["summary", "--json=1"], False), (["--db"], False), (["summary", "--db", "x"], False),
    ([], False),
    (["run"], True), (["-v", "run", "--interval", "0.5", "--probe=x11", "--dry-run"], True),
    (["run", "--interval", "0"], False), (["run", "--interval", "soon"], False),
    (["run", "--probe", "X11"], False), (["run", "--help"], False), (["run", "now"], False),
])
def test_which_lines_take_the_quick_path(argv, quick):
    assert (entry.parse(argv) is not None) is quick


@pytest.mark.parametrize("name", sorted(entry.QUICK))
def test_the_quick_table_mirrors_the_click_command(name):
    module, attr = COMMANDS[name].split(":")
    command = getattr(__import__(module, fromlist=[attr]), attr)
    flags, options, arguments, defaults = entry.QUICK[name]
    params = {p.name: p for p in command.params}
    for option, target in flags.items():
        assert params[target].is_flag and option in params[target].opts
    for option, target in options.items():
        assert option in params[target].opts
        choices = getattr(params[target].type, "choices", None)
        assert (tuple(choices) if choices is not None else None) == entry._choices(option)
    assert tuple(p.name for p in command.params
                 if isinstance(p, click.Argument)) == arguments
    assert command.make_context(name, []).params == defaults  # what an empty line gives


@pytest.mark.parametrize("text", ["0.5", "2", "1e1", "0.05", "0", "-1", "nan", "inf", "soon",
                                  "", "1s"])
def test_run_interval_is_taken_where_click_takes_it_and_left_to_click_where_it_refuses(text):
    command = getattr(__import__("presence.cli.daemon", fromlist=["run"]), "run")
    try:
        wanted = command.make_context("run", ["--interval", text]).params["interval"]
    except click.BadParameter:
        wanted = None
    parsed = entry.parse(["run", "--interval", text])
    assert (parsed[1]["interval"] if parsed else None) == wanted


def test_the_group_options_are_the_ones_the_quick_entry_reads():
    options = {o for p in main.params for o in p.opts}
    assert set(entry._GLOBAL_PATHS) | {"-v", "--verbose"} <= options
    for option, (target, variable) in entry._GLOBAL_PATHS.items():
        param = next(p for p in main.params if option in p.opts)
        assert (param.name, param.envvar) == (target, variable)
    assert os.environ.get("_PRESENCE_COMPLETE") is None
