"""Argument checking against a tool's schema, and conversion to Python types.

Semantics follow JSON Schema validation
(https://json-schema.org/draft/2020-12/json-schema-validation): ``integer``
accepts ``1.0`` but not ``true``; ``number`` never accepts a boolean; an
``enum`` compares JSON values (``true`` is not ``1``). Where ``jsonschema``
is installed, every case is cross-checked against it.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, FrozenSet, List, Optional, Tuple, Union

import attrs
import pytest

from modelkit.tools import ToolParam, ToolParams
from modelkit.tools._validate import convert, validate

S = ToolParam.from_dict

CASES = [
    ({"type": "integer"}, 3, True),
    ({"type": "integer"}, 3.0, True),
    ({"type": "integer"}, 3.5, False),
    ({"type": "integer"}, True, False),
    ({"type": "number"}, 1, True),
    ({"type": "number"}, False, False),
    ({"type": "string"}, "x", True),
    ({"type": "string"}, 1, False),
    ({"type": "boolean"}, 0, False),
    ({"type": "null"}, None, True),
    ({"type": "array", "items": {"type": "string"}}, ["a", "b"], True),
    ({"type": "array", "items": {"type": "string"}}, ["a", 2], False),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, {"a": 1}, True),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, {"a": "1"}, False),
    ({"enum": ["a", 1]}, 1, True),
    ({"enum": [1]}, True, False),
    ({"enum": [1]}, 1.0, True),
    ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, None, True),
    ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "x", False),
    ({}, {"anything": [1]}, True),
    (
        {
            "type": "object",
            "properties": {"x": {"type": "number"}},
            "required": ["x"],
            "additionalProperties": False,
        },
        {"x": 1, "y": 2},
        False,
    ),
    (
        {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
        {},
        False,
    ),
]


@pytest.mark.parametrize(("schema", "value", "ok"), CASES)
def test_validate(schema: Dict[str, Any], value: Any, ok: bool) -> None:
    assert (validate(value, S(schema)) == []) is ok


def test_validate_agrees_with_jsonschema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for schema, value, ok in CASES:
        assert jsonschema.Draft202012Validator(schema).is_valid(value) is ok, (schema, value)


def test_problems_name_the_path() -> None:
    params = ToolParams(
        properties={
            "city": S({"type": "string"}),
            "stops": S(
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                }
            ),
        },
        required=["city"],
    )
    problems = validate({"stops": [{"name": "a"}, {"name": 3, "x": 1}], "extra": 1}, params)
    assert problems == [
        "city: required but missing",
        "stops[1].name: expected string, got integer 3",
        "stops[1].x: unexpected (allowed: name)",
        "extra: unexpected (allowed: city, stops)",
    ]


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


@attrs.frozen
class Point:
    x: float
    y: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))


@dataclasses.dataclass
class Box:
    corner: Point
    _label: str = "box"


@pytest.mark.parametrize(
    ("hint", "value", "expected"),
    [
        (float, 2, 2.0),
        (int, 2.0, 2),
        (Unit, "celsius", Unit.C),
        (Optional[Unit], None, None),
        (List[Unit], ["fahrenheit"], [Unit.F]),
        (Tuple[int, str], [1, "a"], (1, "a")),
        (Tuple[float, ...], [1, 2], (1.0, 2.0)),
        (FrozenSet[int], [1, 2, 2], frozenset({1, 2})),
        (Dict[str, Unit], {"a": "celsius"}, {"a": Unit.C}),
        (Point, {"x": 1}, Point(1.0, 0.0)),
        (List[Point], [{"x": 1, "y": 2}], [Point(1.0, 2.0)]),
        (Box, {"corner": {"x": 3}}, Box(Point(3.0))),
        (Union[int, Unit], "fahrenheit", Unit.F),
        (Union[int, Unit], 4, 4),
        (Any, {"a": 1}, {"a": 1}),
    ],
)
def test_convert(hint: Any, value: Any, expected: Any) -> None:
    converted = convert(value, hint)
    assert converted == expected
    assert type(converted) is type(expected)


def test_convert_refuses_what_the_schema_cannot_say() -> None:
    with pytest.raises(ValueError, match="2 items"):
        convert([1], Tuple[int, str])
    with pytest.raises(ValueError, match="'y' must be >= 0"):
        convert({"x": 1, "y": -1}, Point)
