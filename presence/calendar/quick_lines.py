"""Content lines for icalendar, split quickly where the split cannot differ from its own.

icalendar splits every content line into name, parameters and value with a Python loop over
each character of the line (quotes, backslashes and blanks may all change where the value
starts), and parses the parameters with three more such loops. That was most of the cost of a
sync: about 60 % of a 2,000-event calendar's year (docs/PERFORMANCE.md). Most real lines are
plain — `DTSTART;TZID=Europe/Berlin:...`, `ATTENDEE;CN=Ana;PARTSTAT=ACCEPTED:mailto:...` — and
for those the value begins at the first colon and each parameter is one `KEY=value`. A
`QuickLine` checks that with one regular expression and splits the line with `str` methods;
any other line (quoted or escaped parameters, blanks around `;` or `=`, RFC 6868 carets, a
comma, no colon, a name icalendar would have to repair or refuse) is split by icalendar
itself, so that what it parses is the same either way (`tests/test_calendar_quick_lines.py`
compares both on every line of the fixtures and of generated calendars).

The lines come from `text.py`, already unfolded and bounded, so icalendar's own unfolding is
not run a second time. Imported only when a source is parsed (it imports icalendar). Pure.
"""

from __future__ import annotations

import re
from typing import Any

from icalendar import Calendar
from icalendar.parser import Contentline, Parameters

# A plain head: an ASCII name, then `;KEY=value` pairs whose values hold no quote, backslash,
# delimiter (`,;:=`), caret, percent sign or control character and neither start nor end
# with a blank, then the colon. icalendar reads such a head exactly as `str.split` does.
_VALUE_EDGE = r"[^\x00-\x20\x7f\"\\,;:=^%]"
_VALUE_INNER = r"[^\x00-\x08\x0a-\x1f\x7f\"\\,;:=^%]"
_PLAIN_HEAD = re.compile(rf"[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+={_VALUE_EDGE}"
                         rf"(?:{_VALUE_INNER}*{_VALUE_EDGE})?)*:")
# where icalendar splits a text into lines (there are no folds left to undo: text.py did it)
_NEWLINE = re.compile(r"\r?\n")


class QuickLine(Contentline):
    """A content line whose plain name and parameters are split without icalendar's
    character loops; any other line is split by icalendar."""

    __slots__ = ()

    def raw_parts(self) -> tuple[str, Parameters, str]:
        """(name, parameters, raw value), as icalendar's `Contentline.raw_parts` gives them."""
        head = _PLAIN_HEAD.match(self)
        if head is None:
            return super().raw_parts()
        name, _, pairs = self[:head.end() - 1].partition(";")
        params: dict[str, str] = {}
        if pairs:
            for pair in pairs.split(";"):
                key, _, value = pair.partition("=")
                # a later parameter of the same name wins, as in icalendar
                params[key.upper()] = value
        return name, Parameters(params), self[head.end():]


def parse_lines(text: str) -> Any:
    """icalendar's parse of `text` (unfolded content lines, CRLF-separated, one VCALENDAR
    with BEGIN and END), handed to it as `QuickLine`s.

    Raises:
        ValueError, TypeError, KeyError, IndexError: as icalendar's `Calendar.from_ical`.
    """
    lines: list[Any] = [QuickLine(line) for line in _NEWLINE.split(text) if line]
    # icalendar's own split ends with an empty line (the CRLF after the last one)
    lines.append("")
    return Calendar.from_ical(lines)
