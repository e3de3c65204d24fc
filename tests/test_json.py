"""``modelkit._json``: hostile JSON is a ``ValueError``, the error callers expect;
request bodies are encoded byte for byte as ``json.dumps`` encodes them.

Issue 16, point 9: a body nested 100,000 deep raised ``RecursionError``;
``NaN``/``Infinity`` (not JSON, RFC 8259 section 6) were accepted.
Issue 24: ``loads`` reads without ``JSONDecoder.decode``'s layers and
``dumps_bytes`` with one kept encoder; both must answer as the standard
library does (the same values, the same errors and messages, the same bytes).
"""

from __future__ import annotations

import json

import pytest

from modelkit._json import MAX_DEPTH, dumps_bytes, loads


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


@pytest.mark.parametrize(
    "text",
    ['{"a": 1}', ' {"a": 1} ', "\n[1, 2]\r\n", '\t"x"', "1", " 0.5", "true", "null  ", "[]"],
)
def test_whitespace_around_a_document_is_read_as_json_reads_it(text: str) -> None:
    assert loads(text) == json.loads(text)
    assert loads(text.encode("utf-8")) == json.loads(text)


@pytest.mark.parametrize("text", ["", " ", "\n", '{"a": 1} x', '{"a": 1}}', "1 2", "x", "[1,]"])
def test_not_json_fails_as_json_loads_does(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        loads(text)
    assert (got.value.msg, got.value.pos) == (expected.value.msg, expected.value.pos)


def test_dumps_bytes_is_json_dumps_byte_for_byte() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": 'caf\u00e9 \u2028 "quoted"\n\u0000 \U0001f600'}],
        "temperature": 0.1,
        "seed": -3,
        "stop": ["a", None, True, False],
        "nested": {"empty": {}, "list": [[], [1.5e300, 1e-7]]},
        "nan": float("nan"),
        "inf": float("-inf"),
        7: "an int key",
        None: "a None key",
    }
    assert dumps_bytes(body) == json.dumps(body).encode("utf-8")
    for value in ("text", 3, 2.5, None, [], {}):
        assert dumps_bytes(value) == json.dumps(value).encode("utf-8")


def test_dumps_bytes_refuses_what_json_dumps_refuses() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        dumps_bytes({"x": object()})
    with pytest.raises(TypeError):
        dumps_bytes({("a", "tuple"): 1})  # a key json.dumps refuses too
