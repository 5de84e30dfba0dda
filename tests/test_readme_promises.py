"""What the README promises a user and no other test checked: a dry run stores nothing, the
environment variables' precedence, and a log file that stays private when it rotates."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys

from desktop_helpers import wait_for

from tests.support import sealed_env


def presence(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_dry_run_prints_samples_and_stores_nothing(tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere.db"
    env = sealed_env(home, PRESENCE_DB=str(elsewhere))
    run = subprocess.Popen([sys.executable, "-m", "presence", "run", "--dry-run", "--probe",
                            "none", "--interval", "0.1"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        first = wait_for(run.stdout.readline, what="the first printed sample", timeout=60)
        second = wait_for(run.stdout.readline, what="a second printed sample", timeout=60)
    finally:
        run.send_signal(signal.SIGTERM)
        code = run.wait(timeout=30)
    assert code == 0, run.stderr.read()
    assert first.strip() and second.strip()
    assert not elsewhere.exists() and not (home / "presence.db").exists()
    assert not list(tmp_path.rglob("*.db*"))


def test_presence_db_and_presence_config_override_presence_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    other_config = tmp_path / "other.toml"
    other_config.write_text('timezone = "America/Lima"\n', encoding="utf-8")
    other_db = tmp_path / "other.db"

    only_home = sealed_env(home)
    assert presence(only_home, "config", "path").stdout.strip() == str(home / "config.toml")
    assert 'timezone = "Asia/Tokyo"' in presence(only_home, "config", "show").stdout

    both = sealed_env(home, PRESENCE_DB=str(other_db), PRESENCE_CONFIG=str(other_config))
    assert presence(both, "config", "path").stdout.strip() == str(other_config)
    assert 'timezone = "America/Lima"' in presence(both, "config", "show").stdout
    assert presence(both, "log", "30m").returncode == 0
    assert other_db.exists() and not (home / "presence.db").exists()

    # the command line beats the environment
    flag_db = tmp_path / "flag.db"
    assert presence(both, "--db", str(flag_db), "log", "30m").returncode == 0
    assert flag_db.exists()
    assert presence(both, "--config", str(home / "config.toml"), "config", "path"
                    ).stdout.strip() == str(home / "config.toml")


def test_the_daemon_log_stays_private_when_it_rotates(tmp_path):
    from presence.logsetup import setup_logging

    log_file = tmp_path / "logs" / "presence.log"
    old = os.umask(0o022)
    root = logging.getLogger("presence")
    try:
        setup_logging(0, log_file)
        for i in range(12_000):  # past the 1 MB at which the file rotates
            root.info("sample %06d %s", i, "x" * 90)
    finally:
        os.umask(old)
        for handler in list(root.handlers):
            handler.close()
            root.removeHandler(handler)
    rotated = log_file.with_name("presence.log.1")
    assert rotated.exists() and log_file.stat().st_size < rotated.stat().st_size
    for path in (log_file, rotated):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
