"""Who an event or a log names, and which known person a name belongs to (pure).

Names come from three places (DESIGN §3 People): the attendees of an in-person instance (their
CN and e-mail; the owner, rooms and those who declined are left out before this module sees
them), the title ("Lunch with Priya", "Coffee w/ Sam & Jo", "Dinner: Ana, Ben", "Priya / Casey
1:1"), and `presence log --with "Sam, Priya"`. A name joins a known person by e-mail first, then
by a unique first name: "Jordan" joins "Jordan Lee" when no other Jordan is known, "Jo" never
joins "Jordan". Forgotten people are known only by salted hashes of their spellings and
addresses; a name whose hash is among them is dropped, and `scrub()` blanks it out of text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence

from presence.frozen import frozen
from presence.model import Named

# What a forgotten name is replaced with in stored titles and notes.
SCRUBBED = "someone"

# A word of a name: a capital letter, then letters, inner hyphens or apostrophes ("Ana-Maria",
# "O'Neil", "McKay"); Unicode letters count ("Zoë", "Łukasz").
_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
# Where the list of people ends: a place, a time, a bracket, a dash.
class _Lazy:
    """A regex compiled on first use: `presence people` lists everyone without reading a
    single title, and should not pay for compiling these."""

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> object:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


_TAIL = _Lazy(r"\s+(?:at|@|in|im|bei|chez|en|on|um|à|from|for|about|re)\s.*$|\s*[(\[|–—].*$"
                   r"|\s+-\s.*$|\s+\d.*$", re.IGNORECASE)
_SEPARATORS = _Lazy(r"\s*(?:,|&|\+|/|;|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*",
                         re.IGNORECASE)
_WITH_RE = _Lazy(r"(?:^|\s)(?:(?:with|mit|avec|con|met|med|com)\s+|w/\s*)(?P<rest>.+)$",
                      re.IGNORECASE)
_COLON_RE = _Lazy(r"^[^:]{2,40}:\s*(?P<rest>.+)$")
_ONE_ON_ONE = _Lazy(r"\b1\s*[:/-]\s*1\b|\b1on1\b|\bone[- ]on[- ]one\b", re.IGNORECASE)
_PAIR = _Lazy(r"\s*(?:/|<>|<->|\||\bx\b|&)\s*")
# Capitalised words that name a group or a thing rather than a person.
_NOT_NAMES = frozenset({
    "team", "teams", "friends", "family", "everyone", "all", "colleagues", "kids", "parents",
    "folks", "group", "the", "my", "our", "us", "me", "you", "them", "sync", "standup",
    "meeting", "call", "zoom", "lunch", "dinner", "coffee", "drinks", "office", "tbd", "tba",
    "review", "planning", "interview", "intro", "chat", "catch", "up", "catchup", "session",
})
_MAX_WORDS = 3


@frozen
class Known:
    """A person already in the store, as matching needs them.

    Attributes:
        id: the `people` row.
        name: the display name.
        aliases: normalised spellings and addresses that belong to them.
    """

    id: int
    name: str
    aliases: frozenset[str]


def normalise(text: str) -> str:
    """The form names and addresses are compared in: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def first_name(name: str) -> str:
    """The first word of a normalised name (an address has none)."""
    if "@" in name:
        return ""
    return normalise(name).split(" ")[0] if name.strip() else ""


def salted(salt: str, alias: str) -> str:
    """The hash a forgotten spelling or address is kept as."""
    import hashlib

    return hashlib.sha256(f"{salt}\0{normalise(alias)}".encode("utf-8")).hexdigest()


def _is_name(candidate: str) -> bool:
    words = candidate.split()
    if not 0 < len(words) <= _MAX_WORDS:
        return False
    for word in words:
        if not re.fullmatch(_WORD, word) or not word[0].isupper():
            return False
    return not any(normalise(word) in _NOT_NAMES for word in words)


def _split_people(text: str) -> list[str]:
    text = _TAIL.sub("", text.strip()).strip(" .!?:")
    return [part.strip() for part in _SEPARATORS.split(text) if part and part.strip()]


def title_names(title: str, own: Collection[str] = ()) -> tuple[str, ...]:
    """The people a title names, in order, without the user's own names.

    Args:
        title: an event's SUMMARY.
        own: the user's own names, normalised ("casey" for "Priya / Casey 1:1").

    Returns:
        Display spellings such as ("Priya",) or ("Sam", "Jo"); empty when the title names
        nobody ("Lunch", "Team sync", "Call with landlord").
    """
    text = " ".join(title.split())
    if not text:
        return ()
    candidates: list[str] = []
    match = _WITH_RE.search(text)
    if match:
        candidates = _split_people(match.group("rest"))
    elif _ONE_ON_ONE.search(text):
        candidates = _split_people(_PAIR.sub(", ", _ONE_ON_ONE.sub(" ", text)))
    elif (colon := _COLON_RE.match(text)) is not None:
        candidates = _split_people(colon.group("rest"))
    elif _PAIR.search(text):
        # "Priya <> Casey", "Priya / Casey": only when every part is a name ("Design / Eng
        # sync" names nobody).
        parts = _split_people(_PAIR.sub(", ", text))
        candidates = parts if len(parts) > 1 and all(_is_name(p) for p in parts) else []
    names: list[str] = []
    own_set = {normalise(o) for o in own}
    own_first = {first_name(o) for o in own if " " in o.strip()}
    for candidate in candidates:
        if not _is_name(candidate):
            continue
        key = normalise(candidate)
        if key in own_set or (" " not in key and key in own_first):
            continue
        if key not in (normalise(n) for n in names):
            names.append(candidate)
    return tuple(names)


def typed_names(text: str) -> tuple[str, ...]:
    """The names a user typed after `--with` ("Sam, Priya"): any spelling they chose.

    Raises:
        ValueError: a part that is empty or far too long to be a name.
    """
    names: list[str] = []
    for part in re.split(r"\s*[,;]\s*|\s+(?:and|&)\s+", text.strip()):
        part = " ".join(part.split())
        if not part:
            continue
        if len(part) > 80 or not re.search(r"[^\W\d_]", part):
            raise ValueError(f"{part[:40]!r} is not a name")
        if normalise(part) not in (normalise(n) for n in names):
            names.append(part)
    return tuple(names)


def name_from_email(email: str) -> str:
    """A readable name for an attendee that carries only an address: sam.lee@x → Sam Lee."""
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._+-]+", local) if w and not w.isdigit()]
    return " ".join(w.capitalize() for w in words) or email


def event_people(attendees: Iterable[tuple[str, str]], title: str,
                 own: Collection[str] = ()) -> tuple[Named, ...]:
    """Everyone an in-person instance names: its attendees, then the title's names.

    A title name that is the first name of exactly one attendee is that attendee ("Lunch
    with Priya" with Priya Patel invited is one person).

    Args:
        attendees: (CN, address) of the other attendees (owner, rooms, decliners removed).
        title: the instance's SUMMARY.
        own: the user's own names, normalised.
    """
    people: list[Named] = []
    for cn, email in attendees:
        email = normalise(email) if email and "@" in email else None
        name = " ".join(cn.split()) if cn and "@" not in cn else ""
        if not name and email is None:
            continue
        named = Named(name or name_from_email(email or ""), email)
        if named not in people and not any(email and p.email == email for p in people):
            people.append(named)
    for name in title_names(title, own):
        key = normalise(name)
        # The title's "Priya" is the invited Priya Patel (or, with two Priyas invited, one of
        # them: not a third person).
        if any(first_name(p.name) == key or normalise(p.name) == key for p in people):
            continue
        people.append(Named(name))
    return tuple(people)


def match(named: Named, known: Sequence[Known]) -> Known | None:
    """The known person a name belongs to: by address, then spelling, then unique first name.

    Returns:
        The person, or None when nobody matches or several could.
    """
    if named.email:
        for person in known:
            if named.email in person.aliases:
                return person
    key = normalise(named.name)
    exact = [p for p in known if key in p.aliases or normalise(p.name) == key]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    first = first_name(key)
    if not first:
        return None
    if " " not in key:
        # "Jordan" joins the one known person whose first name is Jordan.
        same = [p for p in known if any(first_name(a) == first for a in _spellings(p))]
    else:
        # "Jordan Lee" joins a person known so far only as "Jordan", never "Jordan Smith".
        same = [p for p in known
                if all(" " not in a and a == first for a in _spellings(p))]
    return same[0] if len(same) == 1 else None


def ambiguous(named: Named, known: Sequence[Known]) -> list[Known]:
    """The people a bare first name could mean when it matches none alone ("Jordan" with
    Jordan Lee and Jordan Smith known); empty otherwise."""
    key = normalise(named.name)
    if named.email or " " in key or match(named, known) is not None:
        return []
    same = [p for p in known if any(first_name(a) == key for a in _spellings(p))]
    return same if len(same) > 1 else []


def _spellings(person: Known) -> list[str]:
    return [a for a in {normalise(person.name), *person.aliases} if "@" not in a]


def forgotten(named: Named, salt: str, hashes: Collection[str]) -> bool:
    """Whether a name or its address belongs to someone the user asked to forget."""
    if not hashes:
        return False
    if named.email and salted(salt, named.email) in hashes:
        return True
    return salted(salt, named.name) in hashes


def forget_hashes(salt: str, name: str, aliases: Iterable[str]) -> frozenset[str]:
    """The hashes kept for a forgotten person: every spelling and address, and the first
    name (so "Lunch with Priya" stays scrubbed after Priya Patel is forgotten)."""
    spellings = {name, *aliases}
    firsts = {first_name(s) for s in spellings if "@" not in s}
    return frozenset(salted(salt, s) for s in spellings | firsts if s)


_TOKEN = _Lazy(rf"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|{_WORD}")


def scrub(text: str, salt: str, hashes: Collection[str]) -> str:
    """`text` with every forgotten name or address (runs of up to three words) replaced by
    `SCRUBBED`."""
    if not text or not hashes:
        return text
    tokens = list(_TOKEN.finditer(text))
    out: list[str] = []
    cursor = 0
    i = 0
    while i < len(tokens):
        hit = 0
        for width in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            run = tokens[i:i + width]
            # Only words next to each other (one space apart) form a name.
            if any(text[a.end():b.start()] != " " for a, b in zip(run, run[1:])):
                continue
            if salted(salt, text[run[0].start():run[-1].end()]) in hashes:
                hit = width
                break
        if hit:
            out.append(text[cursor:tokens[i].start()])
            out.append(SCRUBBED)
            cursor = tokens[i + hit - 1].end()
            i += hit
        else:
            i += 1
    out.append(text[cursor:])
    return "".join(out)
