"""The bar and the tray on real desktops: presence as waybar's custom module and in waybar's
tray on a headless sway (DESIGN §5), a pause on a real X server with dunst, and what
`presence tray` and `doctor` say where no tray runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from desktop_helpers import require_desktop, wait_for

from tests.support import noon_zone, read_store, sealed_env

WAYBAR_DEBIAN = "apt-get install waybar grim dbus"


def sealed(env: dict[str, str], home: Path) -> dict[str, str]:
    """A session's environment for presence on `home`, without the caller's PRESENCE_*."""
    clean = sealed_env(home, env, TZ="UTC")
    clean.pop("BROWSER", None)
    return clean


def presence(env, *args, timeout=60):
    return subprocess.run([sys.executable, "-m", "presence", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def status(env):
    return json.loads(presence(env, "status", "--json").stdout)


@dataclass
class Waybar:
    """A real waybar on the headless sway, with a private session bus for its tray."""

    process: subprocess.Popen
    env: dict[str, str]
    home: Path
    module_out: Path
    log: Path
    bus_pid: int

    def lines(self) -> list[dict]:
        """What the custom/presence module has printed so far."""
        if not self.module_out.exists():
            return []
        return [json.loads(line) for line in self.module_out.read_text().splitlines() if line]

    def screenshot(self, target: Path) -> Path:
        done = subprocess.run(["grim", str(target)], env=self.env, capture_output=True,
                              timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return target


@pytest.fixture(scope="module")
def waybar(wayland, tmp_path_factory):
    """waybar with `custom/presence` (`presence bar --format waybar --follow`) and `tray`."""
    missing = [t for t in ("waybar", "grim", "dbus-daemon") if shutil.which(t) is None]
    if missing:
        require_desktop(f"missing {', '.join(missing)} (Debian: {WAYBAR_DEBIAN})")
    folder = tmp_path_factory.mktemp("waybar")
    home = folder / "home"
    home.mkdir()
    # "today" on the real clock: a zone where it is noon keeps the logged time in it
    (home / "config.toml").write_text(
        f'timezone = "{noon_zone()}"\n[daemon]\nflush_seconds = 600\n')
    started = subprocess.run(["dbus-daemon", "--session", f"--address=unix:path={folder}/bus",
                              "--fork", "--print-pid"], capture_output=True, text=True,
                             timeout=30, check=True)
    bus_pid = int(started.stdout.split()[0])
    env = sealed(dict(wayland.env, DBUS_SESSION_BUS_ADDRESS=f"unix:path={folder}/bus"), home)
    module_out = folder / "module.out"
    config = {
        "layer": "top", "position": "top", "height": 28,
        "modules-left": ["custom/presence"], "modules-right": ["tray"],
        "custom/presence": {
            "exec": f"{sys.executable} -m presence bar --format waybar --follow "
                    f"| tee -a {module_out}",
            "return-type": "json", "escape": True},
        "tray": {"spacing": 6, "icon-size": 22}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "style.css").write_text(
        "* { font-size: 14px; } window#waybar { background: #282828; color: #ebdbb2; }\n"
        "#custom-presence.virtual { color: #fabd2f; }\n")
    log = folder / "waybar.log"
    with open(log, "w") as out:
        process = subprocess.Popen(["waybar", "-c", str(folder / "config.json"), "-s",
                                    str(folder / "style.css"), "-l", "info"], env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    bar = Waybar(process, env, home, module_out, log, bus_pid)
    try:
        wait_for(bar.lines, "waybar to run presence's module", timeout=60, every=0.2)
        yield bar
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)
        try:
            os.kill(bus_pid, 15)
        except ProcessLookupError:
            pass


@pytest.fixture
def daemon_on(waybar):
    """Start a real daemon (sway probe) on the waybar's home; stopped afterwards."""
    started = []

    def start(interval: float = 0.5) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "sway",
                                    "--interval", str(interval)], env=waybar.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        started.append(process)
        wait_for(lambda: status(waybar.env)["running"], "the daemon to start", timeout=30,
                 every=0.2)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


@pytest.mark.wayland
def test_waybar_shows_chat_then_the_editor_within_a_sample(waybar, daemon_on, wayland,
                                                           wayland_windows, tmp_path):
    wayland_windows(wayland, "slack", "slack", "general | Acme - Slack")
    wayland_windows(wayland, "code", "code", "bar.py - presence - Code")
    interval = 0.5
    daemon_on(interval)

    def newest():
        lines = waybar.lines()
        return lines[-1] if lines else {}

    wayland.focus("slack")
    wayland.touch()
    chat = wait_for(lambda: (line := newest()).get("text", "").startswith("slack · ") and line,
                    "waybar's module to show slack in front", timeout=30, every=0.1)
    assert chat["class"] in ("balanced", "virtual")
    seen = len(waybar.lines())
    wayland.focus("code")
    wayland.touch()
    switched = time.time()
    editor = wait_for(lambda: (line := newest()).get("text", "").startswith("chat ") and line,
                      "waybar's module to drop slack once the editor is in front",
                      timeout=30, every=0.1)
    assert "In front: code (other)" in editor["tooltip"]
    assert set(editor) == {"text", "tooltip", "class", "percentage"}
    assert len(waybar.lines()) > seen
    # status shows the editor too, and so does the span store: a switch is a flush (issue
    # 18), whatever flush_seconds says (600 here); status reads that span
    now = status(waybar.env)["now"]
    assert now["app"] == "code" and now["category"] == "other"
    last = read_store(waybar.home / "presence.db", lambda store: store.last_span())
    assert last is not None and last.app == "code"
    # the daemon noticed the switch within two samples (its new span says when)
    since = read_store(waybar.home / "presence.db", lambda store: store.in_front())[0]
    assert abs(since - switched) < 2 * interval + 0.5
    assert waybar.process.poll() is None, waybar.log.read_text()
    log = waybar.log.read_text(errors="replace")
    assert not [line for line in log.splitlines() if "[error]" in line], log
    waybar.screenshot(tmp_path / "waybar-presence.png")


def sni_call(env, bus_name, path, interface, method, signature=None, body=()):
    """One D-Bus method call on the waybar's session bus, as a tray host makes it."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = env["DBUS_SESSION_BUS_ADDRESS"]
    try:
        with open_dbus_connection(bus="SESSION") as conn:
            msg = new_method_call(DBusAddress(path, bus_name=bus_name, interface=interface),
                                  method, signature, body)
            return unwrap_msg(conn.send_and_get_reply(msg, timeout=10))
    finally:
        if old is None:
            del os.environ["DBUS_SESSION_BUS_ADDRESS"]
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = old


def registered(env) -> list[str]:
    return sni_call(env, "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                    "org.freedesktop.DBus.Properties", "Get", "ss",
                    ("org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems"))[0][1]


def labels(env, name) -> dict[str, int]:
    _revision, (_root, _props, children) = sni_call(
        env, name, "/MenuBar", "com.canonical.dbusmenu", "GetLayout", "iias", (0, -1, []))
    return {props["label"][1]: item_id for _sig, (item_id, props, _kids) in children
            if "label" in props}


@pytest.mark.wayland
def test_the_tray_icon_in_waybar_has_todays_numbers_and_a_working_menu(waybar, tmp_path):
    presence(waybar.env, "log", "20m")
    tray = subprocess.Popen([sys.executable, "-m", "presence", "tray"], env=waybar.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    name = f"org.kde.StatusNotifierItem-{tray.pid}-1"
    try:
        wait_for(lambda: f"{name}/StatusNotifierItem" in registered(waybar.env),
                 "waybar's watcher to list presence's item", timeout=30, every=0.2)
        props = sni_call(waybar.env, name, "/StatusNotifierItem",
                         "org.freedesktop.DBus.Properties", "GetAll", "s",
                         ("org.kde.StatusNotifierItem",))[0]
        _icon, _pixmaps, title, text = props["ToolTip"][1]
        assert "people 20m" in title and "in person 20 min" in text
        assert props["Menu"] == ("o", "/MenuBar")
        width, height, argb = props["IconPixmap"][1][0]
        assert len(argb) == 4 * width * height and any(argb[0::4])
        assert props["Status"][1] == "Active"
        menu = labels(waybar.env, name)
        assert {"Snooze 1 h", "Log 1 h with people", "Pause 1 h", "Open today's report",
                "Quit"} <= set(menu)
        balance = next(label for label in menu if label.startswith("Today:"))
        assert "in person 20 min" in balance
        waybar.screenshot(tmp_path / "waybar-tray.png")
        # a host clicks "Snooze 1 h" in the menu
        sni_call(waybar.env, name, "/MenuBar", "com.canonical.dbusmenu", "Event", "isvu",
                 (menu["Snooze 1 h"], "clicked", ("i", 0), 0))
        shown = presence(waybar.env, "status").stdout
        assert "snoozed until" in shown
        assert status(waybar.env)["snoozed_until"] is not None
        after = labels(waybar.env, name)
        assert any(label.startswith("Snooze off") for label in after)
        # the tray follows the store: a snooze ended from the command line shows in the menu
        presence(waybar.env, "snooze", "off")
        after = wait_for(lambda: (found := labels(waybar.env, name)).get("Snooze 1 h")
                         and found, "the menu to offer Snooze 1 h again", timeout=30,
                         every=0.2)
        sni_call(waybar.env, name, "/MenuBar", "com.canonical.dbusmenu", "Event", "isvu",
                 (after["Quit"], "clicked", ("i", 0), 0))
        assert tray.wait(timeout=15) == 0, tray.stderr.read()
        assert waybar.process.poll() is None
        assert "LIBDBUSMENU" not in waybar.log.read_text(errors="replace")
    finally:
        if tray.poll() is None:
            tray.terminate()
            tray.wait(timeout=15)
        presence(waybar.env, "snooze", "off")


@pytest.mark.desktop
def test_without_a_tray_presence_tray_and_doctor_name_the_fix(desktop, tmp_path):
    env = sealed(desktop.env, tmp_path)
    done = presence(env, "tray")
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert "StatusNotifierWatcher" in line and "AppIndicator" in line
    doctor = presence(env, "doctor").stdout
    tray_line = next(line for line in doctor.splitlines() if line.split()[1:2] == ["tray"])
    assert tray_line.startswith("warn")
    assert "AppIndicator" in doctor


@pytest.mark.desktop
def test_a_pause_on_x11_stores_no_app_and_sends_no_nudge(desktop_factory, app_windows,
                                                         tmp_path):
    session = desktop_factory("openbox", "dunst")
    (tmp_path / "config.toml").write_text(
        'timezone = "UTC"\n[daemon]\nflush_seconds = 1\n[nudges.focus]\ngrace_seconds = 1\n'
        '[quiet_hours]\nstart = "00:00"\nend = "00:00"\n')
    env = sealed(session.env, tmp_path)
    assert presence(env, "focus", "add", "--for", "1h").returncode == 0
    assert presence(env, "pause", "1h").returncode == 0
    slack = app_windows(session, "slack", "Slack", "general | Acme - Slack")
    slack.activate()
    db = tmp_path / "presence.db"
    daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--interval", "0.25"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    dunst_log = session.rundir / "dunst.log"

    def stored():
        return read_store(db, lambda store: [(s.app, s.category, s.seconds) for s in
                                             store.spans(0, time.time() + 60)]) or []

    try:
        wait_for(lambda: any(c == "paused" and secs >= 4 for _, c, secs in stored()),
                 "4 s of pause stored while slack is in front", timeout=40, every=0.2)
        assert {(app, cat) for app, cat, _ in stored()} == {(None, "paused")}
        assert read_store(db, lambda store: store.nudges(0, time.time() + 60)) == []
        assert "presence" not in dunst_log.read_text(errors="replace")
        shown = json.loads(presence(env, "bar", "--format", "waybar").stdout)
        assert shown["class"] == "paused" and shown["text"].startswith("paused until")
        # resuming brings slack and the focus nudge that the pause held back
        assert presence(env, "resume").returncode == 0
        wait_for(lambda: any(app == "slack" for app, _, _ in stored()),
                 "slack recorded after resume", timeout=30, every=0.2)
        wait_for(lambda: "appname: 'presence'" in dunst_log.read_text(errors="replace"),
                 "the focus nudge after resume", timeout=40, every=0.2)
        shown = json.loads(presence(env, "bar", "--format", "waybar").stdout)
        assert shown["class"] != "paused"
    finally:
        if daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=15)


@pytest.mark.wayland
def test_the_tray_installed_for_login_shows_up_in_waybar(waybar, tmp_path):
    if shutil.which("gio") is None:
        require_desktop("gio missing (Debian: libglib2.0-bin), the session's own launcher")
    env = dict(waybar.env, XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = presence(env, "autostart", "install", "--method", "xdg", "--tray")
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "config" / "autostart" / "presence-tray.desktop"
    before = set(registered(waybar.env))
    # the session's launcher starts the entry as it would at login
    launched = subprocess.run(["gio", "launch", str(entry)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=60)
    assert launched.returncode == 0
    [item] = wait_for(lambda: [i for i in registered(waybar.env) if i not in before],
                      "the tray started from the login entry to register", timeout=60,
                      every=0.2)
    name = item.split("/")[0]
    quit_id = labels(waybar.env, name)["Quit"]
    sni_call(waybar.env, name, "/MenuBar", "com.canonical.dbusmenu", "Event", "isvu",
             (quit_id, "clicked", ("i", 0), 0))
    wait_for(lambda: item not in registered(waybar.env), "the tray to quit", timeout=30,
             every=0.2)
