"""The command line as users and scripts meet it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from presence import __version__
from presence.cli.main import main

README = Path(__file__).resolve().parent.parent / "README.md"


def all_commands(group: click.Group, prefix: str = "presence") -> list[str]:
    # through list_commands/get_command: the top group loads its commands lazily, so its
    # `commands` dict is empty until asked
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out.extend(all_commands(command, path))
        else:
            out.append(path)
    return out


def test_every_command_is_in_the_readme():
    assert len(all_commands(main)) > 30  # every leaf command, lazily loaded ones too
    readme = README.read_text(encoding="utf-8")
    missing = []
    for path in all_commands(main):
        parent, _, leaf = path.rpartition(" ")
        # "presence config path` / `show`" style rows name sibling subcommands once
        sibling = f"`{leaf}`" in readme or f"`{leaf} " in readme \
            or f"`{parent.split()[-1]} {leaf} " in readme  # "(or `log add ...`)"
        if path not in readme and not (f"{parent} " in readme and sibling):
            missing.append(path)
    assert not missing


def test_every_command_has_help_with_an_example():
    for path in all_commands(main):
        args = path.split()[1:] + ["--help"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, path
        assert "Example: presence" in result.output, f"{path} has no example"


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert __version__ in result.output


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_rules_test_json_contract():
    result = run("rules", "test", "--app", "Slack.exe", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"app": "slack", "category": "messaging",
                                         "rule": "chat apps (shipped)", "counted_as": "slack"}


def test_rules_test_text_for_a_browser_title():
    result = run("rules", "test", "--app", "firefox", "--title",
                 "(3) WhatsApp — Mozilla Firefox")
    assert result.stdout.strip() == ("firefox: messaging  (rule: chat in a browser (shipped)); "
                                     "counted as whatsapp in firefox")


def test_bad_duration_is_one_line_and_exit_2(tmp_path):
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path))
    result = run("snooze", "soon", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == ("presence: 'soon' is not a duration; write it like 45s, "
                                     "90m, 2h or 1h30m")


def test_focus_windows_round_trip(tmp_path):
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path), TZ="UTC")
    added = run("focus", "add", "2099-01-01T18:30", "2099-01-01T22:00", "--label", "Dinner",
                env=env)
    assert added.returncode == 0, added.stderr
    listed = json.loads(run("focus", "list", "--json", env=env).stdout)
    assert [(w["label"], w["end"] - w["start"], w["origin"]) for w in listed] == [
        ("Dinner", 3.5 * 3600, "manual")]
    assert run("focus", "remove", str(listed[0]["id"]), env=env).returncode == 0
    assert json.loads(run("focus", "list", "--json", env=env).stdout) == []
    gone = run("focus", "remove", "99", env=env)
    assert gone.returncode == 2 and "no focus window with id 99" in gone.stderr


@pytest.mark.desktop
def test_doctor_passes_inside_a_real_desktop(desktop, tmp_path):
    env = dict(desktop.env, PRESENCE_HOME=str(tmp_path))
    result = run("doctor", env=env)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout
    by_name = {line.split()[1]: line for line in lines if not line.startswith(" ")}
    assert by_name["probe"].startswith("ok") and "x11" in by_name["probe"]
    assert by_name["idle"].startswith("ok")
    assert by_name["notifier"].startswith("ok") and "dunst" in by_name["notifier"].lower()
    assert by_name["do-not-disturb"].startswith("ok") and "dunstctl" in by_name["do-not-disturb"]


def test_status_and_summary_tell_the_same_today(tmp_path):
    from presence import clock
    from presence.model import Span
    from presence.store import Store

    now = clock.now()
    if now % 86400 < 3600:
        pytest.skip("the spans would cross UTC midnight; the minutes below assume one day")
    store = Store.open(tmp_path / "presence.db")
    store.insert_span(Span(now - 3000, now - 1800, "slack", "messaging"), "laptop")
    store.insert_span(Span(now - 1800, now - 600, "code", "other"), "laptop")
    store.add_in_person(now - 600, now - 60, "coffee")
    store.close()
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path), TZ="UTC")
    status = json.loads(run("status", "--json", env=env).stdout)
    summary = json.loads(run("summary", "--json", env=env).stdout)
    assert status["today"] == {k: v for k, v in summary["categories"].items()}
    assert status["today"]["messaging"] == pytest.approx(20, abs=0.1)
    assert status["in_person_today"] == pytest.approx(summary["in_person_minutes"]) == 9
