"""The config contract: the shipped file, merging, and one clear line for each mistake."""

from __future__ import annotations

import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from presence import config, paths
from presence.errors import ConfigError
from desktop_helpers import wait_for

from presence.tomltree import to_toml
from presence.config import RULE_FIELDS, defaults as load_defaults
from presence.patterns import compile_pattern
from tests.support import load_config, sealed_env, write_config


def test_every_shipped_key_has_a_comment():
    # Rule entries are data, documented once by the comment block before the first [[rules]].
    lines = paths.shipped_config().read_text(encoding="utf-8").splitlines()
    in_rules = False
    for number, line in enumerate(lines):
        if line.startswith("["):
            in_rules = line.startswith("[[rules]]")
        if re.match(r"^[a-z_]+\s*=", line) and not in_rules:
            above = lines[number - 1].strip()
            assert above.startswith("#") or "#" in line, f"line {number + 1} has no comment: {line}"


def test_the_shipped_config_as_python_data_is_the_shipped_file():
    # presence/shipped.py is what scripts/shipped_config.py writes from default.toml: made from
    # this file (its size and CRC-32), the same tree (key order included: `config show` prints
    # it in that order)
    import json
    import tomllib
    import zlib

    from presence import shipped

    raw = paths.shipped_config().read_bytes()
    stale = "presence/shipped.py is stale: run python scripts/shipped_config.py"
    assert (shipped.SIZE, shipped.CRC32) == (len(raw), zlib.crc32(raw)), stale
    assert json.dumps(shipped.tree()) == json.dumps(tomllib.loads(raw.decode("utf-8"))), stale
    assert shipped.tree() is not shipped.tree()


def test_an_edited_shipped_file_is_read_as_it_is(tmp_path, monkeypatch):
    # until shipped.py is written again, the file itself decides (it is parsed, as before)
    edited = tmp_path / "default.toml"
    edited.write_bytes(paths.shipped_config().read_bytes().replace(
        b"interval_seconds = 5\n", b"interval_seconds = 7\n", 1))
    monkeypatch.setattr(paths, "shipped_config", lambda: edited)
    assert config.defaults().get("daemon.interval_seconds") == 7
    assert load_config(tmp_path, "").get("daemon.interval_seconds") == 7


def test_shipped_defaults_match_the_design():
    cfg = config.defaults()
    assert cfg.get("daemon.interval_seconds") == 5
    assert cfg.get("daemon.idle_seconds") == 180
    assert cfg.get("daemon.flush_seconds") == 30
    assert cfg.get("categories.virtual") == ["messaging", "social"]
    assert cfg.get("nudges.crowding_out.budget_minutes") == 60
    assert cfg.get("nudges.max_per_day") == 4
    assert cfg.get("quiet_hours.start") == "22:00"
    assert cfg.get("focus.lead_minutes") == 30
    assert cfg.get("privacy.store_titles") is False


def test_user_file_overrides_only_what_it_sets(tmp_path):
    cfg = load_config(tmp_path, """
        timezone = "Europe/Berlin"
        [daemon]
        interval_seconds = 2
        [nudges.crowding_out]
        budget_minutes = 45
    """)
    assert cfg.interval == 2
    assert cfg.get("daemon.idle_seconds") == 180
    assert cfg.get("nudges.crowding_out.budget_minutes") == 45
    assert cfg.get("nudges.crowding_out.cooldown_minutes") == 120
    assert str(cfg.tz) == "Europe/Berlin"


def test_user_rules_come_before_shipped_ones(tmp_path):
    cfg = load_config(tmp_path, """
        [[rules]]
        name = "work chat is work"
        category = "other"
        app = "^slack$"
    """)
    assert cfg.rules[0].name == "work chat is work" and cfg.rules[0].origin == "user"
    assert any(r.origin == "shipped" for r in cfg.rules[1:])


@pytest.mark.parametrize("text, expected", [
    ("[daemon]\nintervall_seconds = 5\n", r"unknown key 'daemon\.intervall_seconds'"),
    ("colour = 1\n", r"unknown key 'colour'"),
    ("[daemon]\ninterval_seconds = \"5\"\n", r"'daemon\.interval_seconds' must be a number of"),
    ("[daemon]\nflush_seconds = \"5\"\n", r"'daemon\.flush_seconds' must be an integer"),
    ("[privacy]\nstore_titles = 1\n", r"'privacy\.store_titles' must be true or false"),
    ("[calendar]\nsources = [1]\n", r"'calendar\.sources' must be a list of strings"),
    ("[daemon]\nprobe = \"wayland\"\n", r"'daemon\.probe' must be one of auto, x11"),
    ("[quiet_hours]\nstart = \"10pm\"\n", r"'quiet_hours\.start' must be a time of day"),
    ("[daemon]\ninterval_seconds = 0\n", r"'daemon\.interval_seconds' must be a number of "
                                         r"seconds, at least 0\.1"),
    ("[daemon]\nflush_seconds = 0\n", r"'daemon\.flush_seconds' must be a positive"),
    ("[privacy]\nexclude_titles = [\"(bank\"]\n", r"'privacy\.exclude_titles' is not a valid "
                                                  r"regular expression"),
    ("[[rules]]\ncategory = \"messaging\"\napp = \"[\"\n", r"'rules\[1\]\.app' is not a valid"),
    ("[[rules]]\ncategory = \"messaging\"\n", r"rules\[1\] needs at least one of app"),
    ("[[rules]]\ncategory = \"Chat!\"\napp = \"x\"\n", r"'rules\[1\]\.category' is 'Chat!', "),
    ("[[rules]]\ncategory = \"away\"\napp = \"x\"\n", r"'rules\[1\]\.category' is 'away', "),
    ("[[rules]]\ncategory = \"messaging\"\napps = \"x\"\n", r"unknown key 'rules\[1\]\.apps'"),
    ("timezone = \"Mars/Olympus\"\n", r"'timezone' must be an IANA zone"),
    ("[daemon\ninterval_seconds = 5\n", r"not valid TOML: .*line 1"),
])
def test_bad_config_names_file_key_and_expectation(tmp_path, text, expected):
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=expected) as info:
        config.load(path, required=True)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "nope.toml", required=True)


def test_show_prints_toml_that_reads_back_as_the_same_config(tmp_path):
    cfg = load_config(tmp_path, "[daemon]\ninterval_seconds = 3\n")
    shown = tmp_path / "shown.toml"
    shown.write_text(to_toml(cfg.data), encoding="utf-8")
    import tomllib

    assert tomllib.loads(shown.read_text(encoding="utf-8")) == cfg.data


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, env=env, timeout=60)


def test_config_check_cli_gives_one_line_and_exit_2(tmp_path):
    path = write_config(tmp_path, "[nudges.focus]\ncooldown_minutes = \"soon\"\n")
    result = run_cli("--config", str(path), "config", "check")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nudges.focus.cooldown_minutes" in lines[0] and "must be an integer" in lines[0]
    assert "Traceback" not in result.stderr


def test_config_check_and_path_cli_when_valid(tmp_path):
    path = write_config(tmp_path, "[daemon]\ninterval_seconds = 3\n")
    result = run_cli("--config", str(path), "config", "check")
    assert result.returncode == 0 and str(path) in result.stdout
    result = run_cli("--config", str(path), "config", "path")
    assert result.stdout.strip() == str(path)
    shown = run_cli("--config", str(path), "config", "show")
    assert "interval_seconds = 3" in shown.stdout


def test_an_empty_timezone_asks_the_system_zone_it_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    path = tmp_path / "config.toml"
    path.write_text('timezone = ""\n', encoding="utf-8")
    asked = []

    def lima():
        asked.append(True)
        return ZoneInfo("America/Lima")

    assert config.load(path, system_zone=lima).tz == ZoneInfo("America/Lima") and asked
    path.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    asked.clear()
    assert config.load(path, system_zone=lima).tz == ZoneInfo("Europe/Berlin") and not asked


def test_the_system_zone_edge_reads_tz(monkeypatch):
    from presence.localzone import system_zone

    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert system_zone() == ZoneInfo("Asia/Tokyo")


def test_a_config_is_a_frozen_value(tmp_path):
    from presence.frozen import FrozenError

    cfg = config.load(write_config(tmp_path, "[daemon]\ninterval_seconds = 7\n"), required=True)
    assert cfg.get("daemon.interval_seconds") == 7 and cfg.get("daemon")["interval_seconds"] == 7
    with pytest.raises(FrozenError):
        cfg.tz = ZoneInfo("UTC")
    with pytest.raises(TypeError):
        cfg.keys["daemon.interval_seconds"] = 1
    faster = config.override(cfg, "daemon.interval_seconds", 1)
    assert (faster.get("daemon.interval_seconds"), cfg.get("daemon.interval_seconds")) == (1, 7)
    assert faster.interval == 1.0 and cfg.interval == 7.0


def presence(home, *args):
    return subprocess.run([sys.executable, "-m", "presence", *args], capture_output=True,
                          text=True, timeout=60, env=sealed_env(home))


def test_an_unknown_category_in_a_rule_names_the_categories(tmp_path):
    # Issue 13: `category = "chat"` was accepted, and the app was counted as nothing virtual.
    write_config(tmp_path, '[[rules]]\nname = "mine"\ncategory = "chat"\napp = "^x$"\n')
    done = presence(tmp_path, "config", "check")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"presence: {tmp_path / 'config.toml'}: key 'rules[1].category' is 'chat', which is no "
        "category: use messaging, social, calls or other (or list a category of your own in "
        "[categories] virtual or always_active)"]


def test_a_category_of_your_own_is_one_once_listed(tmp_path):
    write_config(tmp_path, """\
        [categories]
        virtual = ["messaging", "social", "forums"]
        [[rules]]
        name = "forums"
        category = "forums"
        app = "^lemmy$"
        """)
    assert presence(tmp_path, "config", "check").returncode == 0
    done = presence(tmp_path, "rules", "test", "--app", "lemmy")
    assert done.stdout.strip() == "lemmy: forums  (rule: forums (user))"


@pytest.mark.parametrize("value, accepted", [
    ("0.5", True), ("2", True), ("0.1", True), ("0.05", False), ("0", False), ("-1", False),
    ("fast", False), ("nan", False),
])
def test_interval_seconds_and_run_interval_accept_and_refuse_alike(tmp_path, value, accepted):
    # Issue 13: --interval took 0.05 while the config refused anything but an integer
    toml_value = value if value.replace(".", "").lstrip("-").isdigit() else f'"{value}"'
    write_config(tmp_path, f"[daemon]\ninterval_seconds = {toml_value}\nprobe = \"none\"\n")
    from_config = presence(tmp_path, "config", "check")
    (tmp_path / "config.toml").write_text("[daemon]\nprobe = \"none\"\n")
    assert (from_config.returncode == 0) is accepted, from_config.stderr
    if accepted:
        # the daemon takes it: a dry run prints its first sample
        run = subprocess.Popen([sys.executable, "-m", "presence", "run", "--dry-run",
                                "--interval", value], env=sealed_env(tmp_path),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert "nothing in front" in wait_for(run.stdout.readline, "a sample", timeout=60)
        finally:
            run.terminate()
            run.wait(timeout=30)
        return
    from_option = presence(tmp_path, "run", "--interval", value)
    assert from_option.returncode == 2
    reason = "must be a number of seconds, at least 0.1 (such as 5 or 0.5)"
    assert reason in from_config.stderr and reason in from_option.stderr
    assert from_option.stderr.startswith("presence: --interval: ")


def test_every_shipped_pattern_compiles_and_is_compiled_only_when_searched():
    # shipped patterns are compiled on their first search (a summary classifies nothing), so
    # this is where one that does not compile is caught, not at a user's first sample
    config = load_defaults()
    shipped = [getattr(rule, key) for rule in config.rules for key in RULE_FIELDS
               if getattr(rule, key) is not None]
    shipped += [config.browsers, *config.exclude_titles]
    assert len(shipped) >= 10
    assert all(p._compiled is None for p in shipped)
    for pattern in shipped:
        assert compile_pattern(pattern.source) == pattern  # the eager check a user's gets
    assert config.browsers.search("Firefox") and config.browsers._compiled is not None
