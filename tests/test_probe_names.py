"""App names at the probe edge: normalising, choosing among process and window class, pid lookup."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest
from desktop_helpers import wait_for

from presence.probe.names import ProcessCache, choose_app, is_generic, normalise

NORMALISE = [
    # the three spellings DESIGN §3 names
    ("Slack.exe", "slack"),
    ("slack", "slack"),
    ("Slack", "slack"),
    # macOS helpers of Electron/Chromium apps
    ("Slack Helper", "slack"),
    ("Slack Helper (Renderer)", "slack"),
    ("Discord Helper (GPU)", "discord"),
    ("Microsoft Teams Helper (Plugin)", "microsoft teams"),
    ("Google Chrome Helper (Renderer)", "google chrome"),
    # bundles and executables
    ("Slack.app", "slack"),
    ("/Applications/Slack.app", "slack"),
    ("/usr/lib/slack/slack", "slack"),
    ("C:\\Users\\me\\AppData\\Local\\Discord\\app-1.0.9\\Discord.exe", "discord"),
    ("ms-teams.exe", "ms-teams"),
    ("MS-TEAMS.EXE", "ms-teams"),
    ("WhatsApp.exe", "whatsapp"),
    ("Telegram.exe", "telegram"),
    ("Slack.AppImage", "slack"),
    ("firefox.bin", "firefox"),
    ("telegram-desktop", "telegram-desktop"),
    ("signal-desktop", "signal-desktop"),
    ("google-chrome", "google-chrome"),
    # names that must survive untouched
    ("Microsoft Teams", "microsoft teams"),
    ("Microsoft Teams (work or school)", "microsoft teams (work or school)"),
    ("zoom.us", "zoom.us"),
    ("Rocket.Chat", "rocket.chat"),
    ("Zoom", "zoom"),
    # whitespace
    ("  Microsoft   Teams\t", "microsoft teams"),
    # nothing
    (None, None),
    ("", None),
    ("   ", None),
    (".exe", None),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALISE)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("name", ["Slack.exe", "Discord Helper (GPU)", "Microsoft Teams",
                                  "zoom.us"])
def test_normalise_is_idempotent(name):
    assert normalise(normalise(name)) == normalise(name)


CHOOSE = [
    # (process, WM_CLASS instance, WM_CLASS class) → app
    ("slack", "slack", "Slack", "slack"),  # the process name decides
    ("Discord", "discord", "discord", "discord"),
    ("code", "code", "Code", "code"),
    ("bwrap", "slack", "Slack", "slack"),  # Flatpak Slack
    ("electron", "signal", "Signal", "signal"),  # an Electron app on the system electron
    ("electron25", "element", "Element", "element"),
    ("java", "sun-awt-X11-XFramePeer", "jetbrains-idea", "jetbrains-idea"),
    ("python3", "zulip", "Zulip", "zulip"),
    ("python3.11", "hexchat", "HexChat", "hexchat"),
    ("node", "mattermost", "Mattermost", "mattermost"),
    ("wine64-preloader", "whatsapp.exe", "Wine", "whatsapp"),  # wine's class says nothing
    ("flatpak-spawn", None, "telegram-desktop", "telegram-desktop"),
    ("bwrap", None, None, "bwrap"),  # nothing better known
    (None, "discord", "discord", "discord"),  # the process vanished
    (None, None, None, None),
    ("slack", None, None, "slack"),
    ("python3", None, None, "python3"),
]


@pytest.mark.parametrize(("process", "instance", "klass", "expected"), CHOOSE)
def test_choose_app(process, instance, klass, expected):
    assert choose_app(process, instance, klass) == expected


@pytest.mark.parametrize("name", ["electron", "electron28", "java", "python", "python3", "node",
                                  "bwrap", "flatpak-spawn", "snap", "wine", "wine64", "mono",
                                  "chrome_crashpad_handler"])
def test_generic_hosts(name):
    assert is_generic(name)


@pytest.mark.parametrize("name", ["slack", "discord", "signal-desktop", "javascript", "nodepad",
                                  "snapchat", "electron-mail"])
def test_apps_are_not_generic(name):
    assert not is_generic(name)


def test_process_cache_names_a_real_process(named_process):
    # 16 characters: longer than the kernel's comm
    proc, exe = named_process("telegram-desktop")
    cache = ProcessCache()
    info = cache.lookup(proc.pid)
    assert (info.pid, info.name, info.exe) == (proc.pid, "telegram-desktop", str(exe))
    assert cache.lookup(proc.pid) is info  # cached by (pid, create time)
    proc.kill()
    proc.wait()
    assert cache.lookup(proc.pid).pid is None  # gone: never an exception


def test_process_cache_vanished_and_zombie_processes():
    cache = ProcessCache()
    assert cache.lookup(None).pid is None
    assert cache.lookup(0).pid is None
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # exited but not reaped yet: a zombie, which psutil cannot describe
        wait_for(lambda: psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE,
                 "the child to become a zombie")
        info = cache.lookup(child.pid)
        assert info.pid is None and info.exe is None
    finally:
        child.wait()
    assert cache.lookup(child.pid).pid is None


def test_process_cache_is_bounded():
    cache = ProcessCache(size=2)
    procs = [subprocess.Popen(["sleep", "30"]) for _ in range(3)]
    try:
        for proc in procs:
            assert cache.lookup(proc.pid).pid == proc.pid
        assert len(cache._entries) == 2
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_on_linux_a_process_is_named_without_psutil(named_process):
    """psutil costs a daemon 1.8 MB resident for as long as it runs: on Linux the cache reads
    /proc itself, and names a real process as psutil would (issue 18: a quiet daemon)."""
    proc, exe = named_process("telegram-desktop")
    script = ("import sys\n"
              "from presence.probe.names import ProcessCache\n"
              f"info = ProcessCache().lookup({proc.pid})\n"
              "print(info.pid, info.name, info.exe, 'psutil' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(proc.pid), "telegram-desktop", str(exe), "False"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_script_with_a_long_name_is_named_whole(tmp_path):
    # the kernel keeps 15 characters of "presence-long-named-tool", and the executable is
    # the interpreter: the command line holds the whole name
    script = tmp_path / "presence-long-named-tool"
    script.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n", "utf-8")
    script.chmod(0o700)
    proc = subprocess.Popen([str(script)])
    try:
        wait_for(lambda: psutil.Process(proc.pid).name().startswith("presence-long"),
                 what="the script running", timeout=30)
        cache = ProcessCache()
        # caught in its exec (the name written, not yet the command line) a look may see
        # only the 15 characters; it is not kept, and a look after it sees the whole name
        wait_for(lambda: cache.lookup(proc.pid).name == "presence-long-named-tool",
                 what="the whole name", timeout=30)
        assert len(psutil.Process(proc.pid).cmdline()) == 2
    finally:
        proc.kill()
        proc.wait()
