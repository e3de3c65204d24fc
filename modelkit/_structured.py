"""Structured output: JSON Schemas from Python types, and answers parsed and checked against them.

``schema_from_type`` builds the JSON Schema of a ``TypedDict``, dataclass,
attrs class or pydantic model (found by duck typing: ``model_json_schema``),
or of any hint the tool-schema code knows (``tools._schema``): objects get
``additionalProperties: false`` and list their required fields. ``parse_answer``
reads a completion as strict JSON (``_json.loads``: nesting deeper than 128
levels, ``NaN`` and ``Infinity`` are refused, never a ``RecursionError`` or a
non-finite number), checks it against a schema (``tools._validate``) and,
given a type, converts it to that type; an answer that is not JSON or does
not match raises ``ResponseFormatError`` carrying the raw text.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._json import loads as strict_json
from .errors import ConfigError, ResponseFormatError, shorten
from .tools._schema import UnsupportedHint, from_json_schema, schema_for
from .tools._validate import convert, validate

__all__ = ["parse_answer", "schema_from_type"]


def schema_from_type(into: Any) -> Dict[str, Any]:
    """The JSON Schema of ``into`` (a class or type hint).

    Raises:
        ConfigError: ``into`` is not a type modelkit can describe.
    """
    schema_method = getattr(into, "model_json_schema", None)
    if callable(schema_method):  # pydantic: its own schema, $refs and all
        schema: Dict[str, Any] = dict(schema_method())
        return schema
    try:
        return schema_for(into).to_dict()
    except UnsupportedHint as exc:
        raise ConfigError(
            f"cannot build a JSON Schema from {into!r}: {exc}. Use a TypedDict, dataclass, "
            "attrs class or pydantic model, or pass a JSON Schema dict"
        ) from exc


def parse_answer(text: str, schema: Dict[str, Any], into: Any = None) -> Any:
    """``text`` parsed as JSON, checked against ``schema``, converted to ``into`` if given.

    Raises:
        ResponseFormatError: the text is not JSON, does not match the
            schema, or does not fit ``into`` (``.text`` is the raw answer).
    """
    try:
        value = strict_json(text)  # hostile nesting, NaN and Infinity are "not JSON"
    except ValueError as exc:
        raise ResponseFormatError(
            f"the answer is not JSON ({exc}): {shorten(text, 200)}", text=text
        ) from exc
    try:
        checked = from_json_schema(schema, _defs(schema), ())
    except UnsupportedHint as exc:
        raise ConfigError(f"cannot check answers against this schema: {exc}") from exc
    problems = validate(value, checked)
    if problems:
        listed = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise ResponseFormatError(f"the answer does not match the schema: {listed}", text=text)
    if into is None or into is dict:
        return value
    try:
        return convert(value, into)
    except (ValueError, TypeError) as exc:
        raise ResponseFormatError(
            f"the answer does not fit {getattr(into, '__name__', into)!r}: {exc}", text=text
        ) from exc


def _defs(schema: Dict[str, Any]) -> Dict[str, Any]:
    defs: Optional[Dict[str, Any]] = schema.get("$defs") or schema.get("definitions")
    return dict(defs or {})
