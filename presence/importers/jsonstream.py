"""A small pull reader for one large JSON document, bounded in memory (pure).

An ActivityWatch export holds years of events in one JSON document; `json.load` would keep the
whole of it in memory. `JsonStream` walks the outer objects and arrays itself and hands every
inner value (one event, one bucket's metadata) to the C decoder of the standard library, so it
reads at the decoder's speed while holding at most one value and one chunk of text at a time.
A single value longer than `max_value` characters is refused rather than read.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Callable
from typing import IO, Any

CHUNK = 1 << 20
MAX_VALUE = 8 << 20
_WS = re.compile(r"[ \t\n\r]*")
# Where one object of an array ends and the next begins: `}, {`.
_NEXT_OBJECT = re.compile(r"[ \t\n\r]*,[ \t\n\r]*\{")
TRUNCATED = "the file ends early (truncated?)"
_NUMBER_GOES_ON = frozenset("0123456789eE+-.")


class JsonStreamError(ValueError):
    """The document is not valid JSON, ends early, or holds a value over the size bound.

    Attributes:
        reason: what is wrong, in words.
        offset: the character offset in the document where it went wrong.
    """

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} (at character {offset:,})")
        self.reason = reason
        self.offset = offset


class JsonStream:
    """Pull reader over a binary stream of UTF-8 JSON.

    Containers are walked with `begin_object`/`next_key` and `begin_array`/`next_item`; any
    value inside is read whole with `value()` or passed over with `skip()`.
    """

    def __init__(self, raw: IO[bytes], *, chunk: int = CHUNK, max_value: int = MAX_VALUE,
                 on_read: Callable[[int], None] | None = None):
        """Wrap `raw`, a binary stream opened for reading.

        Args:
            raw: the stream (a file or an HTTP response).
            chunk: bytes read at a time.
            max_value: longest single value, in characters, that `value()` will read.
            on_read: called with the number of bytes each read brought (progress bars).
        """
        self._raw = raw
        self._chunk = chunk
        self._max = max_value
        self._on_read = on_read
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._dropped = 0  # characters before `_buf`
        self._eof = False
        self._first: list[bool] = []  # per open container: no item read yet

    @property
    def offset(self) -> int:
        """Characters consumed so far."""
        return self._dropped + self._pos

    def _fail(self, reason: str, offset: int | None = None) -> JsonStreamError:
        return JsonStreamError(reason, self.offset if offset is None else offset)

    def _fill(self) -> bool:
        """Read one more chunk; False at the end of the stream."""
        if self._eof:
            return False
        data = self._raw.read(self._chunk)
        if self._on_read is not None and data:
            self._on_read(len(data))
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise self._fail("not UTF-8 text") from exc
        if not data:
            self._eof = True
        # Keep only what is not consumed yet: memory holds one chunk plus one value.
        self._dropped += self._pos
        self._buf = self._buf[self._pos:] + text
        self._pos = 0
        return bool(text) or not self._eof

    def _peek(self) -> str:
        """The next character after whitespace, or "" at the end of the document."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _expect(self, char: str, what: str) -> None:
        found = self._peek()
        if found == "":
            raise self._fail(TRUNCATED)
        if found != char:
            raise self._fail(f"expected {what}, found {_shown(found)}")
        self._pos += 1

    def begin_object(self) -> None:
        """Enter an object (`{`)."""
        self._expect("{", "an object")
        self._first.append(True)

    def next_key(self) -> str | None:
        """The next key of the object entered last (its `:` consumed), or None at its `}`."""
        found = self._peek()
        if found == "}":
            self._pos += 1
            self._first.pop()
            return None
        if found == "":
            raise self._fail(TRUNCATED)
        if not self._first[-1]:
            if found != ",":
                raise self._fail(f"expected ',' or '}}', found {_shown(found)}")
            self._pos += 1
            self._peek()
        self._first[-1] = False
        key = self.value()
        if not isinstance(key, str):
            raise self._fail("expected a key (a string)")
        self._expect(":", "':'")
        return key

    def begin_array(self) -> None:
        """Enter an array (`[`)."""
        self._expect("[", "an array")
        self._first.append(True)

    def next_item(self) -> bool:
        """Whether the array entered last has another item (positioned on it)."""
        found = self._peek()
        if found == "]":
            self._pos += 1
            self._first.pop()
            return False
        if found == "":
            raise self._fail(TRUNCATED)
        if not self._first[-1]:
            if found != ",":
                raise self._fail(f"expected ',' or ']', found {_shown(found)}")
            self._pos += 1
        self._first[-1] = False
        return True

    def items(self) -> list[Any]:
        """The next items of the array entered last, as many as the text read so far holds
        whole (at least one); an empty list at its `]`.

        Decoding a run of items in one call of the C decoder is several times faster than one
        item at a time. The run ends at a `}, {` between two objects; a cut that is not one
        (inside a string, say) cannot decode as a whole array, and then one item is read alone.
        """
        if not self.next_item():
            return []
        for _ in range(2):
            buf, pos = self._buf, self._pos
            cut = buf.rfind("}", pos)
            for _ in range(16):
                if cut <= pos:
                    break
                if _NEXT_OBJECT.match(buf, cut + 1):
                    try:
                        run = self._json.decode("[" + buf[pos:cut + 1] + "]")
                    except json.JSONDecodeError as exc:
                        # Everything before the failure decoded: the next try ends before it.
                        cut = buf.rfind("}", pos, pos + exc.pos - 1)
                        continue
                    except RecursionError:
                        return [self.value()]  # which says where, in one line
                    self._pos = cut + 1
                    return run
                cut = buf.rfind("}", pos, cut)
            # No `}, {` in the rest of the text read: at the end of a chunk that is the item
            # cut in two, and reading on first spares `value()` a failed decode of the chunk
            # (the error counts the lines of all of it). Never more than a chunk past a value.
            if self._eof or len(buf) - pos >= self._chunk:
                break
            self._fill()
        return [self.value()]

    def peek_kind(self) -> str:
        """`object`, `array` or `value`: what comes next (`end` at the end of the document)."""
        found = self._peek()
        return {"{": "object", "[": "array", "": "end"}.get(found, "value")

    def value(self) -> Any:
        """Decode the next value whole (at most `max_value` characters)."""
        if self._peek() == "":
            raise self._fail(TRUNCATED)
        start = self.offset
        while True:
            try:
                result, end = self._json.raw_decode(self._buf, self._pos)
            except RecursionError:
                raise self._fail(f"a value nested deeper than {sys.getrecursionlimit():,} "
                                 "levels", start) from None
            except json.JSONDecodeError as exc:
                if self._eof:
                    ends = (exc.msg.startswith("Unterminated")
                            or exc.pos >= len(self._buf.rstrip()))
                    reason = TRUNCATED if ends else f"not valid JSON: {exc.msg}"
                    raise self._fail(reason, self._dropped + exc.pos) from None
                self._grow(start)
                continue
            # A number that reaches the end of the text read so far may go on in the next
            # chunk (`1` of `1e+16`): read on until a character ends it.
            if (not self._eof and result.__class__ in (int, float)
                    and (end >= len(self._buf) or self._buf[end] in _NUMBER_GOES_ON)):
                self._grow(start)
                continue
            self._pos = end
            return result

    def _grow(self, start: int) -> None:
        if len(self._buf) - self._pos > self._max:
            raise self._fail(f"a value longer than {self._max:,} characters", start)
        self._fill()

    def skip(self) -> None:
        """Pass over the next value; containers are walked, so any size is fine."""
        kind = self.peek_kind()
        if kind == "object":
            self.begin_object()
            while self.next_key() is not None:
                self.skip()
        elif kind == "array":
            self.begin_array()
            while self.next_item():
                self.skip()
        else:
            self.value()

    def end(self) -> None:
        """Check that nothing but whitespace follows the document."""
        found = self._peek()
        if found != "":
            raise self._fail(f"unexpected {_shown(found)} after the end of the document")


def _shown(char: str) -> str:
    return "the end of the file" if char == "" else repr(char)
