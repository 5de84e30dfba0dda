"""Files presence writes for you are yours alone (issue 13): `report --out`, `export --out`."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from summary_data import add_span, home

from tests.support import sealed_env

COMMANDS = {
    "report": ["report", "--until", "2026-03-29"],
    "export": ["export", "--format", "json"],
}


def presence(folder, *args, umask: int = 0o022):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=120, env=sealed_env(folder),
                          preexec_fn=lambda: os.umask(umask))


@pytest.fixture
def data(tmp_path):
    store, _ = home(tmp_path)
    add_span(store, "2026-03-29T09:00", "2026-03-29T10:00", "slack", "messaging")
    store.close()
    return tmp_path


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_file_is_readable_by_you_alone_whatever_the_umask(data, command):
    out = data / "out.file"
    done = presence(data, *COMMANDS[command], "--out", str(out), umask=0o000)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "slack" in out.read_text()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_existing_file_is_replaced_only_with_force(data, command):
    out = data / "mine.txt"
    out.write_text("my own notes\n")
    refused = presence(data, *COMMANDS[command], "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"presence: {out} exists; add --force to replace it, or give another name"]
    assert out.read_text() == "my own notes\n"
    forced = presence(data, *COMMANDS[command], "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "slack" in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("force", [False, True])
def test_a_symbolic_link_is_never_followed(data, command, force):
    # someone else's link in a shared folder, pointing at a file of theirs (or to be)
    victim = data / "elsewhere.txt"
    victim.write_text("not yours\n")
    link = data / "report.html"
    link.symlink_to(victim)
    done = presence(data, *COMMANDS[command], "--out", str(link), *(["--force"] if force else []))
    assert done.returncode == 2
    assert "is a symbolic link; presence does not write through links" in done.stderr
    assert victim.read_text() == "not yours\n" and link.is_symlink()
    dangling = data / "dangling.html"
    dangling.symlink_to(data / "not-yet")
    assert presence(data, *COMMANDS[command], "--out", str(dangling)).returncode == 2
    assert not (data / "not-yet").exists()


def test_nothing_is_left_behind_when_the_folder_is_missing(data):
    done = presence(data, "report", "--until", "2026-03-29", "--out", str(data / "no" / "x.html"))
    assert done.returncode == 2 and "no such folder" in done.stderr
    assert sorted(p.name for p in data.iterdir() if p.name.endswith(".part")) == []


def test_a_home_others_can_read_is_named_by_doctor_and_status_with_the_fix(tmp_path):
    # Issue 13: `mkdir ~/p; PRESENCE_HOME=~/p presence run` keeps ~/p's 0755, because presence
    # never changes the mode of a folder it did not create
    own = tmp_path / "p"
    own.mkdir(mode=0o755)
    os.chmod(own, 0o755)
    store, _ = home(own)
    store.close()
    os.chmod(own / "presence.db", 0o644)
    fix = f"chmod 700 {own} && chmod 600 {own / 'presence.db'}"
    doctor = presence(own, "doctor")
    lines = doctor.stdout.splitlines()
    [at] = [i for i, line in enumerate(lines) if line.startswith("warn privacy")]
    assert lines[at] == f"warn privacy    others can read {own}, {own / 'presence.db'}"
    assert lines[at + 1].strip() == f"fix: {fix}"
    status = presence(own, "status")
    assert status.returncode == 0
    assert f"warning: others can read {own}, {own / 'presence.db'} (fix: {fix})" \
        in status.stdout.splitlines()
    # the fix is the fix: after it, both are quiet
    subprocess.run(["bash", "-c", fix], check=True)
    assert "ok   privacy" in presence(own, "doctor").stdout
    assert "others can read" not in presence(own, "status").stdout


def test_a_private_home_made_by_presence_raises_no_warning(tmp_path):
    own = tmp_path / "fresh"
    done = presence(own, "calendar", "list")  # creates the home and the database
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
    assert "others can read" not in presence(own, "status").stdout
