"""``modelkit._json.loads``: hostile JSON is a ``ValueError``, the error callers expect.

Issue 16, point 9: a body nested 100,000 deep raised ``RecursionError``;
``NaN``/``Infinity`` (not JSON, RFC 8259 section 6) were accepted.
"""

from __future__ import annotations

import json

import pytest

from modelkit._json import MAX_DEPTH, loads


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"x": [' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "]}",
    ],
    ids=["100000-arrays", "50000-objects", "limit+1", "limit+1-inside"],
)
def test_nesting_deeper_than_the_limit_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        loads(text)


def test_nesting_up_to_the_limit_and_brackets_in_strings_are_fine() -> None:
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(deep) == json.loads(deep)
    text = json.dumps({"s": "[" * 500, "t": ["{" * 300, {"u": '\\"[['}]})
    assert loads(text) == json.loads(text)
    wide = json.dumps([[i] for i in range(5000)])  # many brackets, depth 2
    assert loads(wide.encode("utf-8")) == json.loads(wide)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_non_standard_constants_are_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        loads(text)


def test_not_utf8_or_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        loads(b"\xff\xfe")
    with pytest.raises(ValueError):
        loads("{")
