"""MCP 2026-07-28's mirrored request headers: value encoding and ``x-mcp-header`` rules.

Cases from https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
(Custom Headers from Tool Parameters: the constraints on ``x-mcp-header``
values, header extraction, Value Encoding and its table of examples).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from modelkit.tools.mcp._headers import BadAnnotation, encode_value, param_headers, param_paths


@pytest.mark.parametrize(
    ("value", "sent"),
    [  # the spec's encoding examples
        ("us-west1", "us-west1"),
        ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
        (" padded ", "=?base64?IHBhZGRlZCA=?="),
        ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
        ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
        ("a b\tc", "a b\tc"),  # inner space and tab are header-safe
        ("", ""),
    ],
)
def test_values_are_encoded_as_the_spec_shows(value: str, sent: str) -> None:
    assert encode_value(value) == sent


def obj(**properties: Any) -> Dict[str, Any]:
    return {"type": "object", "properties": properties}


def test_paths_follow_properties_and_values_convert_by_type() -> None:
    schema = obj(
        region={"type": "string", "x-mcp-header": "Region"},
        opts=obj(tenant={"type": "integer", "x-mcp-header": "Tenant"}),
        dry={"type": ["boolean", "null"], "x-mcp-header": "Dry-Run"},
        query={"type": "string"},
    )
    paths = param_paths(schema)
    assert paths == {
        "Mcp-Param-Region": ("region",),
        "Mcp-Param-Tenant": ("opts", "tenant"),
        "Mcp-Param-Dry-Run": ("dry",),
    }
    assert param_headers(paths, {"region": "eu", "opts": {"tenant": 7}, "dry": True}) == {
        "Mcp-Param-Region": "eu",
        "Mcp-Param-Tenant": "7",
        "Mcp-Param-Dry-Run": "true",
    }
    # null and absent values send no header; neither does a value of no primitive type
    assert param_headers(paths, {"region": None, "opts": "x", "dry": [1]}) == {}


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        (obj(xs={"type": "array", "items": {"type": "string", "x-mcp-header": "X"}}), "xs"),
        (obj(a={"anyOf": [{"type": "string", "x-mcp-header": "A"}]}), "not reached"),
        ({"$defs": {"d": {"type": "string", "x-mcp-header": "D"}}}, "not reached"),
        (obj(a={"type": "number", "x-mcp-header": "A"}), "not a string, integer or boolean"),
        (obj(a={"type": "object", "x-mcp-header": "A"}), "not a string, integer or boolean"),
        (obj(a={"type": "string", "x-mcp-header": ""}), "not an HTTP header token"),
        (obj(a={"type": "string", "x-mcp-header": "Bad Name"}), "not an HTTP header token"),
        (obj(a={"type": "string", "x-mcp-header": "X\r\nY"}), "not an HTTP header token"),
        (
            obj(
                a={"type": "string", "x-mcp-header": "Key"},
                b={"type": "string", "x-mcp-header": "KEY"},
            ),
            "used twice",
        ),
        ({"type": "string", "x-mcp-header": "Root"}, "the schema root"),
    ],
)
def test_annotations_breaking_a_constraint_are_refused(schema: Dict[str, Any], reason: str) -> None:
    with pytest.raises(BadAnnotation, match=reason):
        param_paths(schema)


def test_a_schema_without_annotations_has_no_headers() -> None:
    assert param_paths(obj(a={"type": "string"}, b={"type": "array", "items": {}})) == {}
    # the key inside values (a default, an example) is data, not an annotation
    values = obj(
        a={"type": "object", "default": {"x-mcp-header": "v"}, "examples": [{"x-mcp-header": 1}]}
    )
    assert param_paths(values) == {}
