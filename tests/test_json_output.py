"""The JSON documents presence prints are the text `json.dumps(indent=2)` writes, byte for
byte, however they are made (`presence.cli.common.indented_json` lays them out faster)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from presence.cli.common import indented_json

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.tuples(inner, inner)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


def _same(value: object) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_any_json_value_is_written_as_json_dumps_writes_it(value):
    _same(value)


def test_the_edges_of_numbers_strings_and_containers():
    for value in ([], {}, [[]], {"a": {}}, [{}, []], -0.0, math.inf, -math.inf, math.nan,
                  10 ** 40, 1e300, 5e-324, "é\x00\x1b\u2028\"\\", {"": ""},
                  [{"name": "Sam", "aliases": ["sam@example.org"], "next": None}]):
        _same(value)


class Label(str):
    pass


def test_other_types_and_keys_are_left_to_json_which_writes_or_refuses_them():
    # json writes int keys as strings and str subclasses as strings; a set it refuses
    _same({1: "one", 2.5: "x", True: None, None: 0})
    _same({"who": Label("Sam")})
    try:
        indented_json({"who": {1, 2}})
    except TypeError as exc:
        assert "set" in str(exc)
    else:
        raise AssertionError("a set is not JSON")
    loop: list[object] = []
    loop.append(loop)
    try:
        indented_json(loop)
    except ValueError as exc:
        assert "ircular" in str(exc)
    else:
        raise AssertionError("a list holding itself is not JSON")
