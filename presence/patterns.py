"""The regular expressions of the config (rules, browsers, excluded titles), bounded in time.

A rule is searched in every window title, and titles are written by any program: a pattern
that backtracks catastrophically (`(a+)+$`) would freeze sampling on a 29-character title. So
a user's pattern that repeats anything runs on RE2 (`google-re2`), whose matching time is
linear in the title whatever the pattern; RE2 refuses what it cannot bound (backreferences,
lookarounds). Where RE2 is not installed, Python's `re` runs them, but only after a check that
refuses the shapes that backtrack catastrophically (a repeat inside a repeat, a repeated
alternation, backreferences, lookarounds). Either way, size, nesting and repeat counts are
bounded first, so that a typo such as `x{4294967296}` or a pasted wall of parentheses is a
clear error, never a traceback.

Two kinds of pattern run on Python's `re` even where RE2 is installed, since its time on them
is already linear in the title: a pattern without any repeat or choice (literals, classes and
anchors: at each position of the title it tries one path; choices in a row would multiply
the paths), and the patterns of presence's own `default.toml`, which a test runs on 100 KB
adversarial titles on `re`. RE2 then loads only when a pattern needs it: in a daemon whose
user wrote no repeating rule, never (2.4 MB resident; issue 18: a quiet daemon).
"""

from __future__ import annotations

import re

from presence.frozen import field, frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

MAX_LENGTH = 4000
MAX_DEPTH = 50
MAX_REPEAT = 1000
# Python's \w and \d are Unicode-aware, RE2's are ASCII: spell them out for RE2 so a rule
# behaves the same on either engine ("Café - reddit").
_UNICODE_CLASS = {"w": r"\pL\pN_", "d": r"\p{Nd}"}
_REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


class PatternError(ValueError):
    """A pattern that is not valid or cannot be bounded; the message says why, in words."""


@frozen
class Pattern:
    """A case-insensitive pattern, compiled by `compile_pattern` or on its first search;
    equal when the source text is equal."""

    source: str
    _compiled: Any = field(default=None, compare=False, repr=False)
    _shipped: bool = field(default=False, compare=False, repr=False)

    def search(self, text: str) -> object | None:
        """A match object where the pattern occurs anywhere in `text`, else None."""
        compiled = self._compiled
        if compiled is None:
            compiled = _compile(self.source, self._shipped)
            object.__setattr__(self, "_compiled", compiled)  # a cache, not a change of value
        try:
            return compiled.search(text)
        except UnicodeEncodeError:  # RE2 takes UTF-8: a lone surrogate is not text
            return compiled.search(text.encode("utf-8", "replace").decode("utf-8"))


def compile_pattern(source: str, *, shipped: bool = False) -> Pattern:
    """Compile a config pattern (case-insensitive, searched anywhere unless anchored).

    Args:
        source: the pattern as the config spells it.
        shipped: a pattern of presence's own `default.toml` (every one compiles, a test
            checks): compiled on its first search instead, so that a command that classifies
            nothing (`summary`, `bar`) compiles none of the rules (issue 18), and on
            Python's `re`, on which the shipped rules are linear (a test checks that too).

    Raises:
        PatternError: the pattern is too long, too deep, repeats too often, is not valid, or
            could backtrack catastrophically.
    """
    return Pattern(source, None, True) if shipped else Pattern(source, _compile(source))


def _re2() -> Any:
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency; this is the fallback
        return None
    return re2


def _compile(source: str, shipped: bool = False) -> Any:
    if len(source) > MAX_LENGTH:
        raise PatternError(f"it is {len(source)} characters long (at most {MAX_LENGTH})")
    translated = _scan(source)
    re2 = None if shipped or not _repeats(source) else _re2()
    if re2 is not None:
        options = re2.Options()
        options.case_sensitive = False
        options.log_errors = False
        options.max_mem = 8 << 20
        try:
            return re2.compile(translated, options)
        except re2.error as exc:
            raise PatternError(_re2_reason(exc)) from None
    try:
        compiled = re.compile(source, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as exc:
        raise PatternError(str(exc)) from None
    _refuse_catastrophic(source)
    return compiled


def _repeats(source: str) -> bool:
    """Whether `source` repeats anything more than once (`*`, `+`, `{2,}`...), chooses
    between alternatives, or is not a pattern Python's parser takes: then RE2 runs it."""
    try:
        return _walk_repeats(_parser().parse(source, re.IGNORECASE))
    except (re.error, OverflowError, RecursionError):
        return True


def _walk_repeats(items: Any) -> bool:
    c = _constants()
    for op, arg in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            if arg[1] > 1 or _walk_repeats(arg[2]):
                return True
        elif op is c.BRANCH:
            # choices one after another multiply the paths `re` may try at each position
            # (24 of `(?:a|a)` took 10 s on a 40-character title): RE2 runs them
            return True
        elif op is c.SUBPATTERN:
            if _walk_repeats(arg[-1]):
                return True
        elif op is getattr(c, "ATOMIC_GROUP", None):
            if _walk_repeats(arg):
                return True
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS, c.ASSERT, c.ASSERT_NOT):
            return True  # RE2 refuses these in words; the fallback's check does too
    return False


def _parser() -> Any:
    try:
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse as parser  # type: ignore[no-redef]
    return parser


def _constants() -> Any:
    try:
        from re import _constants as c  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_constants as c  # type: ignore[no-redef]
    return c


def _scan(source: str) -> str:
    """Check nesting and repeat counts; return the pattern spelled for RE2."""
    out: list[str] = []
    depth = 0
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            escaped = source[i + 1]
            if escaped in _UNICODE_CLASS:
                spelled = _UNICODE_CLASS[escaped]
                out.append(spelled if in_class else f"[{spelled}]")
            elif escaped.lower() in _UNICODE_CLASS and not in_class:
                out.append(f"[^{_UNICODE_CLASS[escaped.lower()]}]")
            else:
                out.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # a ']' right after '[' or '[^' is a literal member, not the end
            start = i + 1 + (source[i + 1:i + 2] == "^")
            if source[start:start + 1] == "]":
                out.append(source[i:start + 1])
                i = start + 1
                continue
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise PatternError(f"it nests groups more than {MAX_DEPTH} deep")
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "{":
            repeat = _REPEAT.match(source, i)
            if repeat:
                counts = [int(n) for n in repeat.groups() if n]
                if any(n > MAX_REPEAT for n in counts):
                    raise PatternError(f"it repeats {max(counts)} times (at most {MAX_REPEAT})")
        out.append(char)
        i += 1
    return "".join(out)


def _re2_reason(exc: Exception) -> str:
    text = exc.args[0] if exc.args else exc
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if "invalid perl operator" in message or "invalid escape sequence: \\" in message \
            and re.search(r"\\[1-9]", message):
        return (f"{message}: backreferences and lookarounds cannot run in bounded time; "
                "write the rule without them")
    if "too large" in message or "max_mem" in message:
        return f"{message}: the pattern is too large to run in bounded time"
    return message


def _refuse_catastrophic(source: str) -> None:
    # Without RE2, refuse what makes Python's backtracking engine exponential.
    parser, c = _parser(), _constants()

    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None))

    def walk(items: Any, inside_repeat: bool) -> None:
        for op, arg in items:
            if op in (c.GROUPREF, c.GROUPREF_EXISTS, c.ASSERT, c.ASSERT_NOT):
                raise PatternError("backreferences and lookarounds cannot run in bounded "
                                   "time; write the rule without them")
            if op in repeats:
                low, high, sub = arg
                many = high > 1
                if inside_repeat and many:
                    raise PatternError("it repeats a group that itself repeats, which can take "
                                       "exponential time (write `(ab)+` rather than `(a+b)+`)")
                walk(sub, inside_repeat or many)
            elif op is c.BRANCH:
                if inside_repeat:
                    raise PatternError("it repeats a choice of alternatives, which can take "
                                       "exponential time")
                for branch in arg[1]:
                    walk(branch, inside_repeat)
            elif op is c.SUBPATTERN:
                walk(arg[-1], inside_repeat)
            elif op is getattr(c, "ATOMIC_GROUP", None):
                walk(arg, inside_repeat)

    walk(parser.parse(source, re.IGNORECASE), False)
