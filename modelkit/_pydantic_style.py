"""Pydantic's model methods on attrs value types, without pydantic.

Inspect's types are pydantic models, so code written for Inspect calls
``model_dump()``, ``model_dump_json()``, ``Type.model_validate(obj)``,
``Type.model_validate_json(s)``, ``model_copy(update=, deep=)`` and reads
``Type.model_fields``. :class:`PydanticStyle` gives every modelkit type
those methods, with the output Inspect's pydantic models give for the same
object: every field, ``None`` ones included, nested types as dicts.

Three class attributes reconcile the two field sets (all optional):

- ``_computed``: read-only properties dumped like fields (``ModelOutput``'s
  ``completion``) and ignored on input;
- ``_inspect_only``: keys Inspect dumps that modelkit does not carry; dumped
  as ``None``, accepted on input when ``None`` (a real field of the same
  name wins);
- ``_modelkit_only``: fields Inspect does not have; dumped only when set;
- ``_dump_first``: keys put first, in Inspect's order (so that
  ``model_dump_json`` writes the same text as Inspect).

Input goes through the class's ``_structure`` (for ``Serializable`` types
``modelkit._serde.structure``, which honours the same attributes, so
``from_dict`` also reads Inspect's dumps). Costs nothing at
import: only ``attrs``, ``copy`` and ``json`` from the standard library.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, ClassVar, Dict, FrozenSet, Mapping, Optional, Tuple, Type, TypeVar

import attrs

from .errors import ConfigError

__all__ = ["PydanticStyle", "dump_value"]

T = TypeVar("T")
Spec = Any  # a set of names, or a dict of name -> True / nested spec (pydantic's form)

_MODES = ("python", "json")


def _select(spec: Spec, key: Any) -> Tuple[bool, Spec]:
    """Whether ``key`` is named by an include/exclude ``spec``, and its nested spec."""
    if spec is None:
        return False, None
    if isinstance(spec, Mapping):
        if key in spec:
            nested = spec[key]
            return True, None if nested is True or nested is Ellipsis else nested
        if "__all__" in spec:
            nested = spec["__all__"]
            return True, None if nested is True or nested is Ellipsis else nested
        return False, None
    return key in spec, None


class _Options:
    __slots__ = ("exclude_defaults", "exclude_none", "json")

    def __init__(self, mode: str, exclude_none: bool, exclude_defaults: bool) -> None:
        if mode not in _MODES:
            raise ConfigError(f"model_dump mode must be 'python' or 'json', got {mode!r}")
        self.json = mode == "json"
        self.exclude_none = exclude_none
        self.exclude_defaults = exclude_defaults


def _default_of(field: Any) -> Any:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory()
    return default


def _dump_attrs(value: Any, options: _Options, include: Spec, exclude: Spec) -> Dict[str, Any]:
    cls = type(value)
    computed: Tuple[str, ...] = getattr(cls, "_computed", ())
    inspect_only: Tuple[str, ...] = getattr(cls, "_inspect_only", ())
    modelkit_only: FrozenSet[str] = getattr(cls, "_modelkit_only", frozenset())
    out: Dict[str, Any] = {}
    names = set()
    for field in attrs.fields(cls):
        name = field.name
        names.add(name)
        if field.metadata.get("transient") or name.startswith("_"):
            continue
        item = getattr(value, name)
        if name in modelkit_only and item is None:
            continue
        if options.exclude_defaults and field.default is not attrs.NOTHING:
            if item == _default_of(field):
                continue
        _put(out, name, item, options, include, exclude)
    for name in computed:
        _put(out, name, getattr(value, name), options, include, exclude)
    for name in inspect_only:  # always None: a default, like any other
        if name not in names and not options.exclude_defaults:
            _put(out, name, None, options, include, exclude)
    first: Tuple[str, ...] = getattr(cls, "_dump_first", ())
    if first:
        ordered = {name: out[name] for name in first if name in out}
        ordered.update(out)
        return ordered
    return out


def _put(
    out: Dict[str, Any], name: str, item: Any, options: _Options, inc: Spec, exc: Spec
) -> None:
    if item is None and options.exclude_none:
        return
    excluded, nested_exc = _select(exc, name)
    if excluded and nested_exc is None:
        return
    if inc is not None:
        included, nested_inc = _select(inc, name)
        if not included:
            return
    else:
        nested_inc = None
    out[name] = _dump(item, options, nested_inc, nested_exc)


def _dump(value: Any, options: _Options, include: Spec = None, exclude: Spec = None) -> Any:
    if attrs.has(type(value)):
        return _dump_attrs(value, options, include, exclude)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = []
        for index, item in enumerate(value):
            if exclude is not None and _select(exclude, index) == (True, None):
                continue
            if include is not None and not _select(include, index)[0]:
                continue
            items.append(
                _dump(item, options, _select(include, index)[1], _select(exclude, index)[1])
            )
        return items if options.json or isinstance(value, list) else type(value)(items)
    if isinstance(value, dict):
        return {
            (str(key) if options.json and not isinstance(key, str) else key): _dump(item, options)
            for key, item in value.items()
        }
    if options.json:
        if isinstance(value, float) and not math.isfinite(value):
            return None  # pydantic writes inf and nan as null
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
    return value


def dump_value(value: Any, mode: str = "python", exclude_none: bool = False) -> Any:
    """Any value (attrs types anywhere inside it) as ``model_dump`` would give it."""
    return _dump(value, _Options(mode, exclude_none, False))


class _ModelFields:
    """``Type.model_fields``: the dumped fields' ``attrs.Attribute`` by name."""

    def __get__(self, instance: Any, owner: Any) -> Dict[str, Any]:
        return {
            f.name: f
            for f in attrs.fields(owner)
            if not f.metadata.get("transient") and not f.name.startswith("_")
        }


class PydanticStyle:
    """Mixin: pydantic's ``model_*`` methods for an attrs class."""

    __slots__ = ()

    model_fields: ClassVar[Dict[str, Any]] = _ModelFields()  # type: ignore[assignment]

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Spec = None,
        exclude: Spec = None,
        by_alias: Optional[bool] = None,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_unset: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
    ) -> Dict[str, Any]:
        """This value as a dict, as pydantic's ``model_dump`` gives it.

        Args:
            mode: ``"python"`` or ``"json"`` (JSON-ready: tuples become lists,
                non-string dict keys strings, ``inf``/``nan`` ``None``).
            include: the fields to keep: a set of names, or a dict of name
                to ``True`` or a nested include (``"__all__"`` for every item
                of a list).
            exclude: the fields to leave out, in the same forms.
            by_alias: accepted for compatibility; modelkit fields have no aliases.
            exclude_defaults: leave out fields equal to their default.
            exclude_none: leave out fields that are ``None`` (at every depth).
            exclude_unset: only ``False``: modelkit does not record which
                fields were set (``exclude_none``/``exclude_defaults`` instead).
            round_trip: accepted for compatibility (dumps always round-trip).
            warnings: accepted for compatibility.

        Raises:
            ConfigError: an unknown ``mode``, or ``exclude_unset=True``.
        """
        if exclude_unset:
            raise ConfigError(
                "model_dump(exclude_unset=True): modelkit does not record which fields were "
                "set; use exclude_none=True or exclude_defaults=True"
            )
        options = _Options(mode, exclude_none, exclude_defaults)
        data: Dict[str, Any] = _dump_attrs(self, options, include, exclude)
        return data

    def model_dump_json(
        self,
        *,
        indent: Optional[int] = None,
        include: Spec = None,
        exclude: Spec = None,
        by_alias: Optional[bool] = None,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        exclude_unset: bool = False,
        round_trip: bool = False,
        warnings: Any = True,
    ) -> str:
        """This value as a JSON string, compact unless ``indent`` is given (as pydantic)."""
        data = self.model_dump(
            mode="json",
            include=include,
            exclude=exclude,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            exclude_unset=exclude_unset,
        )
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(data, indent=indent, separators=separators, ensure_ascii=False)

    @classmethod
    def model_validate(
        cls: Type[T], obj: Any, *, strict: Optional[bool] = None, context: Any = None
    ) -> T:
        """Build a value from a dict (a ``model_dump``), or return an instance as is.

        Args:
            obj: the dict, an instance, or a form the type also takes.
            strict: accepted for compatibility (values are always checked).
            context: with ``{"deserializing": True}`` (Inspect's
                ``get_deserializing_context()``, used to read logs a newer
                version wrote), keys the type does not know are dropped.

        Raises:
            ConfigError: ``obj`` is not a dict, an instance or a form the type
                accepts, or has keys the type does not know.
        """
        if isinstance(obj, cls):
            return obj
        obj = cls._coerce_input(obj)  # type: ignore[attr-defined]
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise ConfigError(
                f"{cls.__name__}.model_validate() needs a dict or a {cls.__name__}, "
                f"got {type(obj).__name__}"
            )
        if isinstance(context, Mapping) and context.get("deserializing"):
            known = set(attrs.fields_dict(cls))  # type: ignore[arg-type]
            obj = {key: value for key, value in obj.items() if key in known}
        value: T = cls._structure(obj)  # type: ignore[attr-defined]
        return value

    @classmethod
    def _coerce_input(cls, obj: Any) -> Any:
        """Turn another accepted form of input (a type's shorthand) into a dict or instance."""
        return obj

    @classmethod
    def _structure(cls, data: Mapping[str, Any]) -> Any:
        """Build an instance from a dict of init arguments (``Serializable`` decodes nesting)."""
        known = {f.name for f in attrs.fields(cls) if f.init}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known - set(getattr(cls, "_computed", ())))
        if unknown:
            raise ConfigError(
                f"{cls.__name__} has no field(s) {', '.join(map(repr, unknown))} "
                f"(fields: {', '.join(sorted(known))})"
            )
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def model_validate_json(
        cls: Type[T], json_data: Any, *, strict: Optional[bool] = None, context: Any = None
    ) -> T:
        """Build a value from a JSON string or bytes (``model_dump_json``'s output).

        Raises:
            ConfigError: the text is not JSON, or not a valid value.
        """
        try:
            data = json.loads(json_data)
        except ValueError as exc:
            raise ConfigError(f"{cls.__name__}.model_validate_json(): not JSON ({exc})") from exc
        value: T = cls.model_validate(data, context=context)  # type: ignore[attr-defined]
        return value

    def model_copy(self: T, *, update: Optional[Mapping[str, Any]] = None, deep: bool = False) -> T:
        """A copy (``deep``: nested values copied too) with ``update``'s fields set.

        Raises:
            ConfigError: ``update`` names a field the type does not have.
        """
        fields = {f.name: f for f in attrs.fields(type(self))}  # type: ignore[arg-type]
        for name in update or {}:
            if name not in fields:
                raise ConfigError(
                    f"{type(self).__name__} has no field {name!r} (fields: {', '.join(fields)})"
                )
        duplicate = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            try:
                setattr(duplicate, name, value)  # mutable types check the value
            except attrs.exceptions.FrozenInstanceError:
                object.__setattr__(duplicate, name, value)
        return duplicate
