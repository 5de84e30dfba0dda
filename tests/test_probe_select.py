"""Choosing a probe from explicit inputs, and opening each backend (or a clear refusal)."""

from __future__ import annotations

import sys

import pytest

from presence import config
from presence.errors import ConfigError, ProbeUnavailable
from presence.probe import PROBES, Selection, note, open_probe, select

SWAY = {"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/user/1000/sway-ipc.sock",
        "XDG_SESSION_TYPE": "wayland"}
HYPR = {"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "abc_123"}
GNOME = {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland",
         "XDG_CURRENT_DESKTOP": "ubuntu:GNOME", "DISPLAY": ":0"}
KDE = {"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"}
X11 = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", "XDG_CURRENT_DESKTOP": "XFCE"}

SELECT = [
    # (requested, env, platform) → (name, fallback, words in the reason)
    ("auto", {}, "darwin", "macos", "psutil", "macOS"),
    ("auto", {"DISPLAY": ":0"}, "darwin", "macos", "psutil", "macOS"),  # XQuartz is no help
    ("auto", {}, "win32", "windows", "psutil", "Windows"),
    ("auto", SWAY, "linux", "sway", "psutil", "SWAYSOCK"),
    ("auto", dict(SWAY, DISPLAY=":0"), "linux", "sway", "x11", "SWAYSOCK"),
    ("auto", HYPR, "linux", "hyprland", "psutil", "HYPRLAND_INSTANCE_SIGNATURE"),
    ("auto", GNOME, "linux", "gnome", "x11", "Window Calls"),
    ("auto", KDE, "linux", "kde", "psutil", "KDE"),
    ("auto", {"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "KDE"}, "linux", "kde",
     "psutil", "Wayland"),
    ("auto", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":1",
              "XDG_CURRENT_DESKTOP": "river"}, "linux", "x11", "psutil", "XWayland"),
    ("auto", {"WAYLAND_DISPLAY": "wayland-0"}, "linux", "psutil", None, "no DISPLAY"),
    ("auto", X11, "linux", "x11", "psutil", "DISPLAY=:0"),
    ("auto", {"DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "GNOME"}, "linux", "x11", "psutil", "X11"),
    ("auto", {"DISPLAY": ":5"}, "freebsd14", "x11", "psutil", "DISPLAY=:5"),
    ("auto", {}, "linux", "psutil", None, "no window system"),
    ("auto", {"SWAYSOCK": "/tmp/sway.sock"}, "linux", "psutil", None, "no window system"),
    ("", X11, "linux", "x11", "psutil", "X11"),  # empty = auto
    # an explicit request wins over everything
    ("psutil", X11, "linux", "psutil", None, "requested"),
    ("none", X11, "linux", "none", None, "requested"),
    ("x11", SWAY, "linux", "x11", None, "requested"),
    ("X11", {}, "darwin", "x11", None, "requested"),
    ("windows", {}, "linux", "windows", None, "requested"),
    ("sway", {}, "linux", "sway", None, "requested"),
]


@pytest.mark.parametrize(("requested", "env", "platform", "name", "fallback", "words"), SELECT)
def test_select(requested, env, platform, name, fallback, words):
    chosen = select(requested, env, platform)
    assert isinstance(chosen, Selection)
    assert (chosen.name, chosen.fallback) == (name, fallback)
    assert words in chosen.reason


def test_select_is_pure_and_frozen():
    env = dict(X11)
    assert select("auto", env, "linux") == select("auto", env, "linux")
    assert env == X11
    with pytest.raises(AttributeError):
        select("auto", env, "linux").name = "none"


def test_select_refuses_an_unknown_probe():
    with pytest.raises(ConfigError, match="unknown probe 'wayland'"):
        select("wayland", {}, "linux")


def test_probe_names_match_the_config():
    assert PROBES == config.PROBES


@pytest.mark.parametrize("name", [p for p in PROBES if p != "auto"])
def test_every_probe_has_a_doctor_note(name):
    assert note(name) and note(name) != "unknown probe"


@pytest.mark.parametrize(("name", "words"), [
    ("sway", "SWAYSOCK is not set"),
    ("hyprland", "HYPRLAND_INSTANCE_SIGNATURE is not set"),
    ("gnome", "DBUS_SESSION_BUS_ADDRESS is not set"),
    ("kde", "install kdotool"),
])
def test_wayland_backends_say_what_is_missing(name, words):
    with pytest.raises(ProbeUnavailable, match=words):
        open_probe(name, {"WAYLAND_DISPLAY": "wayland-0", "PATH": "/nonexistent"})


@pytest.mark.parametrize(("name", "words"), [("macos", "only on macOS"),
                                             ("windows", "only on Windows")])
def test_foreign_backends_refuse_loudly(name, words):
    if sys.platform in ("darwin", "win32"):
        pytest.skip("this test checks the refusal on the other platforms")
    with pytest.raises(ProbeUnavailable, match=words):
        open_probe(name, {})


def test_x11_needs_a_display():
    with pytest.raises(ProbeUnavailable, match="no X display: DISPLAY is not set"):
        open_probe("x11", {})


def test_x11_without_python_xlib(monkeypatch):
    # a None entry in sys.modules makes the import fail as if the package were not installed
    monkeypatch.setitem(sys.modules, "Xlib", None)
    monkeypatch.setitem(sys.modules, "Xlib.display", None)
    with pytest.raises(ProbeUnavailable, match="pip install python-xlib"):
        open_probe("x11", {"DISPLAY": ":0"})


@pytest.mark.parametrize("display", [":4999", ":64999", "nonsense"])
def test_x11_connects_at_the_first_read_and_says_why_it_cannot(display):
    probe = open_probe("x11", {"DISPLAY": display})  # no such server: nothing happens yet
    assert (probe.name, probe.guess) == ("x11", False)
    with pytest.raises(ProbeUnavailable, match=f"cannot open X display {display}"):
        probe.read(1000.0)
    probe.close()


def test_null_probe():
    probe = open_probe("none", {})
    sample = probe.read(1234.5)
    assert (probe.name, probe.guess) == ("none", False)
    assert (sample.at, sample.app, sample.idle, sample.pid) == (1234.5, None, None, None)
    probe.close()


def test_auto_opens_what_select_chose():
    probe = open_probe("auto", {})  # no display on this platform → the psutil guess
    try:
        if sys.platform.startswith("linux"):
            assert (probe.name, probe.guess) == ("psutil", True)
    finally:
        probe.close()
