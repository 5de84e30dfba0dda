"""Frozen value types, made without the `dataclasses` module (issue 18).

`@frozen` makes of a class with annotated fields what `@dataclass(frozen=True)` makes of it:
an `__init__` taking the fields in order (with their defaults, `field(default_factory=...)`
and `__post_init__`), a `__repr__`, an `__eq__` and a `__hash__` over the fields, and
assignment refused. The value types the read commands build (`summary`, `status`, `bar`) use
it: importing `dataclasses` imports `inspect` (with ast, dis and tokenize), and each class
costs about a millisecond to create, because CPython's `dataclass` compiles six methods for it
with `exec` — a `summary` created 26 at start, a fifth of its whole process. Here one small
piece of source is compiled per class (`__init__`, `__eq__`, `__hash__`), when its first value
is made or compared, and the rest is shared.

`replace` is `dataclasses.replace` for both kinds, so callers need not know which one a type is.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar
    T = TypeVar("T")


class FrozenError(AttributeError):
    """An assignment to a field of a frozen value (as `dataclasses.FrozenInstanceError`)."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """What `field(...)` declares about one field (see `field`)."""

    __slots__ = ("default", "default_factory", "repr", "compare")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool):
        self.default, self.default_factory = default, default_factory
        self.repr, self.compare = repr, compare


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING,
          repr: bool = True, compare: bool = True) -> Any:
    """A field's default or factory, and whether `repr` shows it and `==` compares it (the
    same words as `dataclasses.field`)."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("a field takes a default or a default_factory, not both")
    return Field(default, default_factory, repr, compare)


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenError(f"cannot delete field {name!r}")


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__frozen_repr__)
    return f"{type(self).__qualname__}({shown})"


def _fields(cls: type) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        found.update(getattr(base, "__frozen_specs__", {}))
    declared = cls.__dict__.get("__frozen_declared__", {})  # a slotted class's defaults
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = declared[name] if name in declared else cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            spec = value
        else:
            spec = Field(value, MISSING, True, True)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(f"{cls.__qualname__}.{name}: a mutable default; use "
                             "field(default_factory=...)")
        found[name] = spec
    return found


def _first_use(cls: type, method: str, eq: bool) -> Callable[..., Any]:
    def stand_in(self: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__[method] is stand_in:  # not compiled yet (a subclass has its own)
            _compile_methods(cls, eq)
        return cls.__dict__[method](self, *args, **kwargs)

    stand_in.__qualname__ = f"{cls.__qualname__}.{method}"
    return stand_in


def _compile_methods(cls: type, eq: bool) -> None:
    specs: dict[str, Field] = cls.__frozen_specs__  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"_factory": MISSING}
    # the fields go straight into the instance's dict (three times faster than a call of
    # object.__setattr__ a field, as dataclasses make them: a day's summary builds 2,000
    # spans), or into a slotted class's slots through their own setters
    slotted = "__slots__" in cls.__dict__
    params, body = [], [] if slotted else ["  _d = self.__dict__"]
    for name, spec in specs.items():
        if slotted:
            # a slot is set through its descriptor (`__setattr__` refuses)
            namespace[f"_s_{name}"] = cls.__dict__[name].__set__
            store = f"  _s_{name}(self, {{}})"
        else:
            store = f"  _d[{name!r}] = {{}}"
        if spec.default_factory is not MISSING:
            namespace[f"_f_{name}"] = spec.default_factory
            params.append(f"{name}=_factory")
            body.append(store.format(f"_f_{name}() if {name} is _factory else {name}"))
        elif spec.default is not MISSING:
            namespace[f"_d_{name}"] = spec.default
            params.append(f"{name}=_d_{name}")
            body.append(store.format(name))
        else:
            params.append(name)
            body.append(store.format(name))
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    if eq:
        compared = [n for n, spec in specs.items() if spec.compare]
        mine = "".join(f"self.{n}, " for n in compared)
        theirs = "".join(f"other.{n}, " for n in compared)
        source += ("\ndef __eq__(self, other):\n"
                   "  if other.__class__ is self.__class__:\n"
                   f"    return ({mine}) == ({theirs})\n"
                   "  return NotImplemented\n"
                   f"def __hash__(self):\n  return hash(({mine}))\n")
    exec(source, namespace)  # noqa: S102 - source built above from the field names
    for method in ("__init__", "__eq__", "__hash__") if eq else ("__init__",):
        function = namespace[method]
        function.__qualname__ = f"{cls.__qualname__}.{method}"
        setattr(cls, method, function)


def frozen(cls: type[T] | None = None, *, eq: bool = True, slots: bool = False) -> Any:
    """Make `cls` a frozen value type, as `@dataclass(frozen=True)` (or `eq=False`: compared
    and hashed by identity, as `@dataclass(frozen=True, eq=False)`).

    `slots=True` makes it anew with its fields in slots, as `@dataclass(slots=True)`: a
    value then costs a little more to make, and far less to read. Python 3.11 reads a field
    of a value whose fields went straight into its dict by the slow, generic way, so a type
    read many times a value (`Sample`: the daemon reads four fields at every tick) is
    slotted (issue 18: ingest). Its methods must not call `super()` without arguments."""

    def wrap(cls: type[T]) -> type[T]:
        if slots:
            cls = _slotted(cls)
        specs = _fields(cls)
        names = list(specs)
        required = [n for n, spec in specs.items() if spec.default is MISSING
                    and spec.default_factory is MISSING]
        if required and names.index(required[-1]) >= len(required):
            raise TypeError(f"{cls.__qualname__}: non-default field {required[-1]!r} after a "
                            "field with a default")
        for name, spec in specs.items():
            if isinstance(cls.__dict__.get(name), Field):
                # as dataclasses: the class attribute is the default, or nothing
                if spec.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
        cls.__frozen_specs__ = specs  # type: ignore[attr-defined]
        cls.__frozen_fields__ = tuple(names)  # type: ignore[attr-defined]
        cls.__frozen_repr__ = tuple(n for n in names if specs[n].repr)  # type: ignore[attr-defined]
        cls.__match_args__ = tuple(names)  # type: ignore[attr-defined]
        cls.__repr__ = _repr  # type: ignore[method-assign]
        cls.__setattr__ = _refuse_set  # type: ignore[method-assign,assignment]
        cls.__delattr__ = _refuse_delete  # type: ignore[method-assign,assignment]
        # The methods are compiled when the class is first used: a command creates more
        # classes than it builds values of (a `summary` builds 12 of its 26 kinds).
        for method in ("__init__", "__eq__", "__hash__") if eq else ("__init__",):
            setattr(cls, method, _first_use(cls, method, eq))
        return cls

    return wrap if cls is None else wrap(cls)


def _slotted(cls: type[T]) -> type[T]:
    """`cls` made again with its own fields in `__slots__`; their defaults, whose place a
    slot's descriptor takes, are kept in `__frozen_declared__` for `_fields`."""
    specs = _fields(cls)
    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in ("__dict__", "__weakref__")}
    own = tuple(name for name in cls.__dict__.get("__annotations__", {}) if name in specs)
    namespace["__frozen_declared__"] = {name: namespace.pop(name) for name in own
                                        if name in namespace}
    namespace["__slots__"] = own
    # copies and pickles set the slots again past `__setattr__`, as dataclasses' do
    namespace["__getstate__"] = _slot_state
    namespace["__setstate__"] = _set_slot_state
    return type(cls)(cls.__name__, cls.__bases__, namespace)  # type: ignore[return-value]


def _slot_state(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self).__frozen_fields__)


def _set_slot_state(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(type(self).__frozen_fields__, state):
        object.__setattr__(self, name, value)


def replace(value: T, **changes: Any) -> T:
    """A copy of the frozen value `value` with some fields changed (a `@frozen` type or a
    dataclass), as `dataclasses.replace`."""
    names = getattr(type(value), "__frozen_fields__", None)
    if names is None:
        import dataclasses

        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(value).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(value)(**{n: changes[n] if n in changes else getattr(value, n)
                          for n in names})
