"""`presence.frozen` makes what `@dataclass(frozen=True)` makes: each check below builds the same
class both ways and compares what the two do (issue 18: the read commands' value types are
made without the dataclasses module)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from functools import cached_property

import pytest

from presence.frozen import FrozenError, field, frozen, replace


def _both(body):
    """The class `body` defines, once through dataclasses and once through presence.frozen."""
    return dataclasses.dataclass(frozen=True)(body()), frozen(body())


def _span():
    class Span:
        """A span."""

        start: float
        end: float
        app: str | None
        category: str = "other"
        title: str | None = None

        @property
        def seconds(self) -> float:
            return self.end - self.start

    return Span


def test_the_same_constructor_repr_equality_and_hash_as_a_frozen_dataclass():
    for args, kwargs in (((1.0, 2.5, "slack"), {}), ((0, 9, None), {"title": "x"}),
                         ((3.0,), {"end": 4.0, "app": "a", "category": "calls"})):
        made = [cls(*args, **kwargs) for cls in _both(_span)]
        assert repr(made[0]) == repr(made[1])
        assert made[1] == type(made[1])(*args, **kwargs)
        assert hash(made[1]) == hash(type(made[1])(*args, **kwargs))
        assert made[1].seconds == made[0].seconds
    ours = frozen(_span())
    assert ours(1, 2, "a") != ours(1, 3, "a")
    assert ours(1, 2, "a") != (1, 2, "a", "other", None)  # a value, not a tuple
    assert ours.category == "other"  # the default stays on the class, as with dataclasses
    with pytest.raises(TypeError):
        ours(1.0)  # `end` and `app` are required
    with pytest.raises(TypeError):
        ours(1.0, 2.0, "a", nope=1)


def test_fields_cannot_be_assigned_or_deleted():
    span = frozen(_span())(1.0, 2.0, "a")
    with pytest.raises(FrozenError, match="cannot assign to field 'end'"):
        span.end = 3.0
    with pytest.raises(AttributeError):
        span.other = 1
    with pytest.raises(FrozenError):
        del span.app
    assert span.end == 2.0


def test_factories_hidden_fields_and_fields_left_out_of_equality():
    def body(field):
        class Health:
            """Counts."""

            name: str
            counts: dict = field(default_factory=dict)
            secret: str = field(default="s", repr=False)
            cache: object = field(default=None, compare=False, repr=False)

        return Health

    theirs = dataclasses.dataclass(frozen=True)(body(dataclasses.field))
    ours = frozen(body(field))
    assert repr(ours("a")) == repr(theirs("a"))
    assert repr(ours("a")).endswith("Health(name='a', counts={})")
    first, second = ours("a"), ours("a")
    assert first.counts == {} and first.counts is not second.counts
    assert ours("a", cache=1) == ours("a", cache=2)
    assert ours("a", secret="t") != ours("a")
    with pytest.raises(ValueError):
        frozen(type("Bad", (), {"__annotations__": {"items": "list"}, "items": []}))


def test_post_init_and_cached_property_work_as_with_dataclasses():
    def body():
        class Sample:
            """A title cut to 3 characters."""

            title: str

            def __post_init__(self) -> None:
                object.__setattr__(self, "title", self.title[:3])

            @cached_property
            def loud(self) -> str:
                return self.title.upper()

        return Sample

    for cls in _both(body):
        sample = cls("abcdef")
        assert sample.title == "abc" and sample.loud == "ABC" and sample.loud == "ABC"


def test_identity_equality_when_asked():
    def body():
        class Config:
            """Compared by identity."""

            data: dict

        return Config

    config = frozen(eq=False)(body())
    one = config({"a": 1})
    assert one != config({"a": 1}) and one == one
    assert len({one, config({"a": 1})}) == 2  # hashable though it holds a dict


def test_replace_copies_with_changes_for_both_kinds():
    theirs, ours = _both(_span)
    for cls in (theirs, ours):
        span = cls(1.0, 2.0, "a")
        later = replace(span, end=5.0)
        assert later == cls(1.0, 5.0, "a") and span.end == 2.0
        with pytest.raises(TypeError):
            replace(span, nope=1)


def test_values_survive_copy_and_pickle():
    person = Person(7, "Sam", ("sam@example.org",))
    assert copy.deepcopy(person) == person and copy.copy(person) == person
    assert pickle.loads(pickle.dumps(person)) == person


@frozen
class Person:
    """A module-level class, so that pickle finds it."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()


def test_a_field_without_default_after_one_with_is_refused():
    def body():
        class Bad:
            """Wrong order."""

            a: int = 1
            b: int

        return Bad

    with pytest.raises(TypeError):
        frozen(body())


@frozen(slots=True)
class Slotted:
    """A module-level slotted class, so that pickle finds it."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    tags: list[str] = field(default_factory=list, compare=False)


def test_a_slotted_value_does_what_a_frozen_one_does_without_a_dict():
    # `slots=True` (Sample's, the daemon reads its fields at every tick) keeps every
    # promise of a frozen value: defaults, factories, equality, hash, repr, copies, refusal
    value = Slotted(7, "Sam")
    assert not hasattr(value, "__dict__")
    assert Slotted.__slots__ == ("id", "name", "aliases", "tags")
    assert value == Slotted(7, "Sam", tags=["other"]) and value != Slotted(7, "Sam", ("s",))
    assert hash(value) == hash(Slotted(7, "Sam"))
    assert repr(value) == "Slotted(id=7, name='Sam', aliases=(), tags=[])"
    assert value.tags == [] and value.tags is not Slotted(1, "x").tags
    assert replace(value, name="Kim") == Slotted(7, "Kim")
    assert copy.deepcopy(value) == value and pickle.loads(pickle.dumps(value)) == value
    with pytest.raises(FrozenError, match="cannot assign to field 'name'"):
        value.name = "Kim"
    with pytest.raises(AttributeError):
        value.other = 1
    assert value.name == "Sam"
