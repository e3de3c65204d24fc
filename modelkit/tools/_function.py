"""Tools from plain Python functions: ``tool_def_from_function`` and ``@tool``.

The tool's name is the function's name; its description is the docstring's
text before the first section; each parameter's description comes from the
docstring's ``Args:`` (Google), ``Parameters`` (NumPy) or ``:param:`` (reST)
entries, and its JSON Schema from its type hint. Parameters with defaults
are optional. Everything is worked out when the tool is defined, so a hint
that JSON Schema cannot express is a ``ConfigError`` naming the parameter
there, not a failure halfway through a conversation.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, overload

import attrs

from ..errors import ConfigError
from ._types import ToolInfo, ToolParam, ToolParams

__all__ = ["CallSpec", "ToolDef", "call_spec", "to_tool_info", "tool", "tool_def_from_function"]

F = TypeVar("F", bound=Callable[..., Any])

_ATTR = "__modelkit_tool__"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_specs: Any = None  # weakref.WeakKeyDictionary, made on first use


@attrs.frozen
class ToolDef:
    """A Python callable together with the ``ToolInfo`` that describes it.

    Build one from a function with ``ToolDef.from_function(fn)`` (see
    ``modelkit.tool``), or give every part by hand.
    """

    tool: Callable[..., Any]
    name: str
    description: str
    parameters: ToolParams = attrs.field(factory=ToolParams)

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        name: Optional[str] = None,
        description: Optional[str] = None,
    ) -> ToolDef:
        """A ``ToolDef`` for ``fn``, described by its docstring and type hints.

        Raises:
            ConfigError: see ``tool_def_from_function``.
        """
        return tool_def_from_function(fn, name=name, description=description)

    def as_info(self) -> ToolInfo:
        """The ``ToolInfo`` a provider sends to the model."""
        return ToolInfo(name=self.name, description=self.description, parameters=self.parameters)


@attrs.frozen
class CallSpec:
    """How to call a tool's function with the model's arguments.

    Args:
        positional: names of positional-only parameters, in order.
        hints: the evaluated type hint of each parameter.
        var_keyword: the function takes ``**kwargs``.
    """

    positional: Tuple[str, ...] = ()
    hints: Dict[str, Any] = attrs.field(factory=dict)
    var_keyword: bool = False


def tool_def_from_function(
    fn: Callable[..., Any], name: Optional[str] = None, description: Optional[str] = None
) -> ToolDef:
    """A ``ToolDef`` for ``fn``: name, description and schema from the function.

    Args:
        fn: a function, bound method, ``functools.partial`` or callable object.
        name: the tool name (default: the function's ``__name__``).
        description: what the tool does (default: from the docstring).

    Raises:
        ConfigError: no description, a name providers reject, ``*args``, or
            a parameter without a type hint or with one JSON Schema cannot
            express (the message names the parameter).
    """
    attached = getattr(fn, _ATTR, None)
    if isinstance(attached, ToolDef) and attached.tool is fn:
        if name is None and description is None:
            return attached
        name = name or attached.name
        description = description or attached.description
    if not callable(fn):
        raise ConfigError(f"a tool must be callable, got {type(fn).__name__}")
    tool_name = name or _default_name(fn)
    if not _NAME.match(tool_name):
        raise ConfigError(
            f"tool name {tool_name!r} is not accepted by model APIs (1-64 letters, digits, "
            "'_' or '-'); pass name=..."
        )
    return _build(fn, tool_name, description)


@overload
def tool(fn: F) -> F: ...


@overload
def tool(
    fn: None = None, *, name: Optional[str] = None, description: Optional[str] = None
) -> Callable[[F], F]: ...


def tool(
    fn: Optional[F] = None, *, name: Optional[str] = None, description: Optional[str] = None
) -> Any:
    """Mark a function as a tool: ``@tool`` or ``@tool(name=..., description=...)``.

    The function is returned unchanged (it can still be called directly);
    its ``ToolDef`` is built now, so mistakes surface at definition time,
    and is used wherever the function is passed as a tool.

    Raises:
        ConfigError: as :func:`tool_def_from_function`.
    """

    def decorate(target: F) -> F:
        definition = tool_def_from_function(target, name=name, description=description)
        try:
            setattr(target, _ATTR, definition)
        except (AttributeError, TypeError) as exc:
            raise ConfigError(
                f"@tool cannot mark {target!r}; use ToolDef.from_function() instead"
            ) from exc
        return target

    return decorate(fn) if fn is not None else decorate


def _default_name(fn: Any) -> str:
    target = _unwrap(fn)
    found = getattr(target, "__name__", None)
    return str(found) if found else type(fn).__name__


def _unwrap(fn: Any) -> Any:
    """The function behind a ``functools.partial``."""
    while hasattr(fn, "func") and hasattr(fn, "keywords"):
        fn = fn.func
    return fn


def _hint_target(fn: Any) -> Any:
    """Where the annotations are: the function, or a callable object's ``__call__``."""
    target = _unwrap(fn)
    if hasattr(target, "__code__") or hasattr(target, "__func__"):
        return target
    if isinstance(target, type):
        return target.__init__  # type: ignore[misc]  # a class: its __init__ holds the hints
    return type(target).__call__ if callable(target) else target


def _build(fn: Callable[..., Any], name: str, description: Optional[str]) -> ToolDef:
    definition, spec = _analyse(fn, name, description)
    _remember(fn, spec)
    return definition


def _analyse(
    fn: Callable[..., Any], name: str, description: Optional[str]
) -> Tuple[ToolDef, CallSpec]:
    import inspect

    from ._docstrings import parse_docstring
    from ._hints import HintError, function_hints
    from ._schema import UnsupportedHint, json_default, schema_for

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"tool {name!r}: cannot read its signature ({exc})") from exc
    target = _unwrap(fn)
    doc = parse_docstring(inspect.getdoc(_hint_target(fn)) or inspect.getdoc(target))
    description = description or doc.description
    if not description:
        raise ConfigError(
            f"tool {name!r} has no description: give the function a docstring or pass "
            "description=..."
        )
    try:
        hints = function_hints(_hint_target(fn))
    except HintError as exc:
        raise ConfigError(
            f"tool {name!r}: parameter {exc.name!r} has type hint {exc.annotation!r}, which "
            f"cannot be evaluated ({exc.reason})"
        ) from exc
    properties: Dict[str, ToolParam] = {}
    required: List[str] = []
    var_keyword = False
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            var_keyword = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            raise ConfigError(
                f"tool {name!r}: *{param.name} cannot be filled from named arguments; "
                "use a list parameter instead"
            )
        if param.name not in hints:
            extra = " (for a method, pass the bound method)" if param.name == "self" else ""
            raise ConfigError(
                f"tool {name!r}: parameter {param.name!r} has no type hint; annotate it "
                f"(use typing.Any to accept any JSON value){extra}"
            )
        try:
            schema = schema_for(hints[param.name])
        except UnsupportedHint as exc:
            raise ConfigError(
                f"tool {name!r}: parameter {param.name!r} has a type hint JSON Schema "
                f"cannot express: {exc}"
            ) from exc
        if doc.params.get(param.name):
            schema = attrs.evolve(schema, description=doc.params[param.name])
        if param.default is param.empty:
            required.append(param.name)
        else:
            shown, value = json_default(param.default)
            if shown:
                schema = attrs.evolve(schema, default=value)
        properties[param.name] = schema
    spec = CallSpec(
        positional=tuple(
            p.name for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY
        ),
        hints={k: v for k, v in hints.items() if k in properties},
        var_keyword=var_keyword,
    )
    parameters = ToolParams(
        properties=properties, required=required, additionalProperties=var_keyword
    )
    return ToolDef(tool=fn, name=name, description=description, parameters=parameters), spec


def _remember(fn: Any, spec: CallSpec) -> None:
    global _specs
    if _specs is None:
        import weakref

        _specs = weakref.WeakKeyDictionary()
    try:
        _specs[fn] = spec
    except TypeError:  # not weak-referenceable: worked out again when called
        pass


def call_spec(definition: ToolDef) -> CallSpec:
    """The ``CallSpec`` of a tool's function (empty if its hints cannot be read)."""
    fn = definition.tool
    try:
        found = _specs.get(fn) if _specs is not None else None
    except TypeError:  # unhashable callable (e.g. an attrs instance with __call__)
        found = None
    if found is not None:
        return found  # type: ignore[no-any-return]
    try:
        spec = _analyse(fn, definition.name, definition.description or "-")[1]
    except ConfigError:  # a hand-made ToolDef: pass the JSON arguments as they are
        return CallSpec(var_keyword=True)
    _remember(fn, spec)
    return spec


def to_tool_info(tool: Any) -> ToolInfo:
    """The ``ToolInfo`` for a ``ToolInfo``, a ``ToolDef`` or a plain function."""
    if isinstance(tool, ToolInfo):
        return tool
    if isinstance(tool, ToolDef):
        return tool.as_info()
    if callable(tool):
        return tool_def_from_function(tool).as_info()
    raise ConfigError(f"tools must be ToolInfo, ToolDef or functions, got {type(tool).__name__}")
