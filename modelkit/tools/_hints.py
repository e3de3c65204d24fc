"""Resolving type hints, on every supported Python, without surprises.

``typing.get_type_hints`` evaluates string annotations (``from __future__
import annotations``); on Python 3.8 and 3.9 it fails on the newer forms
``list[int]`` and ``int | None`` that such modules may contain. When it
fails, each annotation is evaluated on its own, and a failing one is
rewritten with ``ast`` (``list[...]`` to ``typing.List[...]``, ``X | Y`` to
``typing.Union[X, Y]``) before it is given up on. ``Annotated`` wrappers
and ``Required``/``NotRequired`` markers are peeled off.
"""

from __future__ import annotations

import sys
import typing
from typing import Any, Dict, Mapping, Tuple

__all__ = [
    "class_hints",
    "function_hints",
    "hint_repr",
    "origin_args",
    "required_marker",
    "strip_hint",
]

_PEP585 = {
    "list": "List",
    "dict": "Dict",
    "tuple": "Tuple",
    "set": "Set",
    "frozenset": "FrozenSet",
    "type": "Type",
}
_TYPING = "__modelkit_typing__"


class HintError(Exception):
    """An annotation that could not be evaluated; ``name`` says whose."""

    def __init__(self, name: str, annotation: Any, reason: str) -> None:
        super().__init__(f"{name}: cannot evaluate {annotation!r}: {reason}")
        self.name = name
        self.annotation = annotation
        self.reason = reason


def function_hints(fn: Any) -> Dict[str, Any]:
    """The evaluated annotations of ``fn`` (a function or a bound method).

    Raises:
        HintError: an annotation names something that does not exist, or
            uses syntax this Python cannot evaluate.
    """
    target = getattr(fn, "__func__", fn)
    annotations = dict(getattr(target, "__annotations__", None) or {})
    globalns = getattr(target, "__globals__", {})
    return _resolve(fn, annotations, globalns)


def class_hints(cls: type) -> Dict[str, Any]:
    """The evaluated annotations of ``cls`` and its bases (TypedDict, attrs, dataclass).

    ``Required``/``NotRequired`` markers are kept (see :func:`required_marker`);
    ``Annotated`` is peeled off.

    Raises:
        HintError: as for :func:`function_hints`.
    """
    try:
        if sys.version_info >= (3, 9):
            found = typing.get_type_hints(cls, include_extras=True)
        else:
            found = typing.get_type_hints(cls)
        return {name: _peel_annotated(hint) for name, hint in found.items()}
    except Exception:  # any failure: evaluate one annotation at a time
        pass
    hints: Dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        annotations = base.__dict__.get("__annotations__", {})  # noqa: RUF063 - own, not inherited
        module = sys.modules.get(base.__module__)
        globalns = dict(vars(module)) if module else {}
        localns = dict(vars(cls))
        for name, annotation in annotations.items():
            hints[name] = _peel_annotated(_evaluate(name, annotation, globalns, localns))
    return hints


def _peel_annotated(hint: Any) -> Any:
    while hasattr(hint, "__metadata__") and hasattr(hint, "__origin__"):
        hint = hint.__origin__
    return hint


def required_marker(hint: Any) -> Any:
    """``True`` for ``Required[...]``, ``False`` for ``NotRequired[...]``, else ``None``."""
    origin = typing.get_origin(_peel_annotated(hint))
    name = getattr(origin, "_name", None)
    return {"Required": True, "NotRequired": False}.get(name) if name else None


def _resolve(fn: Any, annotations: Dict[str, Any], globalns: Mapping[str, Any]) -> Dict[str, Any]:
    try:
        return _strip_all(typing.get_type_hints(fn))
    except Exception:  # any failure: evaluate one annotation at a time
        pass
    hints: Dict[str, Any] = {}
    for name, annotation in annotations.items():
        try:
            hints[name] = strip_hint(_evaluate(name, annotation, globalns, {}))
        except HintError:
            if name != "return":  # a tool's return annotation is never needed
                raise
    return hints


def _strip_all(hints: Dict[str, Any]) -> Dict[str, Any]:
    return {name: strip_hint(hint) for name, hint in hints.items()}


def _evaluate(
    name: str, annotation: Any, globalns: Mapping[str, Any], localns: Mapping[str, Any]
) -> Any:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if not isinstance(annotation, str):
        return annotation
    namespace = dict(globalns)
    namespace.update(localns)
    try:
        return eval(annotation, namespace)  # same as typing.get_type_hints does
    except TypeError as exc:
        if sys.version_info >= (3, 10):
            raise HintError(name, annotation, str(exc)) from exc
        first_error: Exception = exc
    except Exception as exc:  # NameError, SyntaxError, AttributeError...
        raise HintError(name, annotation, f"{type(exc).__name__}: {exc}") from exc
    try:
        return _evaluate_modern(annotation, namespace)
    except Exception as exc:  # report the original failure
        raise HintError(name, annotation, f"{first_error} (this Python is too old)") from exc


def _evaluate_modern(text: str, namespace: Dict[str, Any]) -> Any:
    """Evaluate ``list[int]`` / ``int | None`` on Python 3.8/3.9 via typing aliases."""
    import ast

    class Rewrite(ast.NodeTransformer):
        def visit_BinOp(self, node: ast.BinOp) -> Any:
            self.generic_visit(node)
            if not isinstance(node.op, ast.BitOr):
                return node
            pair = ast.Tuple(elts=[node.left, node.right], ctx=ast.Load())
            return _subscript(_typing_attr("Union"), pair)

        def visit_Subscript(self, node: ast.Subscript) -> Any:
            self.generic_visit(node)
            if isinstance(node.value, ast.Name) and node.value.id in _PEP585:
                node.value = _typing_attr(_PEP585[node.value.id])
            return node

    tree = ast.fix_missing_locations(Rewrite().visit(ast.parse(text, mode="eval")))
    namespace[_TYPING] = typing
    return eval(compile(tree, "<annotation>", "eval"), namespace)


def _typing_attr(name: str) -> Any:
    import ast

    return ast.Attribute(value=ast.Name(id=_TYPING, ctx=ast.Load()), attr=name, ctx=ast.Load())


def _subscript(value: Any, index: Any) -> Any:
    import ast

    if sys.version_info < (3, 9):
        index = ast.Index(value=index)  # type: ignore[call-arg,unused-ignore]
    return ast.Subscript(value=value, slice=index, ctx=ast.Load())


def strip_hint(hint: Any) -> Any:
    """``hint`` without ``Annotated[...]``, ``Required[...]``, ``NotRequired[...]``."""
    while True:
        if hasattr(hint, "__metadata__") and hasattr(hint, "__origin__"):
            hint = hint.__origin__  # Annotated[T, ...]
            continue
        origin = typing.get_origin(hint)
        if origin is not None and getattr(origin, "_name", None) in _MARKERS:
            hint = typing.get_args(hint)[0]
            continue
        return hint


_MARKERS = ("Required", "NotRequired", "ReadOnly")


def origin_args(hint: Any) -> Tuple[Any, Tuple[Any, ...]]:
    """``typing.get_origin`` and ``get_args`` of ``hint``."""
    return typing.get_origin(hint), typing.get_args(hint)


def hint_repr(hint: Any) -> str:
    """A readable name for a hint: ``int``, ``List[int]``, ``Foo``."""
    if isinstance(hint, type) and not typing.get_args(hint):
        return hint.__qualname__
    return repr(hint).replace("typing.", "")
