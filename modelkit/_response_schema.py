"""``ResponseSchema``: the JSON Schema an answer must follow (Inspect's name and fields).

``GenerateConfig.response_schema`` takes one; each provider maps it to its
API's native structured-output mode (see ``docs/structured-output.md``).
``ResponseSchema.from_type`` builds one from a ``TypedDict``, dataclass,
attrs class or pydantic model; ``ModelOutput.parse`` reads the answer back.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

import attrs

from ._serde import Serializable
from .errors import ConfigError

__all__ = ["ResponseSchema"]


def _optional_bool(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise ConfigError(f"ResponseSchema.{attribute.name} must be True or False, got {value!r}")


_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _schema_name(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not _SCHEMA_NAME.match(value):
        raise ConfigError(
            f"ResponseSchema.name must be 1-64 letters, digits, '_' or '-', got {value!r}"
        )


def _json_schema(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)  # Inspect's JSONSchema (pydantic)
    if callable(dump):
        value = dump(exclude_none=True)
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"ResponseSchema.json_schema must be a JSON Schema dict, got {type(value).__name__}; "
            "build one from a type with ResponseSchema.from_type(...)"
        )
    return dict(value)


@attrs.define
class ResponseSchema(Serializable):
    """The JSON Schema an answer must follow (``GenerateConfig.response_schema``).

    Args:
        name: the schema's name (1-64 letters, digits, ``_``, ``-``).
        json_schema: the JSON Schema (a dict).
        description: what the answer is, for the model.
        strict: ask for strict schema adherence where the API offers it
            (OpenAI's ``strict``; other APIs are always strict or never).
    """

    name: str = attrs.field(validator=_schema_name)
    json_schema: Dict[str, Any] = attrs.field(converter=_json_schema)
    description: Optional[str] = None
    strict: Optional[bool] = attrs.field(default=None, validator=_optional_bool)

    @classmethod
    def from_type(
        cls,
        into: Any,
        name: Optional[str] = None,
        description: Optional[str] = None,
        strict: Optional[bool] = None,
    ) -> ResponseSchema:
        """The schema of a ``TypedDict``, dataclass, attrs class or pydantic model.

        Args:
            into: the type (or any type hint modelkit's tool schemas understand).
            name: the schema name (default: the type's name).
            description: what the answer is (default: the type's docstring's first line).
            strict: as for the constructor.

        Raises:
            ConfigError: the type cannot be described as a JSON Schema.
        """
        from ._structured import schema_from_type

        doc = (getattr(into, "__doc__", None) or "").strip().splitlines()
        default_doc = (
            doc[0] if doc and not doc[0].startswith(f"{getattr(into, '__name__', '')}(") else None
        )
        return cls(
            name=name or re.sub(r"[^A-Za-z0-9_-]", "_", getattr(into, "__name__", "answer"))[:64],
            json_schema=schema_from_type(into),
            description=description if description is not None else default_doc,
            strict=strict,
        )
