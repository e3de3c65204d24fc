"""Plain-dict serialisation shared by the attrs value types.

``to_dict`` turns an attrs instance into JSON-ready dicts and lists, leaving
out fields that are ``None``; ``from_dict`` builds one back, decoding nested
fields through the class's ``_decoders`` map. Kept apart from the domain
classes so that they stay plain value types.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Type, TypeVar

import attrs

from ._pydantic_style import PydanticStyle
from .errors import ConfigError

T = TypeVar("T")
Decoder = Callable[[Any], Any]


def unstructure(value: Any) -> Any:
    """Return ``value`` as JSON-ready data (attrs instances become dicts)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _dumped.get(kind, _UNKNOWN)
    if names is _UNKNOWN:
        names = _dumped[kind] = _dumped_names(kind)
    if names is not None:
        out: Dict[str, Any] = {}
        for name in names:
            item = getattr(value, name)
            if item is not None:
                out[name] = item if type(item) in _SCALARS else unstructure(item)
        return out
    if isinstance(value, (list, tuple)):
        return [unstructure(v) for v in value]
    if isinstance(value, dict):
        return {k: unstructure(v) for k, v in value.items()}
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})
_UNKNOWN: Any = object()
_dumped: Dict[type, Optional[Tuple[str, ...]]] = {}
"""Per type: the attrs fields ``unstructure`` writes (not transient), ``None``: not attrs."""


def _dumped_names(kind: type) -> Optional[Tuple[str, ...]]:
    if not attrs.has(kind):
        return None
    fields = attrs.fields(kind)
    return tuple(f.name for f in fields if not f.metadata.get("transient"))


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
    if type(data) is not dict and not isinstance(data, Mapping):
        raise ConfigError(f"{cls.__name__}.from_dict() needs a dict, got {type(data).__name__}")
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = _Plan(cls)
    decoders, init = plan.decoders, plan.init
    kwargs: Dict[str, Any] = {}
    for key, value in data.items():
        if key in init:
            decode = decoders.get(key)
            kwargs[key] = decode(value) if decode is not None and value is not None else value
        else:
            plan.other_key(key, value)
    return cls(**kwargs)


class _Plan:
    """What :func:`structure` reads of a class, looked up once per class.

    ``decoders`` is the class's own map (not a copy), so decoders added to
    it after the class was made are used.
    """

    __slots__ = ("cls", "computed", "decoders", "fields", "init", "inspect_only")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.decoders: Mapping[str, Decoder] = getattr(cls, "_decoders", {})
        self.fields = {f.name: f for f in attrs.fields(cls)}
        self.init = frozenset(name for name, f in self.fields.items() if f.init)
        self.computed = getattr(cls, "_computed", ())
        self.inspect_only = getattr(cls, "_inspect_only", ())

    def other_key(self, key: str, value: Any) -> None:
        """Accept a key that is not an ``__init__`` field, or raise ``ConfigError``."""
        if key in self.fields:  # a field set by the class itself (init=False)
            return
        if key in self.computed or (key in self.inspect_only and value is None):
            return
        name = self.cls.__name__
        if key in self.inspect_only:
            raise ConfigError(
                f"{name}: modelkit does not carry Inspect's field {key!r} "
                f"(got {value!r}); remove it or set it to None"
            )
        known = ", ".join(sorted(self.fields))
        raise ConfigError(f"{name} has no field {key!r} (fields: {known})")


_plans: Dict[type, _Plan] = {}


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
