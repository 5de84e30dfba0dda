"""Login services: generated files are valid, install is idempotent, uninstall is exact."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys

import pytest

from presence import autostart


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_generated_unit_passes_systemd_analyze_verify(tmp_path):
    unit = tmp_path / autostart.UNIT_NAME
    unit.write_text(autostart.render_unit(autostart.command(["--db", str(tmp_path / "p.db")])))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))
    assert done.returncode == 0, done.stderr
    assert "Unknown key" not in done.stderr and "presence.service" not in done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_would_catch_a_broken_unit(tmp_path):
    # the check above can fail: the same verify rejects a unit whose program is missing
    unit = tmp_path / autostart.UNIT_NAME
    unit.write_text(autostart.render_unit([str(tmp_path / "no-such-python"), "-m", "presence"]))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))
    assert done.returncode != 0


def test_plist_keeps_the_daemon_alive_after_a_failure(tmp_path):
    plist = plistlib.loads(autostart.render_plist(["/usr/bin/python3", "-m", "presence", "run"],
                                                  tmp_path / "presence.log"))
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["ProgramArguments"][-1] == "run"


def cli(tmp_path, *args):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"),
               PRESENCE_HOME=str(tmp_path / "home"))
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_xdg_install_is_idempotent_and_uninstall_is_exact(tmp_path):
    entry = tmp_path / "config" / "autostart" / "presence.desktop"
    neighbour = entry.with_name("other-app.desktop")
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text("[Desktop Entry]\nName=other\n")
    first = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("installed:")
    text = entry.read_text()
    assert f"Exec={sys.executable} -m presence run" in text
    second = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert second.stdout.startswith("already installed") and entry.read_text() == text
    status = cli(tmp_path, "autostart", "status")
    assert f"installed (xdg): {entry}" in status.stdout
    assert cli(tmp_path, "autostart", "uninstall", "--method", "xdg").returncode == 0
    assert not entry.exists() and neighbour.exists()
    assert "not installed" in cli(tmp_path, "autostart", "status").stdout


def test_a_foreign_file_is_never_overwritten_or_removed(tmp_path):
    entry = tmp_path / "config" / "autostart" / "presence.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nExec=my-own-presence\n")
    result = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert result.returncode == 1 and "was not written by presence" in result.stderr
    result = cli(tmp_path, "autostart", "uninstall", "--method", "xdg")
    assert result.returncode == 1
    assert entry.read_text() == "[Desktop Entry]\nExec=my-own-presence\n"


def test_systemd_method_without_a_user_manager_says_what_to_do(tmp_path):
    if autostart.systemd_user_available():
        pytest.skip("a systemd user manager runs here")
    result = cli(tmp_path, "autostart", "install", "--method", "systemd")
    assert result.returncode == 1
    assert "--method xdg" in result.stderr
    assert not (tmp_path / "config" / "systemd").exists()
