"""Which probe each kind of session gets, and why (the reason `doctor` prints).

On Wayland the compositor's own backend wins over XWayland's DISPLAY, which shows X11 apps
only; XWayland's X11 is the fallback the daemon uses while that backend cannot open.
"""

from __future__ import annotations

import pytest

from presence.probe import note, select

RUN = "/run/user/1000"
SIG = "c5e28ebcfe00a510922779b2c568cfa52a317445_1717000000_1234567890"

SESSIONS = [
    # (what, env) → (probe, fallback, words in the reason)
    ("sway", {"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": f"{RUN}/sway-ipc.1000.812.sock",
              "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "sway"},
     "sway", "psutil", ["sway session", "SWAYSOCK"]),
    ("sway with XWayland", {"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":0",
                            "SWAYSOCK": f"{RUN}/sway-ipc.1000.812.sock"},
     "sway", "x11", ["SWAYSOCK", "XWayland's DISPLAY=:0 would show X11 apps only"]),
    ("Hyprland", {"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": SIG,
                  "XDG_CURRENT_DESKTOP": "Hyprland", "XDG_SESSION_TYPE": "wayland"},
     "hyprland", "psutil", ["HYPRLAND_INSTANCE_SIGNATURE"]),
    ("Hyprland with XWayland", {"WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":1",
                                "HYPRLAND_INSTANCE_SIGNATURE": SIG},
     "hyprland", "x11", ["Hyprland", "XWayland"]),
    ("GNOME on Wayland (Ubuntu)", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0",
                                   "XDG_SESSION_TYPE": "wayland",
                                   "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"},
     "gnome", "x11", ["GNOME", "Window Calls", "XWayland"]),
    ("GNOME on Wayland, no XWayland yet", {"XDG_SESSION_TYPE": "wayland",
                                           "XDG_CURRENT_DESKTOP": "GNOME"},
     "gnome", "psutil", ["GNOME Wayland session"]),
    ("KDE Plasma on Wayland", {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":1",
                               "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"},
     "kde", "x11", ["KDE", "kdotool", "XWayland"]),
    ("GNOME on X11", {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11",
                      "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"},
     "x11", "psutil", ["X11 session"]),
    ("KDE Plasma on X11", {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11",
                           "XDG_CURRENT_DESKTOP": "KDE"},
     "x11", "psutil", ["X11 session"]),
    ("another wlroots compositor with XWayland", {"WAYLAND_DISPLAY": "wayland-1",
                                                  "DISPLAY": ":0",
                                                  "XDG_CURRENT_DESKTOP": "river"},
     "x11", "psutil", ["without a backend of its own", "XWayland", "X11 apps only"]),
    ("another wlroots compositor", {"WAYLAND_DISPLAY": "wayland-1",
                                    "XDG_CURRENT_DESKTOP": "labwc:wlroots"},
     "psutil", None, ["no DISPLAY", "guessing"]),
    ("sway nested in GNOME", {"WAYLAND_DISPLAY": "wayland-2", "SWAYSOCK": "/tmp/s.sock",
                              "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "GNOME"},
     "sway", "psutil", ["SWAYSOCK"]),
    ("a SWAYSOCK left over in a console", {"SWAYSOCK": "/tmp/s.sock"},
     "psutil", None, ["no window system"]),
]


@pytest.mark.parametrize(("what", "env", "name", "fallback", "words"), SESSIONS,
                         ids=[s[0] for s in SESSIONS])
def test_each_session_gets_its_compositor_backend(what, env, name, fallback, words):
    chosen = select("auto", env, "linux")
    assert (chosen.name, chosen.fallback) == (name, fallback)
    for word in words:
        assert word in chosen.reason


@pytest.mark.parametrize("name", ["sway", "hyprland", "gnome", "kde"])
def test_an_explicit_wayland_backend_is_taken_as_asked(name):
    chosen = select(name, {"DISPLAY": ":0"}, "linux")
    assert (chosen.name, chosen.fallback, chosen.reason) == (name, None, f"{name} was requested")


@pytest.mark.parametrize(("name", "words"), [("sway", "swayidle"), ("hyprland", "swayidle"),
                                             ("gnome", "Window Calls"), ("kde", "kdotool")])
def test_doctor_notes_name_what_the_backend_relies_on(name, words):
    assert words in note(name)
    assert "not yet supported" not in note(name)
