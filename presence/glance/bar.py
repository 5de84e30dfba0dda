"""Today at a glance as status-bar lines: waybar, i3bar/swaybar, polybar and plain text.

The renderers are pure (a `Glance` and a zone in, a line out). `follow` prints a new line only
when the text or the class changed, waking once per daemon interval (see `follow.Follower`);
with i3bar it also reads the bar's click events from stdin: a left click snoozes for an hour,
a right click opens today's report.
"""

from __future__ import annotations

import json
import os
import select
from datetime import datetime, tzinfo
from pathlib import Path

from presence.config import Config
from presence.errors import PresenceError, StoreError
from presence.glance.view import Glance

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import IO, Callable
    from presence.glance.follow import Follower

from presence.sanitise import json_text, visible
from presence.timeparse import format_minutes, format_short, format_until
from presence.logsetup import logger

log = logger(__name__)

FORMATS = ("waybar", "i3bar", "polybar", "text")
# One colour per class, for the bars that take colours rather than CSS classes.
COLOURS = {"balanced": "#8ec07c", "virtual": "#fabd2f", "phubbing": "#fb4934",
           "focus": "#83a598", "snoozed": "#a89984", "paused": "#a89984", "stopped": "#928374"}
I3BAR_HEADER = {"version": 1, "click_events": True}
# Text from outside (app names, meeting titles) is cut to this many characters.
MAX_NAME = 40
LEFT, RIGHT = 1, 3


def _clean(text: str | None) -> str:
    """Outside text fit for one bar line (the one display sanitiser), bounded."""
    return visible(text or "", MAX_NAME)


def text(glance: Glance, tz: tzinfo) -> str:
    """The bar's text, such as `chat 42m · people 1h10`; what is in front leads when it is
    a virtual app, and a pause or a snooze says until when."""
    if glance.paused_until is not None and glance.running:
        return f"paused until {format_until(glance.paused_until, glance.at, tz)}"
    line = (f"chat {format_short(glance.virtual_minutes)} · "
            f"people {format_short(glance.in_person_minutes)}")
    current = glance.current
    if glance.running and glance.virtual_in_front and current is not None and current.app:
        line = f"{_clean(current.app)} · {line}"
    if not glance.running:
        return f"stopped · {line}"
    if glance.snoozed_until is not None:
        line += f" · snoozed until {format_until(glance.snoozed_until, glance.at, tz)}"
    return line


def tooltip(glance: Glance, tz: tzinfo) -> str:
    """Several lines: the balance, the categories, what is in front, who you saw, what next."""
    lines = [f"Today: chat {format_minutes(glance.virtual_minutes)}, in person "
             f"{format_minutes(glance.in_person_minutes)}"]
    shown = [f"{cat} {format_minutes(m)}" for cat, m in glance.categories if m >= 0.5]
    if shown:
        lines.append(", ".join(shown))
    if not glance.running:
        lines.append("presence is not running (start it: presence run)")
    elif glance.current is not None:
        since = format_until(glance.current.since, glance.at, tz)
        lines.append(f"In front: {_clean(glance.current.app) or 'nothing'} "
                     f"({glance.current.category}) since {since}")
    if glance.meeting:
        lines.append(f"Now: {_clean(glance.meeting)}")
    if glance.focus:
        lines.append(f"Focus: {_clean(glance.focus)}")
    if glance.seen:
        lines.append("Saw: " + ", ".join(_clean(s) for s in glance.seen))
    if glance.next_plan is not None:
        summary, start = glance.next_plan
        lines.append(f"Next in person: {_clean(summary)}, "
                     f"{datetime.fromtimestamp(start, tz).strftime('%a %H:%M')}")
    if glance.paused_until is not None:
        until = format_until(glance.paused_until, glance.at, tz)
        lines.append(f"Paused until {until} (presence resume)")
    if glance.snoozed_until is not None:
        until = format_until(glance.snoozed_until, glance.at, tz)
        lines.append(f"Snoozed until {until} (presence snooze off)")
    return "\n".join(lines)


def waybar(glance: Glance, tz: tzinfo) -> str:
    """One line of waybar's custom-module JSON: text, tooltip, class, percentage."""
    return json_text(json.dumps({"text": text(glance, tz), "tooltip": tooltip(glance, tz),
                                 "class": glance.state, "percentage": glance.virtual_share},
                                ensure_ascii=False))


def i3bar_block(glance: Glance, tz: tzinfo) -> str:
    """One status line of the i3bar protocol: an array holding presence's block."""
    block = {"name": "presence", "instance": "today", "full_text": text(glance, tz),
             "short_text": text(glance, tz).split(" · snoozed")[0],
             "color": COLOURS[glance.state], "markup": "none",
             "urgent": glance.state == "phubbing"}
    return json_text(json.dumps([block], ensure_ascii=False))


def polybar(glance: Glance, tz: tzinfo) -> str:
    """The text in polybar's colour tags (a `%` in outside text is doubled, as polybar asks)."""
    return f"%{{F{COLOURS[glance.state]}}}{text(glance, tz).replace('%', '%%')}%{{F-}}"


RENDERERS: dict[str, Callable[[Glance, tzinfo], str]] = {
    "waybar": waybar, "i3bar": i3bar_block, "polybar": polybar, "text": text}


def parse_click(line: str) -> int | None:
    """The mouse button of one i3bar click event line (`[`, `,{...}`), or None."""
    body = line.strip().lstrip("[,").strip()
    if not body:
        return None
    try:
        event = json.loads(body)
    except ValueError:
        log.info("not a click event: %.80r", line)
        return None
    if not isinstance(event, dict) or event.get("name") not in (None, "presence"):
        return None
    button = event.get("button")
    return button if isinstance(button, int) else None


class ClickReader:
    """Waits for i3bar click events on a file descriptor (the bar writes them to stdin)."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = b""
        self.open = True

    def wait(self, timeout: float, also: int | None = None) -> list[int]:
        """The buttons clicked within `timeout` seconds (returns at the first event, or
        when the descriptor `also` turns readable)."""
        if not self.open:
            return _sleep(timeout, also)
        ready, _, _ = select.select([self.fd] if also is None else [self.fd, also], [], [],
                                    max(0.0, timeout))
        if self.fd not in ready:
            return []
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.open = False  # the bar closed our stdin: carry on printing
            return []
        self._buffer = (self._buffer + chunk)[-1_000_000:]
        *lines, self._buffer = self._buffer.split(b"\n")
        buttons = [parse_click(raw.decode("utf-8", "replace")) for raw in lines]
        return [b for b in buttons if b is not None]


def _sleep(timeout: float, also: int | None = None) -> list[int]:
    """Sleep `timeout` seconds, or until the descriptor `also` turns readable."""
    if also is not None:
        select.select([also], [], [], max(0.0, timeout))
        return []
    from presence import clock

    clock.sleep(timeout)
    return []


def follow(follower: Follower, fmt: str, tz: tzinfo, out: IO[str], now: Callable[[], float],
           wait: Callable[[float, int | None], list[int]], on_click: Callable[[int], None],
           alive: Callable[[], bool] = lambda: True) -> None:
    """Print a line whenever the text or the class changes, until the bar goes away.

    Args:
        follower: where glances come from.
        fmt: one of `FORMATS`.
        tz: the zone times are shown in.
        out: the bar's end of the pipe.
        now: the wall clock.
        wait: sleeps up to the given seconds, or until the given descriptor (the
            follower's watcher, or None) turns readable; returns the buttons clicked.
        on_click: what a click on the block does.
        alive: whether the bar that started us is still there.
    """
    render = RENDERERS[fmt]
    last: tuple[str, str] | None = None
    first = True
    if fmt == "i3bar":
        out.write(json.dumps(I3BAR_HEADER) + "\n[\n")
    while alive():
        glance = follower.poll(now())
        if glance is not None and (text(glance, tz), glance.state) != last:
            last = (text(glance, tz), glance.state)
            prefix = "," if fmt == "i3bar" and not first else ""
            out.write(prefix + render(glance, tz) + "\n")
            out.flush()
            first = False
        for button in wait(follower.wait_seconds(now()), follower.fileno()):
            on_click(button)
            follower.invalidate()


def one_line(glance: Glance, fmt: str, tz: tzinfo) -> str:
    """What a one-shot `presence bar` prints (i3bar: the header, then the array's start)."""
    line = RENDERERS[fmt](glance, tz)
    if fmt == "i3bar":
        return json.dumps(I3BAR_HEADER) + "\n[\n" + line
    return line


def show(db_path: Path, config: Config, fmt: str) -> str:
    """What `presence bar` prints once: today at a glance in `fmt`."""
    from presence import clock
    from presence.glance.follow import Follower

    follower = Follower(db_path, config)
    try:
        glance = follower.poll(clock.now())
    finally:
        follower.close()
    if glance is None:
        raise StoreError(f"{db_path}: cannot read today's numbers")
    return one_line(glance, fmt, config.tz)


def run(db_path: Path, config: Config, fmt: str, out: IO[str], stdin_fd: int | None) -> int:
    """`presence bar --follow`: lines until the bar closes the pipe; returns the exit code.

    With i3bar, click events are read from `stdin_fd`.
    """
    from presence import clock
    from presence.glance import actions
    from presence.glance.follow import Follower

    follower = Follower(db_path, config, watch=True)
    clicks = ClickReader(stdin_fd) if fmt == "i3bar" and stdin_fd is not None else None

    def on_click(button: int) -> None:
        store = follower.store()
        if store is None:
            log.warning("no database yet: the click does nothing")
            return
        try:
            if button == LEFT:
                actions.snooze_for(store, clock.now())
            elif button == RIGHT:
                actions.open_report(store, config, clock.now())
        except PresenceError as exc:
            # a click that cannot be done must not take the bar down
            log.warning("click %s did nothing: %s", button, exc)

    # A bar that dies without closing our pipe leaves us to init: a quiet day writes no line
    # that would fail, so notice the new parent instead of lingering for good.
    parent = os.getppid()
    try:
        follow(follower, fmt, config.tz, out, clock.now,
               clicks.wait if clicks is not None else _sleep, on_click,
               lambda: os.getppid() == parent)
    except BrokenPipeError:
        # The bar went away (reload, quit): leave quietly, without Python's exit-time
        # complaint about flushing a closed stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
    finally:
        follower.close()
    return 0
