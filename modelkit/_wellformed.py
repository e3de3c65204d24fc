"""Is a value what its type hints say? The check every parsed output passes.

A provider's parser turns a response body into a ``ModelOutput``; a body of
the wrong shape (a usage count that is a string or a list, a text part that
is a number, ``1e999`` as a log probability) must not come back as an
output whose ``.completion`` or ``+`` fails later. ``check_output`` walks an
output against the type hints of its attrs classes (resolved once per class
and compiled into small checkers) and raises ``ValueError`` naming the
first field that does not match: ``str`` is a ``str``, ``int`` an ``int``
(not a ``bool``), ``float`` a finite number, a ``Literal`` one of its
values, a list or dict of the declared items, a fixed-length tuple item by
item, an attrs class an instance
checked the same way. ``Any`` accepts anything. Fields marked
``transient`` (the call record) are skipped. Cached outputs pass the same
check, so a tampered entry is a miss, never a malformed output.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable, Dict, FrozenSet, List, Tuple, Union

import attrs

__all__ = ["PARSE_ERRORS", "check_output", "check_value"]

PARSE_ERRORS = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,  # int(1e999): OverflowError
    RecursionError,
)
"""What parsing a malformed body (or cached entry) raises; each becomes a
``ResponseFormatError`` (or a cache miss), never the caller's problem."""

Checker = Callable[[Any], None]
Plan = List[Tuple[str, FrozenSet[type], Checker, Any]]  # field, fast types, checker, (hint)
_plans: Dict[type, Plan] = {}
_checkers: Dict[type, Checker] = {}
_callers: Dict[type, List[Tuple[Dict[str, Any], str]]] = {}  # globals calling a stub
_lock = threading.Lock()


class _Mismatch(Exception):
    """A value that does not match; ``where`` grows as it propagates up."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.where: List[str] = []


def check_output(output: Any) -> None:
    """Raise ``ValueError`` unless every field of ``output`` matches its type hint."""
    try:  # check_value(output, "output"), without its call
        (_checkers.get(type(output)) or _attrs_checker(type(output)))(output)
    except _Mismatch as exc:
        raise ValueError(f"output{''.join(reversed(exc.where))} {exc}") from None


def check_value(value: Any, name: str) -> None:
    """Raise ``ValueError`` unless attrs instance ``value`` matches its type hints.

    Args:
        value: an attrs instance.
        name: what to call it in the message (``output``).
    """
    try:
        (_checkers.get(type(value)) or _attrs_checker(type(value)))(value)
    except _Mismatch as exc:
        where = name + "".join(reversed(exc.where))
        raise ValueError(f"{where} {exc}") from None


def _fail(value: Any, expected: str) -> _Mismatch:
    shown = repr(value)
    return _Mismatch(f"is {shown[:60] + '...' if len(shown) > 60 else shown}, not {expected}")


def _attrs_checker(cls: type) -> Checker:
    """The checker of instances of ``cls``: a stub until the first instance of exactly
    ``cls`` is checked, then the function generated for it (``_generated``)."""
    known = _checkers.get(cls)
    if known is None:
        known = _checkers[cls] = _stub(cls)
    return known


def _stub(cls: type) -> Checker:
    """Checks a value that is not exactly a ``cls`` (a subclass, or a mismatch); for
    exactly a ``cls``, the first time by the plan's loop, then by the checker it
    generates, which replaces the stub everywhere (a process that checks one
    output, a serverless cold start, compiles nothing and resolves only the
    hints of fields whose values are not of a type read from the annotation)."""
    checked_once: List[bool] = []

    def check(value: Any) -> None:
        if not isinstance(value, cls):
            raise _fail(value, cls.__name__)
        if type(value) is not cls:  # a subclass: its own fields too
            _check_fields(value)
            return
        generated = _checkers.get(cls)
        if generated is check or generated is None:
            if not checked_once:
                checked_once.append(True)
                _check_fields(value)
                return
            generated = _generated(cls, check)
        generated(value)

    check.__dict__["stub_of"] = cls
    return check


def _check_fields(value: Any) -> None:
    """Check ``value``'s fields by its class's plan (a loop: for subclasses)."""
    plan = _plans.get(type(value))
    if plan is None:
        plan = _plans[type(value)] = _plan(type(value))
    for name, fast, checker, _hint in plan:
        item = getattr(value, name)
        kind = type(item)
        if kind in fast and (kind is not float or item - item == 0):  # nan, inf: not 0
            continue  # the common case, without a call
        try:
            checker(item)
        except _Mismatch as exc:
            exc.where.append(f".{name}")
            raise


def _generated(cls: type, stub: Checker) -> Checker:
    """One function checking an instance of ``cls``: the plan's loop unrolled.

    A field whose value passes at once costs no call: its type is one of
    ``_fast_types``, or it is one of a ``Literal``'s values, or a ``dict``
    where any values are accepted. A field holding an attrs class (or a
    list of them) calls that class's generated function directly. Anything
    else, and any value that fails, goes to the field's full checker, which
    raises with the path to the offending value. A value not exactly of
    ``cls`` goes to ``stub``. The function replaces the stub in
    ``_checkers`` and in the functions already generated that call it (their
    globals), so a nested check is one call.
    """
    plan = _plans.get(cls)
    if plan is None:
        plan = _plans[cls] = _plan(cls)
    namespace: Dict[str, Any] = {"_Mismatch": _Mismatch, "_cls": cls, "_stub": stub}
    lines = ["def check(value):", "    if type(value) is not _cls:", "        return _stub(value)"]
    for index, (name, fast, resolver, _unresolved) in enumerate(plan):
        checker, hint = resolver.resolve()  # type: ignore[attr-defined]  # every hint, now
        namespace[f"_fast{index}"], namespace[f"_check{index}"] = fast, checker
        _link(namespace, f"_check{index}", checker)
        lines += [
            f"    item = value.{name}",
            "    kind = type(item)",
            f"    if kind not in _fast{index} or (kind is float and item - item != 0):",
        ]
        lines += ["        " + line for line in _quick(hint, index, namespace)]
        lines += [
            "            try:",
            f"                _check{index}(item)",
            "            except _Mismatch as exc:",
            f"                exc.where.append({'.' + name!r})",
            "                raise",
        ]
    lines.append("    return None")
    where = f"<modelkit output check of {cls.__module__}.{cls.__qualname__}>"
    exec(compile("\n".join(lines), where, "exec"), namespace)
    made: Checker = namespace["check"]
    with _lock:
        _checkers[cls] = made
        for caller, name in _callers.pop(cls, []):
            caller[name] = made
    return made


def _link(namespace: Dict[str, Any], name: str, checker: Checker) -> None:
    """Make ``namespace[name]`` a stub's generated function, now or once it is made."""
    inner = getattr(checker, "stub_of", None)
    if inner is not None:
        with _lock:
            current = _checkers.get(inner)
            if current is not None and not hasattr(current, "stub_of"):
                namespace[name] = current
            else:
                _callers.setdefault(inner, []).append((namespace, name))


def _quick(hint: Any, index: int, namespace: Dict[str, Any]) -> List[str]:
    """Lines setting ``ok`` when a common value of ``hint`` passes without the
    field's full checker; they end in ``if not ok:``, under which it goes."""
    import typing

    options = typing.get_args(hint) if typing.get_origin(hint) is Union else (hint,)
    literals = [a for o in options if typing.get_origin(o) is typing.Literal for a in o.__args__]
    classes = [o for o in options if isinstance(o, type) and attrs.has(o)]
    lists = [
        typing.get_args(o)[0]
        for o in options
        if typing.get_origin(o) in (list, List)
        and typing.get_args(o)
        and isinstance(typing.get_args(o)[0], type)
        and attrs.has(typing.get_args(o)[0])
    ]
    free_dict = any(
        typing.get_origin(o) in (dict, Dict) and typing.get_args(o)[1:] in ((), (Any,))
        for o in options
    )
    lines = ["ok = False"]
    if literals:
        namespace[f"_lit{index}"] = frozenset(literals)
        namespace[f"_littypes{index}"] = frozenset(type(a) for a in literals)
        lines += [f"if kind in _littypes{index} and item in _lit{index}:", "    ok = True"]
    if free_dict:
        lines += ["if kind is dict:", "    ok = True"]
    if len(classes) == 1:
        namespace[f"_cls{index}"] = classes[0]
        namespace[f"_inner{index}"] = _attrs_checker(classes[0])
        _link(namespace, f"_inner{index}", namespace[f"_inner{index}"])
        lines += [
            f"if kind is _cls{index}:",
            "    try:",
            f"        _inner{index}(item)",
            "        ok = True",
            "    except _Mismatch:",
            "        pass",
        ]
    if len(lists) == 1:
        namespace[f"_item{index}"] = lists[0]
        namespace[f"_each{index}"] = _attrs_checker(lists[0])
        _link(namespace, f"_each{index}", namespace[f"_each{index}"])
        lines += [
            "if kind is list:",
            "    ok = True",
            "    try:",
            "        for element in item:",
            f"            if type(element) is not _item{index}:",
            "                ok = False",
            "                break",
            f"            _each{index}(element)",
            "    except _Mismatch:",
            "        ok = False",
        ]
    return [*lines, "if not ok:"]


def _plan(cls: type) -> Plan:
    """Per field: its name, the types that pass at once, and its checker.

    The types that pass at once are read from the annotation's text (``str``,
    ``int``, ``float``, ``bool``, ``None`` at its top level); the hint itself is
    resolved only when a value of another type reaches the field or the
    class's checker is generated, so that a first check of a field left
    ``None`` never imports or builds the classes its hint names (issue 24,
    cold start: ``Optional[Logprobs]``).
    """
    plan: Plan = []
    for field in attrs.fields(cls):
        if not field.metadata.get("transient"):
            annotation = field.type
            fast = (
                _fast_names(annotation) if isinstance(annotation, str) else _fast_types(annotation)
            )
            plan.append((field.name, fast, _resolver(cls, field.name), None))
    return plan


def _resolver(cls: type, name: str) -> Checker:
    """The checker of field ``name`` of ``cls``, resolving its hint on first use;
    ``resolve()`` gives the hint's checker and the hint (for generated code)."""
    resolved: List[Tuple[Checker, Any]] = []

    def resolve() -> Tuple[Checker, Any]:
        if not resolved:
            hint = _field_hint(cls, name)
            checker = _compile(hint)
            with _lock:
                if not resolved:
                    resolved.append((checker, hint))
        return resolved[0]

    def check(value: Any) -> None:
        resolve()[0](value)

    check.__dict__["resolve"] = resolve
    return check


def _field_hint(cls: type, name: str) -> Any:
    """The type hint of field ``name``, resolved in the module of the class declaring it."""
    import sys
    import typing

    for declaring in cls.__mro__:
        annotations = vars(declaring).get("__annotations__") or {}  # 3.8: no get_annotations
        if name in annotations:

            def holder() -> None: ...

            holder.__annotations__ = {name: annotations[name]}
            module = sys.modules[declaring.__module__]
            return typing.get_type_hints(holder, vars(module))[name]
    return Any


_SIMPLE_NAMES: Dict[str, Tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "float": (float, int),
    "None": (type(None),),
}


def _fast_names(annotation: str) -> FrozenSet[type]:
    """``_fast_types`` of an annotation given as text, without resolving it.

    ``"Optional[List[Logprob]]"`` gives ``{NoneType}``. Only the names of
    ``_SIMPLE_NAMES`` at the top level, within ``Optional[...]`` and
    ``Union[...]``, count: anything else is left to the resolved checker.
    """
    return frozenset(t for option in _options(annotation) for t in _SIMPLE_NAMES.get(option, ()))


def _options(text: str) -> List[str]:
    text = text.strip()
    for prefix in ("Optional[", "Union["):
        if text.startswith(prefix) and text.endswith("]"):
            parts = _split(text[len(prefix) : -1])
            if parts is None or (prefix == "Optional[" and len(parts) != 1):
                return [text]
            options = [option for part in parts for option in _options(part)]
            return [*options, "None"] if prefix == "Optional[" else options
    return [text]


def _split(inner: str) -> Any:
    """``inner`` cut at its top-level commas (``None`` when brackets do not match)."""
    parts, depth, start = [], 0, 0
    for at, char in enumerate(inner):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                return None
        elif char == "," and depth == 0:
            parts.append(inner[start:at])
            start = at + 1
    if depth != 0:
        return None
    parts.append(inner[start:])
    return parts


def _fast_types(hint: Any) -> FrozenSet[type]:
    """The exact types that pass ``hint`` with no further check (floats: when finite).

    ``Optional[List[X]]`` gives ``{NoneType}``: ``None`` passes at once, a list is checked.
    """
    import typing

    options = typing.get_args(hint) if typing.get_origin(hint) is Union else (hint,)
    simple = {
        str: (str,),
        int: (int,),
        bool: (bool,),
        float: (float, int),
        type(None): (type(None),),
    }
    return frozenset(t for o in options if o in simple for t in simple[o])


def _compile(hint: Any) -> Checker:
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is object:
        return _accept
    if origin is Union:
        return _union(args)
    if origin is typing.Literal:
        return _literal(args)
    if origin in (list, List):
        return _list(_compile(args[0]) if args else _accept)
    if origin in (dict, Dict):
        return _dict(_compile(args[1]) if args else _accept)
    if origin in (tuple, Tuple) and args and args[-1] is not Ellipsis:
        return _tuple(tuple(_compile(arg) for arg in args))
    if hint in _SCALARS:
        return _SCALARS[hint]
    if isinstance(hint, type) and attrs.has(hint):
        return _attrs_checker(hint)
    if isinstance(hint, type):
        return _instance(hint)
    return _accept


def _accept(value: Any) -> None:
    return None


def _str(value: Any) -> None:
    if not isinstance(value, str):
        raise _fail(value, "a string")


def _int(value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(value, "an integer")


def _float(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(value, "a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(value, "a finite number")


def _bool(value: Any) -> None:
    if not isinstance(value, bool):
        raise _fail(value, "True or False")


def _none(value: Any) -> None:
    if value is not None:
        raise _fail(value, "None")


_SCALARS: Dict[Any, Checker] = {str: _str, int: _int, float: _float, bool: _bool}
_SCALARS[type(None)] = _none
_GUARDS: Dict[Any, Any] = {
    str: str,
    int: int,
    float: (int, float),
    bool: bool,
    type(None): type(None),
}


def _guard(hint: Any) -> Any:
    import typing

    origin = typing.get_origin(hint)
    if origin in (list, List):
        return list
    if origin in (dict, Dict):
        return dict
    if origin in (tuple, Tuple):
        return tuple
    if origin is typing.Literal:
        return tuple({type(a) for a in typing.get_args(hint)})
    if origin is Union:
        return tuple(g for a in typing.get_args(hint) for g in _flat(_guard(a)))
    if hint is Any:  # a class on Python 3.11+, but no isinstance() target
        return object
    return _GUARDS.get(hint, hint if isinstance(hint, type) else object)


def _flat(guard: Any) -> Tuple[Any, ...]:
    return guard if isinstance(guard, tuple) else (guard,)


def _union(options: Tuple[Any, ...]) -> Checker:
    arms = [(_guard(o), _compile(o)) for o in options]
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)

    def check(value: Any) -> None:
        for guard, checker in arms:
            if isinstance(value, guard) and not (isinstance(value, bool) and guard in (int,)):
                checker(value)
                return
        raise _fail(value, names)

    return check


def _literal(allowed: Tuple[Any, ...]) -> Checker:
    types = {type(a) for a in allowed}

    def check(value: Any) -> None:
        if type(value) not in types or value not in allowed:
            raise _fail(value, "one of " + ", ".join(repr(a) for a in allowed))

    return check


def _list(item: Checker) -> Checker:
    return _container(list, "a list", item, lambda value, at: f"[{at}]")


def _dict(item: Checker) -> Checker:
    return _container(dict, "a dict", item, lambda value, at: f"[{list(value)[at]!r}]")


def _container(kind: type, label: str, item: Checker, where: Callable[[Any, int], str]) -> Checker:
    """A checker for a list or dict whose items (a dict's values) pass ``item``."""

    def check(value: Any) -> None:
        if not isinstance(value, kind):
            raise _fail(value, label)
        elements: Any = value.values() if isinstance(value, dict) else value
        for at, element in enumerate(elements):
            try:
                item(element)
            except _Mismatch as exc:
                exc.where.append(where(value, at))
                raise

    return check


def _tuple(items: Tuple[Checker, ...]) -> Checker:
    """A checker for a fixed-length tuple whose items pass ``items`` in turn."""

    def check(value: Any) -> None:
        if not isinstance(value, tuple) or len(value) != len(items):
            raise _fail(value, f"a tuple of {len(items)}")
        for at, (element, item) in enumerate(zip(value, items)):
            try:
                item(element)
            except _Mismatch as exc:
                exc.where.append(f"[{at}]")
                raise

    return check


def _instance(cls: type) -> Checker:
    def check(value: Any) -> None:
        if not isinstance(value, cls):
            raise _fail(value, cls.__name__)

    return check
