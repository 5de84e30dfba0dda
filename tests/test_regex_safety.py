"""Rules that cannot freeze sampling (issue 14, item 3).

Titles are written by any program; the patterns run on them many times a minute. The shipped
rules must be linear on Python's own engine too (the fallback), user rules run on RE2 or are
refused, and nonsense such as `x{4294967296}` is a ConfigError, never a traceback.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from desktop_helpers import wait_for

from presence.model import TITLE_LIMIT, Sample
from tests.support import read_store, sealed_env

ROOT = Path(__file__).resolve().parent.parent
# Runs presence with google-re2 hidden, as on a machine where it did not install.
WITHOUT_RE2 = "import sys; sys.modules['re2'] = None; from presence.cli.main import main; main()"
ENGINES = {"re2": ["-m", "presence"], "re": ["-c", WITHOUT_RE2]}


def presence(home: Path, engine: str, *args: str, timeout: float = 120):
    return subprocess.run([sys.executable, *ENGINES[engine], *args], env=sealed_env(home),
                          capture_output=True, text=True, timeout=timeout, cwd=home)


def user_rule(home: Path, field: str, pattern: str) -> None:
    (home / "config.toml").write_text(textwrap.dedent(f"""\
        [[rules]]
        name = "mine"
        category = "messaging"
        {field} = '{pattern}'
        """), encoding="utf-8")


ADVERSARIAL_FRAGMENTS = ["a", "é", "zoom", "call ", "meeting ", " - ", "- ", "| ", ") ", "(1) ",
                         "@a.", "r/", "#a | ", "mastodon.", "on x", ":", "a -", "www."]


def test_shipped_rules_run_in_linear_time_on_pythons_own_engine(tmp_path):
    """Every shipped pattern on 100 KB adversarial titles, on `re` (no RE2 to hide behind).

    Before the rewrite one 100 KB title took 19 s on the browser rule; linear patterns take
    milliseconds. The child has a deadline so that a regression fails instead of hanging.
    """
    script = textwrap.dedent(f"""
        import re, tomllib
        shipped = tomllib.load(open({str(ROOT / 'config/default.toml')!r}, "rb"))
        patterns = [r[k] for r in shipped["rules"]
                    for k in ("app", "exe", "title", "browser_title") if k in r]
        patterns.append(shipped["categories"]["browsers"])
        for fragment in {ADVERSARIAL_FRAGMENTS!r}:
            title = (fragment * (100_000 // len(fragment) + 1))[:100_000]
            for pattern in patterns:
                re.compile(pattern, re.IGNORECASE).search(title)
        print(len(patterns))
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10


def test_a_catastrophic_user_rule_runs_bounded_on_re2(tmp_path):
    pytest.importorskip("re2")  # a dependency; a venv made before it was added lacks it
    user_rule(tmp_path, "title", "(a+)+$")
    # 2^29 steps on a backtracking engine; RE2 answers at once
    result = presence(tmp_path, "re2", "rules", "test", "--app", "editor", "--title",
                      "a" * 29 + "!", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "editor: other  (rule: no rule matched)"
    matched = presence(tmp_path, "re2", "rules", "test", "--app", "editor", "--title", "aaaa")
    assert "rule: mine (user)" in matched.stdout


# Classifies a chat window, a browser on Discord and an editor through the config of the home
# given, as the daemon does, and says whether RE2 was loaded for it.
CLASSIFY_AND_TELL = textwrap.dedent("""
    import sys
    from pathlib import Path
    from presence import config
    from presence.classify import classify
    from presence.model import Sample
    cfg = config.load(Path(sys.argv[1]) / "config.toml")
    for app, title in [("slack", "general | Acme - Slack"), ("editor", "aaaa"),
                       ("firefox", "#general | Acme - Discord - Mozilla Firefox")]:
        print(app, classify(cfg, Sample(at=1.0, app=app, title=title)).category)
    print("re2" in sys.modules)
    """)


@pytest.mark.parametrize("pattern,editor,loads_re2", [
    ("^aaaa$", "messaging", False), ("^a+$", "messaging", True),
    ("^(aaaa|bbbb)$", "messaging", True),
    ("(?:a|a)" * 24 + "b", "other", True)])  # 2^24 paths a position on `re`
def test_re2_is_loaded_only_for_a_user_pattern_that_repeats_or_chooses(tmp_path, pattern,
                                                                       editor, loads_re2):
    """RE2 costs a daemon 2.4 MB for as long as it runs: the shipped rules (linear on `re`,
    above) and a user's rule without a repeat or a choice classify on Python's `re`; the
    others on RE2, where a title cannot make it backtrack."""
    pytest.importorskip("re2")
    user_rule(tmp_path, "title", pattern)
    done = subprocess.run([sys.executable, "-c", CLASSIFY_AND_TELL, str(tmp_path)],
                          env=sealed_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["slack messaging", f"editor {editor}",
                                           "firefox messaging", str(loads_re2)]


def test_without_re2_a_catastrophic_user_rule_is_refused(tmp_path):
    user_rule(tmp_path, "title", "(a+)+$")
    result = presence(tmp_path, "re", "config", "check")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "rules[1].title" in result.stderr and "exponential" in result.stderr


@pytest.mark.parametrize("engine", ["re2", "re"])
@pytest.mark.parametrize("pattern,reason", [
    ("x{4294967296}", "repeats 4294967296 times"),
    ("(" * 5000 + "a" + ")" * 5000, "10001 characters long"),
    ("(" * 1500 + "a" + ")" * 1500, "nests groups more than 50 deep"),
    ("slack(", "missing"),
])
def test_impossible_patterns_are_one_line_in_check_doctor_and_run(tmp_path, engine, pattern,
                                                                     reason):
    user_rule(tmp_path, "app", pattern)
    for command in (["config", "check"], ["run", "--probe", "none"]):
        result = presence(tmp_path, engine, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert reason in result.stderr, result.stderr
        assert "rules[1].app" in result.stderr
        assert len(result.stderr) < 400
    doctor = presence(tmp_path, engine, "doctor")
    assert "Traceback" not in doctor.stdout + doctor.stderr
    assert doctor.returncode == 1 and "rules[1].app" in doctor.stdout


def test_sighup_with_an_impossible_pattern_keeps_the_daemon_running(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "none",
                             "--interval", "0.2"], env=sealed_env(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        wait_for(lambda: read_store(tmp_path / "presence.db",
                                    lambda store: store.daemon_record()),
                 what="the daemon's first heartbeat")
        user_rule(tmp_path, "title", "x{4294967296}")
        proc.send_signal(signal.SIGHUP)
        log = tmp_path / "presence.log"
        wait_for(lambda: "config not reloaded" in log.read_text(), what="the refused reload")
        assert proc.poll() is None
        assert "Traceback" not in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_every_sample_is_cut_to_one_title_length_whichever_probe_made_it():
    # Probes (X11, sway, Hyprland, GNOME, KDE, Windows, macOS, replay) all build a Sample:
    # the cut lives there, so none can forget it.
    sample = Sample(0.0, "x" * 10_000, "t" * 100_000, "/" * 10_000)
    assert len(sample.title) == TITLE_LIMIT
    assert len(sample.app) < 200 and len(sample.exe) < 2000
    assert Sample(0.0, "slack", "general").title == "general"


def test_a_100_kb_title_in_a_replay_is_classified_like_its_start(tmp_path):
    trace = tmp_path / "trace.jsonl"
    long_title = "WhatsApp — " + "a -" * 40_000
    trace.write_text(
        f'{{"t": "2026-03-02T09:00:00Z", "app": "firefox", "title": "{long_title}"}}\n'
        '{"t": "2026-03-02T09:10:00Z", "app": "firefox", "title": "WhatsApp — x"}\n',
        encoding="utf-8")
    result = presence(tmp_path, "re", "replay", str(trace), "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"messaging": 10' in result.stdout.replace(".0", "")


@pytest.mark.parametrize("title,category", [
    ("Meeting with Sam | Microsoft Teams", "calls"),
    ("Chat | Microsoft Teams", "messaging"),
    ("Café - reddit", "social"),
])
def test_the_rewritten_shipped_rules_still_decide_the_same(tmp_path, title, category):
    for engine in ENGINES:
        result = presence(tmp_path, engine, "rules", "test", "--app", "firefox", "--title", title)
        assert result.stdout.startswith(f"firefox: {category} "), (engine, result.stdout)
