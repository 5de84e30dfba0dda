"""The one display sanitiser: text that came from outside, made safe to show.

Calendar text, a server's headers, window titles and classes, app names and log notes are
written by programs and people presence does not control. Shown raw, an ESC byte in a SUMMARY
can move the cursor, retitle the terminal or hide a line; a right-to-left override can make a
line read differently from what it holds. Everything presence prints goes through this module
(`presence.cli.common.echo`, `echo_json`, the log formatter, the daemon's live line), so a new
command cannot forget it.

Control and invisible formatting characters are shown visibly, the way Python writes them
(`\\x1b`, `\\u202e`), so the user can still see that something odd was there.
"""

from __future__ import annotations

import re
from functools import lru_cache

# C0 controls, DEL, C1 controls (8-bit CSI is U+009B), the bidirectional overrides and
# isolates, the line and paragraph separators, zero-width and byte-order marks: each either
# drives a terminal or makes text look other than it is.
_INVISIBLE = ("\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
              "\ufff9-\ufffb\U000e0000-\U000e007f")
_LINE = f"[\x00-\x1f{_INVISIBLE}]"
# Multi-line output keeps its own newlines and tabs; every other unsafe character is escaped.
_BLOCK = f"[\x00-\x08\x0b-\x1f{_INVISIBLE}]"
# json.dumps already escapes C0 controls; the rest must be escaped after it.
_JSON_EXTRA = f"[{_INVISIBLE}]"
_SURROGATE = "[\ud800-\udfff]"
# Every character of the sets above is one `str.isprintable()` refuses (controls, format
# characters, separators other than the space, surrogates, unassigned code points), so text
# that is printable holds none of them and is returned as it is: most text is, and the sets
# are compiled only when one is needed (compiling them costs a few ms of every command).


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _no_surrogates(text: str) -> str:
    # A lone surrogate (from `surrogateescape` decoding) cannot be encoded for a terminal.
    return text if text.isprintable() else _compiled(_SURROGATE).sub(_escape, text)


def visible(value: object, limit: int | None = None) -> str:
    """One line of outside text, safe to print: every control, escape or invisible formatting
    character (newlines and tabs too) shown as `\\x1b`-style text; cut to `limit` characters
    (with `…`) when given.

    >>> visible("Lunch\\x1b]0;pwned\\x07")
    'Lunch\\\\x1b]0;pwned\\\\x07'
    """
    text = str(value)
    if not text.isprintable():
        text = _no_surrogates(_compiled(_LINE).sub(_escape, text))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def block(value: object) -> str:
    """Several lines of output, safe to print: newlines and tabs kept, every other control,
    escape or invisible formatting character shown as `\\x1b`-style text. The last line of
    defence before anything reaches a terminal or a pipe."""
    text = str(value)
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return _no_surrogates(_compiled(_BLOCK).sub(_escape, text))


def json_text(document: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`, which already escapes C0
    controls) with the C1 controls and invisible formatting characters escaped as `\\uXXXX`
    too: still the same JSON values, but nothing that drives a terminal."""
    def as_json_escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        if code > 0xFFFF:
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    if document.replace("\n", "").isprintable():
        return document
    return _compiled(_SURROGATE).sub(as_json_escape,
                                     _compiled(_JSON_EXTRA).sub(as_json_escape, document))
