"""Is a calendar event a meeting in person, a virtual one, or not a meeting at all?

The order is DESIGN §3: cancelled (dropped by the loader before it gets here) → declined by the
owner → free / transparent → all-day → busy-only entry → CATEGORIES tag → solo block with a
solo title → signals → personal plans. Conference signals: Google / Microsoft X- properties,
RFC 7986 CONFERENCE, video links in LOCATION or URL, a phone number as LOCATION; a link only in
DESCRIPTION is weaker. Physical signals: GEO, Apple's structured location, a room or resource
attendee, a LOCATION that names a place. Both → hybrid (configurable).

A solo block is an event with no other attendee and nobody named in its title: a solo title
word (focus, lunch, travel...) makes it no meeting, unless the title is also a social word
(lunch) and the event has a place — "Lunch" at a café is a plan, "Gym" at the gym is not. Title words match whole words
only, so "Travel planning with Ana" is no travel block. Personal calendars rarely carry
attendees or addresses, so an event without any signal that names someone and has a social
word ("Dinner with Sam") is in person, unless a call word says it is a call ("Call with Sam").
Pure: a component in, a verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from presence.people.names import normalise, title_names

IN_PERSON = "in_person"
VIRTUAL = "virtual"
EXCLUDED = "excluded"

# Hosts whose links mean a video call, with the name used in reasons.
CONFERENCE_HOSTS: tuple[tuple[str, str], ...] = (
    ("meet.google.com", "Meet"), ("zoom.us", "Zoom"), ("zoom.com", "Zoom"),
    ("zoomgov.com", "Zoom"), ("teams.microsoft.com", "Teams"), ("teams.live.com", "Teams"),
    ("webex.com", "Webex"), ("meet.jit.si", "Jitsi"), ("8x8.vc", "Jitsi"),
    ("facetime.apple.com", "FaceTime"), ("whereby.com", "Whereby"),
    ("gotomeeting.com", "GoTo"), ("meet.goto.com", "GoTo"), ("chime.aws", "Chime"),
    ("bluejeans.com", "BlueJeans"), ("join.skype.com", "Skype"), ("meet.lync.com", "Skype"),
)
# Properties that only a conferencing integration writes.
_CONFERENCE_PROPS = (
    ("X-GOOGLE-CONFERENCE", "Meet"), ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "Teams"),
    ("X-MICROSOFT-ONLINEMEETINGCONFLINK", "online meeting"),
    ("X-MICROSOFT-ONLINEMEETINGEXTERNALLINK", "online meeting"), ("CONFERENCE", "conference"),
)
# Every property `classify()` reads; the loader drops the others before parsing.
CLASSIFIED_PROPERTIES = frozenset({
    "STATUS", "ATTENDEE", "ORGANIZER", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "SUMMARY",
    "CATEGORIES", "LOCATION", "URL", "DESCRIPTION", "GEO", "X-APPLE-STRUCTURED-LOCATION",
    *(name for name, _ in _CONFERENCE_PROPS),
})
# Host names are found in two linear steps: maximal runs of host characters, then each run
# matched whole. One pattern searching the text for hosts backtracked quadratically: 40 KB of
# "a-a-a-" in a DESCRIPTION took 40 s, and calendar text comes from third parties (issue 14).
_HOST_RUN = re.compile(r"[a-z0-9.-]+", re.IGNORECASE)
_HOST = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}", re.IGNORECASE)
_TEAMS_TEXT = re.compile(r"microsoft teams|teams[- ](meeting|besprechung|call)|"
                         r"réunion microsoft teams|skype (for business|meeting)", re.IGNORECASE)
_CALL_WORDS = re.compile(r"^(zoom|google meet|meet|skype|webex|facetime|jitsi|whereby|teams|"
                         r"online|virtual|remote|video ?call|phone|phone call|call|"
                         r"conference call|telephone|telefon)( meeting| call| link)?$", re.IGNORECASE)
# Words in a title that make a plan a call ("Call with Sam", "Anruf Oma"), whole words only.
_TITLE_CALL_WORDS = re.compile(
    r"\b(call|calls|phone|phonecall|telephone|facetime|zoom|skype|webex|video ?call|videocall|"
    r"hangout|anruf|telefonat|telefon|videoanruf|appel|visio|llamada|videollamada|chiamata)\b",
    re.IGNORECASE)
_PHONE_LABEL = re.compile(r"^(phone|tel|telephone|telefon|call|dial|mobile|cell)\s*[:.]?\s*",
                          re.IGNORECASE)
_NO_PLACE = re.compile(r"^(tbd|tba|n/?a|none|-+|\?+|\.+)$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^[\d\s+()./,#*;x-]+$", re.IGNORECASE)
_ROOM_RE = re.compile(r"\b(room|rooms|raum|salle|sala|besprechungsraum|meeting ?room|"
                      r"conference ?room|boardroom|floor|etage|building|bldg|office)\b", re.IGNORECASE)
# An address: a number and a comma ("Main St 1, Berlin"), or a street word. Tested as two
# linear checks: `\d.*,|,.*\d` as one pattern is quadratic on a long run of digits.
_STREET_RE = re.compile(r"\b(str\.|straße|strasse|street|st\.|road|rd\.|"
                        r"avenue|ave\.|platz|weg|rue|via|calle|lane|blvd)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_BUSY_ONLY = {"busy", "tentative", "free", "away", "out of office", "working elsewhere"}
_ROOM_CUTYPES = {"ROOM", "RESOURCE"}


@dataclass(frozen=True)
class Rules:
    """The configurable words and addresses classification uses.

    Attributes:
        owners: the user's addresses, lowercase.
        hybrid: the kind of an event with both physical and conference signals.
        in_person_tags / virtual_tags: CATEGORIES words, normalised by `phrase()`.
        solo_titles: title words that make a solo block not a meeting, normalised.
        conference_domains: extra hosts whose links mean a video call.
        social_words: title words of personal plans with people, normalised.
        own_names: the user's own names, normalised (dropped from titles).
    """

    owners: frozenset[str]
    hybrid: str
    in_person_tags: tuple[str, ...]
    virtual_tags: tuple[str, ...]
    solo_titles: tuple[str, ...]
    conference_domains: tuple[str, ...]
    social_words: tuple[str, ...] = ()
    own_names: frozenset[str] = frozenset()


def phrase(text: str) -> str:
    """Lowercase, with hyphens and underscores as spaces, for whole-word matching."""
    return " " + re.sub(r"[\s_-]+", " ", re.sub(r"[^\w\s-]", " ", text.lower())).strip() + " "


def _texts(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(component: Any, name: str) -> str:
    """A property as plain text, stripped; the first one when a sloppy exporter repeats it."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def _email(address: Any) -> str:
    text = str(address).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _conference_host(host: str, extra: tuple[str, ...]) -> str | None:
    host = host.lower()
    for domain, label in CONFERENCE_HOSTS:
        if host == domain or host.endswith("." + domain):
            return label
    for domain in extra:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def _link_in(text: str, extra: tuple[str, ...]) -> str | None:
    for host in _hosts(text):
        label = _conference_host(host, extra)
        if label is not None:
            return label
    return None


def _hosts(text: str) -> Iterator[str]:
    """The host names in `text` ("zoom.us" in "https://zoom.us/j/1"), in linear time: each
    ends before a path, a port, a query, a fragment, a space or the end of the text."""
    for run in _HOST_RUN.finditer(text):
        end = run.end()
        if end < len(text) and text[end] not in "/:?#" and not text[end].isspace():
            continue
        host = run.group().lstrip(".-")
        if _HOST.fullmatch(host):
            yield host


def _is_address(part: str) -> bool:
    """Whether one part of a LOCATION (no newline in it) reads like a street address."""
    return ("," in part and _DIGIT.search(part) is not None) or \
        _STREET_RE.search(part) is not None


def _is_phone(text: str) -> bool:
    if text.lower().startswith("tel:"):
        return True
    return bool(_PHONE_CHARS.match(text)) and sum(c.isdigit() for c in text) >= 7


def _location_signals(location: str, extra: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(physical reason, conference label) read from LOCATION.

    Outlook joins several locations with "; " ("Room 4.1; Microsoft Teams Meeting"), so each part
    is judged alone: a link or a call word is a conference signal, a phone number too, and any
    other text that names something is a place.
    """
    physical = conference = None
    for part in re.split(r"[;\n]", location):
        part = part.strip().strip(",").strip()
        if not part or _NO_PLACE.match(part):
            continue
        label = _link_in(part, extra)
        if label is not None:
            conference = conference or f"{label} link"
            part = re.sub(r"https?://\S+", "", part).strip(" ,-()")
            if not re.search(r"[^\W\d_]{3,}", part) or _CALL_WORDS.match(part):
                continue
        if _TEAMS_TEXT.search(part):
            conference = conference or "'Microsoft Teams Meeting'"
            continue
        if _CALL_WORDS.match(part):
            conference = conference or f"'{part}'"
            continue
        if _is_phone(part) or (_PHONE_LABEL.match(part)
                               and _is_phone(_PHONE_LABEL.sub("", part, count=1))):
            conference = conference or "phone number"
            continue
        if re.search(r"https?://", part):
            continue
        if physical is None:
            if _ROOM_RE.search(part):
                physical = "room in LOCATION"
            elif _is_address(part):
                physical = "address in LOCATION"
            else:
                physical = "place in LOCATION"
    return physical, conference


@dataclass(frozen=True)
class Invited:
    """Who an event invites, as classification and the people ledger need it.

    Attributes:
        others: keys (address, else lowercase name) of attendees and the organizer who are not
            the owner and did not decline.
        people: (CN, address) of those same people, in the order the event lists them.
        rooms: (name, address) of room or resource attendees.
        own_names: the CNs the event gives the owner's addresses, normalised.
    """

    others: frozenset[str]
    people: tuple[tuple[str, str], ...]
    rooms: tuple[tuple[str, str], ...]
    own_names: frozenset[str]


def invited(component: Any, owners: frozenset[str]) -> Invited:
    """Other people invited, the rooms or resources booked, and the owner's own names."""
    others: dict[str, tuple[str, str]] = {}
    rooms: list[tuple[str, str]] = []
    own: set[str] = set()
    organizer = component.get("ORGANIZER")
    entries = [(a, True) for a in _texts(component, "ATTENDEE")]
    if organizer is not None and not isinstance(organizer, list):
        entries.append((organizer, False))
    for entry, is_attendee in entries:
        params = getattr(entry, "params", {})
        email = _email(entry)
        name = str(params.get("CN", "")).strip().strip('"')
        if is_attendee:
            cutype = str(params.get("CUTYPE", "")).upper()
            if cutype in _ROOM_CUTYPES or email.endswith("resource.calendar.google.com"):
                rooms.append((name or email, email))
                continue
            if str(params.get("PARTSTAT", "")).upper() == "DECLINED":
                continue
        key = email if "@" in email else name.lower() or email
        if key in owners:
            if name and "@" not in name:
                own.add(normalise(name))
        elif key and key not in others:
            others[key] = (name, email if "@" in email else "")
    return Invited(frozenset(others), tuple(others.values()), tuple(rooms), frozenset(own))


def classify(component: Any, all_day: bool, rules: Rules) -> tuple[str, str]:
    """Decide the kind of one event (a series' master or a moved instance).

    Args:
        component: an icalendar VEVENT.
        all_day: whether its start is a date rather than a time.
        rules: owners and the configured words.

    Returns:
        (kind, reason): kind is `in_person`, `virtual` or `excluded`; reason says what decided.
    """
    for attendee in _texts(component, "ATTENDEE"):
        email = _email(attendee)
        if email in rules.owners and \
                str(attendee.params.get("PARTSTAT", "")).upper() == "DECLINED":
            return EXCLUDED, f"declined by {email}"
    if text_of(component, "TRANSP").upper() == "TRANSPARENT":
        return EXCLUDED, "marked free (TRANSP:TRANSPARENT)"
    if text_of(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper() == "FREE":
        return EXCLUDED, "marked free (X-MICROSOFT-CDO-BUSYSTATUS:FREE)"
    if all_day:
        return EXCLUDED, "all-day"
    summary = text_of(component, "SUMMARY")
    if summary.lower() in _BUSY_ONLY:
        return EXCLUDED, f"busy-only entry '{summary}' (unknown)"
    tagged = _tag(component, rules)
    if tagged is not None:
        return tagged
    found = invited(component, rules.owners)
    named = title_names(summary, rules.own_names | found.own_names)
    # Without known owner addresses the organizer is most likely the user.
    alone = len(found.others) <= (0 if rules.owners else 1) and not named
    facts = _signal_facts(component, list(found.rooms), rules)
    title = phrase(summary)
    social = next((word for word in rules.social_words if word in title), None)
    # A place makes a social solo title a plan ("Lunch" at a café); a gym, a flight or focus
    # time at a place is still time alone.
    if alone and (facts.physical is None or social is None):
        for word in rules.solo_titles:
            if word in title:
                return EXCLUDED, f"solo block titled '{summary}'"
    verdict = _signals(facts, rules)
    if verdict is not None:
        return verdict
    call = _TITLE_CALL_WORDS.search(summary)
    if call is not None:
        return VIRTUAL, f"call word '{call.group(0).lower()}' in the title"
    if not alone and social is not None:
        who = "a person named in the title" if named else "other attendees"
        return IN_PERSON, f"personal plan: '{social.strip()}' with {who} (no place needed)"
    return EXCLUDED, "no place and no call link (unknown)"


def _tag(component: Any, rules: Rules) -> tuple[str, str] | None:
    for categories in _texts(component, "CATEGORIES"):
        for category in getattr(categories, "cats", [categories]):
            text = phrase(str(category))
            for word in rules.in_person_tags:
                if word in text:
                    return IN_PERSON, f"tag '{str(category).strip()}' in CATEGORIES"
            for word in rules.virtual_tags:
                if word in text:
                    return VIRTUAL, f"tag '{str(category).strip()}' in CATEGORIES"
    return None


@dataclass(frozen=True)
class _Facts:
    """The physical and conference signals of an event (reasons as shown to users)."""

    physical: str | None
    conference: tuple[str, str] | None
    weak: str | None


def _signal_facts(component: Any, rooms: list[tuple[str, str]], rules: Rules) -> _Facts:
    extra = rules.conference_domains
    physical, located = _location_signals(text_of(component, "LOCATION"), extra)
    if rooms:
        physical = f"room attendee: {rooms[0][0]}"
    elif "X-APPLE-STRUCTURED-LOCATION" in component:
        title = str(component["X-APPLE-STRUCTURED-LOCATION"].params.get("X-TITLE", "")).strip()
        physical = "Apple structured location" + (f": {title}" if title else "")
    elif "GEO" in component:
        physical = physical or "GEO position"

    conference: tuple[str, str] | None = None
    for name, label in _CONFERENCE_PROPS:
        if name in component:
            found = _link_in(str(component[name]), extra) if name == "CONFERENCE" else None
            conference = (f"{found or label} link", f"in {name}")
            break
    if conference is None and located is not None:
        conference = (located, "in LOCATION")
    if conference is None:
        label = _link_in(text_of(component, "URL"), extra)
        if label is not None:
            conference = (f"{label} link", "in URL")
    weak = None
    if conference is None:
        label = _link_in(text_of(component, "DESCRIPTION"), extra)
        if label is not None:
            weak = f"{label} link"
    return _Facts(physical, conference, weak)


def _signals(facts: _Facts, rules: Rules) -> tuple[str, str] | None:
    """The verdict of the signals; None when there is none at all."""
    physical, conference, weak = facts.physical, facts.conference, facts.weak
    if physical and conference:
        return rules.hybrid, f"{physical} and {conference[0]}: hybrid → {rules.hybrid}"
    if physical:
        suffix = f" ({weak} only in DESCRIPTION)" if weak else ""
        return IN_PERSON, physical + suffix
    if conference:
        return VIRTUAL, f"{conference[0]} {conference[1]}"
    if weak:
        return VIRTUAL, f"{weak} in DESCRIPTION"
    return None
