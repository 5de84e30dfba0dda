"""COMPOUND_TEXT and STRING titles decode to what the window manager shows (issue 13).

The byte strings are what Xlib itself wrote on a real X server (`xprop -f WM_NAME 8t -set`
and xterm -title), read back with python-xlib.
"""

from __future__ import annotations

import pytest

from presence.probe.ctext import decode_compound_text, decode_string


@pytest.mark.parametrize("data, text", [
    # xterm -title "(3) WhatsApp — Mozilla Firefox": the dash in an XFree86 UTF-8 segment
    (b"(3) WhatsApp \x1b%G\xe2\x80\x94\x1b%@ Mozilla Firefox", "(3) WhatsApp — Mozilla Firefox"),
    # Cyrillic as ISO 8859-5, then UTF-8
    (b"\x1b-L\xbf\xe0\xd8\xd2\xd5\xe2 \x1b%G\xe2\x80\x94\x1b%@ WhatsApp", "Привет — WhatsApp"),
    # Greek, Latin-1, Latin-2, JIS X0208, KS C 5601 (94x94 sets in the left half, no final reset)
    (b"\x1b-F\xc5\xeb\xeb\xe7\xed\xe9\xea\xdc Caf\x1b-A\xe9 \x1b-B\xa1\xa3 \x1b$(BF|K\\8l\x1b(B"
     b" \x1b$(CGQ19>n\x1b(B \x1b$(BCfJ8", "Ελληνικά Café ĄŁ 日本語 한국어 中文"),
    # plain ASCII, and Latin-1 in the right half without any escape (the initial state)
    (b"general | Slack", "general | Slack"),
    (b"Caf\xe9", "Café"),
    # GB 2312 in the right half; half-width katakana
    (b"\x1b$)A\xd6\xd0\xce\xc4", "中文"),
    (b"\x1b)I\xb1\xb2", "ｱｲ"),
    # an extended segment naming its encoding
    (b"\x1b%/1\x80\x89big5-0\x02\xa4\xa4", "中"),
])
def test_compound_text_decodes_like_a_window_manager(data, text):
    assert decode_compound_text(data) == text


def test_nothing_of_an_escape_sequence_reaches_the_title():
    # an unknown set becomes U+FFFD; an unknown escape and a direction marker vanish
    decoded = decode_compound_text(b"a\x1b-Z\xe9b\x1b$(Zxy\x1b(Bc\x9b1]d\x9b]\x1b#Ae\x07f")
    assert decoded == "a\ufffdb\ufffdcdef"
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in decoded)


def test_string_is_latin_1_and_stops_at_nul():
    assert decode_string(b"Caf\xe9 \xabWhatsApp\xbb\x00rest") == "Café «WhatsApp»"
