"""Checking a tool call's arguments against its schema, then converting them.

``validate`` checks JSON values against the subset of JSON Schema that
``ToolParam`` can hold (``type``, ``enum``, ``items``, ``properties``,
``required``, ``additionalProperties``, ``anyOf``) and returns readable
problems, each with its path (``city``, ``stops[2].name``). ``convert``
then turns the checked JSON into the Python values the function's hints
ask for: ``Enum`` members, attrs classes, dataclasses, pydantic-like models
(``model_validate``), ``datetime``/``date``/``time`` from ISO 8601 strings,
tuples, sets, floats from integers.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Dict, List, Union

import attrs

from ._hints import origin_args, strip_hint
from ._schema import _ARRAYS, _MAPPINGS, _UNION_TYPES, is_typeddict, object_fields, schema_for
from ._types import ToolParam, ToolParams

__all__ = ["convert", "validate"]

Schema = Union[ToolParam, ToolParams]


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def _where(path: str) -> str:
    return path or "the arguments"


def validate(value: Any, schema: Schema, path: str = "") -> List[str]:
    """What is wrong with ``value`` under ``schema`` (an empty list: nothing)."""
    problems: List[str] = []
    if schema.type is not None and not _type_ok(value, schema.type):
        return [f"{_where(path)}: expected {schema.type}, got {_json_type(value)} {value!r}"]
    if isinstance(schema, ToolParam):
        if schema.enum is not None and not _in_enum(value, schema.enum):
            return [f"{_where(path)}: {value!r} is not one of {schema.enum!r}"]
        if schema.anyOf:
            if all(validate(value, option, path) for option in schema.anyOf):
                kinds = " or ".join(_describe(option) for option in schema.anyOf)
                return [f"{_where(path)}: expected {kinds}, got {_json_type(value)} {value!r}"]
        if schema.items is not None and isinstance(value, list):
            for i, item in enumerate(value):
                problems += validate(item, schema.items, f"{path}[{i}]")
    if isinstance(value, dict) and (schema.properties is not None or schema.type == "object"):
        problems += _validate_object(value, schema, path)
    return problems


def _validate_object(value: Dict[str, Any], schema: Schema, path: str) -> List[str]:
    problems: List[str] = []
    properties = schema.properties or {}
    for name in schema.required or []:
        if name not in value:
            problems.append(f"{_join(path, name)}: required but missing")
    extra = schema.additionalProperties
    for name, item in value.items():
        if name in properties:
            problems += validate(item, properties[name], _join(path, name))
        elif extra is False and schema.properties is not None:
            allowed = ", ".join(properties) or "none"
            problems.append(f"{_join(path, name)}: unexpected (allowed: {allowed})")
        elif isinstance(extra, ToolParam):
            problems += validate(item, extra, _join(path, name))
    return problems


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _in_enum(value: Any, options: List[Any]) -> bool:
    # JSON equality: True is not 1, 1 is 1.0.
    return any((type(value) is bool) == (type(o) is bool) and value == o for o in options)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _describe(schema: ToolParam) -> str:
    if schema.enum is not None:
        return f"one of {schema.enum!r}"
    return schema.type or "a value of another shape"


# --- conversion to the function's types -----------------------------------------


def convert(value: Any, hint: Any) -> Any:
    """``value`` (valid JSON for ``hint``'s schema) as a value of type ``hint``.

    Raises:
        ValueError: the value does not fit (a fixed tuple of the wrong
            length, an attrs validator refusing it...).
        TypeError: as ``ValueError``, from a class's own ``__init__``.
    """
    hint = strip_hint(hint)
    if value is None or hint is Any:
        return value
    origin, args = origin_args(hint)
    if origin is None:
        return _convert_class(value, hint)
    if origin in _UNION_TYPES:
        for arm in args:
            if not validate(value, schema_for(arm)):
                return convert(value, arm)
        return value
    if origin is tuple:
        return _convert_tuple(value, args)
    if origin in _ARRAYS and isinstance(value, list):
        items = [convert(item, args[0]) for item in value] if args else list(value)
        return origin(items) if origin in (set, frozenset) else items
    if origin in _MAPPINGS and isinstance(value, dict) and len(args) == 2:
        return {key: convert(item, args[1]) for key, item in value.items()}
    return value


def _convert_class(value: Any, hint: Any) -> Any:
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, float):
        return int(value)
    if not isinstance(hint, type):
        return value
    if issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(value, str) and issubclass(hint, (datetime.date, datetime.time)):
        return _parse_when(value, hint)
    if isinstance(value, dict) and callable(getattr(hint, "model_validate", None)):
        return hint.model_validate(value)  # type: ignore[attr-defined]  # pydantic-like
    if hint in (set, frozenset, tuple) and isinstance(value, list):
        return hint(value)
    if isinstance(value, dict) and (is_typeddict(hint) or attrs.has(hint) or _dataclass(hint)):
        fields = {f.name: f.hint for f in object_fields(hint)}
        data = {k: convert(v, fields[k]) if k in fields else v for k, v in value.items()}
        return data if is_typeddict(hint) else hint(**data)
    return value


def _parse_when(value: str, hint: type) -> Any:
    """An ISO 8601 string as ``hint`` (a datetime, date or time); ``Z`` means UTC."""
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    if issubclass(hint, datetime.datetime):
        return hint.fromisoformat(text)
    if issubclass(hint, datetime.date):
        return hint.fromisoformat(value)
    return hint.fromisoformat(text)  # type: ignore[attr-defined]  # a datetime.time


def _dataclass(cls: type) -> bool:
    return "__dataclass_fields__" in getattr(cls, "__dict__", {})


def _convert_tuple(value: Any, args: Any) -> Any:
    if not isinstance(value, list):
        return value
    if not args or args == ((),):
        return tuple(value)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(convert(item, args[0]) for item in value)
    if len(value) != len(args):
        raise ValueError(f"expected an array of {len(args)} items, got {len(value)}")
    return tuple(convert(item, arm) for item, arm in zip(value, args))
