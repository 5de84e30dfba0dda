"""Who an event or a log names, and which known person a name joins (issue 12, item 2)."""

from __future__ import annotations

import pytest

from presence.model import Named
from presence.people.names import (
    SCRUBBED,
    Known,
    ambiguous,
    event_people,
    forget_hashes,
    forgotten,
    match,
    scrub,
    title_names,
    typed_names,
)


@pytest.mark.parametrize(("title", "names"), [
    ("Lunch with Priya", ("Priya",)),
    ("Coffee w/ Sam & Jo", ("Sam", "Jo")),
    ("Coffee w/Sam", ("Sam",)),
    ("Dinner: Ana, Ben", ("Ana", "Ben")),
    ("Priya / Casey 1:1", ("Priya",)),           # Casey is the user
    ("1:1 Jordan Lee", ("Jordan Lee",)),
    ("Lunch with Priya at Café Central", ("Priya",)),
    ("Lunch with Jordan Lee 12:30", ("Jordan Lee",)),
    ("Brunch mit Anna und Jörg", ("Anna", "Jörg")),
    ("Dîner avec Zoë et Marc", ("Zoë", "Marc")),
    ("Dinner with Mom", ("Mom",)),
    ("Travel planning with Ana", ("Ana",)),
    ("Lunch", ()),
    ("Call with landlord", ()),
    ("Dinner with the team", ()),
    ("Sync with Design Team", ()),
    ("Design / Eng sync", ()),
    ("", ()),
])
def test_names_in_titles(title, names):
    assert title_names(title, own={"casey"}) == names


def test_typed_names_keep_the_users_spelling_once():
    assert typed_names("Sam, priya and Jo; Sam") == ("Sam", "priya", "Jo")
    with pytest.raises(ValueError):
        typed_names("12345")


def test_event_people_joins_the_title_to_the_attendee():
    people = event_people([("Priya Patel", "Priya@Example.org"), ("", "sam.lee@example.org")],
                          "Lunch with Priya & Kim", own=set())
    assert people == (Named("Priya Patel", "priya@example.org"),
                      Named("Sam Lee", "sam.lee@example.org"), Named("Kim"))


JORDAN = Known(1, "Jordan Lee", frozenset({"jordan lee", "jordan@example.org"}))
JO = Known(2, "Jo", frozenset({"jo"}))


def test_matching_by_email_then_unique_first_name():
    assert match(Named("J. Lee", "jordan@example.org"), [JORDAN, JO]) == JORDAN
    assert match(Named("Jordan"), [JORDAN, JO]) == JORDAN
    assert match(Named("jordan lee"), [JORDAN, JO]) == JORDAN
    assert match(Named("Jo"), [JORDAN]) is None          # "Jo" does not join "Jordan"
    assert match(Named("Jo"), [JORDAN, JO]) == JO
    other = Known(3, "Jordan Smith", frozenset({"jordan smith"}))
    assert match(Named("Jordan"), [JORDAN, other]) is None     # not unique
    assert ambiguous(Named("Jordan"), [JORDAN, other]) == [JORDAN, other]
    assert ambiguous(Named("Jordan"), [JORDAN]) == [] and ambiguous(Named("Jo"), [JORDAN]) == []
    assert match(Named("Jordan Smith"), [JORDAN, other]) == other
    # a full name joins someone known only by that first name, never another full name
    only_first = Known(4, "Kim", frozenset({"kim"}))
    assert match(Named("Kim Park"), [only_first]) == only_first
    assert match(Named("Jordan Smith"), [JORDAN]) is None


def test_forgotten_names_are_dropped_and_scrubbed():
    hashes = forget_hashes("salt", "Priya Patel", ["priya patel", "priya@example.org"])
    assert forgotten(Named("Priya"), "salt", hashes)
    assert forgotten(Named("P.", "priya@example.org"), "salt", hashes)
    assert not forgotten(Named("Priya Singh"), "salt", hashes)
    assert not forgotten(Named("Priya"), "other salt", hashes)
    assert scrub("Lunch with Priya Patel, then priya@example.org; Priyanka too", "salt",
                 hashes) == f"Lunch with {SCRUBBED}, then {SCRUBBED}; Priyanka too"
    assert all("priya" not in h for h in hashes)
