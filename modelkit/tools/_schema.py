"""Python type hints to JSON Schema (``ToolParam``), for tools built from functions.

``schema_for(hint)`` maps ``int``, ``float``, ``str``, ``bool``, ``None``,
``Any``, ``Optional``/``Union``/``X | Y``, ``Literal``, ``Enum``,
``list``/``List``/``Sequence``/``set``, ``dict[str, ...]``, ``tuple``,
``TypedDict``, attrs classes and dataclasses to the schema a model sees;
``datetime``, ``date`` and ``time`` to strings with a ``format`` (as
Inspect does), and any class with ``model_json_schema()`` (pydantic
models, found by duck typing: pydantic is never imported) to its own
schema, ``$ref``s inlined.
Anything else raises ``UnsupportedHint``, which the caller turns into a
``ConfigError`` naming the parameter. Fixed-length tuples become arrays
whose items may be any of the tuple's types (``ToolParam`` has no
``prefixItems``); their length is checked when the call is converted.
"""

from __future__ import annotations

import collections.abc
import datetime
import enum
import types
import typing
from typing import Any, Dict, List, Optional, Tuple

import attrs

from ._hints import class_hints, hint_repr, origin_args, required_marker, strip_hint
from ._types import ToolParam

__all__ = [
    "UnsupportedHint",
    "from_json_schema",
    "is_typeddict",
    "json_default",
    "object_fields",
    "schema_for",
]

_NONE = type(None)
_DATE_FORMATS = ((datetime.datetime, "date-time"), (datetime.date, "date"), (datetime.time, "time"))
_SCHEMA_KEYS = (
    "type",
    "format",
    "description",
    "default",
    "enum",
    "required",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "examples",
)
_SCALARS = {bool: "boolean", int: "integer", float: "number", str: "string", _NONE: "null"}
_ARRAYS = {
    list,
    set,
    frozenset,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Set,
    collections.abc.MutableSet,
    collections.abc.Collection,
    collections.abc.Iterable,
}
_MAPPINGS = {dict, collections.abc.Mapping, collections.abc.MutableMapping}
_UNION_TYPES: Tuple[Any, ...] = (typing.Union, getattr(types, "UnionType", typing.Union))


class UnsupportedHint(Exception):
    """A hint JSON Schema cannot express; ``str(exc)`` says which and why."""


@attrs.frozen
class Field:
    """One property of an object type: its init name, hint, and whether it is required."""

    name: str
    hint: Any
    required: bool
    description: Optional[str] = None


def schema_for(hint: Any, _seen: Tuple[type, ...] = ()) -> ToolParam:
    """The JSON Schema of values of type ``hint``.

    Raises:
        UnsupportedHint: the hint (or a type inside it) cannot be expressed.
    """
    hint = strip_hint(hint)
    if hint is Any or hint is object:
        return ToolParam()
    if hint is None or hint is _NONE:
        return ToolParam(type="null")
    if hint in _SCALARS:
        return ToolParam(type=_SCALARS[hint])
    supertype = getattr(hint, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return schema_for(supertype, _seen)
    origin, args = origin_args(hint)
    if origin is None and isinstance(hint, type):
        return _class_schema(hint, _seen)
    if origin in _UNION_TYPES:
        return ToolParam(anyOf=_distinct(schema_for(arg, _seen) for arg in args))
    if origin is typing.Literal:
        return _enum_schema(list(args), hint)
    if origin is tuple:
        return _tuple_schema(args, _seen)
    if origin in _ARRAYS:
        return ToolParam(type="array", items=schema_for(args[0], _seen) if args else None)
    if origin in _MAPPINGS:
        return _mapping_schema(hint, args, _seen)
    raise UnsupportedHint(f"{hint_repr(hint)} has no JSON Schema equivalent")


def _class_schema(cls: type, seen: Tuple[type, ...]) -> ToolParam:
    for kind, format in _DATE_FORMATS:  # datetime first: it subclasses date
        if issubclass(cls, kind):
            return ToolParam(type="string", format=format)
    if callable(getattr(cls, "model_json_schema", None)):
        document = cls.model_json_schema()  # type: ignore[attr-defined]  # pydantic-like
        param = from_json_schema(document, document.get("$defs") or {}, ())
        if param.type == "object" and param.additionalProperties is None:
            param = attrs.evolve(param, additionalProperties=False)  # as Inspect sends it
        return param
    if issubclass(cls, enum.Enum):
        return _enum_schema([member.value for member in cls], cls)
    if cls is tuple:
        return ToolParam(type="array")
    if cls in _ARRAYS:
        return ToolParam(type="array")
    if cls in _MAPPINGS:
        return ToolParam(type="object")
    if is_typeddict(cls) or attrs.has(cls) or _is_dataclass(cls):
        if cls in seen:
            raise UnsupportedHint(f"{cls.__qualname__} refers to itself (recursive types)")
        fields = object_fields(cls)
        properties = {f.name: _described(schema_for(f.hint, (*seen, cls)), f) for f in fields}
        return ToolParam(
            type="object",
            properties=properties,
            required=[f.name for f in fields if f.required],
            additionalProperties=False,
        )
    raise UnsupportedHint(
        f"{cls.__qualname__} has no JSON Schema equivalent (use a TypedDict, an attrs "
        "class or a dataclass for structured values)"
    )


def from_json_schema(schema: Any, defs: Dict[str, Any], refs: Tuple[str, ...]) -> ToolParam:
    """A JSON Schema document (a pydantic model's) as a ``ToolParam``.

    ``$ref``s to ``$defs`` are inlined, a one-item ``allOf`` is unwrapped,
    ``const`` becomes a one-value ``enum``, ``oneOf`` an ``anyOf`` and a list
    of types an ``anyOf`` of them; keys ``ToolParam`` cannot hold (``title``,
    ``$schema``, ``exclusiveMinimum``...) are dropped.

    Raises:
        UnsupportedHint: a ``$ref`` that is recursive or points outside ``$defs``.
    """
    if not isinstance(schema, dict):
        return ToolParam()
    ref = schema.get("$ref") or _single(schema.get("allOf"))
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in refs or name not in defs:
            raise UnsupportedHint(f"schema reference {ref!r} is recursive or not in $defs")
        inner = from_json_schema(defs[name], defs, (*refs, name))
        text = schema.get("description")
        return attrs.evolve(inner, description=text) if text else inner
    fields: Dict[str, Any] = {k: schema[k] for k in _SCHEMA_KEYS if k in schema}
    if "const" in schema:
        fields["enum"] = [schema["const"]]
    if isinstance(fields.get("type"), list):
        fields["anyOf"] = [ToolParam(type=kind) for kind in fields.pop("type")]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        fields["anyOf"] = [from_json_schema(o, defs, refs) for o in options]
    if isinstance(schema.get("items"), dict):
        fields["items"] = from_json_schema(schema["items"], defs, refs)
    if isinstance(schema.get("properties"), dict):
        fields["properties"] = {
            key: from_json_schema(value, defs, refs) for key, value in schema["properties"].items()
        }
    extra = schema.get("additionalProperties")
    if isinstance(extra, (bool, dict)):
        fields["additionalProperties"] = (
            extra if isinstance(extra, bool) else from_json_schema(extra, defs, refs)
        )
    return ToolParam(**fields)


def _single(options: Any) -> Any:
    if isinstance(options, list) and len(options) == 1 and isinstance(options[0], dict):
        return options[0].get("$ref")
    return None


def _described(param: ToolParam, field: Field) -> ToolParam:
    return attrs.evolve(param, description=field.description) if field.description else param


def _distinct(schemas: Any) -> List[ToolParam]:
    out: List[ToolParam] = []
    for schema in schemas:
        if schema not in out:
            out.append(schema)
    return out


def _enum_schema(values: List[Any], hint: Any) -> ToolParam:
    for value in values:
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise UnsupportedHint(
                f"{hint_repr(hint)} has the value {value!r}, which is not a JSON value"
            )
    kinds = {_SCALARS[type(value)] for value in values if type(value) in _SCALARS}
    kind = kinds.pop() if len(kinds) == 1 else None
    return ToolParam(type=kind, enum=values)


def _tuple_schema(args: Tuple[Any, ...], seen: Tuple[type, ...]) -> ToolParam:
    if not args or args == ((),):
        return ToolParam(type="array")
    if len(args) == 2 and args[1] is Ellipsis:
        return ToolParam(type="array", items=schema_for(args[0], seen))
    items = _distinct(schema_for(arg, seen) for arg in args)
    return ToolParam(type="array", items=items[0] if len(items) == 1 else ToolParam(anyOf=items))


def _mapping_schema(hint: Any, args: Tuple[Any, ...], seen: Tuple[type, ...]) -> ToolParam:
    if not args:
        return ToolParam(type="object")
    key = strip_hint(args[0])
    if key is not str and key is not Any:
        raise UnsupportedHint(f"{hint_repr(hint)}: JSON object keys are strings, not {key!r}")
    value = schema_for(args[1], seen)
    return ToolParam(type="object", additionalProperties=value if value != ToolParam() else None)


# --- structured types ---------------------------------------------------------


def is_typeddict(cls: Any) -> bool:
    """Whether ``cls`` is a ``TypedDict`` (from ``typing`` or ``typing_extensions``)."""
    return (
        isinstance(cls, type)
        and issubclass(cls, dict)
        and hasattr(cls, "__total__")
        and hasattr(cls, "__annotations__")
    )


def _is_dataclass(cls: type) -> bool:
    return "__dataclass_fields__" in getattr(cls, "__dict__", {})


def object_fields(cls: type) -> List[Field]:
    """The fields of a TypedDict, attrs class or dataclass, in order.

    Raises:
        UnsupportedHint: a field's annotation cannot be evaluated.
    """
    from ._docstrings import parse_docstring
    from ._hints import HintError

    try:
        hints = class_hints(cls)
    except HintError as exc:
        raise UnsupportedHint(f"{cls.__qualname__}.{exc}") from exc
    docs = parse_docstring(cls.__doc__).params if cls.__doc__ else {}
    fields: List[Field] = []
    if is_typeddict(cls):
        required = getattr(cls, "__required_keys__", None)
        for name, hint in hints.items():
            needed = required_marker(hint)
            if needed is None:  # string annotations hide markers from __required_keys__
                needed = name in required if required is not None else bool(cls.__total__)  # type: ignore[attr-defined]
            fields.append(Field(name, strip_hint(hint), needed, docs.get(name)))
    elif attrs.has(cls):
        for field in attrs.fields(cls):
            if not field.init:
                continue
            alias = getattr(field, "alias", None) or field.name.lstrip("_")
            hint = hints.get(field.name, field.type)
            if hint is None or isinstance(hint, str):
                raise UnsupportedHint(f"{cls.__qualname__}.{field.name} has no usable type hint")
            required = field.default is attrs.NOTHING
            fields.append(Field(alias, hint, required, docs.get(alias) or docs.get(field.name)))
    else:
        import dataclasses

        for dc_field in dataclasses.fields(cls):
            if not dc_field.init:
                continue
            required = (
                dc_field.default is dataclasses.MISSING
                and dc_field.default_factory is dataclasses.MISSING
            )
            hint = hints.get(dc_field.name, dc_field.type)
            fields.append(Field(dc_field.name, hint, required, docs.get(dc_field.name)))
    return fields


def json_default(value: Any) -> Tuple[bool, Any]:
    """``(True, value)`` as JSON when a parameter default can be shown in a schema."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int, float)):
        return value is not None, value
    if isinstance(value, (list, tuple)) and all(json_default(v)[0] for v in value):
        return True, [json_default(v)[1] for v in value]
    if isinstance(value, dict) and all(
        isinstance(k, str) and json_default(v)[0] for k, v in value.items()
    ):
        return True, {k: json_default(v)[1] for k, v in value.items()}
    return False, None
