"""presence in a real swaybar: `bar --format i3bar --follow` as the bar's status command, and
real mouse clicks on its block (a virtual pointer on the headless sway, DESIGN §5)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import wayland_helpers
import wayland_pointer
from desktop_helpers import require_desktop, wait_for

from tests.support import noon_zone, sealed_env

BAR_ID = "presence"


@dataclass
class Swaybar:
    """A real swaybar showing presence's block, and the session it runs in."""

    session: wayland_helpers.WaylandSession
    process: subprocess.Popen
    env: dict[str, str]
    shown: Path  # every status line swaybar was given, as the bar read it
    opened: Path  # what the bar's click asked the browser to open
    log: Path
    pointer: wayland_pointer.VirtualPointer

    def blocks(self) -> list[dict]:
        """The blocks of every status line presence gave the bar so far (after the header)."""
        if not self.shown.exists():
            return []
        lines = self.shown.read_text(encoding="utf-8").splitlines()[2:]
        return [json.loads(line.removeprefix(","))[0] for line in lines if line]

    def click(self, button: int) -> None:
        """Click presence's block: at the bar's right end, where the status line is drawn."""
        output = json.loads(self.session.swaymsg("-r", "-t", "get_outputs"))[0]["rect"]
        workspace = json.loads(self.session.swaymsg("-r", "-t", "get_workspaces"))[0]["rect"]
        bar_top = workspace["y"] + workspace["height"]  # a bottom bar sits below the workspace
        assert bar_top < output["height"], "swaybar took no room on the output"
        self.pointer.click(output["width"] - 8, (bar_top + output["height"]) // 2,
                           output["width"], output["height"], button)

    def status(self) -> dict:
        done = subprocess.run([sys.executable, "-m", "presence", "status", "--json"],
                              env=self.env, capture_output=True, text=True, timeout=60)
        return json.loads(done.stdout)


def sway_spawned_bars() -> list[psutil.Process]:
    """The swaybar sway started itself for our bar (as sway's own user)."""
    return [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] == ["swaybar", "-b", BAR_ID]]


@pytest.fixture(scope="module")
def swaybar(tmp_path_factory) -> Iterator[Swaybar]:
    """A private headless sway with a bottom bar whose swaybar runs as this user, so that its
    status command reaches the test's presence home."""
    missing = [t for t in ("swaybar", "grim") if shutil.which(t) is None]
    if missing:
        require_desktop(f"missing {', '.join(missing)} (Debian: apt-get install sway grim)")
    folder = tmp_path_factory.mktemp("swaybar")
    home = folder / "home"
    home.mkdir()
    # "today" on the real clock: a zone where it is noon keeps the logged time in it
    (home / "config.toml").write_text(f'timezone = "{noon_zone()}"\n')
    opened = folder / "opened.txt"
    browser = folder / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(0o755)
    session = wayland_helpers.start_session()
    process = daemon = pointer = None
    try:
        env = sealed_env(home, session.env, TZ="UTC", BROWSER=str(browser))
        subprocess.run([sys.executable, "-m", "presence", "log", "20m"], env=env, check=True,
                       capture_output=True, timeout=60)
        daemon = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "sway",
                                   "--interval", "1"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        # sway starts a swaybar for a new bar as its own user (nobody, when the tests run as
        # root), which cannot read this home: that one goes, and ours takes the bar over.
        session.swaymsg("bar", BAR_ID, "mode", "dock")
        for bar in wait_for(sway_spawned_bars, "sway to start its swaybar", timeout=15):
            bar.kill()
        pointer = wayland_pointer.VirtualPointer(session.env)  # before the bar starts
        log = folder / "swaybar.log"
        with open(log, "w") as out:
            process = subprocess.Popen(["swaybar", "-s", session.swaysock, "-b", BAR_ID],
                                       env=env, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=out)
        shown = folder / "shown.jsonl"
        # the bar writes its click events to the command's stdin, which is presence's; tee
        # keeps a copy of what presence gave the bar
        command = (f"{shlex.quote(sys.executable)} -m presence bar --format i3bar --follow"
                   f" | tee {shlex.quote(str(shown))}")
        session.swaymsg("bar", BAR_ID, "status_command", command)
        bar = Swaybar(session, process, env, shown, opened, log, pointer)
        wait_for(bar.blocks, "swaybar to show presence's block", timeout=60, every=0.2)
        wait_for(lambda: bar.status()["running"], "the daemon to start", timeout=30,
                 every=0.2)
        yield bar
    finally:
        for started in (process, daemon):
            if started is not None and started.poll() is None:
                started.terminate()
                started.wait(timeout=15)
        if pointer is not None:
            pointer.close()
        wayland_helpers.stop_session(session)


@pytest.mark.wayland
def test_swaybar_shows_todays_balance(swaybar, tmp_path):
    header = json.loads(swaybar.shown.read_text(encoding="utf-8").splitlines()[0])
    assert header == {"version": 1, "click_events": True}
    [block] = wait_for(lambda: [b for b in swaybar.blocks()[-1:] if "stopped" not in
                                b["full_text"]], "the block to see the daemon", timeout=30)
    assert block["full_text"] == "chat 0m · people 20m"
    done = subprocess.run(["grim", str(tmp_path / "swaybar.png")], env=swaybar.env,
                          capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert swaybar.process.poll() is None, swaybar.log.read_text(errors="replace")


@pytest.mark.wayland
def test_a_click_on_the_block_in_swaybar_snoozes_and_a_right_click_opens_the_report(swaybar):
    swaybar.click(wayland_pointer.BTN_LEFT)
    wait_for(lambda: swaybar.status()["snoozed_until"], "the click to snooze", timeout=30,
             every=0.2)
    wait_for(lambda: "snoozed until" in swaybar.blocks()[-1]["full_text"],
             "swaybar's block to say the snooze", timeout=30, every=0.2)

    swaybar.click(wayland_pointer.BTN_RIGHT)
    wait_for(lambda: swaybar.opened.exists() and swaybar.opened.read_text().strip(),
             "the right click to open today's report", timeout=60, every=0.2)
    report = Path(swaybar.opened.read_text().split()[0].removeprefix("file://"))
    assert "<html" in report.read_text(encoding="utf-8").lower()
    assert swaybar.process.poll() is None, swaybar.log.read_text(errors="replace")
