"""Login services: generated files are valid, install is idempotent, uninstall is exact."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import signal
import subprocess
import time
import sys
import textwrap
from datetime import timezone
from pathlib import Path

import pytest

from presence import autostart
from presence.lock import running_pid
from presence.store import Store
from tests.support import without_presence

ROOT = Path(__file__).resolve().parent.parent


def verify(unit: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """`systemd-analyze verify --user UNIT`, with the private runtime folder it needs."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return subprocess.run(["systemd-analyze", "verify", "--user", str(unit)],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_generated_unit_passes_systemd_analyze_verify(tmp_path):
    unit = tmp_path / autostart.UNIT_NAME
    unit.write_text(autostart.render_unit(autostart.launch_here(None, tmp_path / "p.db", None)))
    done = verify(unit, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Unknown key" not in done.stderr and "presence.service" not in done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_would_catch_a_broken_unit(tmp_path):
    # the check above can fail: the same verify rejects a unit whose program is missing
    unit = tmp_path / autostart.UNIT_NAME
    unit.write_text(autostart.render_unit(autostart.Launch(tmp_path / "no-such-python",
                                                           tmp_path / "p.db")))
    done = verify(unit, tmp_path)
    assert done.returncode != 0


def test_plist_keeps_the_daemon_alive_after_a_failure(tmp_path):
    launch = autostart.Launch(Path("/usr/bin/python3"), tmp_path / "p.db", home=tmp_path)
    plist = plistlib.loads(autostart.render_plist(launch, tmp_path / "presence.log"))
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["ProgramArguments"][-1] == "run"
    assert plist["EnvironmentVariables"] == {"PRESENCE_HOME": str(tmp_path)}
    assert plist["ProgramArguments"][-3:-1] == ["--db", str(tmp_path / "p.db")]


def login_env(tmp_path) -> dict[str, str]:
    """A login session's environment: none of the caller's PRESENCE_* variables, and the
    user's own folders inside tmp_path (so a default database would land there)."""
    env = without_presence(os.environ)
    env.update(HOME=str(tmp_path / "user"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return env


def cli(tmp_path, *args):
    return presence(dict(login_env(tmp_path), PRESENCE_HOME=str(tmp_path / "home")), *args)


def test_xdg_install_is_idempotent_and_uninstall_is_exact(tmp_path):
    entry = tmp_path / "config" / "autostart" / "presence.desktop"
    neighbour = entry.with_name("other-app.desktop")
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text("[Desktop Entry]\nName=other\n")
    first = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("installed:")
    text = entry.read_text()
    assert f"Exec=env PRESENCE_HOME={tmp_path / 'home'} {sys.executable} -m presence" in text
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


WEEKLY_DINNER = textwrap.dedent("""\
    BEGIN:VCALENDAR
    VERSION:2.0
    PRODID:-//presence tests//EN
    BEGIN:VEVENT
    UID:dinner-weekly@presence.test
    DTSTAMP:20260101T000000Z
    DTSTART:20260105T180000Z
    DTEND:20260105T200000Z
    RRULE:FREQ=WEEKLY
    SUMMARY:Dinner with Sam
    LOCATION:Trattoria Roma\\, Hauptstr. 5\\, Berlin
    END:VEVENT
    END:VCALENDAR
    """)


@pytest.mark.skipif(shutil.which("gio") is None, reason="gio (libglib2.0-bin) missing")
def test_autostart_starts_the_daemon_on_the_home_it_was_installed_from(tmp_path):
    # Issue 13: a unit installed with PRESENCE_HOME started a daemon on the default database,
    # which never saw the calendars added with `calendar add`. A home whose name systemd or a
    # desktop launcher would mangle (space, %, $) must survive too.
    home = tmp_path / "my home 100% $HOME"
    home.mkdir(mode=0o700)
    (home / "config.toml").write_text('[daemon]\nprobe = "none"\ninterval_seconds = 1\n')
    ics = tmp_path / "dinners.ics"
    ics.write_text(WEEKLY_DINNER)
    env = dict(login_env(tmp_path), PRESENCE_HOME=str(home))
    assert presence(env, "calendar", "add", str(ics)).returncode == 0
    done = presence(env, "autostart", "install", "--method", "xdg")
    assert done.returncode == 0, done.stderr
    assert f"database:    {home / 'presence.db'}" in done.stdout
    assert f"home:        {home}" in done.stdout

    # the session's own launcher (GLib's) starts the entry, without PRESENCE_HOME
    entry = tmp_path / "config" / "autostart" / "presence.desktop"
    (tmp_path / "user").mkdir()
    launched = subprocess.run(["gio", "launch", str(entry)], env=login_env(tmp_path),
                              cwd=tmp_path / "user", stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=60)
    assert launched.returncode == 0
    try:
        pid = wait_for(lambda: running_pid(home / "presence.db"), 60)
        assert pid, f"no daemon on {home / 'presence.db'}"
        found = wait_for(lambda: meetings_in(home / "presence.db"), 60)
        assert found and {m.summary for m in found} == {"Dinner with Sam"}
    finally:
        # the daemon gio started, found by the pid in its lock (and nothing else)
        pid = running_pid(home / "presence.db")
        if pid:
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: running_pid(home / "presence.db") is None, 60)
    assert not (tmp_path / "data" / "presence").exists()
    assert (home / "presence.log").exists()


def presence(env, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def meetings_in(db: Path):
    if not db.exists():
        return None
    try:
        store = Store.open(db, create=False)
    except Exception:
        return None
    try:
        return store.meetings(0, 4e9, timezone.utc) or None
    finally:
        store.close()


def wait_for(condition, seconds: float):
    """Poll `condition` until it returns something truthy or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return None


def test_autostart_status_shows_what_the_service_starts(tmp_path):
    done = cli(tmp_path, "--db", str(tmp_path / "elsewhere.db"), "autostart", "install",
               "--method", "xdg")
    assert done.returncode == 0, done.stderr
    status = cli(tmp_path, "autostart", "status")
    assert f"interpreter: {sys.executable}" in status.stdout
    assert f"database:    {tmp_path / 'elsewhere.db'}" in status.stdout
    assert f"home:        {tmp_path / 'home'}" in status.stdout
    # this shell (no --db) uses another database, and status says how to switch
    assert f"here the database is {tmp_path / 'home' / 'presence.db'}" in status.stdout


def test_installing_from_a_checkout_says_so(tmp_path):
    # the suite runs from this checkout's .venv: exactly the throw-away case
    done = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert f"from the checkout {ROOT}" in done.stdout
    assert autostart.checkout_of(Path("/usr/bin/python3")) is None


def test_install_refuses_a_config_with_a_mistake(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text("[daemon]\ninterval_secods = 5\n")
    done = cli(tmp_path, "autostart", "install", "--method", "xdg")
    assert done.returncode == 2 and "interval_secods" in done.stderr
    assert not (tmp_path / "config" / "autostart").exists()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_unit_with_awkward_paths_verifies_and_reads_back(tmp_path):
    # spaces, a percent sign and a dollar: systemd would expand or split each one
    odd = tmp_path / "my 100% $HOME"
    odd.mkdir()
    launch = autostart.Launch(Path(sys.executable), odd / "p.db", odd / "config.toml", odd)
    unit = tmp_path / "config" / "systemd" / "user" / autostart.UNIT_NAME
    unit.parent.mkdir(parents=True)
    unit.write_text(autostart.render_unit(launch))
    done = verify(unit, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "presence.service" not in done.stderr
    status = cli(tmp_path, "autostart", "status")
    assert f"database:    {odd / 'p.db'}" in status.stdout
    assert f"config:      {odd / 'config.toml'}" in status.stdout
    assert f"home:        {odd}" in status.stdout


def test_desktop_entry_with_awkward_paths_reads_back_as_written(tmp_path):
    odd = tmp_path / 'a "quoted" 50% $dir\\x'
    odd.mkdir()
    launch = autostart.Launch(Path(sys.executable), odd / "p.db", None, odd)
    entry = tmp_path / "config" / "autostart" / "presence.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text(autostart.render_desktop_entry(launch))
    status = cli(tmp_path, "autostart", "status")
    assert f"database:    {odd / 'p.db'}" in status.stdout
    assert f"home:        {odd}" in status.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_tray_starts_at_login_beside_the_daemon(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    done = cli(tmp_path, "autostart", "install", "--method", "xdg", "--tray")
    assert done.returncode == 0, done.stderr
    entries = tmp_path / "config" / "autostart"
    daemon, tray = entries / "presence.desktop", entries / "presence-tray.desktop"
    assert daemon.exists() and tray.exists()
    launch = autostart.describe("xdg", "tray")
    assert launch is not None and launch.command == "tray"
    assert launch.argv()[-1] == "tray" and launch.home == tmp_path / "home"
    assert launch.database == tmp_path / "home" / "presence.db"
    assert "Name=presence tray" in tray.read_text()
    status = cli(tmp_path, "autostart", "status").stdout
    assert f"installed (xdg): {daemon}" in status and f"installed (xdg, tray): {tray}" in status
    # the systemd flavour of the tray's unit is valid too
    unit = tmp_path / autostart.SERVICES["tray"].unit
    unit.write_text(autostart.render_unit(launch))
    verified = verify(unit, tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "tray" in unit.read_text().split("ExecStart=")[1].splitlines()[0]
    removed = cli(tmp_path, "autostart", "uninstall", "--method", "xdg")
    assert removed.returncode == 0 and not daemon.exists() and not tray.exists()
