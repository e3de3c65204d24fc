"""Plain-dict serialisation shared by the attrs value types.

``to_dict`` turns an attrs instance into JSON-ready dicts and lists, leaving
out fields that are ``None``; ``from_dict`` builds one back, decoding nested
fields through the class's ``_decoders`` map. Kept apart from the domain
classes so that they stay plain value types.

``from_dict`` runs one function generated per class on its first use
(``_generate``): for a plain ``dict`` holding only keys the class knows, it
copies the dict, drops the keys that are no ``__init__`` argument, decodes
the nested fields (calling the nested classes' own generated functions, not
their ``from_dict``) and calls the class. Anything else (an instance, a
non-dict mapping, an unknown key, an Inspect-only key with a value) takes
the general path, ``structure``, which accepts or refuses it as before.
A cache hit rebuilds its output this way (issue 24).
"""

from __future__ import annotations

import threading
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
    decoder = lambda items: [decode(item) for item in items]  # noqa: E731 - marked below
    decoder.__dict__["each"] = decode  # a generated builder loops over the items itself
    return decoder


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
        build = _builders.get(cls)
        if build is None:
            build = _current(cls)
        built: T = build(data)
        return built

    @classmethod
    def _structure(cls, data: Mapping[str, Any]) -> Any:
        return cls.from_dict(data)


_builders: Dict[type, Callable[[Any], Any]] = {}
_generating = threading.Lock()


def _current(cls: type) -> Callable[[Any], Any]:
    """``cls``'s builder, generated again if its class gained decoders since."""
    build = _builders.get(cls)
    if build is None or build.__dict__["decoders"] != len(getattr(cls, "_decoders", {})):
        build = _generate(cls)
    return build


def _generate(cls: type) -> Callable[[Any], Any]:
    """Generate ``cls``'s builder: ``structure`` unrolled for a plain dict.

    It drops the keys that are fields but no ``__init__`` argument (or
    computed), decodes the nested values present and calls the class with
    the rest; a dict the class cannot take that way (an unknown key, an
    Inspect-only key, a missing argument: ``TypeError`` from ``__init__``)
    goes to ``structure``, which accepts it or raises as it always did. The
    builder notes how many decoders the class had; one added to its
    ``_decoders`` map later makes it generate the class's builder again.
    """
    with _generating:
        plan = _Plan(cls)
        decoders = dict(plan.decoders)
        namespace: Dict[str, Any] = {
            "_cls": cls,
            "_general": structure,
            "_current": _current,
            "_decoders": plan.decoders,
        }
        dropped = sorted(set(plan.fields) - plan.init)
        dropped += [name for name in plan.computed if name not in plan.fields]
        decoded = [(name, decode) for name, decode in decoders.items() if name in plan.init]
        lines = [
            "def build(data):",
            f"    if len(_decoders) != {len(decoders)}:",
            "        return _current(_cls)(data)",
            "    if type(data) is not dict:",
            "        return _general(_cls, data)",
            "    kwargs = data.copy()" if dropped or decoded else "    kwargs = data",
        ]
        lines += [f"    kwargs.pop({name!r}, None)" for name in dropped]
        for index, (name, decode) in enumerate(decoded):
            slot = f"_decode{index}"
            each = getattr(decode, "each", None)
            namespace[slot] = _nested(each if each is not None else decode, namespace, slot)
            call = f"[{slot}(item) for item in value]" if each is not None else f"{slot}(value)"
            test = "value is not None"
            kept = getattr(decode, "keeps", None)  # a type the decoder returns as it is
            if kept is not None:
                namespace[f"_keeps{index}"] = kept
                test += f" and type(value) is not _keeps{index}"
            lines += [
                f"    value = kwargs.get({name!r})",
                f"    if {test}:",
                f"        kwargs[{name!r}] = {call}",
            ]
        lines += [
            "    try:",
            "        return _cls(**kwargs)",
            "    except TypeError:  # not an argument, or one missing: as structure says",
            "        return _general(_cls, data)",
        ]
        where = f"<modelkit from_dict of {cls.__module__}.{cls.__qualname__}>"
        exec(compile("\n".join(lines), where, "exec"), namespace)
        made: Callable[[Any], Any] = namespace["build"]
        made.__dict__["decoders"] = len(decoders)
        _builders[cls] = made
        return made


def _nested(decode: Decoder, namespace: Dict[str, Any], slot: str) -> Decoder:
    """``decode``; for a ``Serializable``'s own ``from_dict``, a stand-in that puts the
    builder it runs in ``namespace[slot]`` on first use (then a nested value is one call)."""
    owner = getattr(decode, "__self__", None)
    if not (
        isinstance(owner, type)
        and getattr(decode, "__func__", None) is _FROM_DICT
        and issubclass(owner, Serializable)
    ):
        return decode

    def first(data: Any) -> Any:
        build = _current(owner)
        namespace[slot] = build
        return build(data)

    return first


_FROM_DICT = Serializable.__dict__["from_dict"].__func__
