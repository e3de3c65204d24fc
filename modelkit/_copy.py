"""A fast shallow copy of a slotted attrs instance.

``copy.copy`` of an attrs class with slots goes through ``__reduce_ex__``,
a state dict and ``__setstate__`` (about 8 µs for ``GenerateConfig``'s 42
fields), and ``GenerateConfig.merge(None)`` runs on every call. The copier
made here sets each slot straight from the original's through the slot
descriptors (no validators run: the original was already valid), in one
function generated per class on its second copy (2-3x faster than a loop;
the first copy goes through ``copy.copy``, so that a process making one
call, a serverless cold start, compiles nothing for it).
Fields named in ``deep`` that hold a dict or a list get a deep copy of it
in the same pass (``GenerateConfig.merge`` shares nothing mutable).
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Callable, Dict, Set, Tuple, Type, TypeVar

import attrs

__all__ = ["shallow_copy"]

T = TypeVar("T")

_MemberDescriptor = type(type("_Slotted", (), {"__slots__": ("x",)}).__dict__["x"])
_copiers: Dict[Tuple[type, Tuple[str, ...]], Callable[[Any], Any]] = {}
_copied_once: Set[Tuple[type, Tuple[str, ...]]] = set()
_lock = threading.Lock()


def shallow_copy(instance: T, deep: Tuple[str, ...] = ()) -> T:
    """A new instance of ``instance``'s class holding the same field values.

    Containers in fields are shared, as with ``copy.copy``, except in the
    fields named in ``deep``: a dict or list there is deep-copied. A class
    whose instances also have a ``__dict__`` (a subclass without slots)
    is copied by ``copy.copy``, which keeps that too (then ``deep``'s
    fields are deep-copied after).
    """
    cls = type(instance)
    copier = _copiers.get((cls, deep))
    if copier is None:
        if (cls, deep) not in _copied_once:  # the first copy: generate nothing yet
            _copied_once.add((cls, deep))
            copier = _copy_then_unshare(deep)
        else:
            copier = _make_copier(cls, deep)
    result: T = copier(instance)
    return result


def _make_copier(cls: Type[Any], deep: Tuple[str, ...]) -> Callable[[Any], Any]:
    with _lock:
        copier = _copiers.get((cls, deep))
        if copier is not None:
            return copier
        names = [field.name for field in attrs.fields(cls)]
        if "__dict__" in dir(cls) or not all(
            isinstance(cls.__dict__.get(name), _MemberDescriptor) for name in names
        ):
            copier = copy.copy if not deep else _copy_then_unshare(deep)
            _copiers[(cls, deep)] = copier
            return copier
        setters: Dict[str, Any] = {
            "_new": object.__new__,
            "_cls": cls,
            "_deepcopy": copy.deepcopy,
            "_containers": (dict, list),
        }
        lines = ["def copier(source):", "    target = _new(_cls)"]
        for index, name in enumerate(names):
            setters[f"_set{index}"] = cls.__dict__[name].__set__  # the slot's descriptor
            if name in deep:
                lines.append(f"    value = source.{name}")
                lines.append("    if value is not None and isinstance(value, _containers):")
                lines.append("        value = _deepcopy(value)")
                lines.append(f"    _set{index}(target, value)")
            else:
                lines.append(f"    _set{index}(target, source.{name})")
        lines.append("    return target")
        namespace: Dict[str, Any] = dict(setters)
        where = f"<modelkit shallow copy of {cls.__module__}.{cls.__qualname__}>"
        exec(compile("\n".join(lines), where, "exec"), namespace)
        made: Callable[[Any], Any] = namespace["copier"]
        _copiers[(cls, deep)] = made
        return made


def _copy_then_unshare(deep: Tuple[str, ...]) -> Callable[[Any], Any]:
    def copier(source: Any) -> Any:
        target = copy.copy(source)
        for name in deep:
            value = getattr(target, name)
            if isinstance(value, (dict, list)):
                object.__setattr__(target, name, copy.deepcopy(value))
        return target

    return copier
