"""The psutil-only probe on real processes named like chat apps."""

from __future__ import annotations

import re

import psutil
import pytest
from desktop_helpers import wait_for

from presence.probe.psutil_probe import CHAT_APPS, PsutilProbe

# a shell loop that burns about a second of CPU, then sleeps (in a child: the shell keeps its name)
_BURN_THEN_SLEEP = "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; sleep 60"


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def test_guesses_the_chat_app_that_works(named_process):
    slack, _ = named_process("slack")  # runs, sleeps
    discord, discord_exe = named_process("discord", "dash", "-c", _BURN_THEN_SLEEP)
    wait_for(lambda: psutil.Process(slack.pid).name() == "slack", "slack to run")
    probe = PsutilProbe()
    assert (probe.name, probe.guess) == ("psutil", True)
    # sample times are explicit: the probe compares CPU seconds with the time between reads
    first = probe.read(100.0)
    assert (first.app, first.idle, first.title) == (None, None, None)  # the baseline
    start = _cpu(discord.pid)
    wait_for(lambda: _cpu(discord.pid) >= start + 0.2, "discord to use some CPU")
    sample = probe.read(101.0)
    assert (sample.app, sample.pid, sample.exe, sample.idle) == (
        "discord", discord.pid, str(discord_exe), None)
    # once it only sleeps, nothing is in front any more
    wait_for(lambda: any(c.name() == "sleep" for c in psutil.Process(discord.pid).children()),
             "discord to finish its work")
    probe.read(102.0)
    assert probe.read(103.0).app is None  # nobody worked in that second
    probe.close()


def test_vanished_processes_are_forgotten(named_process):
    discord, _ = named_process("discord", "dash", "-c", _BURN_THEN_SLEEP)
    probe = PsutilProbe()
    probe.read(100.0)
    assert discord.pid in probe._watched
    discord.kill()
    discord.wait()
    sample = probe.read(101.0)  # never an exception
    assert sample.pid != discord.pid
    assert discord.pid not in probe._watched


@pytest.mark.parametrize("name", ["slack", "discord", "telegram-desktop", "signal-desktop",
                                  "ms-teams", "whatsapp", "zoom", "zoom.us", "microsoft teams"])
def test_chat_apps_are_watched(name):
    assert re.match(CHAT_APPS, name)


@pytest.mark.parametrize("name", ["firefox", "code", "bash", "slackware-installer"])
def test_other_apps_are_not(name):
    assert not re.match(CHAT_APPS, name)
