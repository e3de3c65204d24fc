"""Plain-dict serialisation shared by the attrs value types.

``to_dict`` turns an attrs instance into JSON-ready dicts and lists, leaving
out fields that are ``None``; ``from_dict`` builds one back, decoding nested
fields through the class's ``_decoders`` map. Kept apart from the domain
classes so that they stay plain value types.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Type, TypeVar

import attrs

from ._pydantic_style import PydanticStyle
from .errors import ConfigError

T = TypeVar("T")
Decoder = Callable[[Any], Any]


def unstructure(value: Any) -> Any:
    """Return ``value`` as JSON-ready data (attrs instances become dicts)."""
    if attrs.has(type(value)):
        out: Dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if item is None or field.metadata.get("transient"):
                continue
            out[field.name] = unstructure(item)
        return out
    if isinstance(value, (list, tuple)):
        return [unstructure(v) for v in value]
    if isinstance(value, dict):
        return {k: unstructure(v) for k, v in value.items()}
    return value


def structure(cls: Type[T], data: Mapping[str, Any]) -> T:
    """Build ``cls`` from a dict made by :func:`unstructure`.

    Also reads Inspect's ``model_dump()`` of the same type: keys the class
    lists in ``_computed`` are skipped, and so are keys in ``_inspect_only``
    (fields modelkit does not carry) whose value is ``None``. An instance of
    ``cls`` is returned as it is.

    Raises:
        ConfigError: ``data`` is not a dict or has keys ``cls`` does not know.
    """
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise ConfigError(f"{cls.__name__}.from_dict() needs a dict, got {type(data).__name__}")
    decoders: Mapping[str, Decoder] = getattr(cls, "_decoders", {})
    fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    computed = getattr(cls, "_computed", ())
    inspect_only = getattr(cls, "_inspect_only", ())
    kwargs: Dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            if key in computed or (key in inspect_only and value is None):
                continue
            if key in inspect_only:
                raise ConfigError(
                    f"{cls.__name__}: modelkit does not carry Inspect's field {key!r} "
                    f"(got {value!r}); remove it or set it to None"
                )
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{cls.__name__} has no field {key!r} (fields: {known})")
        if not field.init:
            continue
        decode = decoders.get(key)
        kwargs[key] = decode(value) if decode is not None and value is not None else value
    return cls(**kwargs)


def list_of(decode: Decoder) -> Decoder:
    """A decoder for a list whose items go through ``decode``."""
    return lambda items: [decode(item) for item in items]


def dict_of(decode: Decoder) -> Decoder:
    """A decoder for a dict whose values go through ``decode``."""
    return lambda items: {key: decode(value) for key, value in items.items()}


class Serializable(PydanticStyle):
    """Mixin giving an attrs class ``to_dict()`` and ``from_dict()``, and
    pydantic's ``model_dump()`` / ``model_validate()`` family (:class:`PydanticStyle`)."""

    __slots__ = ()

    def to_dict(self) -> Dict[str, Any]:
        """This value as JSON-ready data that :meth:`from_dict` reads back."""
        data: Dict[str, Any] = unstructure(self)
        return data

    @classmethod
    def from_dict(cls: Type[T], data: Mapping[str, Any]) -> T:
        """Build a value from the data :meth:`to_dict` made."""
        return structure(cls, data)

    @classmethod
    def _structure(cls, data: Mapping[str, Any]) -> Any:
        return cls.from_dict(data)
