"""The tray icon, drawn without an icon theme: a ring of virtual against in-person time (pure).

StatusNotifierItem hosts take icons as ARGB32 pixmaps in network byte order (the spec's
`a(iiay)`: width, height, bytes), so presence draws its own: the share of the day spent
chatting runs clockwise from the top in amber, the rest of the ring is green for time with
people, grey when there is nothing yet, or while presence is paused or stopped.
"""

from __future__ import annotations

import math
from functools import lru_cache

SIZES = (16, 22, 32)
VIRTUAL = (0xFA, 0xBD, 0x2F)
IN_PERSON = (0x8E, 0xC0, 0x7C)
ATTENTION = (0xFB, 0x49, 0x34)
IDLE = (0x92, 0x83, 0x74)


def _colour_at(angle: float, share: float | None, attention: bool) -> tuple[int, int, int]:
    if attention:
        return ATTENTION
    if share is None:
        return IDLE
    return VIRTUAL if angle < share * 2 * math.pi else IN_PERSON


@lru_cache(maxsize=64)
def ring(size: int, share: float | None, attention: bool = False) -> bytes:
    """A `size`×`size` ARGB32 ring.

    Edges are smoothed by each pixel's distance to the ring's edges (cheap enough to draw a
    new ring whenever the share moves).

    Args:
        size: width and height in pixels.
        share: the virtual share (0..1) of the day; None draws an idle grey ring.
        attention: draw the whole ring in the attention colour (phubbing).
    """
    outer, inner = size / 2 - 0.5, size / 2 * 0.55
    centre = size / 2
    out = bytearray()
    for y in range(size):
        dy = y + 0.5 - centre
        for x in range(size):
            dx = x + 0.5 - centre
            distance = math.hypot(dx, dy)
            cover = min(outer - distance, distance - inner) + 0.5
            if cover <= 0:
                out += b"\0\0\0\0"
                continue
            # clockwise from twelve o'clock
            angle = math.atan2(dx, -dy) % (2 * math.pi)
            red, green, blue = _colour_at(angle, share, attention)
            out += bytes((round(255 * min(cover, 1.0)), red, green, blue))
    return bytes(out)


def pixmaps(share: float | None, attention: bool = False) -> list[tuple[int, int, bytes]]:
    """The icon in every size hosts commonly ask for, as the spec's `a(iiay)` value."""
    # Two decimals are plenty for a ring of 32 pixels, and keep the cache small.
    key = None if share is None or attention else round(max(0.0, min(1.0, share)), 2)
    return [(size, size, ring(size, key, attention)) for size in SIZES]
