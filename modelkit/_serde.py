"""Plain-dict serialisation shared by the attrs value types.

``to_dict`` turns an attrs instance into JSON-ready dicts and lists, leaving
out fields that are ``None``; ``from_dict`` builds one back, decoding nested
fields through the class's ``_decoders`` map. Kept apart from the domain
classes so that they stay plain value types.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Type, TypeVar

import attrs

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

    Raises:
        ConfigError: ``data`` is not a dict or has keys ``cls`` does not know.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{cls.__name__}.from_dict() needs a dict, got {type(data).__name__}")
    decoders: Mapping[str, Decoder] = getattr(cls, "_decoders", {})
    fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    kwargs: Dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
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


class Serializable:
    """Mixin giving an attrs class ``to_dict()`` and ``from_dict()``."""

    __slots__ = ()

    def to_dict(self) -> Dict[str, Any]:
        """This value as JSON-ready data that :meth:`from_dict` reads back."""
        data: Dict[str, Any] = unstructure(self)
        return data

    @classmethod
    def from_dict(cls: Type[T], data: Mapping[str, Any]) -> T:
        """Build a value from the data :meth:`to_dict` made."""
        return structure(cls, data)
