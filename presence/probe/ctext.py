"""X11 text properties (WM_NAME and friends) decoded the way a window manager shows them.

Old clients (xterm, Motif and Xaw programs, `xprop -f WM_NAME 8t`) write titles as
COMPOUND_TEXT: ISO 2022 with escape sequences that switch character sets mid-string, and
XFree86's `ESC % G` ... `ESC % @` segments for UTF-8. Decoded as plain UTF-8 such a title keeps
its escape bytes, and "(3) WhatsApp — Mozilla Firefox" from an xterm matched no rule (issue 13).
STRING is ISO 8859-1 (ICCCM §2.7.1). Pure: bytes in, text out.

The character sets are the ones Xlib's own converters write (X Consortium, "Compound Text
Encoding", version 1.1): the ISO 8859 right halves, JIS X0201, and the 94×94 sets GB 2312,
JIS X0208 and KS C 5601, which Python's EUC codecs decode once each byte has its high bit set.
"""

from __future__ import annotations

ESC = 0x1B
CSI = 0x9B
STX = 0x02

# Final byte of `ESC - F` (a 96-character set into the right half) -> Python codec.
_RIGHT_HALVES = {
    "A": "iso8859-1", "B": "iso8859-2", "C": "iso8859-3", "D": "iso8859-4", "F": "iso8859-7",
    "G": "iso8859-6", "H": "iso8859-8", "L": "iso8859-5", "M": "iso8859-9", "V": "iso8859-10",
    "Y": "iso8859-13", "_": "iso8859-14", "b": "iso8859-15", "f": "iso8859-16",
}
# Final byte of `ESC $ ( F` / `ESC $ ) F` (a 94x94 set, two bytes a character) -> EUC codec.
_DOUBLE = {"A": "gb2312", "B": "euc_jp", "C": "euc_kr"}


def decode_string(data: bytes) -> str:
    """A STRING property: ISO 8859-1, by definition."""
    return data.split(b"\0", 1)[0].decode("latin-1")


def decode_compound_text(data: bytes) -> str:
    """A COMPOUND_TEXT property as text; unknown character sets become U+FFFD, never escape
    bytes. Only the first element of a NUL-separated list is returned (a title has one)."""
    data = data.split(b"\0", 1)[0]
    # What each half currently holds: (codec, bytes per character).
    left: tuple[str, int] = ("ascii", 1)
    right: tuple[str, int] = ("iso8859-1", 1)
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == ESC:
            i, left, right = _escape(data, i, left, right, out)
            continue
        if byte == CSI:
            # a direction marker (CSI 1 ] / CSI 2 ] / CSI ]): no text of its own
            end = data.find(b"]", i)
            i = n if end < 0 else end + 1
            continue
        if byte in (0x09, 0x0A):
            out.append(chr(byte))
            i += 1
            continue
        if byte < 0x20 or 0x7F <= byte < 0xA0:
            i += 1  # other controls are not allowed in compound text
            continue
        codec, width = left if byte < 0x80 else right
        chunk = data[i:i + width]
        i += width
        out.append(_char(chunk, codec, width))
    return "".join(out)


def _char(chunk: bytes, codec: str, width: int) -> str:
    if codec == "unknown":
        return "\ufffd"
    if width == 2:
        # the 94x94 sets decode through EUC, which wants both bytes in the right half
        return bytes(b | 0x80 for b in chunk).decode(codec, errors="replace")
    if codec == "ascii":
        return chr(chunk[0] & 0x7F)
    if codec == "jisx0201-kana":
        return bytes([chunk[0] | 0x80]).decode("shift_jis", errors="replace")
    return bytes([chunk[0] | 0x80]).decode(codec, errors="replace")


def _escape(data: bytes, i: int, left: tuple[str, int], right: tuple[str, int],
            out: list[str]) -> tuple[int, tuple[str, int], tuple[str, int]]:
    """Read the escape sequence at `i`; return where the text goes on and the new halves."""
    tail = data[i + 1:i + 4].decode("latin-1")
    if tail[:2] == "%G":
        # XFree86 UTF-8 segment, to ESC % @ (or the end)
        end = data.find(b"\x1b%@", i + 3)
        stop = len(data) if end < 0 else end
        out.append(data[i + 3:stop].decode("utf-8", errors="replace"))
        return (stop if end < 0 else end + 3), left, right
    if tail[:2] == "%/" and len(data) >= i + 6:
        # an extended segment: ESC % / d M L name STX bytes, M L giving the length
        length = (data[i + 4] - 0x80) * 128 + (data[i + 5] - 0x80)
        body = data[i + 6:i + 6 + max(length, 0)]
        name, _, text = body.partition(bytes([STX]))
        out.append(_named(name.decode("latin-1"), text))
        return i + 6 + max(length, 0), left, right
    if tail[:1] == "(" and len(tail) >= 2:
        kana = tail[1] == "I"
        return i + 3, ("jisx0201-kana" if kana else "ascii", 1), right
    if tail[:1] == ")" and len(tail) >= 2:
        return i + 3, left, ("jisx0201-kana" if tail[1] == "I" else "ascii", 1)
    if tail[:1] == "-" and len(tail) >= 2:
        return i + 3, left, (_RIGHT_HALVES.get(tail[1], "unknown"), 1)
    if tail[:2] in ("$(", "$)") and len(tail) >= 3:
        chosen = (_DOUBLE.get(tail[2], "unknown"), 2)
        return (i + 4, chosen, right) if tail[1] == "(" else (i + 4, left, chosen)
    # an escape presence does not know: skip ESC and its intermediate bytes and final byte
    j = i + 1
    while j < len(data) and 0x20 <= data[j] <= 0x2F:
        j += 1
    return j + 1, left, right


def _named(name: str, text: bytes) -> str:
    """Bytes in an extended segment, in the encoding it names (`big5-0`, `iso8859-15`)."""
    import codecs

    base = name.lower().rsplit("-0", 1)[0] if name.lower().endswith("-0") else name.lower()
    try:
        codecs.lookup(base)
    except LookupError:
        return "\ufffd" * max(1, len(text) // 2)
    return text.decode(base, errors="replace")
